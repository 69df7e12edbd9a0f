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
    /// The entry's first row in the batch's row-major scratch buffers.
    let firstRow: Int
    /// The cache slot its first token is written to.
    let firstSlot: Int
    let rope: RotaryEmbedding
    let plans: [QueryPlan]
    /// cos/sin per key channel (in `cache.channels` order) and new token: (rotaryDim / 2) each.
    let keyTables: [[(cos: [Float], sin: [Float])]]

    var tokens: [Int] { entry.tokens }
    var cache: DenseKVCache { entry.cache }
    var policy: AttentionPolicy { entry.policy }
    var logits: LogitRows { entry.logits }
    var rows: Range<Int> { firstRow..<(firstRow + entry.tokens.count) }

    /// Writes this entry's keys (rotated for each key channel) and values into its cache.
    ///
    /// - k, v: (batch rows, kvHeads * headDim), keys before RoPE.
    func writeKeysAndValues(_ k: [Float], _ v: [Float], layer: Int, kvDim: Int, headDim hd: Int) {
        let channels = cache.channels
        for (t, row) in rows.enumerated() {
            let slot = firstSlot + t
            for head in 0..<cache.kvHeadCount {
                let source = row * kvDim + head * hd
                let value = cache.valueBase(layer: layer, head: head) + slot * hd
                for d in 0..<hd { value[d] = v[source + d] }
                for (c, channel) in channels.enumerated() {
                    let key = cache.keyBase(layer: layer, head: head, channel: channel) + slot * hd
                    for d in 0..<hd { key[d] = k[source + d] }
                    let table = keyTables[c][t]
                    rope.apply(key, cos: table.cos, sin: table.sin)
                }
            }
        }
    }
}
