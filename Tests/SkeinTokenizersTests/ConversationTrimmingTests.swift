import Foundation
import Testing
@testable import SkeinTokenizers

/// Template-aware trimming on three published chat templates: whole old turns are dropped, the
/// system message and the latest turns are kept, and the prompt is the template's own rendering
/// of what is kept.
@Suite struct ConversationTrimmingTests {
    /// A published template with a fixture tokenizer to count its tokens.
    struct Case: CustomStringConvertible {
        var template: String
        var tokenizer: String
        var description: String { template }
    }

    static let cases = [
        Case(template: "meta-llama-Llama-3.1-8B-Instruct.jinja", tokenizer: "llama3"),
        Case(template: "Qwen-Qwen2.5-7B-Instruct.jinja", tokenizer: "qwen2"),
        Case(template: "microsoft-Phi-3-mini-4k-instruct.jinja", tokenizer: "sentencepiece"),
    ]

    /// A system message and `turns` user/assistant exchanges, each with distinct text.
    static func conversation(turns: Int) -> [TemplateValue] {
        var messages: [TemplateValue] = [["role": "system", "content": "You are a careful assistant."]]
        for turn in 0..<turns {
            messages.append(["role": "user", "content": .string("Question \(turn): what follows \(turn * 7) in the list?")])
            messages.append(["role": "assistant", "content": .string("Answer \(turn): the number \(turn * 7 + 1) follows it.")])
        }
        messages.append(["role": "user", "content": "And the last question?"])
        return messages
    }

    struct Renderer {
        let template: ChatTemplate
        let tokenizer: Tokenizer

        init(_ c: Case) throws {
            template = try ChatTemplate(source: ChatTemplateFixtures.source(c.template))
            let folder = ChatTemplateFixtures.directory.deletingLastPathComponent().appendingPathComponent("tokenizers/\(c.tokenizer)")
            tokenizer = try Tokenizer(file: folder.appendingPathComponent("tokenizer.json"))
        }

        func text(_ messages: [TemplateValue]) throws -> String {
            try template.render(messages: messages, addGenerationPrompt: true, bosToken: "<s>", eosToken: "</s>")
        }

        func tokens(_ messages: [TemplateValue]) throws -> [Int] {
            tokenizer.encode(try text(messages), addSpecialTokens: false)
        }
    }

    @Test("keeps the system message and the latest whole turns that fit", arguments: cases)
    func keepsLatestWholeTurns(_ c: Case) throws {
        let renderer = try Renderer(c)
        let messages = Self.conversation(turns: 8)  // system, 8 exchanges, a final question: 9 turns
        let system = Array(messages.prefix(1))
        // The budget exactly fits the system message and the last 3 turns (2 exchanges + the question).
        let keptTail = Array(messages.suffix(5))
        let budget = try renderer.tokens(system + keptTail).count
        #expect(try renderer.tokens(system + messages.suffix(7)).count > budget)

        let result = try ConversationTrimming.trim(messages, budget: budget, encode: renderer.tokens)
        #expect(result.messages == system + keptTail)
        #expect(result.droppedTurns == 6)
        #expect(result.droppedMessages == 12)
        #expect(result.tokens == (try renderer.tokens(system + keptTail)))
        #expect(result.tokens.count <= budget && result.fits)

        // The kept turns render exactly as they did inside the whole conversation: the trimmed
        // prompt from the first kept question on is the full prompt's tail, so no turn was cut.
        let full = try renderer.text(messages)
        let trimmed = try renderer.text(result.messages)
        let firstKept = "Question 6:"
        let fromFirstKept = try #require(trimmed.range(of: firstKept)).lowerBound
        #expect(full.hasSuffix(trimmed[fromFirstKept...]))
        #expect(!trimmed.contains("Question 5:"))
        // What comes before the first kept question is the template's header, as in the full prompt.
        let fullHeader = full[..<(try #require(full.range(of: "Question 0:")).lowerBound)]
        #expect(trimmed[..<fromFirstKept] == fullHeader)

        // One token less, and one more turn must go.
        let tighter = try ConversationTrimming.trim(messages, budget: budget - 1, encode: renderer.tokens)
        #expect(tighter.droppedTurns == 7)
        #expect(tighter.messages == system + messages.suffix(3))
    }

    @Test("a conversation that fits is returned unchanged", arguments: cases)
    func fitsUnchanged(_ c: Case) throws {
        let renderer = try Renderer(c)
        let messages = Self.conversation(turns: 3)
        let tokens = try renderer.tokens(messages)
        let result = try ConversationTrimming.trim(messages, budget: tokens.count, encode: renderer.tokens)
        #expect(result.messages == messages)
        #expect(result.tokens == tokens)
        #expect(result.droppedTurns == 0 && result.droppedMessages == 0 && result.fits)
    }

    @Test("the latest turn is never dropped: past the budget alone, it is kept with the system message and fits is false")
    func latestTurnNeverDropped() throws {
        let renderer = try Renderer(Self.cases[0])
        let messages = Self.conversation(turns: 4)
        let minimum = Array(messages.prefix(1)) + messages.suffix(1)
        let minimumTokens = try renderer.tokens(minimum).count
        let exact = try ConversationTrimming.trim(messages, budget: minimumTokens, encode: renderer.tokens)
        #expect(exact.droppedTurns == 4 && exact.fits)
        let over = try ConversationTrimming.trim(messages, budget: minimumTokens - 1, encode: renderer.tokens)
        #expect(over.messages == minimum && over.droppedTurns == 4 && over.droppedMessages == 8 && !over.fits)
        // A single turn has nothing to drop.
        let single = Array(messages.prefix(1)) + messages.suffix(1)
        let alone = try ConversationTrimming.trim(single, budget: 1, encode: renderer.tokens)
        #expect(alone.messages == single && alone.droppedTurns == 0 && !alone.fits)
    }

    @Test("turns start at each user message and keep the replies and tool results that follow it")
    func turnsSplitAtUserMessages() {
        let messages: [TemplateValue] = [
            ["role": "system", "content": "s1"], ["role": "system", "content": "s2"],
            ["role": "assistant", "content": "greeting"],
            ["role": "user", "content": "u1"], ["role": "assistant", "content": "a1"], ["role": "tool", "content": "t1"],
            ["role": "assistant", "content": "a1b"],
            ["role": "user", "content": "u2"],
        ]
        let (system, turns) = ConversationTrimming.split(messages)
        #expect(system.count == 2)
        #expect(turns.map(\.count) == [1, 4, 1])
        #expect(turns[1].first == messages[3] && turns[1].last == messages[6])
    }
}
