import Foundation

/// Expression evaluation with Python semantics.
extension Renderer {
    func evaluate(_ expr: Expr) throws -> Value {
        switch expr {
        case let .constant(value): return Value(value)
        case let .name(name): return lookup(name)
        case let .list(items): return .array(try items.map { try nestable(try evaluate($0)) })
        case let .tuple(items): return .tuple(try items.map { try nestable(try evaluate($0)) })
        case let .dict(pairs):
            var result: [(key: String, value: Value)] = []
            for pair in pairs {
                guard case let .string(key) = try evaluate(pair.key) else {
                    throw ChatTemplateError.unsupported("dict literal keys must be strings")
                }
                let value = try nestable(try evaluate(pair.value))
                if let i = result.firstIndex(where: { $0.key == key }) { result[i].value = value } else { result.append((key, value)) }
            }
            return .object(result)
        case let .attribute(base, name): return try attribute(of: try evaluate(base), name)
        case let .item(base, key): return try item(of: try evaluate(base), try evaluate(key))
        case let .slice(base, start, stop, step):
            return try slice(try evaluate(base), start: try start.map(evaluate), stop: try stop.map(evaluate), step: try step.map(evaluate))
        case let .call(callee, arguments):
            return try call(try evaluate(callee), try evaluateArguments(arguments), name: describeCallee(callee))
        case let .filter(base, name, arguments):
            return try applyFilter(name, try evaluate(base), try evaluateArguments(arguments))
        case let .test(base, name, arguments, negated):
            let result = try applyTest(name, try evaluate(base), try evaluateArguments(arguments))
            return .bool(result != negated)
        case let .unary(op, operand):
            let value = try evaluate(operand)
            switch op {
            case "not": return .bool(!value.isTruthy)
            case "-":
                switch value {
                case let .int(i): return .int(0 &- i)
                case let .double(d): return .double(-d)
                case let .bool(b): return .int(b ? -1 : 0)
                default: throw undefinedOrType(value, "bad operand type for unary -: '\(value.typeName)'")
                }
            default:
                switch value {
                case .int, .double: return value
                case let .bool(b): return .int(b ? 1 : 0)
                default: throw undefinedOrType(value, "bad operand type for unary +: '\(value.typeName)'")
                }
            }
        case let .and(lhs, rhs):
            let left = try evaluate(lhs)
            return left.isTruthy ? try evaluate(rhs) : left
        case let .or(lhs, rhs):
            let left = try evaluate(lhs)
            return left.isTruthy ? left : try evaluate(rhs)
        case let .conditional(value, condition, otherwise):
            if try evaluate(condition).isTruthy { return try evaluate(value) }
            return try otherwise.map(evaluate) ?? .undefined(name: "conditional expression")
        case let .binary(op, lhs, rhs):
            return try binary(op, try evaluate(lhs), try evaluate(rhs))
        }
    }

    private func describeCallee(_ expr: Expr) -> String {
        switch expr {
        case let .name(name): return name
        case let .attribute(_, name): return name
        default: return "expression"
        }
    }

    func evaluateArguments(_ arguments: CallArguments) throws -> Arguments {
        Arguments(positional: try arguments.positional.map(evaluate),
                  keyword: try arguments.keyword.map { (name: $0.name, value: try evaluate($0.value)) })
    }

    /// jinja2 raises `UndefinedError` when an undefined value is operated on, `TypeError` otherwise.
    func undefinedOrType(_ value: Value, _ message: String) -> ChatTemplateError {
        if case let .undefined(name) = value { return .undefinedValue("'\(name)' is undefined") }
        return .typeMismatch(message)
    }

    /// `value.name`: dict methods first (as Python's getattr), then keys; missing gives undefined.
    func attribute(of value: Value, _ name: String) throws -> Value {
        switch value {
        case let .undefined(base):
            throw ChatTemplateError.undefinedValue("'\(base)' is undefined (reading attribute '\(name)')")
        case .object:
            if Methods.objectMethods.contains(name) { return .callable(.method(receiver: value, name: name)) }
            return value.lookup(name) ?? .undefined(name: name)
        case .string:
            if Methods.stringMethods.contains(name) { return .callable(.method(receiver: value, name: name)) }
            return .undefined(name: name)
        case .namespace:
            return value.lookup(name) ?? .undefined(name: name)
        default:
            return .undefined(name: name)
        }
    }

    /// `value[key]`; out-of-range indexes and missing keys give undefined, as in jinja2.
    func item(of value: Value, _ key: Value) throws -> Value {
        switch (value, key) {
        case let (.undefined(base), _):
            throw ChatTemplateError.undefinedValue("'\(base)' is undefined (reading item \(PythonFormat.repr(key)))")
        case let (.array(items), .int(i)), let (.tuple(items), .int(i)):
            let index = i < 0 ? items.count + i : i
            return items.indices.contains(index) ? items[index] : .undefined(name: "item \(i)")
        case let (.string(s), .int(i)):
            let scalars = Array(s.unicodeScalars)
            let index = i < 0 ? scalars.count + i : i
            return scalars.indices.contains(index) ? .string(String(scalars[index])) : .undefined(name: "item \(i)")
        case let (.object, .string(name)), let (.namespace, .string(name)):
            return try value.lookup(name) ?? (Methods.objectMethods.contains(name) ? try attribute(of: value, name) : .undefined(name: name))
        default:
            return .undefined(name: "item \(PythonFormat.repr(key))")
        }
    }

    /// Python slicing of lists and strings.
    func slice(_ value: Value, start: Value?, stop: Value?, step: Value?) throws -> Value {
        func int(_ v: Value?) throws -> Int? {
            switch v {
            case nil, .some(.none): return nil
            case let .some(.int(i)): return i
            case let .some(.bool(b)): return b ? 1 : 0
            default: throw ChatTemplateError.typeMismatch("slice indices must be integers or None")
            }
        }
        let step = try int(step) ?? 1
        guard step != 0 else { throw ChatTemplateError.typeMismatch("slice step cannot be zero") }
        func indices(_ count: Int) throws -> [Int] {
            func clamp(_ i: Int?, _ defaultValue: Int) -> Int {
                guard var i else { return defaultValue }
                if i < 0 { i += count }
                return step > 0 ? min(max(i, 0), count) : min(max(i, -1), count - 1)
            }
            let lower = clamp(try int(start), step > 0 ? 0 : count - 1)
            let upper = clamp(try int(stop), step > 0 ? count : -1)
            return Array(stride(from: lower, to: upper, by: step))
        }
        switch value {
        case let .array(items): return .array(try indices(items.count).map { items[$0] })
        case let .tuple(items): return .tuple(try indices(items.count).map { items[$0] })
        case let .string(s):
            let scalars = Array(s.unicodeScalars)
            var out = String.UnicodeScalarView()
            for i in try indices(scalars.count) { out.append(scalars[i]) }
            return .string(String(out))
        default: throw undefinedOrType(value, "'\(value.typeName)' object is not subscriptable")
        }
    }

    func call(_ callee: Value, _ arguments: Arguments, name: String) throws -> Value {
        switch callee {
        case let .callable(.macro(macro)): return try callMacro(macro, arguments)
        case let .callable(.global(global)): return try Globals.call(global, arguments)
        case let .callable(.method(receiver, method)): return try Methods.call(method, on: receiver, arguments)
        case .undefined: throw ChatTemplateError.undefinedValue("'\(name)' is undefined (called as a function)")
        default: throw ChatTemplateError.typeMismatch("'\(callee.typeName)' object is not callable")
        }
    }
}
