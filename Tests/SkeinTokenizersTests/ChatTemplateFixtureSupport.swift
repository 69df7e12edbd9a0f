import Foundation
import Testing
@testable import SkeinTokenizers

/// Loads Tests/Fixtures/chat-templates (made by tools/make_chat_template_fixtures.py).
enum ChatTemplateFixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/chat-templates")

    static func expected() throws -> TemplateValue {
        try TemplateValue(jsonData: Data(contentsOf: directory.appendingPathComponent("expected.json")))
    }

    static func source(_ file: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
    }

    static func string(_ value: TemplateValue?) -> String? {
        if case let .string(s)? = value { return s }
        return nil
    }

    static func array(_ value: TemplateValue?) -> [TemplateValue]? {
        if case let .array(a)? = value { return a }
        return nil
    }

    static func object(_ value: TemplateValue?) -> [String: TemplateValue] {
        guard case let .object(pairs)? = value else { return [:] }
        return Dictionary(pairs.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })
    }

    /// Checks that a Swift error is the kind of error jinja2 raised ("TemplateError: msg", "TypeError: ...").
    static func matches(_ error: Error, reference: String, line: Int?) -> Bool {
        guard let error = error as? ChatTemplateError else { return false }
        let kind = reference.split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
        let message = reference.dropFirst(kind.count + 2)
        switch (kind, error) {
        case let ("TemplateError", .raised(swiftMessage)): return swiftMessage == message
        case ("TypeError", .typeMismatch), ("UndefinedError", .undefinedValue): return true
        case let ("TemplateSyntaxError", .syntax(swiftLine, _)): return line == nil || line == swiftLine
        case ("RecursionError", .limitExceeded), ("SecurityError", .unsupported): return true
        default: return false
        }
    }
}
