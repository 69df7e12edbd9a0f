import Foundation
import Testing
@testable import SkeinEngine
import SkeinTesting
import SkeinFormats
import SkeinTensor

/// A fresh temporary folder, removed by the caller.
func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("skein-gguf-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// `skein quantize`'s converter: HF folder -> GGUF -> the same logits.
@Suite struct GGUFConversionTests {
    static let convertible = ["llama-f32", "llama-tied", "llama-f16", "mistral", "qwen2", "qwen3", "phi3", "phi3-partial",
                              "phi3-longrope", "llama-rope-linear", "llama-rope-yarn", "llama-rope-llama3", "gemma2", "gemma3"]

    @Test(arguments: convertible)
    func f32ConversionMatchesTransformers(name: String) throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("\(name).gguf")
        try GGUFConverter(folder: Fixtures.model(name), scheme: .f32).write(to: file, extraMetadata: [])
        let model = try TransformerModel.load(path: file)
        let reference = try Fixtures.reference(name)
        let logits = try model.forward(reference.tokens, cache: model.makeCache())
        let (diff, scale) = maxDifference(logits, reference.full_logits)
        #expect(diff <= HFParityTests.relativeTolerance * scale, "\(name): max |diff| \(diff) vs max |logit| \(scale)")
    }

    /// GGUF has no key for Qwen2's `layer_types`: writing it would silently make every layer global.
    @Test func aPatternOfSlidingLayersGGUFCannotHoldIsRefused() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("x.gguf")
        #expect {
            try GGUFConverter(folder: Fixtures.model("qwen2-layers"), scheme: .f32).write(to: file, extraMetadata: [])
        } throws: { error in
            guard case EngineError.invalidOption(let name, _) = error else { return false }
            return name == "layer_types"
        }
        #expect(!FileManager.default.fileExists(atPath: file.path))
    }

    @Test func dynamicScalingCannotBeWrittenToGGUF() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(throws: EngineError.self) {
            try GGUFConverter(folder: Fixtures.model("llama-rope-dynamic"), scheme: .f32)
                .write(to: folder.appendingPathComponent("x.gguf"), extraMetadata: [])
        }
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("x.gguf").path))
    }

    @Test func existingOutputIsNeverOverwritten() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("mine.gguf")
        try Data("user data".utf8).write(to: file)
        #expect(throws: FormatError.self) {
            try GGUFConverter(folder: Fixtures.model("llama-f32"), scheme: .q8_0).write(to: file, extraMetadata: [])
        }
        #expect(try Data(contentsOf: file) == Data("user data".utf8))
    }

    /// (scheme, bound on max |logit diff| / max |logit| against the same model run in f32 on the file's
    /// dequantized weights). F16/BF16 run exactly; block types run through the int8 kernels, whose
    /// 8-bit activations (one scale per 16 values, finer than llama.cpp's 32) move this chaotic 1-layer
    /// random model's logits by 4-9% of their range (measured), less than the weights' own rounding
    /// does. Each product is checked exactly against an integer reference in QuantizedKernelTests.
    static let quantized: [(GGUFQuantScheme, Float)] = [
        (.f16, 1e-4), (.bf16, 1e-4), (.q8_0, 0.1), (.q6_K, 0.1), (.q5_K_M, 0.1), (.q4_K_M, 0.1),
        (.q4_0, 0.1), (.q4_1, 0.1), (.q5_0, 0.12), (.q5_1, 0.1),
    ]

    @Test(arguments: quantized)
    func quantizedConversionMatchesItsDequantizedWeights(scheme: GGUFQuantScheme, bound: Float) throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("k256.gguf")
        try GGUFConverter(folder: Fixtures.model("llama-k256"), scheme: scheme).write(to: file, extraMetadata: [])
        let model = try TransformerModel.load(path: file)
        let dequantized = TransformerModel(configuration: model.configuration, weights: model.weights.dequantized(),
                                           ropeLayout: model.ropeLayout)
        let tokens = try Fixtures.reference("llama-k256").tokens
        let logits = try model.forward(tokens, cache: model.makeCache())
        let exact = try dequantized.forward(tokens, cache: dequantized.makeCache())
        let (diff, scale) = maxDifference(logits, exact)
        #expect(diff <= bound * scale, "\(scheme): max |diff| \(diff) vs max |logit| \(scale)")
    }

    @Test func mixedSchemesFollowLlamaCppRules() {
        let s = GGUFQuantScheme.q4_K_M
        #expect(s.type(for: .output, layer: 0, layerCount: 24, rowLength: 2048) == .q6_K)
        #expect(s.type(for: .other, layer: 5, layerCount: 24, rowLength: 2048) == .q4_K)
        #expect(s.type(for: .other, layer: 5, layerCount: 24, rowLength: 896) == .q5_0)
        #expect(s.type(for: .output, layer: 0, layerCount: 24, rowLength: 896) == .q8_0)
        #expect(s.type(for: .feedForwardDown, layer: 0, layerCount: 24, rowLength: 4864) == .q6_K)
        #expect(s.type(for: .feedForwardDown, layer: 4, layerCount: 24, rowLength: 4864) == .q4_K)
        #expect(s.type(for: .attentionValue, layer: 5, layerCount: 24, rowLength: 2048) == .q6_K)
        #expect(GGUFQuantScheme.q8_0.type(for: .output, layer: 0, layerCount: 24, rowLength: 896) == .q8_0)
    }
}

extension ModelWeights {
    /// Every matrix as f32 (the reference for quantized weights).
    func dequantized() -> ModelWeights {
        func f32(_ m: WeightMatrix) -> WeightMatrix { WeightMatrix(outFeatures: m.outFeatures, inFeatures: m.inFeatures, values: m.floats) }
        var copy = self
        copy.embedding = f32(embedding)
        copy.lmHead = lmHead.map(f32)
        for i in copy.layers.indices {
            var l = copy.layers[i]
            l.q = f32(l.q); l.k = f32(l.k); l.v = f32(l.v); l.o = f32(l.o)
            l.gate = f32(l.gate); l.up = f32(l.up); l.down = f32(l.down)
            copy.layers[i] = l
        }
        return copy
    }
}
