import Foundation

/// A full-vocabulary draw (no top-k, no min-p) for flat distributions, where the draw lands
/// deep in the rank order and `CertifiedDraw`'s best-first stream would take most of the
/// vocabulary one by one. Gives `SortedDraw`'s token over the whole sorted vocabulary, or nil.
///
/// Every e_i is computed exactly as the softmax does, and the tokens are bucketed by scaled score
/// x (buckets are runs of the rank order, x being monotone in the score). The softmax's running
/// sum c_j is within (1 ± eps) of E_j / E, E_j the exact sum of the j + 1 best e_i and E of all,
/// whatever order they are summed in (eps: a few n u, below 1e-9 for any real vocabulary). So a
/// threshold on c_j is a threshold on E_j: the bucket holding the crossing is found from bucket
/// masses, and only that bucket is sorted and walked.
struct FlatDraw {
    let scores: UnsafeBufferPointer<Float>
    let xs: UnsafeBufferPointer<Float>
    let topP: Double?
    let unit: Double
    /// Buckets over x in [-range, 0]; tokens below go to one more, the last.
    static let bucketCount = 4096
    private var bucket: [UInt16]
    private var mass: [Double]
    /// Exact sums of e over the buckets before each one, and over everything (approximately: within eps).
    private var before: [Double]
    private let total: Double
    private let eps: Double

    /// - Parameter lowest: the lowest x, or -40 if lower (in [-40, 0]).
    init(scores: UnsafeBufferPointer<Float>, xs: UnsafeBufferPointer<Float>, lowest: Float, topP: Double?, unit: Double) {
        self.scores = scores
        self.xs = xs
        self.topP = topP.flatMap { $0 < 1 ? $0 : nil }
        self.unit = unit
        let n = xs.count, b = Self.bucketCount
        let scale = lowest < 0 ? Float(b) / -lowest : 1
        var bucket = [UInt16](repeating: 0, count: n)
        var mass = [Double](repeating: 0, count: b + 1)
        bucket.withUnsafeMutableBufferPointer { bucket in
            mass.withUnsafeMutableBufferPointer { mass in
                for i in 0..<n {
                    let x = xs[i]
                    let k = x >= lowest ? min(b - 1, Int(-min(0, x) * scale)) : b  // nondecreasing as x falls
                    bucket[i] = UInt16(k)
                    mass[k] += Double(exp(x))  // the softmax's own e_i
                }
            }
        }
        var running = 0.0
        before = mass.map { m in defer { running += m }; return running }
        total = running
        self.bucket = bucket
        self.mass = mass
        // Each computed sum (bucket masses, their prefix sums, running sums in a bucket) is within
        // (1 ± u)^(n + buckets) of the exact one, the softmax's c_j within (1 ± u)^(2n + 2) of E_j / E.
        eps = 6 * (Double(n) + Double(b) + 4) * 0x1p-53 + 1e-15
    }

    /// The chosen id, or nil when the bounds do not settle it.
    func pick() -> Int? {
        // Top-p: keep = j + 1 for the first j with c_j >= P.
        var keep: Crossing? = nil
        if let topP {
            guard let found = first(where: { $0 * (1 + eps) >= topP }),
                  found.ratio * (1 - eps) >= topP, found.previous * (1 + eps) < topP else { return nil }
            keep = found
        }
        let keptLow = (keep?.ratio ?? 1) * (1 - eps), keptHigh = (keep?.ratio ?? 1) * (1 + eps)
        let drawLow = unit * keptLow, drawHigh = unit * keptHigh
        // The walk: the first j with draw < c_j, or the last kept token if none comes before it.
        guard let found = first(where: { $0 * (1 - eps) > drawHigh }) else { return nil }
        if let keep, found.key >= keep.key {
            return keep.previous * (1 + eps) <= drawLow ? RankKey.id(keep.key) : nil
        }
        return found.previous * (1 + eps) <= drawLow ? RankKey.id(found.key) : nil
    }

    /// A token found in rank order: its rank key, E_j / E, and the previous token's ratio.
    struct Crossing { var key: UInt64, ratio: Double, previous: Double }

    /// The first token in rank order whose E_j / E satisfies `reached` (monotone); nil if none
    /// does, or the bucket's own running sum falls short of its total.
    private func first(where reached: (Double) -> Bool) -> Crossing? {
        // The first bucket whose end reaches: every token before it falls short.
        guard let k = (0...Self.bucketCount).first(where: { reached((before[$0] + mass[$0]) / total) }) else { return nil }
        var keys: [UInt64] = []
        bucket.withUnsafeBufferPointer { bucket in
            let target = UInt16(k)
            for i in 0..<bucket.count where bucket[i] == target { keys.append(RankKey.make(scores[i], i)) }
        }
        keys.sort()
        var running = before[k], previous = before[k] / total
        for key in keys {
            running += Double(exp(xs[RankKey.id(key)]))
            let ratio = running / total
            if reached(ratio) { return Crossing(key: key, ratio: ratio, previous: previous) }
            previous = ratio
        }
        return nil
    }
}
