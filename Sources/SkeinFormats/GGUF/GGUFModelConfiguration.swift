import Foundation

extension GGUFFile {
    /// Metadata key `key`, or a typed error naming it.
    func required(_ key: String) throws -> GGUFValue {
        guard let value = metadata[key] else { throw FormatError.missingField(file: path, field: key) }
        return value
    }

    /// An integer key that must be present and positive.
    func requiredPositiveInt(_ key: String) throws -> Int {
        guard let value = try required(key).intValue, value > 0 else {
            throw FormatError.invalidField(file: path, field: key, reason: "must be a positive integer")
        }
        return value
    }

    /// An optional integer key; present but not a positive integer is an error.
    func optionalPositiveInt(_ key: String) throws -> Int? {
        guard metadata[key] != nil else { return nil }
        return try requiredPositiveInt(key)
    }

    /// An optional number key; present but not a number is an error.
    func optionalDouble(_ key: String) throws -> Double? {
        guard let value = metadata[key] else { return nil }
        guard let number = value.doubleValue, number.isFinite else {
            throw FormatError.invalidField(file: path, field: key, reason: "must be a finite number")
        }
        return number
    }
}

extension ModelConfiguration {
    /// The hyper-parameters of a GGUF model, from its `general.architecture` and `<arch>.*` metadata
    /// (and the tensors that carry RoPE factors: `rope_freqs.weight`, `rope_factors_long/short.weight`).
    /// - Throws: `FormatError` naming the missing or inconsistent key.
    public init(gguf file: GGUFFile) throws {
        guard let name = try file.required("general.architecture").stringValue else {
            throw FormatError.invalidField(file: file.path, field: "general.architecture", reason: "must be a string")
        }
        guard let architecture = Architecture(ggufName: name) else {
            throw FormatError.unsupportedArchitecture(file: file.path, name: name,
                                                      supported: Array(Set(Architecture.allCases.map(\.ggufName))).sorted())
        }
        let a = name + "."
        self.architecture = architecture
        hiddenSize = try file.requiredPositiveInt(a + "embedding_length")
        intermediateSize = try file.requiredPositiveInt(a + "feed_forward_length")
        layerCount = try file.requiredPositiveInt(a + "block_count")
        headCount = try file.requiredPositiveInt(a + "attention.head_count")
        kvHeadCount = try file.optionalPositiveInt(a + "attention.head_count_kv") ?? headCount
        guard headCount % kvHeadCount == 0 else {
            throw FormatError.invalidField(file: file.path, field: a + "attention.head_count_kv",
                                           reason: "\(kvHeadCount) does not divide \(a)attention.head_count \(headCount)")
        }
        if let keyLength = try file.optionalPositiveInt(a + "attention.key_length") {
            headDim = keyLength
        } else {
            guard hiddenSize % headCount == 0 else {
                throw FormatError.invalidField(file: file.path, field: a + "attention.head_count",
                                               reason: "\(headCount) heads do not divide \(a)embedding_length \(hiddenSize)")
            }
            headDim = hiddenSize / headCount
        }
        let embedding = try file.tensor("token_embd.weight")
        guard embedding.dimensions.count == 2, embedding.dimensions[0] == hiddenSize else {
            throw FormatError.shapeMismatch(tensor: "token_embd.weight", expected: [hiddenSize, -1], actual: embedding.dimensions)
        }
        vocabSize = embedding.dimensions[1]
        rmsNormEps = Float(try file.optionalDouble(a + "attention.layer_norm_rms_epsilon") ?? 1e-5)
        ropeTheta = try file.optionalDouble(a + "rope.freq_base") ?? 10000
        let rotary = try file.optionalPositiveInt(a + "rope.dimension_count") ?? headDim
        guard rotary <= headDim, rotary % 2 == 0 else {
            throw FormatError.invalidField(file: file.path, field: a + "rope.dimension_count",
                                           reason: "\(rotary) must be even and at most the head width \(headDim)")
        }
        partialRotaryFactor = Double(rotary) / Double(headDim)
        maxPositionEmbeddings = try file.optionalPositiveInt(a + "context_length") ?? 2048
        originalMaxPositionEmbeddings = try file.optionalPositiveInt(a + "rope.scaling.original_context_length")
        tieWordEmbeddings = !file.tensors.contains { $0.name == "output.weight" }
        let window = try file.optionalPositiveInt(a + "attention.sliding_window")
        bosTokenId = file.metadata["tokenizer.ggml.bos_token_id"]?.intValue
        eosTokenIds = file.metadata["tokenizer.ggml.eos_token_id"]?.intValue.map { [$0] } ?? []
        switch architecture {
        case .gemma2, .gemma3:
            // llama.cpp's Gemma 2/3: GeGLU, a fixed pattern of sliding layers, queries scaled by
            // 1/sqrt(head width) unless the file says otherwise (Skein writes query_pre_attn_scalar);
            // Gemma 2 soft-caps its logits, Gemma 3's sliding layers use RoPE base 10000.
            hiddenActivation = .geluTanh
            slidingWindow = nil
            hybridLayers = try window.map { w in
                guard let flags = architecture.ggufSlidingLayers(count: layerCount) else {
                    throw FormatError.invalidField(file: file.path, field: a + "attention.sliding_window", reason: "no layer pattern")
                }
                return HybridLayers(window: w, isSliding: flags)
            }
            queryPreAttentionScalar = try file.optionalDouble(a + "attention.query_pre_attn_scalar")
            attentionLogitSoftcap = try file.optionalDouble(a + "attn_logit_softcapping").map(Float.init)
            finalLogitSoftcap = try file.optionalDouble(a + "final_logit_softcapping").map(Float.init)
            slidingRopeTheta = architecture == .gemma3 ? 10000 : nil
        case .llama, .mistral, .qwen2, .qwen3, .phi3:
            hiddenActivation = .silu
            slidingWindow = window
            hybridLayers = nil
            queryPreAttentionScalar = nil
            attentionLogitSoftcap = nil
            finalLogitSoftcap = nil
            slidingRopeTheta = nil
        }
        ropeScaling = try Self.ggufRopeScaling(file, prefix: a, rotaryDim: rotary,
                                               original: originalMaxPositionEmbeddings ?? maxPositionEmbeddings)
    }

