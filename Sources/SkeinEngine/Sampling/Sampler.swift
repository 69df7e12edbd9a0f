import Foundation

/// Picks tokens: repetition, frequency and presence penalties, then temperature, top-k, top-p
/// and min-p, then a seeded draw. It counts the tokens it picks, which are the generated output
/// the frequency and presence penalties look at.
public struct Sampler: Sendable {
    public let parameters: SamplingParameters
    private var random: RandomSource
    /// How often each token was picked by this sampler (the generated output so far).
    public private(set) var outputCounts: [Int: Int] = [:]
    /// (vocab) scratch for the scaled scores of a full-vocabulary draw, kept between tokens.
    private var scaled: [Float] = []

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
        let unit = random.nextUnit()
        return scores.withUnsafeBufferPointer { choose($0, unit: unit) }
    }

    /// The token for a uniform draw `unit` in [0, 1) at a temperature above 0: the token a full
    /// sort of the vocabulary by score (ties to the lower id) followed by `SortedDraw` gives, found
    /// without that sort. Top-k selects its k in one pass; without top-k `CertifiedDraw` decides
    /// from the few tokens near the top, and only when it cannot tell is everything sorted.
    mutating func choose(_ scores: UnsafeBufferPointer<Float>, unit: Double) -> Int {
        let inverseTemperature = 1 / parameters.temperature, topP = parameters.topP, minP = parameters.minP
        let (maxScore, minScore, hasNaN) = ScaledScores.extremes(scores)
        if hasNaN {
            // NaN has no rank: keep the comparator sort, whose order is whatever it has always been.
            var order = scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
            if let k = parameters.topK, k < order.count { order.removeSubrange(k...) }
            return SortedDraw.pick(order, scores: scores, inverseTemperature: inverseTemperature,
                                   topP: topP, minP: minP, unit: unit)
        }
        if let k = parameters.topK, k < scores.count {
            return SortedDraw.pick(RankKey.top(k, of: scores), scores: scores, inverseTemperature: inverseTemperature,
                                   topP: topP, minP: minP, unit: unit)
        }
        let maxScaled = maxScore * inverseTemperature
        if maxScaled.isFinite {
            if scaled.count != scores.count { scaled = [Float](repeating: 0, count: scores.count) }
            let chosen: Int? = scaled.withUnsafeMutableBufferPointer { xs in
                let summary = ScaledScores.fill(xs, from: scores, inverseTemperature: inverseTemperature, maxScaled: maxScaled)
                let lowest = max(-40, min(0, minScore * inverseTemperature - maxScaled))  // the lowest x, within -40
                return CertifiedDraw(scores: scores, xs: UnsafeBufferPointer(xs), summary: summary, lowest: lowest,
                                     topP: topP, minP: minP, unit: unit).pick()
            }
            if let chosen { return chosen }
        }
        return SortedDraw.pick(RankKey.fullOrder(scores), scores: scores, inverseTemperature: inverseTemperature,
                               topP: topP, minP: minP, unit: unit)
    }

    /// Index of the largest value (the first one on ties).
    public static func argmax(_ x: [Float]) -> Int {
        var best = 0
        for i in x.indices where x[i] > x[best] { best = i }
        return best
    }
}
