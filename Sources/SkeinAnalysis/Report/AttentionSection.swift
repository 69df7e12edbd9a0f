import Foundation

extension AttentionAnalysis {
    /// Charts of entropy, max logit and shares against query position (longest length) and
    /// of the tail averages against length, one line per method.
    public func section() -> AnalysisSection {
        let L = Double(trainingLength)
        let longest = runs.map(\.length).max() ?? 0
        let atLongest = runs.filter { $0.length == longest }
        let methods = runs.map(\.method).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        func centers(_ run: Run) -> [Double] { run.binStarts.map { Double($0) + Double(min(binWidth, run.length - $0)) / 2 } }
        func byPosition(_ title: String, _ y: String, _ values: (Run) -> [Double]) -> LineChart {
            var chart = LineChart(title: title, xLabel: "query position (bins of \(binWidth))", yLabel: y,
                                  series: atLongest.map { run in LineChart.Series(run.method, Array(zip(centers(run), values(run)).map { (x: $0, y: $1) })) })
            chart.verticalMarkers = [(L, "training length \(trainingLength)")]
            return chart
        }
        func byLength(_ title: String, _ y: String, _ value: (Summary) -> Double) -> LineChart {
            var chart = LineChart(title: title, xLabel: "sequence length (tokens)", yLabel: y, series: methods.map { method in
                LineChart.Series(method, runs.filter { $0.method == method }.map { (x: Double($0.length), y: value($0.tail)) })
            })
            chart.logX = true
            chart.verticalMarkers = [(L, "L")]
            return chart
        }
        var shares = byPosition("Attention on the first \(regions.sinks) tokens (solid) and the local window of \(regions.localWindow) (dashed) at \(longest) tokens",
                                "share of attention", \.meanSinkShare)
        shares.series += atLongest.map { run in LineChart.Series("\(run.method) local", Array(zip(centers(run), run.meanLocalShare).map { (x: $0, y: $1) }), dashed: true) }
        var layers: [LineChart.Series] = []
        if let full = atLongest.first {
            layers = full.layerEntropy.enumerated().map { LineChart.Series("\(full.method) layer \($0.offset)", Array(zip(centers(full), $0.element).map { (x: $0, y: $1) })) }
        }
        var perLayer = LineChart(title: "Entropy per layer (\(atLongest.first?.method ?? "")) at \(longest) tokens", xLabel: "query position",
                                 yLabel: "entropy (nats)", series: layers)
        perLayer.verticalMarkers = [(L, "L")]
        let charts: [(name: String, chart: LineChart)] = [
            ("attention-entropy.svg", byPosition("Attention entropy vs query position at \(longest) tokens (mean over layers and heads)", "entropy (nats)", \.meanEntropy)),
            ("attention-max-logit.svg", byPosition("Maximum attention logit vs query position at \(longest) tokens (mean over layers and heads)", "max logit", \.meanMaxLogit)),
            ("attention-shares.svg", shares),
            ("attention-entropy-layers.svg", perLayer),
            ("attention-entropy-by-length.svg", byLength("Entropy of the last \(binWidth) queries vs length", "entropy (nats)", \.entropy)),
            ("attention-max-logit-by-length.svg", byLength("Max logit of the last \(binWidth) queries vs length", "max logit", \.maxLogit)),
        ]
        return AnalysisSection(
            kind: .attention, title: "Attention entropy and logits (LM-Infinite's diagnosis)",
            intro: "Model <code>\(model)</code> trained at \(trainingLength) tokens. Per query: entropy of the attention distribution, largest logit, "
                + "and the attention mass on the first \(regions.sinks) tokens and on the local window (the last \(regions.localWindow) keys, sinks excluded). "
                + "LM-Infinite predicts entropy and max logit rising past the training length under full attention and held flat by a bounded policy.",
            charts: charts, tables: [table])
    }

    /// Tail averages per method and length, as text.
    public var table: String {
        var lines = ["method        length   x L   entropy  max-logit  sink-share  local-share   seconds"]
        for run in runs {
            lines.append(String(format: "%-12@ %7d %5.1f %9.3f %10.3f %11.3f %12.3f %9.1f", run.method.padding(toLength: 12, withPad: " ", startingAt: 0) as NSString,
                                run.length, Double(run.length) / Double(trainingLength), run.tail.entropy, run.tail.maxLogit,
                                run.tail.sinkShare, run.tail.localShare, run.seconds))
        }
        return lines.joined(separator: "\n") + "\n(averages over the last \(binWidth) queries of each sequence, all layers and heads)"
    }
}
