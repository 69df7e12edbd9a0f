import Foundation
import Testing
@testable import SkeinEngine
import SkeinTesting

/// Every attention policy's fast path against the reference forward pass run with the explicit
/// mask and position matrix the policy defines, at lengths past the model's training length.
@Suite(.serialized) struct PolicyConformanceTests {
    /// Policies with parameters small enough that every branch (sinks, groups, chunks, caps) is hit.
    static let policies: [AttentionPolicy] = [
        FullAttention(),
        WindowAttention(size: 7),
        StreamingAttention(sinks: 3, window: 9),
        LMInfiniteAttention(global: 4, local: 10, cap: 12),
        LMInfiniteAttention(global: 3, local: 12, cap: 12, topK: 3, fromLayer: 1),
        LMInfiniteAttention(global: 3, local: 12, cap: 12, topK: 3, fromLayer: 1, at: 6),
        SelfExtendAttention(group: 3, window: 8),
        DualChunkAttention(chunk: 12, local: 3),
        StringAttention(shift: 10, window: 4),
        LogNAttention(base: 16),
    ]

    /// One model per distinct code path: plain, q/k/v biases, q/k norms with explicit head_dim,
    /// partial rotary with fused projections, a RoPE scaling with an attention factor, and two
    /// hybrid models whose sliding layers keep their window under every policy (Gemma 2, also
    /// soft-capped, and Qwen2 with `layer_types`): the reference applies the policy's mask on the
    /// global layers and the window on the others.
    static let models = ["llama-f32", "qwen2", "qwen3", "phi3-partial", "llama-rope-yarn", "gemma2", "gemma3", "qwen2-layers"]

    /// Every (model, policy) pair, checked in one loop (parameterized cases ran far slower here).
    static var cases: [(name: String, policy: AttentionPolicy)] {
        models.filter(Fixtures.modelNames.contains).flatMap { name in policies.map { (name, $0) } }
    }

    /// Tokens beyond the fixture's own sequence: a fixed pseudo-random stream.
    static func tokens(_ count: Int, vocabulary: Int) -> [Int] {
        var random = RandomSource(seed: 7)
        return (0..<count).map { _ in Int(random.next() % UInt64(vocabulary)) }
    }

    @Test func fullPrefillMatchesExplicitReference() throws {
        for (name, policy) in Self.cases { try checkFullPrefill(name: name, policy: policy) }
    }

    func checkFullPrefill(name: String, policy: AttentionPolicy) throws {
        let model = try TransformerModel.load(directory: Fixtures.model(name))
        let length = 133  // past the 64-token context of most fixtures; policy parameters are small
        let tokens = Self.tokens(length, vocabulary: model.configuration.vocabSize)
        let fast = try model.forward(tokens, cache: model.makeCache(for: policy), policy: policy)
        let reference = try ReferenceForward(model: model).logits(tokens, attention: policy.explicitAttention)
        let (diff, scale) = maxDifference(fast, reference)
        #expect(diff <= 1e-4 * scale, "\(name) \(policy): \(diff) vs \(scale)")
    }

    @Test func streamingDecodeMatchesExplicitReference() throws {
        for (name, policy) in Self.cases { try checkStreamingDecode(name: name, policy: policy) }
    }

    func checkStreamingDecode(name: String, policy: AttentionPolicy) throws {
        let model = try TransformerModel.load(directory: Fixtures.model(name))
        let length = 138
        let tokens = Self.tokens(length, vocabulary: model.configuration.vocabSize)
        let cache = model.makeCache(for: policy)
        cache.evictionBatch = 4
        var decoded: [[Float]] = []
        var offset = 0
        for chunk in [5, 1, 17, 1, 1, 40].cycled(until: length) {
            let end = min(length, offset + chunk)
            decoded += try model.forward(Array(tokens[offset..<end]), cache: cache, policy: policy)
            offset = end
        }
        let reference = try ReferenceForward(model: model).logits(tokens, attention: policy.explicitAttention)
        let (diff, scale) = maxDifference(decoded, reference)
        #expect(diff <= 1e-4 * scale, "\(name) \(policy): \(diff) vs \(scale)")
        if policy.retainedPositions(nextPosition: length) != nil {
            #expect(cache.count < length, "\(policy) kept all \(cache.count) tokens")
        }
    }
}
