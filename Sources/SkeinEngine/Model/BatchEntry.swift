import SkeinFormats
import SkeinTensor

/// One sequence of a batched forward pass: `tokens` run after what `cache` holds, under `policy`.
public struct BatchEntry {
    public var tokens: [Int]
    public var cache: DenseKVCache
    public var policy: AttentionPolicy
    public var logits: LogitRows

    public init(tokens: [Int], cache: DenseKVCache, policy: AttentionPolicy, logits: LogitRows = .last) {
        self.tokens = tokens
        self.cache = cache
        self.policy = policy
        self.logits = logits
    }
}

/// An entry made ready for the pass: where its rows sit in the batch, its RoPE table and plans.
struct BatchStep {
    let entry: BatchEntry
    /// The entry's policy without its KV storage wrapper.
    let policy: AttentionPolicy
    /// The entry's first row in the batch's row-major scratch buffers.
    let firstRow: Int
    /// The cache slot its first token is written to.
    let firstSlot: Int
    let rope: RotaryEmbedding
    let plans: [QueryPlan]
    /// Plans of a hybrid model's sliding layers (their window over the same cache); else empty.
    let localPlans: [QueryPlan]
    /// The sliding layers' RoPE (Gemma 3's local base; else `rope`) and its key tables.
    let localRope: RotaryEmbedding
    let localKeyTables: [[(cos: [Float], sin: [Float])]]
    /// cos/sin per key channel (in `cache.channels` order) and new token: (rotaryDim / 2) each.
    let keyTables: [[(cos: [Float], sin: [Float])]]
    /// The policy's executor with its state (per-head memory, block memory, selection, chunk representatives).
    let prepared: PreparedExecutor
    /// cos/sin of each new query's own position (memory policies only).
    let queryTables: [(cos: [Float], sin: [Float])]

    var tokens: [Int] { entry.tokens }
    var cache: DenseKVCache { entry.cache }
    var logits: LogitRows { entry.logits }
    var rows: Range<Int> { firstRow..<(firstRow + entry.tokens.count) }
    /// Score-aware memory (h2o, snapkv, quest, ...), when the policy keeps one.
    var memoryPolicy: KVMemoryPolicy? { if case .scoredMemory(let policy, _) = prepared { policy } else { nil } }
    var memory: KVMemoryState? { if case .scoredMemory(_, let memory) = prepared { memory } else { nil } }
    /// InfLLM's block memory, when the policy retrieves blocks.
    var blockMemory: BlockMemory? { if case .blocks(let memory) = prepared { memory } else { nil } }
    /// Whether the policy scores tokens by surprisal and so needs every row's logits.
    var needsAllLogits: Bool { memoryPolicy?.scoreSource == .tokenSurprisal }

    /// This entry's attention for one layer, by its policy's executor.
    ///
    /// - rawQueries: (rows, heads * headDim) before RoPE; out: the same shape.
    func attend(rawQueries q: [Float], layer: Int, configuration c: ModelConfiguration, into out: inout [Float]) throws {
        let start = cache.nextPosition
        let sliding = c.isSlidingLayer(layer)
        // A hybrid model's sliding layers read their window, whatever the policy's executor
        // (only executors that keep every token in the dense cache are allowed there).
        if sliding {
            PolicyAttention.run(rawQueries: q, plans: localPlans, cache: cache, layer: layer, configuration: c, rope: localRope, into: &out)
            return
        }
        switch prepared {
        case .selection(let policy, let selection):
            try ReAttentionRun.run(rawQueries: q, policy: policy, state: selection, cache: cache, layer: layer, firstPosition: start,
                                   oldCount: firstSlot, configuration: c, rope: rope, into: &out)
        case .chunkHeads(let policy, let longHeads):
            LongHeadsRun.run(rawQueries: q, policy: policy, state: longHeads, cache: cache, layer: layer, firstPosition: start,
                             configuration: c, rope: rope, into: &out)
        case .blocks(let blockMemory):
            try InfLLMRun.run(rawQueries: q, memory: blockMemory, cache: cache, layer: layer, firstPosition: start,
                              oldCount: firstSlot, configuration: c, rope: rope, into: &out)
        case .scoredMemory(let memoryPolicy, let memory):
            MemoryAttention.run(rawQueries: q, policy: memoryPolicy, memory: memory, cache: cache, layer: layer,
                                firstPosition: start, oldCount: firstSlot, tables: queryTables,
                                configuration: c, rope: rope, into: &out)
        case .plans:
            PolicyAttention.run(rawQueries: q, plans: plans, cache: cache, layer: layer, configuration: c, rope: rope, into: &out)
        }
    }

    /// Writes this entry's keys (rotated for each key channel) and values into its cache.
    ///
    /// - k, v: (batch rows, kvHeads * headDim), keys before RoPE.
    /// - sliding: a hybrid model's sliding layer, whose keys take `localRope`.
    func writeKeysAndValues(_ k: [Float], _ v: [Float], layer: Int, kvDim: Int, headDim hd: Int, sliding: Bool = false) {
        let channels = cache.channels
        let rope = sliding ? localRope : rope, keyTables = sliding ? localKeyTables : keyTables
        for (t, row) in rows.enumerated() {
            let slot = firstSlot + t
            for head in 0..<cache.kvHeadCount {
                let source = row * kvDim + head * hd
                let value = cache.valueBase(layer: layer, head: head) + slot * hd
                for d in 0..<hd { value[d] = v[source + d] }
                for channel in channels {
                    let key = cache.keyBase(layer: layer, head: head, channel: channel) + slot * hd
                    for d in 0..<hd { key[d] = k[source + d] }
                }
            }
            // Keys are (kvHeads, capacity, headDim): one slot's heads are capacity * headDim apart.
            for (c, channel) in channels.enumerated() {
                let table = keyTables[c][t]
                rope.apply(cache.keyBase(layer: layer, head: 0, channel: channel) + slot * hd, heads: cache.kvHeadCount,
                           stride: cache.capacity * hd, cos: table.cos, sin: table.sin)
            }
        }
    }
}
