import Foundation

/// ReAttention (Liu et al., 2024, "ReAttention: Training-Free Infinite Context with Finite
/// Attention Scope"; also called LongCache): select, then re-position.
///
/// 1. **Select**, per layer and kv head, the `k` past tokens (or `k / span` spans of `span`
///    tokens) that matter to the current queries, by scores that ignore position: the softmax of
///    un-rotated q . k over the candidates (every token older than the sinks and the local window),
///    summed over the kv head's query heads and accumulated over recent queries (each query's
///    probabilities join with weight 1, older ones decay by `1 - 1/memory` per query).
/// 2. **Re-position**: the query attends to the sinks, the selected tokens and the local window,
///    laid out contiguously inside the training length: sink j at j, the r-th selected token (in
///    text order) at `sinks + r`, then the local window, then the query. No distance ever exceeds
///    `sinks + k + local`, however long the input.
///
/// Selection is refreshed every `refresh` queries (absolute positions that are multiples of it);
/// the queries in between reuse it. Scores accumulate only at refresh queries, so a refresh costs
/// one read of the candidates' un-rotated keys and the steps between cost sinks + k + local reads.
///
/// Nothing is evicted: the cache keeps every key (rotated and un-rotated) and value.
public struct ReAttentionPolicy: AttentionPolicy {
    public var executor: AttentionExecutor { .selection(self) }
    public let sinks: Int
    public let local: Int
    /// Tokens selected per kv head.
    public let k: Int
    /// Selection granularity: 1 selects tokens; larger values select spans of `span` tokens
    /// (aligned to multiples of `span` after the sinks), scored by their best token.
    public let span: Int
    /// Queries between selection refreshes (1: every query selects).
    public let refresh: Int
    /// Queries whose scores are remembered: each refresh multiplies the accumulated scores by
    /// `(1 - 1/memory)^refresh` before adding its own.
    public let memory: Int
    /// Candidates per page of the selection index (per-channel key bounds).
    public let page: Int
    /// Pages a refreshing query scores exactly (its best by upper bound); 0 scores every candidate.
    public let pages: Int
    /// Groups of 16 pages whose pages a refresh bounds (its best groups by bound); 0: as many as `pages`.
    /// 8 keeps 64x passkeys (20/20 on the shipped model) with decode within 25% from 4x to 64x.
    public let groups: Int
    /// MiB of keys and values the cache keeps in RAM; past it they move to unlinked scratch files
    /// and only the recent slots stay resident (reads of selected tokens come back through the
    /// page cache).
    public let ram: Int

    public init(sinks: Int = 4, local: Int, k: Int, span: Int = 1, refresh: Int = 16, memory: Int = 4, page: Int = 16, pages: Int = 16, groups: Int = 8,
                ram: Int = Self.defaultRAM) {
        self.ram = ram
        self.groups = groups == 0 ? pages : groups
        self.page = page
        self.pages = pages
        self.sinks = sinks
        self.local = local
        self.k = k
        self.span = span
        self.refresh = refresh
        self.memory = memory
    }

    public var description: String {
        "reattention:sinks=\(sinks),local=\(local),k=\(k),span=\(span),refresh=\(refresh),memory=\(memory),page=\(page),pages=\(pages),groups=\(groups),ram=\(ram)"
    }

    /// `ram`'s default, in MiB.
    public static let defaultRAM = 256

    public var residentKVLimit: Int? { ram << 20 }

    /// Un-rotated keys: selection scores ignore position, and selected keys are rotated at the
    /// positions they are given.
    public var keyChannels: [KeyChannel] { [.fixed] }

    /// Blocks (or tokens) are retrieved by score.
    public var selectsByContent: Bool { true }

    /// Without selection (what the dense cache alone would give): plain causal attention.
    public func segments(queryPosition i: Int, slots: SlotPositions) -> [AttentionSegment] {
        [AttentionSegment(slots: slots.slots(covering: 0...i), queryPosition: i)]
    }

    /// Content-dependent: the explicit form comes from a recorded run (`SelectionState.explicitAttention`).
    public var explicitAttention: ExplicitAttention { .causal }

    /// The largest position a query is rotated at: sinks + selected + local window.
    public var maximumPosition: Int { sinks + k + local }

    // MARK: - Pure rules (tested without tensors)

    /// The first position of the local window of the query at `i`; candidates lie in sinks..<it.
    public func localStart(query i: Int) -> Int { max(min(sinks, i), i - local) }

