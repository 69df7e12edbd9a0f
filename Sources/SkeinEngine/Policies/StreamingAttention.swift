/// StreamingLLM (Xiao et al., 2023): the first `sinks` tokens plus the last `window` tokens, with
/// positions assigned inside the cache, so no distance ever exceeds sinks + window.
///
/// Window keys keep their true positions (their distances to the query equal the in-cache ones);
/// the sink segment rotates the query at its in-cache slot, sinks + window - 1. Rotating the query
/// once is equivalent to re-rotating every window key after each eviction, and cheaper.
public struct StreamingAttention: AttentionPolicy {
    public let sinks: Int
    public let window: Int

    public init(sinks: Int, window: Int) {
        self.sinks = sinks
        self.window = window
    }

    public var description: String { "streaming:sinks=\(sinks),window=\(window)" }

    public func segments(queryPosition i: Int, slots: SlotPositions) -> [AttentionSegment] {
        if i < sinks + window {
            return [AttentionSegment(slots: slots.slots(covering: 0...i), queryPosition: i)]
        }
        return [
            AttentionSegment(slots: slots.slots(covering: 0..<sinks), queryPosition: sinks + window - 1),
            AttentionSegment(slots: slots.slots(covering: (i - window + 1)...i), queryPosition: i),
        ]
    }

    public func retainedPositions(nextPosition: Int) -> [Range<Int>]? {
        [0..<sinks, max(sinks, nextPosition - window + 1)..<Int.max]
    }

    public var explicitAttention: ExplicitAttention {
        let s = sinks, w = window
        return ExplicitAttention(
            isVisible: { i, j in j <= i && (j < s || i - j < w) },
            positions: { i, j in (i >= s + w && j < s) ? (s + w - 1, j) : (i, j) })
    }
}
