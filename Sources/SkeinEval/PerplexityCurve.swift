import Foundation
import SkeinEngine

/// Perplexity of one text stream, reported per band of positions.
public struct PerplexityCurve: Sendable, Codable {
    /// Half-open position bands, e.g. 0..<256, 256..<512, 512..<1024.
    public let bands: [Range<Int>]
    /// Perplexity of the tokens in each band (nil when the band is empty).
    public let values: [Double?]

    /// Bands that double: [0, L), [L, 2L), [2L, 4L), ... up to `maxLength`.
    public static func doublingBands(trainingLength: Int, maxLength: Int) -> [Range<Int>] {
        var bands = [0..<trainingLength]
        var start = trainingLength
        while start < maxLength {
            let end = min(maxLength, start * 2)
            bands.append(start..<end)
            start = end
        }
        return bands
    }

    /// Streams `tokens` through the model under `policy` and scores every position.
    public static func measure(model: TransformerModel, policy: AttentionPolicy, tokens: [Int], bands: [Range<Int>],
                               progress: (Int, Int) -> Void = { _, _ in }) throws -> PerplexityCurve {
        let result = try model.perplexity(tokens, policy: policy, context: .stream(chunk: 256), progress: progress)
        return PerplexityCurve(bands: bands, values: bands.map { result.perplexity(positionsIn: $0) })
    }

    /// The same tokens with more and more context: for each context length N, the stream of
    /// `tokens`' last N + 1 tokens, scoring only its last `scored` predictions, so every N scores the
    /// same tokens (the end of `tokens`). Band i is 0..<contexts[i]: the tokens of context (the
    /// scored ones included); a method that uses long context well keeps the value flat or lowers it.
    public static func sameTokens(model: TransformerModel, policy: AttentionPolicy, tokens: [Int], scored: Int, contexts: [Int],
                                  progress: (Int, Int) -> Void = { _, _ in }) throws -> PerplexityCurve {
        let end = tokens.count - 1  // predictions in the whole stream
        var values: [Double?] = []
        for (i, n) in contexts.enumerated() {
            let slice = Array(tokens[(end - n)...end])
            let result = try model.perplexity(slice, policy: policy, context: .stream(chunk: 256))
            values.append(result.perplexity(positionsIn: (n - scored + 1)..<(n + 1)))  // positions index the predicted token
            progress(i + 1, contexts.count)
        }
        return PerplexityCurve(bands: contexts.map { 0..<$0 }, values: values)
    }

    /// Context lengths that double from `scored` up to `maxLength` (which is always included).
    public static func doublingContexts(from scored: Int, maxLength: Int) -> [Int] {
        var lengths = [scored], n = scored
        while n < maxLength { n = min(maxLength, n * 2); lengths.append(n) }
        return lengths
    }
}
