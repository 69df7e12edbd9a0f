import Foundation
import Testing
@testable import SkeinTokenizers

/// Bad and adversarial input: typed errors that name the component, no crash, no blow-up.
@Suite struct TokenizerRobustnessTests {
    static let fixtures = TokenizerParityTests.root

    static func fixtureJSON(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: fixtures.appendingPathComponent("\(name)/tokenizer.json"))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    static func load(_ object: [String: Any]) throws -> Tokenizer {
        try Tokenizer(json: JSONSerialization.data(withJSONObject: object), file: "edited/tokenizer.json")
    }

    @Test(arguments: [("normalizer", "Precompiled"), ("pre_tokenizer", "UnicodeScripts"),
                      ("decoder", "CTC"), ("post_processor", "Mystery"), ("model", "Unigram")])
    func unknownComponentsAreNamed(field: String, type: String) throws {
        var object = try Self.fixtureJSON("gpt2")
        var component = (object[field] as? [String: Any]) ?? [:]
        component["type"] = type
        object[field] = component
        #expect {
            try Self.load(object)
        } throws: { error in
            let message = "\(error)"
            return message.contains(type) && message.contains("edited/tokenizer.json")
        }
    }

    @Test func malformedFilesGiveTypedErrors() throws {
        #expect(throws: TokenizerError.self) { try Tokenizer(json: Data("{".utf8)) }
        #expect(throws: TokenizerError.self) { try Tokenizer(json: Data("[]".utf8)) }
        #expect(throws: TokenizerError.self) { try Tokenizer(json: Data("{\"model\": {\"type\": \"BPE\"}}".utf8)) }
        var object = try Self.fixtureJSON("gpt2")
        var model = object["model"] as! [String: Any]
        model["merges"] = ["a"]
        object["model"] = model
        #expect { try Self.load(object) } throws: { "\($0)".contains("merges[0]") }
        #expect(throws: TokenizerError.self) {
            try Tokenizer(file: URL(fileURLWithPath: "/nonexistent/tokenizer.json"))
        }
    }

    @Test func unknownIdsAreTypedErrors() throws {
        let tokenizer = try Tokenizer(file: Self.fixtures.appendingPathComponent("gpt2/tokenizer.json"))
        #expect(throws: TokenizerError.unknownTokenId(1_000_000)) { try tokenizer.decode([1, 1_000_000]) }
        #expect(throws: TokenizerError.unknownTokenId(-1)) { try tokenizer.decode([-1]) }
    }

    /// One megabyte without a split point is one BPE word; the merge queue keeps it near-linear.
    /// (Its speed is in docs/BENCHMARKS.md; here: it finishes and round-trips.)
    @Test(arguments: ["gpt2", "llama3", "sentencepiece"])
    func megabyteRunWithoutSplitPoints(name: String) throws {
        let tokenizer = try Tokenizer(file: Self.fixtures.appendingPathComponent("\(name)/tokenizer.json"))
        let text = String(repeating: "the", count: 350_000)  // 1.05 MB of letters: one word
        let ids = tokenizer.encode(text, addSpecialTokens: false)
        #expect(ids.count > 1 && ids.count < text.count)
        #expect(try tokenizer.decode(ids).hasSuffix(text))
    }

    @Test(arguments: ["gpt2", "llama3", "qwen2", "sentencepiece", "normalizers", "metaspace-always"])
    func arbitraryBytesEncodeAndDecode(name: String) throws {
        let tokenizer = try Tokenizer(file: Self.fixtures.appendingPathComponent("\(name)/tokenizer.json"))
        var state: UInt64 = 12345
        for length in [1, 2, 7, 64, 1000] {
            var bytes = [UInt8]()
            for _ in 0..<length {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                bytes.append(UInt8(truncatingIfNeeded: state >> 56))
            }
            let text = String(decoding: bytes, as: UTF8.self)
            let ids = tokenizer.encode(text)
            #expect(ids.allSatisfy { tokenizer.token(of: $0) != nil })
            _ = try tokenizer.decode(ids)
        }
    }

    @Test func fuzzCorpusReplays() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fuzz/Corpus")
        // The fuzzed seeds and the large ones only replayed (tokenizer-large).
        let files = try ["tokenizer", "tokenizer-large"].flatMap { name in
            let dir = root.appendingPathComponent(name)
            return try FileManager.default.contentsOfDirectory(atPath: dir.path).map { dir.appendingPathComponent($0) }
        }
        #expect(files.count >= 10)
        for file in files {
            let bytes = try Data(contentsOf: file)
            let split = bytes.firstIndex(of: 0) ?? bytes.endIndex
            guard let tokenizer = try? Tokenizer(json: bytes[..<split]) else { continue }
            let text = split < bytes.endIndex ? String(decoding: bytes[(split + 1)...], as: UTF8.self) : ""
            _ = try? tokenizer.decode(tokenizer.encode(text))
        }
    }
}
