/// A pre-scan of JSON bytes for nesting, done before a parser reads them: a recursive parser
/// given 100,000 `[` would exhaust its stack; this costs one pass over the bytes.
public enum JSONNesting {
    /// Whether arrays and objects nest more than `limit` deep (brackets inside strings do not count).
    public static func exceeds(_ limit: Int, in bytes: some Sequence<UInt8>) -> Bool {
        var depth = 0, inString = false, escaped = false
        for byte in bytes {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                if depth > limit { return true }
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            default: break
            }
        }
        return false
    }
}
