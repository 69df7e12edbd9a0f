import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// Sampling options and start-up errors of a running `skein serve`.
@Suite(.serialized) struct ServerSamplingTests {
    static let prompt: [String: Any] = ["prompt": "And God said, Let there be light: and there was light. And God said", "max_tokens": 24, "temperature": 0]

    func text(_ server: ServerProcess, _ extra: [String: Any]) throws -> (Int, String, [String: Any]) {
        let (status, body) = try server.post("/v1/completions", Self.prompt.merging(extra) { $1 })
        let text = ((body["choices"] as? [[String: Any]])?.first?["text"] as? String) ?? ""
        return (status, text, body)
    }

    /// frequency_penalty and presence_penalty change greedy output on the demo model; 0 changes nothing.
    @Test func penaltiesChangeTheOutput() throws {
        let server = try ServerProcess(arguments: [])
        let (status, plain, body) = try text(server, [:])
        #expect(status == 200)
        #expect(!plain.isEmpty)
        #expect(try text(server, ["frequency_penalty": 0, "presence_penalty": 0]).1 == plain)
        let frequency = try text(server, ["frequency_penalty": 2.0])
        #expect(frequency.0 == 200)
        #expect(frequency.1 != plain, "frequency_penalty 2.0 gave the unpenalized text")
        let presence = try text(server, ["presence_penalty": 2.0])
        #expect(presence.0 == 200)
        #expect(presence.1 != plain, "presence_penalty 2.0 gave the unpenalized text")
        // The echo of the policy the request ran with stays in every response.
        let skein = try #require(body["skein"] as? [String: Any])
        #expect(skein["attention"] as? String == "full" && skein["rope"] as? String == "config" && skein["kv_type"] as? String == "f32")
    }

    /// top_k, min_p and repetition_penalty are accepted and used; out-of-range values are 400s naming the field.
    @Test func samplingExtensionsAreUsed() throws {
        let server = try ServerProcess(arguments: [])
        let plain = try text(server, [:]).1
        let repeated = try text(server, ["repetition_penalty": 3.0])
        #expect(repeated.0 == 200 && repeated.1 != plain)
        let topK = try text(server, ["temperature": 1.5, "top_k": 1, "seed": 3])
        #expect(topK.0 == 200 && topK.1 == plain, "top_k 1 is greedy at any temperature")
        #expect(try text(server, ["min_p": 0.5, "temperature": 1, "seed": 1]).0 == 200)
        let (status, body) = try server.post("/v1/completions", Self.prompt.merging(["top_k": 0]) { $1 })
        #expect(status == 400)
        #expect((body["error"] as? [String: Any])?["param"] as? String == "top_k")
        let (unknown, unknownBody) = try server.post("/v1/chat/completions", ["messages": [["role": "user", "content": "hi"]], "skein": ["foo": "bar"]])
        #expect(unknown == 400)
        let error = try #require(unknownBody["error"] as? [String: Any])
        #expect(error["param"] as? String == "skein.foo")
        #expect(error.keys.sorted() == ["code", "message", "param", "type"])
    }

    /// A second server on a busy port says which port, and exits 70 (not bad input, not usage).
    @Test func aPortInUseIsNamed() throws {
        let first = try ServerProcess(arguments: [])
        let process = Process()
        process.executableURL = try ServerProcess.executable()
        process.arguments = ["serve", "--port", String(first.port)]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 70)
        #expect(message.contains("port \(first.port) on 127.0.0.1 is already in use"), "\(message)")
    }
}
