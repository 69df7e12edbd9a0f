import Foundation
import SkeinEval

/// One kind's part of the analysis report: an HTML fragment with inline SVG charts, and the same
/// charts as standalone files.
public struct AnalysisSection: Sendable {
    public var kind: AnalysisKind
    /// HTML body of the section (heading, text, tables, inline SVG).
    public var html: String
    /// (file name, SVG document) for each chart, e.g. ("attention-entropy.svg", "<svg ...").
    public var charts: [(name: String, svg: String)]

    public init(kind: AnalysisKind, title: String, intro: String, charts: [(name: String, chart: LineChart)], tables: [String]) {
        self.kind = kind
        let rendered = charts.map { (name: $0.name, svg: $0.chart.svg()) }
        self.charts = rendered
        html = "<section id=\"\(kind.rawValue)\"><h2>\(HTMLReport.escape(title))</h2>\n<p>\(intro)</p>\n"
            + rendered.map { "<figure>\($0.svg)</figure>\n" }.joined()
            + tables.map { "<pre>\(HTMLReport.escape($0))</pre>\n" }.joined()
            + "</section>\n"
    }
}

/// The self-contained analysis report: every section written to one folder, in kind order.
public enum AnalysisReport {
    /// The file a section's fragment is kept in, so later kinds can rebuild the whole report.
    public static func fragmentName(_ kind: AnalysisKind) -> String { "\(kind.rawValue).section.html" }

    /// report.html around the given fragments (already in order).
    public static func page(title: String, fragments: [String]) -> String {
        """
        <!DOCTYPE html>
        \(HTMLReport.marker)
        <html><head><meta charset="utf-8"><title>\(HTMLReport.escape(title))</title>
        <style>body{font-family:system-ui,sans-serif;max-width:980px;margin:2em auto;color:#222}
        pre{background:#f6f6f6;padding:1em;overflow:auto}figure{margin:1em 0}section{margin-bottom:3em}</style></head>
        <body><h1>\(HTMLReport.escape(title))</h1>
        <p>Why a model fails past its training length: attention statistics (LM-Infinite), receptive fields
        ("Exploring Transformer Extrapolation"), RoPE dimensions ("Scaling Laws of RoPE-based Extrapolation"),
        relative-distance coverage (STRING) and context-length probing. See docs/ANALYSIS.md.</p>
        \(fragments.joined(separator: "\n"))
        </body></html>
        """
    }

    /// Writes `section`'s charts and fragment and `json` as KIND.json into `folder`, then rebuilds
    /// report.html from every fragment present. Returns the report's URL.
    /// - Throws: when report.html exists and was not written by Skein (checked before writing anything).
    public static func write(_ section: AnalysisSection, json: some Encodable, to folder: URL, title: String) throws -> URL {
        let report = folder.appendingPathComponent("report.html")
        if let existing = FileManager.default.contents(atPath: report.path),
           !String(decoding: existing, as: UTF8.self).contains(HTMLReport.marker) {
            throw AnalysisError.invalidParameter(name: "out", reason: "\(report.path) exists and was not written by skein; choose another --out")
        }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        try encoder.encode(json).write(to: folder.appendingPathComponent("\(section.kind.rawValue).json"))
        for chart in section.charts {
            try chart.svg.write(to: folder.appendingPathComponent(chart.name), atomically: true, encoding: .utf8)
        }
        try section.html.write(to: folder.appendingPathComponent(fragmentName(section.kind)), atomically: true, encoding: .utf8)
        let fragments = AnalysisKind.allCases.compactMap { kind in
            FileManager.default.contents(atPath: folder.appendingPathComponent(fragmentName(kind)).path).map { String(decoding: $0, as: UTF8.self) }
        }
        try page(title: title, fragments: fragments).write(to: report, atomically: true, encoding: .utf8)
        return report
    }
}
