/// H2O, Heavy-Hitter Oracle (Zhang et al., 2023): per head, keep the `recent` latest entries plus
/// the entries with the largest attention accumulated over every query so far, within `budget`.
///
/// Eviction runs after every forward pass (every decoding step, and after each prefill chunk).
/// GQA: the probabilities of the query heads of a kv group are summed into the group's score.
public struct H2OAttention: KVMemoryPolicy {
    public let budget: KVBudget
    /// Recent entries always kept (nil: half the budget, the paper's even split).
    public let recent: Int?

    public init(budget: KVBudget, recent: Int? = nil) {
        self.budget = budget
        self.recent = recent
    }

    public var description: String { "h2o:\(budget)" + (recent.map { ",recent=\($0)" } ?? "") }
    public var scoreSource: MemoryScoreSource { .accumulatedAttention }
    public func selection(seen: Int) -> MemorySelection { .all }

    public func segments(queryPosition: Int, slots: SlotPositions) -> [AttentionSegment] {
        [AttentionSegment(slots: 0..<slots.count, queryPosition: queryPosition)]
    }

    public func survivors(positions: [Int], scores: [Float], seen: Int, rows: Int) -> [Int]? {
        let b = budget.entries(seen: seen)
        return MemoryRules.recentPlusTop(positions: positions, scores: scores, budget: b, recent: recent ?? b / 2)
    }
}
