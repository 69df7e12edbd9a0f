/// TOVA, Token Omission Via Attention (Oren et al., 2024): once past `budget`, drop the entries
/// the latest query attends to least.
///
/// The paper averages the scores over the heads of a layer; here every kv head keeps its own
/// entries and its score is the mean over the query heads of its group (with one kv head per
/// query head this is per-head TOVA, which the paper also evaluates).
/// After a prefill chunk the chunk's last query decides.
public struct TOVAAttention: KVMemoryPolicy {
    public let budget: KVBudget

    public init(budget: KVBudget) { self.budget = budget }

    public var description: String { "tova:\(budget)" }
    public var scoreSource: MemoryScoreSource { .lastQueryAttention }
    public func selection(seen: Int) -> MemorySelection { .all }

    public func segments(queryPosition: Int, slots: SlotPositions) -> [AttentionSegment] {
        [AttentionSegment(slots: 0..<slots.count, queryPosition: queryPosition)]
    }

    public func survivors(positions: [Int], scores: [Float], seen: Int, rows: Int) -> [Int]? {
        MemoryRules.topIndices(scores, k: budget.entries(seen: seen))
    }
}
