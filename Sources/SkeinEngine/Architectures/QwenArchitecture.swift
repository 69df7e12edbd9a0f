import SkeinFormats

/// Qwen2 (q/k/v biases) and Qwen3 (per-head q/k RMSNorm): the Llama layer with rotate-half RoPE
/// in GGUF; the extras are read when present.
struct QwenArchitecture: ArchitectureDefinition {
    func tensors(for c: ModelConfiguration) -> [TensorSpec] {
        TensorTableBuilder.table(c) { t, i in t.preNormLayer(i) }
    }
}
