import Foundation
import Testing
@testable import SkeinEngine
import SkeinTesting

@Suite struct GenerationTests {
    @Test func greedyGenerationFollowsTheArgmaxOfFullPasses() throws {
        let model = try TransformerModel.load(directory: Fixtures.model("llama-f32"))
        let prompt = [3, 14, 15, 92, 65]
        let result = try Generator(model: model).generate(GenerationRequest(promptTokens: prompt, maxTokens: 6, prefillChunk: 2))
        #expect(result.tokens.count == 6 && result.finishReason == .maxTokens)
        var context = prompt
        for token in result.tokens {
            let logits = try ReferenceForward(model: model).logits(context)
            #expect(Sampler.argmax(logits.last!) == token)
            context.append(token)
        }
    }

    @Test func stopTokensEndGeneration() throws {
        let model = try TransformerModel.load(directory: Fixtures.model("llama-f32"))
        let first = try Generator(model: model).generate(GenerationRequest(promptTokens: [1, 2, 3], maxTokens: 1)).tokens[0]
        let result = try Generator(model: model).generate(GenerationRequest(promptTokens: [1, 2, 3], maxTokens: 10, stopTokens: [first]))
        #expect(result.tokens == [first] && result.finishReason == .stopToken)
    }

    @Test func samplingIsSeededAndRespectsFilters() {
        let logits: [Float] = [2, 1, 0.5, -1, 3]
        var a = Sampler(SamplingParameters(temperature: 1, seed: 42)), b = Sampler(SamplingParameters(temperature: 1, seed: 42))
        let drawsA = (0..<50).map { _ in a.sample(logits) }, drawsB = (0..<50).map { _ in b.sample(logits) }
        #expect(drawsA == drawsB)
        #expect(Set(drawsA).count > 1)
        var topK = Sampler(SamplingParameters(temperature: 1, topK: 2, seed: 1))
        #expect((0..<100).allSatisfy { _ in [4, 0].contains(topK.sample(logits)) })
        var topP = Sampler(SamplingParameters(temperature: 1, topP: 0.01, seed: 1))
        #expect((0..<20).allSatisfy { _ in topP.sample(logits) == 4 })
        var minP = Sampler(SamplingParameters(temperature: 1, minP: 1, seed: 1))
        #expect((0..<20).allSatisfy { _ in minP.sample(logits) == 4 })
        var penalized = Sampler(SamplingParameters(repetitionPenalty: 10))
        #expect(penalized.sample(logits, history: [4]) == 0)
        // Frequencies follow the softmax at temperature 1.
        var sampler = Sampler(SamplingParameters(temperature: 1, seed: 7))
        var counts = [Int](repeating: 0, count: logits.count)
        for _ in 0..<20000 { counts[sampler.sample(logits)] += 1 }
        let z = logits.map { exp(Double($0)) }.reduce(0, +)
        for (i, logit) in logits.enumerated() {
            #expect(abs(Double(counts[i]) / 20000 - exp(Double(logit)) / z) < 0.02)
        }
        #expect(throws: EngineError.self) { try SamplingParameters(temperature: -1).validate() }
        #expect(throws: EngineError.self) { try SamplingParameters(topP: 0).validate() }
    }
}
