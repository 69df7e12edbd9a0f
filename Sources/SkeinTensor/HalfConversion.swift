/// Conversions between 16-bit float encodings and `Float`.
public enum HalfConversion {
    /// IEEE 754 binary16 bits to Float (exact).
    @inlinable
    public static func float(fromF16 bits: UInt16) -> Float {
        Float(Float16(bitPattern: bits))
    }

    /// bfloat16 bits to Float (exact: bf16 is the top half of a binary32).
    @inlinable
    public static func float(fromBF16 bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }

    /// Float to IEEE 754 binary16 bits, rounding to nearest even.
    @inlinable
    public static func f16Bits(from value: Float) -> UInt16 {
        Float16(value).bitPattern
    }

    /// Float to bfloat16 bits, rounding to nearest even (NaN stays NaN).
    @inlinable
    public static func bf16Bits(from value: Float) -> UInt16 {
        let bits = value.bitPattern
        if value.isNaN { return UInt16(truncatingIfNeeded: bits >> 16) | 0x40 }
        let rounding = 0x7FFF + ((bits >> 16) & 1)
        return UInt16(truncatingIfNeeded: (bits &+ rounding) >> 16)
    }

    /// Decodes `count` little-endian elements of `dtype` from `raw` into Floats.
    public static func decode(_ raw: UnsafeRawBufferPointer, dtype: DType, count: Int) -> [Float] {
        precondition(raw.count >= count * dtype.byteSize, "buffer too small for \(count) \(dtype) elements")
        return [Float](unsafeUninitializedCapacity: count) { out, initialized in
            switch dtype {
            case .f32:
                for i in 0..<count { out[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self))) }
            case .f16:
                for i in 0..<count { out[i] = float(fromF16: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))) }
            case .bf16:
                for i in 0..<count { out[i] = float(fromBF16: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))) }
            }
            initialized = count
        }
    }
}
