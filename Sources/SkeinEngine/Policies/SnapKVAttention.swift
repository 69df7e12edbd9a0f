/// SnapKV (Li et al., 2024): at the end of a prompt, the last `window` queries (the observation
/// window) vote for the entries they attend to; votes are pooled over `kernel` neighbouring
/// entries so whole spans survive, and the top entries plus the window itself are kept.
///
/// Compression runs after every forward pass of more than one token (each prefill chunk: the
/// window is the chunk's last min(window, chunk) queries); single-token decoding steps append, as
/// in the paper and kvpress, so memory is the budget plus the tokens generated since the last
/// prompt chunk. GQA: votes of the query heads of a kv group are summed (kvpress takes their mean:
/// the same ranking).
public struct SnapKVAttention: KVMemoryPolicy {
    /// How votes are pooled.
    public enum Variant: String, Sendable, CaseIterable {
        /// kvpress 0.5.5's SnapKVPress: the votes of the entries before the window are average-pooled
        /// (zero padding, divided by `kernel`), and the window itself is kept outside the pooling.
        case kvpress
        /// Max pooling over every entry, the window's votes included (the reference code's
        /// `maxpool` option).
        case paper
    }

    public let budget: KVBudget
    public let window: Int
    public let kernel: Int
    public let variant: Variant

    public init(budget: KVBudget, window: Int = 32, kernel: Int = 5, variant: Variant = .kvpress) {
        self.budget = budget
        self.window = window
        self.kernel = kernel
        self.variant = variant
    }

    public var description: String {
        "snapkv:\(budget),window=\(window),kernel=\(kernel)" + (variant == .kvpress ? "" : ",variant=\(variant.rawValue)")
    }
    public var scoreSource: MemoryScoreSource { .observationWindow(window) }
    public func selection(seen: Int) -> MemorySelection { .all }

    public func segments(queryPosition: Int, slots: SlotPositions) -> [AttentionSegment] {
        [AttentionSegment(slots: 0..<slots.count, queryPosition: queryPosition)]
    }

    public func survivors(positions: [Int], scores: [Float], seen: Int, rows: Int) -> [Int]? {
        guard rows > 1 else { return nil }
        let b = budget.entries(seen: seen)
        let w = min(rows, window, positions.count)
        switch variant {
        case .kvpress:
            let older = positions.count - w
            let pooled = MemoryRules.averagePool(Array(scores[0..<older]), kernel: kernel) + [Float](repeating: 0, count: w)
            return MemoryRules.recentPlusTop(positions: positions, scores: pooled, budget: b, recent: w)
        case .paper:
            return MemoryRules.recentPlusTop(positions: positions, scores: MemoryRules.maxPool(scores, kernel: kernel),
                                             budget: b, recent: w)
        }
    }
}
