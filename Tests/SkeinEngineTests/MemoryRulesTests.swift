import Foundation
import Testing
import SkeinTensor
@testable import SkeinEngine

/// The decisions of the score-aware policies on given scores, without tensors.
@Suite struct MemoryRulesTests {
    let positions = Array(0..<10)
    let scores: [Float] = [5, 1, 9, 0, 3, 7, 2, 8, 4, 6]

    @Test func h2oKeepsRecentPlusHeavyHitters() {
        let policy = H2OAttention(budget: .entries(5), recent: 2)
        // recent: 8, 9; heaviest among 0...7: 2 (9), 7 (8), 5 (7).
        #expect(policy.survivors(positions: positions, scores: scores, seen: 10, rows: 1) == [2, 5, 7, 8, 9])
        #expect(policy.survivors(positions: Array(positions.prefix(4)), scores: Array(scores.prefix(4)), seen: 4, rows: 1) == [0, 1, 2, 3])
        // Default split: half the budget is recent.
        #expect(H2OAttention(budget: .entries(4)).survivors(positions: positions, scores: scores, seen: 10, rows: 1) == [2, 7, 8, 9])
    }

    @Test func tovaKeepsWhatTheLastQueryAttendsTo() {
        let policy = TOVAAttention(budget: .entries(3), variant: .paper)
        #expect(policy.survivors(positions: positions, scores: scores, seen: 10, rows: 1) == [2, 5, 7])
        // Ratio budgets follow the tokens seen: 0.5 of 10 = 5.
        #expect(TOVAAttention(budget: .ratio(0.5), variant: .paper).survivors(positions: positions, scores: scores, seen: 10, rows: 1) == [0, 2, 5, 7, 9])
        // kvpress: prompt chunks only, and the scoring query (the last entry) always stays.
        let kvpress = TOVAAttention(budget: .entries(3))
        #expect(kvpress.survivors(positions: positions, scores: scores, seen: 10, rows: 1) == nil)
        #expect(kvpress.survivors(positions: positions, scores: scores, seen: 10, rows: 10) == [2, 7, 9])
        #expect(kvpress.sharesScoresAcrossHeads && !policy.sharesScoresAcrossHeads)
    }

    @Test func h2oKVPressVariantRanksByMeanAttention() {
        // Entry p was seen by the 10 - p queries p..<10: means 0.5, 0.11, 1.125, 0, 0.5, 1.4, 0.5,
        // 2.67, 2, 6; no recent window by default.
        let policy = H2OAttention(budget: .entries(3), variant: .kvpress)
        #expect(policy.survivors(positions: positions, scores: scores, seen: 10, rows: 10) == [7, 8, 9])
        #expect(policy.survivors(positions: positions, scores: scores, seen: 10, rows: 1) == nil)
        // The paper's accumulated sums pick the heaviest instead.
        #expect(H2OAttention(budget: .entries(3), recent: 0).survivors(positions: positions, scores: scores, seen: 10, rows: 10) == [2, 5, 7])
    }

    @Test func snapKVPoolsVotesAndKeepsTheWindow() {
        #expect(MemoryRules.maxPool([0, 0, 5, 0, 0, 0, 0, 1], kernel: 3) == [0, 5, 5, 5, 0, 0, 1, 1])
        // avg_pool1d with zero padding, always divided by the kernel.
        #expect(MemoryRules.averagePool([3, 0, 6, 0, 0, 3], kernel: 3) == [1, 3, 2, 2, 1, 1])
        let votes: [Float] = [0, 0, 0, 9, 0, 0, 0, 0, 0, 0]
        let policy = SnapKVAttention(budget: .entries(5), window: 2, kernel: 3)
        // Window 8, 9; the pooled peak around 3 keeps 2, 3, 4.
        #expect(policy.survivors(positions: positions, scores: votes, seen: 10, rows: 16) == [2, 3, 4, 8, 9])
        // A single decoding step appends without compressing.
        #expect(policy.survivors(positions: positions, scores: votes, seen: 10, rows: 1) == nil)
        // A short chunk shrinks the observation window to the chunk.
        #expect(policy.survivors(positions: positions, scores: votes, seen: 10, rows: 1 + 1) == [2, 3, 4, 8, 9])
    }

