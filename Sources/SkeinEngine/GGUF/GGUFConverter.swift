import Foundation
import SkeinFormats
import SkeinTensor

/// Converts a Hugging Face folder to a GGUF file in llama.cpp's layout: its tensor names, llama q/k
/// rows permuted to interleaved RoPE pairs, phi3's fused projections kept fused, Llama 3 RoPE
/// scaling as a `rope_freqs.weight` tensor and LongRoPE factors as `rope_factors_long/short.weight`.
public struct GGUFConverter {
    public let folder: URL
    public let configuration: ModelConfiguration
    public let scheme: GGUFQuantScheme
    let store: WeightStore

    public init(folder: URL, scheme: GGUFQuantScheme) throws {
        self.folder = folder
        self.scheme = scheme
        configuration = try ModelConfiguration.load(directory: folder)
        store = try WeightStore(directory: folder)
    }

    /// The GGUF architecture name (Mistral is written as llama, as llama.cpp's converter does).
    var architectureName: String { configuration.architecture.ggufName }

    /// Model metadata (without tokenizer keys).
    public func metadata(name: String) throws -> [GGUFMetadataEntry] {
        let c = configuration, a = architectureName + "."
        var entries: [GGUFMetadataEntry] = [
            .init("general.architecture", .string(architectureName)),
            .init("general.name", .string(name)),
            .init("general.file_type", .uint32(scheme.fileType)),
            .init("general.quantization_version", .uint32(2)),
            .init(a + "context_length", .uint32(UInt32(c.maxPositionEmbeddings))),
            .init(a + "embedding_length", .uint32(UInt32(c.hiddenSize))),
            .init(a + "feed_forward_length", .uint32(UInt32(c.intermediateSize))),
            .init(a + "block_count", .uint32(UInt32(c.layerCount))),
            .init(a + "attention.head_count", .uint32(UInt32(c.headCount))),
            .init(a + "attention.head_count_kv", .uint32(UInt32(c.kvHeadCount))),
            .init(a + "attention.layer_norm_rms_epsilon", .float32(c.rmsNormEps)),
            .init(a + "rope.freq_base", .float32(Float(c.ropeTheta))),
            .init(a + "rope.dimension_count", .uint32(UInt32(c.rotaryDim))),
            .init(a + "vocab_size", .uint32(UInt32(c.vocabSize))),
        ]
        if c.headDim * c.headCount != c.hiddenSize {
            entries.append(.init(a + "attention.key_length", .uint32(UInt32(c.headDim))))
            entries.append(.init(a + "attention.value_length", .uint32(UInt32(c.headDim))))
        }
        let fixedPattern = c.architecture.ggufSlidingLayers(count: c.layerCount)
        if let window = c.slidingWindow ?? c.hybridLayers?.window, c.architecture == .phi3 || fixedPattern != nil {
            entries.append(.init(a + "attention.sliding_window", .uint32(UInt32(window))))
        }
        if let hybrid = c.hybridLayers, hybrid.isSliding != fixedPattern {
            throw EngineError.invalidOption(name: "layer_types", reason: "GGUF has no key for this pattern of sliding layers (\(c.architecture.ggufName) files hold \(fixedPattern == nil ? "none" : "only llama.cpp's fixed pattern"))")
        }
        if let local = c.slidingRopeTheta, local != 10000 || c.architecture != .gemma3 {
            throw EngineError.invalidOption(name: "rope_parameters", reason: "GGUF has no key for a sliding-layer RoPE base of \(local) (llama.cpp's gemma3 uses 10000)")
        }
        if let scalar = c.queryPreAttentionScalar {
            entries.append(.init(a + "attention.query_pre_attn_scalar", .float32(Float(scalar))))
        }
        if let cap = c.attentionLogitSoftcap { entries.append(.init(a + "attn_logit_softcapping", .float32(cap))) }
        if let cap = c.finalLogitSoftcap { entries.append(.init(a + "final_logit_softcapping", .float32(cap))) }
        if let scaling = c.ropeScaling {
            let original = scaling.originalMaxPositionEmbeddings ?? c.originalMaxPositionEmbeddings
            switch scaling.type {
            case "linear", "yarn":
                entries.append(.init(a + "rope.scaling.type", .string(scaling.type)))
                entries.append(.init(a + "rope.scaling.factor", .float32(Float(scaling.factor ?? 1))))
                if let original { entries.append(.init(a + "rope.scaling.original_context_length", .uint32(UInt32(original)))) }
            case "longrope":
                guard let original else { throw EngineError.invalidOption(name: "rope_scaling", reason: "longrope needs original_max_position_embeddings") }
                entries.append(.init(a + "rope.scaling.original_context_length", .uint32(UInt32(original))))
                let factor = Double(c.maxPositionEmbeddings) / Double(original)
                let attention = scaling.attentionFactor ?? (factor <= 1 ? 1 : (1 + log(factor) / log(Double(original))).squareRoot())
                entries.append(.init(a + "rope.scaling.attn_factor", .float32(Float(attention))))
            case "llama3":
                break  // written as the rope_freqs.weight tensor
            default:
                throw EngineError.invalidOption(name: "rope_scaling",
                                                reason: "'\(scaling.type)' scaling cannot be written to GGUF (linear, yarn, longrope, llama3 can)")
            }
        }
        return entries
    }

    /// The tensors, each converted when it is written.
    public func tensors() throws -> [GGUFTensorToWrite] {
        let c = configuration
        var out: [GGUFTensorToWrite] = []
        let store = store, scheme = scheme
        func vector(_ gguf: String, _ hf: String, _ count: Int, adding offset: Float) {
            out.append(GGUFTensorToWrite(name: gguf, dimensions: [count], type: .f32) {
                let values = try store.floats(hf, shape: [count])
                return (offset == 0 ? values : values.map { $0 + offset }).withUnsafeBufferPointer { GGMLQuantizer.quantize($0, as: .f32) }
            })
        }
        func constant(_ gguf: String, _ values: [Float]) {
            out.append(GGUFTensorToWrite(name: gguf, dimensions: [values.count], type: .f32) {
                values.withUnsafeBufferPointer { GGMLQuantizer.quantize($0, as: .f32) }
            })
        }
        /// A matrix (rows, columns); `permuteHeads` re-orders llama q/k rows to interleaved pairs.
        func matrix(_ gguf: String, _ hf: String, rows: Int, columns: Int, role: GGUFQuantScheme.Role, layer: Int, permuteHeads: Int? = nil) {
            let type = scheme.type(for: role, layer: layer, layerCount: c.layerCount, rowLength: columns)
            let rotaryDim = c.rotaryDim, headDim = c.headDim
            out.append(GGUFTensorToWrite(name: gguf, dimensions: [columns, rows], type: type) {
                var values = try store.floats(hf, shape: [rows, columns])
                if let heads = permuteHeads { values = Self.interleaveRopePairs(values, heads: heads, headDim: headDim, rotaryDim: rotaryDim, columns: columns) }
                return GGMLQuantizer.quantizeRows(values, rows: rows, columns: columns, as: type)
            })
        }
        switch c.ropeScaling?.type {
        case "llama3":
            func frequencies(_ scaling: RopeScaling?) throws -> RopeFrequencies {
                try RopeFrequencies(base: c.ropeTheta, rotaryDim: c.rotaryDim, scaling: scaling, maxPositionEmbeddings: c.maxPositionEmbeddings,
                                    originalMaxPositionEmbeddings: c.originalMaxPositionEmbeddings, sequenceLength: 1)
            }
            let rope = try frequencies(c.ropeScaling), plain = try frequencies(nil)
            constant("rope_freqs.weight", zip(plain.inverseFrequencies, rope.inverseFrequencies).map { $0 / $1 })
        case "longrope":
            constant("rope_factors_long.weight", (c.ropeScaling?.longFactor ?? []).map(Float.init))
            constant("rope_factors_short.weight", (c.ropeScaling?.shortFactor ?? []).map(Float.init))
        default: break
        }
        let tied = c.tieWordEmbeddings || !store.contains("lm_head.weight")
        let normOffset = c.definition.style.normWeightOffset
        for spec in c.tensorTable {
            if spec.role == .lmHead && tied { continue }
            if spec.isOptional && !store.contains(spec.hfName) { continue }
            if spec.isMatrix {
                let role = spec.role == .embedding ? (tied ? .output : .embedding) : spec.quantRole
                matrix(spec.ggufName, spec.hfName, rows: spec.shape[0], columns: spec.shape[1], role: role, layer: spec.layer ?? 0,
                       permuteHeads: spec.ggufPermutedHeads)
            } else {
                // llama.cpp's files hold Gemma's norms as 1 + w.
                vector(spec.ggufName, spec.hfName, spec.shape[0], adding: spec.role.isNorm ? normOffset : 0)
            }
        }
        return out
    }

    /// Rows of each head reordered from rotate-half pairs (i, i + r/2) to adjacent pairs (2i, 2i+1).
    static func interleaveRopePairs(_ values: [Float], heads: Int, headDim: Int, rotaryDim: Int, columns: Int) -> [Float] {
        var out = values
        let half = rotaryDim / 2
        for h in 0..<heads {
            for i in 0..<half {
                for (target, source) in [(2 * i, i), (2 * i + 1, i + half)] {
                    let to = (h * headDim + target) * columns, from = (h * headDim + source) * columns
                    out.replaceSubrange(to..<(to + columns), with: values[from..<(from + columns)])
                }
            }
        }
        return out
    }

    /// Writes the GGUF file (metadata, then `extraMetadata` such as tokenizer keys, then tensors).
    public func write(to url: URL, extraMetadata: [GGUFMetadataEntry], progress: (Int, Int) -> Void = { _, _ in }) throws {
        let name = folder.lastPathComponent
        try GGUFWriter.write(metadata: metadata(name: name) + extraMetadata, tensors: tensors(), to: url, progress: progress)
    }
}
