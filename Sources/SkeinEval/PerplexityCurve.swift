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
}
