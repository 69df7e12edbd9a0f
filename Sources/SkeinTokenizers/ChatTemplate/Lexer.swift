/// One lexical token of a template.
struct Token {
    enum Kind: Equatable {
        case text(String)
        case blockBegin, blockEnd, variableBegin, variableEnd
        case name(String)
        case string(String)
        case integer(Int)
        case float(Double)
        case op(String)
        case end
    }
    var kind: Kind
    var line: Int
}

/// Splits template source into text and tag tokens, applying jinja2's whitespace control the way
/// transformers configures it: `trim_blocks` (drop the first newline after `%}`/`#}`),
/// `lstrip_blocks` (drop spaces before `{%`/`{#` on their line), `-` (strip all whitespace on
/// that side) and `+` (turn `lstrip_blocks` off for that tag).
struct Lexer {
    private let s: [Unicode.Scalar]
    private var pos = 0
    private var line = 1
    private var tokens: [Token] = []
    private var lineStarting = true

    init(source: String) {
        // jinja2 normalizes newlines and drops a single trailing newline (keep_trailing_newline=False).
        var text = source.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        if text.hasSuffix("\n") { text.removeLast() }
        s = Array(text.unicodeScalars)
    }

    static func tokenize(_ source: String) throws -> [Token] {
        var lexer = Lexer(source: source)
        try lexer.run()
        return lexer.tokens
    }

    private func at(_ offset: Int) -> Unicode.Scalar? { pos + offset < s.count ? s[pos + offset] : nil }
    /// Python's `\s` / `str.isspace()`: Unicode white space plus the separators U+001C...U+001F.
    static func isSpace(_ c: Unicode.Scalar) -> Bool { c.properties.isWhitespace || (0x1C...0x1F).contains(c.value) }
    private func isSpace(_ c: Unicode.Scalar) -> Bool { Self.isSpace(c) }

    private mutating func advance(_ n: Int = 1) {
        for _ in 0..<n where pos < s.count {
            if s[pos] == "\n" { line += 1 }
            pos += 1
        }
    }

    private func syntax(_ message: String) -> ChatTemplateError { .syntax(line: line, message: message) }

    private mutating func run() throws {
        while pos < s.count {
            // Find the next tag opener.
            var start = pos
            var opener: Unicode.Scalar? = nil
            while start + 1 < s.count {
                if s[start] == "{", s[start + 1] == "{" || s[start + 1] == "%" || s[start + 1] == "#" { opener = s[start + 1]; break }
                start += 1
            }
            guard let kind = opener else {
                emitText(String(String.UnicodeScalarView(s[pos...])))
                advance(s.count - pos)
                break
            }
            let sign: Unicode.Scalar? = start + 2 < s.count && (s[start + 2] == "-" || s[start + 2] == "+") ? s[start + 2] : nil
            var text = Array(s[pos..<start])
            if sign == "-" {
                while let last = text.last, isSpace(last) { text.removeLast() }
            } else if sign != "+", kind != "{" {
                let lineStart = (text.lastIndex(of: "\n").map { $0 + 1 }) ?? 0
                if lineStart > 0 || lineStarting, lineStart < text.count, text[lineStart...].allSatisfy(isSpace) {
                    text.removeSubrange(lineStart...)
                }
            }
            let textLine = line
            advance(start - pos)
            if !text.isEmpty { tokens.append(Token(kind: .text(String(String.UnicodeScalarView(text))), line: textLine)) }
            advance(sign == nil ? 2 : 3)
            if kind == "%", let rawEnd = rawOpening() {
                advance(rawEnd - pos)
                try lexRaw()
                continue
            }
            switch kind {
            case "#": try lexComment()
            case "%": tokens.append(Token(kind: .blockBegin, line: line)); try lexTag(close: "%")
            default: tokens.append(Token(kind: .variableBegin, line: line)); try lexTag(close: "}")
            }
        }
        tokens.append(Token(kind: .end, line: line))
    }

    private mutating func emitText(_ text: String) {
        if !text.isEmpty { tokens.append(Token(kind: .text(text), line: line)) }
    }

