/// PyramidKV (Cai et al., 2024): SnapKV's observation-window scores, with per-layer budgets that
/// shrink linearly up the stack (lower layers attend broadly and keep more).
///
/// As kvpress 0.5.5's PyramidKVPress, for a prompt of n tokens of which `kept` = n * (1 - ratio)
/// (or `budget`) stay on average: capacity = window + kept, the top layer keeps
/// min = (capacity - window) / beta and the bottom layer max = 2 (capacity - window) - min; when
/// max reaches n - window it is clamped there and min raised to keep the total. If n >= max >=
/// min >= window fails, every layer keeps round(kept) (SnapKV). Layer l keeps
/// round(max - l (max - min) / (layers - 1)), rounding half to even as Python does. Each kv head
/// then keeps the window plus its top pooled entries, as `snapkv`.
///
/// Layers keep different counts: the cache holds the bottom layer's count in every layer, the
/// others' extra slots hidden (`LayerwiseMemoryPolicy`), so memory is not saved beyond that.
public struct PyramidKVAttention: LayerwiseMemoryPolicy {
    /// The average kept per kv head over the layers: kvpress's ratio or an entry count.
    public let budget: PressBudget
    /// The observation window: the last queries that vote, always kept (kvpress default 64).
    public let window: Int
    /// Average-pooling width over the votes (odd).
    public let kernel: Int
    /// The pyramid's steepness: the top layer keeps 1/beta of the average beyond the window.
    public let beta: Int

    public init(budget: PressBudget, window: Int = 64, kernel: Int = 5, beta: Int = 20) {
        self.budget = budget
        self.window = window
        self.kernel = kernel
        self.beta = beta
    }

    public var description: String { "pyramidkv:\(budget),window=\(window),kernel=\(kernel),beta=\(beta)" }
    public var scoreSource: MemoryScoreSource { .observationWindow(window) }
    public func selection(seen: Int) -> MemorySelection { .all }

    public func segments(queryPosition: Int, slots: SlotPositions) -> [AttentionSegment] {
        [AttentionSegment(slots: 0..<slots.count, queryPosition: queryPosition)]
    }

    /// Entries layer `layer` of `layerCount` keeps of an `n`-token prompt (kvpress's formula).
    public func layerBudget(layer: Int, layerCount: Int, length n: Int) -> Int {
        let kept = budget.keptExactly(of: n)
        let q = Double(n), w = Double(window)
        let capacity = w + kept
        var minimum = (capacity - w) / Double(beta)
        var maximum = (capacity - w) * 2 - minimum
        if maximum >= q - w {
            maximum = q - w
            minimum = (capacity - w) * 2 - maximum
        }
        guard q >= maximum, maximum >= minimum, minimum >= w else { return max(1, Int(kept.rounded(.toNearestOrEven))) }
        let steps = layerCount > 1 ? (maximum - minimum) / Double(layerCount - 1) : 0
        return Int((maximum - Double(layer) * steps).rounded(.toNearestOrEven))
    }

    public func layerSurvivors(layer: Int, layerCount: Int, positions: [[Int]], scores: [[Float]], seen: Int, rows: Int) -> [[Int]]? {
        guard rows > 1 else { return nil }
        let b = layerBudget(layer: layer, layerCount: layerCount, length: seen)
        return zip(positions, scores).map { held, recorded in
            let w = min(rows, window, held.count)
            let pooled = MemoryRules.averagePool(Array(recorded[0..<(held.count - w)]), kernel: kernel) + [Float](repeating: 0, count: w)
            return MemoryRules.recentPlusTop(positions: held, scores: pooled, budget: b, recent: w)
        }
    }
}
