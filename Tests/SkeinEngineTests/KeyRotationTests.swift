import Foundation
import Testing
@testable import SkeinEngine
import SkeinTesting

/// Moving cached keys by one rotation equals writing them at the new positions.
@Suite struct KeyRotationTests {
    /// Models whose RoPE table does not depend on the length (the others are checked below).
    @Test(arguments: Fixtures.modelNames.filter { !$0.contains("dynamic") && !$0.contains("longrope") })
    func movedKeysEqualKeysWrittenThere(name: String) throws {
        let model = try TransformerModel.load(directory: Fixtures.model(name))
        let tokens = PolicyConformanceTests.tokens(12, vocabulary: model.configuration.vocabSize)
        let shift = 37
        let moved = model.makeCache()
        _ = try model.forward(tokens, cache: moved)
        moved.moveKeys(to: moved.positions.map { $0 + shift }, rope: try #require(moved.keyRope))
        let direct = model.makeCache()
        direct.start(at: shift)
        _ = try model.forward(tokens, cache: direct)
        #expect(moved.positions == direct.positions)
        #expect(moved.nextPosition == direct.nextPosition)
        var diff: Float = 0, scale: Float = 0
        let hd = model.configuration.headDim
        for layer in 0..<model.configuration.layerCount {
            for head in 0..<model.configuration.kvHeadCount {
                let a = moved.keyBase(layer: layer, head: head), b = direct.keyBase(layer: layer, head: head)
                for i in 0..<(tokens.count * hd) {
                    diff = max(diff, abs(a[i] - b[i]))
                    scale = max(scale, abs(b[i]))
                }
            }
        }
        #expect(diff <= 1e-4 * scale, "\(name): \(diff) vs \(scale)")
        // The next token sees the same relative distances either way.
        let next = [tokens[0]]
        let a = try model.forward(next, cache: moved), b = try model.forward(next, cache: direct)
        #expect(maxDifference(a, b).diff <= 1e-4 * maxDifference(a, b).scale)
    }

    /// When a length-dependent scaling (dynamic NTK, LongRoPE) changes its table, the cached keys
    /// move onto the new one: the first layer's keys then equal those of one full pass. (Deeper
    /// layers' early keys still reflect hidden states computed under the old table, as in transformers.)
    @Test(arguments: Fixtures.modelNames.filter { $0.contains("dynamic") || $0.contains("longrope") })
    func lengthDependentRopeRerotatesTheCache(name: String) throws {
        let model = try TransformerModel.load(directory: Fixtures.model(name))
        let tokens = try Fixtures.reference(name).tokens
        let split = model.trainingLength / 2
        let chunked = model.makeCache(), full = model.makeCache()
        _ = try model.forward(Array(tokens[..<split]), cache: chunked)
        let before = try #require(chunked.keyRope)
        _ = try model.forward(Array(tokens[split...]), cache: chunked)
        _ = try model.forward(tokens, cache: full)
        #expect(before.frequencies != chunked.keyRope?.frequencies, "the table should change past the original length")
        let hd = model.configuration.headDim
        var diff: Float = 0, scale: Float = 0
        for head in 0..<model.configuration.kvHeadCount {
            let a = chunked.keyBase(layer: 0, head: head), b = full.keyBase(layer: 0, head: head)
            for i in 0..<(tokens.count * hd) {
                diff = max(diff, abs(a[i] - b[i]))
                scale = max(scale, abs(b[i]))
            }
        }
        #expect(diff <= 1e-5 * scale, "\(name): \(diff) vs \(scale)")
    }
}
