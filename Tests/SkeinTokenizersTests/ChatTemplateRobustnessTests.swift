import Foundation
import Testing
@testable import SkeinTokenizers

/// Bad templates throw typed errors: never a crash, never a hang.
@Suite("ChatTemplate robustness")
struct ChatTemplateRobustnessTests {
    private func syntaxLine(_ source: String) -> Int? {
        do {
            _ = try ChatTemplate(source: source)
            return nil
        } catch let ChatTemplateError.syntax(line, _) {
            return line
        } catch {
            return nil
        }
    }

    @Test("unclosed blocks and unknown tags are syntax errors with the line")
    func syntaxErrors() {
        #expect(syntaxLine("a\n{% for m in messages %}\n{{ m }}") == 3)
        #expect(syntaxLine("{% if x %}\n{% else %}\n{% endfor %}") == 3)
        #expect(syntaxLine("\n\n{% include 'x.jinja' %}") == 3)
        #expect(syntaxLine("a\n{# never closed") == 2)
        #expect(syntaxLine("{{ 'unterminated }}") == 1)
        #expect(syntaxLine("{{ (1 + 2 }}") == 1)
        #expect(syntaxLine("{% macro m( %}{% endmacro %}") == 1)
        #expect(syntaxLine("{{ x | }}") == 1)
        #expect(syntaxLine("ok {{ 1 }}") == nil)
    }

    @Test("deep nesting and long chains are rejected, not a stack overflow")
    func nesting() {
        let parens = String(repeating: "(", count: 5000) + "1" + String(repeating: ")", count: 5000)
        #expect(syntaxLine("{{ \(parens) }}") == 1)
        let blocks = String(repeating: "{% if true %}", count: 1000) + String(repeating: "{% endif %}", count: 1000)
        #expect(syntaxLine(blocks) == 1)
        let chain = Array(repeating: "1", count: 50_000).joined(separator: " + ")
        #expect(syntaxLine("{{ \(chain) }}") == 1)
        let list = "[" + Array(repeating: "[", count: 3000).joined() + Array(repeating: "]", count: 3000).joined() + "]"
        #expect(syntaxLine("{{ \(list) }}") == 1)
    }

    @Test("a 1,000-term chain still renders")
    func longChain() throws {
        let chain = Array(repeating: "1", count: 1000).joined(separator: " + ")
        let output = try ChatTemplate(source: "{{ \(chain) }}").render(messages: [], addGenerationPrompt: false)
        #expect(output == "1000")
    }

    @Test("runaway recursion and huge loops hit limits")
    func limits() throws {
        let recursive = try ChatTemplate(source: "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}")
        #expect(throws: ChatTemplateError.self) { try recursive.render(messages: [], addGenerationPrompt: false) }
        let huge = try ChatTemplate(source: "{% for i in range(1000000000) %}x{% endfor %}")
        #expect(throws: ChatTemplateError.self) { try huge.render(messages: [], addGenerationPrompt: false) }
        let repeated = try ChatTemplate(source: "{{ 'x' * 1000000000000 }}")
        #expect(throws: ChatTemplateError.self) { try repeated.render(messages: [], addGenerationPrompt: false) }
        let overflow = try ChatTemplate(source: "{{ 9223372036854775807 + 1 }}")
        #expect(throws: ChatTemplateError.self) { try overflow.render(messages: [], addGenerationPrompt: false) }
    }

    @Test("unknown filters, tests and functions are typed errors")
    func unknownNames() throws {
        for source in ["{{ 1 | frobnicate }}", "{{ 1 is frobnicate }}", "{{ 'a'.frobnicate() }}", "{{ nothing() }}"] {
            let template = try ChatTemplate(source: source)
            #expect(throws: ChatTemplateError.self) { try template.render(messages: [], addGenerationPrompt: false) }
        }
    }

    @Test("every prefix of every published template parses or throws, and renders or throws")
    func truncatedTemplates() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: ChatTemplateFixtures.directory.path)
            .filter { $0.hasSuffix(".jinja") }
        #expect(files.count == 8)
        let messages: [TemplateValue] = [["role": "user", "content": "hi"], ["role": "assistant", "content": "yo"]]
        var parsed = 0, rejected = 0
        for file in files {
            let scalars = Array(try ChatTemplateFixtures.source(file).unicodeScalars)
            for length in stride(from: 0, through: scalars.count, by: 7) {
                let prefix = String(String.UnicodeScalarView(scalars[0..<length]))
                do {
                    let template = try ChatTemplate(source: prefix)
                    _ = try? template.render(messages: messages, addGenerationPrompt: true, bosToken: "<s>", eosToken: "</s>")
                    parsed += 1
                } catch is ChatTemplateError {
                    rejected += 1
                }
            }
        }
        #expect(parsed > 0 && rejected > 0)
    }
}

@Suite("ChatTemplate runtime errors")
struct ChatTemplateRuntimeErrorTests {
    @Test("runtime errors name the template line")
    func runtimeLine() throws {
        let template = try ChatTemplate(source: "a\n{% for m in messages %}\n{{ m.content + 1 }}\n{% endfor %}")
        do {
            _ = try template.render(messages: [["content": "x"]], addGenerationPrompt: false)
            Issue.record("expected a type error")
        } catch let ChatTemplateError.typeMismatch(message) {
            #expect(message.hasSuffix("(template line 3)"))
        }
    }
}
