import Testing
@testable import SkeinTensor

@Suite struct HalfConversionTests {
    @Test func bf16RoundTripsExactValues() {
        for value: Float in [0, 1, -2, 0.5, 3.140625, -1e-3, 65504] {
            let bits = HalfConversion.bf16Bits(from: value)
            let back = HalfConversion.float(fromBF16: bits)
            #expect(abs(back - value) <= abs(value) / 128)
        }
    }

    @Test func bf16RoundsToNearestEven() {
        // 1 + 2^-8 lies halfway between 1 and 1 + 2^-7: ties go to the even mantissa (1).
        #expect(HalfConversion.float(fromBF16: HalfConversion.bf16Bits(from: 1 + 1.0 / 256)) == 1)
        #expect(HalfConversion.float(fromBF16: HalfConversion.bf16Bits(from: 1 + 3.0 / 256)) == 1 + 1.0 / 64)
    }

    @Test func decodesF16() {
        let bits: [UInt16] = [0x3C00, 0xC000, 0x0000, 0x7BFF]
        let floats = bits.withUnsafeBytes { HalfConversion.decode($0, dtype: .f16, count: 4) }
        #expect(floats == [1, -2, 0, 65504])
    }
}
