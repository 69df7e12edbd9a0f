import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import SkeinEval

/// The elements and texts of an SVG document, read back with `XMLParser`.
final class SVGElements: NSObject, XMLParserDelegate {
    private(set) var counts: [String: Int] = [:]
    /// The content of every `<text>`, unescaped.
    private(set) var texts: [String] = []
    /// The attributes of every element, in document order.
    private(set) var elements: [(name: String, attributes: [String: String])] = []
    /// Whether the document parsed: well-formed XML.
    private(set) var parsed = false
    private var current: String?

    init(_ svg: String) {
        super.init()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = self
        parsed = parser.parse()
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        counts[name, default: 0] += 1
        elements.append((name, attributes))
        if name == "text" { current = "" }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { current? += string }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "text", let text = current { texts.append(text); current = nil }
    }
}

/// `SVGWriter`, and the two SkeinEval charts written with it: well-formed, one line per series.
@Suite struct SVGWriterTests {
    @Test func elementsAreEscapedAndWellFormed() throws {
        var svg = SVGWriter(width: 100, height: 50, fontSize: 12, fontFamily: "sans-serif", number: { String(format: "%.1f", $0) })
        svg.background("white")
        svg.text("a<b & \"c\"", x: 1, y: 2, size: 15, anchor: "end", fill: "#555")
        svg.verticalText("y & z", x: 16, y: 25)
        svg.line(x1: 0, y1: 1, x2: 2, y2: 3, stroke: "#eee", dash: "4 3")
        svg.polyline([(x: 1, y: 2), (x: 3.25, y: 4)], stroke: "#1f77b4")
        svg.circle(x: 1, y: 2, radius: 3, fill: "red")
        svg.legend("series", color: "#d62728", x: 10, y: 20)
        let document = svg.document
        #expect(document.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100\" height=\"50\" font-size=\"12\" font-family=\"sans-serif\">"))
        #expect(document.hasSuffix("</svg>"))
        #expect(document.contains("points=\"1.0,2.0 3.2,4.0\"") || document.contains("points=\"1.0,2.0 3.3,4.0\""))
        let read = SVGElements(document)
        #expect(read.parsed)
        #expect(read.counts == ["svg": 1, "rect": 2, "text": 3, "line": 1, "polyline": 1, "circle": 1])
        #expect(read.texts == ["a<b & \"c\"", "y & z", "series"])
        let line = try #require(read.elements.first { $0.name == "line" })
        #expect(line.attributes == ["x1": "0.0", "x2": "2.0", "y1": "1.0", "y2": "3.0", "stroke": "#eee", "stroke-dasharray": "4 3"])
    }

    /// The sweep chart: one polyline and one legend entry per series, a dot per finite point.
    @Test func theLineChartHasEverySeries() {
        let chart = HTMLReport.chart(title: "t & u", xLabels: ["256", "512", "1024"], yMax: 1, logY: false,
                                     yFormat: { String(format: "%.0f%%", $0 * 100) },
                                     series: [("full", [1, 0, nil]), ("s<e", [1, 1, 0.5])])
        let read = SVGElements(chart)
        #expect(read.parsed)
        #expect(read.counts["polyline"] == 2)
        #expect(read.counts["circle"] == 2 + 3)
        #expect(read.texts.contains("full") && read.texts.contains("s<e") && read.texts.first == "t & u")
        let lines = read.elements.filter { $0.name == "polyline" }
        #expect(lines.map { $0.attributes["points"]?.split(separator: " ").count } == [2, 3])
        #expect(lines.map { $0.attributes["stroke"] } == [HTMLReport.palette[0], HTMLReport.palette[1]])
    }

    /// The heatmap: a cell per (row, column) with its value, "-" where there is none.
    @Test func theHeatmapHasEveryCell() {
        let svg = HTMLReport.heatmap(title: "h", rows: ["a", "b"], columns: ["1k", "2k", "4k"], values: [[1, 0.5, nil], [0, 1]])
        let read = SVGElements(svg)
        #expect(read.parsed)
        #expect(read.counts["rect"] == 6)
        #expect(read.texts == ["h", "a", "100", "50", "-", "b", "0", "100", "-", "1k", "2k", "4k"])
    }
}
