import Foundation
import Testing
@testable import SkeinEngine

/// The fast paths do the work (they rarely hand over to the full sort), and the sampler is much
/// faster than the full sort it replaced on Qwen2.5's 151,936-token vocabulary.
@Suite struct SamplerSpeedTests {
    typealias Shape = SamplerOracleTests.Shape

    /// CertifiedDraw (and FlatDraw under it) on its own, for a given unit: nil when it declines.
    static func certified(_ logits: [Float], _ parameters: SamplingParameters, unit: Double) -> Int? {
        logits.withUnsafeBufferPointer { scores in
            let inverse = 1 / parameters.temperature
            let extremes = ScaledScores.extremes(scores)
            let maxScaled = extremes.max * inverse
            var xs = [Float](repeating: 0, count: scores.count)
            return xs.withUnsafeMutableBufferPointer { buffer in
                let summary = ScaledScores.fill(buffer, from: scores, inverseTemperature: inverse, maxScaled: maxScaled)
                return CertifiedDraw(scores: scores, xs: UnsafeBufferPointer(buffer), summary: summary,
                                     lowest: max(-40, min(0, extremes.min * inverse - maxScaled)),
                                     topP: parameters.topP, minP: parameters.minP, unit: unit).pick()
            }
        }
    }

    /// At random draws the certificate decides nearly always (here: every time but at most one
    /// in 60), and agrees with the oracle when it does; peaked logits take the stream, flat ones
    /// the buckets. (Min-p over a flat distribution is left to the full sort.)
    @Test(arguments: [Shape.languageModel, .gaussian, .nearlyFlat])
    func theCertificateDecidesAlmostEveryDraw(shape: Shape) {
        var random = RandomSource(seed: 23)
        let logits = shape.logits(151_936, &random)
        var declined = 0
        let minP = shape == .nearlyFlat ? SamplingParameters(temperature: 0.7, topP: 0.5) : SamplingParameters(temperature: 1.3, minP: 0.05)
        for parameters in [SamplingParameters(temperature: 1), SamplingParameters(temperature: 0.8, topP: 0.95), minP] {
            let oracle = OracleSampler(parameters)
            for _ in 0..<20 {
                let unit = random.nextUnit()
                guard let chosen = Self.certified(logits, parameters, unit: unit) else { declined += 1; continue }
                #expect(chosen == oracle.choose(logits, unit: unit), "\(shape) \(parameters) unit \(unit)")
            }
        }
        #expect(declined <= 1, "\(shape): declined \(declined) of 60")
    }
}
