/// An SVG document written element by element: the one place Skein's charts spell SVG
/// (`HTMLReport`'s line chart, the eval summary's heatmaps, SkeinAnalysis's `LineChart`).
/// Text is escaped (`HTMLReport.escape`); coordinates are written by `number`.
public struct SVGWriter {
    /// How a coordinate or size is written (Swift's own spelling, "70.0", unless told otherwise).
    public let number: (Double) -> String
    private let header: String
    private var body = ""

    /// A `width` x `height` (pixels) document whose text is `fontSize` pixels, in `fontFamily` when given.
    public init(width: Double, height: Double, fontSize: Int, fontFamily: String? = nil,
                number: @escaping (Double) -> String = { "\($0)" }) {
        self.number = number
        let family = fontFamily.map { " font-family=\"\(HTMLReport.escape($0))\"" } ?? ""
        header = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-size=\"\(fontSize)\"\(family)>"
    }

    /// The finished document, `<svg ...>` to `</svg>`.
    public var document: String { header + body + "</svg>" }

    /// `content` at (x, y); `size` overrides the font size, `anchor` is "middle" or "end" (start when nil).
    public mutating func text(_ content: String, x: Double, y: Double, size: Int? = nil, anchor: String? = nil, fill: String? = nil) {
        body += "<text x=\"\(number(x))\" y=\"\(number(y))\"" + attribute("font-size", size.map(String.init))
            + attribute("text-anchor", anchor) + attribute("fill", fill) + ">\(HTMLReport.escape(content))</text>"
    }

    /// `content` centred on (x, y) and turned to read upwards: a y-axis label.
    public mutating func verticalText(_ content: String, x: Double, y: Double) {
        body += "<text transform=\"translate(\(number(x)) \(number(y))) rotate(-90)\" text-anchor=\"middle\">\(HTMLReport.escape(content))</text>"
    }

    /// A line from (x1, y1) to (x2, y2); `dash` is a stroke-dasharray such as "4 3".
    public mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, dash: String? = nil) {
        body += "<line x1=\"\(number(x1))\" x2=\"\(number(x2))\" y1=\"\(number(y1))\" y2=\"\(number(y2))\" stroke=\"\(stroke)\""
            + attribute("stroke-dasharray", dash) + "/>"
    }

    /// A rectangle with its top-left corner at (x, y), filled (use "none" for an outline) and optionally stroked.
    public mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String, stroke: String? = nil) {
        body += "<rect x=\"\(number(x))\" y=\"\(number(y))\" width=\"\(number(width))\" height=\"\(number(height))\" fill=\"\(fill)\""
            + attribute("stroke", stroke) + "/>"
    }

    /// A rectangle over the whole document.
    public mutating func background(_ fill: String) {
        body += "<rect width=\"100%\" height=\"100%\" fill=\"\(fill)\"/>"
    }

    /// One series' line through `points` (an empty line when there are none).
    public mutating func polyline(_ points: [(x: Double, y: Double)], stroke: String, width: Double = 2, dash: String? = nil) {
        let coordinates = points.map { "\(number($0.x)),\(number($0.y))" }.joined(separator: " ")
        body += "<polyline fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(number(width))\"" + attribute("stroke-dasharray", dash)
            + " points=\"\(coordinates)\"/>"
    }

    /// A dot of `radius` centred on (x, y).
    public mutating func circle(x: Double, y: Double, radius: Double, fill: String) {
        body += "<circle cx=\"\(number(x))\" cy=\"\(number(y))\" r=\"\(number(radius))\" fill=\"\(fill)\"/>"
    }

    /// A legend entry: a 12-pixel swatch of `color` at (x, y) and `name` beside it.
    public mutating func legend(_ name: String, color: String, x: Double, y: Double) {
        rect(x: x, y: y, width: 12, height: 12, fill: color)
        text(name, x: x + 18, y: y + 10)
    }

    private func attribute(_ name: String, _ value: String?) -> String {
        value.map { " \(name)=\"\(HTMLReport.escape($0))\"" } ?? ""
    }
}
