import SkeinEngine

/// A long-context method as policy spellings (`--attention`, `--rope` and `--kv-type`).
public struct Method: Sendable, Codable, Hashable {
    public let name: String
    public let attention: String
    public let rope: String
    public let kvType: String

    public init(name: String, attention: String = "full", rope: String = "config", kvType: String = "f32") {
        self.name = name
        self.attention = attention
        self.rope = rope
        self.kvType = kvType
    }

    enum CodingKeys: String, CodingKey { case name, attention, rope, kvType }

    /// Results written before `kvType` existed decode as f32.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        attention = try c.decode(String.self, forKey: .attention)
        rope = try c.decode(String.self, forKey: .rope)
        kvType = try c.decodeIfPresent(String.self, forKey: .kvType) ?? "f32"
    }

    /// The model with this method's RoPE applied and the attention policy built for it, exactly as
    /// `generate` and `serve` build them (`PolicyChoice.resolve`): plain "full" on a sliding-window
    /// checkpoint keeps its window.
    public func apply(to model: TransformerModel) throws -> (TransformerModel, AttentionPolicy) {
        let choice = try PolicyChoice.resolve(model, attention: attention, rope: rope, kvType: kvType)
        return (choice.model, choice.policy)
    }

    /// The spelling a user would type.
    public var commandLine: String {
        var parts = ["--attention \(attention)"]
        if rope != "config" { parts.append("--rope \(rope)") }
        if kvType != "f32" { parts.append("--kv-type \(kvType)") }
        return parts.joined(separator: " ")
    }
}
