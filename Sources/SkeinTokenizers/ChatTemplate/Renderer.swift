import Foundation

/// Executes a parsed template. One renderer per `render` call; not shared between threads.
final class Renderer {
    /// Variable scopes, innermost last. `for` bodies and macro calls push a scope, so `set`
    /// inside them does not leak out (jinja2's scoping; `namespace()` is the way out).
    var scopes: [[String: Value]]
    var callDepth = 0
    /// The most bytes a render's output, or any string it builds, may hold.
    static let maxStringBytes = 64 << 20
    var outputLimit = Renderer.maxStringBytes
    static let maxCallDepth = 100
    /// Statements run plus loop iterations so far, and the most a render may take: real chat
    /// templates take thousands; a template looping for ever (nested `range(1000000)`) stops here.
    var steps = 0
    var stepLimit = 1_000_000

    /// Counts one step, throwing once the render has taken more than `stepLimit`.
    func step() throws {
        steps += 1
        if steps > stepLimit { throw ChatTemplateError.limitExceeded("more than \(stepLimit) steps (a loop that does not end?)") }
    }

    init(variables: [String: Value]) { scopes = [variables] }

    enum Flow { case normal, breakLoop, continueLoop }

    func lookup(_ name: String) -> Value {
        for scope in scopes.reversed() { if let value = scope[name] { return value } }
        switch name {
        case "raise_exception", "strftime_now", "namespace", "dict", "range":
            return .callable(.global(name))
        default:
            return .undefined(name: name)
        }
    }

    func assign(_ name: String, _ value: Value) { scopes[scopes.count - 1][name] = value }

    @discardableResult
    func execute(_ nodes: [Node], into out: inout String) throws -> Flow {
        for node in nodes {
            let flow: Flow
            do {
                flow = try execute(node, into: &out)
            } catch let error as ChatTemplateError {
                throw Self.locate(error, line: node.line)
            }
            if flow != .normal { return flow }
        }
        return .normal
    }

    /// Adds the template line to runtime errors (innermost statement wins). `raised` messages stay
    /// exactly as the template wrote them.
    static func locate(_ error: ChatTemplateError, line: Int?) -> ChatTemplateError {
        guard let line else { return error }
        let suffix = " (template line \(line))"
        switch error {
        case let .undefinedValue(m) where !m.contains("(template line "): return .undefinedValue(m + suffix)
        case let .typeMismatch(m) where !m.contains("(template line "): return .typeMismatch(m + suffix)
        case let .unsupported(m) where !m.contains("(template line "): return .unsupported(m + suffix)
        case let .limitExceeded(m) where !m.contains("(template line "): return .limitExceeded(m + suffix)
        default: return error
        }
    }

    private func execute(_ node: Node, into out: inout String) throws -> Flow {
        try step()
        switch node {
        case let .text(text):
            out += text
        case let .output(expr, _):
            out += PythonFormat.str(try evaluate(expr))
            if out.utf8.count > outputLimit { throw ChatTemplateError.limitExceeded("output larger than \(outputLimit) bytes") }
        case let .ifChain(branches, otherwise, _):
            for branch in branches where try evaluate(branch.condition).isTruthy {
                return try execute(branch.body, into: &out)
            }
            return try execute(otherwise, into: &out)
        case let .forLoop(targets, iterable, filter, body, otherwise, _):
            return try executeFor(targets: targets, iterable: iterable, filter: filter, body: body, otherwise: otherwise, into: &out)
        case let .set(target, expr, _):
            try store(try evaluate(expr), in: target)
        case let .setBlock(target, body, _):
            var captured = ""
            try execute(body, into: &captured)
            try store(.string(captured), in: target)
        case let .macro(definition):
            assign(definition.name, .callable(.macro(definition)))
        case .breakLoop:
            return .breakLoop
        case .continueLoop:
            return .continueLoop
        case let .generation(body):
            return try execute(body, into: &out)
        case let .filterBlock(name, arguments, body, _):
            var captured = ""
            let flow = try execute(body, into: &captured)
            out += PythonFormat.str(try applyFilter(name, .string(captured), try evaluateArguments(arguments)))
            return flow
        }
        return .normal
    }

    private func store(_ value: Value, in target: SetTarget) throws {
        switch target {
        case let .names(names) where names.count == 1:
            assign(names[0], value)
        case let .names(names):
            let items = try iterate(value)
            guard items.count == names.count else {
                throw ChatTemplateError.typeMismatch("cannot unpack \(items.count) values into \(names.count) names")
            }
            for (name, item) in zip(names, items) { assign(name, item) }
        case let .attribute(object, attribute):
            if attribute.hasPrefix("_") {
                throw ChatTemplateError.unsupported("chat templates cannot store underscore-prefixed attributes on a namespace ('\(attribute)')")
            }
            guard case let .namespace(ns) = lookup(object) else {
                throw ChatTemplateError.typeMismatch("cannot assign attribute on non-namespace object '\(object)'")
            }
            guard !value.nestsDeeper(than: Self.maxValueDepth - 1, orReaches: ns) else {
                throw ChatTemplateError.limitExceeded("a value nested deeper than \(Self.maxValueDepth), or a namespace stored into itself ('\(object).\(attribute)')")
            }
            ns.set(attribute, value)
        }
    }

