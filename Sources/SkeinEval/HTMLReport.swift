import Foundation

/// Self-contained HTML pages (inline SVG charts, no scripts) for sweeps and measurements.
public enum HTMLReport {
    /// Marks files Skein wrote, so a later run may replace them and nothing else.
    public static let marker = "<!-- written by skein -->"

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]

    /// The demo's length sweep, or `skein eval perplexity`: only the sections that have data
    /// (a perplexity-only run shows no passkey chart, table or trial count).
    public static func render(_ r: LengthSweep.Results, title: String) -> String {
        let names = r.methods.map(\.name)
        let hasPasskey = !r.lengths.isEmpty && r.trials > 0 && names.contains { !(r.passkey[$0] ?? []).isEmpty }
        let hasPerplexity = !r.bands.isEmpty && names.contains { (r.perplexity[$0] ?? []).contains { $0 != nil } }
        var sections = [String]()
        var about = ["Model <code>\(escape(r.model))</code>, trained at \(r.trainingLength) tokens."]
        if hasPasskey {
            about.append("\(r.trials) passkey trials per length at spread depths.")
            sections.append(chart(
                title: "Passkey accuracy vs prompt length", xLabels: r.lengths.map { "\($0)" }, yMax: 1, logY: false,
                yFormat: { String(format: "%.0f%%", $0 * 100) },
                series: names.map { ($0, r.passkey[$0] ?? []) }))
            sections.append("<pre>\(escape(r.passkeyTable))</pre>")
        }
        if hasPerplexity {
            about.append("Perplexity over one stream of held-out text.")
            sections.append(chart(
                title: "Perplexity by position band (log scale)", xLabels: r.bands.map { "\($0[0])-\($0[1])" },
                yMax: nil, logY: true, yFormat: { String(format: "%.1f", $0) },
                series: names.map { ($0, r.perplexity[$0] ?? []) }))
            sections.append("<pre>\(escape(r.perplexityTable))</pre>")
        }
        if r.seconds > 0 { about.append("Took \(String(format: "%.0f", r.seconds)) s.") }
        let methodRows = r.methods.map { "<tr><td>\(escape($0.name))</td><td><code>\(escape($0.commandLine))</code></td></tr>" }
        return """
        <!DOCTYPE html>
        \(marker)
        <html><head><meta charset="utf-8"><title>\(escape(title))</title>
        <style>body{font-family:system-ui,sans-serif;max-width:980px;margin:2em auto;color:#222}
        table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}
        td:first-child,th:first-child{text-align:left}pre{background:#f6f6f6;padding:1em;overflow:auto}</style></head>
        <body><h1>\(escape(title))</h1>
        <p>\(about.joined(separator: " "))</p>
        \(sections.joined(separator: "\n"))
        <h2>Methods</h2><table><tr><th>name</th><th>options</th></tr>\(methodRows.joined())</table>
        </body></html>
        """
    }

    /// A line chart: one series per method over categorical x positions.
    static func chart(title: String, xLabels: [String], yMax: Double?, logY: Bool, yFormat: (Double) -> String,
                      series: [(String, [Double?])]) -> String {
        let width = 900.0, height = 360.0, left = 70.0, right = 170.0, top = 40.0, bottom = 50.0
        let plotW = width - left - right, plotH = height - top - bottom
        let values = series.flatMap { $0.1.compactMap { $0 } }.filter { $0.isFinite && $0 > 0 || !logY }
        let top0 = yMax ?? (values.max() ?? 1)
        let bottom0 = logY ? max(1, (values.min() ?? 1)) : 0
        let lo = logY ? log10(bottom0) : bottom0
        let hi = logY ? log10(max(top0, bottom0 * 1.01)) : max(top0, 1e-9)
        func y(_ v: Double) -> Double {
            let t = ((logY ? log10(max(v, bottom0)) : v) - lo) / max(hi - lo, 1e-9)
            return top + plotH * (1 - min(max(t, 0), 1))
        }
        func x(_ i: Int) -> Double { left + (xLabels.count <= 1 ? plotW / 2 : plotW * Double(i) / Double(xLabels.count - 1)) }
        var svg = SVGWriter(width: width, height: height, fontSize: 12)
        svg.text(title, x: left, y: 20, size: 15)
        for k in 0...4 {
            let v = logY ? pow(10, lo + (hi - lo) * Double(k) / 4) : lo + (hi - lo) * Double(k) / 4
            svg.line(x1: left, y1: y(v), x2: left + plotW, y2: y(v), stroke: "#eee")
            svg.text(yFormat(v), x: left - 6, y: y(v) + 4, anchor: "end")
        }
        for (i, label) in xLabels.enumerated() {
            svg.text(label, x: x(i), y: top + plotH + 20, anchor: "middle")
        }
        for (index, (name, values)) in series.enumerated() {
            let color = palette[index % palette.count]
            let points = values.enumerated().compactMap { i, v in v.flatMap { $0.isFinite ? (x: x(i), y: y($0)) : nil } }
            svg.polyline(points, stroke: color)
            for point in points { svg.circle(x: point.x, y: point.y, radius: 3, fill: color) }
            svg.legend(name, color: color, x: left + plotW + 20, y: top + 18 * Double(index))
        }
        return svg.document
    }

    /// The text with &, <, > and " escaped for HTML and SVG.
    public static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
