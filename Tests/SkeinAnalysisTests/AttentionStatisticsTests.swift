import Foundation
import Testing
@testable import SkeinAnalysis
import SkeinEngine
import SkeinEval

@Suite struct AttentionStatisticsTests {
    static let regions = try! AttentionShareRegions(sinks: 2, localWindow: 4)

    /// The statistics pass is a forward pass: its logits equal the reference oracle's under each pattern.
    @Test(arguments: ["full", "lm-infinite:global=2,local=5,cap=6", "streaming:sinks=2,window=5", "self-extend:group=2,window=3",
                      "lm-infinite:global=2,local=4,cap=5,topk=2,from-layer=1"])
    func logitsMatchReferenceForward(policyText: String) throws {
        let model = try FixtureModel.load()
        let policy = try PolicyCatalog.attention(policyText, trainingLength: 8)
        let tokens = FixtureModel.tokens(20, vocabulary: model.configuration.vocabSize)
        let (_, logits) = try AttentionStatisticsPass(model: model).run(tokens, attention: policy.explicitAttention,
                                                                         regions: Self.regions, returnLogits: true)
        let expected = try ReferenceForward(model: model).logits(tokens, attention: policy.explicitAttention)
        let got = try #require(logits)
        var worst: Float = 0
        for (a, b) in zip(got, expected) { for (x, y) in zip(a, b) { worst = max(worst, abs(x - y)) } }
        #expect(worst < 1e-3, "max |logit difference| = \(worst)")
    }

    /// On Gemma 2 and 3 (soft-capping, post-norms, GeGLU, sliding layers with their own RoPE) the
    /// pass runs the model's own blocks and the window on sliding layers: the reference's logits.
    @Test(arguments: ["gemma2", "gemma3"])
    func hybridModelsMatchReferenceForward(name: String) throws {
        let model = try FixtureModel.load(name)
        let tokens = FixtureModel.tokens(30, vocabulary: model.configuration.vocabSize)
        let policy = StreamingAttention(sinks: 2, window: 12)
        let (_, logits) = try AttentionStatisticsPass(model: model).run(tokens, attention: policy.explicitAttention,
                                                                         regions: Self.regions, returnLogits: true)
        let expected = try ReferenceForward(model: model).logits(tokens, attention: policy.explicitAttention)
        let got = try #require(logits)
        var worst: Float = 0, scale: Float = 0
        for (a, b) in zip(got, expected) { for (x, y) in zip(a, b) { worst = max(worst, abs(x - y)); scale = max(scale, abs(y)) } }
        #expect(worst <= 1e-4 * scale, "\(name): max |logit difference| = \(worst) of \(scale)")
    }

    @Test func rowStatisticsAreConsistent() throws {
        let model = try FixtureModel.load()
        let tokens = FixtureModel.tokens(24, vocabulary: model.configuration.vocabSize)
        let (s, _) = try AttentionStatisticsPass(model: model).run(tokens, attention: .causal, regions: Self.regions)
        for layer in 0..<s.layerCount {
            for head in 0..<s.headCount {
                // A query that sees one key has entropy 0, and that key is a sink.
                let first = s.index(layer: layer, head: head, query: 0)
                #expect(s.entropy[first] == 0)
                #expect(abs(s.sinkShare[first] - 1) < 1e-6)
                for i in 0..<s.queryCount {
                    let index = s.index(layer: layer, head: head, query: i)
                    #expect(s.entropy[index] >= 0 && s.entropy[index] <= log(Float(i + 1)) + 1e-4)
                    #expect(s.sinkShare[index] >= 0 && s.localShare[index] >= 0)
                    #expect(s.sinkShare[index] + s.localShare[index] <= 1 + 1e-5)
                    #expect(s.maxLogit[index].isFinite)
                }
            }
        }
    }

    /// A query seeing sinks + local window only: sink + local shares make up all its attention.
    @Test func sharesCoverAStreamingRow() throws {
        let model = try FixtureModel.load()
        let tokens = FixtureModel.tokens(16, vocabulary: model.configuration.vocabSize)
        let policy = StreamingAttention(sinks: 2, window: 4)
        let (s, _) = try AttentionStatisticsPass(model: model).run(tokens, attention: policy.explicitAttention, regions: Self.regions)
        let index = s.index(layer: 1, head: 2, query: 15)
        #expect(abs(s.sinkShare[index] + s.localShare[index] - 1) < 1e-5)
    }

    @Test func analysisBinsAndSummarizes() throws {
        let model = try FixtureModel.load()
        let tokens = FixtureModel.tokens(40, vocabulary: model.configuration.vocabSize)
        let analysis = try AttentionAnalysis.measure(model: model, modelName: "llama-f32", methods: [Method(name: "full")],
                                                     tokens: tokens, lengths: [16, 32], regions: Self.regions, binWidth: 8)
        #expect(analysis.runs.map(\.length) == [16, 32])
        let run = analysis.runs[1]
        #expect(run.binStarts == [0, 8, 16, 24])
        #expect(run.entropy.count == model.configuration.layerCount && run.entropy[0].count == model.configuration.headCount)
        #expect(run.meanEntropy.count == 4 && run.tail.entropy == run.meanEntropy[3])
        #expect(!analysis.table.isEmpty)
    }

    @Test func badLengthsAreRejected() throws {
        let model = try FixtureModel.load()
        let tokens = FixtureModel.tokens(10, vocabulary: model.configuration.vocabSize)
        #expect(throws: AnalysisError.self) {
            try AttentionAnalysis.measure(model: model, modelName: "m", methods: [Method(name: "full")], tokens: tokens, lengths: [1], regions: Self.regions)
        }
        #expect(throws: AnalysisError.textTooShort(needed: 11, available: 10)) {
            try AttentionAnalysis.measure(model: model, modelName: "m", methods: [Method(name: "full")], tokens: tokens, lengths: [11], regions: Self.regions)
        }
        #expect(throws: AnalysisError.self) { try AttentionShareRegions(sinks: -1, localWindow: 4) }
    }
}
