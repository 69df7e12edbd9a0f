import Foundation

/// Accuracy of a sweep by method, length and depth, and each method's effective context length.
public struct EvalSummary: Sendable, Codable, Equatable {
    public var task: String
    public var methods: [String]
    public var lengths: [Int]
    public var depths: [Double]
    /// method -> mean score per length (nil when no sample ran there).
    public var accuracy: [String: [Double?]]
    /// method -> [depth][length] mean score.
    public var grid: [String: [[Double?]]]
    /// method -> longest length whose accuracy (and every shorter one's) is >= threshold; nil if none.
    public var effectiveLength: [String: Int?]
    public var threshold: Double
    public var records: Int
    /// Mean prompt size in characters per length (lengths are requested in tokens).
    public var meanCharacters: [Int]
    /// The experiment (task, model and hash, endpoint, seed, haystack, Skein build, CPU); nil for
    /// results written before it was recorded.
    public var provenance: EvalProvenance?
    /// method -> the policy, RoPE and KV type as applied.
    public var applied: [String: AppliedPolicy]
    /// `k/n` of every shard whose records are in this summary (empty: unsharded).
    public var shards: [String]

    /// Summarizes records of one experiment.
    /// - Throws: `EvalError.mixedExperiments` when the records come from more than one (task,
    ///   model, settings or applied policy differ), rather than averaging them together.
    public init(records: [EvalRecord], threshold: Double = 0.5) throws {
        try ExperimentCheck.consistent([(name: "results", records: records)])
        task = records.first?.task ?? ""
        provenance = records.first?.provenance.map { var p = $0; p.shard = nil; return p }
        shards = Array(Set(records.compactMap { $0.provenance?.shard })).sorted()
        applied = Dictionary(records.compactMap { r in r.applied.map { (r.method, $0) } }, uniquingKeysWith: { a, _ in a })
        var methodOrder = [String]()
        for record in records where !methodOrder.contains(record.method) { methodOrder.append(record.method) }
        methods = methodOrder
        let lengths = Array(Set(records.map(\.length))).sorted()
        let depths = Array(Set(records.map(\.depth))).sorted()
        self.lengths = lengths
        self.depths = depths
        self.threshold = threshold
        self.records = records.count
        func mean(_ values: [Double]) -> Double? { values.isEmpty ? nil : values.reduce(0, +) / Double(values.count) }
        var accuracy = [String: [Double?]]()
        var grid = [String: [[Double?]]]()
        var effective = [String: Int?]()
        for method in methodOrder {
            let mine = records.filter { $0.method == method }
            let row = lengths.map { length in mean(mine.filter { $0.length == length }.map(\.score)) }
            accuracy[method] = row
            grid[method] = depths.map { depth in
                lengths.map { length in mean(mine.filter { $0.length == length && $0.depth == depth }.map(\.score)) }
            }
            var best: Int?
            for (length, value) in zip(lengths, row) {
                guard let value, value >= threshold else { break }
                best = length
            }
            effective[method] = best
        }
        self.accuracy = accuracy
        self.grid = grid
        effectiveLength = effective
        meanCharacters = lengths.map { length in
            let sizes = records.filter { $0.length == length }.map(\.promptCharacters)
            return sizes.isEmpty ? 0 : sizes.reduce(0, +) / sizes.count
        }
    }

    /// Accuracy per method and length, with the effective length.
    public var table: String {
        let header = ["\(task) accuracy"] + zip(lengths, meanCharacters).map { "\($0.0) tok (\($0.1) ch)" } + ["effective"]
        let rows = methods.map { method in
            [method] + (accuracy[method] ?? []).map { $0.map { String(format: "%.0f%%", $0 * 100) } ?? "-" }
                + [(effectiveLength[method] ?? nil).map(String.init) ?? "-"]
        }
        return TextTable.render([header] + rows)
    }
}

