import Foundation
import Testing
@testable import SkeinEngine
import SkeinTesting
import SkeinFormats
import SkeinTokenizers

/// Tokenizers read from vocab-only GGUF files written by gguf-py
/// (Tests/Fixtures/gguf/tokenizers, made by tools/make_gguf_tokenizer_fixtures.py), checked
/// against HF tokenizers (Tests/Fixtures/tokenizers/<name>/cases.json) and llama.cpp
/// (llama_cpp.json: llama-cpp-python on the same GGUF files).
@Suite struct GGUFTokenizerTests {
    struct EncodeCase: Decodable {
        let text: String
        let ids: [Int]
        let ids_no_special: [Int]
        let decoded: String
        let decoded_skip: String
    }

    struct LlamaCppCase: Decodable {
        let ids: [Int]
        let ids_no_special: [Int]
    }

    static let fixtures = Fixtures.root.appendingPathComponent("gguf/tokenizers")
    static let names = ["gpt2", "llama3", "qwen2", "sentencepiece"]

    static func folder(_ name: String) -> URL { fixtures.appendingPathComponent(name) }

    static func load<T: Decodable>(_ type: T.Type, _ url: URL) throws -> T {
        try JSONDecoder().decode(type, from: Data(contentsOf: url))
    }

    static func tokenizer(_ name: String) throws -> ModelTokenizer {
        try ModelTokenizer(gguf: GGUFFile(path: folder(name).appendingPathComponent("vocab.gguf").path))
    }

    /// Where the GGUF tokenizer may differ from HF, and why. Everywhere else it must give HF's ids.
    ///
    /// - gpt2: added tokens `<mask>` (lstrip), `<eot>` (rstrip) and `[BOLD]` (single_word): GGUF
    ///   has no lstrip/rstrip/single_word, so Skein cuts them out of the text as plain matches,
    ///   exactly as llama.cpp does.
    /// - sentencepiece: converted as convert_hf_to_gguf.py's `_set_vocab_llama_hf` does, every
    ///   score is -1000 and no merges are stored, so merging by score picks the leftmost pair
    ///   instead of HF's merge ranks; llama.cpp also puts a space before every text fragment
    ///   (after each special token, and before text that starts with a space). Skein follows
    ///   llama.cpp here, so every case must equal llama.cpp instead.
    static func mayDifferFromHF(_ name: String, _ text: String) -> Bool {
        switch name {
        case "gpt2": return ["<mask>", "<eot>", "[BOLD]"].contains { text.contains($0) }
        case "sentencepiece": return true
        default: return false
        }
    }

