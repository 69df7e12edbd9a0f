import Foundation

/// One theoretical receptive field: TRF_eps = the smallest n such that the first n distances
/// (0..<n) carry at least 1 - eps of the total weight sum over i of exp(b(i)).
public struct ReceptiveFieldValue: Codable, Sendable, Equatable {
    /// The bias, e.g. "alibi:m=0.0625" or "rope-decay".
    public var name: String
    public var eps: Double
    /// TRF_eps in tokens; nil when the weights are not summable (no finite receptive field).
    public var value: Double?
    /// True when every term up to the answer was summed; false for the Euler-Maclaurin estimate
    /// used past 2^20 terms.
    public var isExact: Bool
    /// Caveats: divergence, a finite horizon.
    public var note: String?
    /// (n, share of the total weight within distances 0..<n) on a geometric grid, for charts.
    public var curve: [[Double]]
}

/// Computes TRF_eps for analytic biases (with their infinite tails) and for tabulated weights.
public enum TheoreticalReceptiveField {
    /// Terms summed one by one before switching to the analytic tail.
    static let explicitTerms = 1 << 20

    /// TRF_eps of `bias`; the curve runs from 1 to `curveLimit` tokens.
    /// - Throws: `AnalysisError` for eps outside (0, 1) or parameters outside the bias's domain.
    public static func compute(_ bias: RelativeBias, eps: Double, curveLimit: Double = 65_536) throws -> ReceptiveFieldValue {
        try AnalysisError.checkEpsilon(eps)
        try bias.validate()
        guard bias.isSummable else {
            return ReceptiveFieldValue(name: bias.description, eps: eps, value: nil, isExact: false,
                                       note: bias.divergenceReason, curve: [])
        }
        // partial[n] = sum over i < n of exp(b(i)), n = 0...explicitTerms.
        var partial = [Double](repeating: 0, count: explicitTerms + 1)
        for i in 0..<explicitTerms { partial[i + 1] = partial[i] + bias.weight(Double(i)) }
        let total = partial[explicitTerms] + bias.tail(from: Double(explicitTerms))
        let target = (1 - eps) * total
        func share(_ n: Double) -> Double {
            n <= Double(explicitTerms) ? partial[Int(n)] / total : 1 - bias.tail(from: n) / total
        }
        let curve = geometricGrid(upTo: curveLimit).map { [$0, share($0)] }
        if partial[explicitTerms] >= target {
            let n = firstIndex(in: partial, reaching: target)
            return ReceptiveFieldValue(name: bias.description, eps: eps, value: Double(n), isExact: true, note: nil, curve: curve)
        }
        // Past the explicit terms: bisect in log n on tail(n) <= eps * total.
        var low = Double(explicitTerms), high = low
        while bias.tail(from: high) > eps * total {
            high *= 2
            if high > 1e300 {
                return ReceptiveFieldValue(name: bias.description, eps: eps, value: nil, isExact: false,
                                           note: "converges too slowly: TRF exceeds 1e300 tokens", curve: curve)
            }
        }
        for _ in 0..<200 where high - low > max(1, low * 1e-12) {
            let mid = (low * high).squareRoot()
            if bias.tail(from: mid) > eps * total { low = mid } else { high = mid }
        }
        return ReceptiveFieldValue(name: bias.description, eps: eps, value: high.rounded(.up), isExact: false,
                                   note: "estimated from the analytic tail (beyond 2^20 tokens)", curve: curve)
    }

    /// TRF_eps of tabulated weights w[i] >= 0 for distances 0..<w.count, normalized over that
    /// finite horizon (for biases whose series diverges, such as RoPE's decay bound).
    public static func compute(weights: [Double], name: String, eps: Double, note: String?) throws -> ReceptiveFieldValue {
        try AnalysisError.checkEpsilon(eps)
        guard !weights.isEmpty, weights.allSatisfy({ $0 >= 0 && $0.isFinite }), weights.contains(where: { $0 > 0 }) else {
            throw AnalysisError.invalidParameter(name: name, reason: "weights must be finite, non-negative and not all zero")
        }
        var partial = [Double](repeating: 0, count: weights.count + 1)
        for (i, w) in weights.enumerated() { partial[i + 1] = partial[i] + w }
        let total = partial[weights.count]
        let n = firstIndex(in: partial, reaching: (1 - eps) * total)
        let curve = geometricGrid(upTo: Double(weights.count)).map { [$0, partial[Int($0)] / total] }
        return ReceptiveFieldValue(name: name, eps: eps, value: Double(n), isExact: true, note: note, curve: curve)
    }

    /// The smallest n with partial[n] >= target (partial ascending, target <= its last value).
    static func firstIndex(in partial: [Double], reaching target: Double) -> Int {
        var low = 1, high = partial.count - 1
        while low < high {
            let mid = (low + high) / 2
            if partial[mid] >= target { high = mid } else { low = mid + 1 }
        }
        return low
    }

    /// 1, then about eight points per doubling, up to `limit` (integers, ascending, limit included).
    static func geometricGrid(upTo limit: Double) -> [Double] {
        var points: [Double] = []
        var x = 1.0
        while x < limit {
            let rounded = x.rounded()
            if points.last != rounded { points.append(rounded) }
            x *= pow(2, 1.0 / 8)
        }
        points.append(limit.rounded(.down))
        return points
    }
}
