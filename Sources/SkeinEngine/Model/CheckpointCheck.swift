import SkeinFormats

/// A tensor the loader reads for a configuration: its name and shape.
public struct ExpectedTensor: Sendable, Equatable {
    public var name: String
    /// The shape the loader checks, outermost first (`[out, in]` for matrices).
    public var shape: [Int]
    /// Read when present (biases, q/k norms, a saved copy of tied embeddings), else not needed.
    public var isOptional: Bool
}

/// Something about a checkpoint's tensors that differs from what the loader expects.
public enum CheckpointProblem: Sendable, Equatable, CustomStringConvertible {
    /// A required tensor is not in the checkpoint: the model cannot load.
    case missing(name: String, shape: [Int])
    /// A tensor has another shape than the configuration gives: the model cannot load.
    case misshaped(name: String, expected: [Int], actual: [Int])
    /// A tensor the loader never reads (harmless, but often a sign of a config that does not match).
    case unexpected(name: String, shape: [Int])

    /// True when the problem stops the model from loading.
    public var isFatal: Bool {
        if case .unexpected = self { return false }
        return true
    }

    public var description: String {
        switch self {
        case .missing(let name, let shape): "missing tensor '\(name)' (expected shape \(shape))"
        case .misshaped(let name, let expected, let actual): "tensor '\(name)': expected shape \(expected), found \(actual)"
        case .unexpected(let name, let shape): "unexpected tensor '\(name)' \(shape) (not read by the loader)"
        }
    }
}

/// What `WeightLoader` reads for a configuration, checked without loading: the tensor table
/// behind `skein inspect`. Kept beside `WeightLoader` and tested against every fixture model.
public enum CheckpointCheck {
    /// The tensors the loader reads for `c`, in loading order.
    public static func expectedTensors(for c: ModelConfiguration) -> [ExpectedTensor] {
        let hidden = c.hiddenSize, qDim = c.headCount * c.headDim, kvDim = c.kvHeadCount * c.headDim
        var out = [ExpectedTensor(name: "model.embed_tokens.weight", shape: [c.vocabSize, hidden], isOptional: false)]
        func add(_ name: String, _ shape: [Int], optional: Bool = false) {
            out.append(ExpectedTensor(name: name, shape: shape, isOptional: optional))
        }
        for index in 0..<c.layerCount {
            let p = "model.layers.\(index)."
            if c.architecture == .phi3 {
                add(p + "self_attn.qkv_proj.weight", [qDim + 2 * kvDim, hidden])
                add(p + "mlp.gate_up_proj.weight", [2 * c.intermediateSize, hidden])
            } else {
                add(p + "self_attn.q_proj.weight", [qDim, hidden])
                add(p + "self_attn.k_proj.weight", [kvDim, hidden])
                add(p + "self_attn.v_proj.weight", [kvDim, hidden])
                add(p + "mlp.gate_proj.weight", [c.intermediateSize, hidden])
                add(p + "mlp.up_proj.weight", [c.intermediateSize, hidden])
            }
            add(p + "input_layernorm.weight", [hidden])
            add(p + "self_attn.q_proj.bias", [qDim], optional: true)
            add(p + "self_attn.k_proj.bias", [kvDim], optional: true)
            add(p + "self_attn.v_proj.bias", [kvDim], optional: true)
            add(p + "self_attn.q_norm.weight", [c.headDim], optional: true)
            add(p + "self_attn.k_norm.weight", [c.headDim], optional: true)
            add(p + "self_attn.o_proj.weight", [hidden, qDim])
            add(p + "post_attention_layernorm.weight", [hidden])
            add(p + "mlp.down_proj.weight", [hidden, c.intermediateSize])
        }
        add("model.norm.weight", [hidden])
        // Tied heads reuse the embedding; a saved copy is allowed and ignored.
        add("lm_head.weight", [c.vocabSize, hidden], optional: c.tieWordEmbeddings)
        return out
    }

    /// Missing and mis-shaped tensors (which stop loading), then unexpected ones, sorted by name within each.
    public static func problems(in store: WeightStore, configuration c: ModelConfiguration) -> [CheckpointProblem] {
        let expected = expectedTensors(for: c)
        var fatal: [CheckpointProblem] = []
        for tensor in expected {
            guard let info = store.info(tensor.name) else {
                if !tensor.isOptional { fatal.append(.missing(name: tensor.name, shape: tensor.shape)) }
                continue
            }
            if info.shape != tensor.shape { fatal.append(.misshaped(name: tensor.name, expected: tensor.shape, actual: info.shape)) }
        }
        let known = Set(expected.map(\.name))
        let unexpected = store.tensorNames.filter { !known.contains($0) }.sorted().map {
            CheckpointProblem.unexpected(name: $0, shape: store.info($0)?.shape ?? [])
        }
        return fatal + unexpected
    }
}
