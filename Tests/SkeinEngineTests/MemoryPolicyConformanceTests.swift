import Foundation
import Testing
@testable import SkeinEngine
import SkeinTesting

/// Score-aware memory policies end to end: the fast path, fed in chunks, records which keys each
/// query head read; the reference forward pass with exactly that mask must give the same logits.
@Suite(.serialized) struct MemoryPolicyConformanceTests {
    static let policies: [KVMemoryPolicy] = [
        H2OAttention(budget: .entries(12), recent: 4),
        TOVAAttention(budget: .entries(10), variant: .paper),
        TOVAAttention(budget: .entries(10)),
        SnapKVAttention(budget: .entries(14), window: 4, kernel: 3),
        SnapKVAttention(budget: .entries(14), window: 4, kernel: 3, variant: .paper),
        H2OAttention(budget: .entries(12), variant: .kvpress),
        SirLLMAttention(budget: .entries(12), recent: 3),
        QuestAttention(page: 4, budget: .entries(12)),
        TokenSelectAttention(budget: .entries(12), k: 6, reuse: 0.8),
        H2OAttention(budget: .ratio(0.5)),
        KnormAttention(budget: .entries(12)),
        PyramidKVAttention(budget: .entries(14), window: 4, kernel: 3),
        ChunkKVAttention(scorer: .snapkv(window: 4, kernel: 3), budget: .entries(12), chunk: 4),
        AdaKVAttention(scorer: .snapkv(window: 4, kernel: 3), budget: .entries(12)),
        AdaKVAttention(scorer: .knorm, budget: .ratio(0.5), alpha: 0),
        ExpectedAttentionAttention(budget: .entries(12), future: 16),
    ]
    static let models = ["llama-f32", "qwen3"]

    @Test func chunkedRunMatchesReferenceWithRecordedMask() throws {
        var checked = 0
        defer { #expect(checked == Self.models.count * Self.policies.count) }
        for name in Self.models where Fixtures.modelNames.contains(name) {
            let model = try TransformerModel.load(directory: Fixtures.model(name))
            let length = 70
            let tokens = PolicyConformanceTests.tokens(length, vocabulary: model.configuration.vocabSize)
            for policy in Self.policies {
                let cache = model.makeCache(for: policy)
                var logits: [[Float]] = []
                var offset = 0
                for chunk in [9, 1, 1, 13, 1, 1, 1].cycled(until: length) where offset < length {
                    let end = min(length, offset + chunk)
                    if offset == 0 { cache.prepareMemory(headCount: model.configuration.headCount).recordsTrace = true }
                    logits += try model.forward(Array(tokens[offset..<end]), cache: cache, policy: policy)
                    offset = end
                }
                let memory = try #require(cache.memory)
                let reference = try ReferenceForward(model: model).logits(tokens, attention: memory.explicitAttention)
                let (diff, scale) = maxDifference(logits, reference)
                #expect(diff <= 1e-4 * scale, "\(name) \(policy): \(diff) vs \(scale)")
                try checkBudget(policy, cache: cache, memory: memory, length: length)
                checked += 1
            }
        }
    }

    /// SnapKV, and the kvpress variants of TOVA and H2O, evict only after multi-token passes.
    static func compressesPromptChunksOnly(_ policy: KVMemoryPolicy) -> Bool {
        if policy is SnapKVAttention || policy is KnormAttention || policy is ExpectedAttentionAttention || policy is LayerwiseMemoryPolicy { return true }
        if let tova = policy as? TOVAAttention { return tova.variant == .kvpress }
        if let h2o = policy as? H2OAttention { return h2o.variant == .kvpress }
        return false
    }

    /// Eviction policies hold their budget; selection policies read at most theirs.
    func checkBudget(_ policy: KVMemoryPolicy, cache: DenseKVCache, memory: KVMemoryState, length: Int) throws {
        switch policy.selection(seen: length) {
        case .all:
            if Self.compressesPromptChunksOnly(policy) {
                // Decoding steps append: the budget plus the tokens decoded since the last chunk.
                #expect(cache.count < length, "\(policy) kept \(cache.count)")
            } else if let h2o = policy as? H2OAttention, case .ratio = h2o.budget {
                #expect(cache.count == length / 2, "\(policy) kept \(cache.count)")
            } else {
                let budget = policy is TOVAAttention ? 10 : 12
                #expect(cache.count == budget, "\(policy) kept \(cache.count)")
            }
            #expect(memory.positions.allSatisfy { $0.allSatisfy { $0.count == cache.count } })
            if policy.sharesScoresAcrossHeads { #expect(memory.positions.allSatisfy { Set($0).count == 1 }) }
        case .pages(let page, let pages):
            let reads = memory.trace.flatMap { $0.flatMap { $0.values.map(\.count) } }
            #expect(reads.max()! <= page * pages, "\(policy) read \(reads.max()!)")
            #expect(cache.count == length)
        case .tokens(let critical, let local, _):
            let reads = memory.trace.flatMap { $0.flatMap { $0.values.map(\.count) } }
            #expect(reads.max()! <= critical + local, "\(policy) read \(reads.max()!)")
        }
    }

    @Test func headsKeepDifferentEntries() throws {
        let model = try TransformerModel.load(directory: Fixtures.model("llama-f32"))
        let tokens = PolicyConformanceTests.tokens(60, vocabulary: model.configuration.vocabSize)
        let policy = H2OAttention(budget: .entries(10), recent: 2)
        let cache = model.makeCache(for: policy)
        for token in tokens { _ = try model.forward([token], cache: cache, policy: policy, logits: .last) }
        let memory = try #require(cache.memory)
        let distinct = Set(memory.positions.flatMap { $0 })
        #expect(distinct.count > 1, "every head kept the same positions")
        #expect(memory.positions.allSatisfy { $0.allSatisfy { $0.suffix(2) == [58, 59] } })
    }
}

extension MemoryPolicyConformanceTests {
    /// Rewinding a quest cache and decoding again gives the same logits as never having gone ahead.
    @Test func truncateRewindsSelectionState() throws {
        let model = try TransformerModel.load(directory: Fixtures.model("llama-f32"))
        let tokens = PolicyConformanceTests.tokens(50, vocabulary: model.configuration.vocabSize)
        let policy = QuestAttention(page: 4, budget: .entries(12))
        let straight = model.makeCache(for: policy)
        let expected = try model.forward(tokens, cache: straight, policy: policy)
        let rewound = model.makeCache(for: policy)
        _ = try model.forward(Array(tokens[0..<30]) + [1, 2, 3, 4, 5, 6, 7, 8], cache: rewound, policy: policy)
        rewound.truncate(to: 30)
        let tail = try model.forward(Array(tokens[30...]), cache: rewound, policy: policy)
        let (diff, scale) = maxDifference(tail, Array(expected[30...]))
        #expect(diff <= 1e-5 * scale)
    }
}
