import ArgumentParser
import Foundation
import SkeinAnalysis
import SkeinEngine
import SkeinEval

/// `skein analyze KIND`: why a model fails past its training length.
struct AnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Diagnose length extrapolation: KIND.json, SVG charts and a section of report.html in --out.",
        discussion: AnalysisKind.allCases.map { "\($0.rawValue): \($0.summary)" }.joined(separator: "\n"),
        subcommands: [AnalyzeAttentionCommand.self, AnalyzeReceptiveFieldCommand.self, AnalyzeRopeCommand.self,
                      AnalyzePositionsCommand.self, AnalyzeProbeCommand.self, AnalyzeUnknownCommand.self],
        defaultSubcommand: AnalyzeUnknownCommand.self)
}

/// Catches `skein analyze` with a missing or unknown KIND and names the valid ones.
struct AnalyzeUnknownCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "unknown-kind", shouldDisplay: false)

    @Argument(parsing: .captureForPassthrough)
    var arguments: [String] = []

    func run() throws {
        let valid = AnalysisKind.allCases.map(\.rawValue).joined(separator: ", ")
        guard let kind = arguments.first, !kind.hasPrefix("-") else {
            throw ValidationError("give the analysis KIND: skein analyze KIND [options]; KIND is one of \(valid)")
        }
        throw ValidationError("unknown analysis '\(kind)'; KIND is one of \(valid)")
    }
}

/// `skein analyze attention`: entropy, max logit, sink and local shares vs position and length.
struct AnalyzeAttentionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "attention", abstract: AnalysisKind.attention.summary)

    @OptionGroup var options: AnalysisOptions

    @Option(help: "Sequence lengths: tokens or multiples of the training length (default: 1x,2x,4x,8x).")
    var lengths: String = "1x,2x,4x,8x"

    @Option(help: "An attention policy to compare; repeat for several (default: full, lm-infinite, streaming).")
    var attention: [String] = []

    @Option(help: "RoPE scaling for every policy (see `skein policies`).")
    var rope: String = "config"

    @Option(help: "Keys 0..<N count as attention sinks.")
    var sinks: Int = 4

    @Option(help: "Keys within this distance of the query count as local (default: a quarter of the training length).")
    var localWindow: Int?

    @Option(help: "Query positions per averaging bin (default: a quarter of the training length).")
    var binWidth: Int?

    func run() throws {
        let started = Date()
        _ = try options.checkOutput()
        let (folder, model, name) = try options.loadModel()
        let L = model.trainingLength
        let lengthList = try parseLengths(lengths, trainingLength: L)
        if let binWidth, binWidth < 1 { throw ValidationError("--bin-width must be at least 1") }
        let methods = try methodsFrom(attention: attention.isEmpty ? ["full", "lm-infinite", "streaming"] : attention, rope: rope, model: model)
        let tokens = try options.tokens(folder: folder)
        var bar = ProgressBar(label: "analyze attention", total: 1)
        let analysis = try reportingAnalysisErrors {
            let regions = try AttentionShareRegions(sinks: sinks, localWindow: localWindow ?? max(1, L / 4))
            return try AttentionAnalysis.measure(model: model, modelName: name, methods: methods, tokens: tokens, lengths: lengthList,
                                                 regions: regions, binWidth: binWidth) { done, total in
                if bar.total != total { bar = ProgressBar(label: "analyze attention", total: total) }
                bar.update(done)
            }
        }
        bar.finish()
        try options.write(analysis.section(), json: analysis, table: analysis.table, started: started)
    }
}

/// `skein analyze trf`: theoretical receptive fields and the model's empirical one.
struct AnalyzeReceptiveFieldCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "trf", abstract: AnalysisKind.trf.summary)

    @OptionGroup var options: AnalysisOptions

    @Option(help: "TRF_eps: the share of the bias weight allowed outside the field, in (0, 1).")
    var eps: Double = 0.01

    @Option(help: "A relative bias: alibi:m=M, kerple-log:r1=A,r2=B, kerple-power:r1=A,r2=B; repeat (default: ALiBi 2^-1/2^-4/2^-8, KERPLE log and power).")
    var bias: [String] = []

    @Option(help: "Distances over which RoPE's decay bound is normalized (default: 8x the training length).")
    var horizon: Int?

    @Option(help: "RoPE scaling of the model for the RoPE decay and the ERF.")
    var rope: String = "config"

    @Option(help: "ERF tolerance: the window's perplexity may exceed full context's by this fraction, in (0, 1).")
    var erfTolerance: Double = 0.05

    @Option(help: "Tokens scored per window for the ERF.")
    var tokens: Int = 128

    @Flag(help: "Skip the model's ERF (theoretical fields only).")
    var noErf = false

    func run() throws {
        let started = Date()
        _ = try options.checkOutput()
        let (folder, loaded, name) = try options.loadModel()
        let analysis = try reportingAnalysisErrors { () throws -> ReceptiveFieldAnalysis in
            try AnalysisError.checkEpsilon(eps)
            let model = try loaded.withRope(rope)
            let L = model.trainingLength
            let biases = try bias.isEmpty ? ReceptiveFieldAnalysis.defaultBiases : bias.map(RelativeBias.init(parsing:))
            let reach = Double(horizon ?? 8 * L)
            var values = try biases.map { try TheoreticalReceptiveField.compute($0, eps: eps, curveLimit: max(reach, 4096)) }
            guard model.configuration.rotaryDim >= 2 else { throw AnalysisError.noRotaryEmbedding(model: name) }
            let inverse = try RopeFrequencies(configuration: model.configuration, sequenceLength: Int(reach)).inverseFrequencies
            values.append(try RopeDecay.receptiveField(inverseFrequencies: inverse, horizon: Int(reach), eps: eps))
            var empirical: EmpiricalReceptiveField?
            if !noErf {
                let text = try options.tokens(folder: folder)
                var bar = ProgressBar(label: "analyze trf (ERF)", total: 1)
                let probe = try ContextProbe.measure(model: model, tokens: text, windows: ContextProbe.halfOctaveWindows(upTo: L),
                                                     targetCount: tokens) { done, total in
                    if bar.total != total { bar = ProgressBar(label: "analyze trf (ERF)", total: total) }
                    bar.update(done)
                }
                bar.finish()
                empirical = try EmpiricalReceptiveField(probe: probe, tolerance: erfTolerance)
            }
            return ReceptiveFieldAnalysis(eps: eps, theoretical: values, empirical: empirical, model: name, trainingLength: L)
        }
        try options.write(analysis.section(), json: analysis, table: analysis.table, started: started)
    }
}
