import Foundation
import Testing
@testable import SkeinTokenizers

/// Byte-for-byte comparison with Python jinja2 (transformers' environment) on the published
/// chat templates of Llama 3.1/3.2, Qwen2.5, Mistral, Phi-3 and Gemma 2.
@Suite("ChatTemplate fixtures")
struct ChatTemplateFixtureTests {
    @Test("published templates render exactly like jinja2")
    func publishedTemplates() throws {
        let expected = try ChatTemplateFixtures.expected()
        let cases = try #require(ChatTemplateFixtures.array(expected["cases"]))
        #expect(cases.count >= 100)
        var templates: [String: ChatTemplate] = [:]
        var failures: [String] = []
        for testCase in cases {
            let file = try #require(ChatTemplateFixtures.string(testCase["template"]))
            let name = "\(file) \(ChatTemplateFixtures.string(testCase["name"]) ?? "?")"
            if templates[file] == nil { templates[file] = try ChatTemplate(source: try ChatTemplateFixtures.source(file)) }
            let template = try #require(templates[file])
            let messages = try #require(ChatTemplateFixtures.array(testCase["messages"]))
            let extra = ChatTemplateFixtures.object(testCase["extra"])
            do {
                let output = try template.render(
                    messages: messages, addGenerationPrompt: testCase["add_generation_prompt"] == .bool(true),
                    tools: ChatTemplateFixtures.array(testCase["tools"]),
                    bosToken: ChatTemplateFixtures.string(testCase["bos_token"]),
                    eosToken: ChatTemplateFixtures.string(testCase["eos_token"]), extra: extra)
                if let reference = ChatTemplateFixtures.string(testCase["output"]) {
                    if output != reference { failures.append("\(name): got \(output.debugDescription)\nwant \(reference.debugDescription)") }
                } else {
                    failures.append("\(name): rendered but jinja2 raised \(ChatTemplateFixtures.string(testCase["error"]) ?? "?")")
                }
            } catch {
                let reference = ChatTemplateFixtures.string(testCase["error"])
                if reference == nil || !ChatTemplateFixtures.matches(error, reference: reference ?? "", line: nil) {
                    failures.append("\(name): threw \(error), jinja2: \(reference ?? "rendered")")
                }
            }
        }
        #expect(failures.isEmpty, "\(failures.count) of \(cases.count) differ:\n\(failures.prefix(5).joined(separator: "\n"))")
    }

    @Test("feature snippets render exactly like jinja2")
    func snippets() throws {
        let expected = try ChatTemplateFixtures.expected()
        let snippets = try #require(ChatTemplateFixtures.array(expected["snippets"]))
        var failures: [String] = []
        for snippet in snippets {
            let name = ChatTemplateFixtures.string(snippet["name"]) ?? "?"
            let source = try #require(ChatTemplateFixtures.string(snippet["source"]))
            let reference = ChatTemplateFixtures.string(snippet["output"])
            let referenceError = ChatTemplateFixtures.string(snippet["error"]) ?? ""
            let line: Int? = if case let .int(l)? = snippet["line"] { l } else { nil }
            do {
                let template = try ChatTemplate(source: source)
                let output = try template.render(messages: [], addGenerationPrompt: false, extra: ChatTemplateFixtures.object(snippet["variables"]))
                if output != reference { failures.append("\(name): got \(output.debugDescription) want \((reference ?? referenceError).debugDescription)") }
            } catch {
                if reference != nil || !ChatTemplateFixtures.matches(error, reference: referenceError, line: line) {
                    failures.append("\(name): threw \(error), jinja2: \(reference.map(\.debugDescription) ?? referenceError) line \(line.map(String.init) ?? "-")")
                }
            }
        }
        #expect(failures.isEmpty, "\(failures.count) of \(snippets.count) differ:\n\(failures.joined(separator: "\n"))")
    }
}
