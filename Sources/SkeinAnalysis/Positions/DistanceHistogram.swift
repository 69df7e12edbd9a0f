import SkeinEngine

/// How often each relative distance (query position - key position, as RoPE sees it) occurs.
///
/// STRING (An et al., 2024) points out that causal training at length L shows distance d in only
/// L - d (query, key) pairs: long distances are rare in training, which is why effective context
/// falls short of L. A policy at length N re-maps distances; this counts what it feeds RoPE.
public struct DistanceHistogram: Codable, Sendable, Equatable {
    /// What was counted, e.g. "training (L=256)" or "streaming:sinks=4,window=252 @ 2048".
    public var name: String
    /// counts[d] = number of (query, key) pairs at distance d (scaled back up when queries were sampled).
    public var counts: [Double]
    /// Pairs whose key is rotated after its query (negative distance); 0 for causal policies.
    public var negativeCount: Double

    public var total: Double { counts.reduce(0, +) + negativeCount }

    /// Causal training at length L: distance d occurs in L - d pairs, d = 0..<L.
    public static func training(length L: Int) -> DistanceHistogram {
        DistanceHistogram(name: "training (L=\(L))", counts: (0..<L).map { Double(L - $0) }, negativeCount: 0)
    }

    /// The distances `policy` makes a model see over a sequence of `length` tokens.
    ///
    /// Queries are sampled evenly (the last one always) when there are more than `maxQueries`; each
    /// sampled query then stands for length / sampled queries. LM-Infinite's optional top-k middle
    /// tokens count as k pairs spread evenly over the candidates.
    public static func policy(_ policy: AttentionPolicy, length: Int, maxQueries: Int = 512) throws -> DistanceHistogram {
        guard length >= 2 else { throw AnalysisError.invalidParameter(name: "length", reason: "must be at least 2, got \(length)") }
        guard maxQueries >= 1 else { throw AnalysisError.invalidParameter(name: "max-queries", reason: "must be at least 1") }
        let pattern = policy.explicitAttention
        let queries = sampledQueries(length: length, count: maxQueries)
        let weight = Double(length) / Double(queries.count)
        var counts = [Double](repeating: 0, count: length)
        var negative = 0.0
        func add(_ distance: Int, _ amount: Double) {
            guard distance >= 0 else { negative += amount; return }
            if distance >= counts.count { counts += [Double](repeating: 0, count: distance - counts.count + 1) }
            counts[distance] += amount
        }
        for i in queries {
            for j in 0...i where pattern.isVisible(i, j) {
                let (qp, kp) = pattern.positions(i, j)
                add(qp - kp, weight)
            }
            if let selection = pattern.selection, selection.k > 0 {
                let candidates = (0...i).filter { selection.isCandidate(i, $0) }
                let share = Double(min(selection.k, candidates.count)) / Double(max(1, candidates.count))
                for j in candidates {
                    let (qp, kp) = selection.positions(i, j)
                    add(qp - kp, weight * share)
                }
            }
        }
        return DistanceHistogram(name: "\(policy) @ \(length)", counts: counts, negativeCount: negative)
    }

    /// `count` query indices spread evenly over 0..<length, ending at length - 1.
    static func sampledQueries(length: Int, count: Int) -> [Int] {
        guard count < length else { return Array(0..<length) }
        return (1...count).map { (length * $0) / count - 1 }
    }

    /// Share of pairs at distance >= `distance` (never seen in training when distance = L).
    public func share(atLeast distance: Int) -> Double {
        guard total > 0 else { return 0 }
        return counts.dropFirst(min(distance, counts.count)).reduce(0, +) / total
    }

    /// The smallest distance D such that distances >= D make up at most `share` of training pairs
    /// at length L: (L - D)(L - D + 1) / (L (L + 1)) <= share. Distances from D on are "rare".
    public static func rareDistance(trainingLength L: Int, share: Double) -> Int {
        let all = Double(L) * Double(L + 1)
        return (0...L).first { D in Double(L - D) * Double(L - D + 1) / all <= share } ?? L
    }
}

/// The distance profile of one policy at one length next to training.
public struct PositionsComparison: Codable, Sendable {
    public var trainingLength: Int
    public var length: Int
    public var policy: String
    /// Distances from this one on make up at most `rareShare` of training pairs.
    public var rareDistance: Int
    public var rareShare: Double
    /// Share of the policy's pairs at distances >= L (never seen in training).
    public var unseenShare: Double
    /// Share of the policy's pairs at distances in rareDistance..<L (seen, but rarely).
    public var rareShareOfPolicy: Double
    /// Largest distance the policy uses.
    public var maxDistance: Int
    public var histogram: DistanceHistogram

    public init(policy: AttentionPolicy, length: Int, trainingLength L: Int, rareShare: Double = 0.05, maxQueries: Int = 512) throws {
        try AnalysisError.checkEpsilon(rareShare, name: "rare-share")
        histogram = try DistanceHistogram.policy(policy, length: length, maxQueries: maxQueries)
        trainingLength = L
        self.length = length
        self.policy = policy.description
        self.rareShare = rareShare
        rareDistance = DistanceHistogram.rareDistance(trainingLength: L, share: rareShare)
        unseenShare = histogram.share(atLeast: L) + (histogram.total > 0 ? histogram.negativeCount / histogram.total : 0)
        rareShareOfPolicy = histogram.share(atLeast: rareDistance) - histogram.share(atLeast: L)
        maxDistance = histogram.counts.lastIndex { $0 > 0 } ?? 0
    }
}
