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
/// The index (`KeyBoundsIndex`): per-channel minimum and maximum un-rotated keys per `page`
/// candidates and per 16 pages. A query scores exactly only the tokens of its `pages` best pages by
/// upper bound (plus the incomplete last page), found by bounding the groups first: one refresh reads
/// about 2 / (16 x page) of the candidates' keys plus a fixed number of pages, instead of every key.
final class HeadSelection {
    /// Stored scores (true x growth), from the first candidate: (candidates); spilled to a scratch
    /// file once the cache is offloaded.
    let scores = SpillableFloats()
    var growth: Float = 1
    /// Selected slots, ascending.
    var selected: [Int] = []
    /// The position of the last refresh (-1: none yet).
    var lastRefresh = -1
    /// Page and group bounds of the candidates' un-rotated keys (made on the first refresh).
    var index: KeyBoundsIndex?
    var pageCount: Int { index?.pageCount ?? 0 }

    /// Decays the scores to `position`, adds each query head's softmax over the candidates (un-rotated
    /// q . k, all candidates or the best pages'), and selects again.
    /// - queries: the kv head's query heads, un-rotated, each (hd).
    /// - keys: the first candidate's un-rotated key; candidates follow at hd strides.
    /// - logits: scratch of at least `candidates` floats.
    /// - spill: per-candidate state that has to grow moves to scratch files (the cache is offloaded).
    /// - Throws: `EngineError.offloadFailed` when a scratch file cannot be made.
    func refresh(policy: ReAttentionPolicy, position: Int, candidates: Int, queries: [UnsafePointer<Float>],
                 keys: UnsafePointer<Float>, headDim hd: Int, scale: Float, logits: UnsafeMutablePointer<Float>, sinkEnd: Int,
                 spill: Bool = false) throws {
        if lastRefresh >= 0 { growth /= policy.decay(gap: position - lastRefresh) }
        lastRefresh = position
        if growth > 1e30 {  // renormalise before the stored scores overflow
            let s = scores.base
            for i in 0..<scores.count { s[i] /= growth }
            growth = 1
        }
        if scores.count < candidates { try scores.append(repeating: 0, count: candidates - scores.count, spill: spill) }
        let page = policy.page
        var index = self.index ?? KeyBoundsIndex(page: page)
        self.index = nil  // the local copy is then unique: extending it does not copy the bounds
        do { try index.extend(keys: keys, candidates: candidates, headDim: hd, spill: spill) } catch {
            self.index = index
            throw error
        }
        let exact = policy.pages == 0 || index.pageCount <= policy.pages
        var touched = Set<Int>()
        for query in queries {
            // The tokens scored: every candidate, or the best pages plus the incomplete last page.
            let ranges: [Range<Int>] = exact ? [0..<candidates]
                : index.bestPages(query: query, count: policy.pages, groups: policy.groups, headDim: hd).map { ($0 * page)..<(($0 + 1) * page) }
                    + [(index.pageCount * page)..<candidates]
            var n = 0
            for range in ranges where !range.isEmpty {
                VectorMath.attentionScores(query, keys: keys + range.lowerBound * hd, count: range.count, headDim: hd,
                                           scale: scale, into: logits + n)
                n += range.count
            }
            VectorMath.softmax(logits, n)
            n = 0
            do {
                let s = scores.base
                for range in ranges where !range.isEmpty {
                    VectorMath.axpy(growth, logits + n, s + range.lowerBound, range.count)
                    n += range.count
                    if !exact { touched.formUnion(range) }
                }
            }
        }
        self.index = index
        if exact {
            let current = Array(UnsafeBufferPointer(start: scores.base, count: candidates))
            selected = policy.select(scores: current).map { $0 + sinkEnd }
        } else {
            // Untouched scores kept their order below the previous selection: rank only these.
            let pool = touched.union(selected.map { $0 - sinkEnd }).sorted()
            let chosen = policy.select(scores: pool.map { scores[$0] }, indices: pool, candidates: candidates)
            selected = chosen.map { $0 + sinkEnd }
        }
    }

    /// Drops spilled scores and page bounds from the resident set.
    func releaseResident() {
        scores.releaseResident()
        index?.releaseResident()
    }
}
