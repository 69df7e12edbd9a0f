import Foundation
@testable import SkeinEngine
import SkeinTokenizers
import Testing
@testable import skein

/// `ChatSession` in-process on the own-model Qwen2 fixture (a Qwen2.5 chat template) and the demo model.
@Suite struct ChatSessionTests {
    static let qwen = repositoryRoot.appendingPathComponent("Tests/Fixtures/own-model/qwen2-chat")
    static let lines = ["Hello there, who are you?", "Tell me about the sea.", "And the mountains?", "Thanks, one more word."]

    static func session(_ folder: URL = qwen, attention: String = "full", maxTokens: Int = 12,
                        system: String? = "You are terse.") throws -> ChatSession {
        let tokenizer = try ModelTokenizer(path: folder)
        let model = try TransformerModel.load(path: folder)
        return try ChatSession(model: model, tokenizer: tokenizer, attention: attention,
                               stopTokens: Set(model.configuration.eosTokenIds + tokenizer.eosTokenIds),
                               system: system, maxTokens: maxTokens)
    }

    /// The reply a fresh cache gives after prefilling the whole conversation (the old `skein chat`).
    static func freshReply(_ session: ChatSession, messages: [ChatMessage]) throws -> String {
        let prompt = try session.render(messages)
        let request = GenerationRequest(promptTokens: prompt, maxTokens: session.maxTokens, sampling: session.sampling,
                                        stopTokens: session.stopTokens)
        let tokens = try Generator(model: session.model, policy: session.policy).generate(request).tokens
        return try session.tokenizer.decode(tokens.filter { !session.stopTokens.contains($0) }, skipSpecialTokens: true)
    }

    /// With a repetition penalty too: the earlier turns held by the cache still count as history.
    @Test(arguments: ["qwen", "demo", "demo with a repetition penalty"])
    func cacheGrowsOnlyByEachTurnAndRepliesMatchAFreshCache(model: String) throws {
        let folder = model == "qwen" ? Self.qwen : try #require(SkeinDemoModelFolder.url)
        let session = try Self.session(folder)
        if model.hasSuffix("penalty") { session.sampling = SamplingParameters(temperature: 0, repetitionPenalty: 1.5) }
        var previousPrompt = 0
        for (turn, line) in Self.lines.enumerated() {
            let heldBefore = session.held
            let expected = try Self.freshReply(session, messages: session.messages + [ChatMessage(role: "user", content: line)])
            let report = try session.send(line)
            let prompt = try session.render(Array(session.messages.dropLast()))
            let common = zip(heldBefore, prompt).prefix { $0 == $1 }.count
            #expect(report.promptTokens == prompt.count)
            #expect(report.prefilled == prompt.count - common, "turn \(turn): only what the cache lacked is prefilled")
            if turn > 0 {
                // At least the previous turn's prompt is reused: the new tokens are this turn's.
                #expect(common >= previousPrompt, "turn \(turn): cache kept \(common) of \(previousPrompt) earlier prompt tokens")
            }
            // The cache holds the prompt and the reply (all but the last token, which is never run).
            let cache = try #require(session.cache)
            #expect(cache.nextPosition == prompt.count + report.generated - 1)
            #expect(session.held.count == cache.nextPosition)
            #expect(Array(session.held.prefix(prompt.count)) == prompt)
            #expect(report.reply == expected, "turn \(turn): the reused cache gives the fresh-cache reply")
            previousPrompt = prompt.count
        }
    }

    @Test func sirLLMDecaysEarlierTurnsOncePerTurn() throws {
        let session = try Self.session(attention: "sirllm:budget=4000,decay=0.5", maxTokens: 6)
        _ = try session.send(Self.lines[0])
        let cache = try #require(session.cache)
        let memory = try #require(cache.memory)
        let positions = memory.positions[0][0]
        let before = memory.scores[0][0]
        let held = session.held.count
        _ = try session.send(Self.lines[1])
        #expect(session.cache === cache, "the same cache continues")
        let after = try #require(session.cache?.memory)
        #expect(Array(after.positions[0][0].prefix(positions.count)) == positions, "nothing evicted under this budget")
        for (i, score) in before.enumerated() where score.isFinite {
            #expect(after.scores[0][0][i] == score * 0.5, "entry \(i) of turn 1 decayed once")
        }
        // Entries added in turn 2 were not decayed by turn 2's own beginTurn.
        #expect(after.scores[0][0].count > held)
    }

    @Test func resetAndPolicySwitchRebuildTheCache() throws {
        let session = try Self.session()
        _ = try session.send(Self.lines[0])
        _ = try session.send(Self.lines[1])
        let messages = session.messages
        try session.switchPolicy(to: "window:size=64")
        #expect(session.policy.description.contains("64"))
        #expect(session.messages == messages)
        let rendered = try session.render(messages, addGenerationPrompt: false)
        #expect(session.cache?.nextPosition == rendered.count, "the conversation is prefilled again under the new policy")
        let report = try session.send(Self.lines[2])
        #expect(report.prefilled < report.promptTokens / 2, "the next turn continues the rebuilt cache")
        session.reset()
        #expect(session.messages == [ChatMessage(role: "system", content: "You are terse.")])
        #expect(session.cache == nil)
        #expect(throws: EngineError.self) { try session.switchPolicy(to: "no-such-policy") }
    }

    @Test func aConversationPastTheContextDropsItsOldestTurns() throws {
        let session = try Self.session(maxTokens: 16)
        var notices: [String] = []
        session.notice = { notices.append($0) }
        let long = String(repeating: "the sea and the mountains ", count: 12)
        var dropped = 0
        for _ in 0..<12 { dropped += try session.send(long).droppedTurns }
        #expect(dropped > 0)
        #expect(notices.contains { $0.hasPrefix("[dropped ") && $0.hasSuffix("to fit the context]") })
        let budget = try #require(session.promptBudget)
        let cache = try #require(session.cache)
        #expect(cache.nextPosition <= budget + session.maxTokens)
        #expect(session.messages.first?.role == "system", "the system message is kept")
    }
}

/// The shipped demo model's folder, if it is next to the tests.
enum SkeinDemoModelFolder {
    static var url: URL? { try? TestModels.demoWithoutText() }
}
