/// An attention pattern written out in full: for every query i and key j of one sequence, whether
/// i sees j, at which positions the two are rotated, and a per-query logit scale.
///
/// This is how every policy states what it means: the reference forward pass evaluates it literally,
/// and the fast path of the policy must agree with it.
public struct ExplicitAttention: Sendable {
    /// Whether query i attends to key j.
    public var isVisible: @Sendable (_ query: Int, _ key: Int) -> Bool
    /// The RoPE positions used for the (query, key) pair.
    public var positions: @Sendable (_ query: Int, _ key: Int) -> (query: Int, key: Int)
    /// Multiplies query i's logits (1 for most policies; log-n scaling changes it).
    public var logitScale: @Sendable (_ query: Int) -> Float
    /// Content-dependent extra keys (LM-Infinite's top-k middle tokens), or nil.
    public var selection: Selection?
    /// When set, replaces `isVisible` per (layer, query head): score-aware memories (H2O, Quest, ...)
    /// let each head see different keys.
    public var headVisibility: (@Sendable (_ layer: Int, _ head: Int, _ query: Int, _ key: Int) -> Bool)?
    /// When set, replaces `positions` per (layer, query head): select-and-reposition policies place
    /// each head's selected keys at their own positions.
    public var headPositions: (@Sendable (_ layer: Int, _ head: Int, _ query: Int, _ key: Int) -> (query: Int, key: Int))?

    /// Keys that are not visible but compete: per query and head, the `k` of them with the
    /// highest logits (at `positions`) join the softmax, in layers `fromLayer` and up.
    public struct Selection: Sendable {
        public var k: Int
        public var fromLayer: Int
        public var isCandidate: @Sendable (_ query: Int, _ key: Int) -> Bool
        public var positions: @Sendable (_ query: Int, _ key: Int) -> (query: Int, key: Int)

        public init(k: Int, fromLayer: Int, isCandidate: @escaping @Sendable (Int, Int) -> Bool,
                    positions: @escaping @Sendable (Int, Int) -> (query: Int, key: Int)) {
            self.k = k
            self.fromLayer = fromLayer
            self.isCandidate = isCandidate
            self.positions = positions
        }
    }

    public init(isVisible: @escaping @Sendable (Int, Int) -> Bool,
                positions: @escaping @Sendable (Int, Int) -> (query: Int, key: Int),
                logitScale: @escaping @Sendable (Int) -> Float = { _ in 1 }, selection: Selection? = nil) {
        self.isVisible = isVisible
        self.positions = positions
        self.logitScale = logitScale
        self.selection = selection
    }

    /// Plain causal attention: i sees every j <= i, at their own positions.
    public static let causal = ExplicitAttention(isVisible: { i, j in j <= i }, positions: { i, j in (i, j) })

    /// Causal attention limited to the last `window` keys (i - j < window).
    public static func slidingWindow(_ window: Int) -> ExplicitAttention {
        ExplicitAttention(isVisible: { i, j in j <= i && i - j < window }, positions: { i, j in (i, j) })
    }
}
