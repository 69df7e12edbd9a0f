import Foundation
import SkeinEngine
import SkeinTokenizers

/// One `skein chat` conversation and the KV cache that holds it across turns.
///
/// Each turn renders the whole conversation with the chat template, but prefills only what the
/// cache does not hold yet: the rendered prompt minus its common prefix with the tokens already
/// given to the cache (the previous prompts and replies). When the new render does not extend
/// them (a template that re-renders an earlier reply differently, e.g. trimmed or retokenized),
/// the cache is cut back to the common prefix when it still holds every token, else rebuilt.
/// The reply's tokens stay in the cache, and the generator's `beginTurn` sees the used cache
/// once per turn, so score-aware policies (SirLLM) decay earlier turns.
final class ChatSession {
    /// The model as loaded, before any `--rope` override (policies are resolved against it).
    let baseModel: TransformerModel
    let tokenizer: ModelTokenizer
    /// The model under the current RoPE choice and its attention policy.
    private(set) var model: TransformerModel
    private(set) var policy: AttentionPolicy
    /// The spellings of the current policy (`--attention`, `--rope`, `--kv-type`).
    private(set) var attention: String
    let rope: String
    let kvType: String
    /// Tokens that end a reply.
    let stopTokens: Set<Int>
    /// The conversation: an optional system message, then user and assistant turns.
    private(set) var messages: [ChatMessage]
    /// The cache and the tokens it was given, in order (`cache.nextPosition == held.count`).
    private(set) var cache: DenseKVCache?
    private(set) var held: [Int] = []
    private var warnedReach = false
    var maxTokens: Int
    var sampling: SamplingParameters
    /// Whether turns continue the cache (false: every turn prefills the whole conversation into
    /// a fresh cache, as `skein chat` did before; `skein bench --chat-turns` compares the two).
    var reusesCache = true
    /// Where notices go ("[dropped 2 oldest turns to fit the context]"); standard error in the CLI.
    var notice: (String) -> Void = { _ in }

    /// - Throws: `EngineError.invalidOption` for a bad policy spelling.
    init(model: TransformerModel, tokenizer: ModelTokenizer, attention: String = "full", rope: String = "config",
         kvType: String = "f32", stopTokens: Set<Int>, system: String? = nil, maxTokens: Int = 128,
         sampling: SamplingParameters = .init()) throws {
        baseModel = model
        self.tokenizer = tokenizer
        let choice = try PolicyChoice.resolve(model, attention: attention, rope: rope, kvType: kvType)
        self.model = choice.model
        policy = choice.policy
        self.attention = attention
        self.rope = rope
        self.kvType = kvType
        self.stopTokens = stopTokens
        messages = system.map { [ChatMessage(role: "system", content: $0)] } ?? []
        self.maxTokens = maxTokens
        self.sampling = sampling
    }

    /// The conversation rendered by the chat template and tokenized.
    func render(_ messages: [ChatMessage], addGenerationPrompt: Bool = true) throws -> [Int] {
        try tokenizer.encodeChat(messages.map(\.templateValue), addGenerationPrompt: addGenerationPrompt)
    }

    /// Prompt tokens the conversation may fill under full attention: the model's
    /// `max_position_embeddings` less room for the reply (at most a quarter of it, as the server).
    /// Nil under long-context policies, which are what lets a conversation run past that length.
    var promptBudget: Int? {
        guard policy.base is FullAttention else { return nil }
        let context = model.configuration.maxPositionEmbeddings
        return context - min(maxTokens, context / 4)
    }

