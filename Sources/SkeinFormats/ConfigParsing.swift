import Foundation

/// Typed access to a JSON object that names its file in every error.
struct JSONFields {
    let file: String
    let object: [String: Any]

    init(data: Data, file: String) throws {
        self.file = file
        try Self.checkNesting(data, file: file)
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            throw FormatError.malformedJSON(file: file, reason: String(describing: error))
        }
        guard let object = parsed as? [String: Any] else {
            throw FormatError.malformedJSON(file: file, reason: "top level is not an object")
        }
        self.object = object
    }

    /// Nesting deeper than this is rejected before parsing (a recursive parser would exhaust the stack).
    static let maximumDepth = 256

    static func checkNesting(_ data: Data, file: String) throws {
        if JSONNesting.exceeds(maximumDepth, in: data) {
            throw FormatError.malformedJSON(file: file, reason: "nested deeper than \(maximumDepth) levels")
        }
    }

    init(object: [String: Any], file: String) {
        self.file = file
        self.object = object
    }

    func has(_ key: String) -> Bool { object[key] != nil && !(object[key] is NSNull) }

    func int(_ key: String) throws -> Int? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        guard let number = value as? NSNumber else {
            throw FormatError.invalidField(file: file, field: key, reason: "expected an integer, found \(type(of: value))")
        }
        let double = number.doubleValue
        guard double.isFinite, double == double.rounded(), abs(double) < 1e15 else {
            throw FormatError.invalidField(file: file, field: key, reason: "expected an integer, found \(number)")
        }
        return Int(double)
    }

    func requiredInt(_ key: String, positive: Bool = true) throws -> Int {
        guard let value = try int(key) else { throw FormatError.missingField(file: file, field: key) }
        if positive && value <= 0 {
            throw FormatError.invalidField(file: file, field: key, reason: "must be positive, found \(value)")
        }
        return value
    }

    func double(_ key: String) throws -> Double? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        guard let number = value as? NSNumber, number.doubleValue.isFinite else {
            throw FormatError.invalidField(file: file, field: key, reason: "expected a number")
        }
        return number.doubleValue
    }

    func bool(_ key: String) throws -> Bool? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        guard let flag = value as? Bool else {
            throw FormatError.invalidField(file: file, field: key, reason: "expected true or false")
        }
        return flag
    }

    func string(_ key: String) throws -> String? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        guard let text = value as? String else {
            throw FormatError.invalidField(file: file, field: key, reason: "expected a string")
        }
        return text
    }

    func doubles(_ key: String) throws -> [Double]? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        guard let array = value as? [Any] else {
            throw FormatError.invalidField(file: file, field: key, reason: "expected an array of numbers")
        }
        return try array.map {
            guard let n = $0 as? NSNumber, n.doubleValue.isFinite else {
                throw FormatError.invalidField(file: file, field: key, reason: "expected an array of numbers")
            }
            return n.doubleValue
        }
    }

    func strings(_ key: String) throws -> [String]? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        guard let array = value as? [Any], let texts = array as? [String] else {
            throw FormatError.invalidField(file: file, field: key, reason: "expected an array of strings")
        }
        return texts
    }

    /// An integer or a list of integers (as `eos_token_id` may be).
    func ints(_ key: String) throws -> [Int] {
        guard let value = object[key], !(value is NSNull) else { return [] }
        if let array = value as? [Any] {
            return try array.map {
                guard let n = $0 as? NSNumber else {
                    throw FormatError.invalidField(file: file, field: key, reason: "expected integers")
                }
                return n.intValue
            }
        }
        return try int(key).map { [$0] } ?? []
    }

    func nested(_ key: String) throws -> JSONFields? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        guard let inner = value as? [String: Any] else {
            throw FormatError.invalidField(file: file, field: key, reason: "expected an object")
        }
        return JSONFields(object: inner, file: "\(file) (\(key))")
    }
}

