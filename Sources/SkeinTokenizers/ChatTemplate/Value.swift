/// The interpreter's runtime value: a `TemplateValue` plus jinja2-only kinds
/// (undefined, namespaces, callables).
indirect enum Value {
    /// jinja2's default `Undefined`; `name` is used in error messages.
    case undefined(name: String)
    case none
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([Value])
    /// A Python tuple (from `(a, b)` literals and `items()`); behaves as a list except in `repr`.
    case tuple([Value])
    case object([(key: String, value: Value)])
    case namespace(Namespace)
    case callable(Callable)

    init(_ value: TemplateValue) {
        switch value {
        case .null: self = .none
        case let .bool(b): self = .bool(b)
        case let .int(i): self = .int(i)
        case let .double(d): self = .double(d)
        case let .string(s): self = .string(s)
        case let .array(a): self = .array(a.map(Value.init))
        case let .object(pairs): self = .object(pairs.map { (key: $0.key, value: Value($0.value)) })
        }
    }

    /// Items of a list or tuple.
    var sequenceItems: [Value]? {
        switch self {
        case let .array(a), let .tuple(a): return a
        default: return nil
        }
    }

    var isUndefined: Bool { if case .undefined = self { return true } else { return false } }

    /// Python truthiness.
    var isTruthy: Bool {
        switch self {
        case .undefined, .none: return false
        case let .bool(b): return b
        case let .int(i): return i != 0
        case let .double(d): return d != 0
        case let .string(s): return !s.isEmpty
        case let .array(a), let .tuple(a): return !a.isEmpty
        case let .object(o): return !o.isEmpty
        case .namespace, .callable: return true
        }
    }

    /// Python's type name, for error messages.
    var typeName: String {
        switch self {
        case .undefined: return "Undefined"
        case .none: return "NoneType"
        case .bool: return "bool"
        case .int: return "int"
        case .double: return "float"
        case .string: return "str"
        case .array: return "list"
        case .tuple: return "tuple"
        case .object: return "dict"
        case .namespace: return "Namespace"
        case .callable: return "function"
        }
    }

    func lookup(_ key: String) -> Value? {
        switch self {
        case let .object(pairs): return pairs.first { $0.key == key }?.value
        case let .namespace(ns): return ns.attributes.first { $0.key == key }?.value
        default: return nil
        }
    }
}

/// jinja2's `namespace()`: the one mutable object a template can assign attributes on.
final class Namespace {
    var attributes: [(key: String, value: Value)]
    init(_ attributes: [(key: String, value: Value)]) { self.attributes = attributes }

    func set(_ key: String, _ value: Value) {
        if let index = attributes.firstIndex(where: { $0.key == key }) { attributes[index].value = value } else { attributes.append((key, value)) }
    }
}

/// Arguments of a call: positional values then keyword values, in source order.
struct Arguments {
    var positional: [Value] = []
    var keyword: [(name: String, value: Value)] = []

    func value(_ index: Int, _ name: String) -> Value? {
        if let kw = keyword.first(where: { $0.name == name }) { return kw.value }
        return index < positional.count ? positional[index] : nil
    }
}

/// Something a template can call: a macro, a global function or a bound method.
enum Callable {
    case macro(MacroDefinition)
    case global(String)
    case method(receiver: Value, name: String)
}

extension Value {
    /// Whether lists, tuples, dicts and namespaces nest deeper than `limit` levels in this
    /// value, or reach `target` (a namespace stored into itself). Deeper values are refused
    /// where templates build them: freeing or printing a 100,000-deep list overflows the stack.
    func nestsDeeper(than limit: Int, orReaches target: Namespace? = nil) -> Bool {
        func children(_ values: [Value]) -> Bool { values.contains { $0.nestsDeeper(than: limit - 1, orReaches: target) } }
        switch self {
        case let .array(items), let .tuple(items): return limit <= 0 ? !items.isEmpty : children(items)
        case let .object(pairs): return limit <= 0 ? !pairs.isEmpty : children(pairs.map(\.value))
        case let .namespace(ns):
            if let target, ns === target { return true }
            return limit <= 0 || children(ns.attributes.map(\.value))
        default: return false
        }
    }
}
