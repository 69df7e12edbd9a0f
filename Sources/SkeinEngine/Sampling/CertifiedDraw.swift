import Foundation

/// A full-vocabulary draw (no top-k) that gives the token `SortedDraw` gives over the whole
/// sorted vocabulary, without sorting it, or says it cannot tell.
///
/// Over the sorted vocabulary the sampler computes p_i = e_i / T, with T the sum of every e_i
/// in rank order, then running sums c_i of the p_i (top-p stops at the first c_i >= P, the walk
/// at the first c_i > draw). Only T needs the whole vocabulary, and every later value is a
/// monotone function of T, each float operation rounding monotonically: run the same operations
/// with a lower and an upper bound of T and the true values lie between the two results. T is
/// bracketed from an approximate sum of e^x over the vocabulary (`ScaledScores.fill`) and the
/// error bounds of that sum and of T's own rank-order summation. The candidates the decision
/// needs (the tokens within some distance `tau` of the top) are then taken best first from a
/// heap; a decision is returned only when both bounds agree on it. They disagree only when the
/// draw or P lands within about 1e-5 of a boundary, and the caller then sorts everything.
struct CertifiedDraw {
    let scores: UnsafeBufferPointer<Float>
    /// (vocab) scaled scores, from `ScaledScores.fill`.
    let xs: UnsafeBufferPointer<Float>
    let topP: Double?
    let minP: Double?
    let unit: Double
    /// Bounds on the rank-order sum T of every e_i.
    let totalLow: Double, totalHigh: Double
    let summary: ScaledScores.Summary
    let lowest: Float

    /// - Parameters:
    ///   - summary: what `ScaledScores.fill` learnt while filling `xs`.
    ///   - lowest: the lowest x, or -40 if lower (the range `FlatDraw` buckets).
    init(scores: UnsafeBufferPointer<Float>, xs: UnsafeBufferPointer<Float>, summary: ScaledScores.Summary, lowest: Float,
         topP: Float?, minP: Float?, unit: Double) {
        self.lowest = lowest
        let approximateSum = summary.sum
        self.summary = summary
        self.scores = scores
        self.xs = xs
        self.topP = topP.flatMap { $0 < 1 ? Double($0) : nil }
        self.minP = minP.flatMap { $0 > 0 ? Double($0) : nil }
        self.unit = unit
        // T is within (1 ± u)^n of the exact sum of the e_i, which is within relativeError of the
        // exact sum of the approximations (plus 2^-125 per token flushed to 0), which is within
        // blockError and (1 ± u)^n of approximateSum: 2.5 n u covers both (1 ± u)^n, 1e-15 the
        // roundings here.
        let n = Double(scores.count)
        let spread = FastExp.relativeError * 1.01 + ScaledScores.blockError + 2.5 * n * 0x1p-53 + 1e-15
        totalLow = max(1, approximateSum * (1 - spread))  // e_0 = e^0 = 1 is one of the terms
        totalHigh = approximateSum * (1 + spread) + n * 0x1p-124
    }

    /// How one attempt with a candidate set ended.
    enum Outcome { case chosen(Int), ambiguous, needsMoreCandidates }

    /// Candidate sets larger than this go to `FlatDraw` instead of the stream (with min-p, which
    /// `FlatDraw` does not take, to the full sort).
    static let streamLimit = 4096

    /// The chosen id, or nil when the bounds do not agree (or an input is not finite).
    func pick() -> Int? {
        guard totalLow.isFinite, totalHigh.isFinite, totalLow <= totalHigh else { return nil }
        // Candidate sets grow until one holds every token the decision looks at; the last is all.
        var ladder: [(tau: Float, count: Int?)] = zip(ScaledScores.ladder, summary.counts).map { ($0, $1) } + [(-.infinity, scores.count)]
        if let minP, topP == nil {
            // Without top-p, min-p counts over the whole vocabulary: the set must hold every token
            // that can pass. Below log(minP) - 0.01, e_i < 0.99 minP, so p_i < threshold for sure.
            let floor = Float(log(minP) - 0.01)
            ladder = ladder.map { $0.tau <= floor ? $0 : (floor, nil) }
        }
        for (tau, count) in ladder {
            // Too many candidates for the stream: without min-p, bucket them instead.
            if minP == nil, let count, count > Self.streamLimit {
                return FlatDraw(scores: scores, xs: xs, lowest: lowest, topP: topP, unit: unit).pick()
            }
            switch attempt(tau) {
            case .chosen(let id): return id
            case .ambiguous: return nil
            case .needsMoreCandidates: continue
            }
        }
        return nil
    }

