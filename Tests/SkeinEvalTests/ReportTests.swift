import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import SkeinEval

@Suite struct ReportTests {
    @Test func bandsDoubleFromTheTrainingLength() {
        #expect(PerplexityCurve.doublingBands(trainingLength: 256, maxLength: 4096)
            == [0..<256, 256..<512, 512..<1024, 1024..<2048, 2048..<4096])
        #expect(PerplexityCurve.doublingBands(trainingLength: 256, maxLength: 700) == [0..<256, 256..<512, 512..<700])
    }

    @Test func textTableAlignsColumns() {
        let table = TextTable.render([["method", "256"], ["full", "100%"], ["self-extend", "80%"]])
        let lines = table.split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        #expect(Set(lines.map(\.count)).count == 1)
        #expect(lines[2].hasPrefix("full ") && lines[2].hasSuffix("100%"))
    }

    @Test func reportEscapesNamesAndCarriesTheMarker() {
        let results = LengthSweep.Results(
            model: "m<x>", trainingLength: 256, lengths: [256, 512], trials: 2,
            methods: [Method(name: "a&b", attention: "full")], passkey: ["a&b": [1, 0.5]],
            bands: [[0, 256], [256, 512]], perplexity: ["a&b": [3.0, nil]], seconds: 1)
        let html = HTMLReport.render(results, title: "t")
        #expect(html.contains(HTMLReport.marker))
        #expect(html.contains("m&lt;x&gt;") && html.contains("a&amp;b"))
        #expect(!html.contains("m<x>"))
        #expect(html.contains("<polyline"))
    }

    @Test func chartsAreWellFormedSVG() throws {
        let results = LengthSweep.Results(
            model: "m", trainingLength: 256, lengths: [256, 512, 1024], trials: 2,
            methods: [Method(name: "full"), Method(name: "s&e", attention: "self-extend")],
            passkey: ["full": [1, 0, 0], "s&e": [1, 1, 0.5]],
            bands: [[0, 256], [256, 512], [512, 1024]], perplexity: ["full": [3, 9, nil], "s&e": [3, 3.5, 4]], seconds: 1)
        var svgs = [String]()
        var rest = Substring(([HTMLReport.render(results, title: "t")] + (try ChromiumRenderTests.reports()).map(\.1)).joined())
        while let start = rest.range(of: "<svg"), let end = rest.range(of: "</svg>", range: start.upperBound..<rest.endIndex) {
            svgs.append(String(rest[start.lowerBound..<end.upperBound]))
            rest = rest[end.upperBound...]
        }
        #expect(svgs.count == 2 + 1 + 2 + 2 + 3)  // this report, then eval (chart + 2 heatmaps), demo, efficiency
        for svg in svgs {
            let parser = XMLParser(data: Data(svg.utf8))
            #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        }
    }
}
