import Foundation
import SkeinEngine

/// Which experiment a result belongs to and what produced it: recorded in summary.json and in
/// every results.jsonl line. Resume and merge refuse results whose identity differs.
public struct EvalProvenance: Sendable, Codable, Equatable {
    public var task: String
    /// The model as given (`--model`), or the demo model's folder.
    public var model: String
    /// `ModelFingerprint` of the model folder (for an endpoint: the folder whose tokenizer built the prompts).
    public var modelHash: String
    /// The endpoint's base URL; nil when the local engine ran.
    public var endpoint: String?
    /// The model name sent to the endpoint.
    public var endpointModel: String?
    /// The sweep's seed (each record's `seed` is its cell's seed, derived from this one).
    public var seed: UInt64
    /// `sha256:` of the haystack text (or of the custom task's data file).
    public var haystack: String
    public var skeinVersion: String
    public var skeinCommit: String
    public var cpu: String
    /// `k/n` when this folder holds one shard (not compared: shards differ by design).
    public var shard: String?
    /// The machine's host name (not compared).
    public var host: String

    /// A provenance stamped with this binary's build (`SkeinBuild`) and this machine's host name.
    public init(task: String, model: String, modelHash: String, endpoint: String? = nil, endpointModel: String? = nil,
                seed: UInt64, haystack: String, shard: String? = nil,
                skeinVersion: String = SkeinBuild.version, skeinCommit: String = SkeinBuild.commit, cpu: String = SkeinBuild.cpu,
                host: String = ProcessInfo.processInfo.hostName) {
        self.task = task
        self.model = model
        self.modelHash = modelHash
        self.endpoint = endpoint
        self.endpointModel = endpointModel
        self.seed = seed
        self.haystack = haystack
        self.skeinVersion = skeinVersion
        self.skeinCommit = skeinCommit
        self.cpu = cpu
        self.shard = shard
        self.host = host
    }

    /// The identity fields that differ, as (field, self's value, other's value), in a fixed order.
    ///
    /// Compared: task, model hash, endpoint, endpoint model, seed, haystack, Skein version and
    /// commit, and the CPU when the local engine ran (an endpoint's client CPU does no model math).
    /// Not compared: the model path (another node may mount it elsewhere), shard, host.
    public func differences(from other: EvalProvenance) -> [(field: String, mine: String, theirs: String)] {
        var out = [(String, String, String)]()
        func check(_ field: String, _ a: String?, _ b: String?) {
            if a != b { out.append((field, a ?? "none (local engine)", b ?? "none (local engine)")) }
        }
        check("task", task, other.task)
        check("model hash", modelHash, other.modelHash)
        check("endpoint", endpoint, other.endpoint)
        check("endpoint model", endpointModel, other.endpointModel)
        check("seed", String(seed), String(other.seed))
        check("haystack", haystack, other.haystack)
        check("Skein version", skeinVersion, other.skeinVersion)
        check("Skein commit", skeinCommit, other.skeinCommit)
        if endpoint == nil && other.endpoint == nil { check("CPU", cpu, other.cpu) }
        return out
    }
}
