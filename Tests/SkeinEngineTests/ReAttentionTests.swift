import Foundation
import Testing
@testable import SkeinEngine
import SkeinTesting

/// ReAttention (select, then re-position): the pure selection and placement rules, and the fast
/// path against the reference forward pass with the mask and positions it recorded.
@Suite struct ReAttentionRulesTests {
    @Test func selectsTheBestTokensInTextOrder() {
        let policy = ReAttentionPolicy(sinks: 2, local: 4, k: 3)
        #expect(policy.select(scores: [0.1, 0.9, 0.2, 0.8, 0.7, 0.0]) == [1, 3, 4])
        // Ties keep the earlier candidate.
        #expect(policy.select(scores: [0.5, 0.5, 0.5, 0.5]) == [0, 1, 2])
        // Fewer candidates than k: all of them.
        #expect(policy.select(scores: [0.3, 0.1]) == [0, 1])
    }

    @Test func fastTopKEqualsTheSortingRule() {
        var random = RandomSource(seed: 11)
        for trial in 0..<200 {
            let n = 1 + trial % 97, k = 1 + Int(random.next() % UInt64(n + 3))
            // Few distinct values, so ties are common.
            let scores = (0..<n).map { _ in Float(random.next() % 7) / 7 }
            #expect(ReAttentionPolicy.topIndices(scores, k: k) == MemoryRules.topIndices(scores, k: k), "n \(n) k \(k) \(scores)")
        }
    }

    @Test func selectsSpansByTheirBestToken() {
        let policy = ReAttentionPolicy(sinks: 2, local: 4, k: 4, span: 2)
        // Spans [0,1] [2,3] [4,5] [6]: best tokens 0.2, 0.9, 0.3, 0.8 -> spans 1 and 3.
        #expect(policy.select(scores: [0.1, 0.2, 0.9, 0.0, 0.3, 0.1, 0.8]) == [2, 3, 6])
    }

    @Test func placesSinksSelectedAndLocalContiguously() {
        let policy = ReAttentionPolicy(sinks: 2, local: 3, k: 2)
        // Query at 100: sinks 0, 1; candidates 2..<97; local window 97...100.
        #expect(policy.localStart(query: 100) == 97)
        let (query, key) = policy.layout(query: 100, selected: [10, 50])
        #expect(query == 7)  // 2 sinks + 2 selected + 3 tokens of distance
        #expect(key(0) == 0 && key(1) == 1)
        #expect(key(10) == 2 && key(50) == 3)
        #expect(key(97) == 4 && key(100) == 7)
        #expect(key(11) == nil && key(96) == nil && key(101) == nil)
        // Short inputs are plain causal attention.
        let short = policy.layout(query: 4, selected: [])
        #expect(short.query == 4 && (0...4).allSatisfy { short.key($0) == $0 })
        #expect(policy.maximumPosition == 7)
    }

    @Test func refreshesEveryRefreshQueriesWithDecay() {
        let policy = ReAttentionPolicy(sinks: 4, local: 8, k: 4, refresh: 4, memory: 8)
        #expect((0..<12).filter(policy.refreshes) == [3, 7, 11])
        #expect(abs(policy.decay(gap: 4) - powf(7.0 / 8.0, 4)) < 1e-6)
        #expect(abs(ReAttentionPolicy(sinks: 4, local: 8, k: 4, memory: 64).decay(gap: 1) - 63.0 / 64.0) < 1e-7)
        // A pass's last 4 * memory rows refresh whatever their positions; a decoding step always does.
        #expect((0..<40).filter { policy.refreshes(query: 100 + $0, row: $0, rows: 40) } == [3, 7] + Array(8..<40))
        #expect(policy.refreshes(query: 100, row: 0, rows: 1))
    }

    @Test func badOptionsNameTheKeyAndRange() throws {
        #expect(throws: EngineError.self) { try PolicyCatalog.attention("reattention:k=200", trainingLength: 256) }
        #expect(throws: EngineError.self) { try PolicyCatalog.attention("reattention:k=0", trainingLength: 256) }
        #expect(throws: EngineError.self) { try PolicyCatalog.attention("reattention:span=0", trainingLength: 256) }
        #expect(throws: EngineError.self) { try PolicyCatalog.attention("reattention:k=8,span=16", trainingLength: 256) }
        do {
            _ = try PolicyCatalog.attention("reattention:local=250", trainingLength: 256)
            Issue.record("local=250 with L=256 should be refused")
        } catch {
            #expect("\(error)".contains("256") && "\(error)".contains("local"))
        }
        let defaults = try #require(try PolicyCatalog.attention("reattention", trainingLength: 256) as? ReAttentionPolicy)
        #expect(defaults.maximumPosition < 256)
        #expect(throws: EngineError.self) { try PolicyCatalog.attention("reattention", trainingLength: 256, kvType: "q8") }
    }
}

