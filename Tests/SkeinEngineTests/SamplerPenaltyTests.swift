import Foundation
import Testing
@testable import SkeinEngine

/// OpenAI's frequency and presence penalties in the shared sampler.
@Suite struct SamplerPenaltyTests {
    /// logit[t] -= frequency * count[t] + presence * (count[t] > 0), for given counts.
    @Test func theLogitAdjustmentFollowsOpenAIsFormula() {
        var scores: [Float] = [1, 2, 3, 4]
        Sampler.applyOutputPenalties(&scores, counts: [1: 3, 3: 1, 2: 0], frequency: 0.5, presence: 0.25)
        let expected: [Float] = [1, 2 - 1.75, 3, 4 - 0.75]  // 0.5 * 3 + 0.25 and 0.5 * 1 + 0.25
        #expect(scores == expected)
        var negative: [Float] = [0, 0]
        Sampler.applyOutputPenalties(&negative, counts: [0: 2], frequency: -1, presence: -0.5)
        let raised: [Float] = [2.5, 0]  // -(-1 * 2 + -0.5)
        #expect(negative == raised)
    }

    /// The sampler counts what it picks, so greedy decoding moves off a token once it has been
    /// picked often enough, and never without penalties.
    @Test func theSamplerCountsItsOwnOutput() {
        let logits: [Float] = [0, 5, 4]
        var plain = Sampler(SamplingParameters())
        #expect((0..<4).map { _ in plain.sample(logits) } == [1, 1, 1, 1])
        var frequency = Sampler(SamplingParameters(frequencyPenalty: 0.6))
        // 5 - 0.6 * 2 = 3.8 < 4 after two picks of token 1.
        #expect((0..<3).map { _ in frequency.sample(logits) } == [1, 1, 2])
        #expect(frequency.outputCounts == [1: 2, 2: 1])
        var presence = Sampler(SamplingParameters(presencePenalty: 1.5))
        #expect((0..<2).map { _ in presence.sample(logits) } == [1, 2])
        // The prompt (history) is not output: it does not count.
        var prompted = Sampler(SamplingParameters(frequencyPenalty: 2))
        #expect(prompted.sample(logits, history: [1, 1, 1]) == 1)
    }

    @Test func penaltiesOutsideOpenAIsRangeAreRefused() {
        #expect(throws: EngineError.invalidOption(name: "frequency-penalty", reason: "must be in [-2, 2], got 2.5")) {
            try SamplingParameters(frequencyPenalty: 2.5).validate()
        }
        #expect(throws: EngineError.self) { try SamplingParameters(presencePenalty: -3).validate() }
        #expect(throws: Never.self) { try SamplingParameters(frequencyPenalty: -2, presencePenalty: 2).validate() }
    }
}
