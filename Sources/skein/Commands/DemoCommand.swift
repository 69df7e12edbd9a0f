import ArgumentParser
import Foundation
import SkeinDemoModel
import SkeinEngine
import SkeinEval
import SkeinTokenizers

/// `skein demo`: the long-context story on the shipped model in a few minutes.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Passkey retrieval, decode speed and perplexity at 1x-64x the training length for each method; writes an HTML report.")

    @Option(help: ArgumentHelp("\(ModelOptions.help) (default: the shipped demo model)."))
    var model: String?
    @OptionGroup var threadOptions: ThreadOptions

    @Option(help: "Folder for report.html and results.json.")
    var out: String = "skein-demo"

    @Option(help: "Passkey prompts per method and length.")
    var trials: Int = 5

    @Option(help: "Largest length, as a multiple of the training length (powers of two from 1 up to it).")
    var maxFactor: Int = 64

    @Option(help: ArgumentHelp(
        "Longest length, as a multiple of the training length, for the methods whose prefill costs O(n^2) (full, self-extend, dca, yarn); 0: no limit.",
        valueName: "factor"))
    var quadraticFactor: Int = 16

    @Option(help: "A text file for filler and perplexity (default: the shipped demo model's heldout.txt; with --model, Skein's bundled public-domain text).")
    var text: String?

    @Option(name: .customLong("method"), help: ArgumentHelp(
        "Replace the compared methods: NAME=ATTENTION or NAME=ATTENTION@ROPE, repeatable (e.g. se=self-extend:group=8,window=32).",
        valueName: "name=spec"))
    var customMethods: [String] = []

    /// `name=attention[@rope]` -> Method.
    static func parseMethod(_ text: String) throws -> Method {
        let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw ValidationError("--method \(text): expected NAME=ATTENTION or NAME=ATTENTION@ROPE")
        }
        let specs = parts[1].split(separator: "@", maxSplits: 1).map(String.init)
        return Method(name: parts[0], attention: specs[0], rope: specs.count > 1 ? specs[1] : "config")
    }

    /// The methods the demo compares, with settings sized for the training length L.
    static func methods(trainingLength L: Int, maxLength: Int) -> [Method] {
        // Self-extend must map the largest distance back inside L: window + (n - window) / group < L.
        let window = max(1, L / 4)
        let group = max(2, Int((Double(maxLength - window) / Double(L - window)).rounded(.up)) + 1)
        return [
            Method(name: "full"),
            Method(name: "streaming", attention: "streaming:sinks=4,window=\(L - 4)"),
            Method(name: "lm-infinite", attention: "lm-infinite:global=10,cap=\(L)"),
            Method(name: "self-extend", attention: "self-extend:group=\(group),window=\(window)"),
            Method(name: "dca", attention: "dca:chunk=\(L * 3 / 4),local=\(max(1, L / 16))"),
            Method(name: "yarn", rope: "yarn:factor=\(maxLength / L)"),
            Method(name: "reattention", attention: "reattention"),
            Method(name: "longheads", attention: "longheads"),
        ]
    }

    /// The demo's methods whose prefill grows as O(n^2): every query reads the whole prompt, or
    /// (longheads) scores every chunk's representative.
    static let quadraticMethods: Set<String> = ["full", "self-extend", "dca", "yarn", "longheads"]

    func validate() throws {
        guard trials >= 1 else { throw ValidationError("--trials must be at least 1") }
        guard maxFactor >= 1, maxFactor <= 1024 else { throw ValidationError("--max-factor must be between 1 and 1024") }
        guard quadraticFactor >= 0 else { throw ValidationError("--quadratic-factor must be 0 (no limit) or a positive multiple") }
    }

    func run() throws {
        let folder = try ModelOptions(model: model).resolvedURL()
        let outFolder = URL(fileURLWithPath: out)
        let reportFile = outFolder.appendingPathComponent("report.html")
        try refuseForeign(reportFile)  // before minutes of work, not after
        let tokenizer = try ModelTokenizer(path: folder)
        let engine = try TransformerModel.load(path: folder)
        // The shipped model keeps its documented text (README's table); any other model gets Skein's bundled text.
        let textFile = model == nil && text == nil ? folder.appendingPathComponent("heldout.txt") : try TextFileOption.url(text, option: "--text")
        let data = try TextFileOption.contents(of: textFile)
        let L = engine.trainingLength
        let factors = (0...10).map { 1 << $0 }.filter { $0 <= maxFactor }
        let methods = customMethods.isEmpty
            ? Self.methods(trainingLength: L, maxLength: L * (factors.last ?? 1))
            : try customMethods.map(Self.parseMethod)
        for method in methods {
            do { _ = try method.apply(to: engine) } catch { throw ValidationError("--method \(method.name): \(error)") }
        }
        let limits = quadraticFactor == 0 ? [:] : Dictionary(uniqueKeysWithValues: methods
            .filter { Self.quadraticMethods.contains($0.name) && customMethods.isEmpty }.map { ($0.name, quadraticFactor * L) })
        let sweep = LengthSweep(model: engine, tokenizer: tokenizer, fillerText: String(decoding: data, as: UTF8.self),
                                methods: methods, factors: factors, trials: trials, lengthLimits: limits)
        FileHandle.standardError.write(Data("skein demo: \(modelDisplayName(folder)), trained at \(L) tokens; \(methods.count) methods x \(factors.count) lengths x \(trials) passkeys\n".utf8))
        var bar = ProgressBar(label: "demo", total: 1)
        let results = try sweep.run(modelName: modelDisplayName(folder)) { done, total, _ in
            if bar.total != total { bar = ProgressBar(label: "demo", total: total) }
            bar.update(done)
        }
        bar.finish()
        print(results.passkeyTable)
        if !results.lengthLimits.isEmpty {
            print("not run: \(results.lengthLimits.keys.sorted().joined(separator: ", ")) past \(quadraticFactor)x (O(n^2) prefill; --quadratic-factor 0 runs them)")
        }
        print()
        print(results.perplexityTable)
        try FileManager.default.createDirectory(at: outFolder, withIntermediateDirectories: true)
        _ = try writeReport(HTMLReport.render(results, title: "skein demo: training-free long context on \(modelDisplayName(folder))"),
                            json: results, named: "results.json", in: outFolder)
        print("\nreport: \(reportFile.path) (\(String(format: "%.0f", results.seconds)) s)")
    }
}
