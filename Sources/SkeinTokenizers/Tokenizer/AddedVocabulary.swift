/// Tokens added on top of the model's vocabulary (tokenizer.json's `added_tokens`).
///
/// They are cut out of the text before normalization (tokens with `normalized: false`) or
/// right after it (`normalized: true`), longest match first, honoring `single_word`,
/// `lstrip` and `rstrip` as tokenizers' `AddedVocabulary::find_matches` does.
struct AddedVocabulary: Sendable {
    /// One added token as tokenizer.json declares it.
    struct Token: Sendable {
        let id: Int
        let content: String
        let singleWord: Bool
        let lstrip: Bool
        let rstrip: Bool
        let normalized: Bool
        let special: Bool
    }

    /// A stretch of text: either an added token or text for the model.
    struct Segment {
        var scalars: ArraySlice<Unicode.Scalar>
        var tokenId: Int?
    }

    let tokens: [Token]
    let contentById: [Int: String]
    let specialIds: Set<Int>
    /// first scalar -> (pattern, token index), longest pattern first; raw and normalized passes.
    private let rawPatterns: [Unicode.Scalar: [([Unicode.Scalar], Int)]]
    private let normalizedPatterns: [Unicode.Scalar: [([Unicode.Scalar], Int)]]

    /// Reads tokenizer.json's `added_tokens`.
    init(_ reader: JSONReader, normalizer: Normalizer?) throws {
        var tokens = [Token]()
        if !reader.isNull("added_tokens") {
            for entry in try reader.children("added_tokens") {
                let id = try entry.int("id", default: -1)
                guard id >= 0 else { throw entry.failure("id", "expected a non-negative integer") }
                tokens.append(Token(
                    id: id, content: try entry.string("content"),
                    singleWord: try entry.bool("single_word", default: false),
                    lstrip: try entry.bool("lstrip", default: false), rstrip: try entry.bool("rstrip", default: false),
                    normalized: try entry.bool("normalized", default: true), special: try entry.bool("special", default: false)))
            }
        }
        self.init(tokens: tokens, normalizer: normalizer)
    }

    /// Added tokens from a list; `normalizer` gives the matching form of `normalized` tokens.
    init(tokens: [Token], normalizer: Normalizer?) {
        self.tokens = tokens
        specialIds = Set(tokens.filter(\.special).map(\.id))
        var raw = [Unicode.Scalar: [([Unicode.Scalar], Int)]]()
        var normalized = raw
        var contentById = [Int: String]()
        for (index, token) in tokens.enumerated() {
            var pattern = Array(token.content.unicodeScalars)
            if token.normalized, let normalizer { pattern = normalizer.normalize(pattern) }
            // Tokens with `normalized: true` are matched and decoded in their normalized form.
            contentById[token.id] = BPEModel.string(pattern)
            guard let first = pattern.first else { continue }
            if token.normalized { normalized[first, default: []].append((pattern, index)) } else { raw[first, default: []].append((pattern, index)) }
        }
        self.contentById = contentById
        rawPatterns = raw.mapValues { $0.sorted { $0.0.count > $1.0.count } }
        normalizedPatterns = normalized.mapValues { $0.sorted { $0.0.count > $1.0.count } }
    }

    var isEmpty: Bool { tokens.isEmpty }

    /// Splits `text` around the added tokens of one pass (raw or normalized).
    func split(_ text: ArraySlice<Unicode.Scalar>, normalizedPass: Bool) -> [Segment] {
        let patterns = normalizedPass ? normalizedPatterns : rawPatterns
        if patterns.isEmpty || text.isEmpty { return [Segment(scalars: text, tokenId: nil)] }
        var segments = [Segment]()
        var emitted = text.startIndex  // end of the last emitted segment
        var i = text.startIndex
        while i < text.endIndex {
            guard let candidates = patterns[text[i]],
                  let (pattern, index) = candidates.first(where: { matches($0.0, in: text, at: i) }) else {
                i += 1
                continue
            }
            let token = tokens[index]
            var start = i
            var stop = i + pattern.count
            if token.singleWord {
                let wordBefore = start > text.startIndex && CharacterClass.isWord(text[start - 1])
                let wordAfter = stop < text.endIndex && CharacterClass.isWord(text[stop])
                if wordBefore || wordAfter {
                    i = stop  // the matcher resumes after a discarded match, as tokenizers' does
                    continue
                }
            }
            if token.lstrip {
                while start > text.startIndex && CharacterClass.isWhitespace(text[start - 1]) { start -= 1 }
                start = max(start, emitted)
            }
            if token.rstrip {
                while stop < text.endIndex && CharacterClass.isWhitespace(text[stop]) { stop += 1 }
            }
            if emitted < start { segments.append(Segment(scalars: text[emitted..<start], tokenId: nil)) }
            segments.append(Segment(scalars: text[start..<stop], tokenId: token.id))
            emitted = stop
            // Matching resumes after the token itself, not after what rstrip swallowed: an added
            // token made of spaces can match there again, as tokenizers' matcher does.
            i += pattern.count
        }
        if emitted < text.endIndex { segments.append(Segment(scalars: text[emitted...], tokenId: nil)) }
        return segments
    }

    private func matches(_ pattern: [Unicode.Scalar], in text: ArraySlice<Unicode.Scalar>, at i: Int) -> Bool {
        guard text.endIndex - i >= pattern.count else { return false }
        return text[i..<(i + pattern.count)].elementsEqual(pattern)
    }
}
