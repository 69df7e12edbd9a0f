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

    /// Like `take`, with each sentence's token count. The text repeats as often as the length
    /// needs (a 1M-token prompt from a 64 KB text wraps around it many times), so the result falls
    /// short of `tokens` by less than one sentence.
    public func takeCounted(tokens: Int, using rng: inout SeededGenerator) -> [(sentence: String, tokens: Int)] {
        var index = Int.random(in: 0..<sentences.count, using: &rng)
        var total = 0
        var out = [(sentence: String, tokens: Int)]()
        guard tokenCounts.contains(where: { $0 > 0 }) else { return [] }
        while total < tokens {
            if total + tokenCounts[index] > tokens && !out.isEmpty { break }
            out.append((sentences[index], tokenCounts[index]))
            total += tokenCounts[index]
            index = (index + 1) % sentences.count
        }
        return out
    }

    /// About `tokens` tokens of filler with `inserts` placed at their depths (0 = start, 1 = end).
    ///
    /// Each insert goes at the word boundary whose token offset in the filler is nearest
    /// depth x filler tokens (offsets counted as the filler's words tokenize one by one).
    public func compose(tokens: Int, inserts: [(depth: Double, text: String)], tokenizer: ModelTokenizer,
                        using rng: inout SeededGenerator) -> String {
        let counted = takeCounted(tokens: tokens, using: &rng)
        // The filler as words with their token counts (" word" each).
        var words = [(word: String, tokens: Int)]()
        for (sentence, _) in counted {
            for word in sentence.split(separator: " ") {
                words.append((String(word), tokenizer.encode(" " + word, addSpecialTokens: false).count))
            }
        }
        var offsets = [Int](repeating: 0, count: words.count + 1)  // token offset before word i
        for index in words.indices { offsets[index + 1] = offsets[index] + words[index].tokens }
        let total = Double(offsets.last ?? 0)
        var slots = [Int: [String]]()
        for insert in inserts {
            let target = insert.depth * total
            // Offsets ascend: binary search for the nearest boundary.
            var low = 0, high = offsets.count - 1
            while low < high {
                let mid = (low + high) / 2
                if Double(offsets[mid]) < target { low = mid + 1 } else { high = mid }
            }
            let slot = low > 0 && abs(Double(offsets[low - 1]) - target) <= abs(Double(offsets[low]) - target) ? low - 1 : low
            slots[slot, default: []].append(insert.text)
        }
        var parts = [String]()
        for index in 0...words.count {
            parts += slots[index] ?? []
            if index < words.count { parts.append(words[index].word) }
        }
        return parts.joined(separator: " ")
    }
}
