import Foundation
import SkeinEngine

/// A relative position bias b(i) added to the attention logit of a key i tokens before the query.
///
/// The Theoretical Receptive Field ("Exploring Transformer Extrapolation", Qin et al. 2023) is
/// defined on exp(b(i)), which is positive and non-increasing in i for every bias here.
public enum RelativeBias: Sendable, Equatable, Codable, CustomStringConvertible {
    /// ALiBi (Press et al.): b(i) = -slope * i.
    case alibi(slope: Double)
    /// KERPLE logarithmic (Chi et al.): b(i) = -r1 * log(1 + r2 * i).
    case kerpleLog(r1: Double, r2: Double)
    /// KERPLE power: b(i) = -r1 * i^r2, with 0 < r2 <= 2.
    case kerplePower(r1: Double, r2: Double)

    public var description: String {
        switch self {
        case .alibi(let m): "alibi:m=\(format(m))"
        case .kerpleLog(let r1, let r2): "kerple-log:r1=\(format(r1)),r2=\(format(r2))"
        case .kerplePower(let r1, let r2): "kerple-power:r1=\(format(r1)),r2=\(format(r2))"
        }
    }

    /// Parses `alibi:m=M`, `kerple-log:r1=A,r2=B` or `kerple-power:r1=A,r2=B`.
    public init(parsing text: String) throws {
        let spec: PolicySpec
        do { spec = try PolicySpec(parsing: text, what: "bias") } catch {
            throw AnalysisError.invalidParameter(name: "bias", reason: "\(error)")
        }
        func value(_ key: String) throws -> Double {
            guard let raw = spec.options.first(where: { $0.key == key })?.value else {
                throw AnalysisError.invalidParameter(name: "bias \(spec.name)", reason: "missing \(key)=VALUE")
            }
            guard let parsed = Double(raw), parsed.isFinite else {
                throw AnalysisError.invalidParameter(name: "bias \(spec.name)", reason: "\(key)=\(raw) is not a number")
            }
            return parsed
        }
        func only(_ keys: [String]) throws {
            for (key, _) in spec.options where !keys.contains(key) {
                throw AnalysisError.invalidParameter(name: "bias \(spec.name)", reason: "unknown key '\(key)'; valid: \(keys.joined(separator: ", "))")
            }
        }
        switch spec.name {
        case "alibi":
            try only(["m"])
            self = .alibi(slope: try value("m"))
        case "kerple-log":
            try only(["r1", "r2"])
            self = .kerpleLog(r1: try value("r1"), r2: try value("r2"))
        case "kerple-power":
            try only(["r1", "r2"])
            self = .kerplePower(r1: try value("r1"), r2: try value("r2"))
        default:
            throw AnalysisError.invalidParameter(name: "bias", reason: "unknown bias '\(spec.name)'; valid: alibi, kerple-log, kerple-power (rope is analysed from the model)")
        }
        try validate()
    }

    /// Throws when a parameter lies outside the bias's domain.
    public func validate() throws {
        func positive(_ name: String, _ v: Double) throws {
            guard v > 0, v.isFinite else { throw AnalysisError.invalidParameter(name: "\(self)", reason: "\(name) must be > 0") }
        }
        switch self {
        case .alibi(let m): try positive("m", m)
        case .kerpleLog(let r1, let r2): try positive("r1", r1); try positive("r2", r2)
        case .kerplePower(let r1, let r2):
            try positive("r1", r1); try positive("r2", r2)
            guard r2 <= 2 else { throw AnalysisError.invalidParameter(name: "\(self)", reason: "r2 must be <= 2 (KERPLE's kernel condition)") }
        }
    }

    /// b(i).
    public func bias(_ i: Double) -> Double {
        switch self {
        case .alibi(let m): -m * i
        case .kerpleLog(let r1, let r2): -r1 * log1p(r2 * i)
        case .kerplePower(let r1, let r2): -r1 * pow(i, r2)
        }
    }

    /// exp(b(i)), the unnormalized attention weight the bias alone gives distance i.
    public func weight(_ i: Double) -> Double { exp(bias(i)) }

    /// Whether sum over i >= 0 of exp(b(i)) is finite. Without it the normalizer diverges and no
    /// finite receptive field exists: the paper's condition for extrapolation.
    public var isSummable: Bool {
        switch self {
        case .alibi(let m): m > 0
        case .kerpleLog(let r1, let r2): r1 > 1 && r2 > 0
        case .kerplePower(let r1, let r2): r1 > 0 && r2 > 0
        }
    }

    /// Why the series diverges, for reports (nil when it converges).
    public var divergenceReason: String? {
        guard !isSummable else { return nil }
        switch self {
        case .kerpleLog(let r1, _): return "sum of (1 + r2 i)^-r1 is infinite for r1 <= 1 (r1 = \(format(r1))): no finite TRF"
        default: return "the weights exp(b(i)) are not summable: no finite TRF"
        }
    }

    /// sum over i >= n of exp(b(i)), for large n, by Euler-Maclaurin:
    /// integral from n to infinity + f(n)/2 - f'(n)/12 (exact for ALiBi).
    func tail(from n: Double) -> Double {
        switch self {
        case .alibi(let m):
            return exp(-m * n) / -expm1(-m)
        case .kerpleLog(let r1, let r2):
            let u = 1 + r2 * n
            let integral = pow(u, 1 - r1) / (r2 * (r1 - 1))
            let derivative = -r1 * r2 * pow(u, -r1 - 1)
            return integral + pow(u, -r1) / 2 - derivative / 12
        case .kerplePower(let r1, let r2):
            // Substituting t = r1 x^r2: integral = r1^(-1/r2) / r2 * Gamma(1/r2, r1 n^r2).
            let a = 1 / r2, z = r1 * pow(n, r2)
            let logIntegral = -log(r2) - a * log(r1) + IncompleteGamma.logUpper(a: a, z: z)
            let f = exp(-z)
            let derivative = -r1 * r2 * pow(n, r2 - 1) * f
            return exp(logIntegral) + f / 2 - derivative / 12
        }
    }
}

func format(_ value: Double) -> String {
    value == value.rounded() && abs(value) < 1e9 ? String(Int(value)) : String(format: "%g", value)
}
