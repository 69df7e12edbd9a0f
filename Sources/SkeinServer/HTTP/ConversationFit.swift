import SkeinEngine
import SkeinTokenizers

/// Fits a chat request into the context by dropping its oldest whole turns (`ConversationTrimming`),
/// so the prompt is always what the chat template renders for the turns kept.
struct ConversationFit {
    /// Prompt plus completion tokens the request may use.
    let context: Int
    /// Tokens the request generates at most.
    let maxTokens: Int

    /// The context a chat may fill: the server's `--max-context`, and under full attention (which
    /// collapses past the positions it was trained on) also the model's `max_position_embeddings`.
    /// Long-context policies are what lets a conversation run past the model's length, so under
    /// them only the server's limit applies.
    static func context(of model: TransformerModel, policy: AttentionPolicy, serverLimit: Int) -> Int {
        policy.base is FullAttention ? min(serverLimit, model.configuration.maxPositionEmbeddings) : serverLimit
    }

    /// Prompt tokens a chat may fill: the context less room for the reply, `max_tokens` but at most
    /// a quarter of the context (so a default `max_tokens` as long as a small model's context
    /// still leaves room for the conversation).
    var budget: Int { context - min(maxTokens, context / 4) }

    /// `prompt` when it fits, else the conversation with its oldest whole turns dropped until it
    /// does, and what was dropped. When the latest turn alone is longer, every earlier turn is
    /// dropped and the rest runs as a single long prompt always has (past the model's length
    /// under full attention; the server's `--max-context` is checked after).
    func fit(prompt: [Int], conversation: [TemplateValue],
             encode: ([TemplateValue], Bool) throws -> [Int]) throws -> (tokens: [Int], trimmed: TrimmedTurns?) {
        guard prompt.count > budget else { return (prompt, nil) }
        let result = try ConversationTrimming.trim(conversation, budget: budget) { try encode($0, true) }
        guard result.droppedTurns > 0 else { return (prompt, nil) }
        return (result.tokens, TrimmedTurns(turns: result.droppedTurns, messages: result.droppedMessages))
    }
}