    @Test(arguments: names)
    func encodesAsHFWhereGGUFCanAndAsLlamaCppEverywhere(name: String) throws {
        let tokenizer = try Self.tokenizer(name)
        let source = Fixtures.root.appendingPathComponent("tokenizers/\(name)")
        let cases = try Self.load([EncodeCase].self, source.appendingPathComponent("cases.json"))
        let llamaCpp = try Self.load([LlamaCppCase].self, Self.folder(name).appendingPathComponent("llama_cpp.json"))
        #expect(cases.count == llamaCpp.count && cases.count > 50)
        var agreeWithHF = 0
        for (index, (sample, reference)) in zip(cases, llamaCpp).enumerated() {
            let label = "\(name) case \(index): \(sample.text.prefix(40).debugDescription)"
            let ids = tokenizer.encode(sample.text)
            let plain = tokenizer.encode(sample.text, addSpecialTokens: false)
            if ids == sample.ids && plain == sample.ids_no_special { agreeWithHF += 1 }
            if !Self.mayDifferFromHF(name, sample.text) {
                #expect(ids == sample.ids, "\(label)")
                #expect(plain == sample.ids_no_special, "\(label)")
            }
            if name == "qwen2" {
                // GGUF does not record Qwen2's NFC normalizer and llama.cpp skips it; Skein
                // applies it for "qwen2", so it differs from llama.cpp exactly on non-NFC text.
                let isNFC = sample.text.precomposedStringWithCanonicalMapping.unicodeScalars.elementsEqual(sample.text.unicodeScalars)
                if isNFC { #expect(ids == reference.ids, "\(label)") }
            } else {
                #expect(ids == reference.ids, "\(label)")
                #expect(plain == reference.ids_no_special, "\(label)")
            }
        }
        print("GGUF \(name): Skein agrees with HF on \(agreeWithHF)/\(cases.count) cases")
    }

    @Test(arguments: names)
    func decodesHFIdsAsHF(name: String) throws {
        let tokenizer = try Self.tokenizer(name)
        let cases = try Self.load([EncodeCase].self, Fixtures.root.appendingPathComponent("tokenizers/\(name)/cases.json"))
        for (index, sample) in cases.enumerated() {
            let label = "\(name) case \(index): \(sample.text.prefix(40).debugDescription)"
            #expect(try tokenizer.decode(sample.ids) == sample.decoded, "\(label)")
            #expect(try tokenizer.decode(sample.ids, skipSpecialTokens: true) == sample.decoded_skip, "\(label)")
        }
    }

    /// The vocabulary converted from tokenizer.json + tokenizer_config.json by Skein.
    static func converted(_ name: String, vocabularySize: Int?) throws -> GGUFVocabulary {
        try GGUFVocabulary(
            tokenizerJSON: Data(contentsOf: Fixtures.root.appendingPathComponent("tokenizers/\(name)/tokenizer.json")),
            tokenizerConfig: Data(contentsOf: folder(name).appendingPathComponent("tokenizer_config.json")),
            vocabularySize: vocabularySize)
    }

    /// gguf-py's reading of its own file: key -> (GGUF type, value).
    static func referenceMetadata(_ name: String) throws -> [String: (type: String, value: Any)] {
        let data = try Data(contentsOf: folder(name).appendingPathComponent("metadata.json"))
        let entries = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        var result = [String: (type: String, value: Any)]()
        for entry in entries {
            result[try #require(entry["key"] as? String)] = (try #require(entry["type"] as? String), try #require(entry["value"]))
        }
        return result
    }

    /// Whether a Skein metadata value has gguf-py's type and value.
    static func same(_ value: GGUFWritableValue, type: String, as reference: Any, unordered: Bool) -> Bool {
        switch value {
        case .string(let text): return type == "STRING" && reference as? String == text
        case .strings(let list):
            guard type == "ARRAY/STRING", let other = reference as? [String] else { return false }
            return unordered ? Set(list) == Set(other) : list == other
        case .int32s(let list): return type == "ARRAY/INT32" && (reference as? [Int])?.map(Int32.init) == list
        case .float32s(let list): return type == "ARRAY/FLOAT32" && (reference as? [Double])?.map(Float.init) == list
        case .uint32(let number): return type == "UINT32" && (reference as? Int).map(UInt32.init) == number
        case .bool(let flag): return type == "BOOL" && reference as? Bool == flag
        default: return false
        }
    }

    @Test(arguments: names)
    func conversionWritesWhatGGUFPyWrites(name: String) throws {
        let reference = try Self.referenceMetadata(name)
        let tokenCount = try #require((reference[GGUFVocabulary.Key.tokens]?.value as? [Any])?.count)
        let vocabulary = try Self.converted(name, vocabularySize: tokenCount)
        let entries = vocabulary.metadataEntries
        #expect(Set(entries.map(\.key)) == Set(reference.keys))
        #expect(Set(entries.map(\.key)).count == entries.count)
        for entry in entries {
            let expected = try #require(reference[entry.key], "\(name): \(entry.key) is not in gguf-py's file")
            let unordered = entry.key == GGUFVocabulary.Key.chatTemplateNames  // gguf-py writes a Python set
            #expect(Self.same(entry.value, type: expected.type, as: expected.value, unordered: unordered), "\(name): \(entry.key)")
        }
        // Reading gguf-py's file gives the same vocabulary.
        let file = try GGUFFile(path: Self.folder(name).appendingPathComponent("vocab.gguf").path)
        #expect(try GGUFVocabulary(metadata: file.metadata, file: file.path) == vocabulary)
    }

    /// With `.mergeRanks` scores, merging by score follows tokenizer.json's merge order: the
    /// tokenizer built from the GGUF data (which encodes as llama.cpp does) gives HF's ids for
    /// every text whose fragments llama.cpp and HF prefix alike. (llama.cpp puts a space before
    /// every text fragment; this HF tokenizer's Metaspace(prepend_scheme: first) only before the
    /// start of a text that does not begin with a space.)
    @Test func mergeRankScoresFollowHFMergeOrder() throws {
        let source = Fixtures.root.appendingPathComponent("tokenizers/sentencepiece")
        let convertDefault = try Self.converted("sentencepiece", vocabularySize: nil)
        let ranked = try GGUFVocabulary(
            tokenizerJSON: Data(contentsOf: source.appendingPathComponent("tokenizer.json")),
            tokenizerConfig: Data(contentsOf: Self.folder("sentencepiece").appendingPathComponent("tokenizer_config.json")),
            sentencePieceScores: .mergeRanks)
        #expect(ranked.tokens == convertDefault.tokens && ranked.tokenTypes == convertDefault.tokenTypes)
        #expect(ranked.scores != convertDefault.scores)
        let tokenizer = try ranked.makeTokenizer()
        let cases = try Self.load([EncodeCase].self, source.appendingPathComponent("cases.json"))
        let addedTokens = ["<unk>", "<s>", "</s>"]
        var compared = 0
        var agreed = 0
        for (index, sample) in cases.enumerated() {
            var text = sample.text
            while let suffix = addedTokens.first(where: { text.hasSuffix($0) }) { text.removeLast(suffix.count) }
            guard !text.hasPrefix(" "), !addedTokens.contains(where: { text.contains($0) }) else { continue }
            compared += 1
            let ids = tokenizer.encode(sample.text)
            if ids == sample.ids { agreed += 1 }
            #expect(ids == sample.ids, "case \(index): \(sample.text.prefix(40).debugDescription)")
        }
        #expect(compared > 50)
        print("GGUF sentencepiece with merge-rank scores: Skein agrees with HF on \(agreed)/\(compared) comparable cases")
    }

    @Test func chatTemplatesAndSpecialTokensCarryOver() throws {
        let qwen = try Self.tokenizer("qwen2")
        let config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: Self.folder("qwen2").appendingPathComponent("tokenizer_config.json"))) as? [String: Any])
        let templates = try #require(config["chat_template"] as? [[String: String]])
        #expect(qwen.configuration.chatTemplate == templates.first { $0["name"] == "default" }?["template"])
        #expect(qwen.configuration.namedChatTemplates["tool_use"] == templates.first { $0["name"] == "tool_use" }?["template"])
        #expect(qwen.configuration.eosToken == "<|im_end|>")
        #expect(qwen.eosTokenIds == [qwen.tokenizer.id(of: "<|im_end|>")!])
        #expect(qwen.configuration.bosToken == nil)
        let chat = try qwen.encodeChat([.object([(key: "role", value: .string("user")), (key: "content", value: .string("hi"))])])
        #expect(chat.first == qwen.tokenizer.id(of: "<|im_start|>"))

