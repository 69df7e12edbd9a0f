/// A memory policy that decides a whole layer at once and may keep a different number of entries
/// in each layer and kv head (PyramidKV's layer budgets, AdaKV's head budgets, ChunkKV's chunks).
///
/// The cache holds one slot count for every layer and head, so after a decision it holds the
/// largest kept count everywhere: a head that keeps fewer entries fills the rest of its slots with
/// evicted entries marked hidden (`KVMemoryState.hidden`), which no query reads. Attention is
/// exactly that of the smaller memory (as kvpress's masked keys); the memory saved is that of the
/// largest head, not the average.
public protocol LayerwiseMemoryPolicy: KVMemoryPolicy {
    /// The entries each kv head of `layer` keeps after a forward pass of `rows` tokens, as
    /// ascending indices into that head's held positions; nil keeps everything.
    ///
    /// - Parameters:
    ///   - positions: the held positions per kv head, hidden padding left out: (kvHeads, entries).
    ///   - scores: the recorded statistic of each held entry: (kvHeads, entries).
    ///   - seen: tokens that went through the model so far.
    func layerSurvivors(layer: Int, layerCount: Int, positions: [[Int]], scores: [[Float]], seen: Int, rows: Int) -> [[Int]]?
}

extension DenseKVCache {
    /// Applies a layer-wise decision: compacts every (layer, kv head) to its kept entries plus hidden
    /// padding up to the largest kept count, which becomes the cache's slot count.
    func applyLayerwise(_ policy: LayerwiseMemoryPolicy, memory: KVMemoryState, rows: Int) {
        // Per (layer, kv head): the slots of the entries kept, ascending.
        var keptSlots: [[[Int]]] = []
        var decided = false
        for layer in 0..<layerCount {
            let visible = (0..<kvHeadCount).map { head in
                memory.positions[layer][head].indices.filter { !memory.hidden[layer][head].contains(memory.positions[layer][head][$0]) }
            }
            let positions = (0..<kvHeadCount).map { head in visible[head].map { memory.positions[layer][head][$0] } }
            let scores = (0..<kvHeadCount).map { head in visible[head].map { memory.scores[layer][head][$0] } }
            if let survivors = policy.layerSurvivors(layer: layer, layerCount: layerCount, positions: positions, scores: scores,
                                                     seen: nextPosition, rows: rows) {
                decided = true
                keptSlots.append((0..<kvHeadCount).map { head in survivors[head].map { visible[head][$0] } })
            } else {
                keptSlots.append(visible)
            }
        }
        guard decided else { return }
        let width = keptSlots.joined().map(\.count).max() ?? count
        for layer in 0..<layerCount {
            for head in 0..<kvHeadCount {
                let kept = keptSlots[layer][head]
                let held = memory.positions[layer][head]
                var slots = kept
                var padding: [Int] = []
                if kept.count < width {
                    let keptSet = Set(kept)
                    padding = Array((0..<held.count).lazy.filter { !keptSet.contains($0) }.prefix(width - kept.count))
                    slots = (kept + padding).sorted()
                }
                if slots.count < held.count { compact(layer: layer, head: head, keeping: slots) }
                memory.positions[layer][head] = slots.map { held[$0] }
                if case .observationWindow = policy.scoreSource {
                    memory.scores[layer][head] = [Float](repeating: 0, count: slots.count)
                } else {
                    memory.scores[layer][head] = slots.map { memory.scores[layer][head][$0] }
                }
                memory.hidden[layer][head] = Set(padding.map { held[$0] })
            }
        }
        if width < count { setCount(width, positions: memory.positions[0][0]) }
    }
}
