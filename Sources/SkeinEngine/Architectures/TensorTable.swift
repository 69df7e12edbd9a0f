import SkeinFormats

/// What a checkpoint tensor is for. Layer roles repeat per layer; the rest appear once.
public enum TensorRole: Hashable, Sendable {
    case embedding, finalNorm, lmHead
    case attentionNorm, q, k, v, qBias, kBias, vBias, qNorm, kNorm, o, postAttentionNorm
    case mlpNorm, gate, up, down, postFeedForwardNorm
    /// Fused projections, rows [q; k; v] and [gate; up] (Phi-3), split when loaded.
    case qkv, gateUp

    /// Norm weights (a Gemma checkpoint stores them as w, for a norm that multiplies by 1 + w).
    public var isNorm: Bool {
        switch self {
        case .finalNorm, .attentionNorm, .qNorm, .kNorm, .postAttentionNorm, .mlpNorm, .postFeedForwardNorm: true
        default: false
        }
    }
}

/// One tensor of an architecture's table: its Hugging Face and GGUF names, its shape, and how
/// `skein quantize` writes it. Both loaders, `skein inspect` and the GGUF converter read this table.
public struct TensorSpec: Sendable, Equatable {
    public var role: TensorRole
    /// The layer, or nil for the embedding, the final norm and the LM head.
    public var layer: Int?
    public var hfName: String
    public var ggufName: String
    /// Outermost first: `[out, in]` for matrices, `[count]` for vectors.
    public var shape: [Int]
    /// Read when present (biases, q/k norms, a saved copy of tied embeddings), else not needed.
    public var isOptional: Bool
    /// For matrices: the part of the model the mixed quantization schemes treat apart.
    public var quantRole: GGUFQuantScheme.Role
    /// llama.cpp's Llama files order q/k rows as interleaved RoPE pairs: heads to permute, if any.
    public var ggufPermutedHeads: Int?

    public var isMatrix: Bool { shape.count == 2 }
}

/// Builds tensor tables from the blocks the architectures share.
public struct TensorTableBuilder {
    public let configuration: ModelConfiguration
    public private(set) var specs: [TensorSpec] = []

    public init(_ configuration: ModelConfiguration) { self.configuration = configuration }

    var qDim: Int { configuration.headCount * configuration.headDim }
    var kvDim: Int { configuration.kvHeadCount * configuration.headDim }

    /// Adds one tensor.
    public mutating func add(_ role: TensorRole, layer: Int? = nil, hf: String, gguf: String, shape: [Int], optional: Bool = false,
                             quant: GGUFQuantScheme.Role = .other, permutedHeads: Int? = nil) {
        let h = layer.map { "model.layers.\($0)." } ?? "", g = layer.map { "blk.\($0)." } ?? ""
        specs.append(TensorSpec(role: role, layer: layer, hfName: h + hf, ggufName: g + gguf, shape: shape, isOptional: optional,
                                quantRole: quant, ggufPermutedHeads: permutedHeads))
    }

    /// A whole table: the embedding, `layer` for each layer, then the final norm and the LM head.
    public static func table(_ c: ModelConfiguration, layer: (inout TensorTableBuilder, Int) -> Void) -> [TensorSpec] {
        var t = TensorTableBuilder(c)
        t.embedding()
        for i in 0..<c.layerCount { layer(&t, i) }
        t.output()
        return t.specs
    }

    /// The Llama-family layer: input norm, attention, post-attention (MLP) norm, gated MLP.
    public mutating func preNormLayer(_ i: Int, permuteForGGUF: Bool = false) {
        norm(.attentionNorm, layer: i, hf: "input_layernorm.weight", gguf: "attn_norm.weight")
        attention(layer: i, permuteForGGUF: permuteForGGUF)
        norm(.mlpNorm, layer: i, hf: "post_attention_layernorm.weight", gguf: "ffn_norm.weight")
        gatedMLP(layer: i)
    }

