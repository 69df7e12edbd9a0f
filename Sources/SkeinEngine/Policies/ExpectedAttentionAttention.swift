/// Expected attention (kvpress 0.5.5's ExpectedAttentionPress, Devoto et al., 2025): scores each
/// cached entry by the attention that *future* queries are expected to pay it, modelling the
/// queries as a Gaussian fitted to the prompt's queries.
///
/// After a forward pass of more than one token (a prompt chunk), per layer: the chunk's pre-RoPE
/// queries without the first `sinks` rows give a mean mu and covariance S per query head
/// (divided by the row count); both are turned by the RoPE rotation averaged over the next
/// `future` positions (R = mean over p in seen..<seen+future of rotation(p)): mu' = R mu,
/// S' = R S Rᵀ. Every held entry but the first `sinks` scores
/// softmax_n(mu'·k_n / √d + k_nᵀ S' k_n / (2d)) per query head, averaged over the kv head's group,
/// times ‖v_n‖; the sinks score the layer's largest score + 1, so they are kept. Each kv head then
/// keeps its `budget.kept(of: seen)` best entries (ties: the earlier entry). Single-token decoding
/// steps append.
public struct ExpectedAttentionAttention: KVMemoryPolicy {
    /// Entries kept per kv head: kvpress's ratio (the fraction removed) or a count.
    public let budget: PressBudget
    /// Future positions the RoPE rotation is averaged over (kvpress's `n_future_positions`).
    public let future: Int
    /// First entries always kept, and first query rows left out of the statistics (`n_sink`).
    public let sinks: Int
    /// Whether the covariance term is used (`use_covariance`).
    public let covariance: Bool
    /// Whether scores are multiplied by the value norms (`use_vnorm`).
    public let valueNorm: Bool

    public init(budget: PressBudget, future: Int = 512, sinks: Int = 4, covariance: Bool = true, valueNorm: Bool = true) {
        self.budget = budget
        self.future = future
        self.sinks = sinks
        self.covariance = covariance
        self.valueNorm = valueNorm
    }

    public var description: String {
        "expected-attention:\(budget),future=\(future),sinks=\(sinks)" + (covariance ? "" : ",covariance=off") + (valueNorm ? "" : ",vnorm=off")
    }
    public var scoreSource: MemoryScoreSource { .expectedAttention(future: future, sinks: sinks, covariance: covariance, valueNorm: valueNorm) }
    public func selection(seen: Int) -> MemorySelection { .all }

    public func segments(queryPosition: Int, slots: SlotPositions) -> [AttentionSegment] {
        [AttentionSegment(slots: 0..<slots.count, queryPosition: queryPosition)]
    }

    public func survivors(positions: [Int], scores: [Float], seen: Int, rows: Int) -> [Int]? {
        guard rows > sinks else { return nil }
        return MemoryRules.topIndices(scores, k: budget.kept(of: positions.count))
    }
}
