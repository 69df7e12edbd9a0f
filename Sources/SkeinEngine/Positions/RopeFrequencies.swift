import Foundation
import SkeinFormats

/// Inverse frequencies and attention scaling for one RoPE configuration, computed as
/// transformers' rope initialisation functions do (default, linear, dynamic, yarn, longrope, llama3).
public struct RopeFrequencies: Sendable, Equatable {
    /// (rotaryDim / 2): the angle of pair i at position m is m * inverseFrequencies[i].
    public var inverseFrequencies: [Float]
    /// Multiplies cos and sin (YaRN's mscale, LongRoPE's scale); 1 otherwise.
    public var attentionScaling: Float

    /// - Parameter sequenceLength: the current total length; dynamic NTK and LongRoPE's choice of
    ///   short or long factors depend on it.
    public init(base: Double, rotaryDim: Int, scaling: RopeScaling?, maxPositionEmbeddings: Int,
                originalMaxPositionEmbeddings: Int?, sequenceLength: Int) throws {
        let dim = rotaryDim, half = rotaryDim / 2
        guard dim >= 2 else { throw EngineError.invalidOption(name: "rope", reason: "rotary dimension \(dim) is too small") }
        /// base^(2i/dim) for each pair, in f32 as torch computes it.
        func exponents(_ base: Double) -> [Double] { (0..<half).map { Double(Float(pow(base, Double(2 * $0) / Double(dim)))) } }
        func fail(_ field: String, _ reason: String) -> EngineError { .invalidOption(name: "rope_scaling.\(field)", reason: reason) }
        guard let scaling else {
            inverseFrequencies = exponents(base).map { Float(1 / $0) }
            attentionScaling = 1
            return
        }
        let original = scaling.originalMaxPositionEmbeddings ?? originalMaxPositionEmbeddings
        switch scaling.type {
        case "linear":
            guard let factor = scaling.factor else { throw fail("factor", "linear scaling needs a factor") }
            inverseFrequencies = exponents(base).map { Float(1 / $0 / factor) }
            attentionScaling = 1
        case "dynamic":
            guard let factor = scaling.factor else { throw fail("factor", "dynamic scaling needs a factor") }
            let length = Double(max(sequenceLength, maxPositionEmbeddings))
            let scaledBase = base * pow(factor * length / Double(maxPositionEmbeddings) - (factor - 1), Double(dim) / Double(dim - 2))
            inverseFrequencies = exponents(scaledBase).map { Float(1 / $0) }
            attentionScaling = 1
        case "yarn":
            guard let original else { throw fail("original_max_position_embeddings", "yarn needs the original context length") }
            let factor = scaling.factor ?? Double(maxPositionEmbeddings) / Double(original)
            func mscale(_ scale: Double, _ m: Double = 1) -> Double { scale <= 1 ? 1 : 0.1 * m * log(scale) + 1 }
            let attention: Double
            if let given = scaling.attentionFactor {
                attention = given
            } else if let m = scaling.mscale, let all = scaling.mscaleAllDim, m != 0, all != 0 {
                attention = mscale(factor, m) / mscale(factor, all)
            } else {
                attention = mscale(factor)
            }
            let betaFast = scaling.betaFast ?? 32, betaSlow = scaling.betaSlow ?? 1
            func correctionDim(_ rotations: Double) -> Double {
                Double(dim) * log(Double(original) / (rotations * 2 * Double.pi)) / (2 * log(base))
            }
            var low = correctionDim(betaFast), high = correctionDim(betaSlow)
            if scaling.truncate ?? true {
                low = low.rounded(.down)
                high = high.rounded(.up)
            }
            low = max(low, 0)
            high = min(high, Double(dim - 1))
            if low == high { high += 0.001 }
            let exps = exponents(base)
            inverseFrequencies = (0..<half).map { i in
                let ramp = min(max((Double(Float(i)) - low) / (high - low), 0), 1)
                let extrapolation = Float(1 - ramp)
                let extrapolated = Float(1 / exps[i]), interpolated = Float(1 / (factor * exps[i]))
                return interpolated * (1 - extrapolation) + extrapolated * extrapolation
            }
            attentionScaling = Float(attention)
        case "longrope":
            guard let original else { throw fail("original_max_position_embeddings", "longrope needs the original context length") }
            guard let long = scaling.longFactor, let short = scaling.shortFactor else {
                throw fail("long_factor", "longrope needs short_factor and long_factor")
            }
            guard long.count == half, short.count == half else {
                throw fail("long_factor", "short_factor and long_factor need \(half) values each, found \(short.count) and \(long.count)")
            }
            let factor = scaling.factor ?? Double(maxPositionEmbeddings) / Double(original)
            let attention = scaling.attentionFactor ?? (factor <= 1 ? 1 : (1 + log(factor) / log(Double(original))).squareRoot())
            let chosen = sequenceLength > original ? long : short
            inverseFrequencies = zip(exponents(base), chosen).map { Float(1 / (Double(Float($1)) * $0)) }
            attentionScaling = Float(attention)
        case "llama3":
            guard let factor = scaling.factor, let low = scaling.lowFreqFactor, let high = scaling.highFreqFactor, let original else {
                throw fail("factor", "llama3 scaling needs factor, low_freq_factor, high_freq_factor and original_max_position_embeddings")
            }
            guard high != low else { throw fail("high_freq_factor", "must differ from low_freq_factor") }
            let lowWavelength = Double(original) / low, highWavelength = Double(original) / high
            inverseFrequencies = exponents(base).map { exponent in
                let inv = Double(Float(1 / exponent))
                let wavelength = 2 * Double.pi / inv
                if wavelength < highWavelength { return Float(inv) }
                if wavelength > lowWavelength { return Float(inv / factor) }
                let smooth = (Double(original) / wavelength - low) / (high - low)
                return Float((1 - smooth) * inv / factor + smooth * inv)
            }
            attentionScaling = 1
        default:
            throw fail("rope_type", "'\(scaling.type)' is not supported (linear, dynamic, yarn, longrope, llama3)")
        }
    }

    public init(configuration c: ModelConfiguration, sequenceLength: Int) throws {
        try self.init(base: c.ropeTheta, rotaryDim: c.rotaryDim, scaling: c.ropeScaling,
                      maxPositionEmbeddings: c.maxPositionEmbeddings,
                      originalMaxPositionEmbeddings: c.originalMaxPositionEmbeddings, sequenceLength: sequenceLength)
    }
}
