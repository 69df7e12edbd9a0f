import Foundation
import Testing
@testable import SkeinEngine

/// The certified draw brackets the softmax's normalizer with `FastExp.relativeError`: that
/// bound must hold against the platform's own `exp(Float)`, which the softmax uses.
@Suite struct SamplerFastExpTests {
    /// Every 1/2^16 from -87.3 to 0 (5.7 million points), and the bound with ten times room.
    @Test func fastExpStaysWithinItsStatedBound() {
        var worst = 0.0
        var x: Float = -87.3
        var batch = SIMD8<Float>(repeating: 0)
        while x <= 0 {
            for lane in 0..<8 { batch[lane] = min(0, x + Float(lane) * 0x1p-16) }
            let fast = FastExp.exp8(batch)
            for lane in 0..<8 {
                let exact = Double(exp(batch[lane]))
                worst = max(worst, abs(Double(fast[lane]) - exact) / exact)
            }
            x += 8 * 0x1p-16
        }
        #expect(worst * 10 <= FastExp.relativeError, "worst relative error \(worst)")
        // Below -87.3 (and at -infinity) the approximation is 0, and e^x < 2^-125 there.
        let below = FastExp.exp8(SIMD8(-87.31, -90, -100, -103, -104, -200, -.infinity, -88))
        #expect(below == SIMD8(repeating: 0))
        #expect(Double(exp(Float(-87.3).nextDown)) < 0x1p-125)
    }

    /// The scaled scores are the softmax's own floats, and the sum is e^x summed within the bound.
    @Test func scaledScoresAreTheSoftmaxsFloats() {
        var random = RandomSource(seed: 11)
        let scores = (0..<1003).map { _ in Float(random.nextUnit() * 40 - 30) }
        let inverse: Float = 1 / 0.7
        let maxScaled = scores.max()! * inverse
        var xs = [Float](repeating: 0, count: scores.count)
        let summary = scores.withUnsafeBufferPointer { s in
            xs.withUnsafeMutableBufferPointer { ScaledScores.fill($0, from: s, inverseTemperature: inverse, maxScaled: maxScaled) }
        }
        let sum = summary.sum
        #expect(summary.counts == ScaledScores.ladder.map { tau in xs.filter { $0 >= tau }.count })
        #expect(xs == scores.map { $0 * inverse - maxScaled })
        let exact = xs.reduce(0.0) { $0 + Double(exp($1)) }
        #expect(abs(sum - exact) <= FastExp.relativeError * exact)
        #expect(scores.withUnsafeBufferPointer { ScaledScores.extremes($0) } == (scores.max()!, scores.min()!, false))
    }
}
