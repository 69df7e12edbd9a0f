import Foundation

/// How the next token is chosen from logits. A temperature of 0 means greedy.
public struct SamplingParameters: Sendable, Equatable {
    public var temperature: Float = 0
    public var topK: Int? = nil
    public var topP: Float? = nil
    public var minP: Float? = nil
    /// > 1 discourages tokens already in the context (as in transformers: logits > 0 divided, < 0 multiplied).
    public var repetitionPenalty: Float? = nil
    /// OpenAI's `frequency_penalty` (-2...2): each token's logit minus this times how often it was generated so far.
    public var frequencyPenalty: Float? = nil
    /// OpenAI's `presence_penalty` (-2...2): subtracted once from every token generated so far.
    public var presencePenalty: Float? = nil
    public var seed: UInt64 = 0

    public init(temperature: Float = 0, topK: Int? = nil, topP: Float? = nil, minP: Float? = nil,
                repetitionPenalty: Float? = nil, frequencyPenalty: Float? = nil, presencePenalty: Float? = nil,
                seed: UInt64 = 0) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.minP = minP
        self.repetitionPenalty = repetitionPenalty
        self.frequencyPenalty = frequencyPenalty
        self.presencePenalty = presencePenalty
        self.seed = seed
    }

    /// Throws a clear error for values outside their range.
    /// - Throws: `EngineError.invalidOption` naming the option (`temperature`, `top-k`, ...).
    public func validate() throws {
        if temperature < 0 || !temperature.isFinite { throw EngineError.invalidOption(name: "temperature", reason: "must be >= 0, got \(temperature)") }
        if let topK, topK < 1 { throw EngineError.invalidOption(name: "top-k", reason: "must be >= 1, got \(topK)") }
        if let topP, !(topP > 0 && topP <= 1) { throw EngineError.invalidOption(name: "top-p", reason: "must be in (0, 1], got \(topP)") }
        if let minP, !(minP >= 0 && minP <= 1) { throw EngineError.invalidOption(name: "min-p", reason: "must be in [0, 1], got \(minP)") }
        if let r = repetitionPenalty, !(r > 0 && r.isFinite) { throw EngineError.invalidOption(name: "repetition-penalty", reason: "must be > 0, got \(r)") }
        for (name, value) in [("frequency-penalty", frequencyPenalty), ("presence-penalty", presencePenalty)] {
            if let value, !(value >= -2 && value <= 2) { throw EngineError.invalidOption(name: name, reason: "must be in [-2, 2], got \(value)") }
        }
    }
}
