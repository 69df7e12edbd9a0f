import Foundation
import Testing
@testable import SkeinEngine

/// Moving cached keys by one rotation equals writing them at the new positions.
@Suite struct KeyRotationTests {
    @Test(arguments: Fixtures.modelNames)
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

    @Test(arguments: Fixtures.modelNames.filter { $0.contains("dynamic") || $0.contains("longrope") })
    func lengthDependentRopeRerotatesTheCache(name: String) throws {
        let model = try TransformerModel.load(directory: Fixtures.model(name))
        let tokens = try Fixtures.reference(name).tokens
        let full = try model.forward(tokens, cache: model.makeCache())
        let cache = model.makeCache()
        let split = model.trainingLength / 2
        _ = try model.forward(Array(tokens[..<split]), cache: cache)
        let tail = try model.forward(Array(tokens[split...]), cache: cache)
        // The final chunk ran with the full-length table after the cached keys were moved onto it.
        let (diff, scale) = maxDifference(tail, Array(full[split...]))
        #expect(diff <= 1e-4 * scale, "\(name): \(diff) vs \(scale)")
    }
}