extension HTMLReport {
    /// A report for an eval sweep: accuracy vs length, then a depth x length heatmap per method.
    public static func render(_ summary: EvalSummary, title: String) -> String {
        let accuracy = chart(
            title: "\(summary.task): accuracy vs length (tokens)", xLabels: summary.lengths.map(String.init), yMax: 1,
            logY: false, yFormat: { String(format: "%.0f%%", $0 * 100) },
            series: summary.methods.map { ($0, summary.accuracy[$0] ?? []) })
        let heatmaps = summary.methods.map { method in
            heatmap(title: "\(method): depth x length", rows: summary.depths.map { String(format: "%.2f", $0) },
                    columns: summary.lengths.map(String.init), values: summary.grid[method] ?? [])
        }
        return """
        <!DOCTYPE html>
        \(marker)
        <html><head><meta charset="utf-8"><title>\(escape(title))</title>
        <style>body{font-family:system-ui,sans-serif;max-width:980px;margin:2em auto;color:#222}
        pre{background:#f6f6f6;padding:1em;overflow:auto}</style></head>
        <body><h1>\(escape(title))</h1>
        <p>\(summary.records) samples; effective length = longest length with accuracy &gt;= \(Int(summary.threshold * 100))%.</p>
        \(accuracy)
        <pre>\(escape(summary.table))</pre>
        \(heatmaps.joined(separator: "\n"))
        \(provenanceSection(summary))
        </body></html>
        """
    }

    /// What produced the results: the provenance fields and each method's applied policy.
    static func provenanceSection(_ summary: EvalSummary) -> String {
        var rows = [(String, String)]()
        if let p = summary.provenance {
            rows += [("task", p.task), ("model", p.model), ("model hash", p.modelHash), ("endpoint", p.endpoint ?? "local engine"),
                     ("seed", String(p.seed)), ("haystack", p.haystack), ("Skein", "\(p.skeinVersion) (\(p.skeinCommit))"), ("CPU", p.cpu)]
            if let model = p.endpointModel { rows.insert(("endpoint model", model), at: 4) }
        }
        if !summary.shards.isEmpty { rows.append(("shards", summary.shards.joined(separator: ", "))) }
        rows += summary.methods.compactMap { m in summary.applied[m].map { ("\(m) as applied", ExperimentCheck.describe($0)) } }
        guard !rows.isEmpty else { return "" }
        let cells = rows.map { "<tr><th>\(escape($0.0))</th><td><code>\(escape($0.1))</code></td></tr>" }
        return "<h2>Provenance</h2><table>\(cells.joined())</table>"
    }

    /// A grid of cells shaded from red (0) to green (1), with the value written in each.
    static func heatmap(title: String, rows: [String], columns: [String], values: [[Double?]]) -> String {
        let cell = 56.0, left = 60.0, top = 40.0
        let width = max(320, left + cell * Double(columns.count) + 20), height = top + cell * Double(rows.count) + 40
        var svg = SVGWriter(width: width, height: height, fontSize: 11)
        svg.text(title, x: left, y: 20, size: 14)
        for (r, label) in rows.enumerated() {
            svg.text(label, x: left - 6, y: top + cell * Double(r) + cell / 2 + 4, anchor: "end")
            for (c, _) in columns.enumerated() {
                let value = r < values.count && c < values[r].count ? values[r][c] : nil
                let color = value.map { "rgb(\(Int(220 * (1 - $0) + 30)),\(Int(180 * $0 + 40)),70)" } ?? "#ddd"
                let x = left + cell * Double(c), y = top + cell * Double(r)
                svg.rect(x: x, y: y, width: cell - 2, height: cell - 2, fill: color)
                svg.text(value.map { String(format: "%.0f", $0 * 100) } ?? "-", x: x + cell / 2 - 1, y: y + cell / 2 + 4, anchor: "middle", fill: "#fff")
            }
        }
        for (c, label) in columns.enumerated() {
            svg.text(label, x: left + cell * Double(c) + cell / 2, y: top + cell * Double(rows.count) + 16, anchor: "middle")
        }
        return svg.document
    }
}
