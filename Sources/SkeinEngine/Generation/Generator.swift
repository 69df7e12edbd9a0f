/// What to generate: a prompt, how to sample, when to stop.
public struct GenerationRequest: Sendable {
    public var promptTokens: [Int]
    public var maxTokens: Int
    public var sampling: SamplingParameters
    /// Generation ends after any of these tokens (which is included in the output).
    public var stopTokens: Set<Int>
    /// Prompt tokens run per forward pass during prefill.
    public var prefillChunk: Int
    /// Tokens the given cache already holds before `promptTokens` (a chat's earlier turns): not
    /// run again, but part of the history the repetition penalty sees, as if prefilled with the prompt.
    public var precedingTokens: [Int]

    public init(promptTokens: [Int], maxTokens: Int = 128, sampling: SamplingParameters = .init(),
                stopTokens: Set<Int> = [], prefillChunk: Int = 512, precedingTokens: [Int] = []) {
        self.promptTokens = promptTokens
        self.maxTokens = maxTokens
        self.sampling = sampling
        self.stopTokens = stopTokens
        self.prefillChunk = prefillChunk
        self.precedingTokens = precedingTokens
    }
}

/// Why generation ended.
public enum FinishReason: String, Sendable {
    case stopToken = "stop"
    case maxTokens = "length"
    case cancelled
}

/// The tokens produced and why generation ended.
public struct GenerationResult: Sendable {
    public var tokens: [Int]
    public var finishReason: FinishReason
    public var promptTokenCount: Int
}

/// The generation loop: chunked prefill, then one token per forward pass.
public struct Generator {
    public let model: TransformerModel
    public let policy: AttentionPolicy

    public init(model: TransformerModel, policy: AttentionPolicy? = nil) {
        self.model = model
        self.policy = policy ?? model.defaultPolicy
    }

    /// Generates tokens, calling `onToken` for each as it is produced; returning false stops early.
    public func generate(_ request: GenerationRequest, cache: DenseKVCache? = nil,
                         onToken: (Int) throws -> Bool = { _ in true }) throws -> GenerationResult {
        try request.sampling.validate()
        guard request.maxTokens >= 0 else { throw EngineError.invalidOption(name: "max-tokens", reason: "must be >= 0") }
        guard request.prefillChunk >= 1 else { throw EngineError.invalidOption(name: "prefill-chunk", reason: "must be >= 1") }
        try model.validate(request.promptTokens)
        let cache = cache ?? model.makeCache(for: policy, initialCapacity: request.promptTokens.count + request.maxTokens)
        cache.beginTurn(policy: policy)  // a new prompt is a new dialogue turn (SirLLM decays older ones)
        var sampler = Sampler(request.sampling)
        var history = request.precedingTokens + request.promptTokens
        var logits: [Float] = []
        var offset = 0
        while offset < request.promptTokens.count {
            let end = min(request.promptTokens.count, offset + request.prefillChunk)
            logits = try model.forward(Array(request.promptTokens[offset..<end]), cache: cache, policy: policy, logits: .last)[0]
            offset = end
        }
        var produced: [Int] = []
        while produced.count < request.maxTokens {
            let next = sampler.sample(logits, history: history)
            produced.append(next)
            history.append(next)
            if try !onToken(next) { return GenerationResult(tokens: produced, finishReason: .cancelled, promptTokenCount: request.promptTokens.count) }
            if request.stopTokens.contains(next) { return GenerationResult(tokens: produced, finishReason: .stopToken, promptTokenCount: request.promptTokens.count) }
            if produced.count == request.maxTokens { break }
            logits = try model.forward([next], cache: cache, policy: policy, logits: .last)[0]
        }
        return GenerationResult(tokens: produced, finishReason: .maxTokens, promptTokenCount: request.promptTokens.count)
    }
}
