/// Every attention policy Skein knows, its option keys and defaults, and the parser that builds
/// one from `name[:key=value,...]` for a model with training length L.
public enum PolicyCatalog {
    /// One entry of `skein policies`.
    public struct Entry: Sendable {
        public var name: String
        public var summary: String
        /// (key, default as text for a model trained on L tokens).
        public var options: [(key: String, defaultValue: String)]
    }

    public static let attentionNames = ["full", "window", "streaming", "lm-infinite", "self-extend", "dca", "string", "logn",
                                         "h2o", "tova", "snapkv", "sirllm", "quest", "tokenselect", "infllm",
                                         "reattention", "longheads"] + pressNames

    /// The attention policies with their defaults, written in terms of the training length L.
    public static func attentionEntries(trainingLength L: Int?) -> [Entry] {
        func v(_ f: (Int) -> Int, _ text: String) -> String { L.map { String(f($0)) } ?? text }
        return [
            Entry(name: "full", summary: "causal attention over every token (the baseline)", options: []),
            Entry(name: "window", summary: "sliding window over the last `size` tokens; bounded memory",
                  options: [("size", v({ $0 }, "L"))]),
            Entry(name: "streaming", summary: "StreamingLLM: attention sinks + recent window, in-cache positions; bounded memory",
                  options: [("sinks", "4"), ("window", v({ max(1, $0 - 4) }, "L-4"))]),
            Entry(name: "lm-infinite", summary: "LM-Infinite: Lambda mask (global + local) with distances capped; bounded memory",
                  options: [("global", "10"), ("local", v({ $0 }, "L")), ("cap", v({ $0 }, "L")), ("topk", "0"), ("from-layer", "0"), ("at", v({ max(1, $0 / 2) }, "L/2"))]),
            Entry(name: "self-extend", summary: "Self-Extend: grouped positions beyond a neighbour window",
                  options: [("group", "4"), ("window", v({ max(1, $0 / 4) }, "L/4"))]),
            Entry(name: "dca", summary: "Dual Chunk Attention: intra / successive / inter-chunk positions",
                  options: [("chunk", v({ max(2, $0 * 3 / 4) }, "3L/4")), ("local", v({ max(1, $0 / 16) }, "L/16"))]),
            Entry(name: "string", summary: "STRING: distances >= shift moved down to d - shift + window",
                  options: [("shift", v({ max(1, $0 / 3) }, "L/3")), ("window", v({ max(1, min(128, $0 / 8)) }, "min(128, L/8)"))]),
            Entry(name: "logn", summary: "log-n attention temperature past the training length",
                  options: [("base", v({ $0 }, "L"))]),
            Entry(name: "reattention",
                  summary: "ReAttention: per-kv-head top-k by position-free scores, re-positioned inside L with sinks + local window",
                  options: [("sinks", "4"), ("local", v({ max(1, $0 / 2) }, "L/2")), ("k", v({ max(1, $0 / 4) }, "L/4")),
                            ("span", "1"), ("refresh", "16"), ("memory", "4"), ("page", "16"), ("pages", "16"), ("groups", "8"), ("ram", "\(ReAttentionPolicy.defaultRAM)")]),
            Entry(name: "longheads",
                  summary: "LongHeads: each query head reads the first, previous, own and best chunks by representative, placed inside L",
                  options: [("chunk", v({ max(1, $0 / 8) }, "L/8")), ("chunks", "8")]),
        ] + memoryEntries(trainingLength: L) + pressEntries(trainingLength: L)
    }

    /// Builds the policy `text` names with its cache stored as `kvType` (`f32`, `f16`, `q8[:...]`, `q4[:...]`).
    public static func attention(_ text: String, trainingLength L: Int, kvType: String) throws -> AttentionPolicy {
        let policy = try attention(text, trainingLength: L)
        let storage = try KVStorageType(parsing: kvType)
        if storage.isQuantized, !policy.keyChannels.isEmpty {
            throw EngineError.invalidOption(name: "kv-type", reason: "\(storage.format.rawValue) cannot hold the extra key channels \(policy) needs; use f32")
        }
        return policy.storing(storage)
    }