    /// The decision from the tokens with x >= `tau`, which are a prefix of the rank order.
    func attempt(_ tau: Float) -> Outcome {
        let n = scores.count
        var stream = CandidateStream(scores: scores, xs: xs, tau: tau, totalLow: totalLow, totalHigh: totalHigh)
        let holdsEverything = stream.candidateCount == n
        // Min-p over a flat distribution: the stream would take thousands of tokens one by one
        // and its bounds on T are too loose for draws that fine; sorting everything is quicker.
        if minP != nil, stream.candidateCount > Self.streamLimit { return .ambiguous }
        // Top-p: the first i with c_i >= P. The high running sum reaches P first; the low one must
        // reach it at the same i.
        var keep = n
        if let topP {
            var i = 0
            while true {
                if i == stream.count, !stream.next() {
                    if holdsEverything { break }  // no c_i reaches P: every token is kept
                    return .needsMoreCandidates
                }
                if stream.high[i] >= topP {
                    guard stream.low[i] >= topP else { return .ambiguous }
                    keep = i + 1
                    break
                }
                i += 1
            }
        }
        // Min-p: p_i >= p_0 * minP among the kept, each comparison certain for every T in bounds.
        if let minP {
            if keep == n { while stream.next() {} }  // every token that can pass is a candidate
            let thresholdLow = stream.pLow[0] * minP, thresholdHigh = stream.pHigh[0] * minP
            var count = 0
            for i in 0..<min(keep, stream.count) {
                // e_i = e_0 = 1 gives p_i = p_0 >= p_0 * minP (minP <= 1) whatever T is.
                if (stream.e[i] == 1 && minP <= 1) || stream.pLow[i] >= thresholdHigh { count += 1 } else if stream.pHigh[i] >= thresholdLow { return .ambiguous }
            }
            keep = min(keep, max(1, count))
        }
        // The kept mass K = c_(keep-1); with the whole vocabulary kept, it is 1 within 3 n u.
        let keptLow: Double, keptHigh: Double
        if keep <= stream.count {
            keptLow = stream.low[keep - 1]
            keptHigh = stream.high[keep - 1]
        } else {
            let rho = 3 * (Double(n) + 2) * 0x1p-53 + 1e-15
            keptLow = 1 - rho
            keptHigh = 1 + rho
        }
        let drawLow = unit * keptLow, drawHigh = unit * keptHigh
        // The walk: the first i with draw < c_i, or the last kept.
        var i = 0
        while true {
            if i == stream.count, !stream.next() { return .needsMoreCandidates }
            if i == keep - 1 || drawHigh < stream.low[i] { return .chosen(stream.ids[i]) }
            guard drawLow >= stream.high[i] else { return .ambiguous }
            i += 1
        }
    }
}

/// Candidates best first, with their probabilities and running sums under both bounds of T.
struct CandidateStream {
    private var heap: KeyHeap
    private let xs: UnsafeBufferPointer<Float>
    private let totalLow: Double, totalHigh: Double
    let candidateCount: Int
    /// Ids taken so far, in rank order.
    private(set) var ids: [Int] = []
    /// e_i = exp(x_i), exactly as the softmax computes it.
    private(set) var e: [Double] = []
    /// p_i under T's upper and lower bound (so pLow <= p_i <= pHigh).
    private(set) var pLow: [Double] = [], pHigh: [Double] = []
    /// Running sums c_i of pLow and of pHigh.
    private(set) var low: [Double] = [], high: [Double] = []

    init(scores: UnsafeBufferPointer<Float>, xs: UnsafeBufferPointer<Float>, tau: Float, totalLow: Double, totalHigh: Double) {
        var keys: [UInt64] = []
        for i in 0..<xs.count where xs[i] >= tau { keys.append(RankKey.make(scores[i], i)) }
        candidateCount = keys.count
        heap = KeyHeap(keys: keys)
        self.xs = xs
        self.totalLow = totalLow
        self.totalHigh = totalHigh
    }

    var count: Int { ids.count }

    /// Takes the next candidate; false when there is none left.
    mutating func next() -> Bool {
        guard let key = heap.popFirst() else { return false }
        let id = RankKey.id(key)
        let e = Double(exp(xs[id]))  // the softmax's own e_i
        let a = e / totalHigh, b = e / totalLow
        ids.append(id)
        self.e.append(e)
        pLow.append(a)
        pHigh.append(b)
        low.append((low.last ?? 0) + a)
        high.append((high.last ?? 0) + b)
        return true
    }
}
