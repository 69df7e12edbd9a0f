import Foundation
import Testing
@testable import SkeinEval

/// An OpenAI-compatible stub on loopback: answers /v1/completions with the last 5-digit number
/// of the prompt, the way a perfect model would answer a passkey. With `echo`, it answers with
/// Skein's `"skein"` field set to what the request asked (or to `echo`'s override).
enum StubCompletionServer {
    static func start(echo: Bool = false, override: [String: String] = [:], models: [String] = ["stub"]) throws -> LoopbackHTTPServer {
        try LoopbackHTTPServer { request in
            if request.path.hasSuffix("/v1/models") {
                return (200, LoopbackHTTPServer.json(["object": "list", "data": models.map { ["id": $0, "object": "model"] }]))
            }
            let body = request.json
            let prompt = body["prompt"] as? String ?? ""
            let numbers = prompt.split(whereSeparator: { !$0.isNumber }).filter { $0.count == 5 }
            var reply: [String: Any] = [
                "id": "cmpl-1", "object": "text_completion",
                "choices": [["index": 0, "text": " " + (numbers.last.map { String($0) } ?? ""), "finish_reason": "stop"]],
            ]
            if echo {
                var asked = body["skein"] as? [String: Any] ?? [:]
                for (key, value) in override { asked[key] = value }
                reply["skein"] = asked
            }
            return (200, LoopbackHTTPServer.json(reply))
        }
    }
}

@Suite struct EndpointBackendTests {
    @Test func endpointSweepWritesTheSameSchemaAsLocal() throws {
        let (tokenizer, filler) = try #require(SweepTests.setup)
        let server = try StubCompletionServer.start()
        let backend = EndpointBackend(baseURL: server.baseURL, modelName: "stub", apiKey: "k")
        let sweep = Sweep(task: .passkey, lengths: [300], depths: [0.5], methods: [Method(name: "remote")], samples: 2, seed: 1)
        let folder = SweepTests.folder()
        let records = try sweep.run(results: folder.appendingPathComponent("results.jsonl"), filler: filler,
                                    tokenizer: tokenizer, backend: { _ in backend })
        #expect(records.count == 2)
        #expect(records.allSatisfy { $0.score == 1 })
        let requests = server.recorded.map(\.json)
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