    /// After a closing delimiter: `-` eats all whitespace, `+` nothing, otherwise trim_blocks eats one newline.
    private mutating func finishTag(sign: Unicode.Scalar?, trimBlocks: Bool) {
        lineStarting = false
        if sign == "-" {
            while let c = at(0), isSpace(c) { lineStarting = c == "\n"; advance() }
        } else if sign == nil, trimBlocks, at(0) == "\n" {
            advance()
            lineStarting = true
        }
    }

    /// If a `raw` tag starts here (after `{%`), the offset just past its `%}`.
    private func rawOpening() -> Int? {
        var i = pos
        while i < s.count, isSpace(s[i]) { i += 1 }
        guard i + 3 <= s.count, String(String.UnicodeScalarView(s[i..<i + 3])) == "raw" else { return nil }
        i += 3
        while i < s.count, isSpace(s[i]) { i += 1 }
        if i < s.count, s[i] == "-" { i += 1 }
        guard i + 1 < s.count, s[i] == "%", s[i + 1] == "}" else { return nil }
        return i + 2
    }

    /// `{% raw %}...{% endraw %}`: the body is text, with the usual whitespace control on the tags.
    private mutating func lexRaw() throws {
        let startLine = line
        if s[pos - 3] == "-" { while let c = at(0), isSpace(c) { advance() } }
        var i = pos
        while i + 1 < s.count {
            guard s[i] == "{", s[i + 1] == "%" else { i += 1; continue }
            var j = i + 2
            let sign: Unicode.Scalar? = j < s.count && (s[j] == "-" || s[j] == "+") ? s[j] : nil
            if sign != nil { j += 1 }
            while j < s.count, isSpace(s[j]) { j += 1 }
            guard j + 6 <= s.count, String(String.UnicodeScalarView(s[j..<j + 6])) == "endraw" else { i += 1; continue }
            j += 6
            while j < s.count, isSpace(s[j]) { j += 1 }
            let closeSign: Unicode.Scalar? = j < s.count && (s[j] == "-" || s[j] == "+") ? s[j] : nil
            if closeSign != nil { j += 1 }
            guard j + 1 < s.count, s[j] == "%", s[j + 1] == "}" else { i += 1; continue }
            var body = Array(s[pos..<i])
            if sign == "-" {
                while let last = body.last, isSpace(last) { body.removeLast() }
            } else if sign != "+" {
                let lineStart = (body.lastIndex(of: "\n").map { $0 + 1 }) ?? 0
                if lineStart > 0, lineStart < body.count, body[lineStart...].allSatisfy(isSpace) { body.removeSubrange(lineStart...) }
            }
            if !body.isEmpty { tokens.append(Token(kind: .text(String(String.UnicodeScalarView(body))), line: line)) }
            advance(j + 2 - pos)
            finishTag(sign: closeSign, trimBlocks: true)
            return
        }
        throw ChatTemplateError.syntax(line: startLine, message: "missing end of raw directive")
    }

    private mutating func lexComment() throws {
        let startLine = line
        while pos + 1 < s.count {
            if s[pos] == "#", s[pos + 1] == "}" {
                advance(2)
                finishTag(sign: nil, trimBlocks: true)
                return
            }
            if (s[pos] == "-" || s[pos] == "+"), pos + 2 < s.count, s[pos + 1] == "#", s[pos + 2] == "}" {
                let sign = s[pos]
                advance(3)
                finishTag(sign: sign, trimBlocks: true)
                return
            }
            advance()
        }
        throw ChatTemplateError.syntax(line: startLine, message: "missing end of comment tag")
    }

