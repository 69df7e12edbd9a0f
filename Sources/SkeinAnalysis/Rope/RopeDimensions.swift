import Foundation
import SkeinEngine
import SkeinFormats

/// Per-dimension RoPE analysis: wavelengths against the training length, the critical dimension
/// of "Scaling Laws of RoPE-based Extrapolation" (Liu et al., 2023), and each scaling's effect.
public struct RopeDimensions: Codable, Sendable {
    /// The RoPE settings analysed.
    public var rotaryDim: Int
    public var base: Double
    public var trainingLength: Int
    /// d_extra = 2 * ceil((d/2) * log_base(L / 2 pi)): the dimensions whose wavelength fits in
    /// the training length, i.e. that saw a whole period of every phase in training.
    public var criticalDimension: Int
    /// 2 * (number of pairs with wavelength <= L), counted directly from the wavelengths.
    public var dimensionsWithFullPeriod: Int
    /// One entry per scaling compared (the unscaled RoPE first).
    public var scalings: [Scaling]

    /// What one scaling does to each rotated pair.
    public struct Scaling: Codable, Sendable {
        /// The `--rope` spelling, e.g. "yarn:factor=4".
        public var name: String
        /// 2 pi / theta_i per pair i, in tokens: (rotaryDim / 2).
        public var wavelengths: [Double]
        /// theta_i(unscaled) / theta_i(scaled): 1 = untouched (extrapolated), the factor = interpolated.
        public var stretch: [Double]
        /// 2 * (pairs whose wavelength is <= the training length).
        public var dimensionsWithFullPeriod: Int
        /// The cos/sin multiplier (YaRN's and LongRoPE's attention temperature); 1 otherwise.
        public var attentionScaling: Double
    }

    /// The formula of Liu et al.: 2 * ceil((d/2) * log_base(L / (2 pi))), clamped to 0...d.
    public static func criticalDimension(rotaryDim d: Int, base: Double, trainingLength L: Int) -> Int {
        let pairs = (Double(d) / 2 * log(Double(L) / (2 * Double.pi)) / log(base)).rounded(.up)
        return min(d, max(0, 2 * Int(pairs)))
    }

    /// 2 pi / theta for each inverse frequency.
    public static func wavelengths(_ inverseFrequencies: [Float]) -> [Double] {
        inverseFrequencies.map { 2 * Double.pi / Double($0) }
    }

    /// Analyses `configuration` unscaled and under each `--rope` spelling in `scalings`.
    /// - Throws: `AnalysisError.noRotaryEmbedding` when fewer than 2 dimensions rotate; engine
    ///   errors for a bad scaling spelling.
    public init(configuration: ModelConfiguration, scalings specs: [String], modelName: String) throws {
        guard configuration.rotaryDim >= 2 else { throw AnalysisError.noRotaryEmbedding(model: modelName) }
        let L = configuration.originalMaxPositionEmbeddings ?? configuration.maxPositionEmbeddings
        var plain = configuration
        plain.ropeScaling = nil
        let unscaled = try RopeFrequencies(configuration: plain, sequenceLength: 1).inverseFrequencies
        func fullPeriod(_ wavelengths: [Double]) -> Int { 2 * wavelengths.filter { $0 <= Double(L) }.count }
        var result: [Scaling] = []
        for spec in ["none"] + specs.filter({ $0 != "none" }) {
            let scaled = try RopeOverride.apply(spec, to: configuration)
            // Length-dependent scalings (dynamic NTK, LongRoPE) are shown at 4x the training length.
            let frequencies = try RopeFrequencies(configuration: scaled, sequenceLength: 4 * L)
            let lengths = Self.wavelengths(frequencies.inverseFrequencies)
            result.append(Scaling(name: spec, wavelengths: lengths,
                                  stretch: zip(unscaled, frequencies.inverseFrequencies).map { Double($0) / Double($1) },
                                  dimensionsWithFullPeriod: fullPeriod(lengths),
                                  attentionScaling: Double(frequencies.attentionScaling)))
        }
        rotaryDim = configuration.rotaryDim
        base = configuration.ropeTheta
        trainingLength = L
        criticalDimension = Self.criticalDimension(rotaryDim: rotaryDim, base: base, trainingLength: L)
        dimensionsWithFullPeriod = result[0].dimensionsWithFullPeriod
        scalings = result
    }

    /// A configuration holding only RoPE settings (for analyses without a checkpoint, such as
    /// Llama-2's d = 128, base = 10000, L = 4096).
    public static func configuration(headDim: Int, base: Double, trainingLength: Int) throws -> ModelConfiguration {
        guard headDim >= 2, headDim % 2 == 0 else {
            throw AnalysisError.invalidParameter(name: "head-dim", reason: "must be an even number >= 2, got \(headDim)")
        }
        guard base > 1, base.isFinite else { throw AnalysisError.invalidParameter(name: "base", reason: "must be > 1, got \(base)") }
        guard trainingLength >= 2 else {
            throw AnalysisError.invalidParameter(name: "training-length", reason: "must be at least 2, got \(trainingLength)")
        }
        let json = """
        {"model_type": "llama", "vocab_size": 2, "hidden_size": \(headDim), "intermediate_size": 2,
         "num_hidden_layers": 1, "num_attention_heads": 1, "num_key_value_heads": 1,
         "max_position_embeddings": \(trainingLength), "rope_theta": \(base), "rms_norm_eps": 1e-5}
        """
        return try ModelConfiguration(json: Data(json.utf8), file: "rope settings")
    }
}
