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

    /// Median time per sampled token, new against the full-sort oracle (printed; the new one must
    /// be at least 5x faster, which it is by far more).
    @Test func samplingIsFarFasterThanTheFullSort() {
        var random = RandomSource(seed: 99)
        func median(_ body: () -> Void) -> Double {
            var times: [Double] = []
            for _ in 0..<7 {
                let start = DispatchTime.now().uptimeNanoseconds
                body()
                times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e3)
            }
            return times.sorted()[3]
        }
        for shape in [Shape.languageModel, .nearlyFlat] {
            let logits = shape.logits(151_936, &random)
            for parameters in [SamplingParameters(temperature: 1), SamplingParameters(temperature: 0.8, topK: 40, topP: 0.95)] {
                var fast = Sampler(parameters), oracle = OracleSampler(parameters)
                let new = median { _ = fast.sample(logits) }, old = median { _ = oracle.sample(logits) }
                print(String(format: "sampler %@ t=%.1f top-k=%@: %.0f us (full sort %.0f us)", "\(shape)", parameters.temperature,
                             "\(parameters.topK.map(String.init) ?? "-")", new, old))
                #expect(new * 5 < old, "\(shape) \(parameters): \(new) us vs \(old) us")
            }
        }
    }
}
