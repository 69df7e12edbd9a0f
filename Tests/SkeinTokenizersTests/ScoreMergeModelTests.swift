import Testing
@testable import SkeinTokenizers

/// llama.cpp's SentencePiece merging: highest-scoring pair first, leftmost among equal scores,
/// byte tokens for what is left outside the vocabulary.
@Suite struct ScoreMergeModelTests {
    static let tokens = ["<unk>", "a", "b", "c", "ab", "bc", "abc", "<0xC3>", "<0xA9>"]

    static func encode(_ text: String, scores: [String: Float], tokens: [String] = ScoreMergeModelTests.tokens) -> [String] {
        let model = ScoreMergeModel(tokens: tokens, scores: tokens.map { scores[$0] ?? 0 }, unknownId: 0)
        var ids = [Int]()
        model.tokenize(Array(text.unicodeScalars), into: &ids)
        return ids.map { tokens[$0] }
    }

    @Test func higherScoreMergesFirst() {
        let pairsOnly = ["<unk>", "a", "b", "c", "ab", "bc"]
        #expect(Self.encode("abc", scores: ["ab": -5, "bc": -1], tokens: pairsOnly) == ["a", "bc"])
        #expect(Self.encode("abc", scores: ["ab": -1, "bc": -5], tokens: pairsOnly) == ["ab", "c"])
        // Merged symbols merge again when their concatenation is a token.
        #expect(Self.encode("abcb", scores: ["ab": -5, "bc": -1, "abc": -9]) == ["abc", "b"])
    }

    @Test func equalScoresMergeLeftmostFirst() {
        #expect(Self.encode("abc", scores: ["abc": -100]) == ["abc"])
        #expect(Self.encode("bcab", scores: ["abc": -100]) == ["bc", "ab"])
    }

    @Test func unknownScalarsBecomeByteTokensOrUnknown() {
        #expect(Self.encode("aé", scores: [:]) == ["a", "<0xC3>", "<0xA9>"])
        #expect(Self.encode("ä", scores: [:]) == ["<0xC3>", "<unk>"])
    }
}
