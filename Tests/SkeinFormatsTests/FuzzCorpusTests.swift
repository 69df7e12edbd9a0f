import Foundation
import Testing
@testable import SkeinFormats

/// Replays the fuzzers' committed seed corpus: every input parses or throws a FormatError.
@Suite struct FuzzCorpusTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz/Formats/Corpus")

    static func files(_ folder: String) -> [URL] {
        let dir = corpus.appendingPathComponent(folder)
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).sorted().map { dir.appendingPathComponent($0) }
    }

    @Test func safetensorsCorpus() throws {
        let files = Self.files("safetensors")
        #expect(files.count >= 5)
        var valid = 0
        for file in files {
            let data = try Data(contentsOf: file)
            do {
                _ = try data.withUnsafeBytes { try SafetensorsFile.parse($0, file: file.lastPathComponent) }
                valid += 1
            } catch is FormatError {}
        }
        #expect(valid >= 1 && valid < files.count)
    }

    @Test func configCorpus() throws {
        let files = Self.files("config")
        #expect(files.count >= 5)
        for file in files {
            let data = try Data(contentsOf: file)
            do { _ = try ModelConfiguration(json: data, file: file.lastPathComponent) } catch is FormatError {}
            do { _ = try GenerationConfiguration(json: data, file: file.lastPathComponent) } catch is FormatError {}
        }
    }
}