    @Test func sirLLMKeepsSurprisingTokens() throws {
        let policy = SirLLMAttention(budget: .entries(4), recent: 1)
        #expect(policy.survivors(positions: positions, scores: scores, seen: 10, rows: 1) == [2, 5, 7, 9])
        // -log softmax([0, ln 3])[1] = -log 0.75.
        let surprisal = KVMemoryState.negativeLogProbability([0, logf(3)], 1)
        #expect(abs(surprisal - (-logf(0.75))) < 1e-6)
        // A new turn scales stored entropies by the decay.
        let state = KVMemoryState(layerCount: 1, kvHeadCount: 1, headCount: 1, positions: [0, 1])
        state.scores = [[[2, 4]]]
        state.decay(by: 0.5)
        #expect(state.scores == [[[1, 2]]])
    }

    /// The vector kernel gives the scalar rule's bounds for vector and odd head sizes.
    @Test func boxBoundsKernelMatchesTheScalarRule() {
        var random = RandomSource(seed: 5)
        for hd in [32, 8, 5] {
            let rows = 37
            func values(_ n: Int) -> [Float] { (0..<n).map { _ in Float(Int(random.next() % 2001) - 1000) / 250 } }
            let q = values(hd), a = values(rows * hd), b = values(rows * hd)
            let lo = zip(a, b).map { min($0, $1) }, hi = zip(a, b).map { max($0, $1) }
            var bounds = [Float](repeating: .nan, count: rows)
            bounds.withUnsafeMutableBufferPointer { VectorMath.boxBounds(q, minimum: lo, maximum: hi, count: rows, headDim: hd, into: $0.baseAddress!) }
            for r in 0..<rows {
                let expected = lo.withUnsafeBufferPointer { l in
                    hi.withUnsafeBufferPointer { h in
                        MemoryRules.pageUpperBound(query: q, minimum: l.baseAddress! + r * hd, maximum: h.baseAddress! + r * hd, count: hd)
                    }
                }
                #expect(abs(bounds[r] - expected) <= 1e-4 * max(1, abs(expected)), "hd \(hd) row \(r)")
            }
        }
    }

    @Test func questPicksPagesByUpperBound() {
        let q: [Float] = [1, -2], lo: [Float] = [-1, 0], hi: [Float] = [2, 3]
        // max(1 * -1, 1 * 2) + max(-2 * 0, -2 * 3) = 2 + 0.
        #expect(MemoryRules.pageUpperBound(query: q, minimum: lo, maximum: hi, count: 2) == 2)
        #expect(QuestAttention.chosenPages(bounds: [1, 5, 3, 4], current: 4, count: 3) == [1, 3, 4])
        #expect(QuestAttention.chosenPages(bounds: [1, 5, 3, 4], current: 4, count: 1) == [4])
        #expect(QuestAttention(page: 4, budget: .entries(12)).selection(seen: 100) == .pages(page: 4, pages: 3))
    }

    @Test func tokenSelectSoftVotesAcrossHeads() {
        let l3 = logf(3)
        // Head 1: [0.2, 0.2, 0.6]; head 2: [0.6, 0.2, 0.2]; votes [0.8, 0.4, 0.8].
        let votes = MemoryRules.softVote([[0, 0, l3], [l3, 0, 0]])
        #expect(zip(votes, [0.8, 0.4, 0.8] as [Float]).allSatisfy { abs($0 - $1) < 1e-6 })
        #expect(TokenSelectAttention.critical(logits: [[0, 0, l3], [l3, 0, 0]], count: 2) == [0, 2])
        // Two of three heads prefer token 0 (a majority of argmaxes picks it); the soft vote
        // weighs the first head's confidence and picks token 2.
        #expect(TokenSelectAttention.critical(logits: [[0, 0, 5], [1, 0.9, 0], [1, 0.9, 0]], count: 1) == [2])
        #expect(TokenSelectAttention(budget: .entries(10), k: 4).selection(seen: 50) == .tokens(critical: 4, local: 6, reuse: 0.9))
        #expect(abs(MemoryRules.cosine([1, 0], [1, 1]) - 0.70710677) < 1e-6)
    }

    @Test func droppingTheSmallestEqualsSorting() {
        var random = RandomSource(seed: 11)
        for _ in 0..<200 {
            let n = 2 + Int(random.next() % 40)
            // Few distinct values, so ties are common.
            let scores = (0..<n).map { _ in Float(random.next() % 5) }
            let k = max(1, n - 1 - Int(random.next() % 8))
            let order = scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
            #expect(MemoryRules.topIndices(scores, k: k) == order.prefix(k).sorted())
        }
    }
}
