import Foundation

/// Negative log-likelihoods of a token sequence under a model, a policy and a context scheme.
public struct PerplexityResult: Sendable, Codable {
    /// Positions (indices into the input) of the scored tokens, ascending.
    public var positions: [Int]
    /// -log p(token | context) for each scored token, in nats.
    public var negativeLogLikelihoods: [Double]

    public var tokenCount: Int { positions.count }
    public var meanNegativeLogLikelihood: Double {
        negativeLogLikelihoods.isEmpty ? .nan : negativeLogLikelihoods.reduce(0, +) / Double(negativeLogLikelihoods.count)
    }
    public var perplexity: Double { exp(meanNegativeLogLikelihood) }

    /// Perplexity of the tokens whose positions fall in `range`.
    public func perplexity(positionsIn range: Range<Int>) -> Double? {
        let values = zip(positions, negativeLogLikelihoods).filter { range.contains($0.0) }.map(\.1)
        return values.isEmpty ? nil : exp(values.reduce(0, +) / Double(values.count))
    }
}

/// How much context each scored token gets.
public enum PerplexityContext: Sendable {
    /// One stream through the whole text: token t sees everything the policy keeps of 0..<t.
    case stream(chunk: Int)
    /// Windows of `context` tokens advanced by `stride`; each window scores its last `stride`
    /// tokens (the first scores all), as transformers' sliding-window perplexity does.
    case sliding(context: Int, stride: Int)
}

extension TransformerModel {
    /// Scores every token after the first.
    /// - Parameter progress: called with (tokens done, total) after each forward pass.
    public func perplexity(_ tokens: [Int], policy: AttentionPolicy? = nil, context: PerplexityContext = .stream(chunk: 512),
                           progress: (Int, Int) -> Void = { _, _ in }) throws -> PerplexityResult {
        try validate(tokens)
        guard tokens.count >= 2 else { throw EngineError.invalidOption(name: "perplexity", reason: "needs at least 2 tokens, got \(tokens.count)") }
        let policy = policy ?? defaultPolicy
        var result = PerplexityResult(positions: [], negativeLogLikelihoods: [])
        func score(_ logits: [Float], next: Int, position: Int) {
            let maxLogit = logits.max() ?? 0
            var sum = 0.0
            for value in logits { sum += exp(Double(value - maxLogit)) }
            result.positions.append(position)
            result.negativeLogLikelihoods.append(log(sum) - Double(logits[next] - maxLogit))
        }
        switch context {
        case .stream(let chunk):
            guard chunk >= 1 else { throw EngineError.invalidOption(name: "chunk", reason: "must be >= 1") }
            let cache = makeCache(for: policy, initialCapacity: min(tokens.count, 4096))
            var offset = 0
            while offset < tokens.count - 1 {
                let end = min(tokens.count - 1, offset + chunk)
                let logits = try forward(Array(tokens[offset..<end]), cache: cache, policy: policy)
                for (t, row) in logits.enumerated() { score(row, next: tokens[offset + t + 1], position: offset + t + 1) }
                offset = end
                progress(offset, tokens.count - 1)
            }
        case .sliding(let contextLength, let stride):
            guard contextLength >= 2, stride >= 1, stride <= contextLength else {
                throw EngineError.invalidOption(name: "context/stride", reason: "need context >= 2 and 1 <= stride <= context, got \(contextLength)/\(stride)")
            }
            var scoredUpTo = 0   // positions < scoredUpTo + 1 are done
            var start = 0
            while scoredUpTo < tokens.count - 1 {
                let end = min(tokens.count, start + contextLength)
                let window = Array(tokens[start..<end])
                let logits = try forward(Array(window.dropLast()), cache: makeCache(for: policy, initialCapacity: window.count), policy: policy)
                for t in 0..<(window.count - 1) where start + t + 1 > scoredUpTo {
                    score(logits[t], next: window[t + 1], position: start + t + 1)
                }
                scoredUpTo = end - 1
                progress(scoredUpTo, tokens.count - 1)
                if end == tokens.count { break }
                start += stride
            }
        }
        return result
    }
}
