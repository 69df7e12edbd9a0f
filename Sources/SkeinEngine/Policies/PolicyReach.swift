/// How far a position-rewriting policy reaches: the longest input whose every RoPE distance stays
/// inside the training length, and how many of an input's tokens its last query reads.
///
/// Computed from the policy's own `segments`, so every segment-defined policy (full, window,
/// streaming, lm-infinite, self-extend, dca, string, logn) is covered without a rule of its own.
/// Policies that choose what to read by content (`selectsByContent`: the KV memories, infllm,
/// reattention) bound their distances by construction and are not measured here.
public enum PolicyReach {
    /// What the last query of an input reads.
    public struct Extent: Equatable, Sendable {
        /// The largest RoPE distance (query position minus key position) among the keys it reads.
        public var distance: Int
        /// How many of the input's tokens it reads (a top-k segment counts k).
        public var tokensRead: Int
        /// Whether some of its reads are chosen by score (a top-k segment).
        public var selects: Bool
    }

    /// The extent of the last query (position n - 1) of an n-token input held in full.
    public static func lastQuery(of policy: AttentionPolicy, length n: Int) -> Extent {
        let positions = SlotPositions(Array(0..<n))
        var extent = Extent(distance: 0, tokensRead: 0, selects: false)
        for segment in policy.base.segments(queryPosition: n - 1, slots: positions) where !segment.slots.isEmpty {
            let first = segment.slots.lowerBound, count = segment.slots.count  // slot s holds position s
            let nearestKey: Int
            switch segment.channel {
            case .stored, .grouped: nearestKey = segment.channel.keyPosition(first)
            case .modulo(let c): nearestKey = count >= c || first % c > (first + count - 1) % c ? 0 : first % c
            case .fixed: nearestKey = 0
            }
            extent.distance = max(extent.distance, segment.queryPosition - nearestKey)
            extent.tokensRead += segment.topK.map { min($0, count) } ?? count
            extent.selects = extent.selects || segment.topK != nil
        }
        return extent
    }

    /// The longest input (in tokens) whose last query keeps every distance below `trainingLength`;
    /// nil when the policy's distances stop growing with the length (checked at `limit` and
    /// `limit / 2` tokens): its positions are bounded by design (DCA, LM-Infinite's cap, streaming).
    /// At most `limit`. Assumes the largest distance never shrinks as the input grows, as for every segment policy.
    public static func positionalReach(of policy: AttentionPolicy, trainingLength L: Int, limit: Int = 1 << 20) -> Int? {
        if lastQuery(of: policy, length: limit).distance == lastQuery(of: policy, length: limit / 2).distance { return nil }
        func fits(_ n: Int) -> Bool { lastQuery(of: policy, length: n).distance < L }
        guard fits(1) else { return 0 }
        var inside = 1, outside = 2
        while fits(outside) {
            guard outside < limit else { return limit }  // still inside at the limit
            inside = outside
            outside = min(limit, outside * 2)
        }
        while outside - inside > 1 {  // fits(inside), !fits(outside)
            let mid = (inside + outside) / 2
            if fits(mid) { inside = mid } else { outside = mid }
        }
        return inside
    }

    /// A one-line notice when an `n`-token input passes what `policy` covers for a model trained on
    /// `L` tokens: its distances leave the training length, or its last query reads only part of
    /// the input with no selection. nil when the input is inside its reach.
    public static func notice(policy: AttentionPolicy, inputLength n: Int, trainingLength L: Int) -> String? {
        let base = policy.base
        guard n > L, !base.selectsByContent else { return nil }
        let extent = lastQuery(of: base, length: n)
        if extent.distance >= L, let reach = positionalReach(of: base, trainingLength: L) {
            var text = "\(base) places the last of \(n) tokens at distance \(extent.distance), past the training length \(L) "
                + "(its reach is \(reach) tokens); expect degraded output"
            if let sized = base.resized(forInputLength: n, trainingLength: L) { text += " (\(sized) covers \(n) tokens)" }
            return text
        }
        if extent.tokensRead < n && !extent.selects {
            return "\(base) reads only \(extent.tokensRead) of the \(n) tokens; the others are never attended, "
                + "so nothing in them can be retrieved"
        }
        return nil
    }
}