    /// Adds `text` as the user's turn, prefills what the cache lacks, and generates the reply,
    /// calling `onText` with each token's piece of its text (empty while a UTF-8 character is
    /// incomplete); returning false from it stops the reply
    /// (Ctrl-C), which is kept in the conversation and the cache as far as it got.
    func send(_ text: String, onText: (String) -> Bool = { _ in true }) throws -> ChatTurnReport {
        let start = DispatchTime.now()
        messages.append(ChatMessage(role: "user", content: text))
        var prompt: [Int]
        var dropped = 0
        do {
            prompt = try render(messages)
            if let budget = promptBudget, prompt.count > budget {
                // Trim to half the budget (as llama.cpp's context shift discards half), so the
                // next turns extend the rebuilt cache instead of each dropping one turn and
                // prefilling the rest again.
                let trimmed = try ConversationTrimming.trim(messages.map(\.templateValue), budget: budget / 2) {
                    try tokenizer.encodeChat($0)
                }
                if trimmed.droppedTurns > 0 {
                    dropped = trimmed.droppedTurns
                    let system = messages.prefix { $0.role == "system" }.count
                    messages = Array(messages.prefix(system)) + Array(messages.dropFirst(system + trimmed.droppedMessages))
                    prompt = trimmed.tokens
                    notice("[dropped \(dropped) oldest turn\(dropped == 1 ? "" : "s") to fit the context]")
                }
            }
        } catch {
            messages.removeLast()
            throw error
        }
        if !warnedReach, let text = PolicyChoice(model: model, policy: policy, attention: attention, rope: rope)
            .reachWarning(tokens: prompt.count, what: "the conversation") {
            warnedReach = true
            notice("warning: \(text)")
        }
        let cache = prepareCache(for: prompt)
        let fresh = Array(prompt[held.count...])
        var stream = StreamingDetokenizer(tokenizer: tokenizer.tokenizer)
        var reply = ""
        var firstToken: Double?
        var stopped = false
        let request = GenerationRequest(promptTokens: fresh, maxTokens: maxTokens, sampling: sampling, stopTokens: stopTokens,
                                        precedingTokens: held)
        let result: GenerationResult
        do {
            result = try Generator(model: model, policy: policy).generate(request, cache: cache) { token in
                if firstToken == nil { firstToken = Self.seconds(since: start) }
                guard !stopTokens.contains(token) else { return true }
                let piece = (try? stream.append(token)) ?? ""
                reply += piece
                stopped = !onText(piece)
                return !stopped
            }
        } catch {
            // The cache may hold part of the prompt: start it over next turn.
            self.cache = nil
            held = []
            messages.removeLast()
            throw error
        }
        let tail = (try? stream.finish()) ?? ""
        reply += tail
        if !tail.isEmpty { _ = onText(tail) }
        // The generator runs every produced token but the last through the model.
        held += fresh + result.tokens.dropLast()
        messages.append(ChatMessage(role: "assistant", content: reply))
        return ChatTurnReport(reply: reply, finishReason: result.finishReason.rawValue, prefilled: fresh.count,
                              generated: result.tokens.count, promptTokens: prompt.count, droppedTurns: dropped,
                              secondsToFirstToken: firstToken, seconds: Self.seconds(since: start))
    }

    /// The cache to continue `prompt` with, `held` set to the tokens it keeps: the current one
    /// (cut back to the common prefix if needed), or a fresh one.
    private func prepareCache(for prompt: [Int]) -> DenseKVCache {
        if reusesCache, let cache, let keep = cache.reusablePrefix(of: prompt, holding: held) {
            if keep < held.count {
                cache.truncate(to: keep)
                held.removeSubrange(keep...)
            }
            return cache
        }
        let cache = model.makeCache(for: policy, initialCapacity: prompt.count + maxTokens)
        self.cache = cache
        held = []
        return cache
    }

    /// Starts over: a new cache, only the system message kept.
    func reset() {
        messages = messages.prefix { $0.role == "system" }.map { $0 }
        cache = nil
        held = []
    }

    /// Switches the attention policy (`/policy NAME[:key=value,...]`) and rebuilds the cache for it
    /// by prefilling the conversation so far.
    /// - Throws: `EngineError.invalidOption` for a bad spelling (the current policy stays).
    func switchPolicy(to attention: String) throws {
        let choice = try PolicyChoice.resolve(baseModel, attention: attention, rope: rope, kvType: kvType)
        model = choice.model
        policy = choice.policy
        self.attention = attention
        try rebuild()
    }

    /// Replaces the conversation (`/load`), with the cache that holds `tokens` when it is given
    /// (checked by the caller to fit this model and policy), else rebuilt by prefilling it.
    func restore(messages: [ChatMessage], cache: DenseKVCache?, tokens: [Int]) throws {
        self.messages = messages
        if let cache, cache.nextPosition == tokens.count {
            self.cache = cache
            held = tokens
        } else {
            try rebuild()
        }
    }

    /// A fresh cache holding the conversation as the template renders it without a generation
    /// prompt (which the next turn's render extends).
    func rebuild() throws {
        cache = nil
        held = []
        guard messages.contains(where: { $0.role != "system" }) else { return }
        let tokens = try render(messages, addGenerationPrompt: false)
        let cache = model.makeCache(for: policy, initialCapacity: tokens.count + maxTokens)
        var offset = 0
        while offset < tokens.count {
            let end = min(tokens.count, offset + 512)
            _ = try model.forward(Array(tokens[offset..<end]), cache: cache, policy: policy, logits: .last)
            offset = end
        }
        self.cache = cache
        held = tokens
    }

    private static func seconds(since start: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }
}
