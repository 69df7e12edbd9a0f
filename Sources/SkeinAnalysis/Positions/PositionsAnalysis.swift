import SkeinEngine
import SkeinEval

/// Relative distances seen in training next to those several policies produce at several lengths.
public struct PositionsAnalysis: Codable, Sendable {
    public var model: String
    public var trainingLength: Int
    public var training: DistanceHistogram
    public var comparisons: [PositionsComparison]

    /// Counts every method at every length (queries subsampled to `maxQueries`).
    public static func measure(model: TransformerModel, modelName: String, methods: [Method], lengths: [Int],
                               rareShare: Double = 0.05, maxQueries: Int = 512,
                               progress: (Int, Int) -> Void = { _, _ in }) throws -> PositionsAnalysis {
        try AnalysisError.checkLengths(lengths)
        let L = model.trainingLength
        var comparisons: [PositionsComparison] = []
        for method in methods {
            let (_, policy) = try method.apply(to: model)
            for length in lengths {
                comparisons.append(try PositionsComparison(policy: policy, length: length, trainingLength: L,
                                                           rareShare: rareShare, maxQueries: maxQueries))
                progress(comparisons.count, methods.count * lengths.count)
            }
        }
        return PositionsAnalysis(model: modelName, trainingLength: L, training: .training(length: L), comparisons: comparisons)
    }
}
