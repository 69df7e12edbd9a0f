import Foundation
import SkeinFormats

/// A pre-scan of a request body's bytes that refuses JSON nested deeper than `limit` before
/// JSONDecoder reads it: a body of 100,000 `[` costs one pass over the bytes, not a parser's
/// recursion (nor its stack). Body size is already bounded by `--max-body`.
enum JSONDepthCheck {
    /// Arrays and objects nested inside one another; OpenAI's requests need fewer than 10.
    static let limit = 64

    /// - Throws: a 400 `json_too_deep` (`param` null) when arrays and objects nest deeper than `limit`.
    static func check(_ bytes: some Sequence<UInt8>, limit: Int = limit) throws {
        if JSONNesting.exceeds(limit, in: bytes) {
            throw APIError.badRequest("the body nests arrays and objects more than \(limit) deep", code: "json_too_deep")
        }
    }
}
