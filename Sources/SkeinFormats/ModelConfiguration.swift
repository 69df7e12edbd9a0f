import Foundation

/// Architectures Skein can run, by config.json `model_type`. Each has one definition file in
/// SkeinEngine/Architectures (its tensor table and layer style), found by an exhaustive switch.
public enum Architecture: String, Sendable, CaseIterable {
    case llama, mistral, qwen2, qwen3, phi3, gemma2
    case gemma3 = "gemma3_text"

    /// The name GGUF's `general.architecture` uses (Mistral files say "llama", as llama.cpp writes them).
    public var ggufName: String {
        switch self {
        case .llama, .mistral: "llama"
        case .qwen2: "qwen2"
        case .qwen3: "qwen3"
        case .phi3: "phi3"
        case .gemma2: "gemma2"
        case .gemma3: "gemma3"
        }
    }

    /// llama.cpp's fixed pattern of sliding layers for this architecture's GGUF files (GGUF has no
    /// per-layer key): Gemma 2's even layers, Gemma 3's five of every six; nil for uniform models.
    public func ggufSlidingLayers(count: Int) -> [Bool]? {
        switch self {
        case .gemma2: (0..<count).map { $0 % 2 == 0 }
        case .gemma3: (0..<count).map { ($0 + 1) % 6 != 0 }
        case .llama, .mistral, .qwen2, .qwen3, .phi3: nil
        }
    }

    /// The architecture a GGUF `general.architecture` name stands for (nil for names Skein does not run).
    public init?(ggufName: String) {
        guard let found = Self.allCases.first(where: { $0.ggufName == ggufName && $0 != .mistral }) else { return nil }
        self = found
    }
}

/// The feed-forward activation of a gated MLP: silu (SwiGLU) or gelu with the tanh approximation (GeGLU).
public enum HiddenActivation: String, Sendable {
    case silu
    case geluTanh = "gelu_pytorch_tanh"
}

/// Models whose layers mix sliding-window and global attention (Gemma 2, Qwen2 `layer_types`).
public struct HybridLayers: Sendable, Equatable {
    /// The window of the sliding layers: a query sees itself and the `window - 1` tokens before it.
    public var window: Int
    /// Per layer: true for a sliding-window layer, false for a global one.
    public var isSliding: [Bool]

    public init(window: Int, isSliding: [Bool]) {
        self.window = window
        self.isSliding = isSliding
    }
}

/// RoPE scaling parameters (`rope_scaling` / `rope_parameters` in config.json).
public struct RopeScaling: Sendable, Equatable {
    /// "default", "linear", "dynamic", "yarn", "longrope", "llama3" ("su" is read as "longrope").
    public var type: String
    public var factor: Double?
    public var originalMaxPositionEmbeddings: Int?
    public var lowFreqFactor: Double?
    public var highFreqFactor: Double?
    public var betaFast: Double?
    public var betaSlow: Double?
    public var attentionFactor: Double?
    public var mscale: Double?
    public var mscaleAllDim: Double?
    public var shortFactor: [Double]?
    public var longFactor: [Double]?
    public var truncate: Bool?

    public init(type: String) { self.type = type }
}

/// The hyper-parameters of a checkpoint, read from config.json.
public struct ModelConfiguration: Sendable, Equatable {
    public var architecture: Architecture
    public var vocabSize: Int
    public var hiddenSize: Int
    public var intermediateSize: Int
    public var layerCount: Int
    public var headCount: Int
    public var kvHeadCount: Int
    /// Per-head width; explicit in qwen3 configs, else hiddenSize / headCount.
    public var headDim: Int
    public var rmsNormEps: Float
    public var ropeTheta: Double
    /// The RoPE base of a hybrid model's sliding layers when it differs from `ropeTheta` (Gemma 3's
    /// local base, unscaled); nil when every layer uses `ropeTheta` and `ropeScaling`.
    public var slidingRopeTheta: Double?
    public var ropeScaling: RopeScaling?
    /// Share of each head's dimensions that RoPE rotates (1 = all).
    public var partialRotaryFactor: Double
    public var maxPositionEmbeddings: Int
    /// Training length before scaling (phi3 keeps it at top level; else from rope scaling).
    public var originalMaxPositionEmbeddings: Int?
    public var tieWordEmbeddings: Bool
    /// The window every layer slides with (Mistral, Phi-3); nil when some or all layers are global.
    public var slidingWindow: Int?
    /// Sliding and global layers mixed (then `slidingWindow` is nil).
    public var hybridLayers: HybridLayers?
    public var bosTokenId: Int?
    public var eosTokenIds: [Int]
    public var hiddenActivation: HiddenActivation
    /// The attention logit scale is 1 / sqrt(this) (Gemma's `query_pre_attn_scalar`; else headDim).
    public var queryPreAttentionScalar: Double?
    /// Attention logits become cap * tanh(logit / cap) before the softmax (Gemma 2).
    public var attentionLogitSoftcap: Float?
    /// Output logits become cap * tanh(logit / cap) (Gemma 2).
    public var finalLogitSoftcap: Float?

    /// sqrt(query_pre_attn_scalar or headDim): attention logits are q . k divided by this.
    public var attentionScaleRoot: Float { Float(queryPreAttentionScalar ?? Double(headDim)).squareRoot() }

    /// The scale of attention logits: 1 / `attentionScaleRoot`.
    public var attentionScale: Float { 1 / attentionScaleRoot }

    /// Whether layer `layer` attends through the sliding window of a hybrid model.
    public func isSlidingLayer(_ layer: Int) -> Bool {
        hybridLayers.map { layer < $0.isSliding.count && $0.isSliding[layer] } ?? false
    }

    /// The number of dimensions per head that RoPE rotates (even).
    public var rotaryDim: Int {
        let d = Int((Double(headDim) * partialRotaryFactor).rounded(.down))
        return d - d % 2
    }
}
