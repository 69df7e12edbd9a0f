import Foundation
import Testing
@testable import SkeinEngine
import SkeinTesting

@Suite struct PerplexityTests {
    @Test func streamAndSlidingAgreeWithOneFullPass() throws {
        let name = try #require(Fixtures.modelNames.first)
        let model = try TransformerModel.load(directory: Fixtures.model(name))
        let tokens = PolicyConformanceTests.tokens(40, vocabulary: model.configuration.vocabSize)
        let logits = try model.forward(tokens, cache: model.makeCache())
        let expected = (0..<(tokens.count - 1)).map { t -> Double in
            let row = logits[t].map(Double.init)
            let m = row.max()!
            return log(row.map { exp($0 - m) }.reduce(0, +)) - (row[tokens[t + 1]] - m)
        }
        for context in [PerplexityContext.stream(chunk: 7), .sliding(context: 64, stride: 64)] {
            let result = try model.perplexity(tokens, context: context)
            #expect(result.positions == Array(1..<tokens.count))
            let worst = zip(result.negativeLogLikelihoods, expected).map { abs($0 - $1) }.max()!
            #expect(worst < 1e-4)
        }
        // A short sliding context loses information: some scores differ.
        let short = try model.perplexity(tokens, context: .sliding(context: 8, stride: 4))
        #expect(short.positions == Array(1..<tokens.count))
        #expect(zip(short.negativeLogLikelihoods, expected).contains { abs($0 - $1) > 1e-3 })
    }

    @Test func rejectsBadArguments() throws {
        let name = try #require(Fixtures.modelNames.first)
        let model = try TransformerModel.load(directory: Fixtures.model(name))
        #expect(throws: EngineError.self) { try model.perplexity([1]) }
        #expect(throws: EngineError.self) { try model.perplexity([1, 2, 3], context: .sliding(context: 4, stride: 9)) }
    }
}
