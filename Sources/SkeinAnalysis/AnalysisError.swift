/// Why an analysis cannot run: a bad argument, or a model or text that cannot support the analysis.
public enum AnalysisError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A tolerance such as eps must lie strictly between 0 and 1.
    case invalidEpsilon(name: String, value: Double)
    /// A parameter outside its domain (a slope <= 0, a length < 2, ...).
    case invalidParameter(name: String, reason: String)
    /// The model has no rotary embedding, so RoPE analyses do not apply.
    case noRotaryEmbedding(model: String)
    /// The text gives fewer tokens than the analysis needs.
    case textTooShort(needed: Int, available: Int)

    public var description: String {
        switch self {
        case .invalidEpsilon(let name, let value):
            "\(name) must lie strictly between 0 and 1, got \(value)"
        case .invalidParameter(let name, let reason):
            "\(name): \(reason)"
        case .noRotaryEmbedding(let model):
            "\(model) has no rotary position embedding (rotary dimension < 2); RoPE analyses do not apply"
        case .textTooShort(let needed, let available):
            "the text has \(available) tokens but the analysis needs \(needed); give a longer text or smaller lengths"
        }
    }

    /// Throws unless `value` is in (0, 1).
    public static func checkEpsilon(_ value: Double, name: String = "eps") throws {
        guard value > 0, value < 1 else { throw AnalysisError.invalidEpsilon(name: name, value: value) }
    }

    /// Throws unless every length is at least 2.
    public static func checkLengths(_ lengths: [Int]) throws {
        guard !lengths.isEmpty else { throw AnalysisError.invalidParameter(name: "lengths", reason: "give at least one length") }
        for n in lengths where n < 2 {
            throw AnalysisError.invalidParameter(name: "lengths", reason: "every length must be at least 2, got \(n)")
        }
    }
}
