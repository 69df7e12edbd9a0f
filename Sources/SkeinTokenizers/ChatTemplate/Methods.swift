import Foundation

/// Python `str` and `dict` methods that templates call (`content.strip()`, `message.items()`).
enum Methods {
    static let stringMethods: Set<String> = [
        "strip", "lstrip", "rstrip", "split", "startswith", "endswith", "upper", "lower", "title",
        "capitalize", "replace", "find", "count", "join", "splitlines",
    ]
    static let objectMethods: Set<String> = ["items", "keys", "values", "get"]

    static func call(_ name: String, on receiver: Value, _ args: Arguments) throws -> Value {
        switch receiver {
        case let .string(s): return try stringMethod(name, s, args)
        case let .int(index) where name == "loop.cycle":
            guard !args.positional.isEmpty else { throw ChatTemplateError.typeMismatch("no items for cycling given") }
            return args.positional[index % args.positional.count]
        case let .object(pairs):
            switch name {
            case "items": return .array(pairs.map { .tuple([.string($0.key), $0.value]) })
            case "keys": return .array(pairs.map { .string($0.key) })
            case "values": return .array(pairs.map(\.value))
            case "get":
                guard case let .string(key)? = args.value(0, "key") else { return args.value(1, "default") ?? .none }
                return receiver.lookup(key) ?? args.value(1, "default") ?? .none
            default: break
            }
        default: break
        }
        throw ChatTemplateError.unsupported("method '\(name)' on \(receiver.typeName)")
    }

    private static func string(_ args: Arguments, _ index: Int, _ name: String) throws -> String? {
        switch args.value(index, name) {
        case nil, .some(.none): return nil
        case let .some(.string(s)): return s
        case let .some(other): throw ChatTemplateError.typeMismatch("argument '\(name)' must be str, not \(other.typeName)")
        }
    }

    private static func stringMethod(_ name: String, _ s: String, _ args: Arguments) throws -> Value {
        switch name {
        case "strip", "lstrip", "rstrip":
            return .string(strip(s, chars: try string(args, 0, "chars"), leading: name != "rstrip", trailing: name != "lstrip"))
        case "upper": return .string(s.uppercased())
        case "lower": return .string(s.lowercased())
        case "title": return .string(title(s))
        case "capitalize":
            guard let first = s.unicodeScalars.first else { return .string("") }
            return .string(String(first).uppercased() + String(String.UnicodeScalarView(s.unicodeScalars.dropFirst())).lowercased())
        case "startswith", "endswith":
            let candidates: [String]
            switch args.value(0, "prefix") {
            case let .string(p)?: candidates = [p]
            case let .array(items)?, let .tuple(items)?: candidates = items.compactMap { if case let .string(p) = $0 { return p } else { return nil } }
            default: throw ChatTemplateError.typeMismatch("\(name) argument must be str or a tuple of str")
            }
            let scalars = Array(s.unicodeScalars)
            return .bool(candidates.contains { c in
                let cs = Array(c.unicodeScalars)
                return name == "startswith" ? scalars.starts(with: cs) : scalars.reversed().starts(with: cs.reversed())
            })
        case "replace":
            guard let old = try string(args, 0, "old"), let new = try string(args, 1, "new") else {
                throw ChatTemplateError.typeMismatch("replace needs two strings")
            }
            var limit = Int.max
            if case let .int(count)? = args.value(2, "count"), count >= 0 { limit = count }
            return .string(try Self.replaced(old, with: new, in: s, limit: limit))
        case "split":
            let separator = try string(args, 0, "sep")
            var maxSplit = -1
            if case let .int(n)? = args.value(1, "maxsplit") { maxSplit = n }
            return .array(split(s, separator: separator, maxSplit: maxSplit).map(Value.string))
        case "splitlines":
            var lines = s.components(separatedBy: "\n")
            if lines.last == "" { lines.removeLast() }
            return .array(lines.map(Value.string))
        case "find":
            guard let needle = try string(args, 0, "sub") else { throw ChatTemplateError.typeMismatch("find needs a string") }
            guard let range = s.range(of: needle) else { return .int(-1) }
            return .int(s.unicodeScalars.distance(from: s.startIndex, to: range.lowerBound))
        case "count":
            guard let needle = try string(args, 0, "sub"), !needle.isEmpty else { return .int(s.unicodeScalars.count + 1) }
            return .int(s.components(separatedBy: needle).count - 1)
        case "join":
            guard let items = args.value(0, "iterable")?.sequenceItems else { throw ChatTemplateError.typeMismatch("join needs a list") }
            let strings = try items.map { item -> String in
                guard case let .string(t) = item else { throw ChatTemplateError.typeMismatch("sequence item: expected str instance, \(item.typeName) found") }
                return t
            }
            let bytes = strings.reduce(s.utf8.count * strings.count) { $0 + $1.utf8.count }
            guard bytes <= Renderer.maxStringBytes else { throw ChatTemplateError.limitExceeded("join output larger than \(Renderer.maxStringBytes) bytes") }
            return .string(strings.joined(separator: s))
        default:
            throw ChatTemplateError.unsupported("method '\(name)' on str")
        }
    }

