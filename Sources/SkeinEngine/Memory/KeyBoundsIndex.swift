import SkeinTensor

/// Two levels of per-channel key bounds over one (layer, kv head)'s candidates, so that finding
/// the pages worth scoring costs about the same at 4K candidates as at 1M.
///
/// - A **page** is `page` consecutive candidates (aligned at the first candidate): per channel, the
///   minimum and maximum of their un-rotated keys.
/// - A **group** is `pagesPerGroup` consecutive complete pages: the minimum and maximum over them.
///
/// A query bounds a page's (or group's) logits by sum_d max(q_d min_d, q_d max_d), as Quest does.
/// `bestPages` bounds every group, keeps the `count` best, and then bounds only their pages and the
/// complete pages not yet in a group: (candidates / (page x 16)) + 17 x count bounds per query,
/// instead of candidates / page.
struct KeyBoundsIndex {
    /// Complete pages per group.
    static let pagesPerGroup = 16

    let page: Int
    /// Per complete page: channel minima and maxima: (pageCount, headDim) each; spilled to scratch
    /// files once the cache is offloaded (`extend(spill:)`).
    let pageMinimum = SpillableFloats()
    let pageMaximum = SpillableFloats()
    private(set) var pageCount = 0
    /// Per complete group: (groupCount, headDim) each.
    private(set) var groupMinimum: [Float] = []
    private(set) var groupMaximum: [Float] = []
    private(set) var groupCount = 0
    /// Bounds computed by `bestPages` so far (pages and groups; tests and measurements).
    private(set) var boundsComputed = 0

    init(page: Int) { self.page = page }

    /// Adds the bounds of every page (and group) completed among the first `candidates` candidates.
    /// - keys: the first candidate's un-rotated key; candidates follow at `headDim` strides.
    /// - spill: page bounds that have to grow move to a scratch file (the cache is offloaded).
    mutating func extend(keys: UnsafePointer<Float>, candidates: Int, headDim hd: Int, spill: Bool = false) throws {
        while (pageCount + 1) * page <= candidates {
            let (lo, hi) = Self.envelope(rows: (pageCount * page)..<((pageCount + 1) * page), minima: keys, maxima: keys, headDim: hd)
            try pageMinimum.append(lo, count: hd, spill: spill)
            try pageMaximum.append(hi, count: hd, spill: spill)
            pageCount += 1
        }
        let g = Self.pagesPerGroup
        while (groupCount + 1) * g <= pageCount {
            let (lo, hi) = Self.envelope(rows: (groupCount * g)..<((groupCount + 1) * g), minima: pageMinimum.base,
                                         maxima: pageMaximum.base, headDim: hd)
            groupMinimum += lo
            groupMaximum += hi
            groupCount += 1
        }
    }

    /// Drops spilled page bounds from the resident set.
    func releaseResident() {
        pageMinimum.releaseResident()
        pageMaximum.releaseResident()
    }

    /// Per channel, the minimum of `minima` and the maximum of `maxima` over `rows` (each headDim wide).
    private static func envelope(rows: Range<Int>, minima: UnsafePointer<Float>, maxima: UnsafePointer<Float>,
                                 headDim hd: Int) -> (minimum: [Float], maximum: [Float]) {
        var lo = [Float](repeating: .infinity, count: hd), hi = [Float](repeating: -.infinity, count: hd)
        for row in rows {
            for d in 0..<hd { lo[d] = min(lo[d], minima[row * hd + d]); hi[d] = max(hi[d], maxima[row * hd + d]) }
        }
        return (lo, hi)
    }

    /// The `count` complete pages with the highest logit bound for `query`, ascending: chosen among
    /// the pages of the `groups` (default `count`) best groups and the complete pages after the last
    /// group; every page while there are at most `groups` groups.
    mutating func bestPages(query: UnsafePointer<Float>, count: Int, groups: Int? = nil, headDim hd: Int) -> [Int] {
        let g = Self.pagesPerGroup, groups = groups ?? count
        var pool: [Int]
        if groupCount <= groups {
            pool = Array(0..<pageCount)
        } else {
            let groupBounds = groupMinimum.withUnsafeBufferPointer { lo in
                groupMaximum.withUnsafeBufferPointer { hi in
                    Self.bounds(query, lo.baseAddress!, hi.baseAddress!, indices: 0..<groupCount, headDim: hd)
                }
            }
            boundsComputed += groupCount
            pool = ReAttentionPolicy.topIndices(groupBounds, k: groups).flatMap { ($0 * g)..<(($0 + 1) * g) }
            pool += (groupCount * g)..<pageCount
        }
        let pageBounds = Self.bounds(query, pageMinimum.base, pageMaximum.base, indices: pool, headDim: hd)
        boundsComputed += pool.count
        return ReAttentionPolicy.topIndices(pageBounds, k: count).map { pool[$0] }
    }

    /// Upper bounds of q . k for the given rows of (minimum, maximum) tables, computed per run of
    /// consecutive rows.
    private static func bounds<C: Collection<Int>>(_ query: UnsafePointer<Float>, _ minimum: UnsafePointer<Float>,
                                                   _ maximum: UnsafePointer<Float>, indices: C, headDim hd: Int) -> [Float] {
        let rows = Array(indices)
        var out = [Float](repeating: 0, count: rows.count)
        out.withUnsafeMutableBufferPointer { o in
            var start = 0
            while start < rows.count {
                var end = start + 1
                while end < rows.count && rows[end] == rows[end - 1] + 1 { end += 1 }
                VectorMath.boxBounds(query, minimum: minimum + rows[start] * hd, maximum: maximum + rows[start] * hd,
                                     count: end - start, headDim: hd, into: o.baseAddress! + start)
                start = end
            }
        }
        return out
    }
}
