import Foundation

/// jinja2's built-in filters used by published chat templates, plus transformers' `tojson`.
extension Renderer {
    func applyFilter(_ name: String, _ value: Value, _ args: Arguments) throws -> Value {
        switch name {
        case "trim":
            let chars = args.value(0, "chars").flatMap { if case let .string(c) = $0 { return c } else { return nil } }
            return .string(Methods.strip(PythonFormat.str(value), chars: chars, leading: true, trailing: true))
        case "tojson":
            return .string(try PythonFormat.json(value, try jsonOptions(args)))
        case "length", "count":
            switch value {
            case let .string(s): return .int(s.unicodeScalars.count)
            case let .array(a), let .tuple(a): return .int(a.count)
            case let .object(o): return .int(o.count)
            case .undefined: return .int(0)
            default: throw ChatTemplateError.typeMismatch("object of type '\(value.typeName)' has no len()")
            }
        case "first": return try iterate(value).first ?? .undefined(name: "first item")
        case "last":
            if case .object = value { throw ChatTemplateError.typeMismatch("'dict' object is not reversible") }
            return try iterate(value).last ?? .undefined(name: "last item")
        case "join":
            let separator = args.value(0, "d").map(PythonFormat.str) ?? ""
            var items = try iterate(value)
            if let attribute = args.value(1, "attribute") { items = try items.map { try self.attribute(of: $0, PythonFormat.str(attribute)) } }
            let strings = items.map(PythonFormat.str)
            let bytes = strings.reduce(separator.utf8.count * strings.count) { $0 + $1.utf8.count }
            guard bytes <= outputLimit else { throw ChatTemplateError.limitExceeded("join output larger than \(outputLimit) bytes") }
            return .string(strings.joined(separator: separator))
        case "default", "d":
            let fallback = args.value(0, "default_value") ?? .string("")
            let boolean = args.value(1, "boolean")?.isTruthy ?? false
            return (value.isUndefined || (boolean && !value.isTruthy)) ? fallback : value
        case "string": return .string(PythonFormat.str(value))
        case "list": return .array(try iterate(value))
        case "items":
            switch value {
            case let .object(pairs): return .array(pairs.map { .tuple([.string($0.key), $0.value]) })
            case .undefined: return .array([])
            default: throw ChatTemplateError.typeMismatch("can only get item pairs from a mapping")
            }
        case "upper": return .string(PythonFormat.str(value).uppercased())
        case "lower": return .string(PythonFormat.str(value).lowercased())
        case "title", "capitalize", "replace":
            return try Methods.call(name, on: .string(PythonFormat.str(value)), args)
        case "safe": return value
        case "int":
            switch value {
            case let .int(i): return .int(i)
            case let .double(d) where d.isFinite: return .int(Int(d))
            case let .bool(b): return .int(b ? 1 : 0)
            case let .string(s): return .int(Int(s.trimmingCharacters(in: .whitespaces)) ?? Double(s).flatMap { $0.isFinite ? Int($0) : nil } ?? 0)
            default: return args.value(0, "default") ?? .int(0)
            }
        case "float":
            switch value {
            case let .int(i): return .double(Double(i))
            case let .double(d): return .double(d)
            case let .string(s): return .double(Double(s.trimmingCharacters(in: .whitespaces)) ?? 0)
            default: return .double(0)
            }
        case "abs":
            switch value {
            case let .int(i): return .int(abs(i))
            case let .double(d): return .double(abs(d))
            default: throw undefinedOrType(value, "bad operand type for abs(): '\(value.typeName)'")
            }
        case "reverse":
            if case let .string(s) = value { return .string(String(String.UnicodeScalarView(s.unicodeScalars.reversed()))) }
            return .array(try iterate(value).reversed())
        case "unique":
            var seen: [Value] = []
            for item in try iterate(value) where !seen.contains(where: { Operators.equal($0, item) }) { seen.append(item) }
            return .array(seen)
        case "sum":
            var total: Value = args.value(1, "start") ?? .int(0)
            for item in try iterate(value) { total = try binary("+", total, item) }
            return total
        case "indent": return try indent(value, args)
        case "select", "reject", "selectattr", "rejectattr":
            return try select(name, value, args)
        case "dictsort":
            guard case let .object(pairs) = value else { throw undefinedOrType(value, "dictsort needs a mapping") }
            let caseSensitive = args.value(0, "case_sensitive")?.isTruthy ?? false
            let byValue = args.value(1, "by").map(PythonFormat.str) == "value"
            let reverse = args.value(2, "reverse")?.isTruthy ?? false
            func sortKey(_ pair: (key: String, value: Value)) -> Value {
                let v = byValue ? pair.value : .string(pair.key)
                if !caseSensitive, case let .string(s) = v { return .string(s.lowercased()) }
                return v
            }
            var failure: Error?
            let sorted = pairs.sorted { a, b in
                do { return try Operators.compare(sortKey(a), sortKey(b), "<") * (reverse ? -1 : 1) < 0 } catch { failure = error; return false }
            }
            if let failure { throw failure }
            return .array(sorted.map { .tuple([.string($0.key), $0.value]) })
        case "map":
            // jinja2 maps nothing over a falsy value (None, empty) instead of failing.
            guard value.isTruthy else { return .array([]) }
            let items = try iterate(value)
            if let attribute = args.keyword.first(where: { $0.name == "attribute" })?.value {
                let fallback = args.keyword.first(where: { $0.name == "default" })?.value
                return .array(try items.map { item in
                    let v = try self.attribute(of: item, PythonFormat.str(attribute))
                    return v.isUndefined ? (fallback ?? v) : v
                })
            }
            guard case let .string(filter)? = args.positional.first else {
                throw ChatTemplateError.typeMismatch("map filter needs a filter name or attribute=")
            }
            let rest = Arguments(positional: Array(args.positional.dropFirst()), keyword: args.keyword)
            return .array(try items.map { try applyFilter(filter, $0, rest) })
        default:
            throw ChatTemplateError.unsupported("filter '\(name)'")
        }
    }

