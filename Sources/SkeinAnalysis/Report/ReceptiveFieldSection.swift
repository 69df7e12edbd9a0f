extension ReceptiveFieldAnalysis {
    /// One chart: each bias's cumulative weight share against n, and the model's perplexity
    /// ratio ppl(full) / ppl(w) against window w, with TRF and ERF marked.
    public func section() -> AnalysisSection {
        var series = theoretical.filter { !$0.curve.isEmpty }.map { value in
            LineChart.Series("TRF " + value.name, value.curve.map { (x: $0[0], y: $0[1]) })
        }
        var markers = theoretical.compactMap { value in value.value.flatMap { $0 <= 1e7 ? (x: $0, label: "") : nil } }
        if let e = empirical {
            let full = e.perplexity[e.perplexity.count - 1]
            series.append(LineChart.Series("ERF: ppl(full)/ppl(w)", zip(e.windows, e.perplexity).map { (x: Double($0), y: full / $1) }, dashed: true))
            markers.append((Double(e.value), "ERF \(e.value)"))
        }
        var chart = LineChart(title: "Receptive fields: cumulative share of exp(bias) within n tokens, and the model's perplexity ratio",
                              xLabel: "distance / window n (tokens)", yLabel: "share reached", series: series)
        chart.logX = true
        chart.verticalMarkers = markers
        chart.horizontalMarkers = [(1 - eps, "1 - eps")]
        var intro = "TRF<sub>eps</sub> is the smallest n whose distances 0..n-1 carry 1 - eps of the total weight sum of exp(b(i)) "
            + "(Qin et al., \"Exploring Transformer Extrapolation\"). A bias whose weights are not summable has no finite TRF. "
            + "RoPE's curve uses RoFormer's long-term decay bound as the bias, normalized over a finite horizon because it is not summable."
        if let model {
            intro += " The ERF of <code>\(model)</code> is the smallest context window whose perplexity is within the tolerance of full context."
        }
        return AnalysisSection(kind: .trf, title: "Theoretical and empirical receptive fields", intro: intro,
                               charts: [("trf.svg", chart)], tables: [table])
    }
}
