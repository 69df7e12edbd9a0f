import Foundation
import Testing
@testable import SkeinEval

/// The endpoint backend sends the policy in Skein's `"skein"` extension and trusts only what the
/// endpoint echoes back.
@Suite struct EndpointPolicyTests {
    static let streaming = Method(name: "streaming", attention: "streaming")

    func sweep(_ methods: [Method]) -> Sweep {
        Sweep(task: .passkey, lengths: [300], depths: [0.5], methods: methods, samples: 2, seed: 1)
    }

    func run(_ sweep: Sweep, against server: LoopbackHTTPServer, folder: URL = SweepTests.folder()) throws -> [EvalRecord] {
        let (tokenizer, filler) = try #require(SweepTests.setup)
        return try sweep.run(results: folder.appendingPathComponent("results.jsonl"), filler: filler, tokenizer: tokenizer, backend: { method in
            try EndpointBackend(baseURL: server.baseURL, modelName: "stub", method: method).probed()
        })
    }

    /// Defect: the request body had no "skein" object, so "streaming" ran as full attention.
    @Test func everyRequestCarriesThePolicy() throws {
        let server = try StubCompletionServer.start(echo: true)
        let records = try run(sweep([Self.streaming]), against: server)
        let bodies = server.recorded.map(\.json)
        #expect(bodies.count == 1 + 2)  // the probe, then the samples
        for body in bodies {
            let skein = try #require(body["skein"] as? [String: String], "request without the skein extension: \(body)")
            #expect(skein == ["attention": "streaming", "rope": "config", "kv_type": "f32"])
        }
        #expect(records.allSatisfy { $0.applied == AppliedPolicy(attention: "streaming", rope: "config", kvType: "f32", source: "endpoint") })
    }

    @Test func anEchoOfAnotherPolicyFailsLoudly() throws {
        let server = try StubCompletionServer.start(echo: true, override: ["attention": "full"])
        #expect { try run(sweep([Self.streaming]), against: server) } throws: { error in
            guard case EndpointError.policyMismatch(_, let field, let asked, let echoed) = error else { return false }
            return field == "attention" && asked == "streaming" && echoed == "full"
        }
    }

    /// The echo may be the policy's canonical description rather than the spelling asked.
    @Test func aCanonicalDescriptionEchoIsAccepted() throws {
        let server = try StubCompletionServer.start(echo: true, override: ["attention": "streaming:sinks=4,window=252"])
        let expected = AppliedPolicy(attention: "streaming:sinks=4,window=252", rope: "config", kvType: "f32", source: "engine")
        let backend = try EndpointBackend(baseURL: server.baseURL, modelName: "stub", method: Self.streaming, expected: expected).probed()
        #expect(backend.appliedPolicy?.attention == "streaming:sinks=4,window=252")
        let wrong = AppliedPolicy(attention: "streaming:sinks=4,window=60", rope: "config", kvType: "f32", source: "engine")
        #expect(throws: EndpointError.self) {
            try EndpointBackend(baseURL: server.baseURL, modelName: "stub", method: Self.streaming, expected: wrong).probed()
        }
    }

    /// A server may echo the attention with its storage, as `StoredAttention` describes it.
    @Test func anEchoWithTheStorageDescriptionIsAccepted() throws {
        let server = try StubCompletionServer.start(echo: true, override: [
            "attention": "streaming:sinks=4,window=252 kv=q8:residual=128,group=32", "kv_type": "q8:residual=128,group=32"])
        let method = Method(name: "s", attention: "streaming", kvType: "q8")
        let expected = AppliedPolicy(attention: "streaming:sinks=4,window=252", rope: "config", kvType: "q8:residual=128,group=32", source: "engine")
        let backend = try EndpointBackend(baseURL: server.baseURL, modelName: "stub", method: method, expected: expected).probed()
        #expect(backend.appliedPolicy?.kvType == "q8:residual=128,group=32")
    }

    /// An OpenAI server that cannot apply policies: a non-full method fails at the probe, before any sample.
    @Test func anEndpointWithoutEchoRefusesAPolicyBeforeAnySample() throws {
        let server = try StubCompletionServer.start(echo: false)
        let folder = SweepTests.folder()
        #expect { try run(sweep([Method(name: "full"), Self.streaming]), against: server, folder: folder) } throws: { error in
            guard case EndpointError.policyNotApplied(let url, let method) = error else { return false }
            return url.contains("127.0.0.1:\(server.port)") && method == "--attention streaming"
                && "\(error)".contains("does not echo the policy")
        }
        // Only the two probes (1 token each) reached the server; no sample ran or was recorded.
        #expect(server.recorded.map { $0.json["max_tokens"] as? Int } == [1, 1])
        #expect(try Sweep.readRecords(folder.appendingPathComponent("results.jsonl")).isEmpty)
    }

    @Test func plainFullAttentionRunsWithoutEcho() throws {
        let server = try StubCompletionServer.start(echo: false)
        let records = try run(sweep([Method(name: "full")]), against: server)
        #expect(records.count == 2 && records.allSatisfy { $0.applied?.source == "unechoed" && $0.applied?.attention == "full" })
    }

    @Test func theEndpointModelDefaultsToTheOnlyOneListed() throws {
        let one = try StubCompletionServer.start(models: ["served-model"])
        #expect(try EndpointBackend.modelName(given: nil, baseURL: one.baseURL, apiKey: nil) == "served-model")
        #expect(try EndpointBackend.modelName(given: "mine", baseURL: one.baseURL, apiKey: nil) == "mine")
        let two = try StubCompletionServer.start(models: ["a-model", "b-model"])
        #expect { try EndpointBackend.modelName(given: nil, baseURL: two.baseURL, apiKey: nil) } throws: { error in
            let text = "\(error)"
            return text.contains("a-model, b-model") && text.contains("--endpoint-model")
        }
    }
}
