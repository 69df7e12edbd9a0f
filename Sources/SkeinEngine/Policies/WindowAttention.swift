/// Sliding window: each query sees the last `size` tokens (itself included); older keys are dropped.
public struct WindowAttention: AttentionPolicy {
    public let size: Int

    public init(size: Int) { self.size = size }

    public var description: String { "window:size=\(size)" }

    public func segments(queryPosition i: Int, slots: SlotPositions) -> [AttentionSegment] {
        [AttentionSegment(slots: slots.slots(covering: max(0, i - size + 1)...i), queryPosition: i)]
    }

    public func retainedPositions(nextPosition: Int) -> [Range<Int>]? {
        [max(0, nextPosition - size + 1)..<Int.max]
    }

    public var explicitAttention: ExplicitAttention { .slidingWindow(size) }
}
