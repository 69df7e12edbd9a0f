import Foundation
import SkeinEngine
import SkeinTokenizers

/// Turns a decoded request into a `JobSpec`: checks every parameter, tokenizes, resolves the
/// long-context policy, checks the context limit and checks out the session.
struct JobPreparation {
    let host: ModelHost
    let configuration: ServerConfiguration
    let sessions: SessionStore

    /// The spec, the stop strings, and the session taken for it (to be returned if the job never starts).
    /// - Parameter conversation: a chat request's messages, whose oldest whole turns are dropped
    ///   when `prompt` (their rendering) outgrows the context (`ConversationFit`).
    /// - Parameter namespace: the session namespace of the request's API key.
    func prepare(prompt: [Int], conversation: [TemplateValue]? = nil, common p: CommonParameters, namespace: String = "",
                 topLogprobs: Int?) throws -> (JobSpec, [String], SessionStore.Session?) {
        if let n = p.n, n != 1 {
            throw n > 1 ? APIError.unsupported("n=\(n): one choice per request is supported (n=1)", param: "n")
                        : APIError.badRequest("n must be at least 1, got \(n)", param: "n")
        }
        let maxTokens = p.maxCompletionTokens ?? p.maxTokens ?? configuration.defaultMaxTokens
        let field = p.maxCompletionTokens != nil ? "max_completion_tokens" : "max_tokens"
        guard maxTokens >= 1 else { throw APIError.badRequest("\(field) must be at least 1, got \(maxTokens)", param: field) }
        guard maxTokens < configuration.maxContext else {
            let given = (p.maxCompletionTokens ?? p.maxTokens) == nil ? " (--default-max-tokens)" : ""
            throw APIError.badRequest("\(field) is \(maxTokens)\(given), which leaves no room for the prompt in the server's context limit of "
                                      + "\(configuration.maxContext) tokens (--max-context)", param: field, code: "context_length_exceeded")
        }
        let temperature = p.temperature ?? 1
        guard temperature.isFinite, (0...2).contains(temperature) else {
            throw APIError.badRequest("temperature must be between 0 and 2, got \(temperature)", param: "temperature")
        }
        if let topP = p.topP, !(topP > 0 && topP <= 1) {
            throw APIError.badRequest("top_p must be in (0, 1], got \(topP)", param: "top_p")
        }
        if let k = topLogprobs, !(0...20).contains(k) {
            throw APIError.badRequest("top_logprobs must be between 0 and 20, got \(k)", param: "top_logprobs")
        }
        let stops = p.stop?.values ?? []
        guard stops.count <= 4, stops.allSatisfy({ !$0.isEmpty }) else {
            throw APIError.badRequest("stop takes up to 4 non-empty strings", param: "stop")
        }
        guard !prompt.isEmpty else { throw APIError.badRequest("the prompt is empty", param: "prompt") }
        let vocabulary = host.base.configuration.vocabSize
        if let bad = prompt.first(where: { $0 < 0 || $0 >= vocabulary }) {
            throw APIError.badRequest("token id \(bad) is outside the vocabulary (0..<\(vocabulary))", param: "prompt")
        }
        // With trimming on, a chat past the limit is fitted once the policy is known (below).
        let trims = conversation != nil && (p.skein?.trimTurns ?? configuration.trimTurns)
        if !trims { try checkContext(prompt: prompt.count, maxTokens: maxTokens) }

        var session: SessionStore.Session?
        var attention = p.skein?.attention ?? configuration.defaultAttention
        var rope = p.skein?.rope ?? configuration.defaultRope
        var kvType = p.skein?.kvType ?? configuration.defaultKVType
        if let name = p.session {
            let id = SessionStore.scoped(name, in: namespace)
            let taken = try sessions.checkout(id)
            let conflict = (p.skein?.attention).map { $0 != taken.attention } == true || (p.skein?.rope).map { $0 != taken.rope } == true
                || (p.skein?.kvType).map { $0 != taken.kvType } == true
            guard !conflict else {
                sessions.checkin(id, tokens: nil, cache: nil)
                throw APIError.badRequest("session '\(id)' was created with attention '\(taken.attention)', rope '\(taken.rope)' and kv_type '\(taken.kvType)'; "
                                          + "a request in it cannot change them", param: "skein", code: "session_policy_mismatch")
            }
            attention = taken.attention
            rope = taken.rope
            kvType = taken.kvType
            session = taken
        }
        do {
            // A session keeps one policy for all its turns, so only requests outside one are sized.
            let choice = try host.choose(attention: attention, rope: rope, kvType: kvType,
                                         inputLength: session == nil ? prompt.count + maxTokens : nil)
            let (model, policy) = (choice.model, choice.policy)
            var prompt = prompt
            var trimmed: TrimmedTurns?
            if trims, let conversation {
                let fit = ConversationFit(context: ConversationFit.context(of: model, policy: policy, serverLimit: configuration.maxContext),
                                          maxTokens: maxTokens)
                (prompt, trimmed) = try fit.fit(prompt: prompt, conversation: conversation, encode: host.tokenizer.encodeChat)
                try checkContext(prompt: prompt.count, maxTokens: maxTokens)
            }
            let seed = p.seed.map { UInt64(bitPattern: Int64($0)) } ?? UInt64.random(in: 0...UInt64.max)
            let sampling = try Self.sampling(p, temperature: temperature, seed: seed)
            let spec = JobSpec(promptTokens: prompt, maxTokens: maxTokens, sampling: sampling, stopTokens: host.stopTokens,
                               topLogprobs: topLogprobs, model: model, policy: policy, attention: attention, rope: rope, kvType: kvType,
                               session: session?.id, trimmed: trimmed,
                               notice: choice.sizingNote ?? choice.reachWarning(tokens: prompt.count + maxTokens, what: "the request"),
                               sized: choice.sizedFor != nil)
            return (spec, stops, session)
        } catch let error as APIError {
            if let id = session?.id { sessions.checkin(id, tokens: nil, cache: nil) }
            throw error
        } catch {
            if let id = session?.id { sessions.checkin(id, tokens: nil, cache: nil) }
            let text = "\(error)"
            let param = text.hasPrefix("rope") ? "skein.rope" : text.hasPrefix("kv-type") ? "skein.kv_type" : "skein.attention"
            throw APIError.badRequest("\(error)", param: param, code: "invalid_policy")
        }
    }

