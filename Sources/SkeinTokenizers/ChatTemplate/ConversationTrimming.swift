/// Fits a conversation into a token budget by dropping whole old turns, so the prompt is always
/// what the chat template renders for the messages that are kept.
///
/// A conversation is read as leading system messages, then turns: each turn starts at a `user`
/// message and holds every message up to the next `user` message (the assistant's reply, tool
/// calls and their results). Trimming keeps the system messages and the latest turns, and drops
/// the oldest turns first. It never cuts a turn in half and never edits a message, so templates
/// that require roles to alternate, or a user message first, still accept the result (unlike
/// shifting the KV cache by a token count, which can cut a template's markup apart).
public enum ConversationTrimming {
    /// The messages kept, their prompt tokens, and what was dropped.
    public struct Result: Sendable {
        /// The leading system messages and the latest turns, unchanged.
        public var messages: [TemplateValue]
        /// `encode(messages)`: the prompt the template renders for the kept messages.
        public var tokens: [Int]
        /// Whole turns dropped from the front of the conversation (0 when it fitted).
        public var droppedTurns: Int
        /// Messages in those turns.
        public var droppedMessages: Int
        /// Whether `tokens` fits the budget (false only when the latest turn alone does not).
        public var fits: Bool
    }

    /// The conversation with the fewest oldest turns dropped whose prompt has at most `budget` tokens.
    ///
    /// The latest turn is always kept. When it does not fit even with every earlier turn
    /// dropped, the result keeps just the system messages and the latest turn, and `fits` is false.
    /// Dropping a turn never lengthens a prompt, so the fewest drops are found by bisection
    /// (about log2(turns) renders).
    /// - Parameters:
    ///   - messages: the conversation, each a `TemplateValue` object with a `role`.
    ///   - budget: prompt tokens allowed (the context minus room for the reply).
    ///   - encode: renders messages with the chat template and tokenizes them.
    /// - Throws: whatever `encode` throws.
    public static func trim(_ messages: [TemplateValue], budget: Int,
                            encode: ([TemplateValue]) throws -> [Int]) throws -> Result {
        let full = try encode(messages)
        let (system, turns) = split(messages)
        if full.count <= budget || turns.count <= 1 {
            return Result(messages: messages, tokens: full, droppedTurns: 0, droppedMessages: 0, fits: full.count <= budget)
        }
        func kept(dropping count: Int) -> [TemplateValue] { system + turns[count...].flatMap { $0 } }
        func dropped(_ count: Int) -> Int { turns[..<count].reduce(0) { $0 + $1.count } }
        // Invariant: dropping `low` turns does not fit; dropping `high` turns fits.
        var low = 0
        var high = turns.count - 1
        var best = try encode(kept(dropping: high))
        guard best.count <= budget else {
            return Result(messages: kept(dropping: high), tokens: best, droppedTurns: high, droppedMessages: dropped(high), fits: false)
        }
        while high - low > 1 {
            let middle = (low + high) / 2
            let tokens = try encode(kept(dropping: middle))
            if tokens.count <= budget {
                high = middle
                best = tokens
            } else {
                low = middle
            }
        }
        return Result(messages: kept(dropping: high), tokens: best, droppedTurns: high, droppedMessages: dropped(high), fits: true)
    }

    /// The leading system messages, and the rest cut into turns at each `user` message. Messages
    /// before the first user message (after the system ones) form a turn of their own.
    static func split(_ messages: [TemplateValue]) -> (system: [TemplateValue], turns: [[TemplateValue]]) {
        let systemCount = messages.prefix { role(of: $0) == "system" }.count
        var turns: [[TemplateValue]] = []
        for message in messages.dropFirst(systemCount) {
            if role(of: message) == "user" || turns.isEmpty {
                turns.append([message])
            } else {
                turns[turns.count - 1].append(message)
            }
        }
        return (Array(messages.prefix(systemCount)), turns)
    }

    private static func role(of message: TemplateValue) -> String? {
        guard case .string(let role)? = message["role"] else { return nil }
        return role
    }
}
