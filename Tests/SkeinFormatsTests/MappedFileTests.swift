import Foundation
import Testing
@testable import SkeinFormats

/// `MappedFile.populate` and `dropPages` map pages early or give them back without changing what
/// the mapping reads.
@Suite struct MappedFileTests {
    @Test func droppedPagesReadTheSameBytes() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("skein-mapped-\(UUID().uuidString).bin")
        defer { try? FileManager.default.removeItem(at: url) }
        let bytes = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }
        try Data(bytes).write(to: url)
        let file = try MappedFile(path: url.path)
        #expect(Array(file.bytes) == bytes)
        // A region that starts and ends inside pages, the whole file, and a region outside it (ignored).
        file.populate(UnsafeRawBufferPointer(rebasing: file.bytes[5_000..<150_001]))
        #expect(Array(file.bytes[4_000..<160_000]) == Array(bytes[4_000..<160_000]))
        file.dropPages(UnsafeRawBufferPointer(rebasing: file.bytes[5_000..<150_001]))
        #expect(Array(file.bytes[4_000..<160_000]) == Array(bytes[4_000..<160_000]))
        file.dropPages(file.bytes)
        let elsewhere = [UInt8](repeating: 7, count: 64)
        elsewhere.withUnsafeBytes { file.populate($0); file.dropPages($0) }
        #expect(Array(file.bytes) == bytes)
    }
}
