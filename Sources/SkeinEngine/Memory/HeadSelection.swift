import Foundation
import SkeinTensor

/// One (layer, kv head)'s selection memory for `ReAttentionPolicy`: accumulated scores per
/// candidate, the selection they give, and the page index that keeps refreshes cheap.
///
/// Scores are stored scaled by `growth` (stored = true score x growth): decaying every score is
/// one division of `growth`, not a pass over all candidates, and the order of untouched scores
/// never changes. A refresh then only re-ranks the previous selection and the candidates it
/// touched, which gives the same top-k as ranking every candidate.
///
/// The page index: per `page` candidates (aligned at the first candidate), the per-channel minimum
/// and maximum of their un-rotated keys. A query bounds each page's logits by
/// sum_d max(q_d min_d, q_d max_d) and scores exactly only the tokens of its `pages` best pages
/// (plus the incomplete last page): one refresh reads 2 / page of the candidates' keys plus
/// `pages * page` keys, instead of every key.
final class HeadSelection {
    /// Stored scores (true x growth), from the first candidate: (candidates).
    var scores: [Float] = []
    var growth: Float = 1
    /// Selected slots, ascending.
    var selected: [Int] = []
    /// The position of the last refresh (-1: none yet).
    var lastRefresh = -1
    /// Per complete page: channel minima and maxima: (pages, headDim) each.
    var pageMinimum: [Float] = []
    var pageMaximum: [Float] = []
    var pageCount = 0

    /// Decays the scores to `position`, adds each query head's softmax over the candidates (un-rotated
    /// q . k, all candidates or the best pages'), and selects again.
    /// - queries: the kv head's query heads, un-rotated, each (hd).
    /// - keys: the first candidate's un-rotated key; candidates follow at hd strides.
    /// - logits: scratch of at least `candidates` floats.
    func refresh(policy: ReAttentionPolicy, position: Int, candidates: Int, queries: [UnsafePointer<Float>],
                 keys: UnsafePointer<Float>, headDim hd: Int, scale: Float, logits: UnsafeMutablePointer<Float>, sinkEnd: Int) {
        if lastRefresh >= 0 { growth /= policy.decay(gap: position - lastRefresh) }
        lastRefresh = position
        if growth > 1e30 {  // renormalise before the stored scores overflow
            scores = scores.map { $0 / growth }
            growth = 1
        }
        if scores.count < candidates { scores += [Float](repeating: 0, count: candidates - scores.count) }
        let page = policy.page
        extendPages(keys: keys, candidates: candidates, page: page, headDim: hd)
        let exact = policy.pages == 0 || pageCount <= policy.pages
        var touched = Set<Int>()
        for query in queries {
            // The tokens scored: every candidate, or the best pages plus the incomplete last page.
            let ranges: [Range<Int>]
            if exact {
                ranges = [0..<candidates]
            } else {
                let bounds = pageMinimum.withUnsafeBufferPointer { lo in
                    pageMaximum.withUnsafeBufferPointer { hi in
                        (0..<pageCount).map {
                            MemoryRules.pageUpperBound(query: query, minimum: lo.baseAddress! + $0 * hd, maximum: hi.baseAddress! + $0 * hd, count: hd)
                        }
                    }
                }
                ranges = ReAttentionPolicy.topIndices(bounds, k: policy.pages).map { ($0 * page)..<(($0 + 1) * page) }
                    + [(pageCount * page)..<candidates]
            }
            var n = 0
            for range in ranges where !range.isEmpty {
                VectorMath.attentionScores(query, keys: keys + range.lowerBound * hd, count: range.count, headDim: hd,
                                           scale: scale, into: logits + n)
                n += range.count
            }
            VectorMath.softmax(logits, n)
            n = 0
            scores.withUnsafeMutableBufferPointer { s in
                for range in ranges where !range.isEmpty {
                    VectorMath.axpy(growth, logits + n, s.baseAddress! + range.lowerBound, range.count)
                    n += range.count
                    if !exact { touched.formUnion(range) }
                }
            }
        }
        if exact {
            let current = scores.count == candidates ? scores : Array(scores[0..<candidates])
            selected = policy.select(scores: current).map { $0 + sinkEnd }
        } else {
            // Untouched scores kept their order below the previous selection: rank only these.
            let pool = touched.union(selected.map { $0 - sinkEnd }).sorted()
            let chosen = policy.select(scores: pool.map { scores[$0] }, indices: pool, candidates: candidates)
            selected = chosen.map { $0 + sinkEnd }
        }
    }

    /// Adds the bounds of every page completed among the first `candidates` candidates.
    func extendPages(keys: UnsafePointer<Float>, candidates: Int, page: Int, headDim hd: Int) {
        while (pageCount + 1) * page <= candidates {
            var lo = [Float](repeating: .infinity, count: hd), hi = [Float](repeating: -.infinity, count: hd)
            for slot in (pageCount * page)..<((pageCount + 1) * page) {
                for d in 0..<hd { lo[d] = min(lo[d], keys[slot * hd + d]); hi[d] = max(hi[d], keys[slot * hd + d]) }
            }
            pageMinimum += lo
            pageMaximum += hi
            pageCount += 1
        }
    }
}