    private func jsonOptions(_ args: Arguments) throws -> PythonFormat.JSONOptions {
        var options = PythonFormat.JSONOptions()
        switch args.value(1, "indent") {
        case let .int(n)?: options.indent = String(repeating: " ", count: try Self.indentWidth(n))
        case let .string(s)?: options.indent = s
        case .none?, nil: break
        default: throw ChatTemplateError.typeMismatch("tojson indent must be an int or a string")
        }
        if let separators = args.value(2, "separators"), let pair = separators.sequenceItems, pair.count == 2 {
            options.itemSeparator = PythonFormat.str(pair[0])
            options.keySeparator = PythonFormat.str(pair[1])
        }
        options.sortKeys = args.value(3, "sort_keys")?.isTruthy ?? false
        options.ensureASCII = args.value(0, "ensure_ascii")?.isTruthy ?? false
        return options
    }

    /// The widest indent (in spaces) `indent` and `tojson` take; published templates use 2 or 4.
    static let maxIndentWidth = 1000

    static func indentWidth(_ n: Int) throws -> Int {
        guard n <= maxIndentWidth else { throw ChatTemplateError.limitExceeded("indent of \(n) spaces (at most \(maxIndentWidth))") }
        return max(n, 0)
    }

    private func indent(_ value: Value, _ args: Arguments) throws -> Value {
        let width: String
        switch args.value(0, "width") {
        case let .int(n)?: width = String(repeating: " ", count: try Self.indentWidth(n))
        case let .string(s)?: width = s
        default: width = "    "
        }
        let first = args.value(1, "first")?.isTruthy ?? false
        let blank = args.value(2, "blank")?.isTruthy ?? false
        let lines = PythonFormat.str(value).components(separatedBy: "\n")
        let added = width.utf8.count.multipliedReportingOverflow(by: lines.count)
        guard !added.overflow, added.partialValue <= outputLimit else {
            throw ChatTemplateError.limitExceeded("indent output larger than \(outputLimit) bytes")
        }
        var out: [String] = []
        for (i, line) in lines.enumerated() {
            if (i == 0 && !first) || (line.isEmpty && !blank) { out.append(line) } else { out.append(width + line) }
        }
        return .string(out.joined(separator: "\n"))
    }

    /// `select`/`reject` (test on the item) and `selectattr`/`rejectattr` (test on an attribute).
    private func select(_ name: String, _ value: Value, _ args: Arguments) throws -> Value {
        // jinja2 selects nothing from a falsy value (None, empty) instead of failing.
        guard value.isTruthy else { return .array([]) }
        let byAttribute = name.hasSuffix("attr")
        let keep = name.hasPrefix("select")
        var positional = args.positional
        var attributeName: String? = nil
        if byAttribute {
            guard !positional.isEmpty else { throw ChatTemplateError.typeMismatch("\(name) needs an attribute name") }
            attributeName = PythonFormat.str(positional.removeFirst())
        }
        let testName: String? = positional.isEmpty ? nil : PythonFormat.str(positional.removeFirst())
        let testArgs = Arguments(positional: positional, keyword: [])
        return .array(try iterate(value).filter { item in
            let subject = try attributeName.map { try self.attribute(of: item, $0) } ?? item
            let passed = try testName.map { try applyTest($0, subject, testArgs) } ?? subject.isTruthy
            return passed == keep
        })
    }
}
