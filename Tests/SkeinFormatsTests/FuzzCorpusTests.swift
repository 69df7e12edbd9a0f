import Foundation
import Testing
@testable import SkeinFormats

/// Replays the fuzzers' committed seed corpus: every input parses or throws a FormatError.
@Suite struct FuzzCorpusTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz/Corpus")

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

    /// Every GGUF seed parses (with its configuration and every tensor's data) or throws a
    /// FormatError; the damaged seeds throw the error that names what is wrong.
    @Test func ggufCorpus() throws {
        let files = Self.files("gguf")
        #expect(files.count >= 10)
        var outcomes: [String: String] = [:]  // seed name -> "ok" or the error's description
        for file in files {
            let data = try Data(contentsOf: file)
            do {
                try data.withUnsafeBytes { bytes in
                    let gguf = try GGUFFile(bytes: bytes, path: file.lastPathComponent)
                    _ = try ModelConfiguration(gguf: gguf)
                    for info in gguf.tensors { _ = info.type.dequantize(gguf.data(of: info), count: info.elementCount) }
                }
                outcomes[file.lastPathComponent] = "ok"
            } catch let error as FormatError {
                outcomes[file.lastPathComponent] = error.description
            }
        }
        for valid in ["valid-q8_0.gguf", "valid-f32.gguf", "valid-v2.gguf"] { #expect(outcomes[valid] == "ok", "\(valid)") }
        let expected = [
            "bad-magic.gguf": "bad magic",
            "bad-version.gguf": "unsupported GGUF version 4",
            "truncated-header.gguf": "truncated while reading",
            "truncated-data.gguf": "lies outside the file",
            "absurd-tensor-count.gguf": "'tensor_count' is 1152921504606846976, more than the file can hold",
            "unknown-tensor-type.gguf": "tensor 'token_embd.weight': unsupported tensor type 99",
            "data-outside-file.gguf": "tensor 'token_embd.weight'",
            "heads-not-dividing.gguf": "field 'llama.attention.head_count': 6 heads do not divide llama.embedding_length 32",
            "missing-block-count.gguf": "llama.block_count",
            "empty.gguf": "bad magic",
        ]
        for (seed, message) in expected {
            #expect(outcomes[seed]?.contains(message) == true, "\(seed): \(outcomes[seed] ?? "missing")")
        }
    }
}
