import Foundation
import SkeinFormats

/// `--rope NAME[:key=value,...]`: replaces the RoPE scaling a checkpoint's config.json declares.
public enum RopeOverride {
    public static let names = ["config", "none", "linear", "ntk", "dynamic", "yarn", "llama3", "longrope"]

    /// (name, option keys with defaults) for `skein policies`.
    public static let entries: [(name: String, summary: String, options: [(key: String, defaultValue: String)])] = [
        ("config", "what config.json declares (the default)", []),
        ("none", "plain RoPE, no scaling", []),
        ("linear", "position interpolation: positions divided by factor", [("factor", "2")]),
        ("ntk", "NTK-aware: base * factor^(d/(d-2))", [("factor", "2")]),
        ("dynamic", "dynamic NTK: base recomputed once the sequence passes the training length", [("factor", "2")]),
        ("yarn", "YaRN: per-dimension ramp between interpolation and extrapolation, attention temperature",
         [("factor", "2"), ("original", "L"), ("beta-fast", "32"), ("beta-slow", "1")]),
        ("llama3", "Llama-3 piecewise frequency scaling", [("factor", "8"), ("low", "1"), ("high", "4"), ("original", "L")]),
        ("longrope", "LongRoPE / Phi-3 'su': per-dimension factors from config.json", []),
    ]

    /// The configuration with `text`'s RoPE scaling in place of config.json's.
    public static func apply(_ text: String, to configuration: ModelConfiguration) throws -> ModelConfiguration {
        let spec = try PolicySpec(parsing: text, what: "rope")
        guard let entry = entries.first(where: { $0.name == spec.name }) else {
            throw EngineError.invalidOption(name: "rope", reason: "unknown scaling '\(spec.name)'; valid: \(names.joined(separator: ", "))")
        }
        let r = try OptionReader(spec, what: "rope", allowed: entry.options.map(\.key))
        var c = configuration
        let trainingLength = configuration.originalMaxPositionEmbeddings ?? configuration.maxPositionEmbeddings
        let factor = try r.double("factor")
        switch spec.name {
        case "config":
            return c
        case "none":
            c.ropeScaling = nil
        case "linear", "dynamic":
            var s = RopeScaling(type: spec.name)
            s.factor = factor ?? 2
            s.originalMaxPositionEmbeddings = trainingLength
            c.ropeScaling = s
            c.originalMaxPositionEmbeddings = trainingLength
        case "ntk":
            let d = Double(c.rotaryDim)
            c.ropeTheta = c.ropeTheta * pow(factor ?? 2, d / (d - 2))
            c.ropeScaling = nil
        case "yarn":
            var s = RopeScaling(type: "yarn")
            s.factor = factor ?? 2
            s.originalMaxPositionEmbeddings = try r.int("original", default: trainingLength)
            s.betaFast = try r.double("beta-fast") ?? 32
            s.betaSlow = try r.double("beta-slow") ?? 1
            c.ropeScaling = s
            c.originalMaxPositionEmbeddings = s.originalMaxPositionEmbeddings
        case "llama3":
            var s = RopeScaling(type: "llama3")
            s.factor = factor ?? 8
            s.lowFreqFactor = try r.double("low") ?? 1
            s.highFreqFactor = try r.double("high") ?? 4
            s.originalMaxPositionEmbeddings = try r.int("original", default: trainingLength)
            guard s.highFreqFactor! > s.lowFreqFactor! else {
                throw EngineError.invalidOption(name: "rope llama3", reason: "high must be greater than low")
            }
            c.ropeScaling = s
            c.originalMaxPositionEmbeddings = s.originalMaxPositionEmbeddings
        case "longrope":
            guard let s = configuration.ropeScaling, s.type == "longrope" else {
                throw EngineError.invalidOption(name: "rope longrope", reason: "config.json has no longrope short_factor/long_factor for this model")
            }
            c.ropeScaling = s
        default:
            break
        }
        // Validate now so a bad combination fails before any work.
        _ = try RopeFrequencies(configuration: c, sequenceLength: 1)
        return c
    }
}

extension TransformerModel {
    /// The same weights under another RoPE scaling (`--rope`); nil or "config" keeps config.json's.
    public func withRope(_ text: String?) throws -> TransformerModel {
        guard let text, text != "config" else { return self }
        return TransformerModel(configuration: try RopeOverride.apply(text, to: configuration), weights: weights, ropeLayout: ropeLayout)
    }
}