    /// Builds the attention policy `text` names for a model trained on `trainingLength` tokens.
    public static func attention(_ text: String, trainingLength L: Int) throws -> AttentionPolicy {
        let spec = try PolicySpec(parsing: text, what: "attention", allowsInner: true)
        guard let entry = attentionEntries(trainingLength: L).first(where: { $0.name == spec.name }) else {
            throw EngineError.invalidOption(name: "attention", reason: "unknown policy '\(spec.name)'; valid: \(attentionNames.joined(separator: ", "))")
        }
        if wrapperNames.contains(spec.name) { return try wrapper(spec, trainingLength: L) }
        let r = try OptionReader(spec, what: "attention", allowed: entry.options.map(\.key))
        func invalid(_ reason: String) -> EngineError { .invalidOption(name: "attention \(spec.name)", reason: reason) }
        switch spec.name {
        case "full":
            return FullAttention()
        case "window":
            return WindowAttention(size: try r.int("size", default: L))
        case "streaming":
            // In-cache positions: sinks + window distances must stay inside L.
            let sinks = try r.int("sinks", default: 4, minimum: 0, maximum: L - 1)
            return StreamingAttention(sinks: sinks, window: try r.int("window", default: max(1, L - sinks), maximum: L - sinks))
        case "lm-infinite":
            let cap = try r.int("cap", default: L, maximum: L)
            let local = try r.int("local", default: cap)
            guard local <= cap else { throw invalid("local (\(local)) must not exceed cap (\(cap))") }
            return LMInfiniteAttention(global: try r.int("global", default: 10, minimum: 0, maximum: L), local: local, cap: cap,
                                       topK: try r.int("topk", default: 0, minimum: 0),
                                       fromLayer: try r.int("from-layer", default: 0, minimum: 0),
                                       at: try r.int("at", default: max(1, L / 2), maximum: cap))
        case "self-extend":
            let group = try r.int("group", default: 4)
            let window = try r.int("window", default: max(1, L / 4), maximum: L - 1)
            return SelfExtendAttention(group: group, window: window)
        case "dca":
            let chunk = try r.int("chunk", default: max(2, L * 3 / 4), minimum: 2, maximum: max(2, L))
            let local = try r.int("local", default: max(1, L / 16))
            guard local < chunk else { throw invalid("local (\(local)) must be smaller than chunk (\(chunk))") }
            return DualChunkAttention(chunk: chunk, local: local)
        case "string":
            let shift = try r.int("shift", default: max(1, L / 3), maximum: L)
            let window = try r.int("window", default: max(1, min(128, L / 8)))
            guard window < shift else { throw invalid("window (\(window)) must be smaller than shift (\(shift))") }
            return StringAttention(shift: shift, window: window)
        case "logn":
            return LogNAttention(base: try r.int("base", default: L, minimum: 2))
        case "reattention":
            let sinks = try r.int("sinks", default: 4, minimum: 0, maximum: L - 3)
            let local = try r.int("local", default: max(1, L / 2), maximum: L - sinks - 2)
            let k = try r.int("k", default: max(1, L / 4))
            let span = try r.int("span", default: 1)
            guard span <= k else { throw invalid("span (\(span)) must not exceed k (\(k))") }
            guard sinks + k + local < L else {
                throw invalid("sinks + k + local (\(sinks) + \(k) + \(local) = \(sinks + k + local)) must stay below the training length \(L), so every query is placed at a position the model saw")
            }
            return ReAttentionPolicy(sinks: sinks, local: local, k: k, span: span, refresh: try r.int("refresh", default: 16),
                                     memory: try r.int("memory", default: 4), page: try r.int("page", default: 16),
                                     pages: try r.int("pages", default: 16, minimum: 0), groups: try r.int("groups", default: 8, minimum: 0),
                                     ram: try r.int("ram", default: ReAttentionPolicy.defaultRAM, minimum: 0))
        case "longheads":
            let chunk = try r.int("chunk", default: max(1, L / 8), maximum: max(1, L / 3))
            let chunks = try r.int("chunks", default: min(8, L / chunk), minimum: 3, maximum: L / chunk)
            return LongHeadsPolicy(chunk: chunk, chunks: chunks)
        case let name where memoryNames.contains(name):
            return try memoryPolicy(name, r, trainingLength: L)
        case let name where pressNames.contains(name):
            return try press(name, r, trainingLength: L)
        default:
            throw EngineError.invalidOption(name: "attention", reason: "unknown policy '\(spec.name)'")
        }
    }
}
