import Foundation
import Testing
import SkeinDemoModel
import SkeinEngine
import SkeinServer
@testable import SkeinEval

/// Runs tasks on dispatch threads instead of Swift's cooperative pool: synchronous tests of other
/// suites block the pool's few threads (one per core), which would starve the server's handlers.
@available(macOS 15.0, *)
final class DispatchTaskExecutor: TaskExecutor, @unchecked Sendable {
    private let queue = DispatchQueue(label: "skein-eval-tests.server", attributes: .concurrent)

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

/// Skein's own server, started in this process on a loopback port.
@available(macOS 15.0, *)
final class InProcessServer: @unchecked Sendable {
    private var task: Task<Void, Error>?
    private let executor = DispatchTaskExecutor()
    let baseURL: URL

    init(folder: URL) throws {
        var configuration = ServerConfiguration()
        configuration.port = 0
        // Prefill in the local Generator's chunks and without a prefix cache, so both paths compute alike.
        configuration.prefillChunk = 512
        configuration.prefixCacheEntries = 0
        let server = try SkeinServer(host: try ModelHost(folder: folder), configuration: configuration)
        final class Port: @unchecked Sendable { var value = 0; let ready = DispatchSemaphore(value: 0) }
        let port = Port()
        task = Task(executorPreference: executor) {
            try await server.run(onListening: { bound in port.value = bound; port.ready.signal() })
        }
        guard port.ready.wait(timeout: .now() + 60) == .success, port.value > 0 else {
            task?.cancel()
            throw EvalError.invalidOption(option: "test server", reason: "did not start listening within 60 s")
        }
        baseURL = URL(string: "http://127.0.0.1:\(port.value)")!
    }

    deinit { task?.cancel() }
}

/// `skein eval --endpoint` against `skein serve`'s code, through a recording proxy: the policy
/// travels in every request and the results equal the local engine's, cell for cell.
@Suite(.serialized) struct ServerEndpointTests {
    static let methods = [Method(name: "full"), Method(name: "streaming", attention: "streaming")]
    static let sweep = Sweep(task: .passkey, lengths: [256, 512], depths: [0.5], methods: methods, samples: 2, seed: 4)

    /// The sweep through `skein eval --endpoint`'s backend: each method probed, then its samples.
    static func runAgainst(_ url: URL, model: TransformerModel, into results: URL) throws -> [EvalRecord] {
        let (tokenizer, filler) = try #require(SweepTests.setup)
        return try sweep.run(results: results, filler: filler, tokenizer: tokenizer, backend: { method in
            try EndpointBackend(baseURL: url, modelName: "skein", method: method,
                                expected: try AppliedPolicy.local(method, model: model)).probed()
        })
    }

    @available(macOS 15.0, *)
    @Test func endpointResultsEqualTheLocalEngineForEachPolicy() throws {
        let folder = try #require(DemoModel.folder)
        let (tokenizer, filler) = try #require(SweepTests.setup)
        let model = try TransformerModel.load(directory: folder)
        let server = try InProcessServer(folder: folder)
        let proxy = try LoopbackHTTPServer.proxy(to: server.baseURL)
        defer { proxy.stop() }
        let remote = try Self.runAgainst(proxy.baseURL, model: model, into: SweepTests.folder().appendingPathComponent("results.jsonl"))
        let local = try Self.sweep.run(results: SweepTests.folder().appendingPathComponent("results.jsonl"), filler: filler,
                                  tokenizer: tokenizer, backend: { try LocalBackend(model: model, method: $0, tokenizer: tokenizer) })

        // The request bodies carry each method's policy: 2 probes, then 2 lengths x 2 samples per method.
        let bodies = proxy.recorded.filter { $0.path == "/v1/completions" }.map(\.json)
        #expect(bodies.count == 2 + 8)
        let asked = bodies.compactMap { ($0["skein"] as? [String: String])?["attention"] }
        #expect(asked.count == bodies.count)
        #expect(asked.filter { $0 == "streaming" }.count == 5 && asked.filter { $0 == "full" }.count == 5)

        // Cell for cell, the same outputs and scores as the local engine.
        #expect(remote.count == 8 && local.count == 8)
        let byKey = Dictionary(uniqueKeysWithValues: local.map { ($0.key, $0) })
        for record in remote {
            let mine = try #require(byKey[record.key])
            #expect(record.output == mine.output, "\(record.key): endpoint '\(record.output)' vs local '\(mine.output)'")
            #expect(record.score == mine.score && record.promptTokens == mine.promptTokens)
            #expect(record.applied?.source == "endpoint")
        }
        // The policy took effect: past the training length the two methods answer differently.
        let outputs = { (name: String) in remote.filter { $0.method == name && $0.length == 512 }.sorted { $0.key < $1.key }.map(\.output) }
        #expect(outputs("full") != outputs("streaming"))
    }

    /// The same sweep against an OpenAI server that cannot apply policies (no "skein" echo):
    /// a clear error at the streaming probe, before any sample runs.
    @Test func theSameSweepAgainstAnEndpointWithoutEchoFailsBeforeAnySample() throws {
        let folder = try #require(DemoModel.folder)
        let model = try TransformerModel.load(directory: folder)
        let fake = try StubCompletionServer.start(echo: false)
        defer { fake.stop() }
        let results = SweepTests.folder().appendingPathComponent("results.jsonl")
        #expect { try Self.runAgainst(fake.baseURL, model: model, into: results) } throws: { error in
            guard case EndpointError.policyNotApplied(_, let method) = error else { return false }
            return method == "--attention streaming"
        }
        // Two probes of one token each (full passes, streaming fails); no sample was sent or written.
        #expect(fake.recorded.map { $0.json["max_tokens"] as? Int } == [1, 1])
        #expect(try Sweep.readRecords(results).isEmpty)
    }
}