/// The selection memory of one kv head, on given keys and queries (no model).
@Suite struct HeadSelectionTests {
    static func random(_ count: Int, _ random: inout RandomSource) -> [Float] {
        (0..<count).map { _ in Float(Int(random.next() % 2001) - 1000) / 500 }
    }

    /// Stored scores over growth equal the decayed sums written out, and the selection is their top-k.
    /// In RAM and spilled to scratch files (an offloaded cache's state), the same numbers.
    @Test(arguments: [false, true]) func accumulatesDecayedSoftmaxAndSelectsTheTopK(spill: Bool) throws {
        let hd = 4, policy = ReAttentionPolicy(sinks: 2, local: 3, k: 5, memory: 3, pages: 0)
        var random = RandomSource(seed: 3)
        let keys = Self.random(40 * hd, &random)
        let box = HeadSelection()
        var expected = [Float](repeating: 0, count: 40), last = -1
        let logits = UnsafeMutablePointer<Float>.allocate(capacity: 40)
        defer { logits.deallocate() }
        for (position, candidates) in [(20, 10), (21, 11), (25, 15), (33, 23), (50, 40)] {
            let queries = [Self.random(hd, &random), Self.random(hd, &random)]
            if last >= 0 { for c in expected.indices { expected[c] *= policy.decay(gap: position - last) } }
            last = position
            for query in queries {
                let raw = (0..<candidates).map { c in (0..<hd).reduce(Float(0)) { $0 + query[$1] * keys[c * hd + $1] } / 2 }
                let m = raw.max()!, e = raw.map { expf($0 - m) }, sum = e.reduce(0, +)
                for c in 0..<candidates { expected[c] += e[c] / sum }
            }
            try keys.withUnsafeBufferPointer { k in
                try queries[0].withUnsafeBufferPointer { q0 in
                    try queries[1].withUnsafeBufferPointer { q1 in
                        try box.refresh(policy: policy, position: position, candidates: candidates, queries: [q0.baseAddress!, q1.baseAddress!],
                                        keys: k.baseAddress!, headDim: hd, scale: 0.5, logits: logits, sinkEnd: 2, spill: spill)
                    }
                }
            }
            for c in 0..<candidates { #expect(abs(box.scores[c] / box.growth - expected[c]) < 1e-4, "candidate \(c) at \(position)") }
            #expect(box.selected == MemoryRules.topIndices(Array(expected[0..<candidates]), k: 5).map { $0 + 2 })
            #expect(box.scores.isSpilled == spill)
            box.releaseResident()
        }
    }

    /// With the page index, a refresh scores only the best pages (and the incomplete last one).
    @Test func pageIndexScoresTheBestPagesOnly() throws {
        let hd = 2, policy = ReAttentionPolicy(sinks: 0, local: 1, k: 3, memory: 1, page: 4, pages: 1)
        // 18 candidates: pages 0..3 complete, 16..<18 incomplete. Page 2 holds keys along the query.
        var keys = [Float](repeating: 0.01, count: 18 * hd)
        for slot in 8..<12 { keys[slot * hd] = 3 }
        let query: [Float] = [1, 0]
        let box = HeadSelection()
        let logits = UnsafeMutablePointer<Float>.allocate(capacity: 18)
        defer { logits.deallocate() }
        try query.withUnsafeBufferPointer { q in
            try keys.withUnsafeBufferPointer { k in
                try box.refresh(policy: policy, position: 20, candidates: 18, queries: [q.baseAddress!], keys: k.baseAddress!, headDim: hd,
                                scale: 1, logits: logits, sinkEnd: 0)
            }
        }
        #expect(box.pageCount == 4)
        #expect(box.selected == [8, 9, 10])
        let touched = (0..<18).filter { box.scores[$0] > 0 }
        #expect(touched == [8, 9, 10, 11, 16, 17])
    }

    /// Past `pages` groups, the index bounds the groups first and only the best groups' pages
    /// (and the complete pages after the last group).
    @Test func groupBoundsNarrowThePagesBounded() {
        let hd = 2, page = 2, g = KeyBoundsIndex.pagesPerGroup
        // 40 complete pages + 1 candidate: groups 0 and 1 (pages 0..<32), pages 32..<40 ungrouped.
        let candidates = 40 * page + 1
        var keys = [Float](repeating: 0.01, count: candidates * hd)
        for slot in 40..<42 { keys[slot * hd] = 3 }  // page 20, in group 1
        keys[70 * hd] = 2  // page 35, ungrouped
        var index = KeyBoundsIndex(page: page)
        let query: [Float] = [1, 0]
        let best = keys.withUnsafeBufferPointer { k in
            query.withUnsafeBufferPointer { q in
                try! index.extend(keys: k.baseAddress!, candidates: candidates, headDim: hd)
                return index.bestPages(query: q.baseAddress!, count: 1, headDim: hd)
            }
        }
        #expect(index.pageCount == 40 && index.groupCount == 2)
        #expect(best == [20])
        // 2 group bounds, then group 1's 16 pages and the 8 ungrouped pages.
        #expect(index.boundsComputed == 2 + g + 8)
        let second = query.withUnsafeBufferPointer { index.bestPages(query: $0.baseAddress!, count: 2, headDim: hd) }
        #expect(second == [20, 35])  // two groups <= count: every page bounded
        #expect(index.boundsComputed == 2 + g + 8 + 40)
    }
}

@Suite(.serialized) struct ReAttentionConformanceTests {
    static let policies = [
        ReAttentionPolicy(sinks: 2, local: 8, k: 6, refresh: 1, memory: 64),
        ReAttentionPolicy(sinks: 3, local: 6, k: 6, span: 3, refresh: 4, memory: 2),
        // The page index: 4-token pages, 2 scored exactly per refresh.
        ReAttentionPolicy(sinks: 2, local: 6, k: 5, refresh: 2, memory: 4, page: 4, pages: 2),
        // One-token pages in 16-page groups: past two groups, group bounds pick the pages bounded.
        ReAttentionPolicy(sinks: 2, local: 6, k: 5, refresh: 2, memory: 4, page: 1, pages: 2),
    ]

