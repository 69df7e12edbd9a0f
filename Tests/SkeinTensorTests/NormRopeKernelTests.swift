import Testing
@testable import SkeinTensor

/// RMSNorm and RoPE kernels at every level against plain loops in double precision.
@Suite(.serialized) struct NormRopeKernelTests {
    // Widths: empty, one, shorter than a vector, vector tails, head sizes, model widths.
    @Test(arguments: [0, 1, 7, 15, 16, 33, 64, 80, 128, 896, 1000])
    func rmsNormMatchesPlainLoop(width: Int) {
        defer { MatMul.setKernelLevel("avx512") }
        let rows = 3, eps: Float = 1e-6
        let x = KernelTests.random(rows * width, seed: 31).map { $0 * 4 }
        let weight = KernelTests.random(width, seed: 32)
        let exact: [Double] = (0..<rows).flatMap { r -> [Double] in
            let row = x[(r * width)..<((r + 1) * width)].map(Double.init)
            let scale = 1 / (row.reduce(0) { $0 + $1 * $1 } / Double(width) + Double(eps)).squareRoot()
            return row.enumerated().map { Double(weight[$0]) * ($1 * scale) }
        }
        for level in KernelTests.levels {
            MatMul.setKernelLevel(level)
            var out = [Float](repeating: .nan, count: rows * width)
            out.withUnsafeMutableBufferPointer {
                VectorMath.rmsNorm(x, weight: weight, eps: eps, out: $0.baseAddress!, count: width, rows: rows)
            }
            let worst = zip(out, exact).map { abs(Double($0) - $1) / max(1, abs($1)) }.max() ?? 0
            #expect(worst < 1e-6, "\(level) width \(width): \(worst)")
            // In place gives the same bits.
            var inPlace = x
            inPlace.withUnsafeMutableBufferPointer {
                VectorMath.rmsNorm($0.baseAddress!, weight: weight, eps: eps, out: $0.baseAddress!, count: width, rows: rows)
            }
            #expect(inPlace == out, "\(level) width \(width) in place")
        }
    }

    /// (headDim, rotaryDim): full rotation at common head sizes, partial rotary (phi-style), pair
    /// counts that leave vector tails.
    @Test(arguments: [(64, 64), (80, 80), (128, 128), (80, 32), (64, 16), (96, 20), (6, 6), (10, 2), (34, 34)])
    func ropeMatchesPlainLoop(headDim: Int, rotaryDim: Int) {
        defer { MatMul.setKernelLevel("avx512") }
        let heads = 3, stride = headDim + 5  // gaps between heads must stay untouched
        let half = rotaryDim / 2
        let x = KernelTests.random(heads * stride, seed: 41)
        let angles = KernelTests.random(half, seed: 42).map { Double($0) * 3 }
        let cos = angles.map { Float(Foundation.cos($0)) }, sin = angles.map { Float(Foundation.sin($0)) }
        for interleaved in [false, true] {
            // Plain loop: pair (first, second) turns by the pair's angle; the rest is copied.
            var exact = x.map(Double.init)
            for h in 0..<heads {
                for i in 0..<half {
                    let first = h * stride + (interleaved ? 2 * i : i), second = h * stride + (interleaved ? 2 * i + 1 : i + half)
                    let a = Double(x[first]), b = Double(x[second]), c = Double(cos[i]), s = Double(sin[i])
                    exact[first] = a * c - b * s
                    exact[second] = b * c + a * s
                }
            }
            for level in KernelTests.levels {
                MatMul.setKernelLevel(level)
                var out = x
                out.withUnsafeMutableBufferPointer {
                    VectorMath.rope($0.baseAddress!, heads: heads, stride: stride, rotaryDim: rotaryDim, cos: cos, sin: sin,
                                    interleaved: interleaved)
                }
                let worst = zip(out, exact).map { abs(Double($0) - $1) }.max() ?? 0
                #expect(worst < 1e-6, "\(level) \(headDim)/\(rotaryDim) interleaved \(interleaved): \(worst)")
                // Pass-through dimensions and the gaps keep their bits.
                for h in 0..<heads {
                    for d in rotaryDim..<stride { #expect(out[h * stride + d] == x[h * stride + d], "\(level) head \(h) dim \(d)") }
                }
            }
        }
    }

    @Test func ropeOverZeroHeadsOrPairsLeavesTheInputAlone() {
        let x = KernelTests.random(16, seed: 43)
        for level in KernelTests.levels {
            MatMul.setKernelLevel(level)
            var out = x
            out.withUnsafeMutableBufferPointer { p in
                VectorMath.rope(p.baseAddress!, heads: 0, stride: 16, rotaryDim: 16, cos: x, sin: x, interleaved: false)
                VectorMath.rope(p.baseAddress!, heads: 1, stride: 16, rotaryDim: 0, cos: x, sin: x, interleaved: true)
            }
            #expect(out == x, "\(level)")
        }
        MatMul.setKernelLevel("avx512")
    }
}

import Foundation