    /// RoPE scaling from `<arch>.rope.scaling.*` keys, or from factor tensors: `rope_freqs.weight`
    /// (Llama 3's per-frequency divisors) and phi3's `rope_factors_long/short.weight` (LongRoPE).
    private static func ggufRopeScaling(_ file: GGUFFile, prefix a: String, rotaryDim: Int, original: Int) throws -> RopeScaling? {
        func factors(_ tensor: String) throws -> [Double]? {
            guard file.tensors.contains(where: { $0.name == tensor }) else { return nil }
            let values = try file.floats(tensor)
            guard values.count == rotaryDim / 2 else {
                throw FormatError.shapeMismatch(tensor: tensor, expected: [rotaryDim / 2], actual: [values.count])
            }
            return values.map(Double.init)
        }
        if let long = try factors("rope_factors_long.weight") {
            var scaling = RopeScaling(type: "longrope")
            scaling.longFactor = long
            scaling.shortFactor = try factors("rope_factors_short.weight") ?? long
            scaling.originalMaxPositionEmbeddings = original
            scaling.attentionFactor = try file.optionalDouble(a + "rope.scaling.attn_factor")
            return scaling
        }
        if let divisors = try factors("rope_freqs.weight") {
            // Fixed per-frequency divisors: LongRoPE with one factor set and no attention scaling.
            var scaling = RopeScaling(type: "longrope")
            scaling.longFactor = divisors
            scaling.shortFactor = divisors
            scaling.originalMaxPositionEmbeddings = original
            scaling.attentionFactor = 1
            return scaling
        }
        guard let type = file.metadata[a + "rope.scaling.type"]?.stringValue, type != "none" else { return nil }
        guard ["linear", "yarn"].contains(type) else {
            throw FormatError.invalidField(file: file.path, field: a + "rope.scaling.type", reason: "'\(type)' is not supported (none, linear, yarn)")
        }
        var scaling = RopeScaling(type: type)
        scaling.factor = try file.optionalDouble(a + "rope.scaling.factor")
        guard scaling.factor != nil else { throw FormatError.missingField(file: file.path, field: a + "rope.scaling.factor") }
        scaling.originalMaxPositionEmbeddings = original
        scaling.betaFast = try file.optionalDouble(a + "rope.scaling.yarn_beta_fast")
        scaling.betaSlow = try file.optionalDouble(a + "rope.scaling.yarn_beta_slow")
        return scaling
    }
}
