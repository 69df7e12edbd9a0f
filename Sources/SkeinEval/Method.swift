import SkeinEngine

/// A long-context method as a pair of policy spellings (`--attention` and `--rope`).
public struct Method: Sendable, Codable, Hashable {
    public let name: String
    public let attention: String
    public let rope: String

    public init(name: String, attention: String = "full", rope: String = "config") {
        self.name = name
        self.attention = attention
        self.rope = rope
    }

    /// The model with this method's RoPE applied and the attention policy built for it.
    public func apply(to model: TransformerModel) throws -> (TransformerModel, AttentionPolicy) {
        let scaled = try model.withRope(rope)
        return (scaled, try PolicyCatalog.attention(attention, trainingLength: scaled.trainingLength))
    }

    /// The spelling a user would type.
    public var commandLine: String {
        var parts = ["--attention \(attention)"]
        if rope != "config" { parts.append("--rope \(rope)") }
        return parts.joined(separator: " ")
    }
}
