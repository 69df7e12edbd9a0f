import Foundation

/// Something that finds non-overlapping matches in a run of scalars, left to right.
protocol SplitPattern: Sendable {
    /// Match ranges, as scalar indices into `text`, in order.
    func matches(in text: [Unicode.Scalar]) -> [Range<Int>]
}

/// A literal string pattern (tokenizer.json's `{"String": ...}`).
struct LiteralPattern: SplitPattern {
    let needle: [Unicode.Scalar]

    func matches(in text: [Unicode.Scalar]) -> [Range<Int>] {
        guard !needle.isEmpty, text.count >= needle.count else { return [] }
        var result = [Range<Int>]()
        var i = 0
        let first = needle[0]
        while i + needle.count <= text.count {
            if text[i] == first && text[i..<(i + needle.count)].elementsEqual(needle) {
                result.append(i..<(i + needle.count))
                i += needle.count
            } else {
                i += 1
            }
        }
        return result
    }
}

/// A general regular expression (tokenizer.json's `{"Regex": ...}`), run by ICU.
///
/// The split patterns of GPT-2, Llama-3 and Qwen2 do not come here: `ScannerPattern` runs them
/// by hand, faster. ICU and Oniguruma agree on the syntax those tokenizers use (`\p{L}`,
/// lookahead, `(?i:...)`).
struct RegexPattern: SplitPattern, @unchecked Sendable {
    let regex: NSRegularExpression

    init?(_ pattern: String) {
        guard let regex = try? NSRegularExpression(pattern: pattern, options: []) else { return nil }
        self.regex = regex
    }

    func matches(in text: [Unicode.Scalar]) -> [Range<Int>] {
        var string = String.UnicodeScalarView()
        string.append(contentsOf: text)
        let ns = String(string) as NSString
        // UTF-16 offset -> scalar index.
        var scalarAt = [Int](repeating: 0, count: ns.length + 1)
        var utf16 = 0
        for (index, scalar) in text.enumerated() {
            let width = scalar.value > 0xFFFF ? 2 : 1
            for k in 0..<width { scalarAt[utf16 + k] = index }
            utf16 += width
        }
        scalarAt[utf16] = text.count
        return regex.matches(in: ns as String, options: [], range: NSRange(location: 0, length: ns.length))
            .compactMap { match in
                let start = scalarAt[match.range.location]
                let end = scalarAt[match.range.location + match.range.length]
                return start < end ? start..<end : nil
            }
    }
}

/// `text` with every match of `pattern` replaced by `content` (Replace normalizer and decoder).
func replacingMatches(of pattern: any SplitPattern, in text: [Unicode.Scalar], with content: [Unicode.Scalar]) -> [Unicode.Scalar] {
    var out = [Unicode.Scalar]()
    out.reserveCapacity(text.count)
    var last = 0
    for match in pattern.matches(in: text) {
        out.append(contentsOf: text[last..<match.lowerBound])
        out.append(contentsOf: content)
        last = match.upperBound
    }
    out.append(contentsOf: text[last...])
    return out
}

/// Builds the pattern for a tokenizer.json `pattern` object: `{"String": s}` or `{"Regex": r}`.
func makeSplitPattern(_ reader: JSONReader, key: String) throws -> any SplitPattern {
    let spec = try reader.child(key)
    if let literal = try spec.optionalString("String") {
        return LiteralPattern(needle: Array(literal.unicodeScalars))
    }
    let source = try spec.string("Regex")
    if let scanner = ScannerPattern(knownPattern: source) { return scanner }
    guard let regex = RegexPattern(source) else {
        throw TokenizerError.invalidPattern(file: reader.file, field: reader.fieldPath(key), pattern: source)
    }
    return regex
}
