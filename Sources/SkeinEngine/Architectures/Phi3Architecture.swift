import SkeinFormats

/// Phi-3: fused qkv and gate/up projections (split when loaded, kept fused in GGUF).
struct Phi3Architecture: ArchitectureDefinition {
    func tensors(for c: ModelConfiguration) -> [TensorSpec] {
        TensorTableBuilder.table(c) { t, i in
            let hidden = c.hiddenSize
            t.norm(.attentionNorm, layer: i, hf: "input_layernorm.weight", gguf: "attn_norm.weight")
            t.add(.qkv, layer: i, hf: "self_attn.qkv_proj.weight", gguf: "attn_qkv.weight", shape: [t.qDim + 2 * t.kvDim, hidden])
            t.attentionExtras(layer: i)
            t.add(.o, layer: i, hf: "self_attn.o_proj.weight", gguf: "attn_output.weight", shape: [hidden, t.qDim])
            t.norm(.mlpNorm, layer: i, hf: "post_attention_layernorm.weight", gguf: "ffn_norm.weight")
            t.add(.gateUp, layer: i, hf: "mlp.gate_up_proj.weight", gguf: "ffn_up.weight", shape: [2 * c.intermediateSize, hidden])
            t.down(layer: i)
        }
    }
}
