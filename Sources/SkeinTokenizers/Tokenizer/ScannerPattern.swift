/// The split regexes of GPT-2, Llama-3 and Qwen2, matched by hand in one left-to-right pass.
///
/// GPT-2:   `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
/// Llama-3: `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|`
///          ` ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
/// Qwen2:   as Llama-3 with `\p{N}` instead of `\p{N}{1,3}`.
/// Each alternative is tried in order at each position, as the backtracking engine does.
struct ScannerPattern: SplitPattern {
    enum Style: Sendable { case gpt2, llama3, qwen2 }
    let style: Style

    static let gpt2Source = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
    static let llama3Source =
        #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    static let qwen2Source =
        #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    init(style: Style) { self.style = style }

    /// The scanner for a pattern string it knows, or nil.
    init?(knownPattern source: String) {
        switch source {
        case Self.gpt2Source: style = .gpt2
        case Self.llama3Source: style = .llama3
        case Self.qwen2Source: style = .qwen2
        default: return nil
        }
    }

    func matches(in text: [Unicode.Scalar]) -> [Range<Int>] {
        var result = [Range<Int>]()
        result.reserveCapacity(text.count / 3)
        var i = 0
        while i < text.count {
            let end = style == .gpt2 ? gpt2Match(text, i) : llamaMatch(text, i, maxDigits: style == .llama3 ? 3 : 1)
            result.append(i..<end)
            i = end
        }
        return result
    }

    // MARK: - Alternatives

    /// End of `'s|'t|'re|'ve|'m|'ll|'d` at `i`, or nil. Llama-3 and Qwen2 ignore case.
    private func contraction(_ t: [Unicode.Scalar], _ i: Int, ignoreCase: Bool) -> Int? {
        guard t[i] == "'", i + 1 < t.count else { return nil }
        func lower(_ s: Unicode.Scalar) -> UInt32 {
            ignoreCase && s.value >= 0x41 && s.value <= 0x5A ? s.value | 0x20 : s.value
        }
        let a = lower(t[i + 1])
        if a == 0x73 || a == 0x74 || a == 0x6D || a == 0x64 { return i + 2 }  // s t m d
        guard i + 2 < t.count else { return nil }
        let b = lower(t[i + 2])
        if (a == 0x72 || a == 0x76) && b == 0x65 { return i + 3 }  // re ve
        if a == 0x6C && b == 0x6C { return i + 3 }  // ll
        return nil
    }

    private func run(_ t: [Unicode.Scalar], from i: Int, while test: (Unicode.Scalar) -> Bool) -> Int {
        var j = i
        while j < t.count && test(t[j]) { j += 1 }
        return j
    }

    private static func isOther(_ s: Unicode.Scalar) -> Bool {
        !CharacterClass.isWhitespace(s) && !CharacterClass.isLetter(s) && !CharacterClass.isNumber(s)
    }

    /// `\s+(?!\S)|\s+` at a whitespace scalar `i`.
    private func whitespace(_ t: [Unicode.Scalar], _ i: Int) -> Int {
        let end = run(t, from: i, while: CharacterClass.isWhitespace)
        if end == t.count || end - i == 1 { return end }
        return end - 1  // leave the last space to the next word
    }

    private func gpt2Match(_ t: [Unicode.Scalar], _ i: Int) -> Int {
        if let end = contraction(t, i, ignoreCase: false) { return end }
        // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`, first with the optional space.
        let start = (t[i] == " " && i + 1 < t.count) ? i + 1 : i
        if CharacterClass.isLetter(t[start]) { return run(t, from: start, while: CharacterClass.isLetter) }
        if CharacterClass.isNumber(t[start]) { return run(t, from: start, while: CharacterClass.isNumber) }
        if Self.isOther(t[start]) { return run(t, from: start, while: Self.isOther) }
        // Without the space nothing of those can match a whitespace scalar.
        return whitespace(t, i)
    }

    private func llamaMatch(_ t: [Unicode.Scalar], _ i: Int, maxDigits: Int) -> Int {
        if let end = contraction(t, i, ignoreCase: true) { return end }
        let c = t[i]
        // [^\r\n\p{L}\p{N}]?\p{L}+
        if CharacterClass.isLetter(c) { return run(t, from: i, while: CharacterClass.isLetter) }
        if !CharacterClass.isNewline(c) && !CharacterClass.isNumber(c) && i + 1 < t.count
            && CharacterClass.isLetter(t[i + 1]) {
            return run(t, from: i + 1, while: CharacterClass.isLetter)
        }
        // \p{N}{1,maxDigits}
        if CharacterClass.isNumber(c) {
            var j = i + 1
            while j < t.count && j - i < maxDigits && CharacterClass.isNumber(t[j]) { j += 1 }
            return j
        }
        // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
        let start = (c == " " && i + 1 < t.count && Self.isOther(t[i + 1])) ? i + 1 : i
        if Self.isOther(t[start]) {
            let end = run(t, from: start, while: Self.isOther)
            return run(t, from: end, while: CharacterClass.isNewline)
        }
        // \s*[\r\n]+ : through the last newline of the whitespace run.
        let end = run(t, from: i, while: CharacterClass.isWhitespace)
        var lastNewline = -1
        for j in i..<end where CharacterClass.isNewline(t[j]) { lastNewline = j }
        if lastNewline >= 0 { return lastNewline + 1 }
        return whitespace(t, i)
    }
}
