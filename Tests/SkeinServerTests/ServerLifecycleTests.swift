import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// Queue limits, client disconnects and shutdown of a running `skein serve`.
@Suite(.serialized) struct ServerLifecycleTests {
    static let long: [String: Any] = ["prompt": "And God said", "max_tokens": 6000, "temperature": 0, "stream": true]

    /// Starts a long streaming request in the background; returns its task.
    func startLongStream(_ server: ServerProcess, received: @escaping @Sendable (Data) -> Void = { _ in }) -> URLSessionDataTask {
        var request = URLRequest(url: URL(string: server.baseURL + "/v1/completions")!, timeoutInterval: 120)
        request.httpMethod = "POST"
        request.httpBody = try! JSONSerialization.data(withJSONObject: Self.long)
        request.setValue("Bearer \(server.apiKey)", forHTTPHeaderField: "Authorization")
        let task = URLSession.shared.dataTask(with: request) { data, _, _ in received(data ?? Data()) }
        task.resume()
        return task
    }

    func metric(_ server: ServerProcess, _ name: String) throws -> Double {
        let (_, body) = try server.request("/metrics", method: "GET", body: nil)
        let text = body["raw"] as? String ?? ""
        let line = text.split(separator: "\n").first { $0.hasPrefix(name + " ") }
        return Double(line?.split(separator: " ").last ?? "") ?? -1
    }

    func waitUntil(_ seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return false
    }

    @Test func aFullQueueAnswers429AndTheServerRecovers() throws {
        let server = try ServerProcess(arguments: ["--max-queue", "1"])
        let task = startLongStream(server)
        #expect(try waitUntil(10) { try metric(server, "skein_active_requests") == 1 })
        let (status, body) = try server.post("/v1/completions", ["prompt": "In the beginning", "max_tokens": 2])
        #expect(status == 429)
        #expect((body["error"] as? [String: Any])?["code"] as? String == "queue_full")
        task.cancel()
        #expect(try waitUntil(10) { try metric(server, "skein_active_requests") == 0 })
        #expect(try server.post("/v1/completions", ["prompt": "In the beginning", "max_tokens": 2]).0 == 200)
    }

    /// A client that hangs up mid-stream frees its slot: generation for it stops.
    @Test func aClientDisconnectCancelsItsRequest() throws {
        let server = try ServerProcess(arguments: [])
        let task = startLongStream(server)
        #expect(try waitUntil(10) { try metric(server, "skein_generated_tokens_total") > 50 })
        task.cancel()
        #expect(try waitUntil(10) { try metric(server, "skein_active_requests") == 0 }, "the request kept running after the client left")
        let after = try metric(server, "skein_generated_tokens_total")
        #expect(after < 6000)
        Thread.sleep(forTimeInterval: 0.3)
        #expect(try metric(server, "skein_generated_tokens_total") == after)
    }

    /// SIGTERM: new connections are refused, the running stream still ends with [DONE], and the
    /// process exits cleanly.
    @Test func sigtermLetsTheRunningStreamFinish() throws {
        let server = try ServerProcess(arguments: [])
        final class Box: @unchecked Sendable { var body = Data(); let done = DispatchSemaphore(value: 0) }
        let box = Box()
        var request = URLRequest(url: URL(string: server.baseURL + "/v1/completions")!, timeoutInterval: 120)
        request.httpMethod = "POST"
        request.httpBody = try JSONSerialization.data(withJSONObject: ["prompt": "And God said", "max_tokens": 1500, "temperature": 0, "stream": true])
        request.setValue("Bearer \(server.apiKey)", forHTTPHeaderField: "Authorization")
        URLSession.shared.dataTask(with: request) { data, _, _ in
            box.body = data ?? Data()
            box.done.signal()
        }.resume()
        #expect(try waitUntil(10) { try metric(server, "skein_generated_tokens_total") > 20 })
        kill(server.process.processIdentifier, SIGTERM)
        #expect(box.done.wait(timeout: .now() + 60) == .success)
        let text = String(decoding: box.body, as: UTF8.self)
        #expect(text.hasSuffix("data: [DONE]\n\n"), "the stream was cut: ...\(text.suffix(200))")
        #expect(text.contains("\"finish_reason\":\"length\"") || text.contains("\"finish_reason\":\"stop\""))
        server.process.waitUntilExit()
        #expect(server.process.terminationReason == .exit && server.process.terminationStatus == 0)
    }
}
