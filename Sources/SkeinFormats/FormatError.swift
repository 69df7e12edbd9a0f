/// Errors raised while reading model files. Every case names the file and the field or tensor.
public enum FormatError: Error, Equatable, Sendable, CustomStringConvertible {
    case fileNotFound(path: String)
    case unreadable(path: String, reason: String)
    case malformedJSON(file: String, reason: String)
    case missingField(file: String, field: String)
    case invalidField(file: String, field: String, reason: String)
    case unsupportedArchitecture(file: String, name: String, supported: [String])
    case malformedHeader(file: String, reason: String)
    case invalidTensor(file: String, tensor: String, reason: String)
    case missingTensor(name: String, location: String)
    case shapeMismatch(tensor: String, expected: [Int], actual: [Int])
    /// A model path that is a file without the GGUF magic.
    case notAModel(path: String)
    /// A model name (`ORG/NAME[@REVISION]`) found nowhere: the places searched, the first
    /// folder or refs file that is not there, and the arguments of a download command.
    case modelNotFound(name: String, searched: String, missing: String, download: String)

    public var description: String {
        switch self {
        case .fileNotFound(let path): "\(path): file not found"
        case .unreadable(let path, let reason): "\(path): cannot read: \(reason)"
        case .malformedJSON(let file, let reason): "\(file): malformed JSON: \(reason)"
        case .missingField(let file, let field): "\(file): missing field '\(field)'"
        case .invalidField(let file, let field, let reason): "\(file): field '\(field)': \(reason)"
        case .unsupportedArchitecture(let file, let name, let supported):
            "\(file): unsupported architecture '\(name)' (supported: \(supported.joined(separator: ", ")))"
        case .malformedHeader(let file, let reason): "\(file): malformed header: \(reason)"
        case .invalidTensor(let file, let tensor, let reason): "\(file): tensor '\(tensor)': \(reason)"
        case .missingTensor(let name, let location): "\(location): missing tensor '\(name)'"
        case .shapeMismatch(let tensor, let expected, let actual):
            "tensor '\(tensor)': expected shape \(expected), found \(actual)"
        case .notAModel(let path): "\(path): not a model folder or GGUF file"
        case .modelNotFound(let name, let searched, let missing, let download):
            "\(name): not found in \(searched) (no \(missing)); download it with `skein pull \(name)`, `hf download \(download)` or `huggingface-cli download \(download)`"
        }
    }
}
