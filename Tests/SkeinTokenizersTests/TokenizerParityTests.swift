import Foundation
import Testing
@testable import SkeinTokenizers

/// Skein's tokenizer against ids and text recorded from HF tokenizers
/// (Tests/Fixtures/tokenizers, made by tools/make_tokenizer_fixtures.py).
@Suite struct TokenizerParityTests {
    struct EncodeCase: Decodable {
        let text: String
        let ids: [Int]
        let ids_no_special: [Int]
        let decoded: String
        let decoded_skip: String
    }

    struct DecodeCase: Decodable {
        let ids: [Int]
        let decoded: String
    }

    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/tokenizers")

    static let names: [String] = {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        return entries.filter { FileManager.default.fileExists(atPath: root.appendingPathComponent("\($0)/tokenizer.json").path) }.sorted()
    }()

    @Test func fixturesExist() {
        #expect(Self.names.count >= 5)
    }

    @Test(arguments: names)
    func encodeAndDecodeMatch(name: String) throws {
        let folder = Self.root.appendingPathComponent(name)
        let tokenizer = try Tokenizer(file: folder.appendingPathComponent("tokenizer.json"))
        let cases = try JSONDecoder().decode([EncodeCase].self, from: Data(contentsOf: folder.appendingPathComponent("cases.json")))
        #expect(!cases.isEmpty)
        for (index, sample) in cases.enumerated() {
            let label = "\(name) case \(index): \(sample.text.prefix(40).debugDescription)"
            #expect(tokenizer.encode(sample.text) == sample.ids, "\(label)")
            #expect(tokenizer.encode(sample.text, addSpecialTokens: false) == sample.ids_no_special, "\(label)")
            #expect(try tokenizer.decode(sample.ids) == sample.decoded, "\(label)")
            #expect(try tokenizer.decode(sample.ids, skipSpecialTokens: true) == sample.decoded_skip, "\(label)")
        }
    }

    @Test(arguments: names)
    func arbitraryIdsDecodeAsHFDoes(name: String) throws {
        let folder = Self.root.appendingPathComponent(name)
        let file = folder.appendingPathComponent("decode_cases.json")
        let tokenizer = try Tokenizer(file: folder.appendingPathComponent("tokenizer.json"))
        let cases = try JSONDecoder().decode([DecodeCase].self, from: Data(contentsOf: file))
        for (index, sample) in cases.enumerated() {
            #expect(try tokenizer.decode(sample.ids) == sample.decoded, "\(name) decode case \(index)")
        }
    }

    @Test(arguments: names)
    func streamingDetokenizerRebuildsTheText(name: String) throws {
        let folder = Self.root.appendingPathComponent(name)
        let tokenizer = try Tokenizer(file: folder.appendingPathComponent("tokenizer.json"))
        let cases = try JSONDecoder().decode([EncodeCase].self, from: Data(contentsOf: folder.appendingPathComponent("cases.json")))
        for sample in cases {
            var stream = StreamingDetokenizer(tokenizer: tokenizer, skipSpecialTokens: false)
            var text = ""
            for id in sample.ids {
                let piece = try stream.append(id)
                #expect(!piece.unicodeScalars.contains("\u{FFFD}") || sample.decoded.unicodeScalars.contains("\u{FFFD}"))
                text += piece
            }
            text += try stream.finish()
            #expect(text == sample.decoded, "\(name): \(sample.text.prefix(40).debugDescription)")
        }
    }
}
