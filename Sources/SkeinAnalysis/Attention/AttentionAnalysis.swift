import Foundation
import SkeinEngine
import SkeinEval

/// The LM-Infinite diagnosis for one model: attention entropy, maximum logit and the shares on
/// sinks and the local window, per layer, head and query position, at several lengths and methods.
public struct AttentionAnalysis: Codable, Sendable {
    public var model: String
    public var trainingLength: Int
    public var regions: AttentionShareRegions
    /// Query positions are averaged in bins of this many tokens.
    public var binWidth: Int
    public var runs: [Run]

    /// One method at one length.
    public struct Run: Codable, Sendable {
        public var method: String
        public var commandLine: String
        public var length: Int
        /// First query position of each bin: (bins).
        public var binStarts: [Int]
        /// Per layer, head and bin: (layer, head, bin).
        public var entropy: [[[Double]]]
        public var maxLogit: [[[Double]]]
        public var sinkShare: [[[Double]]]
        public var localShare: [[[Double]]]
        /// Averaged over layers and heads: (bin).
        public var meanEntropy: [Double]
        public var meanMaxLogit: [Double]
        public var meanSinkShare: [Double]
        public var meanLocalShare: [Double]
        /// Entropy averaged over heads, per layer: (layer, bin).
        public var layerEntropy: [[Double]]
        /// Averages over the last bin (the queries nearest the end of the sequence).
        public var tail: Summary
        public var seconds: Double
    }

    /// Four averages of one set of attention rows.
    public struct Summary: Codable, Sendable {
        public var entropy: Double
        public var maxLogit: Double
        public var sinkShare: Double
        public var localShare: Double
    }

    /// Runs every method at every length over the first `length` tokens of `tokens`.
    /// - Parameter progress: (layers done, layers in all runs).
    /// - Throws: `AnalysisError` for lengths < 2 or longer than the text; engine errors for bad methods.
    public static func measure(model: TransformerModel, modelName: String, methods: [Method], tokens: [Int], lengths: [Int],
                               regions: AttentionShareRegions, binWidth: Int? = nil,
                               progress: (Int, Int) -> Void = { _, _ in }) throws -> AttentionAnalysis {
        try AnalysisError.checkLengths(lengths)
        guard let longest = lengths.max(), longest <= tokens.count else {
            throw AnalysisError.textTooShort(needed: lengths.max() ?? 0, available: tokens.count)
        }
        let width = binWidth ?? max(1, model.trainingLength / 4)
        guard width >= 1 else { throw AnalysisError.invalidParameter(name: "bin-width", reason: "must be >= 1") }
        let prepared = try methods.map { method in (method, try method.apply(to: model)) }
        let total = prepared.count * lengths.count * model.configuration.layerCount
        var done = 0
        var runs: [Run] = []
        for (method, (scaled, policy)) in prepared {
            for length in lengths {
                let start = Date()
                let (statistics, _) = try AttentionStatisticsPass(model: scaled).run(
                    Array(tokens.prefix(length)), attention: policy.explicitAttention, regions: regions) { layers in
                    progress(done + layers, total)
                }
                done += model.configuration.layerCount
                runs.append(Run(method: method.name, commandLine: method.commandLine, statistics: statistics,
                                binWidth: width, seconds: Date().timeIntervalSince(start)))
            }
        }
        return AttentionAnalysis(model: modelName, trainingLength: model.trainingLength, regions: regions, binWidth: width, runs: runs)
    }
}

extension AttentionAnalysis.Run {
    init(method: String, commandLine: String, statistics s: AttentionStatistics, binWidth: Int, seconds: Double) {
        let n = s.queryCount
        let starts = Array(stride(from: 0, to: n, by: binWidth))
        /// (layer, head, bin) means of one flat statistic.
        func binned(_ values: [Float]) -> [[[Double]]] {
            (0..<s.layerCount).map { layer in
                (0..<s.headCount).map { head in
                    starts.map { first in
                        let range = first..<min(n, first + binWidth)
                        var sum = 0.0
                        for i in range { sum += Double(values[s.index(layer: layer, head: head, query: i)]) }
                        return sum / Double(range.count)
                    }
                }
            }
        }
        func mean(_ cube: [[[Double]]]) -> [Double] {
            let rows = cube.flatMap { $0 }
            return starts.indices.map { bin in rows.map { $0[bin] }.reduce(0, +) / Double(rows.count) }
        }
        self.method = method
        self.commandLine = commandLine
        length = n
        binStarts = starts
        entropy = binned(s.entropy)
        maxLogit = binned(s.maxLogit)
        sinkShare = binned(s.sinkShare)
        localShare = binned(s.localShare)
        meanEntropy = mean(entropy)
        meanMaxLogit = mean(maxLogit)
        meanSinkShare = mean(sinkShare)
        meanLocalShare = mean(localShare)
        layerEntropy = entropy.map { heads in starts.indices.map { bin in heads.map { $0[bin] }.reduce(0, +) / Double(heads.count) } }
        tail = AttentionAnalysis.Summary(entropy: meanEntropy.last ?? 0, maxLogit: meanMaxLogit.last ?? 0,
                                         sinkShare: meanSinkShare.last ?? 0, localShare: meanLocalShare.last ?? 0)
        self.seconds = seconds
    }
}
