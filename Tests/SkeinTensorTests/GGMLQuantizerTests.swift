import Foundation
import Testing
@testable import SkeinTensor

/// Quantize then dequantize: the error each format should have on Gaussian data.
@Suite struct GGMLQuantizerTests {
    /// (type, bound on RMS error / RMS value). Bits per weight: Q8_0 8.5, Q6_K 6.6, Q5_K 5.5, Q5_x 5.5-6,
    /// Q4_K 4.5, Q4_x 4.5-5; uniform quantization of a Gaussian block gives roughly these.
    static let bounds: [(GGMLType, Float)] = [
        (.f16, 1e-3), (.bf16, 5e-3), (.q8_0, 0.01), (.q6_K, 0.04), (.q5_K, 0.06), (.q5_0, 0.08), (.q5_1, 0.07),
        (.q4_K, 0.11), (.q4_0, 0.15), (.q4_1, 0.13),
    ]

    @Test(arguments: bounds)
    func roundTripErrorIsBounded(type: GGMLType, bound: Float) {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func gaussian() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let u1 = Float(state >> 40) / Float(1 << 24) + 1e-7
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let u2 = Float(state >> 40) / Float(1 << 24)
            return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
        }
        let values = (0..<4096).map { _ in gaussian() * 0.05 }
        let bytes = values.withUnsafeBufferPointer { GGMLQuantizer.quantize($0, as: type) }
        #expect(bytes.count == type.byteCount(elements: values.count))
        let back = bytes.withUnsafeBytes { type.dequantize($0, count: values.count) }
        let error = zip(values, back).reduce(Float(0)) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        let energy = values.reduce(Float(0)) { $0 + $1 * $1 }
        let relative = (error / energy).squareRoot()
        #expect(relative <= bound, "\(type): relative RMS error \(relative)")
        #expect(relative > 0 || type == .f32)
    }

    @Test func zeroBlocksStayZero() {
        for type in GGMLType.allCases where type.blockSize > 1 {
            let zeros = [Float](repeating: 0, count: 256)
            let back = zeros.withUnsafeBufferPointer { GGMLQuantizer.quantize($0, as: type) }.withUnsafeBytes { type.dequantize($0, count: 256) }
            #expect(back.allSatisfy { $0 == 0 }, "\(type)")
        }
    }
}
