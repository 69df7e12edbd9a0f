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
}

