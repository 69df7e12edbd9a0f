import ArgumentParser
import Foundation
import SkeinEngine
import SkeinEval
import SkeinTokenizers

/// `skein eval efficiency`: prefill time, decode speed, KV bytes and peak memory vs length.
struct EvalEfficiencyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "efficiency",
        abstract: "Prefill time, decode tokens/s, KV bytes and peak memory (per row) vs length per policy; the first --attention is the baseline.")

    @Option(help: ArgumentHelp("\(ModelOptions.help) (default: the shipped demo model)."))
    var model: String?
    @OptionGroup var threadOptions: ThreadOptions

    @Option(help: "Context lengths: tokens or multiples of the training length (2x), comma-separated.")
    var lengths: String = "256,1024,4096"

    @Option(help: "An attention policy; repeat for several. The first is the baseline (default: full, window).")
    var attention: [String] = []

    @Option(help: "RoPE scaling for every method.")
    var rope: String = "config"

    @Option(help: "KV storage type (f32, f16, q8[:residual=N,group=G], q4[:...]); repeat to compare several.")
    var kvType: [String] = []

    @Option(help: "Decode steps timed after each prefill.")
    var decodeTokens: Int = 16

    @Option(help: "Output folder for efficiency.json and report.html.")
    var out: String = "skein-eval-efficiency"

    func run() throws {
        let folder = try ModelOptions(model: model).resolvedURL()
        let engine = try TransformerModel.load(path: folder)
        let lengthList = try SweepOptions.lengths(lengths, trainingLength: engine.trainingLength)
        let methods = try methodsFrom(attention: attention.isEmpty ? ["full", "window"] : attention, rope: rope, kvTypes: kvType, model: engine,
                                      longestInput: lengthList.max())
        guard decodeTokens >= 1 else { throw ValidationError("--decode-tokens must be at least 1") }
        let outFolder = try makeOutputFolder(out)
        var bar = ProgressBar(label: "efficiency", total: methods.count * lengthList.count)
        let results = try EfficiencyResults.measure(model: engine, methods: methods, lengths: lengthList, decodeTokens: decodeTokens) { done, _ in
            bar.update(done)
        }
        bar.finish()
        let report = try writeReport(HTMLReport.render(results, title: "skein eval efficiency on \(modelDisplayName(folder))"),
                                     json: results, named: "efficiency.json", in: outFolder)
        print(results.table)
        print("\nreport: \(report.path)")
    }
}

/// `skein eval perplexity`: perplexity by position band of one text, per method.
struct EvalPerplexityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "perplexity",
        abstract: "Perplexity vs length of a text file for each policy (bands doubling from the training length).")

    @Option(help: ArgumentHelp("\(ModelOptions.help) (default: the shipped demo model)."))
    var model: String?
    @OptionGroup var threadOptions: ThreadOptions

    @Option(help: "The UTF-8 text (default: Skein's bundled public-domain English text, for any model).")
    var file: String?

    @Option(help: "Longest length scored, in tokens (default: 16x the training length).")
    var maxLength: Int?

    @Option(help: "An attention policy; repeat for several (default: full).")
    var attention: [String] = []

    @Option(help: "RoPE scaling for every method.")
    var rope: String = "config"

    @Option(help: "KV storage type (f32, f16, q8[:residual=N,group=G], q4[:...]); repeat to compare several.")
    var kvType: [String] = []

    @Option(help: "Output folder for perplexity.json and report.html.")
    var out: String = "skein-eval-perplexity"

    @Flag(help: "Score the same tokens (the text's last training-length tokens up to --max-length) with 1x, 2x, 4x, ... context, instead of bands of positions: columns are the context read.")
    var sameTokens = false

    func run() throws {
        let folder = try ModelOptions(model: model).resolvedURL()
        let engine = try TransformerModel.load(path: folder)
        let tokenizer = try ModelTokenizer(path: folder)
        let path = try TextFileOption.url(file, option: "--file").path
        let L = engine.trainingLength
        let tokens = Array(tokenizer.encode(try readTextFile(path)).prefix((maxLength ?? 16 * L) + 1))
        let methods = try methodsFrom(attention: attention, rope: rope, kvTypes: kvType, model: engine, longestInput: tokens.count)
        guard tokens.count > 2 else { throw RuntimeError(.badData, "\(path): too little text to score") }
        var bands = PerplexityCurve.doublingBands(trainingLength: min(L, tokens.count - 1), maxLength: tokens.count - 1)
        let contexts = PerplexityCurve.doublingContexts(from: min(L, tokens.count - 1), maxLength: tokens.count - 1)
        let outFolder = try makeOutputFolder(out)
        var curves = [String: [Double?]]()
        var bar = ProgressBar(label: "perplexity", total: methods.count * (sameTokens ? contexts.count : 1))
        for (index, method) in methods.enumerated() {
            let (scaled, policy) = try method.apply(to: engine)
            if sameTokens {
                let curve = try PerplexityCurve.sameTokens(model: scaled, policy: policy, tokens: tokens, scored: min(L, tokens.count - 1),
                                                           contexts: contexts) { done, _ in bar.update(index * contexts.count + done) }
                curves[method.name] = curve.values
                bands = curve.bands
            } else {
                curves[method.name] = try PerplexityCurve.measure(model: scaled, policy: policy, tokens: tokens, bands: bands).values
                bar.update(index + 1)
            }
        }
        bar.finish()
        if sameTokens {
            let last = tokens.count - 1, scored = min(L, last)
            print("same tokens: the text's tokens \(last - scored + 1)...\(last) scored in every column; column 0..<N reads N tokens ending there")
        }
        let results = LengthSweep.Results(model: modelDisplayName(folder), trainingLength: L, lengths: [], trials: 0, methods: methods,
                                          passkey: [:], bands: bands.map { [$0.lowerBound, $0.upperBound] }, perplexity: curves, seconds: 0)
        let report = try writeReport(HTMLReport.render(results, title: "skein eval perplexity on \(modelDisplayName(folder))"),
                                     json: results, named: "perplexity.json", in: outFolder)
        print(results.perplexityTable)
        print("\nreport: \(report.path)")
    }
}