    /// The token embedding (its GGUF type follows the output's when the head is tied).
    public mutating func embedding() {
        let c = configuration
        add(.embedding, hf: "model.embed_tokens.weight", gguf: "token_embd.weight", shape: [c.vocabSize, c.hiddenSize],
            quant: c.tieWordEmbeddings ? .output : .embedding)
    }

    /// Separate q, k, v and o projections, with the optional biases and per-head q/k norms some
    /// architectures carry. `permuteForGGUF` reorders q/k rows for llama.cpp's Llama layout.
    public mutating func attention(layer i: Int, permuteForGGUF: Bool = false) {
        let c = configuration, hidden = c.hiddenSize
        add(.q, layer: i, hf: "self_attn.q_proj.weight", gguf: "attn_q.weight", shape: [qDim, hidden],
            permutedHeads: permuteForGGUF ? c.headCount : nil)
        add(.k, layer: i, hf: "self_attn.k_proj.weight", gguf: "attn_k.weight", shape: [kvDim, hidden],
            permutedHeads: permuteForGGUF ? c.kvHeadCount : nil)
        add(.v, layer: i, hf: "self_attn.v_proj.weight", gguf: "attn_v.weight", shape: [kvDim, hidden], quant: .attentionValue)
        attentionExtras(layer: i)
        add(.o, layer: i, hf: "self_attn.o_proj.weight", gguf: "attn_output.weight", shape: [hidden, qDim])
    }

    /// q/k/v biases (qwen2) and per-head q/k RMSNorm weights (qwen3), each read when present.
    public mutating func attentionExtras(layer i: Int) {
        let hd = configuration.headDim
        add(.qBias, layer: i, hf: "self_attn.q_proj.bias", gguf: "attn_q.bias", shape: [qDim], optional: true)
        add(.kBias, layer: i, hf: "self_attn.k_proj.bias", gguf: "attn_k.bias", shape: [kvDim], optional: true)
        add(.vBias, layer: i, hf: "self_attn.v_proj.bias", gguf: "attn_v.bias", shape: [kvDim], optional: true)
        add(.qNorm, layer: i, hf: "self_attn.q_norm.weight", gguf: "attn_q_norm.weight", shape: [hd], optional: true)
        add(.kNorm, layer: i, hf: "self_attn.k_norm.weight", gguf: "attn_k_norm.weight", shape: [hd], optional: true)
    }

    /// Gated MLP with separate gate and up projections, then down.
    public mutating func gatedMLP(layer i: Int) {
        let c = configuration, hidden = c.hiddenSize
        add(.gate, layer: i, hf: "mlp.gate_proj.weight", gguf: "ffn_gate.weight", shape: [c.intermediateSize, hidden])
        add(.up, layer: i, hf: "mlp.up_proj.weight", gguf: "ffn_up.weight", shape: [c.intermediateSize, hidden])
        down(layer: i)
    }

    public mutating func down(layer i: Int) {
        let c = configuration
        add(.down, layer: i, hf: "mlp.down_proj.weight", gguf: "ffn_down.weight", shape: [c.hiddenSize, c.intermediateSize],
            quant: .feedForwardDown)
    }

    /// A (hidden) norm vector of layer `i`.
    public mutating func norm(_ role: TensorRole, layer i: Int, hf: String, gguf: String) {
        add(role, layer: i, hf: hf, gguf: gguf, shape: [configuration.hiddenSize])
    }

    /// The final norm and the LM head (optional when tied: a saved copy is allowed and ignored).
    public mutating func output() {
        let c = configuration
        add(.finalNorm, hf: "model.norm.weight", gguf: "output_norm.weight", shape: [c.hiddenSize])
        add(.lmHead, hf: "lm_head.weight", gguf: "output.weight", shape: [c.vocabSize, c.hiddenSize], optional: c.tieWordEmbeddings,
            quant: .output)
    }
}
