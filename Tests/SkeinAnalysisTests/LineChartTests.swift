import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import SkeinAnalysis

/// `LineChart` (written with SkeinEval's `SVGWriter`): well-formed, every series and marker drawn.
@Suite struct LineChartTests {
    @Test func everySeriesAndMarkerIsDrawn() {
        var chart = LineChart(title: "a & b", xLabel: "tokens", yLabel: "loss", series: [
            .init("full", [(x: 1, y: 2), (x: 10, y: 3), (x: 100, y: .nan)]),
            .init("s<e", [(x: 1, y: 1), (x: 100, y: 4)], dashed: true),
        ])
        chart.logX = true
        chart.verticalMarkers = [(x: 64, label: "L")]
        let svg = chart.svg()
        #expect(XMLParser(data: Data(svg.utf8)).parse(), "not well-formed: \(svg)")
        let polylines = svg.components(separatedBy: "<polyline").dropFirst()
        #expect(polylines.count == 2)
        // NaN is skipped; only the dashed series carries the series dash.
        func pointCount(_ element: String) -> Int {
            element.prefix { $0 != ">" }.components(separatedBy: "points=\"")[1].split(separator: " ").count
        }
        #expect(polylines.map(pointCount) == [2, 2])
        #expect(polylines.map { $0.contains("stroke-dasharray=\"6 4\"") } == [false, true])
        #expect(svg.contains(">full</text>") && svg.contains(">s&lt;e</text>") && svg.contains(">a &amp; b</text>"))
        #expect(svg.contains("stroke-dasharray=\"4 3\"") && svg.contains(">L</text>"))
        #expect(svg.contains("font-family=\"sans-serif\"") && svg.contains("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>"))
    }
}
