import Foundation

/// Binary operators, equality and ordering with Python semantics.
extension Renderer {
    func binary(_ op: String, _ left: Value, _ right: Value) throws -> Value {
        switch op {
        case "==": return .bool(Operators.equal(left, right))
        case "!=": return .bool(!Operators.equal(left, right))
        case "<", ">", "<=", ">=":
            let order = try Operators.compare(left, right, op)
            switch op {
            case "<": return .bool(order < 0)
            case ">": return .bool(order > 0)
            case "<=": return .bool(order <= 0)
            default: return .bool(order >= 0)
            }
        case "in": return .bool(try Operators.contains(right, left))
        case "not in": return .bool(!(try Operators.contains(right, left)))
        case "~": return try concatenated(PythonFormat.str(left), PythonFormat.str(right))
        default: return try arithmetic(op, left, right)
        }
    }

    /// The most items a list built by `+` or `*` may hold.
    static let maxListCount = 1_000_000

    /// `a + b`, refused past `outputLimit` bytes (a template doubling a string in a loop).
    private func concatenated(_ a: String, _ b: String) throws -> Value {
        guard a.utf8.count + b.utf8.count <= outputLimit else {
            throw ChatTemplateError.limitExceeded("string concatenation larger than \(outputLimit) bytes")
        }
        return .string(a + b)
    }

    private func arithmetic(_ op: String, _ left: Value, _ right: Value) throws -> Value {
        if left.isUndefined { throw undefinedOrType(left, "") }
        if right.isUndefined { throw undefinedOrType(right, "") }
        let typeError = ChatTemplateError.typeMismatch("unsupported operand type(s) for \(op): '\(left.typeName)' and '\(right.typeName)'")
        switch (op, left, right) {
        case let ("+", .string(a), .string(b)): return try concatenated(a, b)
        case let ("+", .array(a), .array(b)):
            guard a.count + b.count <= Self.maxListCount else { throw ChatTemplateError.limitExceeded("list concatenation too large") }
            return .array(a + b)
        case let ("+", .tuple(a), .tuple(b)):
            guard a.count + b.count <= Self.maxListCount else { throw ChatTemplateError.limitExceeded("tuple concatenation too large") }
            return .tuple(a + b)
        case ("+", .string, _):
            throw ChatTemplateError.typeMismatch("can only concatenate str (not \"\(right.typeName)\") to str")
        case let ("*", .string(s), .int(n)), let ("*", .int(n), .string(s)):
            let bytes = s.utf8.count.multipliedReportingOverflow(by: max(n, 0))
            guard !bytes.overflow, bytes.partialValue <= outputLimit else { throw ChatTemplateError.limitExceeded("string repetition too large") }
            return .string(String(repeating: s, count: max(n, 0)))
        case let ("*", .array(a), .int(n)), let ("*", .int(n), .array(a)):
            let count = a.count.multipliedReportingOverflow(by: max(n, 0))
            guard !count.overflow, count.partialValue <= Self.maxListCount else { throw ChatTemplateError.limitExceeded("list repetition too large") }
            return .array(Array(repeating: a, count: max(n, 0)).flatMap { $0 })
        case ("%", .string, _):
            throw ChatTemplateError.unsupported("printf-style string formatting with '%'")
        default: break
        }
        guard let a = Operators.number(left), let b = Operators.number(right) else { throw typeError }
        if case let .int(x) = a, case let .int(y) = b {
            switch op {
            case "+": return try checked(x.addingReportingOverflow(y))
            case "-": return try checked(x.subtractingReportingOverflow(y))
            case "*": return try checked(x.multipliedReportingOverflow(by: y))
            case "//", "%":
                guard y != 0 else { throw ChatTemplateError.typeMismatch("integer division or modulo by zero") }
                var q = x / y
                if (x % y != 0) && ((x < 0) != (y < 0)) { q -= 1 }
                return .int(op == "//" ? q : x - q * y)
            case "**":
                if y >= 0 {
                    var result = 1
                    for _ in 0..<min(y, 64) {
                        let (r, overflow) = result.multipliedReportingOverflow(by: x)
                        if overflow { throw ChatTemplateError.limitExceeded("integer power too large") }
                        result = r
                    }
                    if y > 64 && abs(x) > 1 { throw ChatTemplateError.limitExceeded("integer power too large") }
                    return .int(y > 64 ? (x == -1 && y % 2 == 1 ? -1 : abs(x)) : result)
                }
                return .double(pow(Double(x), Double(y)))
            default: break  // "/" is true division
            }
        }
        let x = Operators.double(a), y = Operators.double(b)
        switch op {
        case "+": return .double(x + y)
        case "-": return .double(x - y)
        case "*": return .double(x * y)
        case "/":
            guard y != 0 else { throw ChatTemplateError.typeMismatch("division by zero") }
            return .double(x / y)
        case "//", "%":
            guard y != 0 else { throw ChatTemplateError.typeMismatch("float modulo by zero") }
            let q = (x / y).rounded(.down)
            return .double(op == "//" ? q : x - q * y)
        case "**": return .double(pow(x, y))
        default: throw typeError
        }
    }

