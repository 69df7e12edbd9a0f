/// Theoretical receptive fields of several biases and, with a model, its empirical receptive field.
public struct ReceptiveFieldAnalysis: Codable, Sendable {
    public var eps: Double
    public var theoretical: [ReceptiveFieldValue]
    /// Present when a model and text were analysed.
    public var empirical: EmpiricalReceptiveField?
    public var model: String?
    public var trainingLength: Int?

    public init(eps: Double, theoretical: [ReceptiveFieldValue], empirical: EmpiricalReceptiveField?, model: String?, trainingLength: Int?) {
        self.eps = eps
        self.theoretical = theoretical
        self.empirical = empirical
        self.model = model
        self.trainingLength = trainingLength
    }

    /// The biases compared by default: ALiBi's first, middle and last slopes of an 8-head model
    /// (2^-1, 2^-4, 2^-8), KERPLE-log with r1 = 2 (summable) and r1 = 1 (divergent), KERPLE-power.
    public static let defaultBiases: [RelativeBias] = [
        .alibi(slope: 0.5), .alibi(slope: 1.0 / 16), .alibi(slope: 1.0 / 256),
        .kerpleLog(r1: 2, r2: 1), .kerpleLog(r1: 1, r2: 1), .kerplePower(r1: 1, r2: 0.5),
    ]

    /// The values as a text table.
    public var table: String {
        var lines = ["bias                          TRF (eps=\(eps))   note"]
        for value in theoretical {
            let text = value.value.map { $0 < 1e9 ? String(format: "%.0f", $0) : String(format: "%.3e", $0) } ?? "infinite"
            lines.append("\(value.name.padding(toLength: 30, withPad: " ", startingAt: 0)) \(text.padding(toLength: 17, withPad: " ", startingAt: 0)) \(value.note ?? (value.isExact ? "" : "estimate"))")
        }
        if let e = empirical {
            lines.append("")
            lines.append("ERF of \(model ?? "the model"): \(e.value) tokens (smallest window with perplexity within \(Int(e.tolerance * 100))% of full context, \(e.tokenCount) tokens scored)")
            lines.append("window  " + e.windows.map { String(format: "%7d", $0) }.joined())
            lines.append("ppl     " + e.perplexity.map { String(format: "%7.2f", $0) }.joined())
        }
        return lines.joined(separator: "\n")
    }
}
