import Foundation
import Testing
@testable import SkeinEngine
import SkeinTesting

/// Chunked prefill and incremental decoding against one full pass, and against HF's incremental logits.
@Suite struct IncrementalDecodingTests {
    @Test(arguments: Fixtures.modelNames.filter { !$0.contains("dynamic") && !$0.contains("longrope") }, [1, 3, 7])
    func chunkedPrefillEqualsFullPass(name: String, chunk: Int) throws {
        let model = try TransformerModel.load(directory: Fixtures.model(name))
        let tokens = try Fixtures.reference(name).tokens
        let full = try model.forward(tokens, cache: model.makeCache())
        let cache = model.makeCache(initialCapacity: 2)  // forces the cache to grow while prefilling
        var chunked: [[Float]] = []
        var offset = 0
        while offset < tokens.count {
            let end = min(tokens.count, offset + chunk)
            chunked += try model.forward(Array(tokens[offset..<end]), cache: cache)
            offset = end
        }
        #expect(cache.count == tokens.count)
        let (diff, scale) = maxDifference(chunked, full)
        #expect(diff <= 1e-5 * scale, "\(name) chunk \(chunk): \(diff) vs \(scale)")
    }

    /// (dynamic and longrope fixtures have no incremental steps: transformers recomputes their tables per call.)
    @Test(arguments: Fixtures.modelNames.filter { !$0.contains("dynamic") && !$0.contains("longrope") })
    func incrementalStepsMatchTransformers(name: String) throws {
        let reference = try Fixtures.reference(name)
        guard let incremental = reference.incremental else {
            Issue.record("\(name): reference.json has no incremental steps")
            return
        }
        let model = try TransformerModel.load(directory: Fixtures.model(name))
        let cache = model.makeCache()
        _ = try model.forward(Array(reference.tokens.prefix(incremental.prefill)), cache: cache)
        for step in incremental.steps {
            let logits = try model.forward(step.tokens, cache: cache)
            let (diff, scale) = maxDifference(logits, step.logits)
            #expect(diff <= HFParityTests.relativeTolerance * scale, "\(name) at \(cache.count): \(diff) vs \(scale)")
        }
    }

    @Test(arguments: Fixtures.modelNames)
    func interleavedLayoutComputesTheSameFunction(name: String) throws {
        let model = try TransformerModel.load(directory: Fixtures.model(name))
        let interleaved = TransformerModel(configuration: model.configuration,
                                           weights: model.weights.permutedToInterleaved(model.configuration),
                                           ropeLayout: .interleaved)
        let tokens = try Fixtures.reference(name).tokens
        let a = try model.forward(tokens, cache: model.makeCache())
        let b = try interleaved.forward(tokens, cache: interleaved.makeCache())
        let (diff, scale) = maxDifference(b, a)
        #expect(diff <= 1e-5 * scale)
        // And the permutation matters: the interleaved weights under the wrong layout differ.
        let wrong = TransformerModel(configuration: model.configuration, weights: interleaved.weights, ropeLayout: .rotateHalf)
        let c = try wrong.forward(tokens, cache: wrong.makeCache())
        #expect(maxDifference(c, a).diff > 1e-3 * scale)
    }

    @Test func slidingWindowFastPathMatchesReference() throws {
        let name = try #require(Fixtures.modelNames.first)
        let base = try TransformerModel.load(directory: Fixtures.model(name))
        var configuration = base.configuration
        configuration.slidingWindow = 5
        let model = TransformerModel(configuration: configuration, weights: base.weights)
        let tokens = try Fixtures.reference(name).tokens
        let fast = try model.forward(tokens, cache: model.makeCache())
        let reference = try ReferenceForward(model: model).logits(tokens, attention: .slidingWindow(5))
        let (diff, scale) = maxDifference(fast, reference)
        #expect(diff <= 1e-5 * scale)
    }

    @Test func badTokensAreRejected() throws {
        let name = try #require(Fixtures.modelNames.first)
        let model = try TransformerModel.load(directory: Fixtures.model(name))
        #expect(throws: EngineError.emptyInput) { try model.forward([], cache: model.makeCache()) }
        #expect(throws: EngineError.tokenOutOfRange(id: -1, vocabularySize: model.configuration.vocabSize)) {
            try model.forward([-1], cache: model.makeCache())
        }
        #expect(throws: EngineError.tokenOutOfRange(id: model.configuration.vocabSize, vocabularySize: model.configuration.vocabSize)) {
            try model.forward([model.configuration.vocabSize], cache: model.makeCache())
        }
    }
}
