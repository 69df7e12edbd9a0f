/// LongHeads (Lu et al., 2024, "LongHeads: Multi-Head Attention is Secretly a Long Context
/// Processor", arXiv 2402.10685; code LuLuLuyi/LongHeads): every query head picks the chunks it
/// reads, and reads them at positions inside the training length.
///
/// 1. The input is cut into chunks of `chunk` tokens. When a chunk completes, each query head gets a
///    **representative key** for it: attention inside the chunk alone (bidirectional, queries and
///    keys rotated at their offsets in the chunk) gives one output per token; their mean `v`
///    attends over the chunk's keys once more, and the representative is that attention's
///    weighted sum of the keys (rotated at their offsets): softmax(v . k_m / sqrt(d)) k_m.
/// 2. A query in chunk `c` reads `chunks` chunks: the first, the previous (c - 1) and its own, plus
///    the `chunks - 3` others whose representatives have the highest dot product with the query
///    (un-rotated), per query head.
/// 3. The chosen chunks are laid out in text order, chunk r at positions r * chunk ..< (r + 1) * chunk;
///    the query sits at (chunks - 1) * chunk + i % chunk, so the previous and own chunks keep their
///    true distances and no position reaches `chunks * chunk`.
///
/// Queries in the first `chunks` chunks read every earlier token at its true position.
public struct LongHeadsPolicy: AttentionPolicy {
    public var executor: AttentionExecutor { .chunkHeads(self) }
    /// Tokens per chunk (the authors' `window_size`).
    public let chunk: Int
    /// Chunks each query reads, its own included (the authors' `atten_length / window_size`).
    public let chunks: Int

    public init(chunk: Int, chunks: Int) {
        self.chunk = chunk
        self.chunks = chunks
    }

    public var description: String { "longheads:chunk=\(chunk),chunks=\(chunks)" }

    /// Un-rotated keys: selected chunks are rotated at the positions they are given.
    public var keyChannels: [KeyChannel] { [.fixed] }

    /// Chunks are chosen by score.
    public var selectsByContent: Bool { true }

    /// Without selection (what the dense cache alone would give): plain causal attention.
    public func segments(queryPosition i: Int, slots: SlotPositions) -> [AttentionSegment] {
        [AttentionSegment(slots: slots.slots(covering: 0...i), queryPosition: i)]
    }

    /// Content-dependent: the explicit form comes from a recorded run (`LongHeadsState.explicitAttention`).
    public var explicitAttention: ExplicitAttention { .causal }

    /// The largest position a query or key is given.
    public var maximumPosition: Int { chunks * chunk - 1 }

    // MARK: - Pure rules (tested without tensors)

    /// Whether the query at `i` reads every earlier token (its chunk is among the first `chunks`).
    public func readsEverything(query i: Int) -> Bool { i / chunk < chunks }

    /// The chunks a query in chunk `current` reads, ascending: 0, current - 1, current and the
    /// `chunks - 3` best others by `scores` (index x: chunk x; forced chunks' scores are ignored).
    /// Ties keep the earlier chunk.
    public func selectChunks(scores: [Float], current: Int) -> [Int] {
        let others = Array(1..<max(1, current - 1))
        let best = ReAttentionPolicy.topIndices(others.map { scores[$0] }, k: chunks - 3).map { others[$0] }
        return [0] + best + [current - 1, current]
    }

    /// Where the query at `i` and the keys it reads are placed, given its chunks (ascending, its own
    /// last): key position p in the r-th chunk at r * chunk + p % chunk; nil for keys not read.
    public func layout(query i: Int, chunks selected: [Int]) -> (query: Int, key: (Int) -> Int?) {
        var rank: [Int: Int] = [:]
        for (r, x) in selected.enumerated() { rank[x] = r }
        let w = chunk, own = selected.count - 1
        return (own * w + i % w, { p in
            guard p <= i, let r = rank[p / w] else { return nil }
            return r * w + p % w
        })
    }
}
