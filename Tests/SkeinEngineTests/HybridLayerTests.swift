import Foundation
import Testing
@testable import SkeinEngine
import SkeinFormats
import SkeinTesting

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

    /// ReAttention on the global layers of hybrid models (Gemma 2: soft-capped logits; Gemma 3: a
    /// query scale, sliding layers with their own RoPE; Qwen2 `layer_types`), the sliding layers keeping their window: one
    /// prefill, chunked prefill and streamed decoding equal the reference run with the recorded
    /// per-head placement on the global layers and the window on the others.
    @Test(arguments: ["one prefill", "chunked prefill", "streamed decoding"])
    func reattentionRunsOnTheGlobalLayers(mode: String) throws {
        for name in ["gemma2", "gemma3", "qwen2-layers"] {
            let model = try TransformerModel.load(directory: Fixtures.model(name))
            let policy = ReAttentionPolicy(sinks: 2, local: 6, k: 5, refresh: 2, memory: 4, page: 4, pages: 2)
            let tokens = PolicyConformanceTests.tokens(60, vocabulary: model.configuration.vocabSize)
            let cache = model.makeCache(for: policy)
            cache.prepareSelection(headCount: model.configuration.headCount).recordsTrace = true
            let logits = try forwardInPieces(tokens, mode: mode, model: model, cache: cache, policy: policy)
            let state = try #require(cache.selection)
            let reference = try ReferenceForward(model: model).logits(tokens, attention: state.explicitAttention)
            let (diff, scale) = maxDifference(logits, reference)
            #expect(diff <= 1e-4 * scale, "\(name) \(mode): \(diff) vs \(scale)")
            // Selection ran on the global layers only, and reached past the local window there.
            let hybrid = try #require(model.configuration.hybridLayers)
            for layer in 0..<model.configuration.layerCount {
                #expect(state.trace[layer][0].isEmpty == hybrid.isSliding[layer], "\(name) layer \(layer)")
            }
            let global = try #require(hybrid.isSliding.firstIndex(of: false))
            let last = try #require(state.trace[global][0][tokens.count - 1])
            #expect(last.keys.keys.contains { $0 >= policy.sinks && $0 < tokens.count - 1 - policy.local })
        }
    }

    /// Executors that do not know soft-capping or sliding layers refuse, naming the option.
    @Test(arguments: [("gemma2", ["h2o", "snapkv", "infllm", "longheads", "quest"]),
                      ("gemma3", ["h2o", "tova", "infllm", "longheads", "tokenselect"])])
    func policiesWithTheirOwnExecutorRefuseHybridModels(model name: String, policies: [String]) throws {
        let model = try TransformerModel.load(directory: Fixtures.model(name))
        for name in policies {
            let policy = try model.attentionPolicy(name)
            #expect {
                try model.forward([1, 2, 3], cache: model.makeCache(for: policy), policy: policy)
            } throws: { error in
                guard case EngineError.invalidOption(let option, let reason) = error else { return false }
                return option == "attention" && reason.contains(model.configuration.architecture.rawValue)
            }
        }
    }
}
