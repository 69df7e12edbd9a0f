import Foundation
import Testing
@testable import SkeinEngine
import SkeinTesting

/// The presses added after snapkv/tova/h2o against kvpress 0.5.5 (fixtures presses-<model>.json
/// from `tools/make_kvpress_fixtures.py --set new`): knorm (KnormPress), pyramidkv
/// (PyramidKVPress, window 16), chunkkv over snapkv and knorm (ChunkKVPress(SnapKVPress|KnormPress),
/// chunk 20), adakv over snapkv and knorm (AdaKVPress(SnapKVPress|KnormPress), alpha 0.2) and
/// expected-attention (ExpectedAttentionPress, its defaults; its kept scores are compared too), at
/// ratios 0.25 and 0.5. One prefill pass
/// compresses, then the recorded greedy tokens are fed at their true positions.
///
/// Kept indices must be identical per layer and kv head, and the logits after compression and
/// after each fed token within 1e-4 of the largest logit.
/// Tie rule (pyramidkv only, whose scores are SnapKV's): an index may be kept by one side only if
/// kvpress's score for it equals that head's keep boundary (its `n_kept`-th largest score) to 1e-6
/// relative. knorm, chunkkv and adakv must keep equal sets. The prompt repeats no token: copies of
/// one token have keys of equal norm (RoPE is a rotation), and kvpress breaks such knorm ties by
/// the float rounding of its rotated keys (Skein keeps the earlier position).
@Suite(.serialized) struct KVPressPressesTests {
    static let models = ["llama-f32", "qwen3"]

    static func fixture(_ model: String) throws -> KVPressAgreementTests.Fixture {
        let url = Fixtures.root.appendingPathComponent("kvpress/presses-\(model).json")
        return try JSONDecoder().decode(KVPressAgreementTests.Fixture.self, from: Data(contentsOf: url))
    }

    /// The Skein policy for a fixture case, spelled as a user would (kvpress's ratio: the fraction removed).
    static func policy(_ c: KVPressAgreementTests.Fixture.Case) throws -> AttentionPolicy {
        let p = c.parameters
        let text: String = switch c.press {
        case "knorm": "knorm:ratio=\(c.compression_ratio)"
        case "pyramidkv": "pyramidkv:ratio=\(c.compression_ratio),window=\(p["window_size"] ?? -1),kernel=\(p["kernel_size"] ?? -1),beta=\(p["beta"] ?? -1)"
        case "chunkkv": "chunkkv:snapkv,ratio=\(c.compression_ratio),chunk=\(p["chunk_length"] ?? -1),window=\(p["window_size"] ?? -1),kernel=\(p["kernel_size"] ?? -1)"
        case "adakv": "adakv:snapkv,ratio=\(c.compression_ratio),alpha=\(Double(p["alpha_safeguard_percent"] ?? -1) / 100),window=\(p["window_size"] ?? -1),kernel=\(p["kernel_size"] ?? -1)"
        case "chunkkv-knorm": "chunkkv:knorm,ratio=\(c.compression_ratio),chunk=\(p["chunk_length"] ?? -1)"
        case "adakv-knorm": "adakv:knorm,ratio=\(c.compression_ratio),alpha=\(Double(p["alpha_safeguard_percent"] ?? -1) / 100)"
        case "expected-attention": "expected-attention:ratio=\(c.compression_ratio),future=\(p["n_future_positions"] ?? -1),sinks=\(p["n_sink"] ?? -1)"
        default: "unknown-press-\(c.press)"
        }
        return try PolicyCatalog.attention(text, trainingLength: 256)
    }

