/// AdaKV (Feng et al., 2024): head-wise budgets. One top-k over all kv heads of a layer decides
/// how many entries each head keeps, so heads whose attention is concentrated give room to heads
/// whose attention is spread.
///
/// As kvpress 0.5.5's AdaKVPress over a scorer press (`adakv:snapkv` or `adakv:knorm`): after a
/// prompt, with n_kept = max(1, int(seen * (1 - ratio))) (or `budget`), every head first keeps its
/// own max(1, int(n_kept * alpha)) best entries (the safeguard), then the layer keeps kvHeads *
/// n_kept entries in all, the safeguarded ones plus the best of the rest by the scorer's score
/// across heads. Equal scores keep the lower (head, entry). kvpress masks the evicted keys
/// instead of removing them; here the cache holds the largest head's count and the shorter heads
/// hide the rest (`LayerwiseMemoryPolicy`): the same attention, memory of the largest head.
public struct AdaKVAttention: LayerwiseMemoryPolicy {
    /// The press whose per-entry scores are compared across heads.
    public let scorer: PressScorer
    /// The average kept per kv head: kvpress's ratio or an entry count.
    public let budget: PressBudget
    /// The safeguard: the fraction of n_kept every head keeps of its own.
    public let alpha: Double

    public init(scorer: PressScorer, budget: PressBudget, alpha: Double = 0.2) {
        self.scorer = scorer
        self.budget = budget
        self.alpha = alpha
    }

    public var description: String {
        let inner = scorer.description.isEmpty ? "" : ",\(scorer.description)"
        return "adakv:\(scorer.name),\(budget),alpha=\(alpha)\(inner)"
    }
    public var scoreSource: MemoryScoreSource { scorer.scoreSource }
    public func selection(seen: Int) -> MemorySelection { .all }

    public func segments(queryPosition: Int, slots: SlotPositions) -> [AttentionSegment] {
        [AttentionSegment(slots: 0..<slots.count, queryPosition: queryPosition)]
    }

    public func layerSurvivors(layer: Int, layerCount: Int, positions: [[Int]], scores: [[Float]], seen: Int, rows: Int) -> [[Int]]? {
        guard rows > 1 else { return nil }
        let perHead = scorer.scores(scores, rows: rows)
        let kept = budget.kept(of: seen)
        // Heads may hold different counts after an earlier decision (a later prompt chunk).
        let total = positions.count * kept
        guard positions.reduce(0, { $0 + $1.count }) > total else { return nil }
        let safe = alpha > 0 ? max(1, Int((Double(kept) * alpha).rounded(.towardZero))) : 0
        var chosen = perHead.map { Set(MemoryRules.topIndices($0, k: safe)) }
        // The rest of the layer's kvHeads * kept entries: the best remaining (head, entry) pairs.
        var rest: [(head: Int, entry: Int)] = []
        for h in perHead.indices { for i in perHead[h].indices where !chosen[h].contains(i) { rest.append((h, i)) } }
        rest.sort { a, b in
            let x = perHead[a.head][a.entry], y = perHead[b.head][b.entry]
            return x != y ? x > y : (a.head, a.entry) < (b.head, b.entry)
        }
        let remaining = total - chosen.reduce(0) { $0 + $1.count }
        for pair in rest.prefix(max(0, remaining)) { chosen[pair.head].insert(pair.entry) }
        return chosen.map { $0.sorted() }
    }
}
