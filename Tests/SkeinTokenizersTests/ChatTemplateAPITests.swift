import Foundation
import Testing
@testable import SkeinTokenizers

/// The public API: `TemplateValue` conversions and `render` argument handling.
@Suite("ChatTemplate API")
struct ChatTemplateAPITests {
    @Test("JSON keeps key order, ints and doubles, escapes")
    func orderedJSON() throws {
        let json = #"{"z": 1, "a": [1.0, 2, null, true, false], "m": {"é": "\u00e9\n\ud83d\ude00"}}"#
        let value = try TemplateValue(jsonData: Data(json.utf8))
        guard case let .object(pairs) = value else { Issue.record("not an object"); return }
        #expect(pairs.map(\.key) == ["z", "a", "m"])
        #expect(value["a"] == [.double(1.0), .int(2), .null, true, false])
        #expect(value["m"]?["é"] == .string("é\n😀"))
    }

    @Test("tojson writes keys in the order given")
    func tojsonOrder() throws {
        let tool = try TemplateValue(jsonData: Data(#"{"b": 1, "a": {"y": [], "x": 2.5}}"#.utf8))
        let template = try ChatTemplate(source: "{{ tools[0] | tojson }}")
        let output = try template.render(messages: [], addGenerationPrompt: false, tools: [tool])
        #expect(try TemplateValue(jsonData: Data(output.utf8)) == tool)
        #expect(output.firstIndex(of: "b")! < output.firstIndex(of: "a")!)
    }

    @Test("malformed JSON throws invalidJSON")
    func badJSON() {
        for text in ["{", "[1,]", "{\"a\" 1}", "\"\\q\"", "nul", "[1] x", String(repeating: "[", count: 10_000)] {
            #expect(throws: ChatTemplateError.self) { try TemplateValue(jsonData: Data(text.utf8)) }
        }
    }

    @Test("JSONSerialization objects convert")
    func jsonObject() throws {
        let object = try JSONSerialization.jsonObject(with: Data(#"{"role": "user", "n": 3, "x": 0.5, "ok": true, "list": [null]}"#.utf8))
        let value = try TemplateValue(jsonObject: object)
        #expect(value["role"] == "user")
        #expect(value["n"] == .int(3))
        #expect(value["x"] == .double(0.5))
        #expect(value["ok"] == .bool(true))
        #expect(value["list"] == [.null])
        #expect(throws: ChatTemplateError.self) { try TemplateValue(jsonObject: Date()) }
    }

    @Test("render binds messages, tools, tokens and extra variables")
    func renderArguments() throws {
        let template = try ChatTemplate(source:
            "{{ bos_token is defined }}|{{ tools is none }}|{{ messages | length }}|{{ add_generation_prompt }}|{{ custom }}")
        let plain = try template.render(messages: ["a", "b"], addGenerationPrompt: true)
        let full = try template.render(messages: [], addGenerationPrompt: false, tools: [], bosToken: "<s>", extra: ["custom": 1.5])
        #expect(plain == "False|True|2|True|")
        #expect(full == "True|False|0|False|1.5")
    }

    @Test("raise_exception surfaces its message")
    func raised() throws {
        let template = try ChatTemplate(source: "{{ raise_exception('no system role: ' ~ messages[0].role) }}")
        #expect(throws: ChatTemplateError.raised(message: "no system role: system")) {
            try template.render(messages: [["role": "system", "content": "x"]], addGenerationPrompt: false)
        }
    }
}
