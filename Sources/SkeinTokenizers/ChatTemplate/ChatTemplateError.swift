/// Errors from parsing or rendering a chat template.
public enum ChatTemplateError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The template source is malformed (unclosed block, unknown tag, bad expression).
    case syntax(line: Int, message: String)
    /// The template called `raise_exception(message)`.
    case raised(message: String)
    /// An undefined value was used where jinja2 raises `UndefinedError`.
    case undefinedValue(String)
    /// An operation got values of the wrong type (jinja2 raises a Python `TypeError`).
    case typeMismatch(String)
    /// A filter, test, method or function the interpreter does not know.
    case unsupported(String)
    /// Recursion, range or output size went past a safety limit.
    case limitExceeded(String)
    /// A JSON document passed to `TemplateValue(jsonData:)` is malformed.
    case invalidJSON(offset: Int, message: String)

    public var description: String {
        switch self {
        case let .syntax(line, message): return "chat template syntax error at line \(line): \(message)"
        case let .raised(message): return "chat template raised: \(message)"
        case let .undefinedValue(message): return "chat template undefined value: \(message)"
        case let .typeMismatch(message): return "chat template type error: \(message)"
        case let .unsupported(message): return "chat template unsupported: \(message)"
        case let .limitExceeded(message): return "chat template limit exceeded: \(message)"
        case let .invalidJSON(offset, message): return "invalid JSON at byte \(offset): \(message)"
        }
    }
}
