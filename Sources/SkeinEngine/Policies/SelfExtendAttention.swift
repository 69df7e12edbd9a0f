/// Self-Extend ("LLM Maybe LongLM", Jin et al., 2024): neighbours closer than `window` keep their
/// true positions; farther tokens use grouped positions floor(p / group), the query shifted to
/// floor(i / group) + window - floor(window / group). The two logit maps merge before the softmax.
public struct SelfExtendAttention: AttentionPolicy {
    public let group: Int
    public let window: Int

    public init(group: Int, window: Int) {
        self.group = group
        self.window = window
    }

    public var description: String { "self-extend:group=\(group),window=\(window)" }

    public var keyChannels: [KeyChannel] { [.grouped(group)] }

    var groupedQueryShift: Int { window - window / group }

    public func segments(queryPosition i: Int, slots: SlotPositions) -> [AttentionSegment] {
        let neighbours = AttentionSegment(slots: slots.slots(covering: max(0, i - window + 1)...i), queryPosition: i)
        guard i >= window else { return [neighbours] }
        let distant = AttentionSegment(slots: slots.slots(covering: 0...(i - window)), channel: .grouped(group),
                                       queryPosition: i / group + groupedQueryShift)
        return [distant, neighbours]
    }

    /// The smallest group (at least this one) whose distances for an `n`-token input stay below
    /// L: about window + (n - window) / group < L; nil when no group can (window >= L).
    public func resized(forInputLength n: Int, trainingLength L: Int) -> AttentionPolicy? {
        guard window < L else { return nil }
        var g = max(group, Int((Double(n - window) / Double(L - window)).rounded(.up)))
        while PolicyReach.lastQuery(of: SelfExtendAttention(group: g, window: window), length: n).distance >= L { g += 1 }
        return SelfExtendAttention(group: g, window: window)
    }

    public var explicitAttention: ExplicitAttention {
        let g = group, w = window, shift = groupedQueryShift
        return ExplicitAttention(
            isVisible: { i, j in j <= i },
            positions: { i, j in i - j < w ? (i, j) : (i / g + shift, j / g) })
    }
}
