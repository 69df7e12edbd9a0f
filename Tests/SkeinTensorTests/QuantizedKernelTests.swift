import SkeinKernels
import Testing
@testable import SkeinTensor

/// The GGML block kernels (SkeinQuantKernels.h) at every level against a plain Swift integer
/// re-implementation, against f32 products with `GGMLType.dequantize`d weights, and for batch invariance.
@Suite(.serialized) struct QuantizedKernelTests {
    static let levels = ["avx512", "avx2", "generic"]
    static let blockTypes: [GGMLType] = [.q8_0, .q4_0, .q4_1, .q5_0, .q5_1, .q4_K, .q5_K, .q6_K]

    /// (type, inFeatures, outFeatures): every type at 2048, 4864 and 8192 inputs, 32-value types also
    /// at 896, 1056, 64 and 96 (not a multiple of 128: a zero-padded last piece), K-quants also at 256.
    static let shapes: [(GGMLType, Int, Int)] = blockTypes.flatMap { type in
        (type.blockSize == 32 ? [896, 2048, 4864, 8192, 1056, 64, 96] : [2048, 4864, 8192, 256]).enumerated().map { (i, k) in (type, k, [13, 7, 5, 3, 9, 11, 6][i]) }
    }

    // MARK: - Random inputs

    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 11
        }
        /// Uniform in [lower, upper).
        mutating func uniform(_ lower: Float, _ upper: Float) -> Float {
            lower + (upper - lower) * Float(next() % 1_000_000) / 1_000_000
        }
    }

    /// Random blocks: random bytes (every bit pattern of quants and packed scales is valid) with
    /// f16 scales of a realistic size.
    static func randomBlocks(_ type: GGMLType, rows: Int, inFeatures: Int, seed: UInt64) -> [UInt8] {
        var random = Generator(state: seed)
        var bytes = (0..<(rows * type.byteCount(elements: inFeatures))).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        func put(_ value: Float, at offset: Int) {
            let bits = Float16(value).bitPattern
            bytes[offset] = UInt8(bits & 0xFF)
            bytes[offset + 1] = UInt8(bits >> 8)
        }
        for block in 0..<(bytes.count / type.blockBytes) {
            let at = block * type.blockBytes
            let sign: Float = random.next() % 2 == 0 ? 1 : -1
            switch type {
            case .q8_0, .q4_0, .q5_0: put(sign * random.uniform(0.001, 0.02), at: at)
            case .q4_1, .q5_1: put(random.uniform(0.001, 0.02), at: at); put(sign * random.uniform(0, 0.1), at: at + 2)
            case .q4_K, .q5_K: put(random.uniform(0.0001, 0.002), at: at); put(random.uniform(0, 0.002), at: at + 2)
            case .q6_K: put(sign * random.uniform(0.0001, 0.002), at: at + 208)
            default: break
            }
        }
        return bytes
    }

    /// Activations in [-1, 1) with a few large outliers, as in real hidden states.
    static func randomActivations(_ count: Int, seed: UInt64) -> [Float] {
        var random = Generator(state: seed)
        return (0..<count).map { i in random.uniform(-1, 1) * (i % 97 == 5 ? 20 : 1) }
    }

    // MARK: - Plain Swift reference

    /// One row decoded to integers: value i = scale[i / 16] * q[i] + offset[i / 16].
    struct IntegerRow { var q: [Int]; var scale: [Float]; var offset: [Float] }

    static func half(_ b: ArraySlice<UInt8>, _ at: Int) -> Float {
        let i = b.startIndex + at
        return Float(Float16(bitPattern: UInt16(b[i]) | UInt16(b[i + 1]) << 8))
    }

    static func decode(_ type: GGMLType, row: ArraySlice<UInt8>, inFeatures: Int) -> IntegerRow {
        var out = IntegerRow(q: [], scale: [], offset: [])
        let b = Array(row)
        for block in 0..<(inFeatures / type.blockSize) {
            let at = block * type.blockBytes
            let slice = b[at..<(at + type.blockBytes)]
            func byte(_ i: Int) -> Int { Int(b[at + i]) }
            func nibble(_ base: Int, _ i: Int) -> Int { i < 16 ? byte(base + i) & 15 : byte(base + i - 16) >> 4 }
            switch type {
            case .q8_0, .q4_0, .q4_1, .q5_0, .q5_1:
                let d = half(slice, 0)
                let m: Float = type == .q4_1 || type == .q5_1 ? half(slice, 2) : 0
                for i in 0..<32 {
                    switch type {
                    case .q8_0: out.q.append(Int(Int8(bitPattern: b[at + 2 + i])))
                    case .q4_0: out.q.append(nibble(2, i) - 8)
                    case .q4_1: out.q.append(nibble(4, i))
                    default:
                        let qhAt = type == .q5_1 ? 4 : 2
                        let qh = (byte(qhAt) | byte(qhAt + 1) << 8 | byte(qhAt + 2) << 16 | byte(qhAt + 3) << 24)
                        let q = nibble(qhAt + 4, i) | ((qh >> i) & 1) << 4
                        out.q.append(type == .q5_1 ? q : q - 16)
                    }
                }
                out.scale += [d, d]
                out.offset += [m, m]
            case .q4_K, .q5_K:
                let d = half(slice, 0), dmin = half(slice, 2)
                for s in 0..<8 {
                    let scale: Int, min: Int
                    if s < 4 {
                        scale = byte(4 + s) & 63; min = byte(8 + s) & 63
                    } else {
                        scale = (byte(8 + s) & 15) | ((byte(s) >> 6) << 4)
                        min = (byte(8 + s) >> 4) | ((byte(4 + s) >> 6) << 4)
                    }
                    for l in 0..<32 {
                        var q = (byte((type == .q5_K ? 48 : 16) + (s / 2) * 32 + l) >> (4 * (s % 2))) & 15
                        if type == .q5_K { q |= ((byte(16 + l) >> s) & 1) << 4 }
                        out.q.append(q)
                    }
                    out.scale += [d * Float(scale), d * Float(scale)]
                    out.offset += [-(dmin * Float(min)), -(dmin * Float(min))]
                }
            case .q6_K:
                let d = half(slice, 208)
                for i in 0..<256 {
                    let h = i / 128, r = i % 128
                    let low = (byte(h * 64 + r % 64) >> (4 * (r / 64))) & 15
                    let high = (byte(128 + h * 32 + r % 32) >> (2 * (r / 32))) & 3
                    out.q.append((low | high << 4) - 32)
                }
                for g in 0..<16 {
                    out.scale.append(d * Float(Int8(bitPattern: b[at + 192 + g])))
                    out.offset.append(0)
                }
            default: fatalError("not a block type")
            }
        }
        return out
    }

    /// One activation row quantized: q[i] ~= x[i] / scale[i / 16], sums[g] = scale[g] * sum of q in g.
    static func quantize(_ x: ArraySlice<Float>) -> (q: [Int], scale: [Float], sums: [Float]) {
        var q: [Int] = [], scale: [Float] = [], sums: [Float] = []
        let x = Array(x)
        for g in stride(from: 0, to: x.count, by: 16) {
            let group = x[g..<min(x.count, g + 16)]
            let amax = group.map { abs($0) }.max() ?? 0
            let inverse: Float = amax > 0 ? 127 / amax : 0
            let values = group.map { Int(max(-127, min(127, ($0 * inverse).rounded(.toNearestOrEven)))) }
            q += values
            scale.append(amax / 127)
            sums.append(amax / 127 * Float(values.reduce(0, +)))
        }
        return (q, scale, sums)
    }

    /// The reference product of a weight row and an activation row, and the sum of the absolute
    /// values of its terms (the scale of f32 rounding differences between summation orders).
    static func reference(_ w: IntegerRow, _ x: (q: [Int], scale: [Float], sums: [Float])) -> (value: Double, magnitude: Double) {
        var value = 0.0, magnitude = 0.0
        for g in 0..<w.scale.count {
            let sum = (0..<16).reduce(0) { $0 + w.q[g * 16 + $1] * x.q[g * 16 + $1] }
            let term = Double(w.scale[g] * x.scale[g]) * Double(sum)
            let offset = Double(w.offset[g]) * Double(x.sums[g])
            value += term + offset
            magnitude += abs(term) + abs(offset)
        }
        return (value, magnitude)
    }

    func run(_ w: WeightMatrix, _ x: [Float], rows: Int, bias: [Float]?, level: String) -> [Float] {
        MatMul.setKernelLevel(level)
        defer { MatMul.setKernelLevel("avx512") }
        var y = [Float](repeating: .nan, count: rows * w.outFeatures)
        w.apply(x, rows: rows, bias: bias, into: &y)
        return y
    }

    // MARK: - Tests

    /// (a) every level equals the integer reference within 1e-6 of the terms' magnitude, and
    /// (b) the error against f32 products with dequantized weights stays within the activation
    /// rounding bound sum over i of |w_i| * scale(i) / 2 (plus f32 slack).
    @Test(arguments: shapes)
    func matchesIntegerReferenceAndDequantizedProduct(type: GGMLType, inFeatures: Int, outFeatures: Int) {
        let rows = 3
        let bytes = Self.randomBlocks(type, rows: outFeatures, inFeatures: inFeatures, seed: UInt64(inFeatures) &+ UInt64(type.rawValue))
        let w = WeightMatrix(outFeatures: outFeatures, inFeatures: inFeatures, storage: .quantized(type, bytes))
        let x = Self.randomActivations(rows * inFeatures, seed: 7)
        let bias = Self.randomActivations(outFeatures, seed: 8)
        let width = w.rowBytes
        let integerRows = (0..<outFeatures).map { Self.decode(type, row: bytes[($0 * width)..<(($0 + 1) * width)], inFeatures: inFeatures) }
        let quantized = (0..<rows).map { Self.quantize(x[($0 * inFeatures)..<(($0 + 1) * inFeatures)]) }
        let dequantized = w.floats
        for level in Self.levels {
            let y = run(w, x, rows: rows, bias: bias, level: level)
            var worstReference = 0.0, worstBound = 0.0
            for t in 0..<rows {
                for o in 0..<outFeatures {
                    let got = Double(y[t * outFeatures + o])
                    let reference = Self.reference(integerRows[o], quantized[t])
                    let difference: Double = abs(got - reference.value - Double(bias[o]))
                    worstReference = max(worstReference, difference / (reference.magnitude + 1e-30))
                    // (b): the exact f32-weight product and the activation rounding bound.
                    var exact = Double(bias[o]), bound = 0.0, size = 0.0
                    for i in 0..<inFeatures {
                        let wi = Double(dequantized[o * inFeatures + i]), xi = Double(x[t * inFeatures + i])
                        exact += wi * xi
                        bound += abs(wi) * Double(quantized[t].scale[i / 16]) / 2
                        size += abs(wi * xi)
                    }
                    worstBound = max(worstBound, abs(got - exact) / (bound + 1e-5 * size + 1e-6))
                }
            }
            #expect(worstReference < 1e-6, "\(level) \(type) in=\(inFeatures): relative difference \(worstReference)")
            #expect(worstBound <= 1, "\(level) \(type) in=\(inFeatures): error / bound = \(worstBound)")
        }
    }

    /// (c) a row's output is bitwise the same alone and inside a 7-row call, at every level. With 139
    /// outputs a row alone is read as four streams of 34 rows plus 3 more (the one-row path).
    @Test(arguments: blockTypes)
    func rowsAreBatchInvariant(type: GGMLType) {
        let inFeatures = type.blockSize == 32 ? 896 : 2048, outFeatures = 139, rows = 7
        let bytes = Self.randomBlocks(type, rows: outFeatures, inFeatures: inFeatures, seed: 11)
        let w = WeightMatrix(outFeatures: outFeatures, inFeatures: inFeatures, storage: .quantized(type, bytes))
        let x = Self.randomActivations(rows * inFeatures, seed: 12)
        let bias = Self.randomActivations(outFeatures, seed: 13)
        for level in Self.levels {
            let batched = run(w, x, rows: rows, bias: bias, level: level)
            for t in 0..<rows {
                let alone = run(w, Array(x[(t * inFeatures)..<((t + 1) * inFeatures)]), rows: 1, bias: bias, level: level)
                let inBatch = Array(batched[(t * outFeatures)..<((t + 1) * outFeatures)])
                #expect(alone.map(\.bitPattern) == inBatch.map(\.bitPattern), "\(level) \(type) row \(t)")
            }
            // Output rows split differently (a slice of the weights) give the same values too.
            let part = run(w.rows(5..<18), x, rows: rows, bias: Array(bias[5..<18]), level: level)
            for t in 0..<rows {
                #expect(part[(t * 13)..<((t + 1) * 13)].map(\.bitPattern) == batched[(t * outFeatures + 5)..<(t * outFeatures + 18)].map(\.bitPattern))
            }
        }
    }

    /// The C decoder's groups reproduce `GGMLType.dequantize` (tested against gguf-py): scale * q + offset.
    @Test(arguments: blockTypes)
    func decodedGroupsReproduceDequantizedValues(type: GGMLType) {
        let inFeatures = type.blockSize == 32 ? 544 : 512, rows = 3  // 544: a partial last piece
        let bytes = Self.randomBlocks(type, rows: rows, inFeatures: inFeatures, seed: 21)
        let expected = bytes.withUnsafeBytes { type.dequantize($0, count: rows * inFeatures) }
        let padded = skein_q_padded(inFeatures), groups = padded / 16
        for level in Self.levels {
            MatMul.setKernelLevel(level)
            var v = [Int8](repeating: 99, count: rows * padded)
            var sw = [Float](repeating: .nan, count: rows * groups), mn = sw
            let status = skein_q_decode(type.rawValue, bytes, rows, inFeatures, &v, &sw, &mn)
            #expect(status == 0)
            var worst: Float = 0
            for r in 0..<rows {
                for i in 0..<inFeatures {
                    let block = i / 128, e = i % 128
                    let q = v[r * padded + block * 128 + ((e % 16) / 4) * 32 + (e / 16) * 4 + e % 4]
                    let g = r * groups + i / 16
                    let value = sw[g] * Float(q) + mn[g]
                    worst = max(worst, abs(value - expected[r * inFeatures + i]) / max(1e-3, abs(expected[r * inFeatures + i])))
                }
            }
            #expect(worst < 1e-5, "\(level) \(type): \(worst)")
        }
        MatMul.setKernelLevel("avx512")
    }

    /// Activation quantization is bitwise the same at every level.
    @Test func activationQuantizationIsTheSameAtEveryLevel() {
        let k = 1000, rows = 2
        let x = Self.randomActivations(rows * k, seed: 31)
        let padded = skein_q_padded(k), groups = padded / 16
        var results: [[Int8]] = [], scales: [[Float]] = [], corrections: [[Int32]] = []
        for level in Self.levels {
            MatMul.setKernelLevel(level)
            var xq = [Int8](repeating: 99, count: rows * padded)
            var dx = [Float](repeating: .nan, count: rows * groups), xs = dx
            var xc = [Int32](repeating: 7, count: rows * padded / 8)
            skein_q_quantize(x, rows, k, &xq, &dx, &xs, &xc)
            results.append(xq)
            scales.append(dx + xs)
            corrections.append(xc)
        }
        MatMul.setKernelLevel("avx512")
        #expect(results.allSatisfy { $0 == results[0] })
        #expect(corrections.allSatisfy { $0 == corrections[0] })
        // xc: -128 times the sum of the bytes each 32-bit lane meets (bytes 4j..<4j+4 and 64+4j..<64+4j+4).
        var expectedCorrections: [Int32] = []
        for block in 0..<(rows * padded / 128) {
            for lane in 0..<16 {
                var sum: Int32 = 0
                for j in 0..<4 {
                    sum += Int32(results[0][block * 128 + 4 * lane + j])
                    sum += Int32(results[0][block * 128 + 64 + 4 * lane + j])
                }
                expectedCorrections.append(-128 * sum)
            }
        }
        #expect(corrections[0] == expectedCorrections)
        #expect(scales.allSatisfy { $0.map(\.bitPattern) == scales[0].map(\.bitPattern) })
        // And equal to the Swift reference (padding groups are zero).
        let reference = Self.quantize(x[0..<k])
        #expect(Array(scales[0][0..<(k + 15) / 16]) == reference.scale)
        #expect(scales[0][(k + 15) / 16..<groups].allSatisfy { $0 == 0 })
    }

    @Test func unsupportedTypesAndShapesAreRefused() {
        var v = [Int8](repeating: 0, count: 256), f = [Float](repeating: 0, count: 16), g = f
        #expect(skein_q_decode(GGMLType.q4_K.rawValue, [UInt8](repeating: 0, count: 144), 1, 128, &v, &f, &g) == -1)
        #expect(skein_q_decode(GGMLType.f16.rawValue, [UInt8](repeating: 0, count: 512), 1, 256, &v, &f, &g) == -1)
    }
}
