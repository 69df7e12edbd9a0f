import Foundation
import Testing
@testable import SkeinEngine
import SkeinTesting

/// LongHeads: the pure chunk choice and placement rules, and the fast path against the reference
/// forward pass with the per-head mask and positions it recorded.
@Suite struct LongHeadsRulesTests {
    @Test func readsTheFirstPreviousOwnAndBestChunks() {
        let policy = LongHeadsPolicy(chunk: 4, chunks: 4)
        // Chunk 6: forced 0, 5, 6; one more from chunks 1...4 by score (chunk 0's and 5's ignored).
        #expect(policy.selectChunks(scores: [9, 1, 5, 3, 7, 99], current: 6) == [0, 4, 5, 6])
        #expect(policy.selectChunks(scores: [0, 8, 5, 3, 7, 0], current: 6) == [0, 1, 5, 6])
        // Ties keep the earlier chunk.
        #expect(policy.selectChunks(scores: [0, 2, 2, 2, 2, 0], current: 6) == [0, 1, 5, 6])
        let wide = LongHeadsPolicy(chunk: 4, chunks: 5)
        #expect(wide.selectChunks(scores: [0, 1, 5, 3, 7, 0, 0], current: 7) == [0, 2, 4, 6, 7])
    }

    @Test func placesChunksContiguouslyInsideTheAttentionLength() {
        let policy = LongHeadsPolicy(chunk: 4, chunks: 4)
        #expect(policy.maximumPosition == 15)
        #expect(policy.readsEverything(query: 15) && !policy.readsEverything(query: 16))
        // Query 27 (chunk 6, offset 3) reading chunks 0, 4, 5, 6.
        let layout = policy.layout(query: 27, chunks: [0, 4, 5, 6])
        #expect(layout.query == 15)
        #expect(layout.key(2) == 2)     // chunk 0 at rank 0
        #expect(layout.key(17) == 5)    // chunk 4, offset 1, at rank 1
        #expect(layout.key(22) == 10)   // previous chunk keeps its distance: 27 - 22 == 15 - 10
        #expect(layout.key(27) == 15)
        #expect(layout.key(9) == nil && layout.key(28) == nil)
    }

    @Test func badOptionsNameTheKeyAndRange() throws {
        #expect(throws: EngineError.self) { try PolicyCatalog.attention("longheads:chunks=2", trainingLength: 256) }
        #expect(throws: EngineError.self) { try PolicyCatalog.attention("longheads:chunk=0", trainingLength: 256) }
        do {
            _ = try PolicyCatalog.attention("longheads:chunk=64,chunks=5", trainingLength: 256)
            Issue.record("chunks * chunk past the training length must be refused")
        } catch {
            #expect("\(error)".contains("chunks") && "\(error)".contains("3...4"))
        }
        let defaults = try #require(try PolicyCatalog.attention("longheads", trainingLength: 256) as? LongHeadsPolicy)
        #expect(defaults.chunk == 32 && defaults.chunks == 8 && defaults.maximumPosition < 256)
        #expect(throws: EngineError.self) { try PolicyCatalog.attention("longheads", trainingLength: 256, kvType: "q8") }
    }
}

@Suite(.serialized) struct LongHeadsConformanceTests {
    static let policies = [LongHeadsPolicy(chunk: 4, chunks: 4), LongHeadsPolicy(chunk: 5, chunks: 4)]

    /// One prefill, chunked prefill and streamed decoding each equal the reference forward pass
    /// run with the recorded per-head mask and positions.
    @Test(arguments: ["one prefill", "chunked prefill", "streamed decoding"])
    func fastPathMatchesReferenceWithRecordedPlacement(mode: String) throws {
        var checked = 0
        for name in ["llama-f32", "qwen3"] where Fixtures.modelNames.contains(name) {
            let model = try TransformerModel.load(directory: Fixtures.model(name))
            let length = 70
            let tokens = PolicyConformanceTests.tokens(length, vocabulary: model.configuration.vocabSize)
            for policy in Self.policies {
                let cache = model.makeCache(for: policy)
                cache.prepareLongHeads(policy, headCount: model.configuration.headCount).recordsTrace = true
                let logits = try forwardInPieces(tokens, mode: mode, model: model, cache: cache, policy: policy)
                let state = try #require(cache.longHeads)
                let reference = try ReferenceForward(model: model).logits(tokens, attention: state.explicitAttention)
                let (diff, scale) = maxDifference(logits, reference)
                #expect(diff <= 1e-4 * scale, "\(name) \(policy) \(mode): \(diff) vs \(scale)")
                // Bounded reads and positions; late queries skip some chunks, and heads differ.
                let entries = state.trace.flatMap { $0.flatMap { $0.values } }
                #expect(entries.count == model.configuration.layerCount * model.configuration.headCount * length)
                #expect(entries.allSatisfy { $0.keys.count <= policy.chunks * policy.chunk })
                #expect(entries.allSatisfy { entry in entry.query <= policy.maximumPosition && entry.keys.values.allSatisfy { $0 <= entry.query } })
                let lastReads = state.trace[0].compactMap { $0[length - 1].map { Set($0.keys.keys) } }
                #expect(lastReads.allSatisfy { $0.count < length })
                #expect(Set(lastReads).count > 1, "\(name) \(policy): every head read the same chunks")
                checked += 1
            }
        }
        #expect(checked == 2 * Self.policies.count)
    }

    /// A rewind to a chunk boundary, then the same tokens again, gives the uninterrupted logits.
    @Test func rewindToAChunkBoundaryRebuildsTheSameRepresentatives() throws {
        let model = try TransformerModel.load(directory: Fixtures.model("llama-f32"))
        let policy = LongHeadsPolicy(chunk: 4, chunks: 3)
        let tokens = PolicyConformanceTests.tokens(48, vocabulary: model.configuration.vocabSize)
        let straight = model.makeCache(for: policy)
        let expected = try model.forward(tokens, cache: straight, policy: policy)
        let rewound = model.makeCache(for: policy)
        _ = try model.forward(Array(tokens[0..<30]), cache: rewound, policy: policy)
        _ = try model.forward([1, 2, 3], cache: rewound, policy: policy)
        rewound.truncate(to: 28)
        let tail = try model.forward(Array(tokens[28...]), cache: rewound, policy: policy)
        let (diff, scale) = maxDifference(Array(expected[28...]), tail)
        #expect(diff <= 1e-5 * scale, "\(diff) vs \(scale)")
    }
}
