/// Why a tokenizer could not be loaded or used. Every case names the file, field or component.
public enum TokenizerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be read.
    case unreadable(file: String, reason: String)
    /// The file is not valid JSON, or its top level is not an object.
    case invalidJSON(file: String, reason: String)
    /// A required field is missing or has the wrong type.
    case invalidField(file: String, field: String, reason: String)
    /// A pipeline component whose `type` Skein does not implement.
    case unknownComponent(file: String, kind: String, type: String)
    /// A regular expression in the pipeline does not compile.
    case invalidPattern(file: String, field: String, pattern: String)
    /// A token id outside the vocabulary.
    case unknownTokenId(Int)
    /// A valid tokenizer that a GGUF vocabulary cannot express (and why).
    case notRepresentableInGGUF(file: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let file, let reason): return "\(file): cannot read: \(reason)"
        case .invalidJSON(let file, let reason): return "\(file): invalid JSON: \(reason)"
        case .invalidField(let file, let field, let reason): return "\(file): field '\(field)': \(reason)"
        case .unknownComponent(let file, let kind, let type):
            return "\(file): unsupported \(kind) type '\(type)'"
        case .invalidPattern(let file, let field, let pattern):
            return "\(file): field '\(field)': regular expression does not compile: \(pattern)"
        case .unknownTokenId(let id): return "token id \(id) is not in the vocabulary"
        case .notRepresentableInGGUF(let file, let reason): return "\(file): cannot be written as a GGUF tokenizer: \(reason)"
        }
    }
}
