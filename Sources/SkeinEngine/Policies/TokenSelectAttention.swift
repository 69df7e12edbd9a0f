/// TokenSelect (Wu et al., 2025): per query head, each cached token's criticality is its logit
/// q . k; the heads' softmaxed criticalities are summed (soft voting) and the `k` tokens with the
/// most votes are read together with the `budget - k` most recent. A query whose cosine similarity
/// to the query that made the current selection is at least `reuse` keeps that selection
/// (the selection cache). Nothing is evicted.
///
/// The vote covers all query heads of a layer, so every head of a layer reads the same tokens.
public struct TokenSelectAttention: KVMemoryPolicy {
    public let budget: KVBudget
    /// Critical tokens chosen by the vote; nil: half the budget.
    public let k: Int?
    public let reuse: Float

    public init(budget: KVBudget, k: Int? = nil, reuse: Float = 0.9) {
        self.budget = budget
        self.k = k
        self.reuse = reuse
    }

    public var description: String { "tokenselect:\(budget)" + (k.map { ",k=\($0)" } ?? "") + ",reuse=\(reuse)" }
    public var scoreSource: MemoryScoreSource { .none }

    public func selection(seen: Int) -> MemorySelection {
        let b = budget.entries(seen: seen)
        let critical = min(b, k ?? b / 2)
        return .tokens(critical: critical, local: max(1, b - critical), reuse: reuse)
    }

    public func segments(queryPosition: Int, slots: SlotPositions) -> [AttentionSegment] {
        [AttentionSegment(slots: 0..<slots.count, queryPosition: queryPosition)]
    }

    /// The `critical` candidates (indices) with the most soft votes over per-head logits (heads, candidates).
    public static func critical(logits: [[Float]], count: Int) -> [Int] {
        MemoryRules.topIndices(MemoryRules.softVote(logits), k: count)
    }
}
