import Foundation
import SkeinTokenizers

/// Filler sentences with their token counts, for building prompts of a target length.
public struct FillerText: Sendable {
    public let sentences: [String]
    /// Tokens of " " + sentence, without special tokens.
    let tokenCounts: [Int]

    /// Splits `text` at ". " into sentences and counts their tokens once.
    public init(text: String, tokenizer: ModelTokenizer) {
        var sentences = text.split(separator: ". ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .filter { !$0.isEmpty }.map { $0.hasSuffix(".") ? $0 : $0 + "." }
        if sentences.isEmpty { sentences = ["The grass is green."] }
        self.sentences = sentences
        tokenCounts = sentences.map { tokenizer.encode(" " + $0, addSpecialTokens: false).count }
    }

    /// Consecutive sentences (wrapping around) from a random start, about `tokens` tokens in all.
    public func take(tokens: Int, using rng: inout SeededGenerator) -> [String] {
        takeCounted(tokens: tokens, using: &rng).map(\.sentence)
    }

    /// Like `take`, with each sentence's token count.
    public func takeCounted(tokens: Int, using rng: inout SeededGenerator) -> [(sentence: String, tokens: Int)] {
        var index = Int.random(in: 0..<sentences.count, using: &rng)
        var total = 0
        var out = [(sentence: String, tokens: Int)]()
        while total < tokens {
            if total + tokenCounts[index] > tokens && !out.isEmpty { break }
            out.append((sentences[index], tokenCounts[index]))
            total += tokenCounts[index]
            index = (index + 1) % sentences.count
            if out.count > 4 * sentences.count { break }
        }
        return out
    }

    /// About `tokens` tokens of filler with `inserts` placed at their depths (0 = start, 1 = end),
    /// each at the sentence boundary whose token offset is nearest depth x filler tokens.
    public func compose(tokens: Int, inserts: [(depth: Double, text: String)], using rng: inout SeededGenerator) -> String {
        let counted = takeCounted(tokens: tokens, using: &rng)
        let total = Double(counted.reduce(0) { $0 + $1.tokens })
        var boundaries = [Int](repeating: 0, count: counted.count + 1)  // token offset of each boundary
        for index in counted.indices { boundaries[index + 1] = boundaries[index] + counted[index].tokens }
        var slots = [Int: [String]]()
        for insert in inserts {
            let target = insert.depth * total
            let slot = boundaries.indices.min { abs(Double(boundaries[$0]) - target) < abs(Double(boundaries[$1]) - target) } ?? 0
            slots[slot, default: []].append(insert.text)
        }
        var parts = [String]()
        for index in 0...counted.count {
            parts += slots[index] ?? []
            if index < counted.count { parts.append(counted[index].sentence) }
        }
        return parts.joined(separator: " ")
    }
}
