import Foundation
import Testing
@testable import SkeinEngine
import SkeinTesting
import SkeinFormats

/// GGUF files written by gguf-py (tools/make_gguf_model_fixtures.py) from the fixture models.
enum GGUFFixtures {
    static func url(_ name: String) -> URL { Fixtures.root.appendingPathComponent("gguf/models/\(name).gguf") }

    static func quantizedReference(_ name: String) throws -> Fixtures.Reference {
        let data = try Data(contentsOf: Fixtures.root.appendingPathComponent("gguf/models/\(name).reference.json"))
        return try JSONDecoder().decode(Fixtures.Reference.self, from: data)
    }
}

@Suite struct GGUFModelTests {
    /// Float files against transformers on the fixture folder: (gguf name, fixture folder).
    static let floatFiles: [(String, String)] = [
        ("llama-f32", "llama-f32"), ("llama-f16", "llama-f16"), ("llama-tied-f32", "llama-tied"),
        ("qwen2-f32", "qwen2"), ("qwen3-f32", "qwen3"), ("phi3-f32", "phi3"), ("phi3-partial-f32", "phi3-partial"),
        ("phi3-longrope-f32", "phi3-longrope"), ("llama-rope-llama3-f32", "llama-rope-llama3"),
        ("llama-rope-yarn-f32", "llama-rope-yarn"),
    ]

    @Test(arguments: floatFiles)
    func floatGGUFMatchesTransformers(file: String, folder: String) throws {
        let model = try TransformerModel.load(path: GGUFFixtures.url(file))
        let reference = try Fixtures.reference(folder)
        let logits = try model.forward(reference.tokens, cache: model.makeCache())
        let (diff, scale) = maxDifference(logits, reference.full_logits)
        #expect(diff <= HFParityTests.relativeTolerance * scale, "\(file): max |diff| \(diff) vs max |logit| \(scale)")
    }

    @Test(arguments: floatFiles)
    func floatGGUFMatchesItsSafetensorsFolder(file: String, folder: String) throws {
        let gguf = try TransformerModel.load(path: GGUFFixtures.url(file))
        let hf = try TransformerModel.load(directory: Fixtures.model(folder))
        #expect(gguf.configuration.vocabSize == hf.configuration.vocabSize)
        #expect(gguf.configuration.headDim == hf.configuration.headDim)
        #expect(gguf.configuration.rotaryDim == hf.configuration.rotaryDim)
        #expect(gguf.configuration.tieWordEmbeddings == hf.configuration.tieWordEmbeddings)
        let tokens = try Fixtures.reference(folder).tokens
        // Chunked decoding too: prefill half, then one token at a time.
        let cacheA = gguf.makeCache(), cacheB = hf.makeCache()
        let half = tokens.count / 2
        var a = try gguf.forward(Array(tokens[..<half]), cache: cacheA)
        var b = try hf.forward(Array(tokens[..<half]), cache: cacheB)
        for token in tokens[half...] {
            a += try gguf.forward([token], cache: cacheA)
            b += try hf.forward([token], cache: cacheB)
        }
        let (diff, scale) = maxDifference(a, b)
        #expect(diff <= HFParityTests.relativeTolerance * scale, "\(file): max |diff| \(diff) vs max |logit| \(scale)")
    }

    /// Gemma files in llama.cpp's layout (norms as 1 + w, no query scalar key, a fixed pattern of
    /// sliding layers, Gemma 3's sliding base fixed at 10000): the same function as transformers with
    /// query_pre_attn_scalar = head_dim, llama.cpp's rule, in one prefill and token by token.
    static let gemmaFiles: [(String, HybridLayers)] = [
        ("gemma2-f32", HybridLayers(window: 8, isSliding: [true, false, true])),
        ("gemma3-f32", HybridLayers(window: 8, isSliding: [true, true, true, true, true, false])),
    ]

    @Test(arguments: gemmaFiles)
    func llamaCppGemmaFileMatchesTransformersAtItsQueryScale(file: String, layers: HybridLayers) throws {
        let model = try TransformerModel.load(path: GGUFFixtures.url(file))
        #expect(model.configuration.hybridLayers == layers)
        let exact = try GGUFFixtures.quantizedReference(file)
        let full = try model.forward(exact.tokens, cache: model.makeCache())
        let cache = model.makeCache()
        var stepped = try model.forward(Array(exact.tokens[..<5]), cache: cache)
        for token in exact.tokens[5...] { stepped += try model.forward([token], cache: cache) }
        for logits in [full, stepped] {
            let (diff, scale) = maxDifference(logits, exact.full_logits)
            #expect(diff <= HFParityTests.relativeTolerance * scale, "\(file): max |diff| \(diff) vs max |logit| \(scale)")
        }
    }

    /// Quantized files against transformers run on the same dequantized weights. The bound is the
    /// engine's own error: the kernels quantize activations to 8 bits (one scale per 16 values; llama.cpp
    /// uses 32), which moves these tiny random models' logits by 4-6% of their range (measured). The
    /// weights' own quantization moves them more (Q8_0: 11% on llama-f32; Q4_0/Q5_1 on llama-k256: ~40%).
    static let quantizedFiles: [(String, Float)] = [("llama-q8_0", 0.08), ("llama-k256-q4_0", 0.06), ("llama-k256-q5_1", 0.08)]

    @Test(arguments: quantizedFiles)
    func quantizedGGUFMatchesTransformersOnDequantizedWeights(file: String, bound: Float) throws {
        let model = try TransformerModel.load(path: GGUFFixtures.url(file))
        let exact = try GGUFFixtures.quantizedReference(file)
        let logits = try model.forward(exact.tokens, cache: model.makeCache())
        let (diff, scale) = maxDifference(logits, exact.full_logits)
        #expect(diff <= bound * scale, "\(file): max |diff| \(diff) vs dequantized reference (max |logit| \(scale))")
    }
}
