import Foundation

/// Log-n attention scaling: once the sequence is longer than `base` (the training length),
/// query i's logits are multiplied by log(i + 1) / log(base), keeping attention entropy in range.
public struct LogNAttention: AttentionPolicy {
    public let base: Int

    public init(base: Int) { self.base = base }

    public var description: String { "logn:base=\(base)" }

    public func segments(queryPosition: Int, slots: SlotPositions) -> [AttentionSegment] {
        [AttentionSegment(slots: slots.slots(covering: 0...queryPosition), queryPosition: queryPosition)]
    }

    public func logitScale(queryPosition i: Int) -> Float {
        Self.scale(position: i, base: base)
    }

    static func scale(position i: Int, base: Int) -> Float {
        i + 1 <= base ? 1 : Float(log(Double(i + 1)) / log(Double(base)))
    }

    public var explicitAttention: ExplicitAttention {
        let b = base
        return ExplicitAttention(isVisible: { i, j in j <= i }, positions: { i, j in (i, j) },
                                 logitScale: { i in Self.scale(position: i, base: b) })
    }
}
