import SkeinFormats

/// The weights of one decoder layer, decoded to f32. Linear weights are (outFeatures, inFeatures).
public struct LayerWeights: Sendable {
    public var attentionNorm: [Float]      // (hidden)
    public var q: [Float]                  // (heads * headDim, hidden)
    public var k: [Float]                  // (kvHeads * headDim, hidden)
    public var v: [Float]                  // (kvHeads * headDim, hidden)
    public var qBias: [Float]?             // (heads * headDim), qwen2
    public var kBias: [Float]?             // (kvHeads * headDim)
    public var vBias: [Float]?             // (kvHeads * headDim)
    public var qNorm: [Float]?             // (headDim), qwen3: RMSNorm per head before RoPE
    public var kNorm: [Float]?             // (headDim)
    public var o: [Float]                  // (hidden, heads * headDim)
    public var mlpNorm: [Float]            // (hidden)
    public var gate: [Float]               // (intermediate, hidden)
    public var up: [Float]                 // (intermediate, hidden)
    public var down: [Float]               // (hidden, intermediate)
}

/// All weights of a decoder-only transformer of the Llama family.
public struct ModelWeights: Sendable {
    public var embedding: [Float]          // (vocab, hidden)
    public var layers: [LayerWeights]
    public var finalNorm: [Float]          // (hidden)
    /// (vocab, hidden); nil when tied to the embedding.
    public var lmHead: [Float]?
}
