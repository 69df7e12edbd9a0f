/// ChunkKV (Liu et al., 2025): rank contiguous chunks of `chunk` entries instead of single
/// entries, so kept context stays whole; every kv head of a layer keeps the same chunks.
///
/// As kvpress 0.5.5's ChunkKVPress over a scorer press (`chunkkv:snapkv` or `chunkkv:knorm`):
/// after a prompt of n entries, the scorer's scores are summed over the layer's kv heads and
/// averaged per chunk (the n mod chunk entries at the end form one shorter chunk); the
/// max(1, int(chunks * (1 - ratio))) best chunks are kept (with `budget=N`, max(1, N / chunk)
/// chunks), so a layer keeps whole chunks, not exactly the ratio. Fewer than `chunk` entries: the
/// scorer's own per-head top entries. Equal chunk scores keep the earlier chunk. kvpress 0.5.5 scores
/// every layer on its own; the paper's index reuse across layers is not in it, nor here.
public struct ChunkKVAttention: LayerwiseMemoryPolicy {
    /// The press whose per-entry scores rank the chunks.
    public let scorer: PressScorer
    /// kvpress's ratio (in chunks kept) or an entry count (budget / chunk chunks).
    public let budget: PressBudget
    /// Entries per chunk.
    public let chunk: Int

    public init(scorer: PressScorer, budget: PressBudget, chunk: Int = 20) {
        self.scorer = scorer
        self.budget = budget
        self.chunk = chunk
    }

    public var description: String {
        let inner = scorer.description.isEmpty ? "" : ",\(scorer.description)"
        return "chunkkv:\(scorer.name),\(budget),chunk=\(chunk)\(inner)"
    }
    public var scoreSource: MemoryScoreSource { scorer.scoreSource }
    public func selection(seen: Int) -> MemorySelection { .all }

    public func segments(queryPosition: Int, slots: SlotPositions) -> [AttentionSegment] {
        [AttentionSegment(slots: 0..<slots.count, queryPosition: queryPosition)]
    }

    /// The kept chunks' entries of an `n`-entry layer whose kv-head-summed scores are `summed`.
    func keptEntries(summed: [Float], seen: Int) -> [Int] {
        let n = summed.count
        let complete = n / chunk, remaining = n % chunk
        let chunks = complete + (remaining > 0 ? 1 : 0)
        let means: [Float] = (0..<chunks).map { c in
            let range = (c * chunk)..<min(n, (c + 1) * chunk)
            return summed[range].reduce(0, +) / Float(range.count)
        }
        let count: Int
        switch budget {
        case .ratio(let r): count = max(1, Int((Double(chunks) * (1 - r)).rounded(.towardZero)))
        case .entries(let e): count = max(1, e / chunk)
        }
        return MemoryRules.topIndices(means, k: count).flatMap { c in (c * chunk)..<min(n, (c + 1) * chunk) }
    }

    public func layerSurvivors(layer: Int, layerCount: Int, positions: [[Int]], scores: [[Float]], seen: Int, rows: Int) -> [[Int]]? {
        guard rows > 1, let n = positions.first?.count, positions.allSatisfy({ $0.count == n }) else { return nil }
        let perHead = scorer.scores(scores, rows: rows)
        guard n >= chunk else {
            return perHead.map { MemoryRules.topIndices($0, k: budget.kept(of: seen)) }
        }
        var summed = [Float](repeating: 0, count: n)
        for head in perHead { for i in 0..<n { summed[i] += head[i] } }
        let kept = keptEntries(summed: summed, seen: seen)
        return [[Int]](repeating: kept, count: positions.count)
    }
}
