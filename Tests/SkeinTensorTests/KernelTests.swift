import Testing
@testable import SkeinTensor

/// Every SIMD level the CPU has against the plain C path, on odd sizes that exercise the tails.
@Suite(.serialized) struct KernelTests {
    static let levels = ["avx512", "avx2", "generic"]

    static func random(_ n: Int, seed: UInt64) -> [Float] {
        var state = seed
        return (0..<n).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: state >> 11) % 2000) / 1000 - 1
        }
    }

    func run(_ w: WeightMatrix, _ x: [Float], rows: Int, bias: [Float]?, level: String) -> [Float] {
        MatMul.setKernelLevel(level)
        defer { MatMul.setKernelLevel("avx512") }
        var y = [Float](repeating: .nan, count: rows * w.outFeatures)
        w.apply(x, rows: rows, bias: bias, into: &y)
        return y
    }

    @Test(arguments: [(1, 7, 5), (3, 33, 9), (5, 64, 17), (9, 100, 40), (1, 50, 267)])
    func linearMatchesGenericForEveryDType(rows: Int, inFeatures: Int, outFeatures: Int) {
        let values = Self.random(inFeatures * outFeatures, seed: 1)
        let x = Self.random(rows * inFeatures, seed: 2)
        let bias = Self.random(outFeatures, seed: 3)
        let matrices = [
            WeightMatrix(outFeatures: outFeatures, inFeatures: inFeatures, values: values),
            WeightMatrix(outFeatures: outFeatures, inFeatures: inFeatures, storage: .f16(values.map { Float16($0).bitPattern })),
            WeightMatrix(outFeatures: outFeatures, inFeatures: inFeatures, storage: .bf16(values.map { HalfConversion.bf16Bits(from: $0) })),
        ]
        for w in matrices {
            // The exact answer in Double from the weights as stored.
            let stored = w.floats
            let exact = (0..<rows).flatMap { t in
                (0..<outFeatures).map { o in
                    Float((0..<inFeatures).reduce(0.0) { $0 + Double(x[t * inFeatures + $1]) * Double(stored[o * inFeatures + $1]) } + Double(bias[o]))
                }
            }
            for level in Self.levels {
                let y = run(w, x, rows: rows, bias: bias, level: level)
                let worst = zip(y, exact).map { abs($0 - $1) }.max() ?? 0
                #expect(worst < 1e-4 * Float(inFeatures), "\(level) \(w.storage): \(worst)")
            }
        }
    }

    @Test func dotAndAxpyMatchAtEveryLevel() {
        for n in [0, 1, 15, 16, 33, 100] {
            let a = Self.random(n, seed: 4), b = Self.random(n, seed: 5)
            let exact = zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            for level in Self.levels {
                MatMul.setKernelLevel(level)
                let d = a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { VectorMath.dot(ap.baseAddress!, $0.baseAddress!, n) } }
                #expect(abs(Double(d) - exact) < 1e-4, "\(level) n=\(n)")
                var y = b
                a.withUnsafeBufferPointer { ap in y.withUnsafeMutableBufferPointer { VectorMath.axpy(0.5, ap.baseAddress!, $0.baseAddress!, n) } }
                #expect(zip(y, zip(a, b)).allSatisfy { abs($0 - ($1.1 + 0.5 * $1.0)) < 1e-6 }, "\(level) n=\(n)")
            }
            MatMul.setKernelLevel("avx512")
        }
    }
}
