import Foundation

/// Converts f32 rows into GGML blocks (the inverse of `GGMLType.dequantize`), for `skein quantize`.
///
/// Legacy types (Q4_0 ... Q8_0) use the round-to-nearest rules of their format. K-quants fit each
/// sub-block's scale and minimum by least squares over a small grid of candidate scales, then
/// quantize those scales to 6 (Q4_K/Q5_K) or 8 bits (Q6_K).
public enum GGMLQuantizer {
    /// `values` (count a multiple of the block size) as blocks of `type`; float types are stored as is.
    public static func quantize(_ values: UnsafeBufferPointer<Float>, as type: GGMLType) -> [UInt8] {
        precondition(values.count % type.blockSize == 0, "\(values.count) values do not fill whole \(type) blocks")
        var out = [UInt8](repeating: 0, count: type.byteCount(elements: values.count))
        out.withUnsafeMutableBufferPointer { dst in
            for block in 0..<(values.count / type.blockSize) {
                let x = UnsafeBufferPointer(rebasing: values[(block * type.blockSize)..<((block + 1) * type.blockSize)])
                let y = UnsafeMutableBufferPointer(rebasing: dst[(block * type.blockBytes)..<((block + 1) * type.blockBytes)])
                quantizeBlock(x, type, y)
            }
        }
        return out
    }

