import SkeinFormats
import SkeinTensor

/// Reads a GGUF file's tensors (llama.cpp names: `token_embd`, `blk.N.attn_q`, ...) into `ModelWeights`
/// by the architecture's tensor table.
/// Float tensors are copied as f32/f16/bf16 matrices; block-quantized ones keep their GGML blocks.
enum GGUFWeightLoader {
    static func load(_ file: GGUFFile, configuration c: ModelConfiguration) throws -> ModelWeights {
        /// A matrix stored as GGUF dims [inFeatures, outFeatures].
        func matrix(_ name: String, out: Int, in inFeatures: Int) throws -> WeightMatrix {
            let info = try file.tensor(name)
            guard info.dimensions == [inFeatures, out] else {
                throw FormatError.shapeMismatch(tensor: name, expected: [inFeatures, out], actual: info.dimensions)
            }
            // Copied out: one copy of the model in memory, not two.
            return file.copyOut(info) { raw in
                switch info.type {
                case .f32: WeightMatrix(outFeatures: out, inFeatures: inFeatures, dtype: .f32, raw: raw)
                case .f16: WeightMatrix(outFeatures: out, inFeatures: inFeatures, dtype: .f16, raw: raw)
                case .bf16: WeightMatrix(outFeatures: out, inFeatures: inFeatures, dtype: .bf16, raw: raw)
                default: WeightMatrix(outFeatures: out, inFeatures: inFeatures, storage: .quantized(info.type, Array(raw)))
                }
            }
        }
        /// A vector (norm weights, biases) of `count` values.
        func vector(_ name: String, _ count: Int) throws -> [Float] {
            let info = try file.tensor(name)
            guard info.dimensions == [count] else {
                throw FormatError.shapeMismatch(tensor: name, expected: [count], actual: info.dimensions)
            }
            return try file.floats(name)
        }
        func has(_ name: String) -> Bool { file.tensors.contains { $0.name == name } }
        // GGUF matrices are stored as [inFeatures, outFeatures]; norms already hold offset + w.
        return try WeightAssembly(
            matrix: { try matrix($0.ggufName, out: $0.shape[0], in: $0.shape[1]) },
            vector: { try vector($0.ggufName, $0.shape[0]) },
            contains: { has($0.ggufName) }
        ).load(c)
    }
}
