import Foundation
import SkeinEngine

/// Context-length probing (after Cifka & Liutkus, 2023): the log-probability of each token when
/// the model sees only the previous w tokens, for a geometric set of windows w.
///
/// A forward pass that starts at token s gives, at row r, token s + r + 1 with exactly r + 1 tokens
/// of context; one pass per start therefore serves every (target, window) with t - w = s.
public struct ContextProbe: Codable, Sendable {
    /// Context sizes probed, ascending; the last one is "full context".
    public var windows: [Int]
    /// Positions (token indices) of the probed targets, ascending.
    public var targets: [Int]
    /// log p(token t | tokens t-w..<t), nats: (target, window).
    public var logProbabilities: [[Double]]
    /// A window reaches full context for a token when it and every larger window stay within
    /// `tolerance` nats of the full-context log-probability.
    public var tolerance: Double
    /// The smallest such window for each target: (target).
    public var effectiveContext: [Int]
    /// Mean negative log-likelihood at each window: (window).
    public var meanNegativeLogLikelihood: [Double]
    public var perplexity: [Double]
    /// Median of `effectiveContext`.
    public var medianEffectiveContext: Double
    /// How many targets have each window as effective context: (window).
    public var effectiveContextHistogram: [Int]
    /// A looser reading: the smallest window already within `tolerance` of full context, even if a
    /// larger one strays again; its median over the targets.
    public var medianFirstWithinTolerance: Double

    /// Probes `targetCount` tokens starting at position max(windows) of `tokens`.
    /// - Parameter progress: (forward passes done, total).
    /// - Throws: `AnalysisError` for windows < 1, tolerance <= 0 or a text too short.
    public static func measure(model: TransformerModel, policy: AttentionPolicy? = nil, tokens: [Int], windows: [Int],
                               targetCount: Int, tolerance: Double = 0.1,
                               progress: (Int, Int) -> Void = { _, _ in }) throws -> ContextProbe {
        let windows = Array(Set(windows)).sorted()
        guard let widest = windows.last, let narrowest = windows.first, narrowest >= 1 else {
            throw AnalysisError.invalidParameter(name: "windows", reason: "give at least one window, each >= 1")
        }
        guard targetCount >= 1 else { throw AnalysisError.invalidParameter(name: "tokens", reason: "probe at least 1 token") }
        guard tolerance > 0, tolerance.isFinite else {
            throw AnalysisError.invalidParameter(name: "tolerance", reason: "must be a positive number of nats, got \(tolerance)")
        }
        guard tokens.count >= widest + targetCount else {
            throw AnalysisError.textTooShort(needed: widest + targetCount, available: tokens.count)
        }
        let targets = Array(widest..<(widest + targetCount))
        var logProbabilities = [[Double]](repeating: [Double](repeating: .nan, count: windows.count), count: targetCount)
        // Starts s = t - w, and for each the longest pass it needs.
        var passLength: [Int: Int] = [:]
        for t in targets { for w in windows { passLength[t - w] = max(passLength[t - w] ?? 0, w) } }
        let starts = passLength.keys.sorted()
        for (done, s) in starts.enumerated() {
            let length = passLength[s]!
            let cache = model.makeCache(for: policy ?? model.defaultPolicy, initialCapacity: length)
            let logits = try model.forward(Array(tokens[s..<(s + length)]), cache: cache, policy: policy)
            for (windowIndex, w) in windows.enumerated() where w <= length {
                let t = s + w
                let targetIndex = t - widest
                guard targets.indices.contains(targetIndex) else { continue }
                logProbabilities[targetIndex][windowIndex] = logSoftmax(logits[w - 1], at: tokens[t])
            }
            progress(done + 1, starts.count)
        }
        let effective = logProbabilities.map { row in effectiveWindow(row, windows: windows, tolerance: tolerance) }
        let meanNLL = windows.indices.map { w in -logProbabilities.map { $0[w] }.reduce(0, +) / Double(targetCount) }
        let firstWithin = logProbabilities.map { row in
            windows[row.firstIndex { abs($0 - row[row.count - 1]) <= tolerance } ?? (windows.count - 1)]
        }
        return ContextProbe(windows: windows, targets: targets, logProbabilities: logProbabilities, tolerance: tolerance,
                            effectiveContext: effective, meanNegativeLogLikelihood: meanNLL, perplexity: meanNLL.map { exp($0) },
                            medianEffectiveContext: median(effective),
                            effectiveContextHistogram: windows.map { w in effective.filter { $0 == w }.count },
                            medianFirstWithinTolerance: median(firstWithin))
    }

    /// The smallest window from which every larger window is within `tolerance` of the last one.
    static func effectiveWindow(_ row: [Double], windows: [Int], tolerance: Double) -> Int {
        let full = row[row.count - 1]
        var index = row.count - 1
        while index > 0 && abs(row[index - 1] - full) <= tolerance { index -= 1 }
        return windows[index]
    }

    static func median(_ values: [Int]) -> Double {
        let sorted = values.sorted()
        return sorted.count % 2 == 1 ? Double(sorted[sorted.count / 2]) : Double(sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    /// log softmax(logits)[token], computed in f64.
    static func logSoftmax(_ logits: [Float], at token: Int) -> Double {
        let maxLogit = Double(logits.max() ?? 0)
        var sum = 0.0
        for value in logits { sum += exp(Double(value) - maxLogit) }
        return Double(logits[token]) - maxLogit - log(sum)
    }

    /// Powers of two from 1 up to `limit`, with `limit` itself last.
    public static func doublingWindows(upTo limit: Int) -> [Int] {
        var windows = [Int]()
        var w = 1
        while w < limit { windows.append(w); w *= 2 }
        return windows + [max(1, limit)]
    }

    /// Windows about half an octave apart (1, 2, 3, 4, 6, 8, 11, 16, ...) up to `limit`, included.
    public static func halfOctaveWindows(upTo limit: Int) -> [Int] {
        var windows = Set([max(1, limit)])
        var x = 1.0
        while x < Double(limit) { windows.insert(Int(x.rounded())); x *= 2.0.squareRoot() }
        return windows.sorted()
    }
}
