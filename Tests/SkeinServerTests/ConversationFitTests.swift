import Foundation
import SkeinDemoModel
import SkeinEngine
import SkeinTokenizers
import Testing
@testable import SkeinServer

/// Template-aware trimming in the server: a chat that outgrows the demo model's 256-token context
/// under full attention drops its oldest whole turns and says so; other policies and `trim_turns:
/// false` leave it alone.
@Suite struct ConversationFitTests {
    let host: ModelHost

    init() throws { host = try ModelHost(folder: DemoModel.folder!) }

    /// A system message, `turns` exchanges of about 30 tokens each, and a final question.
    static func messages(turns: Int) -> [[String: String]] {
        var messages = [["role": "system", "content": "You answer from the book."]]
        for turn in 0..<turns {
            messages.append(["role": "user", "content": "Question \(turn): who made the heaven and the earth in the beginning?"])
            messages.append(["role": "assistant", "content": "Answer \(turn): in the beginning God created the heaven and the earth."])
        }
        messages.append(["role": "user", "content": "And who divided the light from the darkness?"])
        return messages
    }

    func prepare(_ body: [String: Any]) throws -> JobSpec {
        let request = try JSONDecoder().decode(ChatCompletionRequest.self, from: JSONSerialization.data(withJSONObject: body))
        let preparation = JobPreparation(host: host, configuration: ServerConfiguration(), sessions: try SessionStore(directory: nil, host: host))
        let (messages, prompt) = try preparation.chatPrompt(request.messages)
        return try preparation.prepare(prompt: prompt, conversation: messages, common: request.common, topLogprobs: nil).0
    }

    func encode(_ messages: [[String: String]]) throws -> [Int] {
        try host.tokenizer.encodeChat(messages.map { m in ["role": .string(m["role"]!), "content": .string(m["content"]!)] })
    }

    @Test func underFullAttentionTheOldestWholeTurnsAreDroppedToFitTheModel() throws {
        let messages = Self.messages(turns: 12)
        #expect(try encode(messages).count > 256)
        let spec = try prepare(["messages": messages, "max_tokens": 16])
        let trimmed = try #require(spec.trimmed)
        #expect(trimmed.messages == 2 * trimmed.turns)
        // The prompt is the template's rendering of the system message and the latest turns.
        let kept = [messages[0]] + messages.suffix(messages.count - 1 - trimmed.messages)
        let expected = try encode(kept)
        #expect(spec.promptTokens == expected)
        #expect(spec.promptTokens.count + 16 <= 256)
        // One turn fewer dropped would not have fitted.
        let oneMore = [messages[0]] + messages.suffix(messages.count - 1 - trimmed.messages + 2)
        #expect(try encode(oneMore).count + 16 > 256)
        // The default max_tokens (256, the whole context) leaves the conversation 3/4 of it.
        let byDefault = try prepare(["messages": messages])
        #expect(byDefault.promptTokens.count <= 192 && byDefault.trimmed!.turns > trimmed.turns)
    }

    @Test func aChatThatFitsOrRunsUnderALongContextPolicyOrOptsOutIsLeftWhole() throws {
        #expect(try prepare(["messages": Self.messages(turns: 2), "max_tokens": 16]).trimmed == nil)
        let long = Self.messages(turns: 12)
        let streaming = try prepare(["messages": long, "max_tokens": 16, "skein": ["attention": "streaming"]])
        let whole = try encode(long)
        #expect(streaming.trimmed == nil && streaming.promptTokens == whole)
        let optedOut = try prepare(["messages": long, "max_tokens": 16, "skein": ["trim_turns": false]])
        #expect(optedOut.trimmed == nil && optedOut.promptTokens == whole)
    }

    @Test func aLatestTurnLongerThanTheContextRunsAloneWithTheSystemMessage() throws {
        let question = String(repeating: "in the beginning God created the heaven and the earth ", count: 30)
        let messages = [["role": "system", "content": "s"], ["role": "user", "content": "hi"], ["role": "assistant", "content": "hello"],
                        ["role": "user", "content": question]]
        let spec = try prepare(["messages": messages, "max_tokens": 16])
        #expect(spec.trimmed == TrimmedTurns(turns: 1, messages: 2))
        let expected = try encode([messages[0], messages[3]])
        #expect(spec.promptTokens == expected && expected.count > 256)
        // Alone, it is a long prompt like any other: nothing to drop.
        #expect(try prepare(["messages": [messages[3]], "max_tokens": 16]).trimmed == nil)
    }
}
