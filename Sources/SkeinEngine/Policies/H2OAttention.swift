/// H2O, Heavy-Hitter Oracle (Zhang et al., 2023): per head, keep the `recent` latest entries plus
/// the entries with the largest attention accumulated over every query so far, within `budget`.
///
/// Eviction runs after every forward pass (every decoding step, and after each prefill chunk).
/// GQA: the probabilities of the query heads of a kv group are summed into the group's score.
/// `variant=kvpress` follows kvpress 0.5.5's ObservedAttentionPress instead: the accumulated
/// attention is divided by the number of queries that saw the entry (its mean attention), no
/// recent window unless `recent` is given, and only passes of more than one token (prompt chunks)
/// evict, so decoding steps append.
public struct H2OAttention: KVMemoryPolicy {
    /// Which scoring and schedule.
    public enum Variant: String, Sendable, CaseIterable {
        /// Accumulated attention, evicting after every pass (the paper).
        case paper
        /// Mean attention per query that saw the entry, prompt chunks only (kvpress).
        case kvpress
    }

    public let budget: KVBudget
    /// Recent entries always kept (nil: half the budget, the paper's even split; 0 for kvpress).
    public let recent: Int?
    public let variant: Variant

    public init(budget: KVBudget, recent: Int? = nil, variant: Variant = .paper) {
        self.budget = budget
        self.recent = recent
        self.variant = variant
    }

    public var description: String {
        "h2o:\(budget)" + (recent.map { ",recent=\($0)" } ?? "") + (variant == .paper ? "" : ",variant=\(variant.rawValue)")
    }
    public var scoreSource: MemoryScoreSource { .accumulatedAttention }
    public func selection(seen: Int) -> MemorySelection { .all }

    public func segments(queryPosition: Int, slots: SlotPositions) -> [AttentionSegment] {
        [AttentionSegment(slots: 0..<slots.count, queryPosition: queryPosition)]
    }

    public func survivors(positions: [Int], scores: [Float], seen: Int, rows: Int) -> [Int]? {
        let b = budget.entries(seen: seen)
        switch variant {
        case .paper:
            return MemoryRules.recentPlusTop(positions: positions, scores: scores, budget: b, recent: recent ?? b / 2)
        case .kvpress:
            guard rows > 1 else { return nil }
            // The queries at positions p..<seen all saw the entry at p.
            let mean = zip(scores, positions).map { $0 / Float(seen - $1) }
            return MemoryRules.recentPlusTop(positions: positions, scores: mean, budget: b, recent: recent ?? 0)
        }
    }
}
