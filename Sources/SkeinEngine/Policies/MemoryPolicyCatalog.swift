/// The score-aware memory policies in the catalog: their option keys, defaults and parser.
extension PolicyCatalog {
    static let memoryNames = ["h2o", "tova", "snapkv", "sirllm", "quest", "tokenselect", "infllm"]

    /// Entries for `skein policies`; every one takes `budget=N` (entries kept or read per head) or
    /// `ratio=R` (kvpress's compression ratio: that fraction of the tokens seen is removed, or not read).
    static func memoryEntries(trainingLength L: Int?) -> [Entry] {
        let budget = L.map(String.init) ?? "L"
        return [
            Entry(name: "h2o", summary: "H2O: heavy hitters (accumulated attention) + recent tokens per head; bounded memory; ratio = fraction removed",
                  options: [("budget", budget), ("ratio", "-"), ("recent", "budget/2"), ("variant", "paper|kvpress")]),
            Entry(name: "tova", summary: "TOVA: evict what the last query of each prompt chunk attends to least (layer mean, as kvpress); ratio = fraction removed",
                  options: [("budget", budget), ("ratio", "-"), ("variant", "kvpress|paper")]),
            Entry(name: "snapkv", summary: "SnapKV: observation-window votes, average-pooled (as kvpress), compress each prompt chunk; ratio = fraction removed",
                  options: [("budget", budget), ("ratio", "-"), ("window", "32"), ("kernel", "5"), ("variant", "kvpress|paper")]),
            Entry(name: "sirllm", summary: "SirLLM: keep high-entropy tokens + recent; entropies decay per dialogue turn; bounded memory; ratio = fraction removed",
                  options: [("budget", budget), ("ratio", "-"), ("recent", "budget/4"), ("decay", "0.9")]),
            Entry(name: "quest", summary: "Quest: per-head top pages by min/max key bounds; reads a budget, keeps all; ratio = fraction not read",
                  options: [("budget", budget), ("ratio", "-"), ("page", "16"), ("pages", "budget/page")]),
            Entry(name: "tokenselect", summary: "TokenSelect: soft-voted critical tokens + recent, selection cache; reads a budget, keeps all; ratio = fraction not read",
                  options: [("budget", budget), ("ratio", "-"), ("k", "budget/2"), ("reuse", "0.9")]),
            Entry(name: "infllm", summary: "InfLLM: sinks + sliding local window + top-k retrieved blocks at the window's edge; blocks in a temp file",
                  options: [("sinks", "4"), ("local", L.map { String(max(1, $0 / 2)) } ?? "L/2"),
                            ("block", L.map { String(infllmBlock($0)) } ?? "clamp(L/32, 4, 128)"), ("repr", "4"),
                            ("topk", L.map { String(max(1, $0 / 2 / infllmBlock($0))) } ?? "L/2/block"), ("cached", L.map { String(infllmCached(infllmBlock($0))) } ?? "8192/block"),
                            ("chunk", L.map { String(InfLLMAttention.defaultChunk(local: max(1, $0 / 2))) } ?? "local/4"),
                            ("represent", "attention|dot"), ("query", "rotated|raw"), ("select", "head|layer"), ("score", "max|mean")]),
        ]
    }

    /// Reads `budget=N` or `ratio=R` (the fraction removed, in (0, 1), as the presses read it),
    /// not both; the default budget is the training length.
    static func budget(_ r: OptionReader, trainingLength L: Int) throws -> KVBudget {
        switch try pressBudget(r, trainingLength: L) {
        case .ratio(let ratio): .ratio(ratio)
        case .entries(let n): .entries(n)
        }
    }

    /// The code's proportions (vicuna: L 4096, n_local 2048, block 128, topk 16): block = local/16.
    static func infllmBlock(_ L: Int) -> Int { min(128, max(4, L / 32)) }

    /// Hot blocks: 8,192 tokens' worth (64 blocks of 128, as before; 1,024 of 8 at L = 256, since
    /// every head reads its own top-k).
    static func infllmCached(_ block: Int) -> Int { max(64, 8192 / max(1, block)) }

