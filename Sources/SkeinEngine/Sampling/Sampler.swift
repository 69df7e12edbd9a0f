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

/// Picks tokens: repetition, frequency and presence penalties, then temperature, top-k, top-p
/// and min-p, then a seeded draw. It counts the tokens it picks, which are the generated output
/// the frequency and presence penalties look at.
public struct Sampler: Sendable {
    public let parameters: SamplingParameters
    private var random: RandomSource
    /// How often each token was picked by this sampler (the generated output so far).
    public private(set) var outputCounts: [Int: Int] = [:]

    public init(_ parameters: SamplingParameters) {
        self.parameters = parameters
        random = RandomSource(seed: parameters.seed)
    }

    /// The next token for `logits` (vocab), given the tokens so far (for the repetition penalty).
    public mutating func sample(_ logits: [Float], history: [Int] = []) -> Int {
        var scores = logits
        if let penalty = parameters.repetitionPenalty, penalty != 1 {
            for id in Set(history) where id >= 0 && id < scores.count {
                scores[id] = scores[id] < 0 ? scores[id] * penalty : scores[id] / penalty
            }
        }
        Self.applyOutputPenalties(&scores, counts: outputCounts, frequency: parameters.frequencyPenalty ?? 0,
                                  presence: parameters.presencePenalty ?? 0)
        let next = choose(scores)
        outputCounts[next, default: 0] += 1
        return next
    }

    /// OpenAI's penalties: `logit[t] -= frequency * count[t] + presence * (count[t] > 0 ? 1 : 0)`
    /// for every token `t` with a count.
    public static func applyOutputPenalties(_ scores: inout [Float], counts: [Int: Int], frequency: Float, presence: Float) {
        guard frequency != 0 || presence != 0 else { return }
        for (id, count) in counts where id >= 0 && id < scores.count && count > 0 {
            scores[id] -= frequency * Float(count) + presence
        }
    }

    private mutating func choose(_ scores: [Float]) -> Int {
        if parameters.temperature == 0 { return Self.argmax(scores) }
        let inverseTemperature = 1 / parameters.temperature
        // Candidates sorted by descending score; ties keep the lower id first.
        var order = scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
        if let k = parameters.topK, k < order.count { order.removeSubrange(k...) }
        let maxScore = scores[order[0]] * inverseTemperature
        var probabilities = order.map { Double(exp(scores[$0] * inverseTemperature - maxScore)) }
        let total = probabilities.reduce(0, +)
        probabilities = probabilities.map { $0 / total }
        var keep = probabilities.count
        if let p = parameters.topP, p < 1 {
            var cumulative = 0.0
            for (i, probability) in probabilities.enumerated() {
                cumulative += probability
                if cumulative >= Double(p) { keep = i + 1; break }
            }
        }
        if let minP = parameters.minP, minP > 0 {
            let threshold = probabilities[0] * Double(minP)
            keep = min(keep, max(1, probabilities.prefix(keep).filter { $0 >= threshold }.count))
        }
        let kept = probabilities.prefix(keep)
        let draw = random.nextUnit() * kept.reduce(0, +)
        var cumulative = 0.0
        for (i, probability) in kept.enumerated() {
            cumulative += probability
            if draw < cumulative { return order[i] }
        }
        return order[keep - 1]
    }

    /// Index of the largest value (the first one on ties).
    public static func argmax(_ x: [Float]) -> Int {
        var best = 0
        for i in x.indices where x[i] > x[best] { best = i }
        return best
    }
}
