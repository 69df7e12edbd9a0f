import ArgumentParser
import Foundation
import SkeinAnalysis
import SkeinEngine
import SkeinEval
import SkeinTokenizers

/// `--model`, `--out`, `--text` and `--threads`, shared by every `skein analyze` kind.
struct AnalysisOptions: ParsableArguments {
    @Option(help: ArgumentHelp("\(ModelOptions.help) (default: the shipped demo model)."))
    var model: String?

    @Option(help: "Output folder: KIND.json, SVG charts and report.html (sections of every kind run into it).")
    var out: String = "skein-analysis"

    @Option(help: "UTF-8 text to run the model on (default: Skein's bundled public-domain English text, for any model).")
    var text: String?

    @OptionGroup var threads: ThreadOptions

    /// The model folder, the loaded model and its folder name.
    func loadModel() throws -> (folder: URL, model: TransformerModel, name: String) {
        let folder = try ModelOptions(model: model).resolvedURL()
        return (folder, try TransformerModel.load(path: folder), modelDisplayName(folder))
    }

    /// The tokens of --text (or Skein's bundled text) under the model's tokenizer.
    func tokens(folder: URL) throws -> [Int] {
        let path = try TextFileOption.url(text, option: "--text").path
        return try ModelTokenizer(path: folder).encode(readTextFile(path))
    }

    /// Checks that --out can take a report before any work is done.
    func checkOutput() throws -> URL {
        let folder = URL(fileURLWithPath: out)
        try refuseForeign(folder.appendingPathComponent("report.html"))
        return folder
    }

    /// Writes the section and JSON, prints where the report is and how long the analysis took.
    func write(_ section: AnalysisSection, json: some Encodable, table: String, started: Date) throws {
        let report = try AnalysisReport.write(section, json: json, to: URL(fileURLWithPath: out), title: "skein analyze")
        print(table)
        print(String(format: "\nreport: %@ (%@.json; %.1f s)", report.path, section.kind.rawValue, Date().timeIntervalSince(started)))
    }
}

/// Parses `--lengths` given as tokens ("256,512") or multiples of the training length ("1x,2x").
func parseLengths(_ text: String, trainingLength L: Int) throws -> [Int] {
    let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
    guard !parts.isEmpty else { throw ValidationError("--lengths: expected comma-separated lengths such as 256,512 or 1x,2x") }
    let lengths = try parts.map { part -> Int in
        if part.hasSuffix("x"), let factor = Double(part.dropLast()), factor > 0 { return Int((factor * Double(L)).rounded()) }
        guard let n = Int(part) else { throw ValidationError("--lengths: '\(part)' is neither a token count nor a multiple like 2x") }
        return n
    }
    for n in lengths where n < 2 { throw ValidationError("--lengths: every length must be at least 2 tokens, got \(n)") }
    return lengths
}

/// Runs `body`, turning analysis errors about options into usage errors and those about the
/// model or text into bad-data errors (engine errors keep `CommandFailure`'s rule).
func reportingAnalysisErrors<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let error as AnalysisError {
        switch error {
        case .invalidEpsilon, .invalidParameter: throw ValidationError(error.description)
        case .noRotaryEmbedding, .textTooShort: throw RuntimeError(.badData, error.description)
        }
    }
}
