/// Plain-text tables for the terminal.
public enum TextTable {
    /// Rows padded into columns; the first row is the header.
    public static func render(_ rows: [[String]]) -> String {
        guard let header = rows.first else { return "" }
        let widths = header.indices.map { column in rows.map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0 }
        func line(_ row: [String]) -> String {
            row.enumerated().map { index, cell in
                index == 0 ? cell.padding(to: widths[index]) : cell.leftPadding(to: widths[index])
            }.joined(separator: "  ")
        }
        let rule = widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")
        return ([line(header), rule] + rows.dropFirst().map(line)).joined(separator: "\n")
    }
}

extension String {
    func padding(to width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
    func leftPadding(to width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}

extension LengthSweep.Results {
    /// Passkey accuracy, one row per method, one column per length.
    public var passkeyTable: String {
        let longest = lengths.max() ?? 0
        let header = ["passkey accuracy"] + zip(lengths, lengths.map { $0 / trainingLength }).map { "\($0.0) (\($0.1)x)" }
            + ["decode t/s"]
        let rows = methods.map { method in
            let rate = decodeTokensPerSecond[method.name].map { String(format: "%.0f", $0) } ?? "-"
            let at = lengthLimits[method.name].map { " @\($0)" } ?? (longest > 0 ? " @\(longest)" : "")
            return [method.name] + (passkey[method.name] ?? []).map { $0.map { String(format: "%.0f%%", $0 * 100) } ?? "not run" }
                + [rate + at]
        }
        return TextTable.render([header] + rows)
    }

    /// Perplexity, one row per method, one column per position band.
    public var perplexityTable: String {
        let header = ["perplexity"] + bands.map { "\($0[0])..<\($0[1])" }
        let rows = methods.map { method in
            [method.name] + (perplexity[method.name] ?? []).map { $0.map { String(format: "%.2f", $0) } ?? "-" }
        }
        return TextTable.render([header] + rows)
    }
}
