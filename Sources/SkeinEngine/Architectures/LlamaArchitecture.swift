import SkeinFormats

/// Llama and Mistral: pre-norm layers, separate q/k/v/o, SwiGLU. GGUF files (both written as
/// "llama") hold q/k rows in interleaved RoPE order.
struct LlamaArchitecture: ArchitectureDefinition {
    var ggufRopeLayout: RopeLayout { .interleaved }

    func tensors(for c: ModelConfiguration) -> [TensorSpec] {
        TensorTableBuilder.table(c) { t, i in t.preNormLayer(i, permuteForGGUF: true) }
    }
}
