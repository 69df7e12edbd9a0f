import Foundation

/// Skein's extension field: `"skein": {"attention": "...", "rope": "..."}`.
public struct SkeinExtension: Codable, Sendable {
    public var attention: String?
    public var rope: String?
    /// KV storage (`--kv-type`): f32, f16, q8[:...], q4[:...].
    public var kvType: String?

    enum CodingKeys: String, CodingKey { case attention, rope, kvType = "kv_type" }
}

/// `stop`: one string or a list of up to 4.
public struct StopSequences: Decodable, Sendable {
    public var values: [String]

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let one = try? container.decode(String.self) { values = [one] } else { values = try container.decode([String].self) }
    }
}

/// A chat message; `content` may be a string or a list of `{"type": "text", "text": ...}` parts.
public struct ChatMessage: Decodable, Sendable {
    public var role: String
    public var content: String

    enum CodingKeys: String, CodingKey { case role, content }
    struct Part: Decodable { var type: String; var text: String? }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        role = try c.decode(String.self, forKey: .role)
        if let text = try? c.decode(String.self, forKey: .content) {
            content = text
        } else if try c.decodeNil(forKey: .content) {
            content = ""
        } else {
            let parts = try c.decode([Part].self, forKey: .content)
            content = parts.compactMap { $0.type == "text" ? $0.text : nil }.joined()
        }
    }
}

/// The fields both endpoints share.
public struct CommonParameters: Decodable, Sendable {
    public var model: String?
    public var maxTokens: Int?
    public var maxCompletionTokens: Int?
    public var temperature: Double?
    public var topP: Double?
    public var seed: Int?
    public var stop: StopSequences?
    public var stream: Bool?
    public var streamOptions: StreamOptions?
    public var n: Int?
    public var skein: SkeinExtension?
    public var session: String?

    public struct StreamOptions: Decodable, Sendable {
        public var includeUsage: Bool?
        enum CodingKeys: String, CodingKey { case includeUsage = "include_usage" }
    }

    enum CodingKeys: String, CodingKey {
        case model, temperature, seed, stop, stream, n, skein, session
        case maxTokens = "max_tokens", maxCompletionTokens = "max_completion_tokens", topP = "top_p"
        case streamOptions = "stream_options"
    }
}

/// `POST /v1/chat/completions`.
public struct ChatCompletionRequest: Decodable, Sendable {
    public var messages: [ChatMessage]
    public var logprobs: Bool?
    public var topLogprobs: Int?
    public var common: CommonParameters

    enum CodingKeys: String, CodingKey { case messages, logprobs, topLogprobs = "top_logprobs" }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        messages = try c.decode([ChatMessage].self, forKey: .messages)
        logprobs = try c.decodeIfPresent(Bool.self, forKey: .logprobs)
        topLogprobs = try c.decodeIfPresent(Int.self, forKey: .topLogprobs)
        common = try CommonParameters(from: decoder)
    }
}

/// `POST /v1/completions`: `prompt` is a string or a list of token ids.
public struct CompletionRequest: Decodable, Sendable {
    public enum Prompt: Sendable { case text(String), tokens([Int]) }
    public var prompt: Prompt
    public var logprobs: Int?
    public var common: CommonParameters

    enum CodingKeys: String, CodingKey { case prompt, logprobs }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let text = try? c.decode(String.self, forKey: .prompt) {
            prompt = .text(text)
        } else if let ids = try? c.decode([Int].self, forKey: .prompt) {
            prompt = .tokens(ids)
        } else if let texts = try? c.decode([String].self, forKey: .prompt), texts.count == 1 {
            prompt = .text(texts[0])
        } else {
            throw DecodingError.typeMismatch(String.self, .init(
                codingPath: [CodingKeys.prompt], debugDescription: "prompt must be a string, one string in a list, or a list of token ids"))
        }
        logprobs = try c.decodeIfPresent(Int.self, forKey: .logprobs)
        common = try CommonParameters(from: decoder)
    }
}