    private func checked(_ result: (partialValue: Int, overflow: Bool)) throws -> Value {
        if result.overflow { throw ChatTemplateError.limitExceeded("integer overflow") }
        return .int(result.partialValue)
    }
}

enum Operators {
    /// Numbers as Python sees them: bools are ints.
    static func number(_ value: Value) -> Value? {
        switch value {
        case .int, .double: return value
        case let .bool(b): return .int(b ? 1 : 0)
        default: return nil
        }
    }

    static func double(_ value: Value) -> Double {
        switch value {
        case let .int(i): return Double(i)
        case let .double(d): return d
        case let .bool(b): return b ? 1 : 0
        default: return .nan
        }
    }

    /// Python `==`.
    static func equal(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case (.undefined, .undefined), (.none, .none): return true
        case let (.string(x), .string(y)): return x.unicodeScalars.elementsEqual(y.unicodeScalars)
        case let (.array(x), .array(y)), let (.tuple(x), .tuple(y)): return x.count == y.count && zip(x, y).allSatisfy { equal($0, $1) }
        case let (.object(x), .object(y)):
            return x.count == y.count && x.allSatisfy { pair in y.contains { $0.key == pair.key && equal($0.value, pair.value) } }
        case let (.namespace(x), .namespace(y)): return x === y
        default:
            if let x = number(a), let y = number(b) {
                if case let .int(i) = x, case let .int(j) = y { return i == j }
                return double(x) == double(y)
            }
            return false
        }
    }

    /// Python ordering for numbers, strings (by code point) and lists.
    static func compare(_ a: Value, _ b: Value, _ op: String) throws -> Int {
        switch (a, b) {
        case let (.string(x), .string(y)):
            let xs = x.unicodeScalars.map(\.value), ys = y.unicodeScalars.map(\.value)
            return xs == ys ? 0 : (xs.lexicographicallyPrecedes(ys) ? -1 : 1)
        case let (.array(x), .array(y)), let (.tuple(x), .tuple(y)):
            for (p, q) in zip(x, y) where !equal(p, q) { return try compare(p, q, op) }
            return x.count == y.count ? 0 : (x.count < y.count ? -1 : 1)
        default:
            if let x = number(a), let y = number(b) {
                if case let .int(i) = x, case let .int(j) = y { return i == j ? 0 : (i < j ? -1 : 1) }
                let p = double(x), q = double(y)
                return p == q ? 0 : (p < q ? -1 : 1)
            }
            if case let .undefined(name) = a { throw ChatTemplateError.undefinedValue("'\(name)' is undefined") }
            if case let .undefined(name) = b { throw ChatTemplateError.undefinedValue("'\(name)' is undefined") }
            throw ChatTemplateError.typeMismatch("'\(op)' not supported between instances of '\(a.typeName)' and '\(b.typeName)'")
        }
    }

    /// Python `needle in haystack`.
    static func contains(_ haystack: Value, _ needle: Value) throws -> Bool {
        switch haystack {
        case let .string(s):
            guard case let .string(n) = needle else {
                throw ChatTemplateError.typeMismatch("'in <string>' requires string as left operand, not \(needle.typeName)")
            }
            return n.isEmpty || s.contains(n)
        case let .array(items), let .tuple(items): return items.contains { equal($0, needle) }
        case let .object(pairs):
            guard case let .string(key) = needle else { return false }
            return pairs.contains { $0.key == key }
        case .undefined: return false
        default: throw ChatTemplateError.typeMismatch("argument of type '\(haystack.typeName)' is not iterable")
        }
    }
}
