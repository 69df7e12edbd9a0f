/// The empirical receptive field: the smallest window whose perplexity is within a relative
/// tolerance of the full-context perplexity, read from a context probe's perplexity sweep.
public struct EmpiricalReceptiveField: Codable, Sendable {
    public var windows: [Int]
    public var perplexity: [Double]
    /// Relative tolerance: ERF is the smallest w with ppl(w) <= (1 + tolerance) * ppl(full).
    public var tolerance: Double
    public var value: Int
    /// Tokens scored per window.
    public var tokenCount: Int

    public init(probe: ContextProbe, tolerance: Double) throws {
        try AnalysisError.checkEpsilon(tolerance, name: "erf-tolerance")
        windows = probe.windows
        perplexity = probe.perplexity
        self.tolerance = tolerance
        tokenCount = probe.targets.count
        let full = probe.perplexity[probe.perplexity.count - 1]
        value = zip(probe.windows, probe.perplexity).first { $0.1 <= (1 + tolerance) * full }?.0 ?? probe.windows[probe.windows.count - 1]
    }
}