extension ModelConfiguration {
    /// Reads `config.json` from a model folder.
    public static func load(directory: URL) throws -> ModelConfiguration {
        let url = directory.appendingPathComponent("config.json")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw FormatError.fileNotFound(path: url.path)
        }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw FormatError.unreadable(path: url.path, reason: error.localizedDescription)
        }
        return try ModelConfiguration(json: data, file: url.path)
    }

    /// Parses config.json content; `file` names the source in errors.
    public init(json data: Data, file: String = "config.json") throws {
        let fields = try JSONFields(data: data, file: file)
        guard let modelType = try fields.string("model_type") else {
            throw FormatError.missingField(file: file, field: "model_type")
        }
        guard let architecture = Architecture(rawValue: modelType) else {
            throw FormatError.unsupportedArchitecture(
                file: file, name: modelType, supported: Architecture.allCases.map(\.rawValue))
        }
        self.architecture = architecture
        vocabSize = try fields.requiredInt("vocab_size")
        hiddenSize = try fields.requiredInt("hidden_size")
        intermediateSize = try fields.requiredInt("intermediate_size")
        layerCount = try fields.requiredInt("num_hidden_layers")
        headCount = try fields.requiredInt("num_attention_heads")
        kvHeadCount = try fields.int("num_key_value_heads") ?? headCount
        guard kvHeadCount > 0, headCount % kvHeadCount == 0 else {
            throw FormatError.invalidField(
                file: file, field: "num_key_value_heads",
                reason: "\(kvHeadCount) does not divide num_attention_heads \(headCount)")
        }
        if let explicit = try fields.int("head_dim") {
            guard explicit > 0 else {
                throw FormatError.invalidField(file: file, field: "head_dim", reason: "must be positive")
            }
            headDim = explicit
        } else {
            guard hiddenSize % headCount == 0 else {
                throw FormatError.invalidField(
                    file: file, field: "num_attention_heads",
                    reason: "\(headCount) does not divide hidden_size \(hiddenSize)")
            }
            headDim = hiddenSize / headCount
        }
        rmsNormEps = Float(try fields.double("rms_norm_eps") ?? 1e-6)
        maxPositionEmbeddings = try fields.int("max_position_embeddings") ?? 2048
        tieWordEmbeddings = try fields.bool("tie_word_embeddings") ?? false
        let window = try fields.bool("use_sliding_window") == false ? nil : try fields.int("sliding_window")
        let sliding = try Self.slidingLayers(fields, architecture: architecture, layerCount: layerCount, window: window)
        switch (window, sliding) {
        case (let w?, let flags?) where flags.contains(true) && flags.contains(false):
            slidingWindow = nil
            hybridLayers = HybridLayers(window: w, isSliding: flags)
        case (let w?, let flags):
            slidingWindow = flags?.contains(true) ?? true ? w : nil
            hybridLayers = nil
        case (nil, _):
            slidingWindow = nil
            hybridLayers = nil
        }
        bosTokenId = try fields.int("bos_token_id")
        eosTokenIds = try fields.ints("eos_token_id")
        let activationField = fields.has("hidden_activation") ? "hidden_activation" : "hidden_act"
        let activation = try fields.string(activationField) ?? "silu"
        switch activation {
        case "silu", "swish": hiddenActivation = .silu
        case "gelu_pytorch_tanh": hiddenActivation = .geluTanh
        default:
            throw FormatError.invalidField(file: file, field: activationField,
                                           reason: "'\(activation)' is not supported (silu, gelu_pytorch_tanh)")
        }
        queryPreAttentionScalar = try fields.double("query_pre_attn_scalar")
        if let scalar = queryPreAttentionScalar, scalar <= 0 {
            throw FormatError.invalidField(file: file, field: "query_pre_attn_scalar", reason: "must be positive")
        }
        attentionLogitSoftcap = try Self.softcap(fields, "attn_logit_softcapping")
        finalLogitSoftcap = try Self.softcap(fields, "final_logit_softcapping")

        // Rope: newer configs nest everything in rope_parameters; older ones use rope_theta + rope_scaling.
        // Gemma 3 nests one set per layer type: the global layers' (scaled) and the sliding layers'.
        let nestedRope = try fields.nested("rope_parameters")
        let perLayerType = try nestedRope?.nested("full_attention")
        let ropeParameters = perLayerType ?? nestedRope
        if let sliding = try nestedRope?.nested("sliding_attention") {
            guard try (sliding.string("rope_type") ?? "default") == "default" else {
                throw FormatError.invalidField(file: sliding.file, field: "rope_type", reason: "only unscaled RoPE is supported on sliding layers")
            }
            slidingRopeTheta = try sliding.double("rope_theta")
        } else {
            slidingRopeTheta = try fields.double("rope_local_base_freq")
        }
        let ropeScalingFields = try fields.nested("rope_scaling") ?? ropeParameters
        ropeTheta = try ropeParameters?.double("rope_theta") ?? fields.double("rope_theta") ?? 10000
        partialRotaryFactor = try ropeParameters?.double("partial_rotary_factor")
            ?? fields.double("partial_rotary_factor") ?? 1
        guard partialRotaryFactor > 0, partialRotaryFactor <= 1 else {
            throw FormatError.invalidField(file: file, field: "partial_rotary_factor", reason: "must be in (0, 1]")
        }
        ropeScaling = try ropeScalingFields.flatMap(Self.parseRopeScaling)
        originalMaxPositionEmbeddings = try fields.int("original_max_position_embeddings")
            ?? ropeScaling?.originalMaxPositionEmbeddings
    }

    /// A soft-capping value: absent or null means none; present, it must be positive.
    private static func softcap(_ fields: JSONFields, _ key: String) throws -> Float? {
        guard let cap = try fields.double(key) else { return nil }
        guard cap > 0 else { throw FormatError.invalidField(file: fields.file, field: key, reason: "must be positive, found \(cap)") }
        return Float(cap)
    }

    /// Per layer, whether it slides: `layer_types` when given; else Qwen2/3's `max_window_layers`
    /// (layers from that index on slide) and Gemma 2's alternation (even layers slide); nil when
    /// the config says nothing per layer (a window, if any, applies to every layer).
    private static func slidingLayers(_ fields: JSONFields, architecture: Architecture, layerCount: Int, window: Int?) throws -> [Bool]? {
        if let types = try fields.strings("layer_types") {
            guard types.count == layerCount else {
                throw FormatError.invalidField(file: fields.file, field: "layer_types",
                                               reason: "\(types.count) entries for \(layerCount) layers")
            }
            let flags = try types.map { type -> Bool in
                switch type {
                case "sliding_attention": return true
                case "full_attention": return false
                default:
                    throw FormatError.invalidField(file: fields.file, field: "layer_types",
                                                   reason: "'\(type)' is not supported (sliding_attention, full_attention)")
                }
            }
            if flags.contains(true) && window == nil {
                throw FormatError.invalidField(file: fields.file, field: "layer_types", reason: "sliding layers need a sliding_window")
            }
            return flags
        }
        switch architecture {
        case .qwen2, .qwen3:
            guard window != nil else { return nil }
            let first = try fields.int("max_window_layers") ?? 28
            return (0..<layerCount).map { $0 >= first }
        case .gemma2:
            return architecture.ggufSlidingLayers(count: layerCount)
        case .gemma3:
            let pattern = try fields.int("sliding_window_pattern") ?? 6
            return (0..<layerCount).map { ($0 + 1) % pattern != 0 }
        case .llama, .mistral, .phi3:
            return nil
        }
    }

    private static func parseRopeScaling(_ fields: JSONFields) throws -> RopeScaling? {
        guard var type = try fields.string("rope_type") ?? fields.string("type") else {
            if fields.has("factor") { throw FormatError.missingField(file: fields.file, field: "rope_type") }
            return nil
        }
        if type == "su" { type = "longrope" }
        let known = ["default", "linear", "dynamic", "yarn", "longrope", "llama3"]
        guard known.contains(type) else {
            throw FormatError.invalidField(
                file: fields.file, field: "rope_type",
                reason: "'\(type)' is not supported (\(known.joined(separator: ", ")))")
        }
        if type == "default" { return nil }
        var scaling = RopeScaling(type: type)
        scaling.factor = try fields.double("factor")
        scaling.originalMaxPositionEmbeddings = try fields.int("original_max_position_embeddings")
        scaling.lowFreqFactor = try fields.double("low_freq_factor")
        scaling.highFreqFactor = try fields.double("high_freq_factor")
        scaling.betaFast = try fields.double("beta_fast")
        scaling.betaSlow = try fields.double("beta_slow")
        scaling.attentionFactor = try fields.double("attention_factor")
        scaling.mscale = try fields.double("mscale")
        scaling.mscaleAllDim = try fields.double("mscale_all_dim")
        scaling.shortFactor = try fields.doubles("short_factor")
        scaling.longFactor = try fields.doubles("long_factor")
        scaling.truncate = try fields.bool("truncate")
        if type != "longrope", let factor = scaling.factor, factor <= 0 {
            throw FormatError.invalidField(file: fields.file, field: "factor", reason: "must be positive")
        }
        return scaling
    }
}
