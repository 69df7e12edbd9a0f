import Foundation

/// The GGML tensor types Skein reads from GGUF files, with their block layouts.
public enum GGMLType: UInt32, Sendable, CaseIterable {
    case f32 = 0, f16 = 1, q4_0 = 2, q4_1 = 3, q5_0 = 6, q5_1 = 7, q8_0 = 8
    case q4_K = 12, q5_K = 13, q6_K = 14, bf16 = 30

    /// Elements per block.
    public var blockSize: Int {
        switch self {
        case .f32, .f16, .bf16: 1
        case .q4_0, .q4_1, .q5_0, .q5_1, .q8_0: 32
        case .q4_K, .q5_K, .q6_K: 256
        }
    }

    /// Bytes per block.
    public var blockBytes: Int {
        switch self {
        case .f32: 4
        case .f16, .bf16: 2
        case .q4_0: 18
        case .q4_1: 20
        case .q5_0: 22
        case .q5_1: 24
        case .q8_0: 34
        case .q4_K: 144
        case .q5_K: 176
        case .q6_K: 210
        }
    }

    /// Bytes of `count` elements (`count` must be a multiple of the block size).
    public func byteCount(elements count: Int) -> Int { count / blockSize * blockBytes }

    /// The f32 values of `count` elements stored at `raw` in this type.
    public func dequantize(_ raw: UnsafeRawBufferPointer, count: Int) -> [Float] {
        var out = [Float](repeating: 0, count: count)
        out.withUnsafeMutableBufferPointer { dst in
            for block in 0..<(count / blockSize) {
                let src = UnsafeRawBufferPointer(rebasing: raw[(block * blockBytes)..<((block + 1) * blockBytes)])
                dequantizeBlock(src, into: dst.baseAddress! + block * blockSize)
            }
        }
        return out
    }

    // MARK: - One block

    private func half(_ b: UnsafeRawBufferPointer, _ offset: Int) -> Float {
        HalfConversion.float(fromF16: UInt16(b[offset]) | UInt16(b[offset + 1]) << 8)
    }

    /// Low nibbles of 16 bytes are elements 0..<16, high nibbles 16..<32 (Q4_0/Q4_1/Q5_x order).
    private func nibble(_ b: UnsafeRawBufferPointer, _ base: Int, _ i: Int) -> Int {
        i < 16 ? Int(b[base + i] & 0x0F) : Int(b[base + i - 16] >> 4)
    }

    /// Q4_K/Q5_K: the 6-bit scale and min of sub-block `s` (0..<8), packed in 12 bytes at `base`.
    private func scaleMin(_ b: UnsafeRawBufferPointer, _ base: Int, _ s: Int) -> (Float, Float) {
        if s < 4 {
            return (Float(b[base + s] & 0x3F), Float(b[base + 4 + s] & 0x3F))
        }
        let k = s - 4
        let scale = (b[base + 8 + k] & 0x0F) | ((b[base + k] >> 2) & 0x30)
        let min = (b[base + 8 + k] >> 4) | ((b[base + 4 + k] >> 2) & 0x30)
        return (Float(scale), Float(min))
    }

    private func dequantizeBlock(_ b: UnsafeRawBufferPointer, into y: UnsafeMutablePointer<Float>) {
        switch self {
        case .f32:
            y[0] = b.loadUnaligned(as: Float.self)
        case .f16:
            y[0] = half(b, 0)
        case .bf16:
            y[0] = HalfConversion.float(fromBF16: UInt16(b[0]) | UInt16(b[1]) << 8)
        case .q8_0:
            let d = half(b, 0)
            for i in 0..<32 { y[i] = d * Float(Int8(bitPattern: b[2 + i])) }
        case .q4_0:
            let d = half(b, 0)
            for i in 0..<32 { y[i] = d * Float(nibble(b, 2, i) - 8) }
        case .q4_1:
            let d = half(b, 0), m = half(b, 2)
            for i in 0..<32 { y[i] = d * Float(nibble(b, 4, i)) + m }
        case .q5_0, .q5_1:
            let d = half(b, 0)
            let m: Float = self == .q5_1 ? half(b, 2) : 0
            let qhAt = self == .q5_1 ? 4 : 2
            let qh = UInt32(b[qhAt]) | UInt32(b[qhAt + 1]) << 8 | UInt32(b[qhAt + 2]) << 16 | UInt32(b[qhAt + 3]) << 24
            for i in 0..<32 {
                let q = nibble(b, qhAt + 4, i) | Int((qh >> UInt32(i)) & 1) << 4
                y[i] = self == .q5_1 ? d * Float(q) + m : d * Float(q - 16)
            }
        case .q4_K, .q5_K:
            // d, dmin, 12 scale bytes, [32 high-bit bytes for Q5_K], 128 nibble bytes.
            let d = half(b, 0), dmin = half(b, 2)
            let qsAt = self == .q5_K ? 48 : 16
            for s in 0..<8 {
                let (scale, min) = scaleMin(b, 4, s)
                let group = s / 2, high = s % 2 == 1
                for l in 0..<32 {
                    let byte = b[qsAt + group * 32 + l]
                    var q = Int(high ? byte >> 4 : byte & 0x0F)
                    if self == .q5_K { q |= Int((b[16 + l] >> UInt8(s)) & 1) << 4 }
                    y[s * 32 + l] = d * scale * Float(q) - dmin * min
                }
            }
        case .q6_K:
            // 128 low-nibble bytes, 64 high-2-bit bytes, 16 int8 scales, d.
            let d = half(b, 208)
            for i in 0..<256 {
                let h = i / 128, r = i % 128
                let low = (b[h * 64 + r % 64] >> UInt8(4 * (r / 64))) & 0x0F
                let high = (b[128 + h * 32 + r % 32] >> UInt8(2 * (r / 32))) & 0x03
                let q = Int(low | high << 4) - 32
                y[i] = d * Float(Int8(bitPattern: b[192 + i / 16])) * Float(q)
            }
        }
    }
}