    /// The request's sampling parameters, checked by the engine's own rules (the sampler the CLI
    /// uses): top_k >= 1, min_p in [0, 1], repetition_penalty > 0, frequency and presence
    /// penalties in [-2, 2].
    /// - Throws: a 400 naming the field.
    static func sampling(_ p: CommonParameters, temperature: Double, seed: UInt64) throws -> SamplingParameters {
        let sampling = SamplingParameters(
            temperature: Float(temperature), topK: p.topK, topP: p.topP.map(Float.init), minP: p.minP.map(Float.init),
            repetitionPenalty: p.repetitionPenalty.map(Float.init), frequencyPenalty: p.frequencyPenalty.map(Float.init),
            presencePenalty: p.presencePenalty.map(Float.init), seed: seed)
        do {
            try sampling.validate()
        } catch let EngineError.invalidOption(name, reason) {
            let field = name.replacingOccurrences(of: "-", with: "_")
            throw APIError.badRequest("\(field) \(reason)", param: field)
        }
        return sampling
    }

    /// - Throws: a 400 `context_length_exceeded` when the prompt and the tokens to generate pass `--max-context`.
    private func checkContext(prompt: Int, maxTokens: Int) throws {
        guard prompt + maxTokens <= configuration.maxContext else {
            throw APIError.badRequest(
                "this request needs \(prompt + maxTokens) tokens (\(prompt) in the prompt + \(maxTokens) to generate), "
                + "more than the server's context limit of \(configuration.maxContext) (--max-context)",
                param: "messages", code: "context_length_exceeded")
        }
    }

    /// A chat request's messages as the template reads them, and their prompt tokens.
    func chatPrompt(_ messages: [ChatMessage]) throws -> (messages: [TemplateValue], tokens: [Int]) {
        guard !messages.isEmpty else { throw APIError.badRequest("messages must not be empty", param: "messages") }
        guard messages.count <= configuration.maxMessages else {
            throw APIError.badRequest("messages has \(messages.count) entries, more than the server's limit of \(configuration.maxMessages) "
                                      + "(--max-messages)", param: "messages", code: "too_many_messages")
        }
        let values: [TemplateValue] = messages.map { ["role": .string($0.role), "content": .string($0.content)] }
        do {
            return (values, try host.tokenizer.encodeChat(values))
        } catch {
            throw APIError.badRequest("the chat template rejected the messages: \(error)", param: "messages")
        }
    }

    /// Prompt tokens of a completion request.
    func completionPrompt(_ prompt: CompletionRequest.Prompt) -> [Int] {
        switch prompt {
        case .text(let text): host.tokenizer.encode(text)
        case .tokens(let ids): ids
        }
    }
}
