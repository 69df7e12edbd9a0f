import Foundation
import Testing
@testable import SkeinFormats

/// GGUF reading against gguf-py (Tests/Fixtures/gguf, made by tools/make_gguf_fixtures.py).
@Suite struct GGUFTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/gguf")

    struct Expected: Decodable {
        let type: String
        let shape: [Int]
        let values: [Float]
    }

    @Test func metadataOfEveryValueType() throws {
        let file = try GGUFFile(path: Self.folder.appendingPathComponent("quants.gguf").path)
        #expect(file.version == 3)
        #expect(file.metadata["general.architecture"] == .string("llama"))
        #expect(file.metadata["test.u8"] == .uint(200))
        #expect(file.metadata["test.i8"] == .int(-5))
        #expect(file.metadata["test.u16"] == .uint(60000))
        #expect(file.metadata["test.i16"] == .int(-30000))
        #expect(file.metadata["test.u32"] == .uint(4_000_000_000))
        #expect(file.metadata["test.i32"] == .int(-2_000_000_000))
        #expect(file.metadata["test.f32"] == .float(1.5))
        #expect(file.metadata["test.bool"] == .bool(true))
        #expect(file.metadata["test.string"] == .string("héllo ✓"))
        #expect(file.metadata["test.array"] == .array([.int(1), .int(2), .int(3)]) || file.metadata["test.array"] == .array([.uint(1), .uint(2), .uint(3)]))
        #expect(file.metadata["test.strings"] == .array([.string("a"), .string("bc")]))
        #expect(file.metadata["test.u64"] == .uint(1 << 40))
        #expect(file.metadata["test.i64"] == .int(-(1 << 40)))
        #expect(file.metadata["test.f64"] == .float(2.25))
    }

    @Test func everyTypeDequantizesAsGGUFPyDoes() throws {
        let file = try GGUFFile(path: Self.folder.appendingPathComponent("quants.gguf").path)
        let expected = try JSONDecoder().decode([String: Expected].self,
                                                from: Data(contentsOf: Self.folder.appendingPathComponent("quants.json")))
        #expect(expected.count == GGMLType.allCases.count)
        for (name, reference) in expected {
            let info = try file.tensor(name)
            #expect(info.dimensions == reference.shape.reversed(), "\(name)")
            let values = try file.floats(name)
            #expect(values.count == reference.values.count)
            let worst = zip(values, reference.values).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
            #expect(worst <= 1e-5, "\(name) (\(reference.type)): relative error \(worst)")
        }
    }

    static func fixtureBytes() throws -> [UInt8] {
        Array(try Data(contentsOf: folder.appendingPathComponent("quants.gguf")))
    }

    static func parse(_ bytes: [UInt8]) throws {
        _ = try bytes.withUnsafeBytes { try GGUFFile(bytes: $0, path: "bad.gguf") }
    }

    @Test func badFilesGiveTypedErrors() throws {
        let good = try Self.fixtureBytes()
        // Bad magic.
        var bytes = good
        bytes[0] = 0x58
        #expect { try Self.parse(bytes) } throws: { "\($0)".contains("bad magic") }
        // Unsupported version.
        bytes = good
        bytes[4] = 9
        #expect { try Self.parse(bytes) } throws: { "\($0)".contains("version 9") }
        // Truncation anywhere in the header or data.
        let parsed = try good.withUnsafeBytes { try GGUFFile(bytes: $0, path: "good.gguf") }
        let dataEnd = parsed.dataOffset + (parsed.tensors.map { $0.offset + $0.byteCount }.max() ?? 0)
        for cut in [3, 12, 30, 200, 600, parsed.dataOffset + 1, dataEnd - 1] {
            #expect(throws: FormatError.self) { try Self.parse(Array(good.prefix(cut))) }
        }
        // Absurd tensor count.
        bytes = good
        for k in 8..<16 { bytes[k] = 0xFF }
        #expect { try Self.parse(bytes) } throws: { "\($0)".contains("tensor_count") }
        // Unknown tensor type: patch the first tensor's type field (after its name and dims).
        bytes = good
        let name = [5, 0, 0, 0, 0, 0, 0, 0] + Array("t.f32".utf8)  // the tensor name with its u64 length
        let at = try #require(Self.find(name, in: bytes))
        let typeOffset = at + name.count + 4 + 2 * 8
        bytes[typeOffset] = 77
        #expect { try Self.parse(bytes) } throws: { "\($0)".contains("t.f32") && "\($0)".contains("unsupported tensor type 77") }
        // Tensor data outside the file: a huge offset.
        bytes = good
        for k in 0..<8 { bytes[typeOffset + 4 + k] = k == 5 ? 0x10 : 0 }
        #expect { try Self.parse(bytes) } throws: { "\($0)".contains("t.f32") }
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        for i in 0...(haystack.count - needle.count) where Array(haystack[i..<(i + needle.count)]) == needle { return i }
        return nil
    }

    @Test func randomCorruptionNeverCrashes() throws {
        let good = try Self.fixtureBytes()
        var state: UInt64 = 99
        for _ in 0..<300 {
            var bytes = good
            for _ in 0..<4 {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                let index = Int(state >> 33) % min(bytes.count, 1200)
                bytes[index] = UInt8(truncatingIfNeeded: state >> 13)
            }
            if let file = try? bytes.withUnsafeBytes({ try GGUFFile(bytes: $0, path: "fuzz.gguf") }) {
                for info in file.tensors { _ = bytes.withUnsafeBytes { _ in info.byteCount } }
            }
        }
    }
}
