/// What select-and-reposition attention (`ReAttentionPolicy`) remembers between forward passes:
/// per (layer, kv head) the accumulated selection scores of the candidates and the current
/// selection. The keys and values themselves stay in the dense cache.
public final class SelectionState {
    public let layerCount: Int
    public let kvHeadCount: Int
    /// Per (layer, kv head): accumulated scores, selection and page index.
    var heads: [[HeadSelection]]
    /// Selected slots, ascending: (layer, kvHead, selected).
    public var selected: [[[Int]]] { heads.map { $0.map(\.selected) } }

    /// Whether to record what each query read (tests; costs memory).
    public var recordsTrace = false
    /// Per (layer, query head) and query position: the query's position and each read key's
    /// position as placed: (layer, head)[query] -> (query position, key -> key position).
    public internal(set) var trace: [[[Int: (query: Int, keys: [Int: Int])]]]

    init(layerCount: Int, kvHeadCount: Int, headCount: Int) {
        self.layerCount = layerCount
        self.kvHeadCount = kvHeadCount
        heads = (0..<layerCount).map { _ in (0..<kvHeadCount).map { _ in HeadSelection() } }
        trace = Array(repeating: Array(repeating: [:], count: headCount), count: layerCount)
    }

    /// Drops spilled per-candidate state from the resident set (after each pass of an offloaded cache).
    func releaseResident() { heads.forEach { $0.forEach { $0.releaseResident() } } }

    /// Forgets every score and selection (a rewind: the scores hold dropped queries).
    func reset() {
        heads = (0..<layerCount).map { _ in (0..<kvHeadCount).map { _ in HeadSelection() } }
    }

    /// The recorded run as an explicit pattern: query i of head h in layer l sees key j at the
    /// positions the fast path gave them, and nothing else.
    public var explicitAttention: ExplicitAttention { .recorded(trace) }
}

extension DenseKVCache {
    /// Creates the selection state on first use by a `ReAttentionPolicy`.
    func prepareSelection(headCount: Int) -> SelectionState {
        if let selection { return selection }
        let state = SelectionState(layerCount: layerCount, kvHeadCount: kvHeadCount, headCount: headCount)
        selection = state
        return state
    }
}