    /// Rows of a (rows, columns) matrix quantized in parallel.
    public static func quantizeRows(_ values: [Float], rows: Int, columns: Int, as type: GGMLType) -> [UInt8] {
        let rowBytes = type.byteCount(elements: columns)
        var out = [UInt8](repeating: 0, count: rows * rowBytes)
        values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                let base = dst.baseAddress!
                Parallel.forEachRange(rows, minimumPerThread: 8) { range in
                    for r in range {
                        let bytes = quantize(UnsafeBufferPointer(rebasing: src[(r * columns)..<((r + 1) * columns)]), as: type)
                        bytes.withUnsafeBufferPointer { (base + r * rowBytes).update(from: $0.baseAddress!, count: rowBytes) }
                    }
                }
            }
        }
        return out
    }

    private static func quantizeBlock(_ x: UnsafeBufferPointer<Float>, _ type: GGMLType, _ y: UnsafeMutableBufferPointer<UInt8>) {
        switch type {
        case .f32:
            let bits = x[0].bitPattern
            for b in 0..<4 { y[b] = UInt8((bits >> UInt32(8 * b)) & 0xFF) }
        case .f16: putHalf(y, 0, x[0])
        case .bf16:
            let bits = HalfConversion.bf16Bits(from: x[0])
            y[0] = UInt8(bits & 0xFF); y[1] = UInt8(bits >> 8)
        case .q8_0:
            let amax = x.reduce(0) { max($0, abs($1)) }
            let d = amax / 127, id: Float = d == 0 ? 0 : 1 / d
            putHalf(y, 0, d)
            for i in 0..<32 { y[2 + i] = UInt8(bitPattern: Int8((x[i] * id).rounded())) }
        case .q4_0, .q5_0:
            // d = (signed value of largest magnitude) / -levels/2, so that value maps exactly to 0.
            let half: Float = type == .q4_0 ? 8 : 16
            let extreme = x.max { abs($0) < abs($1) } ?? 0
            let d = extreme / -half, id: Float = d == 0 ? 0 : 1 / d
            putHalf(y, 0, d)
            let q = (0..<32).map { i in min(2 * Int(half) - 1, Int(x[i] * id + half + 0.5)) }
            type == .q4_0 ? packNibbles(q, y, at: 2) : packFiveBits(q, y, qhAt: 2)
        case .q4_1, .q5_1:
            let levels: Float = type == .q4_1 ? 15 : 31
            let lo = x.min() ?? 0, hi = x.max() ?? 0
            let d = (hi - lo) / levels, id: Float = d == 0 ? 0 : 1 / d
            putHalf(y, 0, d)
            putHalf(y, 2, lo)
            let q = (0..<32).map { i in min(Int(levels), max(0, Int(((x[i] - lo) * id).rounded()))) }
            type == .q4_1 ? packNibbles(q, y, at: 4) : packFiveBits(q, y, qhAt: 4)
        case .q4_K, .q5_K: quantizeQ4KQ5K(x, type == .q5_K, y)
        case .q6_K: quantizeQ6K(x, y)
        }
    }

    // MARK: - K-quants

    /// Q4_K/Q5_K: 8 sub-blocks of 32 with x ≈ d*sc*q - dmin*mn, sc and mn 6-bit, q 4 or 5 bits.
    private static func quantizeQ4KQ5K(_ x: UnsafeBufferPointer<Float>, _ five: Bool, _ y: UnsafeMutableBufferPointer<UInt8>) {
        let levels = five ? 31 : 15
        var scales = [Float](repeating: 0, count: 8), mins = [Float](repeating: 0, count: 8)
        for s in 0..<8 {
            (scales[s], mins[s]) = fitAffine(UnsafeBufferPointer(rebasing: x[(s * 32)..<((s + 1) * 32)]), levels: levels)
        }
        let maxScale = scales.max() ?? 0, maxMin = mins.max() ?? 0
        let d = maxScale / 63, dmin = maxMin / 63
        putHalf(y, 0, d)
        putHalf(y, 2, dmin)
        // Use the stored (rounded) super-scales so the sub-scales compensate their rounding.
        let dStored = HalfConversion.float(fromF16: HalfConversion.f16Bits(from: d))
        let dminStored = HalfConversion.float(fromF16: HalfConversion.f16Bits(from: dmin))
        var sc = [Int](repeating: 0, count: 8), mn = [Int](repeating: 0, count: 8)
        for s in 0..<8 {
            sc[s] = dStored == 0 ? 0 : min(63, Int((scales[s] / dStored).rounded()))
            mn[s] = dminStored == 0 ? 0 : min(63, Int((mins[s] / dminStored).rounded()))
        }
        for j in 0..<4 {
            y[4 + j] = UInt8(sc[j] | (sc[j + 4] >> 4) << 6)
            y[8 + j] = UInt8(mn[j] | (mn[j + 4] >> 4) << 6)
            y[12 + j] = UInt8((sc[j + 4] & 0x0F) | (mn[j + 4] & 0x0F) << 4)
        }
        let qsAt = five ? 48 : 16
        for s in 0..<8 {
            let step = dStored * Float(sc[s]), offset = dminStored * Float(mn[s])
            for l in 0..<32 {
                let q = step == 0 ? 0 : min(levels, max(0, Int(((x[s * 32 + l] + offset) / step).rounded())))
                let at = qsAt + (s / 2) * 32 + l
                y[at] |= UInt8(q & 0x0F) << (s % 2 == 1 ? 4 : 0)
                if five { y[16 + l] |= UInt8((q >> 4) & 1) << UInt8(s) }
            }
        }
    }

    /// Q6_K: 16 sub-blocks of 16 with x ≈ d*sc*q, sc int8, q in -32...31.
    private static func quantizeQ6K(_ x: UnsafeBufferPointer<Float>, _ y: UnsafeMutableBufferPointer<UInt8>) {
        var scales = [Float](repeating: 0, count: 16)
        for s in 0..<16 { scales[s] = fitSymmetric(UnsafeBufferPointer(rebasing: x[(s * 16)..<((s + 1) * 16)])) }
        let extreme = scales.max { abs($0) < abs($1) } ?? 0
        let d = extreme / -128
        putHalf(y, 208, d)
        let dStored = HalfConversion.float(fromF16: HalfConversion.f16Bits(from: d))
        for s in 0..<16 {
            let sc = dStored == 0 ? 0 : min(127, max(-128, Int((scales[s] / dStored).rounded())))
            y[192 + s] = UInt8(bitPattern: Int8(sc))
            let step = dStored * Float(sc)
            for l in 0..<16 {
                let i = s * 16 + l
                let q = (step == 0 ? 0 : min(31, max(-32, Int((x[i] / step).rounded())))) + 32
                let h = i / 128, r = i % 128
                y[h * 64 + r % 64] |= UInt8(q & 0x0F) << UInt8(4 * (r / 64))
                y[128 + h * 32 + r % 32] |= UInt8(q >> 4) << UInt8(2 * (r / 32))
            }
        }
    }

    /// Scale s >= 0 and minimum m >= 0 with x ≈ s*q - m, q in 0...levels: a grid of candidate scales
    /// around (max - min) / levels, each refined by least squares given its q; the best error wins.
    static func fitAffine(_ x: UnsafeBufferPointer<Float>, levels: Int) -> (scale: Float, min: Float) {
        let lo = min(0, x.min() ?? 0), hi = x.max() ?? 0
        guard hi > lo else { return (0, -lo) }
        var best = (scale: (hi - lo) / Float(levels), min: -lo)
        var bestError = error(x, best.scale, best.min, levels)
        for step in -10...10 {
            let iscale = (Float(levels) + Float(step) * 0.1) / (hi - lo)
            // q for this candidate, then the least-squares (scale, offset) for x ≈ scale*q + offset.
            var sq: Float = 0, sqq: Float = 0, sx: Float = 0, sqx: Float = 0
            for v in x {
                let q = Float(min(levels, max(0, Int(((v - lo) * iscale).rounded()))))
                sq += q; sqq += q * q; sx += v; sqx += q * v
            }
            let n = Float(x.count), det = n * sqq - sq * sq
            guard det > 0 else { continue }
            var scale = (n * sqx - sq * sx) / det
            var offset = (sqq * sx - sq * sqx) / det
            if offset > 0 { offset = 0; scale = sqq > 0 ? sqx / sqq : 0 }
            guard scale > 0 else { continue }
            let e = error(x, scale, -offset, levels)
            if e < bestError { bestError = e; best = (scale, -offset) }
        }
        return best
    }

    private static func error(_ x: UnsafeBufferPointer<Float>, _ scale: Float, _ minimum: Float, _ levels: Int) -> Float {
        var total: Float = 0
        for v in x {
            let q = Float(min(levels, max(0, Int(((v + minimum) / scale).rounded()))))
            let e = scale * q - minimum - v
            total += e * e
        }
        return total
    }

    /// A signed scale with x ≈ scale*q, q in -32...31, chosen from a grid around max|x|/32.
    static func fitSymmetric(_ x: UnsafeBufferPointer<Float>) -> Float {
        let extreme = x.max { abs($0) < abs($1) } ?? 0
        guard extreme != 0 else { return 0 }
        var best: Float = extreme / -32, bestError = Float.infinity
        for step in -9...9 {
            let candidate = extreme / -(32 + Float(step) * 0.1)
            var total: Float = 0
            for v in x {
                let q = Float(min(31, max(-32, Int((v / candidate).rounded()))))
                total += (candidate * q - v) * (candidate * q - v)
            }
            if total < bestError { bestError = total; best = candidate }
        }
        return best
    }

    // MARK: - Packing

    private static func putHalf(_ y: UnsafeMutableBufferPointer<UInt8>, _ at: Int, _ value: Float) {
        let bits = HalfConversion.f16Bits(from: value)
        y[at] = UInt8(bits & 0xFF)
        y[at + 1] = UInt8(bits >> 8)
    }

    /// Elements 0..<16 in the low nibbles of 16 bytes at `at`, 16..<32 in the high nibbles.
    private static func packNibbles(_ q: [Int], _ y: UnsafeMutableBufferPointer<UInt8>, at: Int) {
        for i in 0..<16 { y[at + i] = UInt8(q[i] & 0x0F) | UInt8(q[i + 16] & 0x0F) << 4 }
    }

    /// Q5_0/Q5_1: 32 fifth bits as a little-endian u32 at `qhAt`, then nibbles.
    private static func packFiveBits(_ q: [Int], _ y: UnsafeMutableBufferPointer<UInt8>, qhAt: Int) {
        var qh: UInt32 = 0
        for i in 0..<32 { qh |= UInt32((q[i] >> 4) & 1) << UInt32(i) }
        for b in 0..<4 { y[qhAt + b] = UInt8((qh >> UInt32(8 * b)) & 0xFF) }
        packNibbles(q, y, at: qhAt + 4)
    }
}
