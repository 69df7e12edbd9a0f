import SkeinFormats
import SkeinTensor

/// The weights of one decoder layer, decoded to f32. Linear weights are (outFeatures, inFeatures).
public struct LayerWeights: Sendable {
    public var attentionNorm: [Float]      // (hidden)
    public var q: WeightMatrix        // (heads * headDim, hidden)
    public var k: WeightMatrix        // (kvHeads * headDim, hidden)
    public var v: WeightMatrix        // (kvHeads * headDim, hidden)
    public var qBias: [Float]?             // (heads * headDim), qwen2
    public var kBias: [Float]?             // (kvHeads * headDim)
    public var vBias: [Float]?             // (kvHeads * headDim)
    public var qNorm: [Float]?             // (headDim), qwen3: RMSNorm per head before RoPE
    public var kNorm: [Float]?             // (headDim)
    public var o: WeightMatrix        // (hidden, heads * headDim)
    public var postAttentionNorm: [Float]? // (hidden), Gemma 2: RMSNorm of the attention output
    public var mlpNorm: [Float]            // (hidden)
    public var gate: WeightMatrix        // (intermediate, hidden)
    public var up: WeightMatrix        // (intermediate, hidden)
    public var down: WeightMatrix        // (hidden, intermediate)
    public var postFeedForwardNorm: [Float]? // (hidden), Gemma 2: RMSNorm of the MLP output
}

/// All weights of a decoder-only transformer of the Llama family.
public struct ModelWeights: Sendable {
    public var embedding: WeightMatrix     // (vocab, hidden)
    public var layers: [LayerWeights]
    public var finalNorm: [Float]          // (hidden)
    /// (vocab, hidden); nil when tied to the embedding.
    public var lmHead: WeightMatrix?
}

extension ModelWeights {
    /// Bytes of weights one decoded token reads: every layer's matrices, norms and biases, the
    /// final norm and the LM head (its one embedding row aside). The roofline of decoding is
    /// memory bandwidth over this plus the KV cache read.
    public var bytesReadPerToken: Int {
        func floats(_ v: [Float]?) -> Int { (v?.count ?? 0) * MemoryLayout<Float>.size }
        let layerBytes = layers.reduce(0) { sum, l in
            sum + [l.q, l.k, l.v, l.o, l.gate, l.up, l.down].reduce(0) { $0 + $1.byteCount }
                + floats(l.attentionNorm) + floats(l.mlpNorm) + floats(l.qBias) + floats(l.kBias) + floats(l.vBias)
                + floats(l.qNorm) + floats(l.kNorm) + floats(l.postAttentionNorm) + floats(l.postFeedForwardNorm)
        }
        return layerBytes + floats(finalNorm) + (lmHead ?? embedding).byteCount
    }
}