    /// The deepest nesting of lists, dicts and namespaces a template may build (JSON input nests up to 512).
    static let maxValueDepth = 1024

    /// `value`, to be stored one level down in a new list, tuple, dict or namespace.
    /// - Throws: `limitExceeded` when that would nest deeper than `maxValueDepth`.
    func nestable(_ value: Value) throws -> Value {
        guard !value.nestsDeeper(than: Self.maxValueDepth - 1) else {
            throw ChatTemplateError.limitExceeded("a value nested deeper than \(Self.maxValueDepth)")
        }
        return value
    }

    private func executeFor(targets: [String], iterable: Expr, filter: Expr?, body: [Node], otherwise: [Node], into out: inout String) throws -> Flow {
        var items = try iterate(try evaluate(iterable))
        scopes.append([:])
        defer { scopes.removeLast() }
        if let filter {
            items = try items.filter { item in
                try bind(targets, item)
                return try evaluate(filter).isTruthy
            }
        }
        if items.isEmpty {
            scopes[scopes.count - 1] = [:]
            try execute(otherwise, into: &out)
            return .normal
        }
        let count = items.count
        for (i, item) in items.enumerated() {
            try step()
            scopes[scopes.count - 1] = [:]
            try bind(targets, item)
            assign("loop", .object([
                ("index", .int(i + 1)), ("index0", .int(i)),
                ("revindex", .int(count - i)), ("revindex0", .int(count - i - 1)),
                ("first", .bool(i == 0)), ("last", .bool(i == count - 1)),
                ("length", .int(count)), ("depth", .int(1)), ("depth0", .int(0)),
                ("cycle", .callable(.method(receiver: .int(i), name: "loop.cycle"))),
                ("previtem", i > 0 ? items[i - 1] : .undefined(name: "previtem")),
                ("nextitem", i + 1 < count ? items[i + 1] : .undefined(name: "nextitem")),
            ]))
            if try execute(body, into: &out) == .breakLoop { break }
        }
        return .normal
    }

    private func bind(_ targets: [String], _ item: Value) throws {
        if targets.count == 1 { assign(targets[0], item); return }
        let parts = try iterate(item)
        guard parts.count == targets.count else {
            throw ChatTemplateError.typeMismatch("cannot unpack \(parts.count) values into \(targets.count) loop variables")
        }
        for (name, part) in zip(targets, parts) { assign(name, part) }
    }

    /// Python iteration: lists, dict keys, string characters; undefined iterates as empty.
    func iterate(_ value: Value) throws -> [Value] {
        switch value {
        case let .array(items), let .tuple(items): return items
        case let .object(pairs): return pairs.map { .string($0.key) }
        case let .string(s): return s.unicodeScalars.map { .string(String($0)) }
        case .undefined: return []
        default: throw ChatTemplateError.typeMismatch("'\(value.typeName)' object is not iterable")
        }
    }

    /// Calls a macro with jinja2's argument binding (positional, then keyword, then defaults).
    func callMacro(_ macro: MacroDefinition, _ arguments: Arguments) throws -> Value {
        callDepth += 1
        defer { callDepth -= 1 }
        if callDepth > Self.maxCallDepth { throw ChatTemplateError.limitExceeded("macro recursion deeper than \(Self.maxCallDepth) in '\(macro.name)'") }
        if arguments.positional.count > macro.parameters.count {
            throw ChatTemplateError.typeMismatch("macro '\(macro.name)' takes not more than \(macro.parameters.count) argument(s)")
        }
        let saved = scopes
        scopes = [scopes[0], [:]]
        defer { scopes = saved }
        for (i, parameter) in macro.parameters.enumerated() {
            if let value = arguments.value(i, parameter.name) {
                assign(parameter.name, value)
            } else if let defaultValue = parameter.defaultValue {
                assign(parameter.name, try evaluate(defaultValue))
            } else {
                assign(parameter.name, .undefined(name: parameter.name))
            }
        }
        for kw in arguments.keyword where !macro.parameters.contains(where: { $0.name == kw.name }) {
            throw ChatTemplateError.typeMismatch("macro '\(macro.name)' has no argument '\(kw.name)'")
        }
        var out = ""
        try execute(macro.body, into: &out)
        return .string(out)
    }
}
