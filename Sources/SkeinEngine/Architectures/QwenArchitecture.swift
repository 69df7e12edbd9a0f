import SkeinFormats

/// Qwen2 (q/k/v biases) and Qwen3 (per-head q/k RMSNorm): the Llama layer with rotate-half RoPE
/// in GGUF; the extras are read when present.
struct QwenArchitecture: ArchitectureDefinition {
    func tensors(for c: ModelConfiguration) -> [TensorSpec] {
        var t = TensorTableBuilder(c)
        t.embedding()
        for i in 0..<c.layerCount {
            t.norm(.attentionNorm, layer: i, hf: "input_layernorm.weight", gguf: "attn_norm.weight")
            t.attention(layer: i)
            t.norm(.mlpNorm, layer: i, hf: "post_attention_layernorm.weight", gguf: "ffn_norm.weight")
            t.gatedMLP(layer: i)
        }
        t.output()
        return t.specs
    }
}