    private mutating func lexTag(close: Unicode.Scalar) throws {
        var depth = 0
        while true {
            while let c = at(0), isSpace(c) { advance() }
            guard let c = at(0) else { throw syntax("unexpected end of template inside a tag") }
            if depth == 0 {
                if c == close, at(1) == "}" {
                    advance(2)
                    tokens.append(Token(kind: close == "%" ? .blockEnd : .variableEnd, line: line))
                    finishTag(sign: nil, trimBlocks: close == "%")
                    return
                }
                if c == "-" || (c == "+" && close == "%"), at(1) == close, at(2) == "}" {
                    advance(3)
                    tokens.append(Token(kind: close == "%" ? .blockEnd : .variableEnd, line: line))
                    finishTag(sign: c, trimBlocks: close == "%")
                    return
                }
            }
            let tokenLine = line
            if c == "_" || c.properties.isAlphabetic && c.isASCII {
                var name = ""
                while let d = at(0), d == "_" || (d.isASCII && (d.properties.isAlphabetic || ("0"..."9").contains(d))) {
                    name.unicodeScalars.append(d); advance()
                }
                tokens.append(Token(kind: .name(name), line: tokenLine))
            } else if ("0"..."9").contains(c) {
                tokens.append(Token(kind: try lexNumber(), line: tokenLine))
            } else if c == "'" || c == "\"" {
                tokens.append(Token(kind: .string(try lexString(quote: c)), line: tokenLine))
            } else {
                let two = at(1).map { String(c) + String($0) } ?? ""
                let op: String
                if ["//", "**", "==", "!=", "<=", ">="].contains(two) {
                    op = two
                } else if "+-/*%~[](){}<>=.:|,;".unicodeScalars.contains(c) {
                    op = String(c)
                } else {
                    throw syntax("unexpected character '\(c)'")
                }
                if op == "(" || op == "[" || op == "{" { depth += 1 }
                if op == ")" || op == "]" || op == "}" {
                    if depth == 0 { throw syntax("unexpected '\(op)'") }
                    depth -= 1
                }
                advance(op.unicodeScalars.count)
                tokens.append(Token(kind: .op(op), line: tokenLine))
            }
        }
    }

    private mutating func lexNumber() throws -> Token.Kind {
        var text = ""
        var isFloat = false
        while let d = at(0) {
            if ("0"..."9").contains(d) || d == "_" {
                if d != "_" { text.unicodeScalars.append(d) }
            } else if d == ".", !isFloat, let next = at(1), ("0"..."9").contains(next) {
                isFloat = true; text += "."
            } else if (d == "e" || d == "E"), let next = at(1), ("0"..."9").contains(next) || next == "-" || next == "+" {
                isFloat = true; text += "e"; advance()
                text.unicodeScalars.append(s[pos]); advance(); continue
            } else {
                break
            }
            advance()
        }
        if !isFloat, let int = Int(text) { return .integer(int) }
        guard let double = Double(text) else { throw syntax("bad number literal '\(text)'") }
        return .float(double)
    }

    /// A Python string literal body; escapes follow Python's `unicode-escape`.
    private mutating func lexString(quote: Unicode.Scalar) throws -> String {
        let startLine = line
        advance()
        var out = String.UnicodeScalarView()
        while let c = at(0) {
            advance()
            if c == quote { return String(out) }
            guard c == "\\" else { out.append(c); continue }
            guard let e = at(0) else { break }
            advance()
            switch e {
            case "n": out.append("\n")
            case "t": out.append("\t")
            case "r": out.append("\r")
            case "\\": out.append("\\")
            case "'": out.append("'")
            case "\"": out.append("\"")
            case "0": out.append("\0")
            case "a": out.append("\u{07}")
            case "b": out.append("\u{08}")
            case "f": out.append("\u{0C}")
            case "v": out.append("\u{0B}")
            case "\n": break
            case "x", "u", "U":
                let width = e == "x" ? 2 : e == "u" ? 4 : 8
                var hex = ""
                for _ in 0..<width { if let h = at(0) { hex.unicodeScalars.append(h); advance() } }
                guard hex.count == width, let code = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(code) else {
                    throw syntax("bad \\\(e) escape in string")
                }
                out.append(scalar)
            default: out.append("\\"); out.append(e)
            }
        }
        throw ChatTemplateError.syntax(line: startLine, message: "unterminated string literal")
    }
}
