/// The kvpress presses in the catalog (knorm, pyramidkv, chunkkv, adakv, expected-attention): their option keys,
/// defaults and parser. Their `ratio` is kvpress's compression ratio, the fraction *removed*.
extension PolicyCatalog {
    static let pressNames = ["knorm", "pyramidkv", "chunkkv", "adakv", "expected-attention"]
    /// Presses that wrap a scorer press, spelled `NAME:SCORER[,key=value,...]` or `NAME:scorer=SCORER,...`.
    static let wrapperNames = ["chunkkv", "adakv"]

    /// Entries for `skein policies`.
    static func pressEntries(trainingLength L: Int?) -> [Entry] {
        let budget = L.map(String.init) ?? "L"
        let scorers = PressScorer.names.joined(separator: "|")
        return [
            Entry(name: "knorm", summary: "Knorm (kvpress KnormPress): keep the keys with the smallest L2 norm per head; ratio = fraction removed",
                  options: [("budget", budget), ("ratio", "-")]),
            Entry(name: "pyramidkv", summary: "PyramidKV (kvpress PyramidKVPress): SnapKV with layer budgets shrinking up the stack; ratio = fraction removed",
                  options: [("budget", budget), ("ratio", "-"), ("window", "64"), ("kernel", "5"), ("beta", "20")]),
            Entry(name: "chunkkv", summary: "ChunkKV (kvpress ChunkKVPress): keep whole chunks ranked by a scorer, chunkkv:SCORER,...; ratio = fraction removed",
                  options: [("scorer", scorers), ("budget", budget), ("ratio", "-"), ("chunk", "20"), ("window", "32"), ("kernel", "5")]),
            Entry(name: "adakv", summary: "AdaKV (kvpress AdaKVPress): head-wise budgets by one top-k over a layer's heads, adakv:SCORER,...; ratio = fraction removed",
                  options: [("scorer", scorers), ("budget", budget), ("ratio", "-"), ("alpha", "0.2"), ("window", "32"), ("kernel", "5")]),
            Entry(name: "expected-attention", summary: "Expected attention (kvpress ExpectedAttentionPress): attention future queries are expected to pay, from the prompt's query statistics; ratio = fraction removed",
                  options: [("budget", budget), ("ratio", "-"), ("future", "512"), ("sinks", "4"), ("covariance", "on|off"), ("vnorm", "on|off")]),
        ]
    }

    /// Reads `budget=N` or `ratio=R` (kvpress's compression ratio, in (0, 1)), not both; the
    /// default budget is the training length.
    static func pressBudget(_ r: OptionReader, trainingLength L: Int) throws -> PressBudget {
        let name = "attention \(r.spec.name)"
        if let ratio = try r.double("ratio") {
            guard r.raw("budget") == nil else { throw EngineError.invalidOption(name: name, reason: "give budget or ratio, not both") }
            guard ratio < 1 else {
                throw EngineError.invalidOption(name: name, reason: "ratio (the fraction removed, as kvpress) must be in (0, 1), got \(ratio)")
            }
            return .ratio(ratio)
        }
        return .entries(try r.int("budget", default: L))
    }

    static func press(_ name: String, _ r: OptionReader, trainingLength L: Int) throws -> AttentionPolicy {
        let b = try pressBudget(r, trainingLength: L)
        switch name {
        case "knorm":
            return KnormAttention(budget: b)
        case "expected-attention":
            return ExpectedAttentionAttention(budget: b, future: try r.int("future", default: 512),
                                              sinks: try r.int("sinks", default: 4, minimum: 0),
                                              covariance: try r.choice("covariance", ["on", "off"]) == "on",
                                              valueNorm: try r.choice("vnorm", ["on", "off"]) == "on")
        case "pyramidkv":
            let kernel = try r.int("kernel", default: 5)
            guard kernel % 2 == 1 else { throw EngineError.invalidOption(name: "attention pyramidkv", reason: "kernel must be odd, got \(kernel)") }
            return PyramidKVAttention(budget: b, window: try r.int("window", default: 64), kernel: kernel,
                                      beta: try r.int("beta", default: 20))
        default:
            throw EngineError.invalidOption(name: "attention", reason: "unknown policy '\(name)'")
        }
    }

    /// Parses a wrapper press (`adakv:snapkv,ratio=0.5`): its scorer, the scorer's keys and its own.
    static func wrapper(_ spec: PolicySpec, trainingLength L: Int) throws -> AttentionPolicy {
        let what = "attention \(spec.name)"
        let named = spec.options.first { $0.key == "scorer" }?.value.lowercased()
        if spec.inner != nil, named != nil { throw EngineError.invalidOption(name: what, reason: "name the scorer once, not also as scorer=") }
        let inner = spec.inner ?? named ?? "snapkv"
        guard PressScorer.names.contains(inner) else {
            throw EngineError.invalidOption(name: what, reason: "cannot wrap '\(inner)': it wraps a kvpress scorer press, one of \(PressScorer.names.joined(separator: ", "))")
        }
        let own = spec.name == "adakv" ? ["alpha"] : ["chunk"]
        let innerKeys = inner == "snapkv" ? ["window", "kernel"] : []
        let r = try OptionReader(spec, what: "attention", allowed: ["scorer", "budget", "ratio"] + own + innerKeys, wraps: true)
        let b = try pressBudget(r, trainingLength: L)
        let scorer: PressScorer
        if inner == "snapkv" {
            let kernel = try r.int("kernel", default: 5)
            guard kernel % 2 == 1 else { throw EngineError.invalidOption(name: what, reason: "kernel must be odd, got \(kernel)") }
            scorer = .snapkv(window: try r.int("window", default: 32), kernel: kernel)
        } else {
            scorer = .knorm
        }
        if spec.name == "adakv" {
            let alpha = try r.raw("alpha").map { text -> Double in
                guard let value = Double(text), value >= 0, value <= 1 else {
                    throw EngineError.invalidOption(name: what, reason: "alpha must be in [0, 1], got \(text)")
                }
                return value
            } ?? 0.2
            return AdaKVAttention(scorer: scorer, budget: b, alpha: alpha)
        }
        return ChunkKVAttention(scorer: scorer, budget: b, chunk: try r.int("chunk", default: 20))
    }
}