    /// Whether the query at `i` refreshes the selection on its position alone.
    public func refreshes(query i: Int) -> Bool { (i + 1) % refresh == 0 }

    /// Whether row `row` of a forward pass of `rows` queries refreshes: on its position, or as one
    /// of the pass's last `4 * memory` rows (older scores have decayed below 2% by the pass's end,
    /// so the last query of a prompt selects as if every query had refreshed). A decoding step
    /// (one row) always refreshes.
    public func refreshes(query i: Int, row: Int, rows: Int) -> Bool {
        refreshes(query: i) || row >= rows - 4 * memory
    }

    /// What accumulated scores are multiplied by when `gap` queries passed since the last refresh.
    public func decay(gap: Int) -> Float { powf(1 - 1 / Float(max(1, memory)), Float(max(0, gap))) }

    /// The candidates to attend, given their accumulated scores (index c is position sinks + c):
    /// the `k` best tokens, or the `k / span` best spans (a span scores its best token), ascending.
    /// Ties keep the earlier candidate.
    public func select(scores: [Float]) -> [Int] {
        guard span > 1 else { return Self.topIndices(scores, k: k) }
        let spanCount = (scores.count + span - 1) / span
        let best = (0..<spanCount).map { s in scores[(s * span)..<min(scores.count, (s + 1) * span)].max() ?? -.infinity }
        return Self.topIndices(best, k: max(1, k / span)).flatMap { s in (s * span)..<min(scores.count, (s + 1) * span) }
    }

    /// `select(scores:)` over some of the candidates: `scores[i]` belongs to candidate `indices[i]`
    /// (ascending); spans are taken whole, up to `candidates`.
    public func select(scores: [Float], indices: [Int], candidates: Int) -> [Int] {
        guard span > 1 else { return Self.topIndices(scores, k: k).map { indices[$0] } }
        var best: [Int: Float] = [:]
        for (s, i) in zip(scores, indices) { best[i / span] = max(best[i / span] ?? -.infinity, s) }
        let spans = best.keys.sorted()
        return Self.topIndices(spans.map { best[$0]! }, k: max(1, k / span))
            .flatMap { (spans[$0] * span)..<min(candidates, (spans[$0] + 1) * span) }
    }

    /// Indices of the `k` largest scores, ascending; ties keep the earlier index (as
    /// `MemoryRules.topIndices`), in O(n): the k-th largest value by quickselect, then one scan.
    public static func topIndices(_ scores: [Float], k: Int) -> [Int] {
        guard k < scores.count else { return Array(scores.indices) }
        guard k > 0 else { return [] }
        var values = scores
        let threshold = values.withUnsafeMutableBufferPointer { kthLargest($0, k) }
        var above = 0
        for s in scores where s > threshold { above += 1 }
        var ties = k - above, result: [Int] = []
        result.reserveCapacity(k)
        for (i, s) in scores.enumerated() {
            if s > threshold { result.append(i) } else if s == threshold && ties > 0 { result.append(i); ties -= 1 }
        }
        return result
    }

    /// The k-th largest value (k >= 1) of `x`, which is reordered (Hoare quickselect, middle pivot).
    static func kthLargest(_ x: UnsafeMutableBufferPointer<Float>, _ k: Int) -> Float {
        var low = 0, high = x.count - 1
        let target = k - 1  // index in descending order
        while low < high {
            let pivot = x[(low + high) / 2]
            var i = low, j = high
            while i <= j {
                while x[i] > pivot { i += 1 }
                while x[j] < pivot { j -= 1 }
                if i <= j { x.swapAt(i, j); i += 1; j -= 1 }
            }
            if target <= j { high = j } else if target >= i { low = i } else { return x[target] }
        }
        return x[target]
    }

    /// Where the query at `i` and the keys it reads are placed: sink j at j, selected position
    /// `selected[r]` at `sinks + r`, local position p at `sinks + selected.count + (p - localStart)`.
    /// - Parameter selected: selected key positions, ascending.
    public func layout(query i: Int, selected: [Int]) -> (query: Int, key: (Int) -> Int?) {
        let start = localStart(query: i), base = min(sinks, start) + selected.count
        var rank: [Int: Int] = [:]
        for (r, p) in selected.enumerated() { rank[p] = r }
        return (base + (i - start), { p in
            if p < min(self.sinks, start) { return p }
            if let r = rank[p] { return min(self.sinks, start) + r }
            if p >= start && p <= i { return base + (p - start) }
            return nil
        })
    }
}
