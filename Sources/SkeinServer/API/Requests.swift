import Foundation

/// Skein's extension field: `"skein": {"attention": "...", "rope": "...", "kv_type": "..."}`.
/// Any other key is refused (400 naming it), so a typo never silently runs full attention.
public struct SkeinExtension: Codable, Sendable {
    public var attention: String?
    public var rope: String?
    /// KV storage (`--kv-type`): f32, f16, q8[:...], q4[:...].
    public var kvType: String?
    /// Whether a chat that outgrows the context drops its oldest whole turns (`trim_turns`; the
    /// server's `--trim-turns` when not given).
    public var trimTurns: Bool?

    enum CodingKeys: String, CodingKey, CaseIterable { case attention, rope, kvType = "kv_type", trimTurns = "trim_turns" }

    public init(attention: String? = nil, rope: String? = nil, kvType: String? = nil, trimTurns: Bool? = nil) {
        self.attention = attention
        self.rope = rope
        self.kvType = kvType
        self.trimTurns = trimTurns
    }

    public init(from decoder: Decoder) throws {
        try RequestKeys.refuseUnknown(in: decoder, known: CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        attention = try c.decodeIfPresent(String.self, forKey: .attention)
        rope = try c.decodeIfPresent(String.self, forKey: .rope)
        kvType = try c.decodeIfPresent(String.self, forKey: .kvType)
        trimTurns = try c.decodeIfPresent(Bool.self, forKey: .trimTurns)
    }
}

/// `stop`: one string or a list of up to 4.
public struct StopSequences: Decodable, Sendable {
    public var values: [String]

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let one = try? container.decode(String.self) {
            values = [one]
        } else if let many = try? container.decode([String].self) {
            values = many
        } else {
            let field = RequestKeys.path(decoder.codingPath)
            throw APIError.badRequest("\(field): expected a string or a list of strings", param: field)
        }
    }
}

/// A chat message; `content` may be a string or a list of `{"type": "text", "text": ...}` parts.
/// Roles other than system, user and assistant, and parts other than text (images, audio, files),
/// are refused (`code: "unsupported"`).
public struct ChatMessage: Decodable, Sendable {
    public var role: String
    public var content: String

    /// The roles the chat templates render; tool and function messages need tool calls.
    public static let supportedRoles = ["system", "user", "assistant"]

    enum CodingKeys: String, CodingKey { case role, content }
    struct Part: Decodable { var type: String; var text: String? }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        role = try c.decode(String.self, forKey: .role)
        guard Self.supportedRoles.contains(role) else {
            let field = RequestKeys.path(decoder.codingPath + [CodingKeys.role])
            throw APIError.unsupported("\(field): the role \(role.debugDescription) is not supported; "
                                       + "use \(Self.supportedRoles.joined(separator: ", "))", param: field)
        }
        if let text = try? c.decode(String.self, forKey: .content) {
            content = text
        } else if try c.decodeNil(forKey: .content) {
            content = ""
        } else {
            let field = RequestKeys.path(decoder.codingPath + [CodingKeys.content])
            guard let parts = try? c.decode([Part].self, forKey: .content) else {
                throw APIError.badRequest("\(field): expected a string or a list of {\"type\": \"text\", \"text\": ...} parts", param: field)
            }
            if let index = parts.firstIndex(where: { $0.type != "text" }) {
                let part = field + "[\(index)].type"
                throw APIError.unsupported("\(part): \(parts[index].type.debugDescription) content is not supported; only text parts are",
                                           param: part)
            }
            content = parts.compactMap(\.text).joined()
        }
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

    enum CodingKeys: String, CodingKey { case prompt, logprobs, echo, bestOf = "best_of" }

    public init(from decoder: Decoder) throws {
        try RequestKeys.refuseUnsupported(in: decoder, ["suffix"])
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if try c.decodeIfPresent(Bool.self, forKey: .echo) == true {
            throw APIError.unsupported("echo is not supported by this server yet", param: "echo")
        }
        if let bestOf = try c.decodeIfPresent(Int.self, forKey: .bestOf), bestOf > 1 {
            throw APIError.unsupported("best_of=\(bestOf): one candidate per request is supported (best_of=1)", param: "best_of")
        }
        guard c.contains(.prompt) else { throw APIError.badRequest("missing required field 'prompt'", param: "prompt") }
        if let text = try? c.decode(String.self, forKey: .prompt) {
            prompt = .text(text)
        } else if let ids = try? c.decode([Int].self, forKey: .prompt) {
            prompt = .tokens(ids)
        } else if let texts = try? c.decode([String].self, forKey: .prompt), texts.count == 1 {
            prompt = .text(texts[0])
        } else {
            throw APIError.badRequest("prompt: expected a string, one string in a list, or a list of token ids", param: "prompt")
        }
        logprobs = try c.decodeIfPresent(Int.self, forKey: .logprobs)
        common = try CommonParameters(from: decoder)
    }
}
