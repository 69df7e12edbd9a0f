import Foundation
import Hummingbird
import NIOCore

/// Reads a request body whole, within a size limit (`--max-body`) and a time limit
/// (`--request-timeout`). A client that sends its body a byte a second, or stops halfway, is
/// answered 408 when the time is up; the body is read before the request is queued, so such a
/// client never holds a batch slot.
struct BodyReader: Sendable {
    let maxBytes: Int
    /// Seconds allowed for the whole body.
    let timeout: Double

    private struct TimedOut: Error {}

    /// - Throws: `APIError` 413 `body_too_large` past `maxBytes`, 408 `request_timeout` past `timeout`
    ///   (with `Connection: close`: the rest of the body is not waited for).
    func read(_ body: RequestBody) async throws -> ByteBuffer {
        let maxBytes = maxBytes, timeout = timeout
        do {
            return try await withThrowingTaskGroup(of: ByteBuffer.self) { group in
                group.addTask { try await body.collect(upTo: maxBytes) }
                group.addTask {
                    try await Task.sleep(nanoseconds: UInt64(timeout * 1_000_000_000))
                    throw TimedOut()
                }
                defer { group.cancelAll() }
                guard let first = try await group.next() else { throw TimedOut() }
                return first
            }
        } catch is TimedOut {
            let seconds = timeout == timeout.rounded() ? String(Int(timeout)) : String(timeout)
            var error = APIError(.requestTimeout, "the request body did not arrive within \(seconds) seconds (--request-timeout)",
                                 code: "request_timeout")
            error.headers[.connection] = "close"
            throw error
        } catch is NIOTooManyBytesError {
            throw APIError(.contentTooLarge, "the request body is larger than \(maxBytes) bytes (--max-body)", code: "body_too_large")
        } catch {
            throw APIError.badRequest("the request body could not be read: \(error)")
        }
    }
}