    @Test(arguments: models) func matchesKVPress(model name: String) throws {
        let fixture = try Self.fixture(name)
        let model = try TransformerModel.load(directory: Fixtures.model(name))
        #expect(fixture.cases.count == 14)
        #expect(Set(fixture.prompt).count == fixture.prompt.count, "the prompt repeats a token")
        for c in fixture.cases {
            let policy = try Self.policy(c)
            let label = "\(name) \(policy)"
            let cache = model.makeCache(for: policy)
            let prefill = try model.forward(fixture.prompt, cache: cache, policy: policy, logits: .last)
            let first = prefill[0].indices.max { prefill[0][$0] < prefill[0][$1] }
            #expect(first == c.tokens[0], "\(label): first token")

            let memory = try #require(cache.memory)
            let tieRule = c.press == "pyramidkv"
            for layer in c.kept.indices {
                for head in c.kept[layer].indices {
                    let held = memory.heldPositions(layer: layer, head: head)
                    let expected = c.kept[layer][head]
                    #expect(held.count == expected.count, "\(label) layer \(layer) head \(head): kept \(held.count), kvpress \(expected.count)")
                    let differing = tieRule
                        ? KVPressAgreementTests.untiedDifferences(skein: held, kvpress: expected, scores: c.scores[layer][head])
                        : Set(held).symmetricDifference(expected).sorted()
                    #expect(differing.isEmpty, "\(label) layer \(layer) head \(head): differ at \(differing)")
                    if c.press == "expected-attention" {
                        // Each kept entry's score against kvpress's, within 1e-4 of the head's largest.
                        let theirs = c.scores[layer][head], largest = theirs.max() ?? 0
                        for (i, position) in memory.positions[layer][head].enumerated() {
                            #expect(abs(memory.scores[layer][head][i] - theirs[position]) <= 1e-4 * largest,
                                    "\(label) layer \(layer) head \(head) position \(position): score \(memory.scores[layer][head][i]) vs \(theirs[position])")
                        }
                    }
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

    /// The fixtures exercise what makes these presses differ from a uniform per-head budget:
    /// pyramidkv's layers and adakv's heads keep different counts (so hidden padding is used),
    /// and chunkkv keeps whole chunks.
    @Test(arguments: models) func fixturesExerciseUnevenBudgets(model name: String) throws {
        let fixture = try Self.fixture(name)
        for c in fixture.cases {
            let counts = c.kept.map { $0.map(\.count) }
            switch c.press {
            case "pyramidkv": #expect(Set(counts.map { $0[0] }).count > 1, "\(name) pyramidkv \(c.compression_ratio): \(counts)")
            case "adakv", "adakv-knorm": #expect(Set(counts.joined()).count > 1, "\(name) adakv \(c.compression_ratio): \(counts)")
            case "chunkkv", "chunkkv-knorm":
                let chunk = try #require(c.parameters["chunk_length"])
                for kept in c.kept.joined() { #expect(Set(kept.map { $0 / chunk }).count * chunk >= kept.count) }
            default: break
            }
        }
    }
}

/// Parsing the presses' options: kvpress's ratio (the fraction removed), nested scorers, typed errors.
@Suite struct PressCatalogTests {
    @Test func parsesEveryPress() throws {
        let knorm = try #require(try PolicyCatalog.attention("knorm:ratio=0.25", trainingLength: 256) as? KnormAttention)
        #expect(knorm.budget == .ratio(0.25) && knorm.budget.kept(of: 128) == 96)
        #expect((try PolicyCatalog.attention("knorm", trainingLength: 256) as? KnormAttention)?.budget == .entries(256))
        let pyramid = try #require(try PolicyCatalog.attention("pyramidkv:budget=64", trainingLength: 256) as? PyramidKVAttention)
        #expect(pyramid.window == 64 && pyramid.kernel == 5 && pyramid.beta == 20 && pyramid.budget == .entries(64))
        let ada = try #require(try PolicyCatalog.attention("adakv:snapkv,ratio=0.5", trainingLength: 256) as? AdaKVAttention)
        #expect(ada.scorer == .snapkv(window: 32, kernel: 5) && ada.alpha == 0.2 && ada.budget == .ratio(0.5))
        let named = try #require(try PolicyCatalog.attention("adakv:scorer=knorm,budget=40,alpha=0", trainingLength: 256) as? AdaKVAttention)
        #expect(named.scorer == .knorm && named.alpha == 0 && named.budget == .entries(40))
        let chunk = try #require(try PolicyCatalog.attention("chunkkv:knorm,ratio=0.5,chunk=8", trainingLength: 256) as? ChunkKVAttention)
        #expect(chunk.scorer == .knorm && chunk.chunk == 8)
        // Descriptions parse back to the same policy.
        for text in ["knorm:ratio=0.1", "pyramidkv:ratio=0.5,window=16", "chunkkv:snapkv,budget=30,window=8",
                     "adakv:knorm,ratio=0.75,alpha=0.5", "adakv:snapkv,ratio=0.5"] {
            let policy = try PolicyCatalog.attention(text, trainingLength: 256)
            #expect(try PolicyCatalog.attention(policy.description, trainingLength: 256).description == policy.description, "\(text)")
        }
        let names = PolicyCatalog.attentionEntries(trainingLength: 256).map(\.name)
        for name in PolicyCatalog.pressNames { #expect(names.contains(name) && PolicyCatalog.attentionNames.contains(name)) }
    }

    @Test(arguments: [
        ("knorm:ratio=1", "ratio (the fraction removed, as kvpress) must be in (0, 1), got 1.0"),
        ("knorm:ratio=1.5", "must be in (0, 1)"),
        ("knorm:ratio=0", "ratio=0 must be a positive number"),
        ("pyramidkv:ratio=-0.5", "ratio=-0.5 must be a positive number"),
        ("knorm:budget=0", "budget must be >= 1, got 0"),
        ("adakv:snapkv,budget=0", "budget must be >= 1, got 0"),
        ("knorm:budget=8,ratio=0.5", "budget or ratio"),
        ("knorm:window=3", "unknown key 'window'; valid keys: budget, ratio"),
        ("adakv:quest,ratio=0.5", "cannot wrap 'quest'"),
        ("chunkkv:pyramidkv", "cannot wrap 'pyramidkv'"),
        ("adakv:knorm,window=8", "unknown key 'window'"),
        ("adakv:snapkv,scorer=knorm", "name the scorer once"),
        ("adakv:snapkv,alpha=2", "alpha must be in [0, 1], got 2"),
        ("chunkkv:snapkv,chunk=0", "chunk must be >= 1, got 0"),
        ("pyramidkv:kernel=4", "kernel must be odd"),
        ("pyramidkv:beta=0", "beta must be >= 1, got 0"),
        ("knorm:snapkv", "'snapkv' in 'knorm:snapkv' is not key=value"),
    ])
    func rejectsBadValuesNamingTheKey(text: String, expected: String) {
        do {
            _ = try PolicyCatalog.attention(text, trainingLength: 256)
            Issue.record("\(text) was accepted")
        } catch let error as EngineError {
            #expect(String(describing: error).contains(expected), "\(text): \(error)")
        } catch {
            Issue.record("\(text): not an EngineError: \(error)")
        }
    }

    /// PyramidKV's layer budgets, worked by hand from kvpress's formula for a 2-layer model and
    /// a 128-token prompt: window 16 gives a pyramid; kvpress's default window 64 gives equal
    /// layers at ratio 0.5 (max = min = 64) and falls back to SnapKV's 96 at ratio 0.25 (min 128 > max 64).
    @Test func pyramidBudgetsFollowKVPressFormula() {
        func budgets(_ budget: PressBudget, window: Int, layers: Int = 2) -> [Int] {
            let p = PyramidKVAttention(budget: budget, window: window)
            return (0..<layers).map { p.layerBudget(layer: $0, layerCount: layers, length: 128) }
        }
        #expect(budgets(.ratio(0.25), window: 16) == [112, 80])
        #expect(budgets(.ratio(0.5), window: 16) == [112, 16])
        #expect(budgets(.ratio(0.5), window: 64) == [64, 64])
        #expect(budgets(.ratio(0.25), window: 64) == [96, 96])
        // budget=64 is ratio 0.5's average; 5 layers step down by (112 - 16) / 4 = 24.
        #expect(budgets(.entries(64), window: 16, layers: 5) == [112, 88, 64, 40, 16])
        // One layer: no steps (kvpress 0.5.5 guards the division).
        #expect(budgets(.ratio(0.5), window: 16, layers: 1) == [112])
    }

    /// Quantized caches (`--kv-type q8|q4`) hold the same counts as f32 after compression, hidden
    /// padding included, and decode on.
    @Test func quantizedCachesCompress() throws {
        let name = try #require(KVPressPressesTests.models.first)
        let model = try TransformerModel.load(directory: Fixtures.model(name))
        let tokens = PolicyConformanceTests.tokens(64, vocabulary: model.configuration.vocabSize)
        for text in ["knorm:ratio=0.5", "adakv:knorm,ratio=0.5", "pyramidkv:ratio=0.5,window=8"] {
            var counts: [[[Int]]] = []
            for kvType in ["f32", "q8"] {
                let policy = try PolicyCatalog.attention(text, trainingLength: 256, kvType: kvType)
                let cache = model.makeCache(for: policy)
                _ = try model.forward(tokens, cache: cache, policy: policy, logits: .last)
                let logits = try model.forward([1, 2, 3], cache: cache, policy: policy, logits: .last)
                #expect(logits[0].allSatisfy { $0.isFinite }, "\(text) \(kvType)")
                let memory = try #require(cache.memory)
                counts.append((0..<memory.layerCount).map { l in (0..<memory.kvHeadCount).map { memory.heldPositions(layer: l, head: $0).count } })
                #expect(cache.count < 64 + 3, "\(text) \(kvType) kept \(cache.count)")
            }
            if text.hasPrefix("knorm") || text.hasPrefix("pyramidkv") { #expect(counts[0] == counts[1], "\(text): \(counts)") }
            #expect(counts[0].joined().reduce(0, +) == counts[1].joined().reduce(0, +), "\(text): \(counts)")
        }
    }

    /// Hidden padding: after an uneven decision, a rewind that re-writes a hidden position reads it again.
    @Test func truncateForgetsHiddenPositionsItDrops() throws {
        let name = try #require(KVPressPressesTests.models.first)
        let model = try TransformerModel.load(directory: Fixtures.model(name))
        let policy = try PolicyCatalog.attention("adakv:snapkv,ratio=0.5,window=4", trainingLength: 256)
        let cache = model.makeCache(for: policy)
        _ = try model.forward(Array(0..<40), cache: cache, policy: policy, logits: .last)
        let memory = try #require(cache.memory)
        let hidden = memory.hidden.joined().reduce(0) { $0 + $1.count }
        #expect(hidden > 0, "adakv kept the same count in every head")
        for layer in 0..<memory.layerCount {
            for head in 0..<memory.kvHeadCount {
                #expect(memory.heldPositions(layer: layer, head: head).count + memory.hidden[layer][head].count == cache.count)
            }
        }
        cache.truncate(to: 0)
        #expect(memory.hidden.joined().allSatisfy { $0.isEmpty })
    }
}
