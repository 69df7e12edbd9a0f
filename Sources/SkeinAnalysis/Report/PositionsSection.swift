import Foundation

extension PositionsAnalysis {
    /// Share of pairs per distance bin: training next to each policy at the longest length.
    public func section() -> AnalysisSection {
        let longest = comparisons.map(\.length).max() ?? trainingLength
        let binWidth = max(1, trainingLength / 16)
        /// (bin centre, share of pairs per distance in the bin).
        func profile(_ h: DistanceHistogram) -> [(x: Double, y: Double)] {
            let total = max(h.total, 1)
            return stride(from: 0, to: h.counts.count, by: binWidth).map { first in
                let bin = h.counts[first..<min(h.counts.count, first + binWidth)]
                return (x: Double(first) + Double(bin.count) / 2, y: bin.reduce(0, +) / Double(bin.count) / total)
            }
        }
        var chart = LineChart(title: "Relative distances RoPE sees: training at \(trainingLength) vs policies at \(longest) tokens",
                              xLabel: "relative distance (bins of \(binWidth))", yLabel: "share of (query, key) pairs per distance",
                              series: [LineChart.Series(training.name, profile(training), dashed: true)]
                                  + comparisons.filter { $0.length == longest }.map { LineChart.Series($0.policy, profile($0.histogram)) })
        chart.verticalMarkers = [(Double(trainingLength), "L"), (Double(comparisons.first?.rareDistance ?? trainingLength), "rare from here")]
        let intro = "Causal training at length L = \(trainingLength) shows distance d in only L - d pairs, so long distances are rarely "
            + "trained (STRING, An et al. 2024). Distances at or beyond L were never seen; \"rare\" distances are the longest ones that together "
            + "make up \(Int((comparisons.first?.rareShare ?? 0.05) * 100))% of training pairs."
        return AnalysisSection(kind: .positions, title: "Relative-distance coverage", intro: intro, charts: [("positions.svg", chart)], tables: [table])
    }

    public var table: String {
        var lines = ["policy                                      length  max distance  unseen (>= L)  rare"]
        for c in comparisons {
            lines.append(String(format: "%@ %7d %13d %13.1f%% %5.1f%%", c.policy.padding(toLength: 42, withPad: " ", startingAt: 0) as NSString,
                                c.length, c.maxDistance, 100 * c.unseenShare, 100 * c.rareShareOfPolicy))
        }
        return lines.joined(separator: "\n")
    }
}
