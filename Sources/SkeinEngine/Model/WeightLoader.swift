import SkeinFormats

/// Reads a Hugging Face checkpoint's tensors into `ModelWeights`, following each architecture's names.
enum WeightLoader {
    static func load(_ store: WeightStore, configuration c: ModelConfiguration) throws -> ModelWeights {
        let hidden = c.hiddenSize
        let qDim = c.headCount * c.headDim
        let kvDim = c.kvHeadCount * c.headDim
        let embedding = try store.floats("model.embed_tokens.weight", shape: [c.vocabSize, hidden])
        var layers: [LayerWeights] = []
        layers.reserveCapacity(c.layerCount)
        for index in 0..<c.layerCount {
            let p = "model.layers.\(index)."
            func optional(_ name: String, _ shape: [Int]) throws -> [Float]? {
                store.contains(p + name) ? try store.floats(p + name, shape: shape) : nil
            }
            let q, k, v, gate, up: [Float]
            if c.architecture == .phi3 {
                // Fused projections: rows are [q; k; v] and [gate; up].
                let qkv = try store.floats(p + "self_attn.qkv_proj.weight", shape: [qDim + 2 * kvDim, hidden])
                q = Array(qkv[0..<(qDim * hidden)])
                k = Array(qkv[(qDim * hidden)..<((qDim + kvDim) * hidden)])
                v = Array(qkv[((qDim + kvDim) * hidden)...])
                let gateUp = try store.floats(p + "mlp.gate_up_proj.weight", shape: [2 * c.intermediateSize, hidden])
                gate = Array(gateUp[0..<(c.intermediateSize * hidden)])
                up = Array(gateUp[(c.intermediateSize * hidden)...])
            } else {
                q = try store.floats(p + "self_attn.q_proj.weight", shape: [qDim, hidden])
                k = try store.floats(p + "self_attn.k_proj.weight", shape: [kvDim, hidden])
                v = try store.floats(p + "self_attn.v_proj.weight", shape: [kvDim, hidden])
                gate = try store.floats(p + "mlp.gate_proj.weight", shape: [c.intermediateSize, hidden])
                up = try store.floats(p + "mlp.up_proj.weight", shape: [c.intermediateSize, hidden])
            }
            layers.append(LayerWeights(
                attentionNorm: try store.floats(p + "input_layernorm.weight", shape: [hidden]),
                q: q, k: k, v: v,
                qBias: try optional("self_attn.q_proj.bias", [qDim]),
                kBias: try optional("self_attn.k_proj.bias", [kvDim]),
                vBias: try optional("self_attn.v_proj.bias", [kvDim]),
                qNorm: try optional("self_attn.q_norm.weight", [c.headDim]),
                kNorm: try optional("self_attn.k_norm.weight", [c.headDim]),
                o: try store.floats(p + "self_attn.o_proj.weight", shape: [hidden, qDim]),
                mlpNorm: try store.floats(p + "post_attention_layernorm.weight", shape: [hidden]),
                gate: gate, up: up,
                down: try store.floats(p + "mlp.down_proj.weight", shape: [hidden, c.intermediateSize])))
        }
        let finalNorm = try store.floats("model.norm.weight", shape: [hidden])
        // Tied heads reuse the embedding, as transformers does even when a copy was saved.
        let lmHead = c.tieWordEmbeddings ? nil : try store.floats("lm_head.weight", shape: [c.vocabSize, hidden])
        return ModelWeights(embedding: embedding, layers: layers, finalNorm: finalNorm, lmHead: lmHead)
    }
}
