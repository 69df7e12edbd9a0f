import Foundation

/// The O(vocab) passes of a full-vocabulary draw, in SIMD: the largest score, the scaled scores
/// `x = score * inverseTemperature - maxScaled` (the very float expression the softmax uses),
/// and an approximate sum of e^x with a known error, which bounds the softmax's normalizer.
enum ScaledScores {
    /// The largest and smallest score, and whether any score is NaN (the rank order is then undefined).
    static func extremes(_ scores: UnsafeBufferPointer<Float>) -> (max: Float, min: Float, hasNaN: Bool) {
        let n = scores.count
        let base = UnsafeRawPointer(scores.baseAddress!)
        var best = SIMD8<Float>(repeating: -.infinity), worst = SIMD8<Float>(repeating: .infinity)
        var nan = SIMDMask<SIMD8<Int32>>(repeating: false)
        var i = 0
        while i + 8 <= n {
            let v = base.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            best = pointwiseMax(best, v)
            worst = pointwiseMin(worst, v)
            nan .|= v .!= v
            i += 8
        }
        var largest = best.max(), smallest = worst.min()
        var hasNaN = any(nan)
        while i < n {
            largest = max(largest, scores[i])
            smallest = min(smallest, scores[i])
            hasNaN = hasNaN || scores[i].isNaN
            i += 1
        }
        return (largest, smallest, hasNaN)
    }

    /// What one pass over the scaled scores learns besides them.
    struct Summary {
        /// The sum of `FastExp` of every x: Float within blocks (`blockError`), then Double
        /// (within (1 ± u)^vocab of the exact sum of the blocks).
        var sum: Double
        /// How many x are >= each of `ladder`, the candidate sets `CertifiedDraw` may try.
        var counts: [Int]
    }

    /// Each lane adds this many e^x in Float before the block goes into the Double sum.
    static let blockSize = 16
    /// The relative error those Float additions can add: about (blockSize + 7) 2^-24, the 7 for
    /// the sum of the eight lanes (at worst one after the other).
    static let blockError = Double(blockSize + 8) * 0x1p-24 * 1.01

    /// The candidate thresholds on x counted in the same pass.
    static let ladder: [Float] = [-3, -8, -16]

    /// Fills `xs` (vocab) with the scaled scores and summarizes them.
    static func fill(_ xs: UnsafeMutableBufferPointer<Float>, from scores: UnsafeBufferPointer<Float>,
                     inverseTemperature: Float, maxScaled: Float) -> Summary {
        let n = scores.count
        let source = UnsafeRawPointer(scores.baseAddress!), target = UnsafeMutableRawPointer(xs.baseAddress!)
        let t = SIMD8<Float>(repeating: inverseTemperature), m = SIMD8<Float>(repeating: maxScaled)
        let (t0, t1, t2) = (SIMD8<Float>(repeating: ladder[0]), SIMD8<Float>(repeating: ladder[1]), SIMD8<Float>(repeating: ladder[2]))
        var sum = 0.0
        var c0 = SIMD8<Int32>(repeating: 0), c1 = c0, c2 = c0  // a true lane is -1
        var i = 0, block = SIMD8<Float>(repeating: 0), blockLength = 0
        while i + 8 <= n {
            let x = source.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) * t - m
            target.storeBytes(of: x, toByteOffset: i * 4, as: SIMD8<Float>.self)
            block += FastExp.exp8(x)
            blockLength += 1
            if blockLength == blockSize {
                sum += Double(block.sum())
                block = SIMD8(repeating: 0)
                blockLength = 0
            }
            c0 &-= unsafeBitCast(x .>= t0, to: SIMD8<Int32>.self)
            c1 &-= unsafeBitCast(x .>= t1, to: SIMD8<Int32>.self)
            c2 &-= unsafeBitCast(x .>= t2, to: SIMD8<Int32>.self)
            i += 8
        }
        var summary = Summary(sum: sum + Double(block.sum()), counts: [c0, c1, c2].map { Int($0.wrappedSum()) })
        while i < n {
            let x = scores[i] * inverseTemperature - maxScaled
            xs[i] = x
            summary.sum += Double(FastExp.exp8(SIMD8(repeating: x))[0])
            for (k, tau) in ladder.enumerated() where x >= tau { summary.counts[k] += 1 }
            i += 1
        }
        return summary
    }
}

/// e^x for eight floats at once, within `relativeError` of the platform's `exp(Float)` for
/// x >= -87.3, and 0 below (where e^x < 2^-125), -infinity included. Inputs must be <= 88.
///
/// e^x = 2^n e^r with n = round(x / ln 2) and r = x - n ln 2 (ln 2 in two parts, the first
/// product exact), e^r from the degree-7 minimax polynomial of the C kernels' vector_exp.h.
/// The polynomial is within about 2e-7 and the float roundings of the evaluation add a few
/// ulps: under 1e-6 in all. `SamplerFastExpTests` checks the stated bound, ten times that.
enum FastExp {
    /// The bound the normalizer's interval is built on: `|fast - exp(x)| <= relativeError * exp(x)`.
    static let relativeError = 1e-5

    /// `a` where `mask`, else `b`, as bit operations (SIMD's `replacing` compiles to slower code).
    @inline(__always) static func select(_ mask: SIMDMask<SIMD8<Int32>>, _ a: SIMD8<Float>, else b: SIMD8<Float>) -> SIMD8<Float> {
        let bits = unsafeBitCast(mask, to: SIMD8<UInt32>.self)
        return unsafeBitCast(unsafeBitCast(a, to: SIMD8<UInt32>.self) & bits | unsafeBitCast(b, to: SIMD8<UInt32>.self) & ~bits,
                             to: SIMD8<Float>.self)
    }

    @inline(__always) static func exp8(_ x: SIMD8<Float>) -> SIMD8<Float> {
        // Lane selects as bit masks: SIMD's replacing/pointwiseMax compile to much slower code.
        let low = SIMD8<Float>(repeating: -87.3)
        let live = unsafeBitCast(x .>= low, to: SIMD8<UInt32>.self)  // all ones where x >= -87.3
        let clamped = unsafeBitCast(unsafeBitCast(x, to: SIMD8<UInt32>.self) & live | unsafeBitCast(low, to: SIMD8<UInt32>.self) & ~live,
                                    to: SIMD8<Float>.self)
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
        let exponent = unsafeBitCast(shifted, to: SIMD8<UInt32>.self) &- 0x4B40_0000  // n as an integer
        let scale = unsafeBitCast((exponent &+ 127) &<< 23, to: SIMD8<Float>.self)
        return unsafeBitCast(unsafeBitCast(p * scale, to: SIMD8<UInt32>.self) & live, to: SIMD8<Float>.self)
    }
}
