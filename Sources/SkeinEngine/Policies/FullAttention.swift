/// The baseline: every query sees every earlier token at its true position.
public struct FullAttention: AttentionPolicy {
    public init() {}

    public var description: String { "full" }

    public func segments(queryPosition: Int, slots: SlotPositions) -> [AttentionSegment] {
        [AttentionSegment(slots: slots.slots(covering: 0...queryPosition), queryPosition: queryPosition)]
    }

    public var explicitAttention: ExplicitAttention { .causal }
}
