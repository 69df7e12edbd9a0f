import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import SkeinEval

/// A one-thread OpenAI-compatible stub on loopback: answers /v1/completions with the last
/// 5-digit number of the prompt, the way a perfect model would answer a passkey.
final class StubCompletionServer: @unchecked Sendable {
    let port: UInt16
    private let socketFD: Int32
    private(set) var requests: [[String: Any]] = []
    private let lock = NSLock()

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        socketFD = fd
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var size = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, size) } }
        listen(fd, 16)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &size) } }
        port = UInt16(bigEndian: address.sin_port)
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    var recorded: [[String: Any]] { lock.lock(); defer { lock.unlock() }; return requests }

    private func serve() {
        while true {
            let client = accept(socketFD, nil, nil)
            if client < 0 { return }
            var data = Data()
            var buffer = [UInt8](repeating: 0, count: 65536)
            // Read the headers, then Content-Length bytes of body.
            while true {
                let n = read(client, &buffer, buffer.count)
                if n <= 0 { break }
                data.append(contentsOf: buffer[0..<n])
                if let headerEnd = data.range(of: Data("\r\n\r\n".utf8)) {
                    let headers = String(decoding: data[..<headerEnd.lowerBound], as: UTF8.self).lowercased()
                    let length = headers.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                        .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                    if data.count - headerEnd.upperBound >= length { data = data[headerEnd.upperBound...]; break }
                }
            }
            let body = (try? JSONSerialization.jsonObject(with: Data(data))) as? [String: Any] ?? [:]
            lock.lock(); requests.append(body); lock.unlock()
            let prompt = body["prompt"] as? String ?? ""
            let numbers = prompt.split(whereSeparator: { !$0.isNumber }).filter { $0.count == 5 }
            let reply = try! JSONSerialization.data(withJSONObject: [
                "id": "cmpl-1", "object": "text_completion",
                "choices": [["index": 0, "text": " " + (numbers.last.map { String($0) } ?? ""), "finish_reason": "stop"]],
            ] as [String: Any])
            let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(reply.count)\r\nConnection: close\r\n\r\n"
            let response = Data(head.utf8) + reply
            _ = response.withUnsafeBytes { write(client, $0.baseAddress, response.count) }
            close(client)
        }
    }
}

@Suite struct EndpointBackendTests {
    @Test func endpointSweepWritesTheSameSchemaAsLocal() throws {
        let (tokenizer, filler) = try #require(SweepTests.setup)
        let server = try StubCompletionServer()
        let backend = EndpointBackend(baseURL: URL(string: "http://127.0.0.1:\(server.port)")!, modelName: "stub", apiKey: "k")
        let sweep = Sweep(task: .passkey, lengths: [300], depths: [0.5], methods: [Method(name: "remote")], samples: 2, seed: 1)
        let folder = SweepTests.folder()
        let records = try sweep.run(results: folder.appendingPathComponent("results.jsonl"), filler: filler,
                                    tokenizer: tokenizer, backend: { _ in backend })
        #expect(records.count == 2)
        #expect(records.allSatisfy { $0.score == 1 })
        let requests = server.recorded
        #expect(requests.count == 2)
        #expect(requests.first?["model"] as? String == "stub")
        #expect((requests.first?["temperature"] as? NSNumber)?.doubleValue == 0)
        // Same fields, in the same JSON shape, as a local run's lines.
        let local = try sweep.run(results: SweepTests.folder().appendingPathComponent("results.jsonl"), filler: filler,
                                  tokenizer: tokenizer, backend: { _ in ScriptedBackend() })
        func fields(_ record: EvalRecord) throws -> Set<String> {
            Set(try (JSONSerialization.jsonObject(with: JSONEncoder().encode(record)) as! [String: Any]).keys)
        }
        #expect(try fields(records[0]) == fields(local[0]))
    }

    @Test func anUnreachableEndpointIsAClearError() throws {
        let backend = EndpointBackend(baseURL: URL(string: "http://127.0.0.1:9")!, modelName: "m", timeout: 5)
        #expect { try backend.complete("hi", maxTokens: 1) } throws: { error in
            guard case EndpointError.unreachable(let url, _) = error else { return false }
            return url.contains("127.0.0.1:9")
        }
    }
}
