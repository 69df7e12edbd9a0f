import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif
import Testing

/// Limits that hold under abuse, against a real `skein serve`: deep JSON, clients that hang up
/// on a whole response, slow bodies, streams nobody reads, bounded sessions and the memory guard.
@Suite(.serialized) struct ServerLimitsTests {
    let lifecycle = ServerLifecycleTests()

    func metric(_ server: ServerProcess, _ name: String) throws -> Double { try lifecycle.metric(server, name) }
    func waitUntil(_ seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool { try lifecycle.waitUntil(seconds, condition) }

    static let short: [String: Any] = ["prompt": "In the beginning", "max_tokens": 2, "temperature": 0]

    /// 100,000 nested `[` are refused from the bytes, quickly, and the server keeps serving.
    @Test func deeplyNestedJSONIsRefusedBeforeParsing() throws {
        let server = try ServerProcess(arguments: [])
        let start = Date()
        let (status, body) = try server.request("/v1/completions", method: "POST", body: Data(String(repeating: "[", count: 100_000).utf8))
        #expect(status == 400)
        let error = try #require(body["error"] as? [String: Any])
        #expect(error["code"] as? String == "json_too_deep")
        #expect(error["param"] is NSNull)
        #expect(Date().timeIntervalSince(start) < 5)
        // Brackets inside strings are text, not nesting.
        let text = String(repeating: "[", count: 200)
        #expect(try server.post("/v1/completions", ["prompt": text, "max_tokens": 1]).0 == 200)
        #expect(try server.post("/v1/completions", Self.short).0 == 200)
    }

    /// A client that hangs up before its whole (non-streaming) response frees its slot.
    @Test func aNonStreamingClientThatHangsUpIsCancelled() throws {
        let server = try ServerProcess(arguments: [])
        var request = URLRequest(url: URL(string: server.baseURL + "/v1/completions")!, timeoutInterval: 120)
        request.httpMethod = "POST"
        request.httpBody = try JSONSerialization.data(withJSONObject: ["prompt": "And God said", "max_tokens": 6000, "temperature": 0])
        request.setValue("Bearer \(server.apiKey)", forHTTPHeaderField: "Authorization")
        let task = URLSession.shared.dataTask(with: request) { _, _, _ in }
        task.resume()
        #expect(try waitUntil(20) { try metric(server, "skein_generated_tokens_total") > 50 })
        task.cancel()
        #expect(try waitUntil(10) { try metric(server, "skein_active_requests") == 0 }, "the request kept running after the client left")
        let after = try metric(server, "skein_generated_tokens_total")
        #expect(after < 6000)
        Thread.sleep(forTimeInterval: 0.3)
        #expect(try metric(server, "skein_generated_tokens_total") == after)
        let start = Date()
        #expect(try server.post("/v1/completions", Self.short).0 == 200)
        #expect(Date().timeIntervalSince(start) < 10)
    }

    /// A body sent a byte at a time past --request-timeout is answered 408 while other requests
    /// are served meanwhile.
    @Test func aSlowBodyTimesOutWithoutBlockingOthers() throws {
        let server = try ServerProcess(arguments: ["--request-timeout", "1.5"])
        let socket = try RawSocket(port: server.port)
        let body = #"{"prompt": "In the beginning", "max_tokens": 2}"#
        try socket.send("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(server.apiKey)\r\n"
                        + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n")
        let start = Date()
        final class Box: @unchecked Sendable { var reply = "" }
        let box = Box()
        let reader = Thread { box.reply = socket.receive(seconds: 20) }
        reader.start()
        // Meanwhile: another client is served.
        #expect(try server.post("/v1/completions", Self.short).0 == 200)
        for byte in body.utf8.prefix(8) {
            try? socket.send(String(UnicodeScalar(byte)))
            Thread.sleep(forTimeInterval: 0.4)
        }
        #expect(waitUntil(20) { !box.reply.isEmpty })
        #expect(box.reply.hasPrefix("HTTP/1.1 408"), "got: \(box.reply.prefix(200))")
        #expect(box.reply.contains("request_timeout") && box.reply.contains("--request-timeout"))
        #expect(Date().timeIntervalSince(start) < 10)
        #expect(try server.post("/v1/completions", Self.short).0 == 200)
        socket.close()
    }

    /// A streaming client that stops reading but keeps its connection open: once the socket
    /// buffers are full a write waits, and after --write-timeout the request is cancelled (its
    /// batch slot freed: under --max-batch 1 the next request is served) and the connection closed.
    @Test func aStreamingClientThatStopsReadingTimesOut() throws {
        let server = try ServerProcess(arguments: ["--write-timeout", "1", "--max-batch", "1"])
        let maxTokens = 100_000
        let socket = try RawSocket(port: server.port, receiveBuffer: 1024)
        let body = String(decoding: try JSONSerialization.data(withJSONObject: [
            "prompt": "And God said", "max_tokens": maxTokens, "temperature": 0, "stream": true]), as: UTF8.self)
        try socket.send("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(server.apiKey)\r\n"
                        + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body)
        #expect(try waitUntil(20) { try metric(server, "skein_generated_tokens_total") > 50 })
        #expect(try metric(server, "skein_write_timeouts_total") == 0)
        // The client reads nothing: the writes stall, and a second later the job is cancelled.
        let start = Date()
        #expect(try waitUntil(30) { try metric(server, "skein_write_timeouts_total") == 1 }, "no write timed out")
        #expect(try waitUntil(10) { try metric(server, "skein_active_requests") == 0 }, "the stalled stream kept its slot")
        let generated = try metric(server, "skein_generated_tokens_total")
        #expect(generated < Double(maxTokens), "the stalled stream ran to max_tokens")
        // The only batch slot is free: another request is served while the first client still holds its socket.
        #expect(try server.post("/v1/completions", Self.short).0 == 200)
        #expect(Date().timeIntervalSince(start) < 30)
        // Generation for the stalled client stopped.
        let after = try metric(server, "skein_generated_tokens_total")
        Thread.sleep(forTimeInterval: 0.5)
        #expect(try metric(server, "skein_generated_tokens_total") == after)
        // And its connection was closed: reading drains what was sent, then the end of the stream.
        #expect(socket.readsUntilClosed(seconds: 20), "the server kept the stalled connection open")
        socket.close()
    }

    /// Three sessions under --max-sessions 2 with a folder: the evicted one reloads from its file
    /// and replies as it would have had it stayed in memory.
    @Test func anEvictedSessionReloadsWithTheSameReply() throws {
        func run(maxSessions: Int) throws -> (reply: String, cached: Int) {
            let server = try ServerProcess(arguments: ["--sessions", try temporaryFolder("lru-server").path, "--max-sessions", String(maxSessions)])
            var messages: [String: [[String: String]]] = [:]
            var last: [String: Any] = [:]
            for (turn, id) in ["a", "b", "c", "a"].enumerated() {
                if messages[id] == nil { #expect(try server.post("/v1/sessions", ["id": id]).0 == 201) }
                messages[id, default: []].append(["role": "user", "content": "Tell me about the \(turn) days."])
                let (status, body) = try server.post("/v1/chat/completions", ["messages": messages[id]!, "session": id, "max_tokens": 12, "temperature": 0])
                #expect(status == 200, "\(body)")
                let text = ((body["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["content"] as? String ?? ""
                messages[id]!.append(["role": "assistant", "content": text])
                last = body
            }
            let reply = messages["a"]!.last!["content"]!
            let cached = ((last["usage"] as? [String: Any])?["prompt_tokens_details"] as? [String: Any])?["cached_tokens"] as? Int ?? -1
            return (reply, cached)
        }
        let bounded = try run(maxSessions: 2)
        let unbounded = try run(maxSessions: 64)
        #expect(bounded.reply == unbounded.reply)
        #expect(bounded.cached > 0 && bounded.cached == unbounded.cached, "the evicted session reloaded its cache from disk")
    }

    /// --max-memory: a request whose KV cache at prompt + max_tokens would not fit is refused with
    /// the bytes it needs; one that fits is served.
    @Test func aRequestPastMaxMemoryIsRefusedWithTheBytesItNeeds() throws {
        // The demo model: 4 layers, 2 KV heads of 32 dimensions, f32 keys and values.
        let bytesPerToken = 2 * 4 * 2 * 32 * 4
        let server = try ServerProcess(arguments: ["--max-memory", String(100 * bytesPerToken), "--prefix-cache", "0"])
        let (status, body) = try server.post("/v1/completions", ["prompt": "In the beginning", "max_tokens": 8, "temperature": 0])
        #expect(status == 200)
        let prompt = try #require((body["usage"] as? [String: Any])?["prompt_tokens"] as? Int)
        let (refused, error) = try server.post("/v1/completions", ["prompt": "In the beginning", "max_tokens": 200])
        #expect(refused == 503)
        let inner = try #require(error["error"] as? [String: Any])
        #expect(inner["code"] as? String == "insufficient_memory")
        let message = inner["message"] as? String ?? ""
        #expect(message.contains("\((prompt + 200) * bytesPerToken) bytes"), "\(message)")
        #expect(message.contains("--max-memory"))
        // The served request's slot is released just after its response is sent: wait for it.
        #expect(try waitUntil(10) { try metric(server, "skein_active_requests") == 0 }, "a refused or finished request kept its slot")
        #expect(try server.post("/v1/completions", Self.short).0 == 200)
    }
}

/// A plain TCP client, for requests URLSession cannot make (a body sent byte by byte).
final class RawSocket: @unchecked Sendable {
    private let fd: Int32

    /// - Parameter receiveBuffer: `SO_RCVBUF` in bytes, set before connecting (a small one makes a
    ///   client that does not read stall the server's writes sooner).
    init(port: Int, receiveBuffer: Int? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        if var size = receiveBuffer.map(Int32.init) {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else { throw ServerTestError("connect to port \(port) failed: errno \(errno)") }
    }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        guard Glibc.send(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL)) == bytes.count else { throw ServerTestError("send failed: errno \(errno)") }
    }

    /// What arrives within `seconds`, up to the peer's close.
    func receive(seconds: Double) -> String {
        var data = [UInt8]()
        let deadline = Date().addingTimeInterval(seconds)
        var buffer = [UInt8](repeating: 0, count: 4096)
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        while Date() < deadline {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n > 0 { data += buffer[..<n]; if String(decoding: data, as: UTF8.self).contains("}}") { break } }
            if n == 0 { break }
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Reads and discards until the peer closes (true) or `seconds` pass (false).
    func readsUntilClosed(seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        var buffer = [UInt8](repeating: 0, count: 65536)
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        while Date() < deadline {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n == 0 { return true }
            if n < 0, errno != EAGAIN, errno != EWOULDBLOCK, errno != EINTR { return true }   // reset: closed too
        }
        return false
    }

    func close() { Glibc.close(fd) }
}
