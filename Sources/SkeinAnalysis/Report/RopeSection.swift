import Foundation

extension RopeDimensions {
    /// Wavelength and stretch per dimension pair for each scaling, with the training length marked.
    public func section() -> AnalysisSection {
        let pairs = rotaryDim / 2
        var wavelengthsChart = LineChart(
            title: "RoPE wavelength per dimension pair (d = \(rotaryDim), base = \(format(base)))",
            xLabel: "dimension pair i (dims 2i, 2i+1)", yLabel: "wavelength 2 pi / theta_i (tokens)",
            series: scalings.map { s in LineChart.Series(s.name, s.wavelengths.enumerated().map { (x: Double($0.offset), y: $0.element) }) })
        wavelengthsChart.logY = true
        wavelengthsChart.horizontalMarkers = [(Double(trainingLength), "training length \(trainingLength)")]
        wavelengthsChart.verticalMarkers = [(Double(criticalDimension / 2) - 0.5, "critical dimension \(criticalDimension)")]
        let stretchChart = LineChart(
            title: "What each scaling does: theta(unscaled) / theta(scaled) per dimension pair",
            xLabel: "dimension pair i", yLabel: "stretch (1 = extrapolated, factor = interpolated)",
            series: scalings.map { s in LineChart.Series(s.name, s.stretch.enumerated().map { (x: Double($0.offset), y: $0.element) }) })
        let intro = "Dimension pair i rotates with wavelength 2 pi base^(2i/d). Pairs whose wavelength fits in the training length "
            + "saw every phase in training; the others did not, and extrapolate poorly. Liu et al. (\"Scaling Laws of RoPE-based "
            + "Extrapolation\") call the number of such dimensions the critical dimension d_extra = 2 ceil((d/2) log_base(L / 2 pi)) = "
            + "<b>\(criticalDimension)</b> of \(rotaryDim) here (counted from the wavelengths: \(dimensionsWithFullPeriod)), of \(pairs) pairs."
        return AnalysisSection(kind: .rope, title: "RoPE dimensions and scalings", intro: intro,
                               charts: [("rope-wavelengths.svg", wavelengthsChart), ("rope-stretch.svg", stretchChart)], tables: [table])
    }

    /// Per scaling: dimensions with a full period inside L, attention scaling, stretch range.
    public var table: String {
        var lines = ["rotary dim \(rotaryDim), base \(format(base)), training length \(trainingLength): critical dimension \(criticalDimension)", "",
                     "scaling                      dims with wavelength <= L   attention scale   stretch min..max"]
        for s in scalings {
            lines.append(String(format: "%@ %27d %17.3f   %.2f..%.2f", s.name.padding(toLength: 28, withPad: " ", startingAt: 0) as NSString,
                                s.dimensionsWithFullPeriod, s.attentionScaling, s.stretch.min() ?? 1, s.stretch.max() ?? 1))
        }
        return lines.joined(separator: "\n")
    }
}
