/// LM-Infinite (Han et al., 2023): a Lambda-shaped mask (the first `global` tokens plus the last
/// `local` tokens) with every relative distance capped at `cap` (the training length by default).
///
/// Optionally (`topk` > 0) each query also reads the `topk` "middle" tokens (between the two
/// branches) with the highest attention logits, per head, in layers `fromLayer` and up, as the
/// authors' code does for retrieval. Middle tokens are read at one fixed distance `at` (the code's
/// `top_k_insert_at`: half the training length by default); the cache then keeps every token,
/// so memory is no longer bounded.
public struct LMInfiniteAttention: AttentionPolicy {
    public let global: Int
    public let local: Int
    public let cap: Int
    public let topK: Int
    public let fromLayer: Int
    /// The distance at which every selected middle token is read (`cap` when not given).
    public let at: Int

    public init(global: Int, local: Int, cap: Int, topK: Int = 0, fromLayer: Int = 0, at: Int? = nil) {
        self.at = at ?? cap
        self.global = global
        self.local = local
        self.cap = cap
        self.topK = topK
        self.fromLayer = fromLayer
    }

    public var description: String {
        "lm-infinite:global=\(global),local=\(local),cap=\(cap)" + (topK > 0 ? ",topk=\(topK),from-layer=\(fromLayer),at=\(at)" : "")
    }

    public var keyChannels: [KeyChannel] { topK > 0 ? [.fixed] : [] }

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
        if topK > 0 && localStart > global {
            // Unrotated keys read by a query rotated at `at`: every middle token at distance at.
            result.append(AttentionSegment(slots: slots.slots(covering: global..<localStart), channel: .fixed,
                                           queryPosition: at, topK: topK, fromLayer: fromLayer))
        }
        result.append(AttentionSegment(slots: slots.slots(covering: localStart...i), queryPosition: i))
        return result
    }

    public func retainedPositions(nextPosition: Int) -> [Range<Int>]? {
        topK > 0 ? nil : [0..<global, max(global, nextPosition - local + 1)..<Int.max]
    }

    public var explicitAttention: ExplicitAttention {
        let g = global, l = local, cap = cap, at = at
        let selection = topK > 0 ? ExplicitAttention.Selection(
            k: topK, fromLayer: fromLayer,
            isCandidate: { i, j in j >= g && j <= i && i - j >= l },
            positions: { _, j in (j + at, j) }) : nil
        return ExplicitAttention(
            isVisible: { i, j in j <= i && (j < g || i - j < l) },
            positions: { i, j in (j + min(i - j, cap), j) },
            selection: selection)
    }
}
