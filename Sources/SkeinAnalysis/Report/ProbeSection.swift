import Foundation

extension ContextProbe {
    /// Perplexity against window, and how many tokens need each window.
    public func section(model: String, trainingLength: Int) -> AnalysisSection {
        var perplexityChart = LineChart(title: "Perplexity with only the previous w tokens visible", xLabel: "window w (tokens)",
                                        yLabel: "perplexity", series: [LineChart.Series(model, zip(windows, perplexity).map { (x: Double($0), y: $1) })])
        perplexityChart.logX = true
        perplexityChart.logY = true
        perplexityChart.verticalMarkers = [(medianEffectiveContext, "median effective context")]
        var histogramChart = LineChart(title: "Effective context per token (share of tokens)", xLabel: "effective context (tokens)",
                                       yLabel: "share of tokens",
                                       series: [LineChart.Series(model, zip(windows, effectiveContextHistogram).map { (x: Double($0), y: Double($1) / Double(targets.count)) })])
        histogramChart.logX = true
        let intro = "Context-length probing (after Cifka &amp; Liutkus, 2023) on \(targets.count) tokens at positions \(targets.first ?? 0)..\(targets.last ?? 0): "
            + "each token is scored with only its previous w tokens visible. A token's effective context is the smallest window from which "
            + "every larger window stays within \(format(tolerance)) nats of the full-context (w = \(windows.last ?? 0)) log-probability. "
            + "Median effective context: <b>\(format(medianEffectiveContext))</b> tokens (training length \(trainingLength)); "
            + "median first window within the tolerance (a larger window may stray again): \(format(medianFirstWithinTolerance))."
        return AnalysisSection(kind: .probe, title: "Context-length probing", intro: intro,
                               charts: [("probe-perplexity.svg", perplexityChart), ("probe-effective-context.svg", histogramChart)], tables: [table])
    }

    public var table: String {
        var lines = ["window   mean NLL   perplexity   tokens with this effective context"]
        for (index, w) in windows.enumerated() {
            lines.append(String(format: "%6d %10.3f %12.2f %10d", w, meanNegativeLogLikelihood[index], perplexity[index], effectiveContextHistogram[index]))
        }
        lines.append("median effective context: \(format(medianEffectiveContext)) tokens (every larger window within \(format(tolerance)) nats)")
        lines.append("median first window within \(format(tolerance)) nats of full context: \(format(medianFirstWithinTolerance)) tokens")
        return lines.joined(separator: "\n")
    }
}
