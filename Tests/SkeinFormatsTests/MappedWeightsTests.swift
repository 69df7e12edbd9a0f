import Foundation
import Testing
@testable import SkeinFormats
@testable import SkeinTensor

/// Weights used in place in a memory map behave like the same weights copied into arrays.
@Suite struct MappedWeightsTests {
    /// A temporary file holding `bytes`, mapped.
    func mapped(_ bytes: [UInt8]) throws -> (MappedFile, URL) {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("skein-weights-\(UUID().uuidString).bin")
        try Data(bytes).write(to: url)
        return (try MappedFile(path: url.path), url)
    }

    @Test func mappedHalfWeightsMatchCopiedOnes() throws {
        let out = 150, inFeatures = 40, rows = 3
        var state: UInt64 = 7
        let values: [Float] = (0..<(out * inFeatures)).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: state >> 11) % 2000) / 1000 - 1
        }
        let halves = values.map { Float16($0).bitPattern }
        // Three bytes of padding first, so the tensor starts at an odd address, as it may in a file.
        let bytes = [UInt8](repeating: 0, count: 3) + halves.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        let (file, url) = try mapped(bytes)
        defer { try? FileManager.default.removeItem(at: url) }
        let region = UnsafeRawBufferPointer(rebasing: file.bytes[3...])
        let inPlace = WeightMatrix(outFeatures: out, inFeatures: inFeatures,
                                   storage: .mapped(.init(type: .f16, bytes: region, owner: file)))
        let copied = WeightMatrix(outFeatures: out, inFeatures: inFeatures, storage: .f16(halves))
        #expect(inPlace.byteCount == copied.byteCount)
        #expect(inPlace.floats == copied.floats)
        #expect(inPlace.row(17) == copied.row(17))
        let x = (0..<(rows * inFeatures)).map { Float($0 % 7) / 7 - 0.5 }
        var a = [Float](repeating: 0, count: rows * out), b = a
        inPlace.apply(x, rows: rows, bias: nil, into: &a)
        copied.apply(x, rows: rows, bias: nil, into: &b)
        #expect(a == b)
        // A row slice stays a view of the map; a permutation is a copy, and the map reads the same after it.
        #expect(inPlace.rows(40..<90).floats == copied.rows(40..<90).floats)
        if case .mapped = inPlace.rows(40..<90).storage {} else { Issue.record("row slice was copied") }
        let order = Array((0..<out).reversed())
        #expect(inPlace.permutingRows(order).floats == copied.permutingRows(order).floats)
        #expect(inPlace.floats == copied.floats)
    }
}
