import Foundation

/// Token counts of one request.
public struct Usage: Codable, Sendable, Equatable {
    public var promptTokens: Int
    public var completionTokens: Int
    public var totalTokens: Int
    /// Prompt tokens taken from the prefix cache or a session instead of being prefilled.
    public var promptTokensDetails: Details?

    public struct Details: Codable, Sendable, Equatable {
        public var cachedTokens: Int
        enum CodingKeys: String, CodingKey { case cachedTokens = "cached_tokens" }
    }

    enum CodingKeys: String, CodingKey {
        case promptTokens = "prompt_tokens", completionTokens = "completion_tokens", totalTokens = "total_tokens"
        case promptTokensDetails = "prompt_tokens_details"
    }

    init(prompt: Int, completion: Int, cached: Int) {
        promptTokens = prompt
        completionTokens = completion
        totalTokens = prompt + completion
        promptTokensDetails = Details(cachedTokens: cached)
    }
}

/// One candidate token with its log-probability (chat format).
public struct TokenLogprob: Codable, Sendable {
    public var token: String
    public var logprob: Float
    public var bytes: [UInt8]
    public var topLogprobs: [TokenLogprob]?

    enum CodingKeys: String, CodingKey { case token, logprob, bytes, topLogprobs = "top_logprobs" }
}

/// `choices[].logprobs` of a chat completion.
public struct ChatLogprobs: Codable, Sendable {
    public var content: [TokenLogprob]
}

/// `choices[].logprobs` of a text completion (the legacy parallel-list shape).
public struct CompletionLogprobs: Codable, Sendable {
    public var tokens: [String] = []
    public var tokenLogprobs: [Float] = []
    public var topLogprobs: [[String: Float]] = []
    public var textOffset: [Int] = []

    enum CodingKeys: String, CodingKey {
        case tokens, tokenLogprobs = "token_logprobs", topLogprobs = "top_logprobs", textOffset = "text_offset"
    }
}

/// What the server did for long context, echoed in every response.
public struct SkeinInfo: Codable, Sendable {
    public var attention: String
    public var rope: String
    public var kvType: String
    public var session: String?
    public var cachedTokens: Int
    /// Whole old turns (and their messages) dropped so the chat fits the context; absent when none were.
    public var trimmedTurns: Int? = nil
    public var trimmedMessages: Int? = nil
    /// How the policy was sized for this input, or that the input passes its reach; absent when neither.
    public var notice: String? = nil

    enum CodingKeys: String, CodingKey {
        case attention, rope, kvType = "kv_type", session, cachedTokens = "cached_tokens"
        case trimmedTurns = "trimmed_turns", trimmedMessages = "trimmed_messages", notice
    }
}

/// `chat.completion` and `chat.completion.chunk`.
public struct ChatCompletionResponse: Encodable, Sendable {
    public var id: String
    public var object: String
    public var created: Int
    public var model: String
    public var choices: [Choice]
    public var usage: Usage?
    public var skein: SkeinInfo?

    public struct Message: Codable, Sendable {
        public var role: String?
        public var content: String?
    }

    public struct Choice: Encodable, Sendable {
        public var index = 0
        public var message: Message?
        public var delta: Message?
        public var logprobs: ChatLogprobs?
        public var finishReason: String?

        enum CodingKeys: String, CodingKey { case index, message, delta, logprobs, finishReason = "finish_reason" }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(index, forKey: .index)
            try c.encodeIfPresent(message, forKey: .message)
            try c.encodeIfPresent(delta, forKey: .delta)
            try c.encode(logprobs, forKey: .logprobs)          // null when absent, as OpenAI sends
            try c.encode(finishReason, forKey: .finishReason)
        }
    }
}

/// `text_completion`.
public struct CompletionResponse: Encodable, Sendable {
    public var id: String
    public var object = "text_completion"
    public var created: Int
    public var model: String
    public var choices: [Choice]
    public var usage: Usage?
    public var skein: SkeinInfo?

    public struct Choice: Encodable, Sendable {
        public var text: String
        public var index = 0
        public var logprobs: CompletionLogprobs?
        public var finishReason: String?

        enum CodingKeys: String, CodingKey { case text, index, logprobs, finishReason = "finish_reason" }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(text, forKey: .text)
            try c.encode(index, forKey: .index)
            try c.encode(logprobs, forKey: .logprobs)
            try c.encode(finishReason, forKey: .finishReason)
        }
    }
}

/// `GET /v1/models`.
public struct ModelList: Encodable, Sendable {
    public var object = "list"
    public var data: [Entry]

    public struct Entry: Encodable, Sendable {
        public var id: String
        public var object = "model"
        public var created: Int
        public var ownedBy = "skein"
        enum CodingKeys: String, CodingKey { case id, object, created, ownedBy = "owned_by" }
    }
}
