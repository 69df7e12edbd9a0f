import Foundation

/// Architectures Skein can run, by config.json `model_type`.
public enum Architecture: String, Sendable, CaseIterable {
    case llama, mistral, qwen2, qwen3, phi3
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
    public var ropeScaling: RopeScaling?
    /// Share of each head's dimensions that RoPE rotates (1 = all).
    public var partialRotaryFactor: Double
    public var maxPositionEmbeddings: Int
    /// Training length before scaling (phi3 keeps it at top level; else from rope scaling).
    public var originalMaxPositionEmbeddings: Int?
    public var tieWordEmbeddings: Bool
    public var slidingWindow: Int?
    public var bosTokenId: Int?
    public var eosTokenIds: [Int]
    public var hiddenAct: String

    /// The number of dimensions per head that RoPE rotates (even).
    public var rotaryDim: Int {
        let d = Int((Double(headDim) * partialRotaryFactor).rounded(.down))
        return d - d % 2
    }
}
