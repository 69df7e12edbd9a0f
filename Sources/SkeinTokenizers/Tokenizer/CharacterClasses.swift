/// The character classes the split patterns use, with the Unicode meaning Oniguruma gives them.
enum CharacterClass {
    /// `\p{L}`: any letter.
    @inline(__always)
    static func isLetter(_ s: Unicode.Scalar) -> Bool {
        if s.value < 0x80 { return (s.value | 0x20) >= 0x61 && (s.value | 0x20) <= 0x7A }
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    /// `\p{N}`: any number (decimal, letter-like or other).
    @inline(__always)
    static func isNumber(_ s: Unicode.Scalar) -> Bool {
        if s.value < 0x80 { return s.value >= 0x30 && s.value <= 0x39 }
        switch s.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    /// `\s`: White_Space (tab to carriage return, U+0085 and the Zs/Zl/Zp separators).
    @inline(__always)
    static func isWhitespace(_ s: Unicode.Scalar) -> Bool {
        if s.value < 0x80 { return s.value == 0x20 || (s.value >= 0x09 && s.value <= 0x0D) }
        return s.properties.isWhitespace
    }

    /// `\w` as Rust's regex defines it: alphabetic, marks, decimal digits, connector punctuation.
    static func isWord(_ s: Unicode.Scalar) -> Bool {
        if s.value < 0x80 {
            return isLetter(s) || isNumber(s) || s == "_"
        }
        let p = s.properties
        if p.isAlphabetic || p.isJoinControl { return true }
        switch p.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .connectorPunctuation: return true
        default: return false
        }
    }

    @inline(__always)
    static func isNewline(_ s: Unicode.Scalar) -> Bool { s == "\r" || s == "\n" }
}
