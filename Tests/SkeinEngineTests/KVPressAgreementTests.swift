import Foundation
import Testing
@testable import SkeinEngine
import SkeinTesting

/// Skein's eviction policies against kvpress 0.5.5 (fixtures from tools/make_kvpress_fixtures.py):
/// one prefill pass of the prompt compresses the cache, then the recorded greedy tokens are fed one
/// at a time at their true positions.
///
/// snapkv (window 32, kernel 5) and tova by default, and h2o with `variant=kvpress`, must keep the
/// same prompt indices per layer and kv head as SnapKVPress, TOVAPress and ObservedAttentionPress,
/// and give the same logits within 1e-4 of the largest logit.
/// Tie rule: an index may be kept by one side only if kvpress's score for it equals the score at
/// the keep boundary (the `n_kept`-th largest of that head) to 1e-6 relative, since torch.topk
/// breaks exact ties in no documented order.
@Suite(.serialized) struct KVPressAgreementTests {
    struct Fixture: Decodable {
        struct Case: Decodable {
            var press: String
            var compression_ratio: Double
            var parameters: [String: Int]
            /// (layer, kvHead, kept) ascending prompt indices.
            var kept: [[[Int]]]
            /// (layer, kvHead, promptIndex) kvpress's scores.
            var scores: [[[Float]]]
            var tokens: [Int]
            /// (step, vocab): logits after feeding tokens[step].
            var logits: [[Float]]
        }
        var model: String
        var prompt: [Int]
        var cases: [Case]
    }

    static let models = ["llama-f32", "qwen3"]

    static func fixture(_ model: String) throws -> Fixture {
        let url = Fixtures.root.appendingPathComponent("kvpress/\(model).json")
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }

    /// The Skein policy for a kvpress press, spelled as a user would: `ratio` is kvpress's
    /// compression ratio (the fraction removed) for every policy, so it is passed through as is.
    static func policy(_ c: Fixture.Case, variant: String? = nil) throws -> KVMemoryPolicy {
        let ratio = "ratio=\(c.compression_ratio)"
        let text: String
        switch (c.press, variant) {
        case ("snapkv", nil): text = "snapkv:\(ratio),window=\(try #require(c.parameters["window_size"])),kernel=\(try #require(c.parameters["kernel_size"]))"
        case ("snapkv", "paper"): text = "snapkv:\(ratio),window=32,kernel=5,variant=paper"
        case ("tova", nil): text = "tova:\(ratio)"
        case ("tova", "paper"): text = "tova:\(ratio),variant=paper"
        case ("observed", nil): text = "h2o:\(ratio),variant=kvpress"
        case ("observed", "paper"): text = "h2o:\(ratio),recent=0"
        default: throw EngineError.invalidOption(name: "press", reason: "unknown press \(c.press)")
        }
        return try #require(try PolicyCatalog.attention(text, trainingLength: 256) as? KVMemoryPolicy)
    }

    /// Indices kept by exactly one side that are not exact ties at kvpress's keep boundary.
    static func untiedDifferences(skein: [Int], kvpress: [Int], scores: [Float]) -> [Int] {
        let boundary = scores.sorted(by: >)[kvpress.count - 1]
        return Set(skein).symmetricDifference(kvpress).sorted().filter { i in
            abs(scores[i] - boundary) > 1e-6 * max(abs(boundary), Float.leastNormalMagnitude)
        }
    }

    @Test(arguments: models) func matchesKVPress(model name: String) throws {
        let fixture = try Self.fixture(name)
        let model = try TransformerModel.load(directory: Fixtures.model(name))
        #expect(fixture.cases.count == 6)
        for c in fixture.cases {
            let policy = try Self.policy(c)
            let label = "\(name) \(c.press) ratio \(c.compression_ratio)"
            let cache = model.makeCache(for: policy)
            let prefill = try model.forward(fixture.prompt, cache: cache, policy: policy, logits: .last)
            // The prefill pass itself runs uncompressed: its greedy token is the first one fed.
            let first = prefill[0].indices.max { prefill[0][$0] < prefill[0][$1] }
            #expect(first == c.tokens[0], "\(label): first token")

            let memory = try #require(cache.memory)
            for layer in c.kept.indices {
                for head in c.kept[layer].indices {
                    let held = memory.positions[layer][head]
                    #expect(held.count == c.kept[layer][head].count, "\(label) layer \(layer) head \(head): kept \(held.count)")
                    let untied = Self.untiedDifferences(skein: held, kvpress: c.kept[layer][head], scores: c.scores[layer][head])
                    #expect(untied.isEmpty, "\(label) layer \(layer) head \(head): differ at \(untied)")
                }
            }
            var worst: Float = 0
            for (step, token) in c.tokens.enumerated() {
                let logits = try model.forward([token], cache: cache, policy: policy, logits: .last)
                let (diff, scale) = maxDifference(logits, [c.logits[step]])
                #expect(diff <= 1e-4 * scale, "\(label) step \(step): \(diff) vs \(scale)")
                worst = max(worst, diff / scale)
            }
            print("\(label): kept indices agree; worst logit difference \(worst) of the largest logit")
        }
    }
}

extension KVPressAgreementTests {
    /// The paper variants really are different methods on these fixtures, so the agreement above
    /// is not vacuous: each keeps other entries than kvpress somewhere (beyond exact ties).
    @Test(arguments: models) func paperVariantsDiffer(model name: String) throws {
        let fixture = try Self.fixture(name)
        let model = try TransformerModel.load(directory: Fixtures.model(name))
        for c in fixture.cases {
            let policy = try Self.policy(c, variant: "paper")
            let cache = model.makeCache(for: policy)
            _ = try model.forward(fixture.prompt, cache: cache, policy: policy, logits: .last)
            let memory = try #require(cache.memory)
            var differing = 0
            for layer in c.kept.indices {
                for head in c.kept[layer].indices {
                    differing += Self.untiedDifferences(skein: memory.positions[layer][head], kvpress: c.kept[layer][head],
                                                        scores: c.scores[layer][head]).count
                }
            }
            print("\(name) \(policy) vs kvpress \(c.press) \(c.compression_ratio): \(differing) indices differ over all layers and heads")
            #expect(differing > 0, "\(name) \(policy) kept what kvpress keeps")
        }
    }
}
