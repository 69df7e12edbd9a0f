/// jinja2's tests (`x is defined`, `x is string`, ...).
extension Renderer {
    func applyTest(_ name: String, _ value: Value, _ args: Arguments) throws -> Bool {
        func argument() throws -> Value {
            guard let first = args.positional.first else { throw ChatTemplateError.typeMismatch("test '\(name)' needs an argument") }
            return first
        }
        switch name {
        case "defined": return !value.isUndefined
        case "undefined": return value.isUndefined
        case "none": if case .none = value { return true } else { return false }
        case "boolean": if case .bool = value { return true } else { return false }
        case "true": if case .bool(true) = value { return true } else { return false }
        case "false": if case .bool(false) = value { return true } else { return false }
        case "string": if case .string = value { return true } else { return false }
        case "mapping": if case .object = value { return true } else { return false }
        case "number":
            switch value { case .int, .double, .bool: return true; default: return false }
        case "integer": if case .int = value { return true } else { return false }
        case "float": if case .double = value { return true } else { return false }
        case "iterable":
            switch value { case .string, .array, .tuple, .object, .undefined: return true; default: return false }
        case "sequence":
            switch value { case .string, .array, .tuple, .object: return true; default: return false }
        case "callable": if case .callable = value { return true } else { return false }
        case "equalto", "eq", "==": return Operators.equal(value, try argument())
        case "ne", "!=": return !Operators.equal(value, try argument())
        case "sameas":
            let other = try argument()
            switch (value, other) {
            case (.none, .none): return true
            case let (.bool(a), .bool(b)): return a == b
            case let (.namespace(a), .namespace(b)): return a === b
            default: return false
            }
        case "lt", "<": return try Operators.compare(value, try argument(), "<") < 0
        case "le", "<=": return try Operators.compare(value, try argument(), "<=") <= 0
        case "gt", ">", "greaterthan": return try Operators.compare(value, try argument(), ">") > 0
        case "ge", ">=": return try Operators.compare(value, try argument(), ">=") >= 0
        case "in": return try Operators.contains(try argument(), value)
        case "odd", "even", "divisibleby":
            guard case let .int(i) = Operators.number(value) ?? .none else {
                throw undefinedOrType(value, "test '\(name)' needs an integer")
            }
            if name == "odd" { return i % 2 != 0 }
            if name == "even" { return i % 2 == 0 }
            guard case let .int(d) = try argument(), d != 0 else { throw ChatTemplateError.typeMismatch("divisibleby needs a non-zero integer") }
            return i % d == 0
        case "lower": if case let .string(s) = value { return s == s.lowercased() } else { return false }
        case "upper": if case let .string(s) = value { return s == s.uppercased() } else { return false }
        default: throw ChatTemplateError.unsupported("test '\(name)'")
        }
    }
}
