import Foundation
import Testing
import SkeinDemoModel
import SkeinEngine
import SkeinFormats
@testable import SkeinEval

/// A results folder belongs to one experiment: resume, summaries and merges refuse mixtures.
@Suite struct ProvenanceTests {
    static func provenance(task: EvalTask, seed: UInt64 = 1, modelHash: String = "sha256:model", endpoint: String? = nil,
                           shard: String? = nil) -> EvalProvenance {
        EvalProvenance(task: task.rawValue, model: "demo", modelHash: modelHash, endpoint: endpoint, seed: seed,
                       haystack: "sha256:haystack", shard: shard)
    }

    static func sweep(_ task: EvalTask, seed: UInt64 = 1, modelHash: String = "sha256:model", shard: (Int, Int)? = nil) -> Sweep {
        var sweep = Sweep(task: task, lengths: [300], depths: [0.5], methods: [Method(name: "a")], samples: 2, seed: seed, shard: shard)
        sweep.provenance = provenance(task: task, seed: seed, modelHash: modelHash, shard: shard.map { "\($0.0)/\($0.1)" })
        return sweep
    }

    func run(_ sweep: Sweep, into folder: URL) throws -> [EvalRecord] {
        let (tokenizer, filler) = try #require(SweepTests.setup)
        return try sweep.run(results: folder.appendingPathComponent("results.jsonl"), filler: filler, tokenizer: tokenizer,
                             backend: { _ in ScriptedBackend() })
    }

    /// Defect: `skein eval vt` in a folder of passkey results summarized them as passkey.
    @Test func resumingAnotherTaskIsRefusedNamingBoth() throws {
        let folder = SweepTests.folder()
        _ = try run(Self.sweep(.passkey), into: folder)
        #expect { try run(Self.sweep(.variableTracking), into: folder) } throws: { error in
            let text = "\(error)"
            return text.contains("results.jsonl was written by task passkey; this run is vt")
        }
        // Nothing was appended by the refused run.
        #expect(try Sweep.readRecords(folder.appendingPathComponent("results.jsonl")).allSatisfy { $0.task == "passkey" })
    }

    @Test(arguments: [("seed", 2 as UInt64, "sha256:model"), ("model hash", 1, "sha256:other")])
    func resumingOtherSettingsIsRefusedNamingTheField(field: String, seed: UInt64, modelHash: String) throws {
        let folder = SweepTests.folder()
        _ = try run(Self.sweep(.passkey), into: folder)
        #expect { try run(Self.sweep(.passkey, seed: seed, modelHash: modelHash), into: folder) } throws: { error in
            guard case EvalError.differentExperiment(_, let named, _, _) = error else { return false }
            return named == field
        }
        // The same experiment resumes (no new cells: nothing runs).
        #expect(try run(Self.sweep(.passkey), into: folder).count == 2)
    }

    @Test func everyLineAndTheSummaryRecordTheExperiment() throws {
        let folder = SweepTests.folder()
        let records = try run(Self.sweep(.passkey), into: folder)
        let lines = try Sweep.readRecords(folder.appendingPathComponent("results.jsonl"))
        #expect(lines == records)
        #expect(lines.allSatisfy { $0.provenance == Self.provenance(task: .passkey) })
        let provenance = try #require(lines.first?.provenance)
        #expect(provenance.skeinVersion == SkeinBuild.version && provenance.skeinCommit == SkeinBuild.commit && provenance.cpu == SkeinBuild.cpu)
        let summary = try EvalSummary(records: records)
        #expect(summary.provenance?.task == "passkey" && summary.provenance?.modelHash == "sha256:model")
    }

    /// The local engine records the policy it built, by its canonical description.
    @Test func theLocalEngineRecordsThePolicyItApplied() throws {
        let folder = try #require(DemoModel.folder)
        let model = try TransformerModel.load(directory: folder)
        let applied = try AppliedPolicy.local(Method(name: "s", attention: "streaming", kvType: "q8"), model: model)
        #expect(applied.attention == "streaming:sinks=4,window=\(model.trainingLength - 4)")
        #expect(applied.rope == "config" && applied.kvType == "q8:residual=128,group=32" && applied.source == "engine")
    }

    /// Defect: `eval merge` of a passkey and a vt folder wrote "task": "passkey" with vt lines in it.
    @Test func mergeRefusesShardsOfDifferentTasks() throws {
        let passkey = try run(Self.sweep(.passkey), into: SweepTests.folder())
        let vt = try run(Self.sweep(.variableTracking), into: SweepTests.folder())
        #expect { try ExperimentCheck.merge([("a/results.jsonl", passkey), ("b/results.jsonl", vt)]) } throws: { error in
            guard case EvalError.mixedExperiments(let first, let second, let field, let a, let b) = error else { return false }
            return first == "a/results.jsonl" && second == "b/results.jsonl" && field == "task" && a == "passkey" && b == "vt"
        }
        #expect(throws: EvalError.self) { try EvalSummary(records: passkey + vt) }
    }

    @Test func mergeJoinsShardsOfOneExperimentAndRefusesAnotherPolicy() throws {
        let one = try run(Self.sweep(.passkey, shard: (1, 2)), into: SweepTests.folder())
        let two = try run(Self.sweep(.passkey, shard: (2, 2)), into: SweepTests.folder())
        let merged = try ExperimentCheck.merge([("1", one), ("2", two)])
        #expect(merged.count == 2)
        #expect(try EvalSummary(records: merged).shards == ["1/2", "2/2"])
        // The same method name run under another applied policy is another experiment.
        var other = two
        for i in other.indices { other[i].applied = AppliedPolicy(attention: "window:size=8", rope: "config", kvType: "f32", source: "engine") }
        var first = one
        for i in first.indices { first[i].applied = AppliedPolicy(attention: "full", rope: "config", kvType: "f32", source: "engine") }
        #expect { try ExperimentCheck.merge([("1", first), ("2", other)]) } throws: { "\($0)".contains("policy applied to method 'a'") }
        // Different seeds in two shards.
        let reseeded = try run(Self.sweep(.passkey, seed: 5, shard: (2, 2)), into: SweepTests.folder())
        #expect { try ExperimentCheck.merge([("1", one), ("2", reseeded)]) } throws: { "\($0)".contains("seed 1 vs 5") }
    }

    @Test func theModelFingerprintFollowsContentNotPathOrTime() throws {
        let demo = try #require(DemoModel.folder)
        let copy = SweepTests.folder()
        try FileManager.default.copyItem(at: demo, to: copy)
        let original = try ModelFingerprint.of(demo)
        #expect(original.hasPrefix("sha256:") && original.count == 7 + 64)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 0)],
                                              ofItemAtPath: copy.appendingPathComponent("model.safetensors").path)
        #expect(try ModelFingerprint.of(copy) == original)
        // A changed byte in the last MiB of the weights changes it.
        let weights = copy.appendingPathComponent("model.safetensors")
        var bytes = try Data(contentsOf: weights)
        bytes[bytes.count - 10] ^= 0xFF
        try bytes.write(to: weights)
        #expect(try ModelFingerprint.of(copy) != original)
    }

    @Test func sha256MatchesTheStandardVectors() {
        #expect(SHA256.hex(Array("".utf8)) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }
}
