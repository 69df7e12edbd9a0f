import Foundation

/// The global functions transformers gives chat templates, plus jinja2's `range`.
enum Globals {
    static let maxRange = 1_000_000

    static func call(_ name: String, _ args: Arguments) throws -> Value {
        switch name {
        case "raise_exception":
            throw ChatTemplateError.raised(message: args.value(0, "message").map(PythonFormat.str) ?? "")
        case "strftime_now":
            guard case let .string(format)? = args.value(0, "format") else {
                throw ChatTemplateError.typeMismatch("strftime_now needs a format string")
            }
            return .string(strftimeNow(format))
        case "namespace":
            var attributes: [(key: String, value: Value)] = []
            if case let .object(pairs)? = args.positional.first { attributes = pairs }
            for kw in args.keyword {
                if let i = attributes.firstIndex(where: { $0.key == kw.name }) { attributes[i].value = kw.value } else { attributes.append((kw.name, kw.value)) }
            }
            if let bad = attributes.first(where: { $0.key.hasPrefix("_") }) {
                throw ChatTemplateError.unsupported("chat templates cannot store underscore-prefixed attributes on a namespace ('\(bad.key)')")
            }
            for attribute in attributes where attribute.value.nestsDeeper(than: Renderer.maxValueDepth - 1) {
                throw ChatTemplateError.limitExceeded("namespace(\(attribute.key)=...) nested deeper than \(Renderer.maxValueDepth)")
            }
            return .namespace(Namespace(attributes))
        case "dict":
            var pairs: [(key: String, value: Value)] = []
            if case let .object(initial)? = args.positional.first { pairs = initial }
            for kw in args.keyword {
                if let i = pairs.firstIndex(where: { $0.key == kw.name }) { pairs[i].value = kw.value } else { pairs.append((kw.name, kw.value)) }
            }
            for pair in pairs where pair.value.nestsDeeper(than: Renderer.maxValueDepth - 1) {
                throw ChatTemplateError.limitExceeded("dict(\(pair.key)=...) nested deeper than \(Renderer.maxValueDepth)")
            }
            return .object(pairs)
        case "range":
            let ints = try args.positional.map { value -> Int in
                guard case let .int(i) = value else { throw ChatTemplateError.typeMismatch("range() needs integers") }
                return i
            }
            let (start, stop, step): (Int, Int, Int)
            switch ints.count {
            case 1: (start, stop, step) = (0, ints[0], 1)
            case 2: (start, stop, step) = (ints[0], ints[1], 1)
            case 3: (start, stop, step) = (ints[0], ints[1], ints[2])
            default: throw ChatTemplateError.typeMismatch("range() takes 1 to 3 arguments")
            }
            guard step != 0 else { throw ChatTemplateError.typeMismatch("range() arg 3 must not be zero") }
            let count = step > 0 ? max(0, (stop - start + step - 1) / step) : max(0, (start - stop - step - 1) / -step)
            guard count <= maxRange else { throw ChatTemplateError.limitExceeded("range of \(count) items") }
            return .array(stride(from: start, to: stop, by: step).map(Value.int))
        default:
            throw ChatTemplateError.unsupported("function '\(name)'")
        }
    }

    /// `datetime.now().strftime(format)` in local time.
    static func strftimeNow(_ format: String) -> String {
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        var buffer = [Int8](repeating: 0, count: 512)
        let written = strftime(&buffer, buffer.count, format, &parts)
        return String(decoding: buffer[0..<written].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
