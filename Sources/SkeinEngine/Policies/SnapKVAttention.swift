/// SnapKV (Li et al., 2024): at the end of a prompt, the last `window` queries (the observation
/// window) vote for the entries they attend to; votes are max-pooled over `kernel` neighbouring
/// entries so whole spans survive, and the top entries plus the window itself are kept.
///
/// Compression runs after every forward pass of more than one token (each prefill chunk: the
/// window is the chunk's last min(window, chunk) queries); single-token decoding steps append, as
/// in the paper, so memory is the budget plus the tokens generated since the last prompt chunk.
/// GQA: votes of the query heads of a kv group are summed.
public struct SnapKVAttention: KVMemoryPolicy {
    public let budget: KVBudget
    public let window: Int
    public let kernel: Int

    public init(budget: KVBudget, window: Int = 32, kernel: Int = 7) {
        self.budget = budget
        self.window = window
        self.kernel = kernel
    }

    public var description: String { "snapkv:\(budget),window=\(window),kernel=\(kernel)" }
    public var scoreSource: MemoryScoreSource { .observationWindow(window) }
    public func selection(seen: Int) -> MemorySelection { .all }

    public func segments(queryPosition: Int, slots: SlotPositions) -> [AttentionSegment] {
        [AttentionSegment(slots: 0..<slots.count, queryPosition: queryPosition)]
    }

    public func survivors(positions: [Int], scores: [Float], seen: Int, rows: Int) -> [Int]? {
        guard rows > 1 else { return nil }
        let b = budget.entries(seen: seen)
        let w = min(rows, window)
        return MemoryRules.recentPlusTop(positions: positions, scores: MemoryRules.maxPool(scores, kernel: kernel),
                                         budget: b, recent: w)
    }
}
