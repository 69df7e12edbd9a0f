import Foundation

/// The per-head memory a `KVMemoryPolicy` works on, kept by the cache next to its slots.
///
/// Per layer and kv head: the positions of the held entries (slot s holds `positions[layer][head][s]`)
/// and one score per entry (what the policy's `scoreSource` asks for). Quest page bounds and the
/// TokenSelect selection cache live here too. With `recordsTrace`, every query's visible keys are
/// recorded per (layer, query head) so a run can be replayed by the reference forward pass.
public final class KVMemoryState {
    public let layerCount: Int
    public let kvHeadCount: Int
    public let headCount: Int
    /// Held positions, ascending: (layer, kvHead, entry).
    public internal(set) var positions: [[[Int]]]
    /// One score per held entry: (layer, kvHead, entry).
    public internal(set) var scores: [[[Float]]]
    /// Quest: per-channel key minimum / maximum of each complete page: (layer, kvHead, pages * headDim).
    var pageMinimum: [[[Float]]]
    var pageMaximum: [[[Float]]]
    /// TokenSelect's selection cache per layer: the raw query (heads * headDim) that made the
    /// selection and the critical slots it chose.
    var anchors: [(query: [Float], critical: [Int])?]
    /// SirLLM: logits of the last token seen (to score the next token), nil at the start.
    var previousLogits: [Float]?
    /// Positions whose slots are padding, never read: (layer, kvHead). A `LayerwiseMemoryPolicy`
    /// may keep fewer entries in some heads than in others, while the cache holds one slot count
    /// for all; the short heads keep some evicted entries as hidden padding.
    public internal(set) var hidden: [[Set<Int>]]

    /// Whether to record each query's visible key positions (tests; costs memory).
    public var recordsTrace = false
    /// Visible key positions per layer, query head and query position: (layer, head)[query].
    public internal(set) var trace: [[[Int: Set<Int>]]]

    init(layerCount: Int, kvHeadCount: Int, headCount: Int, positions: [Int]) {
        self.layerCount = layerCount
        self.kvHeadCount = kvHeadCount
        self.headCount = headCount
        let perHead = [[Int]](repeating: positions, count: kvHeadCount)
        self.positions = [[[Int]]](repeating: perHead, count: layerCount)
        scores = [[[Float]]](repeating: [[Float]](repeating: [Float](repeating: 0, count: positions.count), count: kvHeadCount),
                             count: layerCount)
        pageMinimum = [[[Float]]](repeating: [[Float]](repeating: [], count: kvHeadCount), count: layerCount)
        pageMaximum = pageMinimum
        anchors = [(query: [Float], critical: [Int])?](repeating: nil, count: layerCount)
        hidden = [[Set<Int>]](repeating: [Set<Int>](repeating: [], count: kvHeadCount), count: layerCount)
        trace = [[[Int: Set<Int>]]](repeating: [[Int: Set<Int>]](repeating: [:], count: headCount), count: layerCount)
    }

    /// The positions one (layer, kv head) really holds, ascending: its slots without hidden padding.
    public func heldPositions(layer: Int, head: Int) -> [Int] {
        let h = hidden[layer][head]
        return h.isEmpty ? positions[layer][head] : positions[layer][head].filter { !h.contains($0) }
    }

    /// The recorded run as an explicit attention pattern: query i of head h in layer l sees key j
    /// iff the fast path read j for it (at their true positions).
    public var explicitAttention: ExplicitAttention {
        let recorded = trace
        var pattern = ExplicitAttention.causal
        pattern.headVisibility = { layer, head, i, j in recorded[layer][head][i]?.contains(j) ?? false }
        return pattern
    }

    /// SirLLM: stores -log p(token) for the pass's `tokens` (the last entries of every head),
    /// predicted by the previous row's logits: (rows, vocab).
    func recordSurprisal(tokens: [Int], logits: [[Float]]) {
        var values: [Float] = []
        for (t, token) in tokens.enumerated() {
            let previous = t == 0 ? previousLogits : logits[t - 1]
            values.append(previous.map { Self.negativeLogProbability($0, token) } ?? .infinity)
        }
        previousLogits = logits.last
        for l in 0..<layerCount {
            for h in 0..<kvHeadCount {
                let n = scores[l][h].count
                scores[l][h].replaceSubrange((n - tokens.count)..<n, with: values)
            }
        }
    }

    static func negativeLogProbability(_ logits: [Float], _ token: Int) -> Float {
        let m = logits.max() ?? 0
        var sum: Float = 0
        for x in logits { sum += expf(x - m) }
        return logf(sum) + m - logits[token]
    }

    /// The mean over the layer's kv heads of each slot's score: (entries). The heads must hold the
    /// same positions (policies whose heads share one decision).
    func meanScores(layer: Int) -> [Float] {
        var mean = scores[layer][0]
        for head in 1..<max(1, kvHeadCount) {
            precondition(positions[layer][head] == positions[layer][0], "shared scores need the same positions in every head")
            for i in mean.indices { mean[i] += scores[layer][head][i] }
        }
        return mean.map { $0 / Float(kvHeadCount) }
    }

    /// Multiplies every stored score by `factor` (a new dialogue turn).
    func decay(by factor: Float) {
        guard factor != 1 else { return }
        for l in 0..<layerCount { for h in 0..<kvHeadCount { scores[l][h] = scores[l][h].map { $0 * factor } } }
    }
}

extension DenseKVCache {
    /// Marks the start of a new dialogue turn: score-aware policies that decay older turns
    /// (SirLLM) scale their stored scores by `policy.turnDecay`.
    public func beginTurn(policy: AttentionPolicy) {
        guard let memory, let policy = policy.base as? KVMemoryPolicy else { return }
        memory.decay(by: policy.turnDecay)
    }

    /// Creates the per-head memory on first use by a `KVMemoryPolicy`.
    func prepareMemory(headCount: Int) -> KVMemoryState {
        if let memory { return memory }
        let state = KVMemoryState(layerCount: layerCount, kvHeadCount: kvHeadCount, headCount: headCount, positions: positions)
        memory = state
        return state
    }

    /// Applies the policy's decision to every (layer, kv head) after a forward pass of `rows` tokens:
    /// compacts each head's slots to its survivors. Every head must keep the same number of entries.
    func applyMemory(_ policy: KVMemoryPolicy, rows: Int) {
        guard let memory else { return }
        if let layerwise = policy as? LayerwiseMemoryPolicy { return applyLayerwise(layerwise, memory: memory, rows: rows) }
        var kept: Int?
        for layer in 0..<layerCount {
            let shared = policy.sharesScoresAcrossHeads ? memory.meanScores(layer: layer) : nil
            for head in 0..<kvHeadCount {
                let held = memory.positions[layer][head]
                guard let survivors = policy.survivors(positions: held, scores: shared ?? memory.scores[layer][head],
                                                       seen: nextPosition, rows: rows) else { continue }
                precondition(kept == nil || kept == survivors.count, "memory policies keep the same count in every head")
                kept = survivors.count
                guard survivors.count < held.count else { continue }
                compact(layer: layer, head: head, keeping: survivors)
                memory.positions[layer][head] = survivors.map { held[$0] }
                memory.scores[layer][head] = survivors.map { memory.scores[layer][head][$0] }
                if case .observationWindow = policy.scoreSource {
                    memory.scores[layer][head] = [Float](repeating: 0, count: survivors.count)
                }
            }
        }
        if let kept, kept < count { setCount(kept, positions: memory.positions[0][0]) }
    }
}
