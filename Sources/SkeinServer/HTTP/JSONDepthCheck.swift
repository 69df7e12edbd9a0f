import Foundation

/// A pre-scan of a request body's bytes that refuses JSON nested deeper than `limit` before
/// JSONDecoder reads it: a body of 100,000 `[` costs one pass over the bytes, not a parser's
/// recursion (nor its stack). Body size is already bounded by `--max-body`.
enum JSONDepthCheck {
    /// Arrays and objects nested inside one another; OpenAI's requests need fewer than 10.
    static let limit = 64

    /// - Throws: a 400 `json_too_deep` (`param` null) when arrays and objects nest deeper than `limit`.
    static func check(_ bytes: some Sequence<UInt8>, limit: Int = limit) throws {
        var depth = 0
        var inString = false
        var escaped = false
        for byte in bytes {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                guard depth <= limit else {
                    throw APIError.badRequest("the body nests arrays and objects more than \(limit) deep", code: "json_too_deep")
                }
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            default: break
            }
        }
    }
}
