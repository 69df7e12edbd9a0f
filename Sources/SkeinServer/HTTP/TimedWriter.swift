import Foundation
import Hummingbird
import NIOCore

/// Writes a streamed response's chunks, each within `--write-timeout` seconds.
///
/// A client that stops reading its socket (but keeps it open) fills the kernel's buffers and
/// then NIO's, after which a write waits for the client to read, without end. A write still
/// waiting after `seconds` throws `TimedOut`; the stream then cancels its job, which frees its
/// batch slot, and the thrown error makes Hummingbird close the connection.
struct TimedWriter: Sendable {
    /// Seconds one write may wait for the client.
    let seconds: Double

    /// A write waited longer than `seconds` for the client to read.
    struct TimedOut: Error, CustomStringConvertible {
        let seconds: Double
        var description: String {
            let shown = seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
            return "the client read nothing for \(shown) seconds (--write-timeout): request cancelled, connection closed"
        }
    }

    /// The response's writer, handed to the child task that writes. Hummingbird's writers hold a
    /// reference to the connection's outbound side; only one task uses the box at a time.
    private final class Box: @unchecked Sendable {
        var writer: any ResponseBodyWriter
        init(_ writer: any ResponseBodyWriter) { self.writer = writer }
    }

    /// Writes `buffer`.
    /// - Throws: `TimedOut` past `seconds`; the writer's error when the client has gone.
    func write(_ buffer: ByteBuffer, to writer: inout any ResponseBodyWriter) async throws {
        let box = Box(writer)
        defer { writer = box.writer }
        try await within { try await box.writer.write(buffer) }
    }

    /// Ends the body.
    /// - Throws: `TimedOut` past `seconds`; the writer's error when the client has gone.
    func finish(_ writer: inout any ResponseBodyWriter) async throws {
        let box = Box(writer)
        try await within {
            let last = box.writer
            try await last.finish(nil)
        }
    }

    /// Runs `body`, cancelling it (NIO's writer then throws) and throwing `TimedOut` when it
    /// takes longer than `seconds`.
    private func within(_ body: @escaping @Sendable () async throws -> Void) async throws {
        let seconds = seconds
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask(operation: body)
            group.addTask {
                try await Task.sleep(nanoseconds: UInt64(seconds * 1_000_000_000))
                throw TimedOut(seconds: seconds)
            }
            defer { group.cancelAll() }
            _ = try await group.next()
        }
    }
}
