import Foundation
import Testing
@testable import SkeinEngine
import SkeinTesting
import SkeinFormats

/// Models that mix sliding-window and global layers: how their configs are read, what their
/// caches keep, and which policies refuse them.
@Suite struct HybridLayerTests {
    static func configuration(_ fields: [String: Any]) throws -> ModelConfiguration {
        var json: [String: Any] = ["model_type": "qwen2", "vocab_size": 32, "hidden_size": 16, "intermediate_size": 32,
                                   "num_hidden_layers": 4, "num_attention_heads": 2]
        json.merge(fields) { $1 }
        return try ModelConfiguration(json: JSONSerialization.data(withJSONObject: json), file: "test/config.json")
    }

    @Test func fixtureConfigsNameTheirSlidingLayers() throws {
        let gemma = try ModelConfiguration.load(directory: Fixtures.model("gemma2"))
        #expect(gemma.architecture == .gemma2 && gemma.slidingWindow == nil)
        #expect(gemma.hybridLayers == HybridLayers(window: 8, isSliding: [true, false, true]))
        #expect(gemma.hiddenActivation == .geluTanh && gemma.queryPreAttentionScalar == 24)
        let qwen = try ModelConfiguration.load(directory: Fixtures.model("qwen2-layers"))
        #expect(qwen.hybridLayers == HybridLayers(window: 8, isSliding: [false, true]))
    }

    @Test func qwenWindowLayersStartAtMaxWindowLayersWithoutLayerTypes() throws {
        let mixed = try Self.configuration(["use_sliding_window": true, "sliding_window": 6, "max_window_layers": 2])
        #expect(mixed.hybridLayers == HybridLayers(window: 6, isSliding: [false, false, true, true]))
        // Past the last layer: no layer slides (transformers' default of 28 on a small model).
        let none = try Self.configuration(["use_sliding_window": true, "sliding_window": 6])
        #expect(none.hybridLayers == nil && none.slidingWindow == nil)
        let all = try Self.configuration(["layer_types": Array(repeating: "sliding_attention", count: 4), "sliding_window": 6])
        #expect(all.hybridLayers == nil && all.slidingWindow == 6)
    }

    @Test func badLayerTypesNameTheField() throws {
        for bad: [String: Any] in [["layer_types": ["full_attention"]],
                                   ["layer_types": ["full_attention", "chunked", "full_attention", "full_attention"]],
                                   ["layer_types": ["sliding_attention", "full_attention", "full_attention", "full_attention"]]] {
            #expect {
                try Self.configuration(bad)
            } throws: { error in
                guard case FormatError.invalidField(_, let field, _) = error else { return false }
                return field == "layer_types"
            }
        }
    }

    /// A global policy that keeps fewer recent tokens than the window still leaves the sliding
    /// layers their window: streamed decoding equals the reference, and the cache stays bounded.
    @Test func evictionKeepsTheSlidingLayersWindow() throws {
        let model = try TransformerModel.load(directory: Fixtures.model("gemma2"))
        let policy = StreamingAttention(sinks: 2, window: 3)
        let tokens = PolicyConformanceTests.tokens(90, vocabulary: model.configuration.vocabSize)
        let cache = model.makeCache(for: policy)
        cache.evictionBatch = 4
        var decoded: [[Float]] = []
        var offset = 0
        for chunk in [7, 1, 1, 13, 1].cycled(until: tokens.count) {
            let end = min(tokens.count, offset + chunk)
            decoded += try model.forward(Array(tokens[offset..<end]), cache: cache, policy: policy)
            offset = end
        }
        let reference = try ReferenceForward(model: model).logits(tokens, attention: policy.explicitAttention)
        let (diff, scale) = maxDifference(decoded, reference)
        #expect(diff <= 1e-4 * scale, "\(diff) vs \(scale)")
        #expect(cache.count >= 8 && cache.count < 2 + 8 + 4 + 13, "kept \(cache.count)")
    }

    /// Executors that do not know soft-capping or sliding layers refuse, naming the option.
    @Test func policiesWithTheirOwnExecutorRefuseGemma2() throws {
        let model = try TransformerModel.load(directory: Fixtures.model("gemma2"))
        for name in ["h2o", "snapkv", "reattention", "infllm", "longheads", "quest"] {
            let policy = try model.attentionPolicy(name)
            #expect {
                try model.forward([1, 2, 3], cache: model.makeCache(for: policy), policy: policy)
            } throws: { error in
                guard case EngineError.invalidOption(let option, let reason) = error else { return false }
                return option == "attention" && reason.contains("gemma2")
            }
        }
    }
}
