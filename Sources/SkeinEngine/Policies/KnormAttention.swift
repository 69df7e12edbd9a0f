/// Knorm (Devoto et al., 2024, "A Simple and Effective L2 Norm-Based Strategy for KV Cache
/// Compression"): keys with a small L2 norm draw the most attention, so after a prompt each kv
/// head keeps the entries whose keys have the smallest norm.
///
/// As kvpress 0.5.5's KnormPress: the norm is that of the cached (rotated) key, per kv head
/// (RoPE rotates pairs of channels, so it equals the unrotated key's norm up to rounding); a
/// forward pass of more than one token (a prompt chunk) compresses to `budget.kept(of: seen)`
/// entries per head; single-token decoding steps append. Equal norms keep the earlier entry.
public struct KnormAttention: KVMemoryPolicy {
    /// Entries kept per kv head: kvpress's ratio (the fraction removed) or a count.
    public let budget: PressBudget

    public init(budget: PressBudget) { self.budget = budget }

    public var description: String { "knorm:\(budget)" }
    public var scoreSource: MemoryScoreSource { .keyNorm }
    public func selection(seen: Int) -> MemorySelection { .all }

    public func segments(queryPosition: Int, slots: SlotPositions) -> [AttentionSegment] {
        [AttentionSegment(slots: 0..<slots.count, queryPosition: queryPosition)]
    }

    public func survivors(positions: [Int], scores: [Float], seen: Int, rows: Int) -> [Int]? {
        guard rows > 1 else { return nil }
        return MemoryRules.topIndices(scores, k: budget.kept(of: seen))
    }
}
