import Foundation
import Testing
@testable import SkeinFormats

/// What a model path holds: a folder, a GGUF file by its magic, or neither.
@Suite struct ModelFormatTests {
    /// A file holding `bytes` in a fresh temporary folder (the caller removes the folder).
    func file(_ name: String, _ bytes: Data) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("skein-format-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = dir.appendingPathComponent(name)
        try bytes.write(to: file)
        return file
    }

    @Test func aFolderIsAFolderAndTheMagicMakesGGUF() throws {
        let gguf = try file("model.bin", Data("GGUF\u{3}\0\0\0".utf8))
        defer { try? FileManager.default.removeItem(at: gguf.deletingLastPathComponent()) }
        #expect(try ModelFormat.detect(gguf) == .gguf, "the magic decides, not the name")
        #expect(try ModelFormat.detect(gguf.deletingLastPathComponent()) == .folder)
    }

    /// A text file, a bad magic, an empty file: named as not a model, never read as a folder.
    @Test(arguments: [("notes.txt", "hello"), ("model.gguf", "GGUX...."), ("empty.gguf", ""), ("short.gguf", "GG")])
    func otherFilesAreNotModels(name: String, content: String) throws {
        let path = try file(name, Data(content.utf8))
        defer { try? FileManager.default.removeItem(at: path.deletingLastPathComponent()) }
        #expect(throws: FormatError.notAModel(path: path.path)) { try ModelFormat.detect(path) }
        #expect(FormatError.notAModel(path: path.path).description == "\(path.path): not a model folder or GGUF file")
    }

    @Test func aMissingPathIsNotFound() {
        #expect(throws: FormatError.fileNotFound(path: "/nonexistent/skein-model")) {
            try ModelFormat.detect(URL(fileURLWithPath: "/nonexistent/skein-model"))
        }
    }
}
