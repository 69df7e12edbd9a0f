import SkeinTokenizers

/// One message of a `skein chat` conversation, as the chat template and the save file see it.
struct ChatMessage: Codable, Equatable, Sendable {
    /// "system", "user" or "assistant".
    var role: String
    var content: String

    /// The message as the chat template's `messages` entry.
    var templateValue: TemplateValue { ["role": .string(role), "content": .string(content)] }
}

/// What one turn of `ChatSession.send` did and how long it took.
struct ChatTurnReport: Sendable {
    /// The reply's text (what was generated before a stop token, the token limit or Ctrl-C).
    var reply: String
    /// `FinishReason.rawValue`: "stop", "length" or "cancelled" (Ctrl-C).
    var finishReason: String
    /// Tokens run through the model before the reply (the new part of the rendered conversation).
    var prefilled: Int
    /// Tokens generated (the stop token included).
    var generated: Int
    /// Tokens of the rendered conversation the reply continues (prompt of this turn).
    var promptTokens: Int
    /// Oldest whole turns dropped to fit the context before this turn (0 when it fitted).
    var droppedTurns: Int
    /// Seconds from the start of the turn to its first generated token, and to its end.
    var secondsToFirstToken: Double?
    var seconds: Double
}