    /// Python `str.strip`: whitespace by default, else any of `chars`.
    static func strip(_ s: String, chars: String?, leading: Bool, trailing: Bool) -> String {
        let set = chars.map { Set($0.unicodeScalars) }
        func strippable(_ c: Unicode.Scalar) -> Bool { set?.contains(c) ?? Lexer.isSpace(c) }
        var scalars = Substring(s).unicodeScalars[...]
        if leading { while let c = scalars.first, strippable(c) { scalars.removeFirst() } }
        if trailing { while let c = scalars.last, strippable(c) { scalars.removeLast() } }
        return String(String.UnicodeScalarView(scalars))
    }

    /// Python `str.split`: on runs of whitespace when `separator` is nil.
    static func split(_ s: String, separator: String?, maxSplit: Int) -> [String] {
        if let separator, !separator.isEmpty {
            var parts: [String] = []
            var rest = Substring(s)
            while maxSplit < 0 || parts.count < maxSplit, let range = rest.range(of: separator) {
                parts.append(String(rest[..<range.lowerBound]))
                rest = rest[range.upperBound...]
            }
            parts.append(String(rest))
            return parts
        }
        var parts: [String] = []
        var current = String.UnicodeScalarView()
        var scalars = Array(s.unicodeScalars)[...]
        while let c = scalars.first {
            if Lexer.isSpace(c) {
                if !current.isEmpty { parts.append(String(current)); current = String.UnicodeScalarView() }
                scalars.removeFirst()
                if maxSplit >= 0, parts.count == maxSplit {
                    while let w = scalars.first, Lexer.isSpace(w) { scalars.removeFirst() }
                    if !scalars.isEmpty { parts.append(String(String.UnicodeScalarView(scalars))) }
                    return parts
                }
            } else {
                current.append(c)
                scalars.removeFirst()
            }
        }
        if !current.isEmpty { parts.append(String(current)) }
        return parts
    }

    /// Python `str.title`: upper-case a letter after a non-letter, lower-case the rest.
    static func title(_ s: String) -> String {
        var out = ""
        var previousIsLetter = false
        for c in s.unicodeScalars {
            let isLetter = c.properties.isAlphabetic
            out += previousIsLetter ? String(c).lowercased() : String(c).uppercased()
            previousIsLetter = isLetter
        }
        return out
    }

    /// Python's `text.replace(old, new, limit)` on UTF-8 bytes (a match of valid UTF-8 starts and
    /// ends on code points), refused once the result passes `Renderer.maxStringBytes`. An empty
    /// `old` leaves `text` as it is.
    static func replaced(_ old: String, with new: String, in text: String, limit: Int) throws -> String {
        let needle = Array(old.utf8), bytes = Array(text.utf8), replacement = Array(new.utf8)
        guard let first = needle.first, needle.count <= bytes.count, limit > 0 else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var done = 0, i = 0
        while i < bytes.count {
            if done < limit, bytes[i] == first, i + needle.count <= bytes.count,
               bytes[i..<(i + needle.count)].elementsEqual(needle) {
                out.append(contentsOf: replacement)
                i += needle.count
                done += 1
                if out.count > Renderer.maxStringBytes {
                    throw ChatTemplateError.limitExceeded("replace output larger than \(Renderer.maxStringBytes) bytes")
                }
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
