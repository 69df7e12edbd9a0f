import Foundation

/// The sampler's arithmetic over candidates already in rank order: softmax at a temperature,
/// top-p, min-p, then an inverse-CDF walk for a uniform draw. The float operations and their
/// order are the ones the sampler has always used (and that seeded runs reproduce); only how
/// the candidates are found and ordered has changed (see `Sampler`).
enum SortedDraw {
    /// The chosen id among `order` (rank order, already cut to top-k; not empty).
    /// - Parameters:
    ///   - scores: (vocab) penalized logits.
    ///   - unit: the uniform draw in [0, 1).
    static func pick(_ order: [Int], scores: UnsafeBufferPointer<Float>, inverseTemperature: Float,
                     topP: Float?, minP: Float?, unit: Double) -> Int {
        let maxScore = scores[order[0]] * inverseTemperature
        var probabilities = order.map { Double(exp(scores[$0] * inverseTemperature - maxScore)) }
        let total = probabilities.reduce(0, +)
        probabilities = probabilities.map { $0 / total }
        var keep = probabilities.count
        if let p = topP, p < 1 {
            var cumulative = 0.0
            for (i, probability) in probabilities.enumerated() {
                cumulative += probability
                if cumulative >= Double(p) { keep = i + 1; break }
            }
        }
        if let minP, minP > 0 {
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
}
