import Foundation

/// RoPE's long-term decay (RoFormer, Su et al., section 3.4.3) used as a relative bias proxy.
///
/// With the query-key product written as Re(sum_j h_j e^{i n theta_j}) over the d/2 rotated pairs,
/// Abel summation bounds it by max|h_{j+1} - h_j| * sum_j |S_j(n)|, where
/// S_j(n) = sum over k < j of e^{i n theta_k}. The bound's relative size
/// B(n) = (1 / (d/2)) * sum_{j=1}^{d/2} |S_j(n)| decays with the distance n, and B(n) / B(0) is the
/// weight RoPE alone leaves a key n tokens away. It does not decay to 0 fast enough to be summable,
/// so RoPE's TRF only exists relative to a finite horizon.
public enum RopeDecay {
    /// B(n) / B(0) for n in 0..<horizon. `inverseFrequencies` are the theta_k, (d/2).
    public static func relativeBound(inverseFrequencies: [Float], horizon: Int) -> [Double] {
        let half = inverseFrequencies.count
        guard half > 0, horizon > 0 else { return [] }
        let thetas = inverseFrequencies.map(Double.init)
        let atZero = Double(half + 1) / 2          // B(0) = (1/(d/2)) * sum_j j
        return (0..<horizon).map { n in
            var re = 0.0, im = 0.0, sum = 0.0
            for theta in thetas {
                let angle = Double(n) * theta
                re += cos(angle)
                im += sin(angle)
                sum += (re * re + im * im).squareRoot()
            }
            return sum / Double(half) / atZero
        }
    }

    /// TRF_eps of the RoPE decay proxy over distances 0..<horizon.
    public static func receptiveField(inverseFrequencies: [Float], horizon: Int, eps: Double) throws -> ReceptiveFieldValue {
        guard horizon >= 2 else { throw AnalysisError.invalidParameter(name: "horizon", reason: "must be at least 2, got \(horizon)") }
        guard !inverseFrequencies.isEmpty else { throw AnalysisError.noRotaryEmbedding(model: "the model") }
        let weights = relativeBound(inverseFrequencies: inverseFrequencies, horizon: horizon)
        return try TheoreticalReceptiveField.compute(
            weights: weights, name: "rope-decay", eps: eps,
            note: "RoFormer decay bound B(n)/B(0) is not summable; TRF normalized over distances 0..<\(horizon)")
    }
}
