/// A `--attention`, `--rope` and `--kv-type` choice resolved for one model: the model under the
/// RoPE override and the attention policy built for it. The CLI, the eval harness and the server
/// all resolve a choice here, so one spelling means the same policy everywhere.
public struct PolicyChoice: Sendable {
    /// The model with the `--rope` override applied (the same object when it is "config").
    public let model: TransformerModel
    /// The attention policy, storing its cache as `--kv-type` says.
    public let policy: AttentionPolicy
    /// The `--attention` spelling as given.
    public let attention: String
    /// The `--rope` spelling as given.
    public let rope: String
    /// The input length the policy was sized for (`TransformerModel.sizedAttentionPolicy`); nil when it was not sized.
    public let sizedFor: Int?

    /// A choice already made: `model` (RoPE applied) and `policy`, under the spellings that named them.
    public init(model: TransformerModel, policy: AttentionPolicy, attention: String, rope: String, sizedFor: Int? = nil) {
        self.model = model
        self.policy = policy
        self.attention = attention
        self.rope = rope
        self.sizedFor = sizedFor
    }

    /// Resolves a choice for `model`.
    ///
    /// RoPE first (`withRope`), then the policy on the scaled model (`attentionPolicy`): plain
    /// "full" on a sliding-window checkpoint keeps its window, and given the `inputLength` it will
    /// run on, a policy named without keys whose defaults would not reach that far is sized for it.
    /// - Throws: `EngineError.invalidOption` naming the bad option.
    public static func resolve(_ model: TransformerModel, attention: String, rope: String = "config",
                               kvType: String = "f32", inputLength: Int? = nil) throws -> PolicyChoice {
        let scaled = try model.withRope(rope)
        if let n = inputLength, let sized = try scaled.sizedAttentionPolicy(attention, kvType: kvType, inputLength: n) {
            return PolicyChoice(model: scaled, policy: sized, attention: attention, rope: rope, sizedFor: n)
        }
        return PolicyChoice(model: scaled, policy: try scaled.attentionPolicy(attention, kvType: kvType),
                            attention: attention, rope: rope, sizedFor: nil)
    }

    /// What sizing did, for the user ("--attention self-extend sized for 9000 tokens: self-extend:group=..."); nil when nothing was sized.
    public var sizingNote: String? {
        sizedFor.map { "--attention \(attention) sized for \($0) tokens: \(policy)" }
    }

    /// A one-line warning when `tokens` positions run past what the policy covers with the
    /// checkpoint's own RoPE: full attention past `max_position_embeddings`, or a position-rewriting
    /// policy past its reach (`PolicyReach.notice`); nil when they do not, or under a `--rope` override.
    /// - Parameter what: what the tokens are, e.g. "the prompt" or "the conversation".
    public func reachWarning(tokens: Int, what: String = "the prompt") -> String? {
        guard rope == "config" else { return nil }
        if policy.base is FullAttention {
            let reach = model.configuration.maxPositionEmbeddings
            guard tokens > reach else { return nil }
            return "\(what) (\(tokens) tokens) is longer than the model's training length (\(reach), max_position_embeddings); "
                + "full attention does not extend it, so expect degraded output (e.g. --attention reattention, self-extend or dca; see `skein policies`)"
        }
        guard let notice = PolicyReach.notice(policy: policy, inputLength: tokens, trainingLength: model.trainingLength) else { return nil }
        return "\(what) (\(tokens) tokens): \(notice)"
    }
}
