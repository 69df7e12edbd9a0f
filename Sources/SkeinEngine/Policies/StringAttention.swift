/// STRING (An et al., 2024, "Why Does the Effective Context Length of LLMs Fall Short?"): distances
/// d >= shift are replaced by d - shift + window, so the rarely-trained large distances are
/// overwritten by well-trained smaller ones, while distances d < shift keep their value
/// (the mapping of the authors' decode path and published figure).
public struct StringAttention: AttentionPolicy {
    public let shift: Int
    public let window: Int

    public init(shift: Int, window: Int) {
        self.shift = shift
        self.window = window
    }

    public var description: String { "string:shift=\(shift),window=\(window)" }

    public func segments(queryPosition i: Int, slots: SlotPositions) -> [AttentionSegment] {
        let near = AttentionSegment(slots: slots.slots(covering: max(0, i - shift + 1)...i), queryPosition: i)
        guard i >= shift else { return [near] }
        return [AttentionSegment(slots: slots.slots(covering: 0...(i - shift)), queryPosition: i - shift + window), near]
    }

    public var explicitAttention: ExplicitAttention {
        let s = shift, w = window
        return ExplicitAttention(
            isVisible: { i, j in j <= i },
            positions: { i, j in i - j >= s ? (i - s + w, j) : (i, j) })
    }
}
