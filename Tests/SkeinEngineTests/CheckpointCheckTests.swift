import Foundation
import SkeinFormats
import Testing
@testable import SkeinEngine
import SkeinTesting

/// `CheckpointCheck` (what inspect validates) agrees with the loader, and `KVMemoryEstimate`
/// with the bytes the caches really hold.
@Suite struct CheckpointCheckTests {
    /// Every fixture model loads, so the check finds nothing that stops it (tables agree).
    @Test(arguments: Fixtures.modelNames)
    func everyFixtureModelPassesTheCheck(name: String) throws {
        let folder = Fixtures.model(name)
        let store = try WeightStore(directory: folder)
        let problems = CheckpointCheck.problems(in: store, configuration: try ModelConfiguration.load(directory: folder))
        #expect(problems.filter(\.isFatal).isEmpty, "\(problems)")
        #expect(problems.isEmpty, "every fixture tensor is read by the loader: \(problems)")
        _ = try TransformerModel.load(directory: folder)
    }

    /// One layer more in the configuration than in the checkpoint: every tensor of that layer is missing.
    @Test func aLayerMoreThanTheCheckpointIsNamedTensorByTensor() throws {
        let folder = Fixtures.model("llama-f32")
        var c = try ModelConfiguration.load(directory: folder)
        c.layerCount += 1
        let problems = CheckpointCheck.problems(in: try WeightStore(directory: folder), configuration: c)
        let missing = problems.compactMap { if case .missing(let name, _) = $0 { name } else { nil } }
        #expect(missing.count == 9, "\(problems)")
        #expect(missing.allSatisfy { $0.hasPrefix("model.layers.\(c.layerCount - 1).") })
        #expect(missing.contains("model.layers.\(c.layerCount - 1).self_attn.q_proj.weight"))
        // And the loader agrees that this configuration cannot load.
        #expect(throws: FormatError.self) { try WeightLoader.load(try WeightStore(directory: folder), configuration: c) }
    }

    /// A wrong hidden size makes the embedding mis-shaped.
    @Test func aWrongShapeIsNamed() throws {
        let folder = Fixtures.model("llama-f32")
        var c = try ModelConfiguration.load(directory: folder)
        c.vocabSize += 1
        let problems = CheckpointCheck.problems(in: try WeightStore(directory: folder), configuration: c)
        #expect(problems.contains(.misshaped(name: "model.embed_tokens.weight", expected: [c.vocabSize, c.hiddenSize],
                                             actual: [c.vocabSize - 1, c.hiddenSize])), "\(problems)")
    }

    /// The estimate equals the bytes a quantized store holds after `n` tokens, for every type.
    @Test(arguments: ["f16", "q8", "q4", "q8:residual=0,group=16", "q4:residual=8,group=8"], [1, 31, 160, 161, 200, 413])
    func theEstimateMatchesAStore(type: String, n: Int) throws {
        let kv = try KVStorageType(parsing: type)
        let hd = 16
        var store = QuantizedHeadStore(type: kv, headDim: hd)
        let keys = (0..<(n * hd)).map { Float($0 % 17) / 8 - 1 }, values = (0..<(n * hd)).map { Float($0 % 13) / 6 - 1 }
        // In uneven steps, as prefill and decode append them.
        var start = 0
        while start < n {
            let step = min(n - start, start % 3 == 0 ? 7 : 1)
            keys.withUnsafeBufferPointer { k in values.withUnsafeBufferPointer { v in
                store.append(keys: k.baseAddress! + start * hd, values: v.baseAddress! + start * hd, count: step)
            } }
            start += step
        }
        #expect(KVMemoryEstimate.bytesPerHead(tokens: n, headDim: hd, type: kv) == store.byteCount)
    }

    /// f32: keys and values of every layer and kv head at 4 bytes.
    @Test func theF32EstimateIsTheDenseSize() {
        #expect(KVMemoryEstimate.bytes(tokens: 1000, layers: 4, kvHeads: 2, headDim: 32, type: .f32) == 4 * 2 * 32 * 2 * 1000 * 4)
    }
}