    static func memoryPolicy(_ name: String, _ r: OptionReader, trainingLength L: Int) throws -> AttentionPolicy {
        if name == "infllm" {
            let block = try r.int("block", default: infllmBlock(L))
            let repr = try r.int("repr", default: 4)
            guard repr <= block else { throw EngineError.invalidOption(name: "attention infllm", reason: "repr (\(repr)) must not exceed block (\(block))") }
            let local = try r.int("local", default: max(1, L / 2), maximum: max(1, L - 1))
            // The code asserts exc_block_size <= n_local: a group never reaches past its own window.
            let chunk = try r.int("chunk", default: InfLLMAttention.defaultChunk(local: local), maximum: local)
            return InfLLMAttention(sinks: try r.int("sinks", default: 4, minimum: 0), local: local,
                                   block: block, repr: repr, topK: try r.int("topk", default: max(1, L / 2 / block), minimum: 0),
                                   cached: try r.int("cached", default: infllmCached(block), minimum: 0), chunk: chunk,
                                   representativeScore: .init(rawValue: try r.choice("represent", ["attention", "dot"]))!,
                                   retrievalQuery: .init(rawValue: try r.choice("query", ["rotated", "raw"]))!,
                                   selection: .init(rawValue: try r.choice("select", ["head", "layer"]))!,
                                   blockScore: .init(rawValue: try r.choice("score", ["max", "mean"]))!)
        }
        let b = try budget(r, trainingLength: L)
        func invalid(_ reason: String) -> EngineError { .invalidOption(name: "attention \(name)", reason: reason) }
        func checkBelow(_ key: String, _ value: Int?) throws {
            if let value, case .entries(let n) = b, value > n { throw invalid("\(key) (\(value)) must not exceed budget (\(n))") }
        }
        switch name {
        case "h2o":
            let recent = r.raw("recent") == nil ? nil : try r.int("recent", default: 0, minimum: 0)
            try checkBelow("recent", recent)
            let variant = H2OAttention.Variant(rawValue: try r.choice("variant", ["paper", "kvpress"]))!
            return H2OAttention(budget: b, recent: recent, variant: variant)
        case "tova":
            return TOVAAttention(budget: b, variant: TOVAAttention.Variant(rawValue: try r.choice("variant", ["kvpress", "paper"]))!)
        case "snapkv":
            let window = try r.int("window", default: 32)
            let kernel = try r.int("kernel", default: 5)
            let variant = SnapKVAttention.Variant(rawValue: try r.choice("variant", ["kvpress", "paper"]))!
            guard kernel % 2 == 1 else { throw invalid("kernel must be odd, got \(kernel)") }
            try checkBelow("window", window)
            return SnapKVAttention(budget: b, window: window, kernel: kernel, variant: variant)
        case "sirllm":
            let recent = r.raw("recent") == nil ? nil : try r.int("recent", default: 0, minimum: 0)
            try checkBelow("recent", recent)
            let decay = try r.double("decay") ?? 0.9
            guard decay <= 1 else { throw invalid("decay must be in (0, 1], got \(decay)") }
            return SirLLMAttention(budget: b, recent: recent, decay: Float(decay))
        case "quest":
            let page = try r.int("page", default: 16)
            let pages = r.raw("pages") == nil ? nil : try r.int("pages", default: 1)
            return QuestAttention(page: page, budget: b, pages: pages)
        case "tokenselect":
            let k = r.raw("k") == nil ? nil : try r.int("k", default: 1, minimum: 0)
            try checkBelow("k", k)
            let reuse = try r.double("reuse") ?? 0.9
            guard reuse <= 1 else { throw invalid("reuse must be in (0, 1], got \(reuse)") }
            return TokenSelectAttention(budget: b, k: k, reuse: Float(reuse))
        default:
            throw EngineError.invalidOption(name: "attention", reason: "unknown policy '\(name)'")
        }
    }
}
