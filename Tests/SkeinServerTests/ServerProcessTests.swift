import Foundation
import Testing

/// End-to-end tests against a running `skein serve` on the shipped demo model.
@Suite(.serialized) struct ServerProcessTests {
    /// Tests/ServerClient/openai_checks.py: chat, streaming, stop, max_tokens, seeds, logprobs,
    /// sessions, prefix cache and errors through the official `openai` Python client.
    @Test func theOfficialOpenAIClientPassesEveryCheck() throws {
        let server = try ServerProcess(arguments: ["--max-body", "100000"])
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", repositoryRoot.appendingPathComponent("Tests/ServerClient/openai_checks.py").path,
                            "--base-url", server.baseURL + "/v1", "--api-key", server.apiKey, "--max-body", "100000"]
        let output = Pipe()
        python.standardOutput = output
        python.standardError = output
        try python.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        python.waitUntilExit()
        #expect(python.terminationStatus == 0, "openai_checks.py failed (needs `pip install openai`):\n\(text)")
        #expect(text.contains("\"failures\": []"), "\(text)")
    }

    /// A session saved, the server killed with SIGKILL and restarted: the next turn gives the
    /// same text and the same log-probabilities as on a server that was never killed.
    @Test func aSessionSurvivesSIGKILLWithIdenticalNextTokenLogits() throws {
        let turn1: [[String: String]] = [["role": "user", "content": "Who made the heaven and the earth?"]]
        func turn(_ server: ServerProcess, _ messages: [[String: String]]) throws -> [String: Any] {
            let (status, body) = try server.post("/v1/chat/completions", [
                "messages": messages, "max_tokens": 8, "temperature": 0, "logprobs": true, "top_logprobs": 5, "session": "s1"])
            #expect(status == 200, "\(body)")
            return body
        }
        func content(_ body: [String: Any]) -> String {
            (((body["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["content"] as? String) ?? ""
        }
        func logprobs(_ body: [String: Any]) throws -> Data {
            let choice = (body["choices"] as? [[String: Any]])?.first ?? [:]
            return try JSONSerialization.data(withJSONObject: choice["logprobs"] ?? NSNull(), options: [.sortedKeys])
        }
        func cached(_ body: [String: Any]) -> Int { ((body["skein"] as? [String: Any])?["cached_tokens"] as? Int) ?? -1 }

        // Control: never killed.
        let controlFolder = try temporaryFolder("control")
        let control = try ServerProcess(arguments: ["--sessions", controlFolder.path])
        #expect(try control.post("/v1/sessions", ["id": "s1"]).0 == 201)
        let first = try turn(control, turn1)
        let turn2 = turn1 + [["role": "assistant", "content": content(first)], ["role": "user", "content": "And what did he say?"]]
        let expected = try turn(control, turn2)

        // Killed between the turns.
        let folder = try temporaryFolder("sessions")
        var server = try ServerProcess(arguments: ["--sessions", folder.path])
        #expect(try server.post("/v1/sessions", ["id": "s1"]).0 == 201)
        #expect(content(try turn(server, turn1)) == content(first))
        server.killHard()
        server = try ServerProcess(arguments: ["--sessions", folder.path])
        let restored = try turn(server, turn2)
        #expect(cached(restored) > 0, "the restarted server prefilled the whole conversation again")
        #expect(cached(restored) == cached(expected))
        #expect(content(restored) == content(expected))
        #expect(try logprobs(restored) == logprobs(expected), "next-token log-probabilities differ after the restart")
    }

    /// N concurrent streaming clients with different prompts: every stream completes, and each
    /// carries exactly the text its prompt gives when run alone (nothing lost or mixed up).
    @Test func concurrentStreamsAreNeitherLostNorMixedUp() throws {
        let server = try ServerProcess(arguments: ["--max-batch", "8"])
        let prompts = (0..<8).map { "Verse \($0 + 1): And the \(["Lord", "king", "people", "prophet", "angel", "city", "sea", "land"][$0])" }
        func body(_ prompt: String, stream: Bool) -> [String: Any] {
            ["prompt": prompt, "max_tokens": 24, "temperature": 0, "stream": stream]
        }
        let alone = try prompts.map { prompt -> String in
            let (status, json) = try server.post("/v1/completions", body(prompt, stream: false))
            #expect(status == 200)
            return ((json["choices"] as? [[String: Any]])?.first?["text"] as? String) ?? ""
        }
        final class Results: @unchecked Sendable { var texts = [String?](repeating: nil, count: 8); let lock = NSLock() }
        let results = Results()
        DispatchQueue.concurrentPerform(iterations: prompts.count) { i in
            guard let (status, sse) = try? server.postRaw("/v1/completions", body(prompts[i], stream: true)), status == 200 else { return }
            let pieces = sse.components(separatedBy: "\n\n").compactMap { event -> String? in
                guard event.hasPrefix("data: {"), let data = event.dropFirst(6).data(using: .utf8),
                      let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
                return (json["choices"] as? [[String: Any]])?.first?["text"] as? String
            }
            guard sse.hasSuffix("data: [DONE]\n\n") else { return }
            results.lock.withLock { results.texts[i] = pieces.joined() }
        }
        for i in prompts.indices {
            #expect(results.texts[i] == alone[i], "stream \(i) lost or mixed up")
        }
    }
}
