import SkeinFormats

/// How the layers of an architecture compute, beyond what its tensors say.
public struct LayerStyle: Sendable, Equatable {
    /// Norms multiply by (offset + w): Gemma stores w for 1 + w. Hugging Face weights get the offset
    /// added when loaded; GGUF files already hold offset + w (llama.cpp adds it when converting).
    public var normWeightOffset: Float = 0
    /// Embedding rows are multiplied by sqrt(hidden) (Gemma).
    public var scalesEmbedding = false

    public init(normWeightOffset: Float = 0, scalesEmbedding: Bool = false) {
        self.normWeightOffset = normWeightOffset
        self.scalesEmbedding = scalesEmbedding
    }
}

/// One architecture: its tensor table (Hugging Face and GGUF names), its layer style, and the RoPE
/// layout of its GGUF files. Adding an architecture is one type conforming to this and one line
/// in `ArchitectureRegistry.definition(for:)`.
public protocol ArchitectureDefinition: Sendable {
    /// Every tensor the loaders read for `configuration`, in loading order.
    func tensors(for configuration: ModelConfiguration) -> [TensorSpec]
    var style: LayerStyle { get }
    /// The RoPE pair layout of this architecture's GGUF files (llama.cpp permutes Llama's q/k rows).
    var ggufRopeLayout: RopeLayout { get }
}

extension ArchitectureDefinition {
    public var style: LayerStyle { LayerStyle() }
    public var ggufRopeLayout: RopeLayout { .rotateHalf }
}

/// The definition of each `Architecture`: an exhaustive switch, so a new case cannot compile into
/// Llama math by default.
public enum ArchitectureRegistry {
    public static func definition(for architecture: Architecture) -> ArchitectureDefinition {
        switch architecture {
        case .llama, .mistral: LlamaArchitecture()
        case .qwen2, .qwen3: QwenArchitecture()
        case .phi3: Phi3Architecture()
        case .gemma2, .gemma3: GemmaArchitecture()
        }
    }
}

extension ModelConfiguration {
    /// This configuration's architecture definition.
    public var definition: ArchitectureDefinition { ArchitectureRegistry.definition(for: architecture) }
    /// This configuration's tensor table.
    public var tensorTable: [TensorSpec] { definition.tensors(for: self) }
}
