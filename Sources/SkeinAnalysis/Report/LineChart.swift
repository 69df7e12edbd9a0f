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
        var s = SVGWriter(width: width, height: height, fontSize: 12, fontFamily: "sans-serif", number: { String(format: "%.1f", $0) })
        s.background("white")
        s.text(title, x: left, y: 22, size: 15)
        for tick in scaleY.ticks() {
            s.line(x1: left, y1: py(tick), x2: left + plotW, y2: py(tick), stroke: "#eee")
            s.text(label(tick), x: left - 6, y: py(tick) + 4, anchor: "end")
        }
        for tick in scaleX.ticks() {
            s.line(x1: px(tick), y1: top, x2: px(tick), y2: top + plotH, stroke: "#f3f3f3")
            s.text(label(tick), x: px(tick), y: top + plotH + 18, anchor: "middle")
        }
        s.rect(x: left, y: top, width: plotW, height: plotH, fill: "none", stroke: "#999")
        s.text(xLabel, x: left + plotW / 2, y: height - 12, anchor: "middle")
        s.verticalText(yLabel, x: 16, y: top + plotH / 2)
        for marker in verticalMarkers where usable(marker.x, log: logX) {
            s.line(x1: px(marker.x), y1: top, x2: px(marker.x), y2: top + plotH, stroke: "#555", dash: "4 3")
            s.text(marker.label, x: px(marker.x) + 3, y: top + 12, fill: "#555")
        }
        for marker in horizontalMarkers where usable(marker.y, log: logY) {
            s.line(x1: left, y1: py(marker.y), x2: left + plotW, y2: py(marker.y), stroke: "#555", dash: "4 3")
            s.text(marker.label, x: left + 4, y: py(marker.y) - 4, fill: "#555")
        }
        for (index, line) in series.enumerated() {
            let color = Self.palette[index % Self.palette.count]
            let points = line.points.filter { usable($0.x, log: logX) && usable($0.y, log: logY) }.map { (x: px($0.x), y: py($0.y)) }
            s.polyline(points, stroke: color, dash: line.dashed ? "6 4" : nil)
            s.legend(line.name, color: color, x: left + plotW + 16, y: top + 18 * Double(index))
        }
        return s.document
    }

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
