import Foundation
import SkeinDemoModel
import SkeinEngine
import Testing
@testable import SkeinServer

/// What the server refuses instead of ignoring, and how its errors read.
@Suite struct RequestValidationTests {
    let host: ModelHost

    init() throws { host = try ModelHost(folder: DemoModel.folder!) }

    /// Decodes `json` as a chat request; returns the APIError it is refused with, or nil.
    func chatError(_ json: String) -> APIError? {
        do {
            _ = try JSONDecoder().decode(ChatCompletionRequest.self, from: Data(json.utf8))
            return nil
        } catch {
            return APIError.decoding(error)
        }
    }

    /// Prepares a decoded chat request as the route does; returns the APIError, or nil.
    func preparationError(_ json: String, configuration: ServerConfiguration = ServerConfiguration()) throws -> APIError? {
        let request = try JSONDecoder().decode(ChatCompletionRequest.self, from: Data(json.utf8))
        let preparation = JobPreparation(host: host, configuration: configuration, sessions: try SessionStore(directory: nil, host: host))
        do {
            let (messages, prompt) = try preparation.chatPrompt(request.messages)
            _ = try preparation.prepare(prompt: prompt, conversation: messages, common: request.common, topLogprobs: nil)
            return nil
        } catch let error as APIError {
            return error
        }
    }

    static let hi = #""messages": [{"role": "user", "content": "hi"}]"#

    @Test func anUnknownSkeinKeyIsRefusedByName() throws {
        let error = try #require(chatError("{\(Self.hi), \"skein\": {\"foo\": \"bar\"}}"))
        #expect(error.status.code == 400)
        #expect(error.param == "skein.foo")
        #expect(error.message.contains("skein.foo: unknown key"))
        #expect(error.message.contains("attention, rope, kv_type"))
        #expect(chatError("{\(Self.hi), \"skein\": {\"attention\": \"streaming\", \"kv_type\": \"f16\"}}") == nil)
    }

