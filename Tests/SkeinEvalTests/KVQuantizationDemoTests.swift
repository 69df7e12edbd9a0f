import Foundation
import Testing
import SkeinDemoModel
import SkeinEngine

/// Quantized KV caches on the trained demo model: decoding logits stay close to the f32 cache's.
@Suite(.serialized) struct KVQuantizationDemoTests {
    /// (policy, kv type, max |logit difference| relative to max |logit|, minimum top-1 agreement of 100 steps).
    static let cases: [(String, String, Float, Int)] = [
        ("full", "f16", 0.001, 100),
        ("full", "q8:residual=0,group=32", 0.005, 99),
        ("full", "q4:residual=32,group=32", 0.03, 97),
        ("full", "q4:residual=0,group=32", 0.05, 95),
        ("streaming:sinks=4,window=60", "q8:residual=0,group=16", 0.005, 99),
        ("h2o:budget=64", "q8:residual=16,group=16", 0.005, 99),
        // Quest pages are chosen from quantized key bounds, so a few choices flip: looser.
        ("quest:budget=64,page=16", "q8:residual=0,group=16", 0.02, 98),
    ]

    @Test func decodingLogitsStayCloseToF32() throws {
        let model = try TransformerModel.load(directory: try #require(DemoModel.folder))
        var random = RandomSource(seed: 3)
        let tokens = (0..<200).map { _ in Int(random.next() % UInt64(model.configuration.vocabSize)) }
        func run(_ policy: AttentionPolicy) throws -> [[Float]] {
            let cache = model.makeCache(for: policy)
            _ = try model.forward(Array(tokens[0..<100]), cache: cache, policy: policy, logits: .last)
            return try tokens[100...].map { try model.forward([$0], cache: cache, policy: policy, logits: .last)[0] }
        }
        for (attention, kv, tolerance, agreement) in Self.cases {
            let exact = try run(try PolicyCatalog.attention(attention, trainingLength: model.trainingLength))
            let quantized = try run(try PolicyCatalog.attention(attention, trainingLength: model.trainingLength, kvType: kv))
            var diff: Float = 0, scale: Float = 0, agree = 0
            for (q, e) in zip(quantized, exact) {
                for (a, b) in zip(q, e) { diff = max(diff, abs(a - b)); scale = max(scale, abs(b)) }
                if Sampler.argmax(q) == Sampler.argmax(e) { agree += 1 }
            }
            #expect(diff <= tolerance * scale, "\(attention) \(kv): \(diff) vs \(scale)")
            #expect(diff > 0, "\(kv) changed nothing")
            #expect(agree >= agreement, "\(attention) \(kv): top-1 agreed on \(agree)/100")
        }
    }
}
