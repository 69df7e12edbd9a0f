import Testing
@testable import SkeinTensor

/// The blocked GEMM (rows >= `WeightMatrix.gemmMinimumRows`) against exact sums at every kernel
/// level, on shapes that leave partial tiles, panels and k blocks.
@Suite(.serialized) struct GemmTests {
    static func matrices(_ values: [Float], out: Int, in inFeatures: Int) -> [WeightMatrix] {
        [
            WeightMatrix(outFeatures: out, inFeatures: inFeatures, values: values),
            WeightMatrix(outFeatures: out, inFeatures: inFeatures, storage: .f16(values.map { Float16($0).bitPattern })),
            WeightMatrix(outFeatures: out, inFeatures: inFeatures, storage: .bf16(values.map { HalfConversion.bf16Bits(from: $0) })),
        ]
    }

    // (rows, inFeatures, outFeatures): partial 6-row tiles, odd k, k > one 1024 block, > one 64-row panel.
    @Test(arguments: [(16, 7, 5), (17, 33, 9), (23, 100, 70), (31, 1030, 131), (40, 2100, 66), (64, 256, 200)])
    func gemmMatchesExactSumsAtEveryLevel(rows: Int, inFeatures: Int, outFeatures: Int) {
        let values = KernelTests.random(inFeatures * outFeatures, seed: 11)
        let x = KernelTests.random(rows * inFeatures, seed: 12)
        let bias = KernelTests.random(outFeatures, seed: 13)
        for w in Self.matrices(values, out: outFeatures, in: inFeatures) {
            let stored = w.floats
            let exact = (0..<rows).flatMap { t in
                (0..<outFeatures).map { o in
                    Float((0..<inFeatures).reduce(0.0) { $0 + Double(x[t * inFeatures + $1]) * Double(stored[o * inFeatures + $1]) } + Double(bias[o]))
                }
            }
            for level in KernelTests.levels {
                for threads in [1, 2] {
                    let saved = Parallel.threadCount
                    Parallel.threadCount = threads
                    defer { Parallel.threadCount = saved }
                    let y = KernelTests().run(w, x, rows: rows, bias: bias, level: level)
                    let worst = zip(y, exact).map { abs($0 - $1) }.max() ?? .nan
                    #expect(worst < 1e-5 * Float(inFeatures), "\(level) \(threads) threads \(w.storage): \(worst)")
                }
            }
        }
    }

    /// A row's result is the same bits whatever rows share the call: alone (matrix-vector path),
    /// among a few (still matrix-vector) or among many (blocked GEMM), with or without bias, with
    /// one or several k blocks and a masked tail, on one thread or two, at every level. With 601
    /// outputs two threads claim slices of 212 or 177 rows, each read as four streams and a remainder.
    @Test(arguments: [(77, 45), (1030, 70), (2100, 33), (77, 601)])
    func rowsGetTheSameBitsOnEveryPath(inFeatures: Int, outFeatures: Int) {
        let values = KernelTests.random(inFeatures * outFeatures, seed: 21)
        let many = WeightMatrix.gemmMinimumRows + 7
        let x = KernelTests.random(many * inFeatures, seed: 22)
        let bias = KernelTests.random(outFeatures, seed: 23)
        for w in Self.matrices(values, out: outFeatures, in: inFeatures) {
            for level in KernelTests.levels {
                for b in [nil, bias] {
                    let together = KernelTests().run(w, x, rows: many, bias: b, level: level)
                    let few = KernelTests().run(w, Array(x[..<(5 * inFeatures)]), rows: 5, bias: b, level: level)
                    #expect(Array(together[..<(5 * outFeatures)]) == few, "\(level) few rows")
                    for t in [0, 3, many - 1] {
                        for threads in [1, 2] {
                            let saved = Parallel.threadCount
                            Parallel.threadCount = threads
                            defer { Parallel.threadCount = saved }
                            let alone = KernelTests().run(w, Array(x[(t * inFeatures)..<((t + 1) * inFeatures)]), rows: 1, bias: b, level: level)
                            #expect(Array(together[(t * outFeatures)..<((t + 1) * outFeatures)]) == alone,
                                    "\(level) row \(t) bias \(b != nil) \(threads) threads")
                        }
                    }
                }
            }
        }
    }
}
