import Foundation

/// A JSON-like value passed into a chat template (messages, tools, extra variables).
///
/// Objects keep their key order, so `tojson` writes keys in the order they were given,
/// as Python's `json.dumps` does for a `dict`.
public indirect enum TemplateValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([TemplateValue])
    /// Key-value pairs in insertion order.
    case object([(key: String, value: TemplateValue)])

    public static func == (lhs: TemplateValue, rhs: TemplateValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.int(a), .int(b)): return a == b
        case let (.double(a), .double(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    /// Looks up `key` in an object; `nil` for other values or a missing key.
    public subscript(key: String) -> TemplateValue? {
        guard case let .object(pairs) = self else { return nil }
        return pairs.first { $0.key == key }?.value
    }
}

extension TemplateValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByFloatLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(arrayLiteral elements: TemplateValue...) { self = .array(elements) }
    /// Keeps the literal's key order.
    public init(dictionaryLiteral elements: (String, TemplateValue)...) {
        self = .object(elements.map { (key: $0.0, value: $0.1) })
    }
    public init(nilLiteral: ()) { self = .null }
}

extension TemplateValue {
    /// Converts a `JSONSerialization`-style object (`NSNull`, `Bool`, numbers, `String`, arrays,
    /// dictionaries). Dictionary keys are sorted, since `[String: Any]` has no order; use
    /// `init(jsonData:)` to keep the order written in a JSON document.
    /// - Throws: `ChatTemplateError.typeMismatch` for anything that is not JSON.
    public init(jsonObject: Any) throws {
        switch jsonObject {
        case is NSNull: self = .null
        case let value as TemplateValue: self = value
        case let value as String: self = .string(value)
        case let value as NSNumber:
            let kind = String(cString: value.objCType)
            if kind == "c" || kind == "B" {
                self = .bool(value.boolValue)
            } else if kind == "d" || kind == "f" {
                self = .double(value.doubleValue)
            } else {
                self = .int(value.intValue)
            }
        case let value as Bool: self = .bool(value)
        case let value as Int: self = .int(value)
        case let value as Double: self = .double(value)
        case let value as [Any]: self = .array(try value.map { try TemplateValue(jsonObject: $0) })
        case let value as [String: Any]:
            self = .object(try value.keys.sorted().map { key in (key: key, value: try TemplateValue(jsonObject: value[key] as Any)) })
        default:
            throw ChatTemplateError.typeMismatch("value of type \(type(of: jsonObject)) is not JSON")
        }
    }

    /// Parses a JSON document, keeping object key order.
    /// - Throws: `ChatTemplateError.invalidJSON` with the byte offset of the problem.
    public init(jsonData: Data) throws {
        var parser = OrderedJSONParser(bytes: [UInt8](jsonData))
        self = try parser.parseDocument()
    }
}
