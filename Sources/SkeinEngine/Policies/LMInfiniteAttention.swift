/// LM-Infinite (Han et al., 2023): a Lambda-shaped mask (the first `global` tokens plus the last
/// `local` tokens) with every relative distance capped at `cap` (the training length by default).
public struct LMInfiniteAttention: AttentionPolicy {
    public let global: Int
    public let local: Int
    public let cap: Int

    public init(global: Int, local: Int, cap: Int) {
        self.global = global
        self.local = local
        self.cap = cap
    }

    public var description: String { "lm-infinite:global=\(global),local=\(local),cap=\(cap)" }

    public func segments(queryPosition i: Int, slots: SlotPositions) -> [AttentionSegment] {
        let localStart = max(0, i - local + 1)
        var result: [AttentionSegment] = []
        // Global tokens before the local branch: distance min(i - j, cap), one rotation per key
        // when capped (global is small: 10..100 tokens).
        for j in 0..<min(global, localStart) {
            let range = slots.slots(covering: j...j)
            guard !range.isEmpty else { continue }
            result.append(AttentionSegment(slots: range, queryPosition: j + min(i - j, cap)))
        }
        result.append(AttentionSegment(slots: slots.slots(covering: localStart...i), queryPosition: i))
        return result
    }

    public func retainedPositions(nextPosition: Int) -> [Range<Int>]? {
        [0..<global, max(global, nextPosition - local + 1)..<Int.max]
    }

    public var explicitAttention: ExplicitAttention {
        let g = global, l = local, cap = cap
        return ExplicitAttention(
            isVisible: { i, j in j <= i && (j < g || i - j < l) },
            positions: { i, j in (j + min(i - j, cap), j) })
    }
}
