import Foundation

/// A method spelled on the command line or in a request: `name[:key=value,...]`, or for a
/// wrapper `name:inner[,key=value,...]` (`adakv:snapkv,ratio=0.5`).
public struct PolicySpec: Sendable, Equatable, CustomStringConvertible {
    public var name: String
    /// The wrapped method's name: a first item without `=` (only when parsed with `allowsInner`).
    public var inner: String?
    public var options: [(key: String, value: String)]

    public static func == (a: PolicySpec, b: PolicySpec) -> Bool {
        a.name == b.name && a.inner == b.inner && a.options.map(\.key) == b.options.map(\.key)
            && a.options.map(\.value) == b.options.map(\.value)
    }

    public var description: String {
        let items = (inner.map { [$0] } ?? []) + options.map { "\($0.key)=\($0.value)" }
        return items.isEmpty ? name : name + ":" + items.joined(separator: ",")
    }

    /// Parses `name[:key=value,...]`; `what` names the option in errors ("attention", "rope").
    /// With `allowsInner`, a first item without `=` is the wrapped method's name (`inner`).
    public init(parsing text: String, what: String, allowsInner: Bool = false) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let parts = trimmed.split(separator: ":", maxSplits: 1).map(String.init)
        guard let first = parts.first, !first.isEmpty else {
            throw EngineError.invalidOption(name: what, reason: "empty policy name")
        }
        name = first.lowercased()
        options = []
        inner = nil
        if parts.count == 2 {
            for (index, item) in parts[1].split(separator: ",", omittingEmptySubsequences: false).enumerated() {
                let word = item.trimmingCharacters(in: .whitespaces)
                if allowsInner, index == 0, !word.isEmpty, !word.contains("=") {
                    inner = word.lowercased()
                    continue
                }
                let pair = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard pair.count == 2, !pair[0].isEmpty, !pair[1].isEmpty else {
                    throw EngineError.invalidOption(name: what, reason: "'\(item)' in '\(text)' is not key=value")
                }
                guard !options.contains(where: { $0.key == pair[0] }) else {
                    throw EngineError.invalidOption(name: what, reason: "'\(pair[0])' is given twice in '\(text)'")
                }
                options.append((pair[0].lowercased(), pair[1]))
            }
        }
    }
}

/// Reads typed option values, rejecting keys a method does not have.
struct OptionReader {
    let spec: PolicySpec
    let what: String
    let allowed: [String]

    /// - Parameter wraps: whether the method takes a wrapped method's name (`spec.inner`).
    init(_ spec: PolicySpec, what: String, allowed: [String], wraps: Bool = false) throws {
        self.spec = spec
        self.what = what
        self.allowed = allowed
        if let inner = spec.inner, !wraps {
            throw EngineError.invalidOption(name: what, reason: "'\(inner)' in '\(spec)' is not key=value")
        }
        for (key, _) in spec.options where !allowed.contains(key) {
            let valid = allowed.isEmpty ? "it takes no options" : "valid keys: \(allowed.joined(separator: ", "))"
            throw EngineError.invalidOption(name: "\(what) \(spec.name)", reason: "unknown key '\(key)'; \(valid)")
        }
    }

    func raw(_ key: String) -> String? { spec.options.first { $0.key == key }?.value }

    /// An integer option with a default; must lie in minimum...maximum (the error names the key
    /// and that range).
    func int(_ key: String, default value: Int, minimum: Int = 1, maximum: Int = .max) throws -> Int {
        guard let text = raw(key) else { return value }
        guard let parsed = Int(text) else {
            throw EngineError.invalidOption(name: "\(what) \(spec.name)", reason: "\(key)=\(text) is not an integer")
        }
        guard parsed >= minimum, parsed <= maximum else {
            let range = maximum == .max ? ">= \(minimum)" : "in \(minimum)...\(maximum)"
            throw EngineError.invalidOption(name: "\(what) \(spec.name)", reason: "\(key) must be \(range), got \(parsed)")
        }
        return parsed
    }

    /// A number option; nil when absent. Must be > 0 unless `allowZero`.
    func double(_ key: String) throws -> Double? {
        guard let text = raw(key) else { return nil }
        guard let parsed = Double(text), parsed.isFinite, parsed > 0 else {
            throw EngineError.invalidOption(name: "\(what) \(spec.name)", reason: "\(key)=\(text) must be a positive number")
        }
        return parsed
    }

    /// One of `choices` (the first is the default); the error lists them.
    func choice(_ key: String, _ choices: [String]) throws -> String {
        guard let text = raw(key)?.lowercased() else { return choices[0] }
        guard choices.contains(text) else {
            throw EngineError.invalidOption(name: "\(what) \(spec.name)",
                                            reason: "\(key) must be one of \(choices.joined(separator: ", ")), got \(text)")
        }
        return text
    }
}
