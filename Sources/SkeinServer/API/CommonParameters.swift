import Foundation

/// The fields both completion endpoints share, with Skein's sampling extensions (`top_k`,
/// `min_p`, `repetition_penalty`, as vLLM and llama.cpp's server spell them).
public struct CommonParameters: Decodable, Sendable {
    public var model: String?
    public var maxTokens: Int?
    public var maxCompletionTokens: Int?
    public var temperature: Double?
    public var topP: Double?
    public var topK: Int?
    public var minP: Double?
    public var repetitionPenalty: Double?
    public var frequencyPenalty: Double?
    public var presencePenalty: Double?
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
        case topK = "top_k", minP = "min_p", repetitionPenalty = "repetition_penalty"
        case frequencyPenalty = "frequency_penalty", presencePenalty = "presence_penalty"
        case streamOptions = "stream_options"
    }

    /// OpenAI fields Skein does not implement yet: a request that sets one (to anything but
    /// null) is a 400 with `code: "unsupported"` rather than an answer that ignored it.
    public static let unsupportedFields = ["tools", "tool_choice", "functions", "function_call", "parallel_tool_calls",
                                           "response_format", "logit_bias", "audio", "modalities", "prediction"]

    public init(from decoder: Decoder) throws {
        try RequestKeys.refuseUnsupported(in: decoder, Self.unsupportedFields)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        model = try c.decodeIfPresent(String.self, forKey: .model)
        maxTokens = try c.decodeIfPresent(Int.self, forKey: .maxTokens)
        maxCompletionTokens = try c.decodeIfPresent(Int.self, forKey: .maxCompletionTokens)
        temperature = try c.decodeIfPresent(Double.self, forKey: .temperature)
        topP = try c.decodeIfPresent(Double.self, forKey: .topP)
        topK = try c.decodeIfPresent(Int.self, forKey: .topK)
        minP = try c.decodeIfPresent(Double.self, forKey: .minP)
        repetitionPenalty = try c.decodeIfPresent(Double.self, forKey: .repetitionPenalty)
        frequencyPenalty = try c.decodeIfPresent(Double.self, forKey: .frequencyPenalty)
        presencePenalty = try c.decodeIfPresent(Double.self, forKey: .presencePenalty)
        seed = try c.decodeIfPresent(Int.self, forKey: .seed)
        stop = try c.decodeIfPresent(StopSequences.self, forKey: .stop)
        stream = try c.decodeIfPresent(Bool.self, forKey: .stream)
        streamOptions = try c.decodeIfPresent(StreamOptions.self, forKey: .streamOptions)
        n = try c.decodeIfPresent(Int.self, forKey: .n)
        skein = try c.decodeIfPresent(SkeinExtension.self, forKey: .skein)
        session = try c.decodeIfPresent(String.self, forKey: .session)
    }
}

/// Checks on the keys of a JSON object being decoded.
enum RequestKeys {
    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Throws a 400 naming the first key of the object that is not in `known`.
    static func refuseUnknown(in decoder: Decoder, known: [String]) throws {
        let object = try decoder.container(keyedBy: Key.self)
        if let unknown = object.allKeys.map(\.stringValue).sorted().first(where: { !known.contains($0) }) {
            let field = path(decoder.codingPath + [Key(stringValue: unknown)])
            throw APIError.badRequest("\(field): unknown key; \(path(decoder.codingPath)) takes \(known.joined(separator: ", "))",
                                      param: field, code: "unknown_parameter")
        }
    }

    /// Throws a 400 `unsupported` for the first of `fields` the object sets to anything but null.
    static func refuseUnsupported(in decoder: Decoder, _ fields: [String]) throws {
        let object = try decoder.container(keyedBy: Key.self)
        for field in fields {
            let key = Key(stringValue: field)
            if object.contains(key), try !object.decodeNil(forKey: key) {
                throw APIError.unsupported("\(field) is not supported by this server yet", param: field)
            }
        }
    }

    /// `messages[0].role`, the way a client names a field.
    static func path(_ keys: [CodingKey]) -> String {
        var text = ""
        for key in keys {
            if let index = key.intValue { text += "[\(index)]" } else { text += (text.isEmpty ? "" : ".") + key.stringValue }
        }
        return text
    }
}
