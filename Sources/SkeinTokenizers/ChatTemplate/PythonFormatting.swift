import Foundation

/// Python's `str()`, `repr()` and `json.dumps()` for interpreter values, so output matches
/// what jinja2 writes byte for byte.
enum PythonFormat {
    /// `str(value)`; undefined renders as the empty string, as jinja2's default `Undefined` does.
    static func str(_ value: Value) -> String {
        switch value {
        case .undefined: return ""
        case let .string(s): return s
        default: return repr(value)
        }
    }

    /// Python's `repr(float)`: shortest round-trip digits, `1.0` for whole numbers, `1e+16` style exponents.
    static func float(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d < 0 ? "-inf" : "inf" }
        var text = "\(d)"  // Swift also prints the shortest round-trip form
        if let e = text.firstIndex(of: "e") {
            // Swift writes "1e-05"/"1e+16" like Python; make sure the mantissa has no ".0".
            var mantissa = String(text[..<e])
            let exponent = String(text[text.index(after: e)...])
            if mantissa.hasSuffix(".0") { mantissa.removeLast(2) }
            let sign = exponent.hasPrefix("-") ? "-" : "+"
            var digits = exponent.trimmingCharacters(in: CharacterSet(charactersIn: "+-"))
            if digits.count < 2 { digits = "0" + digits }
            text = mantissa + "e" + sign + digits
        }
        return text
    }

    static func repr(_ value: Value) -> String {
        switch value {
        case .undefined: return ""
        case .none: return "None"
        case let .bool(b): return b ? "True" : "False"
        case let .int(i): return String(i)
        case let .double(d): return float(d)
        case let .string(s): return reprString(s)
        case let .array(a): return "[" + a.map(repr).joined(separator: ", ") + "]"
        case let .tuple(a): return "(" + a.map(repr).joined(separator: ", ") + (a.count == 1 ? ",)" : ")")
        case let .object(o): return "{" + o.map { reprString($0.key) + ": " + repr($0.value) }.joined(separator: ", ") + "}"
        case let .namespace(ns): return "<Namespace " + ns.attributes.map { "\($0.key)=\(repr($0.value))" }.joined(separator: ", ") + ">"
        case .callable: return "<function>"
        }
    }

    static func reprString(_ s: String) -> String {
        let quote: Character = (s.contains("'") && !s.contains("\"")) ? "\"" : "'"
        var out = String(quote)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if Character(scalar) == quote {
                    out += "\\" + String(quote)
                } else if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += String(format: "\\x%02x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out.append(quote)
        return out
    }

    /// Options of transformers' `tojson` filter (`json.dumps` with `ensure_ascii=False` by default).
    struct JSONOptions {
        var indent: String? = nil
        var itemSeparator: String? = nil
        var keySeparator: String = ": "
        var sortKeys = false
        var ensureASCII = false
    }

    /// `json.dumps(value, ...)`.
    static func json(_ value: Value, _ options: JSONOptions) throws -> String {
        var out = ""
        try writeJSON(value, options, level: 0, into: &out)
        return out
    }

    /// The deepest nesting and the most bytes `tojson` writes.
    static let maxJSONDepth = 512
    static let maxJSONBytes = 64 << 20

    private static func writeJSON(_ value: Value, _ options: JSONOptions, level: Int, into out: inout String) throws {
        guard level <= maxJSONDepth else { throw ChatTemplateError.limitExceeded("tojson of a value nested deeper than \(maxJSONDepth)") }
        guard out.utf8.count <= maxJSONBytes else { throw ChatTemplateError.limitExceeded("tojson output larger than \(maxJSONBytes) bytes") }
        let itemSeparator = options.itemSeparator ?? (options.indent == nil ? ", " : ",")
        func newline(_ level: Int) {
            if let indent = options.indent { out += "\n" + String(repeating: indent, count: level) }
        }
        switch value {
        case .none: out += "null"
        case let .bool(b): out += b ? "true" : "false"
        case let .int(i): out += String(i)
        case let .double(d):
            out += d.isNaN ? "NaN" : d.isInfinite ? (d < 0 ? "-Infinity" : "Infinity") : float(d)
        case let .string(s): out += jsonString(s, ensureASCII: options.ensureASCII)
        case let .array(items), let .tuple(items):
            if items.isEmpty { out += "[]"; return }
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += itemSeparator }
                newline(level + 1)
                try writeJSON(item, options, level: level + 1, into: &out)
            }
            newline(level)
            out += "]"
        case var .object(pairs):
            if pairs.isEmpty { out += "{}"; return }
            if options.sortKeys { pairs.sort { $0.key < $1.key } }
            out += "{"
            for (index, pair) in pairs.enumerated() {
                if index > 0 { out += itemSeparator }
                newline(level + 1)
                out += jsonString(pair.key, ensureASCII: options.ensureASCII) + options.keySeparator
                try writeJSON(pair.value, options, level: level + 1, into: &out)
            }
            newline(level)
            out += "}"
        case .undefined, .namespace, .callable:
            throw ChatTemplateError.typeMismatch("Object of type \(value.typeName) is not JSON serializable")
        }
    }

    static func jsonString(_ s: String, ensureASCII: Bool) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else if ensureASCII && scalar.value > 0x7E {
                    if scalar.value > 0xFFFF {
                        let v = scalar.value - 0x10000
                        out += String(format: "\\u%04x\\u%04x", 0xD800 + (v >> 10), 0xDC00 + (v & 0x3FF))
                    } else {
                        out += String(format: "\\u%04x", scalar.value)
                    }
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
