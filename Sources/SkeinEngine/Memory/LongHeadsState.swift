/// What LongHeads (`LongHeadsPolicy`) keeps between forward passes: per (layer, query head) the
/// representative key of every completed chunk, and per layer the un-rotated queries of the chunk
/// still being filled (its representative needs them all). Keys and values stay in the dense cache.
public final class LongHeadsState {
    public let layerCount: Int
    public let headCount: Int
    /// Tokens per chunk.
    public let chunk: Int
    /// Per (layer, query head): one representative key per completed chunk: (chunks, headDim).
    var representatives: [[[Float]]]
    /// Per layer: the un-rotated queries of positions `pendingStart[layer]...`: (rows, heads * headDim).
    var pendingQueries: [[Float]]
    var pendingStart: [Int]

    /// Whether to record what each query read (tests; costs memory).
    public var recordsTrace = false
    /// Per (layer, query head) and query position: the query's placed position and each read key's
    /// position as placed (as `SelectionState.trace`).
    public internal(set) var trace: [[[Int: (query: Int, keys: [Int: Int])]]]

    init(layerCount: Int, headCount: Int, chunk: Int) {
        self.layerCount = layerCount
        self.headCount = headCount
        self.chunk = chunk
        representatives = Array(repeating: Array(repeating: [], count: headCount), count: layerCount)
        pendingQueries = Array(repeating: [], count: layerCount)
        pendingStart = Array(repeating: 0, count: layerCount)
        trace = Array(repeating: Array(repeating: [:], count: headCount), count: layerCount)
    }

    /// Completed chunks with a representative in `layer`.
    func chunkCount(layer: Int) -> Int { representatives[layer].first.map { $0.count } ?? 0 }

    /// Forgets what lies at or after position `kept` (a rewind): representatives of chunks past it,
    /// and pending queries. When the chunk holding `kept` began before the pending queries, its
    /// earlier queries are gone and its representative is made from the queries from `kept` on.
    /// - headDim: the width of one representative.
    func rewind(to kept: Int, headDim hd: Int) {
        let complete = kept / chunk
        for layer in 0..<layerCount {
            for head in 0..<headCount where representatives[layer][head].count > complete * hd {
                representatives[layer][head].removeSubrange((complete * hd)...)
            }
            let width = headCount * hd
            if pendingStart[layer] <= complete * chunk {
                let rows = max(0, kept - pendingStart[layer])
                if pendingQueries[layer].count > rows * width { pendingQueries[layer].removeSubrange((rows * width)...) }
            } else {
                pendingQueries[layer] = []
                pendingStart[layer] = kept
            }
        }
    }

    /// The recorded run as an explicit pattern (see `ExplicitAttention.recorded`).
    public var explicitAttention: ExplicitAttention { .recorded(trace) }
}

extension ExplicitAttention {
    /// A recorded per-head run as an explicit pattern: query i of head h in layer l sees key j at the
    /// positions the fast path gave them, and nothing else.
    /// - Parameter trace: (layer, head)[query] -> (query position, key -> key position).
    static func recorded(_ trace: [[[Int: (query: Int, keys: [Int: Int])]]]) -> ExplicitAttention {
        var pattern = ExplicitAttention.causal
        pattern.headVisibility = { layer, head, i, j in trace[layer][head][i]?.keys[j] != nil }
        pattern.headPositions = { layer, head, i, j in
            let entry = trace[layer][head][i]
            return (entry?.query ?? i, entry?.keys[j] ?? j)
        }
        return pattern
    }
}

extension DenseKVCache {
    /// Creates LongHeads' state on first use.
    func prepareLongHeads(_ policy: LongHeadsPolicy, headCount: Int) -> LongHeadsState {
        if let longHeads { return longHeads }
        let state = LongHeadsState(layerCount: layerCount, headCount: headCount, chunk: policy.chunk)
        longHeads = state
        return state
    }
}
