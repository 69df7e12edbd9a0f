import SkeinFormats

/// Gemma 2 and Gemma 3 (text): norms around both sublayers (input, post-attention, pre- and
/// post-feedforward), all RMSNorm with (1 + w); GeGLU with gelu-tanh; embeddings scaled by
/// sqrt(hidden); attention scaled by 1/sqrt(query_pre_attn_scalar). Gemma 2 soft-caps attention
/// and final logits and alternates sliding layers; Gemma 3 adds per-head q/k norms (1 + w too),
/// five sliding layers per global one, and a separate RoPE base on the sliding layers. The
/// configuration carries the activation, scalars, caps, layer pattern and bases; this file the rest.
struct GemmaArchitecture: ArchitectureDefinition {
    var style: LayerStyle { LayerStyle(normWeightOffset: 1, scalesEmbedding: true) }

    func tensors(for c: ModelConfiguration) -> [TensorSpec] {
        TensorTableBuilder.table(c) { t, i in
            t.norm(.attentionNorm, layer: i, hf: "input_layernorm.weight", gguf: "attn_norm.weight")
            t.attention(layer: i)
            t.norm(.postAttentionNorm, layer: i, hf: "post_attention_layernorm.weight", gguf: "post_attention_norm.weight")
            t.norm(.mlpNorm, layer: i, hf: "pre_feedforward_layernorm.weight", gguf: "ffn_norm.weight")
            t.gatedMLP(layer: i)
            t.norm(.postFeedForwardNorm, layer: i, hf: "post_feedforward_layernorm.weight", gguf: "post_ffw_norm.weight")
        }
    }
}
