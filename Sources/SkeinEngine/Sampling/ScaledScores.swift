import Foundation

/// The O(vocab) passes of a full-vocabulary draw, in SIMD: the largest score, the scaled scores
/// `x = score * inverseTemperature - maxScaled` (the very float expression the softmax uses),
/// and an approximate sum of e^x with a known error, which bounds the softmax's normalizer.
enum ScaledScores {
    /// The largest score, and whether any score is NaN (the rank order is then undefined).
    static func maximum(_ scores: UnsafeBufferPointer<Float>) -> (max: Float, hasNaN: Bool) {
        let n = scores.count
        let base = UnsafeRawPointer(scores.baseAddress!)
        var best = SIMD8<Float>(repeating: -.infinity)
        var nan = SIMDMask<SIMD8<Int32>>(repeating: false)
        var i = 0
        while i + 8 <= n {
            let v = base.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            best = pointwiseMax(best, v)
            nan .|= v .!= v
            i += 8
        }
        var result = best.max()
        var hasNaN = any(nan)
        while i < n {
            result = max(result, scores[i])
            hasNaN = hasNaN || scores[i].isNaN
            i += 1
        }
        return (result, hasNaN)
    }

    /// Fills `xs` (vocab) with the scaled scores and returns the sum of `FastExp` of them,
    /// accumulated in Double (within (1 ± u)^vocab of the exact sum of those approximations).
    static func fill(_ xs: UnsafeMutableBufferPointer<Float>, from scores: UnsafeBufferPointer<Float>,
                     inverseTemperature: Float, maxScaled: Float) -> Double {
        let n = scores.count
        let source = UnsafeRawPointer(scores.baseAddress!), target = UnsafeMutableRawPointer(xs.baseAddress!)
        let t = SIMD8<Float>(repeating: inverseTemperature), m = SIMD8<Float>(repeating: maxScaled)
        var sum = SIMD8<Double>(repeating: 0)
        var i = 0
        while i + 8 <= n {
            let x = source.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) * t - m
            target.storeBytes(of: x, toByteOffset: i * 4, as: SIMD8<Float>.self)
            sum += SIMD8<Double>(FastExp.exp8(x))
            i += 8
        }
        var total = sum.sum()
        while i < n {
            let x = scores[i] * inverseTemperature - maxScaled
            xs[i] = x
            total += Double(FastExp.exp8(SIMD8(repeating: x))[0])
            i += 1
        }
        return total
    }
}

/// e^x for eight floats at once, within `relativeError` of the platform's `exp(Float)` for
/// x >= -87.3, and 0 below (where e^x < 2^-125), -infinity included. Inputs are expected <= 88.
///
/// e^x = 2^n e^r with n = round(x / ln 2) and r = x - n ln 2 (ln 2 in two parts, the first
/// product exact), e^r from the degree-7 minimax polynomial of the C kernels' vector_exp.h.
/// The polynomial is within about 2e-7 and the float roundings of the evaluation add a few
/// ulps: under 1e-6 in all. `SamplerFastExpTests` checks the stated bound, ten times that.
enum FastExp {
    /// The bound the normalizer's interval is built on: `|fast - exp(x)| <= relativeError * exp(x)`.
    static let relativeError = 1e-5

    @inline(__always) static func exp8(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let live = x .>= -87.3
        let clamped = pointwiseMin(pointwiseMax(x, SIMD8(repeating: -87.3)), SIMD8(repeating: 88))
        let magic = SIMD8<Float>(repeating: 12_582_912)  // 1.5 * 2^23: adding it rounds to an integer
        let shifted = clamped * 1.442_695_04 + magic
        let n = shifted - magic
        var r = clamped - n * 0.693_359_375
        r = r - n * -2.121_944_40e-4
        var p = SIMD8<Float>(repeating: 1.987_569_150_0e-4)
        p = p * r + 1.398_199_950_7e-3
        p = p * r + 8.333_451_907_3e-3
        p = p * r + 4.166_579_589_4e-2
        p = p * r + 1.666_666_545_9e-1
        p = p * r + 5.000_000_120_1e-1
        p = p * (r * r) + (r + 1)
        let exponent = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000  // n as an integer
        let scale = unsafeBitCast((exponent &+ 127) &<< 23, to: SIMD8<Float>.self)
        return (p * scale).replacing(with: 0, where: .!live)
    }
}
