import SkeinFormats

/// Llama and Mistral: pre-norm layers, separate q/k/v/o, SwiGLU. GGUF files (both written as
/// "llama") hold q/k rows in interleaved RoPE order.
struct LlamaArchitecture: ArchitectureDefinition {
    var ggufRopeLayout: RopeLayout { .interleaved }

    func tensors(for c: ModelConfiguration) -> [TensorSpec] {
        var t = TensorTableBuilder(c)
        t.embedding()
        for i in 0..<c.layerCount {
            t.norm(.attentionNorm, layer: i, hf: "input_layernorm.weight", gguf: "attn_norm.weight")
            t.attention(layer: i, permuteForGGUF: true)
            t.norm(.mlpNorm, layer: i, hf: "post_attention_layernorm.weight", gguf: "ffn_norm.weight")
            t.gatedMLP(layer: i)
        }
        t.output()
        return t.specs
    }
}