    @Test(arguments: [
        (#""tools": [{"type": "function", "function": {"name": "f"}}]"#, "tools"),
        (#""response_format": {"type": "json_object"}"#, "response_format"),
        (#""logit_bias": {"17": 5}"#, "logit_bias"),
        (#""tool_choice": "auto""#, "tool_choice"),
    ])
    func unimplementedFieldsAreUnsupported(field: String, name: String) throws {
        let error = try #require(chatError("{\(Self.hi), \(field)}"))
        #expect(error.status.code == 400 && error.code == "unsupported" && error.param == name)
        #expect(chatError("{\(Self.hi), \"\(name)\": null}") == nil, "null means unset")
    }

    @Test func unknownRolesAreUnsupported() throws {
        let error = try #require(chatError(#"{"messages": [{"role": "user", "content": "a"}, {"role": "tool", "content": "b"}]}"#))
        #expect(error.code == "unsupported" && error.param == "messages[1].role")
        #expect(error.message.contains("\"tool\""))
    }

    @Test func nonTextContentPartsAreUnsupported() throws {
        let image = #"{"messages": [{"role": "user", "content": [{"type": "text", "text": "what is this?"}, {"type": "image_url", "image_url": {"url": "x"}}]}]}"#
        let error = try #require(chatError(image))
        #expect(error.code == "unsupported" && error.param == "messages[0].content[1].type")
        #expect(chatError(#"{"messages": [{"role": "user", "content": [{"type": "text", "text": "a"}]}]}"#) == nil)
    }

    @Test func echoAndBestOfAreUnsupportedOnCompletions() throws {
        func completionError(_ json: String) -> APIError? {
            do { _ = try JSONDecoder().decode(CompletionRequest.self, from: Data(json.utf8)); return nil } catch { return APIError.decoding(error) }
        }
        #expect(completionError(#"{"prompt": "a", "echo": true}"#)?.param == "echo")
        #expect(completionError(#"{"prompt": "a", "best_of": 3}"#)?.code == "unsupported")
        #expect(completionError(#"{"prompt": "a", "suffix": "z"}"#)?.param == "suffix")
        #expect(completionError(#"{"prompt": "a", "echo": false, "best_of": 1}"#) == nil)
    }

    @Test func moreThanOneChoiceIsUnsupported() throws {
        let error = try #require(try preparationError("{\(Self.hi), \"n\": 2}"))
        #expect(error.code == "unsupported" && error.param == "n")
        #expect(try preparationError("{\(Self.hi), \"n\": 1}") == nil)
    }

    /// More messages than --max-messages is a 400 naming messages; exactly the limit is served.
    @Test func tooManyMessagesAreRefused() throws {
        var configuration = ServerConfiguration()
        configuration.maxMessages = 3
        func chat(_ count: Int) -> String {
            let messages = (0..<count).map { #"{"role": "\#($0 % 2 == 0 ? "user" : "assistant")", "content": "m\#($0)"}"# }
            return #"{"messages": [\#(messages.joined(separator: ", "))]}"#
        }
        let error = try #require(try preparationError(chat(4), configuration: configuration))
        #expect(error.status.code == 400 && error.param == "messages" && error.code == "too_many_messages")
        #expect(error.message.contains("4") && error.message.contains("--max-messages"))
        #expect(try preparationError(chat(3), configuration: configuration) == nil)
        #expect(ServerConfiguration().maxMessages == 4096)
    }

    /// max_tokens that alone fills the context is a 400 naming the field the client sent.
    @Test func maxTokensAboveTheContextNamesTheField() throws {
        var configuration = ServerConfiguration()
        configuration.maxContext = 100
        let error = try #require(try preparationError("{\(Self.hi), \"max_tokens\": 100}", configuration: configuration))
        #expect(error.status.code == 400 && error.param == "max_tokens" && error.code == "context_length_exceeded")
        #expect(error.message.contains("100") && error.message.contains("--max-context"))
        let other = try #require(try preparationError("{\(Self.hi), \"max_completion_tokens\": 5000}", configuration: configuration))
        #expect(other.param == "max_completion_tokens")
        configuration.defaultMaxTokens = 200
        let fallback = try #require(try preparationError("{\(Self.hi)}", configuration: configuration))
        #expect(fallback.param == "max_tokens" && fallback.message.contains("--default-max-tokens"))
        #expect(try preparationError("{\(Self.hi), \"max_tokens\": 50}", configuration: configuration) == nil)
        // A stop list past 4 and n > 1 are refused by name too.
        #expect(try preparationError(#"{"messages": [{"role": "user", "content": "hi"}], "stop": ["a", "b", "c", "d", "e"]}"#)?.param == "stop")
    }

    /// The depth pre-scan: 64 levels pass, 65 do not; brackets inside strings (escaped quotes too) are text.
    @Test func theDepthScanCountsOnlyNesting() throws {
        let deep = { (n: Int) in Data((String(repeating: "[", count: n) + String(repeating: "]", count: n)).utf8) }
        #expect(throws: Never.self) { try JSONDepthCheck.check(deep(64)) }
        #expect { try JSONDepthCheck.check(deep(65)) } throws: { error in
            let error = error as? APIError
            return error?.status.code == 400 && error?.code == "json_too_deep" && error?.param == nil
        }
        let text = #"{"prompt": "\"[[[[ "# + String(repeating: "{[", count: 100) + #"", "x": [1]}"#
        #expect(throws: Never.self) { try JSONDepthCheck.check(Data(text.utf8)) }
        let escaped = #"{"a": "\\", "b": "# + String(repeating: "[", count: 70)
        #expect(throws: APIError.self, "an escaped backslash ends before the quote: the brackets after the string count") {
            try JSONDepthCheck.check(Data(escaped.utf8))
        }
    }

    /// top_k, min_p, repetition_penalty and the OpenAI penalties reach the sampler, checked by its rules.
    @Test func samplingExtensionsAreAcceptedAndChecked() throws {
        let request = try JSONDecoder().decode(ChatCompletionRequest.self, from: Data(("{\(Self.hi), \"top_k\": 5, \"min_p\": 0.1, "
            + "\"repetition_penalty\": 1.2, \"frequency_penalty\": 0.5, \"presence_penalty\": -0.5}").utf8))
        let sampling = try JobPreparation.sampling(request.common, temperature: 1, seed: 1)
        #expect(sampling == SamplingParameters(temperature: 1, topK: 5, minP: 0.1, repetitionPenalty: 1.2,
                                               frequencyPenalty: 0.5, presencePenalty: -0.5, seed: 1))
        for (field, value) in [("top_k", "0"), ("min_p", "2"), ("repetition_penalty", "0"), ("frequency_penalty", "3"), ("presence_penalty", "-2.5")] {
            let error = try #require(try preparationError("{\(Self.hi), \"\(field)\": \(value)}"))
            #expect(error.param == field && error.message.hasPrefix(field), "\(error.message)")
        }
    }

    /// Plain words naming the field, never a Swift type.
    @Test(arguments: [
        (#"{"messages": "hi"}"#, "messages: expected an array", "messages"),
        (#"{"messages": [{"role": 3, "content": "x"}]}"#, "messages[0].role: expected a string", "messages[0].role"),
        ("{\(hi), \"max_tokens\": \"ten\"}", "max_tokens: expected an integer", "max_tokens"),
        ("{\(hi), \"temperature\": null, \"stream\": 1}", "stream: expected true or false", "stream"),
        ("{\(hi), \"skein\": \"streaming\"}", "skein: expected an object", "skein"),
        ("{\(hi), \"stop\": 5}", "stop: expected a string or a list of strings", "stop"),
        (#"{"model": "x"}"#, "missing required field 'messages'", "messages"),
        (#"{"messages": [{"role": "user", "content": 5}]}"#, #"messages[0].content: expected a string or a list of {"type": "text", "text": ...} parts"#, "messages[0].content"),
    ])
    func decodingErrorsNameTheFieldInPlainWords(json: String, message: String, param: String) throws {
        let error = try #require(chatError(json))
        #expect(error.message == message)
        #expect(error.param == param)
        for swiftName in ["Array<", "Dictionary<", "Swift.", "Int64", "Optional"] { #expect(!error.message.contains(swiftName)) }
    }

    /// `message`, `type`, `param` and `code` are always there (null when they do not apply).
    @Test func everyErrorObjectHasTheFourKeys() throws {
        for error in [APIError.badRequest("x"), APIError(.notFound, "no route"), APIError.unsupported("y", param: "n")] {
            let body = try #require(try JSONSerialization.jsonObject(with: error.jsonBody()) as? [String: Any])
            let inner = try #require(body["error"] as? [String: Any])
            #expect(Set(inner.keys) == ["message", "type", "param", "code"])
        }
    }
}

/// The server sizes and warns as `generate` does (`PolicyChoice`): a policy named without keys is
/// sized for the request, and one whose keys do not reach that far says so in `skein.notice`.
@Suite struct ServerReachTests {
    let host: ModelHost

    init() throws { host = try ModelHost(folder: DemoModel.folder!) }

    func spec(attention: String, promptLength: Int) throws -> JobSpec {
        let preparation = JobPreparation(host: host, configuration: ServerConfiguration(), sessions: try SessionStore(directory: nil, host: host))
        let body = #"{"prompt": [1], "max_tokens": 8, "skein": {"attention": "\#(attention)"}}"#
        let request = try JSONDecoder().decode(CompletionRequest.self, from: Data(body.utf8))
        return try preparation.prepare(prompt: Array(repeating: 5, count: promptLength), conversation: nil, common: request.common,
                                       topLogprobs: nil).0
    }

    @Test func aPolicyWithoutKeysIsSizedForTheRequest() throws {
        let short = try spec(attention: "self-extend", promptLength: 200)
        #expect(!short.sized && short.notice == nil)
        let long = try spec(attention: "self-extend", promptLength: 3000)
        #expect(long.sized)
        let note = try #require(long.notice)
        #expect(note.contains("sized for 3008 tokens") && note.contains("\(long.policy)"))
    }

    @Test func aPolicyWhoseKeysFallShortWarns() throws {
        let given = try spec(attention: "self-extend:group=4,window=64", promptLength: 3000)
        #expect(!given.sized)
        let warning = try #require(given.notice)
        #expect(warning.contains("the request (3008 tokens)"))
        #expect(try spec(attention: "reattention", promptLength: 3000).notice == nil)
    }
}
