import Foundation
@testable import SkeinEngine

/// The sampler as it was before partial selection (commit ef7ebb3), kept as the oracle the fast
/// one must match draw for draw: every sampled token sorts the whole vocabulary by score (ties
/// to the lower id), softmaxes it, cuts top-k/top-p/min-p and walks the CDF. Its arithmetic is
/// copied unchanged; only the draw is split out (`choose(_:unit:)`) so tests can aim it.
struct OracleSampler {
    let parameters: SamplingParameters
    private var random: RandomSource
    private(set) var outputCounts: [Int: Int] = [:]

    init(_ parameters: SamplingParameters) {
        self.parameters = parameters
        random = RandomSource(seed: parameters.seed)
    }

    mutating func sample(_ logits: [Float], history: [Int] = []) -> Int {
        var scores = logits
        if let penalty = parameters.repetitionPenalty, penalty != 1 {
            for id in Set(history) where id >= 0 && id < scores.count {
                scores[id] = scores[id] < 0 ? scores[id] * penalty : scores[id] / penalty
            }
        }
        let frequency = parameters.frequencyPenalty ?? 0, presence = parameters.presencePenalty ?? 0
        if frequency != 0 || presence != 0 {
            for (id, count) in outputCounts where id >= 0 && id < scores.count && count > 0 {
                scores[id] -= frequency * Float(count) + presence
            }
        }
        let next: Int
        if parameters.temperature == 0 {
            var best = 0
            for i in scores.indices where scores[i] > scores[best] { best = i }
            next = best
        } else {
            next = choose(scores, unit: random.nextUnit())
        }
        outputCounts[next, default: 0] += 1
        return next
    }

    /// Today's draw for a given uniform `unit`.
    func choose(_ scores: [Float], unit: Double) -> Int {
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
        let draw = unit * kept.reduce(0, +)
        var cumulative = 0.0
        for (i, probability) in kept.enumerated() {
            cumulative += probability
            if draw < cumulative { return order[i] }
        }
        return order[keep - 1]
    }

    /// The draws at which the oracle's choice changes: c_i / K for each kept i (the CDF's steps),
    /// the units a fast sampler is most likely to get wrong (the first 32, then 32 spread out).
    func boundaries(_ scores: [Float]) -> [Double] {
        let inverseTemperature = 1 / parameters.temperature
        var order = scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
        if let k = parameters.topK, k < order.count { order.removeSubrange(k...) }
        let maxScore = scores[order[0]] * inverseTemperature
        let probabilities = order.map { Double(exp(scores[$0] * inverseTemperature - maxScore)) }
        let total = probabilities.reduce(0, +)
        var cumulative = 0.0, units: [Double] = []
        let stride = max(1, probabilities.count / 32)
        for (i, probability) in probabilities.enumerated() {
            cumulative += probability / total
            if i < 32 || i % stride == 0 { units.append(cumulative) }
        }
        return units
    }
}