    /// One prefill, chunked prefill and streamed decoding each equal the reference forward pass
    /// run with the recorded per-head mask and positions.
    @Test(arguments: ["one prefill", "chunked prefill", "streamed decoding"])
    func fastPathMatchesReferenceWithRecordedPlacement(mode: String) throws {
        var checked = 0
        for name in ["llama-f32", "qwen3"] where Fixtures.modelNames.contains(name) {
            let model = try TransformerModel.load(directory: Fixtures.model(name))
            let length = 70
            let tokens = PolicyConformanceTests.tokens(length, vocabulary: model.configuration.vocabSize)
            for policy in Self.policies {
                let cache = model.makeCache(for: policy)
                cache.prepareSelection(headCount: model.configuration.headCount).recordsTrace = true
                let logits = try forwardInPieces(tokens, mode: mode, model: model, cache: cache, policy: policy)
                let state = try #require(cache.selection)
                let reference = try ReferenceForward(model: model).logits(tokens, attention: state.explicitAttention)
                let (diff, scale) = maxDifference(logits, reference)
                #expect(diff <= 1e-4 * scale, "\(name) \(policy) \(mode): \(diff) vs \(scale)")
                // Bounded reads and positions, and a selection that reaches past the local window.
                let entries = state.trace.flatMap { $0.flatMap { $0.values } }
                #expect(entries.count == model.configuration.layerCount * model.configuration.headCount * length)
                #expect(entries.allSatisfy { $0.keys.count <= policy.sinks + policy.k + policy.local + 1 })
                #expect(entries.allSatisfy { entry in entry.query <= policy.maximumPosition && entry.keys.values.allSatisfy { $0 <= entry.query } })
                let last = try #require(state.trace[0][0][length - 1])
                #expect(last.keys.keys.contains { $0 >= policy.sinks && $0 < length - 1 - policy.local })
                checked += 1
            }
        }
        #expect(checked == 2 * Self.policies.count)
    }
}
