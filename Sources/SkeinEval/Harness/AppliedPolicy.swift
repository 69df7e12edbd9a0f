import SkeinEngine

/// The long-context policy a backend actually applied to a method's samples, recorded in every
/// results.jsonl line.
public struct AppliedPolicy: Sendable, Codable, Equatable {
    /// The attention policy's canonical description (`streaming:sinks=4,window=252`).
    public var attention: String
    /// The RoPE scaling (`config`, `yarn:factor=4`).
    public var rope: String
    /// The KV storage type (`f32`, `q8:residual=128,group=32`).
    public var kvType: String
    /// Who vouches for it: `engine` (the local engine built it), `endpoint` (the endpoint echoed
    /// it back in its `"skein"` response field) or `unechoed` (an endpoint that does not echo;
    /// only the plain policy, full attention with config.json's RoPE and f32, is allowed there).
    public var source: String

    /// A policy as applied; `source` is `engine`, `endpoint` or `unechoed`.
    public init(attention: String, rope: String, kvType: String, source: String) {
        self.attention = attention
        self.rope = rope
        self.kvType = kvType
        self.source = source
    }

    /// What the local engine applies for `method` on `model`: the descriptions of the policy it builds.
    /// - Throws: `EngineError.invalidOption` when the method does not apply to the model.
    public static func local(_ method: Method, model: TransformerModel) throws -> AppliedPolicy {
        let (_, policy) = try method.apply(to: model)
        return AppliedPolicy(attention: policy.base.description, rope: try canonicalSpelling(method.rope, what: "rope"),
                             kvType: policy.kvStorage.description, source: "engine")
    }

    /// True for full attention with config.json's RoPE and f32 storage: what any OpenAI-compatible
    /// server does, so it may run against an endpoint that cannot echo a policy.
    public static func isPlain(_ method: Method) -> Bool {
        method.attention == "full" && method.rope == "config" && method.kvType == "f32"
    }

    /// The spelling with its name lowercased and spaces trimmed (`PolicySpec`'s description).
    static func canonicalSpelling(_ text: String, what: String) throws -> String {
        try PolicySpec(parsing: text, what: what, allowsInner: true).description
    }

    /// Whether an endpoint's echo of one field means what was asked: the same spelling, the
    /// same canonical spelling, or one of `expected` (descriptions of what the local engine builds).
    static func echo(_ echoed: String, means asked: String, expected: [String]) -> Bool {
        if echoed == asked || expected.contains(echoed) { return true }
        let canonical = (try? canonicalSpelling(echoed, what: "echo")) ?? echoed
        return canonical == (try? canonicalSpelling(asked, what: "echo")) || expected.contains(canonical)
    }
}