        let llama = try Self.tokenizer("sentencepiece")
        #expect(llama.configuration.bosToken == "<s>")
        #expect(llama.configuration.eosToken == "</s>")
        #expect(llama.encode("hi").first == 1)
        #expect(llama.tokenizer.isSpecial(1) && llama.tokenizer.isSpecial(2))
    }

    // MARK: - Bad metadata

    static func metadata(_ name: String) throws -> [String: GGUFValue] {
        try GGUFFile(path: folder(name).appendingPathComponent("vocab.gguf").path).metadata
    }

    static func makeTokenizer(_ metadata: [String: GGUFValue]) throws {
        _ = try GGUFVocabulary(metadata: metadata, file: "bad.gguf").makeTokenizer(file: "bad.gguf")
    }

    @Test func missingOrMistypedKeysAreNamed() throws {
        var metadata = try Self.metadata("gpt2")
        metadata[GGUFVocabulary.Key.tokens] = nil
        #expect(throws: FormatError.missingField(file: "bad.gguf", field: "tokenizer.ggml.tokens")) { try Self.makeTokenizer(metadata) }

        metadata = try Self.metadata("gpt2")
        metadata[GGUFVocabulary.Key.model] = nil
        #expect(throws: FormatError.missingField(file: "bad.gguf", field: "tokenizer.ggml.model")) { try Self.makeTokenizer(metadata) }

        metadata = try Self.metadata("gpt2")
        metadata[GGUFVocabulary.Key.tokens] = .string("oops")
        #expect(throws: FormatError.invalidField(file: "bad.gguf", field: "tokenizer.ggml.tokens", reason: "expected an array")) {
            try Self.makeTokenizer(metadata)
        }

        metadata = try Self.metadata("sentencepiece")
        metadata[GGUFVocabulary.Key.tokenTypes] = .array([.int(1), .int(9)])
        #expect(throws: FormatError.invalidField(file: "bad.gguf", field: "tokenizer.ggml.token_type[1]", reason: "unknown token type 9")) {
            try Self.makeTokenizer(metadata)
        }
    }

    /// The field of a `TokenizerError.invalidField` thrown by `body`, or nil.
    static func failingField(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch TokenizerError.invalidField(_, let field, _) {
            return field
        } catch {
            return "unexpected \(error)"
        }
    }

    @Test func inconsistentArraysAndUnknownNamesAreTypedErrors() throws {
        let gpt2 = try Self.metadata("gpt2")
        let spm = try Self.metadata("sentencepiece")
        guard case .array(let types) = try #require(gpt2[GGUFVocabulary.Key.tokenTypes]),
              case .array(let scores) = try #require(spm[GGUFVocabulary.Key.scores]) else {
            Issue.record("fixture arrays missing")
            return
        }
        var metadata = gpt2
        metadata[GGUFVocabulary.Key.tokenTypes] = .array(Array(types.dropLast()))
        #expect(Self.failingField { try Self.makeTokenizer(metadata) } == "tokenizer.ggml.token_type")

        metadata = spm
        metadata[GGUFVocabulary.Key.scores] = .array(Array(scores.dropLast(3)))
        #expect(Self.failingField { try Self.makeTokenizer(metadata) } == "tokenizer.ggml.scores")

        metadata = gpt2
        metadata[GGUFVocabulary.Key.model] = .string("bert")
        #expect(Self.failingField { try Self.makeTokenizer(metadata) } == "tokenizer.ggml.model")

        metadata = gpt2
        metadata[GGUFVocabulary.Key.pre] = .string("mystery-bpe")
        #expect(Self.failingField { try Self.makeTokenizer(metadata) } == "tokenizer.ggml.pre")

        metadata = gpt2
        metadata[GGUFVocabulary.Key.merges] = .array([.string("no-such-token Ġ")])
        #expect(Self.failingField { try Self.makeTokenizer(metadata) } == "tokenizer.ggml.merges[0]")

        metadata = gpt2
        metadata[GGUFVocabulary.Key.merges] = .array([.string("nospace")])
        #expect(Self.failingField { try Self.makeTokenizer(metadata) } == "tokenizer.ggml.merges[0]")

        metadata = gpt2
        metadata[GGUFVocabulary.SpecialToken.eos.idKey] = .uint(1_000_000)
        #expect(Self.failingField { try Self.makeTokenizer(metadata) } == "tokenizer.ggml.eos_token_id")

        metadata = gpt2
        metadata[GGUFVocabulary.SpecialToken.bos.idKey] = nil
        metadata[GGUFVocabulary.SpecialToken.bos.addKey!] = .bool(true)
        #expect(Self.failingField { try Self.makeTokenizer(metadata) } == "tokenizer.ggml.bos_token_id")
    }

    @Test func tokenizersGGUFCannotCarryAreRefused() throws {
        for name in ["whitespace", "whitespace-split", "digits-grouped", "metaspace-always"] {
            let url = Fixtures.root.appendingPathComponent("tokenizers/\(name)/tokenizer.json")
            do {
                _ = try GGUFVocabulary(tokenizerJSON: Data(contentsOf: url))
                Issue.record("\(name): converted, but GGUF cannot carry it")
            } catch TokenizerError.notRepresentableInGGUF {
            } catch {
                Issue.record("\(name): expected notRepresentableInGGUF, got \(error)")
            }
        }
    }
}
