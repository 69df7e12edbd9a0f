import SkeinFormats
import SkeinTensor

/// Reads a GGUF file's tensors (llama.cpp names: `token_embd`, `blk.N.attn_q`, ...) into `ModelWeights`.
/// Float tensors are copied as f32/f16/bf16 matrices; block-quantized ones keep their GGML blocks.
enum GGUFWeightLoader {
    static func load(_ file: GGUFFile, configuration c: ModelConfiguration) throws -> ModelWeights {
        let hidden = c.hiddenSize
        let qDim = c.headCount * c.headDim
        let kvDim = c.kvHeadCount * c.headDim
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

        let embedding = try matrix("token_embd.weight", out: c.vocabSize, in: hidden)
        var layers: [LayerWeights] = []
        layers.reserveCapacity(c.layerCount)
        for index in 0..<c.layerCount {
            let p = "blk.\(index)."
            func optional(_ name: String, _ count: Int) throws -> [Float]? { has(p + name) ? try vector(p + name, count) : nil }
            let q, k, v, gate, up: WeightMatrix
            if c.architecture == .phi3 {
                // Fused projections, rows [q; k; v] and [gate; up], as in the Hugging Face checkpoint.
                let qkv = try matrix(p + "attn_qkv.weight", out: qDim + 2 * kvDim, in: hidden)
                q = qkv.rows(0..<qDim)
                k = qkv.rows(qDim..<(qDim + kvDim))
                v = qkv.rows((qDim + kvDim)..<(qDim + 2 * kvDim))
                let gateUp = try matrix(p + "ffn_up.weight", out: 2 * c.intermediateSize, in: hidden)
                gate = gateUp.rows(0..<c.intermediateSize)
                up = gateUp.rows(c.intermediateSize..<(2 * c.intermediateSize))
            } else {
                q = try matrix(p + "attn_q.weight", out: qDim, in: hidden)
                k = try matrix(p + "attn_k.weight", out: kvDim, in: hidden)
                v = try matrix(p + "attn_v.weight", out: kvDim, in: hidden)
                gate = try matrix(p + "ffn_gate.weight", out: c.intermediateSize, in: hidden)
                up = try matrix(p + "ffn_up.weight", out: c.intermediateSize, in: hidden)
            }
            layers.append(LayerWeights(
                attentionNorm: try vector(p + "attn_norm.weight", hidden),
                q: q, k: k, v: v,
                qBias: try optional("attn_q.bias", qDim),
                kBias: try optional("attn_k.bias", kvDim),
                vBias: try optional("attn_v.bias", kvDim),
                qNorm: try optional("attn_q_norm.weight", c.headDim),
                kNorm: try optional("attn_k_norm.weight", c.headDim),
                o: try matrix(p + "attn_output.weight", out: hidden, in: qDim),
                mlpNorm: try vector(p + "ffn_norm.weight", hidden),
                gate: gate, up: up,
                down: try matrix(p + "ffn_down.weight", out: hidden, in: c.intermediateSize)))
        }
        let finalNorm = try vector("output_norm.weight", hidden)
        let lmHead = c.tieWordEmbeddings ? nil : try matrix("output.weight", out: c.vocabSize, in: hidden)
        return ModelWeights(embedding: embedding, layers: layers, finalNorm: finalNorm, lmHead: lmHead)
    }
}
