/// TOVA, Token Omission Via Attention (Oren et al., 2024): drop the entries the latest query
/// attends to least.
///
/// The default follows kvpress 0.5.5's TOVAPress: after a forward pass of more than one token
/// (a prompt chunk) the pass's last query scores every entry by its attention averaged over all
/// query heads of the layer (one decision per layer, as in the paper), its own entry is always
/// kept, and single-token decoding steps append without evicting.
/// `variant=paper` evicts after every pass, decoding steps included, as the paper does, and
/// lets every kv head keep its own entries, scored by the mean over the query heads of its group
/// (per-head TOVA, which the paper also evaluates).
public struct TOVAAttention: KVMemoryPolicy {
    /// When eviction runs and which heads share a decision.
    public enum Variant: String, Sendable, CaseIterable {
        /// Prompt chunks only, one decision per layer, the scoring query kept (kvpress).
        case kvpress
        /// Every pass, one decision per kv head.
        case paper
    }

    public let budget: KVBudget
    public let variant: Variant

    public init(budget: KVBudget, variant: Variant = .kvpress) {
        self.budget = budget
        self.variant = variant
    }

    public var description: String { "tova:\(budget)" + (variant == .kvpress ? "" : ",variant=\(variant.rawValue)") }
    public var scoreSource: MemoryScoreSource { .lastQueryAttention }
    public var sharesScoresAcrossHeads: Bool { variant == .kvpress }
    public func selection(seen: Int) -> MemorySelection { .all }

    public func segments(queryPosition: Int, slots: SlotPositions) -> [AttentionSegment] {
        [AttentionSegment(slots: 0..<slots.count, queryPosition: queryPosition)]
    }

    public func survivors(positions: [Int], scores: [Float], seen: Int, rows: Int) -> [Int]? {
        switch variant {
        case .kvpress:
            guard rows > 1 else { return nil }
            return MemoryRules.recentPlusTop(positions: positions, scores: scores, budget: budget.entries(seen: seen), recent: 1)
        case .paper:
            return MemoryRules.topIndices(scores, k: budget.entries(seen: seen))
        }
    }
}
