/// SirLLM (Yao et al., 2024): keep the tokens the model found most informative, measured by their
/// token entropy -log p(token | prefix), plus the `recent` latest ones; at each new dialogue turn
/// (`DenseKVCache.beginTurn()`), the stored entropies are multiplied by `decay` so older turns
/// gradually give way.
///
/// The score is a property of the token, so every layer and head keeps the same entries.
/// The first token of a sequence has no prediction and scores +infinity (it acts as a sink).
public struct SirLLMAttention: KVMemoryPolicy {
    public let budget: KVBudget
    public let recent: Int?
    public let decay: Float

    public init(budget: KVBudget, recent: Int? = nil, decay: Float = 0.9) {
        self.budget = budget
        self.recent = recent
        self.decay = decay
    }

    public var description: String { "sirllm:\(budget),decay=\(decay)" + (recent.map { ",recent=\($0)" } ?? "") }
    public var scoreSource: MemoryScoreSource { .tokenSurprisal }
    public func selection(seen: Int) -> MemorySelection { .all }
    public var turnDecay: Float { decay }

    public func segments(queryPosition: Int, slots: SlotPositions) -> [AttentionSegment] {
        [AttentionSegment(slots: 0..<slots.count, queryPosition: queryPosition)]
    }

    public func survivors(positions: [Int], scores: [Float], seen: Int, rows: Int) -> [Int]? {
        let b = budget.entries(seen: seen)
        return MemoryRules.recentPlusTop(positions: positions, scores: scores, budget: b, recent: recent ?? b / 4)
    }
}
