import Foundation
import SkeinEval

/// An SVG line chart over a numeric x axis (linear or log), with optional marker lines; the
/// analysis reports' one chart type.
public struct LineChart: Sendable {
    public struct Series: Sendable {
        public var name: String
        /// (x, y) points; non-finite values are skipped.
        public var points: [(x: Double, y: Double)]
        public var dashed: Bool

        public init(_ name: String, _ points: [(x: Double, y: Double)], dashed: Bool = false) {
            self.name = name
            self.points = points
            self.dashed = dashed
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    public var logX = false
    public var logY = false
    /// Vertical lines (x, label), e.g. the training length.
    public var verticalMarkers: [(x: Double, label: String)] = []
    /// Horizontal lines (y, label).
    public var horizontalMarkers: [(y: Double, label: String)] = []

    public init(title: String, xLabel: String, yLabel: String, series: [Series]) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
    }

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"]

    /// The chart as a standalone SVG document.
    public func svg() -> String {
        let width = 900.0, height = 380.0, left = 70.0, right = 230.0, top = 40.0, bottom = 55.0
        let plotW = width - left - right, plotH = height - top - bottom
        func usable(_ v: Double, log: Bool) -> Bool { v.isFinite && (!log || v > 0) }
        let xs = series.flatMap { $0.points.map(\.x) }.filter { usable($0, log: logX) } + verticalMarkers.map(\.x).filter { usable($0, log: logX) }
        let ys = series.flatMap { $0.points.map(\.y) }.filter { usable($0, log: logY) } + horizontalMarkers.map(\.y).filter { usable($0, log: logY) }
        let scaleX = Axis(values: xs, log: logX), scaleY = Axis(values: ys, log: logY)
        func px(_ x: Double) -> Double { left + plotW * scaleX.fraction(x) }
        func py(_ y: Double) -> Double { top + plotH * (1 - scaleY.fraction(y)) }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-size=\"12\" font-family=\"sans-serif\">"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>"
        s += "<text x=\"\(left)\" y=\"22\" font-size=\"15\">\(HTMLReport.escape(title))</text>"
        for tick in scaleY.ticks() {
            let y = f(py(tick))
            s += "<line x1=\"\(f(left))\" x2=\"\(f(left + plotW))\" y1=\"\(y)\" y2=\"\(y)\" stroke=\"#eee\"/>"
            s += "<text x=\"\(f(left - 6))\" y=\"\(f(py(tick) + 4))\" text-anchor=\"end\">\(label(tick))</text>"
        }
        for tick in scaleX.ticks() {
            s += "<line x1=\"\(f(px(tick)))\" x2=\"\(f(px(tick)))\" y1=\"\(f(top))\" y2=\"\(f(top + plotH))\" stroke=\"#f3f3f3\"/>"
            s += "<text x=\"\(f(px(tick)))\" y=\"\(f(top + plotH + 18))\" text-anchor=\"middle\">\(label(tick))</text>"
        }
        s += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotW))\" height=\"\(f(plotH))\" fill=\"none\" stroke=\"#999\"/>"
        s += "<text x=\"\(f(left + plotW / 2))\" y=\"\(f(height - 12))\" text-anchor=\"middle\">\(HTMLReport.escape(xLabel))</text>"
        s += "<text transform=\"translate(16 \(f(top + plotH / 2))) rotate(-90)\" text-anchor=\"middle\">\(HTMLReport.escape(yLabel))</text>"
        for marker in verticalMarkers where usable(marker.x, log: logX) {
            let x = f(px(marker.x))
            s += "<line x1=\"\(x)\" x2=\"\(x)\" y1=\"\(f(top))\" y2=\"\(f(top + plotH))\" stroke=\"#555\" stroke-dasharray=\"4 3\"/>"
            s += "<text x=\"\(f(px(marker.x) + 3))\" y=\"\(f(top + 12))\" fill=\"#555\">\(HTMLReport.escape(marker.label))</text>"
        }
        for marker in horizontalMarkers where usable(marker.y, log: logY) {
            let y = f(py(marker.y))
            s += "<line x1=\"\(f(left))\" x2=\"\(f(left + plotW))\" y1=\"\(y)\" y2=\"\(y)\" stroke=\"#555\" stroke-dasharray=\"4 3\"/>"
            s += "<text x=\"\(f(left + 4))\" y=\"\(f(py(marker.y) - 4))\" fill=\"#555\">\(HTMLReport.escape(marker.label))</text>"
        }
        for (index, line) in series.enumerated() {
            let color = Self.palette[index % Self.palette.count]
            let coords = line.points.filter { usable($0.x, log: logX) && usable($0.y, log: logY) }.map { "\(f(px($0.x))),\(f(py($0.y)))" }
            let dash = line.dashed ? " stroke-dasharray=\"6 4\"" : ""
            s += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"\(dash) points=\"\(coords.joined(separator: " "))\"/>"
            let ly = top + 18 * Double(index)
            s += "<rect x=\"\(f(left + plotW + 16))\" y=\"\(f(ly))\" width=\"12\" height=\"12\" fill=\"\(color)\"/>"
            s += "<text x=\"\(f(left + plotW + 34))\" y=\"\(f(ly + 10))\">\(HTMLReport.escape(line.name))</text>"
        }
        return s + "</svg>"
    }

    private func f(_ v: Double) -> String { String(format: "%.1f", v) }

    private func label(_ v: Double) -> String {
        if v == 0 { return "0" }
        if abs(v) >= 10_000 || abs(v) < 0.01 { return String(format: "%.0e", v) }
        return v == v.rounded() ? String(Int(v)) : String(format: "%.3g", v)
    }
}

/// Maps values onto [0, 1] for one axis.
private struct Axis {
    let low: Double, high: Double, log: Bool

    init(values: [Double], log: Bool) {
        self.log = log
        let mapped = values.map { log ? Foundation.log10($0) : $0 }
        var lo = mapped.min() ?? 0, hi = mapped.max() ?? 1
        if hi - lo < 1e-12 { lo -= 0.5; hi += 0.5 }
        low = lo
        high = hi
    }

    func fraction(_ v: Double) -> Double {
        let m = log ? Foundation.log10(max(v, 1e-300)) : v
        return min(max((m - low) / (high - low), 0), 1)
    }

    /// About five round tick values inside the range.
    func ticks() -> [Double] {
        if log {
            let first = Int(low.rounded(.up)), last = Int(high.rounded(.down))
            if high - low < 2 {
                // Under two decades: 1, 2 and 5 times each power of ten.
                let candidates = (Int(low.rounded(.down))...Int(high.rounded(.up))).flatMap { e in [1.0, 2, 5].map { $0 * pow(10, Double(e)) } }
                return candidates.filter { Foundation.log10($0) >= low - 1e-9 && Foundation.log10($0) <= high + 1e-9 }
            }
            guard first <= last else { return [pow(10, low), pow(10, high)] }
            let step = max(1, (last - first + 1) / 6)
            return stride(from: first, through: last, by: step).map { pow(10, Double($0)) }
        }
        let raw = (high - low) / 5
        let magnitude = pow(10, (Foundation.log10(raw)).rounded(.down))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
        var ticks: [Double] = []
        var t = (low / step).rounded(.up) * step
        while t <= high + step * 1e-9 { ticks.append(t); t += step }
        return ticks
    }
}
