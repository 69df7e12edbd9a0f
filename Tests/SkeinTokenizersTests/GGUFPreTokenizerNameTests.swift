import Foundation
import Testing
@testable import SkeinTokenizers

/// The `tokenizer.ggml.pre` name written for the demo model's Digits + ByteLevel pre-tokenizer.
@Suite struct GGUFPreTokenizerNameTests {
    static let demo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources/SkeinDemoModel/Resources/skein-demo")

    /// Converted in memory, the vocabulary is "smollm" and splits as the tokenizer.json does.
    @Test func digitsThenByteLevelIsSmolLM() throws {
        let vocabulary = try GGUFVocabulary(folder: Self.demo, vocabularySize: 2048)
        #expect(vocabulary.pre == "smollm")
        let hf = try ModelTokenizer(folder: Self.demo), gguf = try vocabulary.makeModelTokenizer()
        for text in ["1 22 333 4444", "x1y2 99 bottles", "a, b; c!  d\t\te\n", "١٢٣ ²³ Ⅻ", "The pass key is 48213."] {
            #expect(hf.encode(text) == gguf.encode(text), "\(text.debugDescription)")
        }
    }

    /// Every name llama.cpp maps to `\p{N}` then GPT-2's regex is read the same way.
    @Test(arguments: ["smollm", "starcoder", "refact", "command-r", "codeshell", "exaone", "minerva-7b"])
    func llamaCppsDigitNamesSplitDigitsApart(name: String) throws {
        var vocabulary = try GGUFVocabulary(folder: Self.demo, vocabularySize: 2048)
        vocabulary.pre = name
        let tokenizer = try vocabulary.makeTokenizer()
        let reference = try ModelTokenizer(folder: Self.demo)
        for text in ["abc 123", "a  1  22", "x1y2z3"] {
            #expect(tokenizer.encode(text, addSpecialTokens: false) == reference.tokenizer.encode(text, addSpecialTokens: false))
        }
    }
}
