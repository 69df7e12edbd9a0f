import SkeinFormats
import SkeinTensor

/// Reads a Hugging Face checkpoint's tensors into `ModelWeights`, following each architecture's names.
enum WeightLoader {
    static func load(_ store: WeightStore, configuration c: ModelConfiguration) throws -> ModelWeights {
        let hidden = c.hiddenSize
        let qDim = c.headCount * c.headDim
        let kvDim = c.kvHeadCount * c.headDim
        let embedding = try store.matrix("model.embed_tokens.weight", shape: [c.vocabSize, hidden])
        var layers: [LayerWeights] = []
        layers.reserveCapacity(c.layerCount)
        for index in 0..<c.layerCount {
            let p = "model.layers.\(index)."
            func optional(_ name: String, _ shape: [Int]) throws -> [Float]? {
                store.contains(p + name) ? try store.floats(p + name, shape: shape) : nil
            }
            let q, k, v, gate, up: WeightMatrix
            if c.architecture == .phi3 {
                // Fused projections: rows are [q; k; v] and [gate; up].
                let qkv = try store.matrix(p + "self_attn.qkv_proj.weight", shape: [qDim + 2 * kvDim, hidden])
                q = qkv.rows(0..<qDim)
                k = qkv.rows(qDim..<(qDim + kvDim))
                v = qkv.rows((qDim + kvDim)..<(qDim + 2 * kvDim))
                let gateUp = try store.matrix(p + "mlp.gate_up_proj.weight", shape: [2 * c.intermediateSize, hidden])
                gate = gateUp.rows(0..<c.intermediateSize)
                up = gateUp.rows(c.intermediateSize..<(2 * c.intermediateSize))
            } else {
                q = try store.matrix(p + "self_attn.q_proj.weight", shape: [qDim, hidden])
                k = try store.matrix(p + "self_attn.k_proj.weight", shape: [kvDim, hidden])
                v = try store.matrix(p + "self_attn.v_proj.weight", shape: [kvDim, hidden])
                gate = try store.matrix(p + "mlp.gate_proj.weight", shape: [c.intermediateSize, hidden])
                up = try store.matrix(p + "mlp.up_proj.weight", shape: [c.intermediateSize, hidden])
            }
            layers.append(LayerWeights(
                attentionNorm: try store.floats(p + "input_layernorm.weight", shape: [hidden]),
                q: q, k: k, v: v,
                qBias: try optional("self_attn.q_proj.bias", [qDim]),
                kBias: try optional("self_attn.k_proj.bias", [kvDim]),
                vBias: try optional("self_attn.v_proj.bias", [kvDim]),
                qNorm: try optional("self_attn.q_norm.weight", [c.headDim]),
                kNorm: try optional("self_attn.k_norm.weight", [c.headDim]),
                o: try store.matrix(p + "self_attn.o_proj.weight", shape: [hidden, qDim]),
                mlpNorm: try store.floats(p + "post_attention_layernorm.weight", shape: [hidden]),
                gate: gate, up: up,
                down: try store.matrix(p + "mlp.down_proj.weight", shape: [hidden, c.intermediateSize])))
        }
        let finalNorm = try store.floats("model.norm.weight", shape: [hidden])
        // Tied heads reuse the embedding, as transformers does even when a copy was saved.
        let lmHead = c.tieWordEmbeddings ? nil : try store.matrix("lm_head.weight", shape: [c.vocabSize, hidden])
        return ModelWeights(embedding: embedding, layers: layers, finalNorm: finalNorm, lmHead: lmHead)
    }
}
