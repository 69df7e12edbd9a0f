import ArgumentParser
import Foundation
import SkeinAnalysis
import SkeinEngine
import SkeinEval
import SkeinFormats

/// `skein analyze rope`: wavelengths per dimension, the critical dimension, what each scaling does.
struct AnalyzeRopeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rope", abstract: AnalysisKind.rope.summary,
        discussion: "Without a checkpoint: --head-dim 128 --base 10000 --training-length 4096 (Llama-2) or --base 500000 --training-length 8192 (Llama-3).")

    @OptionGroup var options: AnalysisOptions

    @Option(help: "A RoPE scaling to compare; repeat (default: linear, ntk, yarn, llama3 at --factor, and config.json's own).")
    var rope: [String] = []

    @Option(help: "Scaling factor of the default comparisons.")
    var factor: Double = 4

    @Option(help: "Analyse these RoPE settings instead of the model's: rotary dimension per head.")
    var headDim: Int?

    @Option(help: "RoPE base (theta) for --head-dim.")
    var base: Double = 10_000

    @Option(help: "Training length for --head-dim.")
    var trainingLength: Int?

    func run() throws {
        let started = Date()
        _ = try options.checkOutput()
        guard factor > 0, factor.isFinite else { throw ValidationError("--factor must be a positive number, got \(factor)") }
        let analysis = try reportingAnalysisErrors { () throws -> RopeDimensions in
            let configuration: ModelConfiguration, name: String
            if let headDim {
                guard let trainingLength else { throw ValidationError("--head-dim needs --training-length") }
                configuration = try RopeDimensions.configuration(headDim: headDim, base: base, trainingLength: trainingLength)
                name = "d=\(headDim), base=\(base), L=\(trainingLength)"
            } else {
                let (_, model, modelName) = try options.loadModel()
                configuration = model.configuration
                name = modelName
            }
            let f = factor == factor.rounded() ? String(Int(factor)) : String(factor)
            var specs = rope.isEmpty ? ["linear:factor=\(f)", "ntk:factor=\(f)", "yarn:factor=\(f)", "llama3:factor=\(f)"] : rope
            if rope.isEmpty, configuration.ropeScaling != nil { specs.append("config") }
            return try RopeDimensions(configuration: configuration, scalings: specs, modelName: name)
        }
        try options.write(analysis.section(), json: analysis, table: analysis.table, started: started)
    }
}

/// `skein analyze positions`: training's distance histogram next to each policy's.
struct AnalyzePositionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "positions", abstract: AnalysisKind.positions.summary)

    @OptionGroup var options: AnalysisOptions

    @Option(help: "Sequence lengths: tokens or multiples of the training length (default: 4x).")
    var lengths: String = "4x"

    @Option(help: "An attention policy; repeat (default: full, window, streaming, lm-infinite, self-extend, dca, string).")
    var attention: [String] = []

    @Option(help: "RoPE scaling for every policy.")
    var rope: String = "config"

    @Option(help: "Queries sampled per sequence (evenly, the last always).")
    var maxQueries: Int = 512

    @Option(help: "'Rare' distances: the longest ones that make up this share of training pairs, in (0, 1).")
    var rareShare: Double = 0.05

    func run() throws {
        let started = Date()
        _ = try options.checkOutput()
        let (_, model, name) = try options.loadModel()
        let lengthList = try parseLengths(lengths, trainingLength: model.trainingLength)
        let defaults = ["full", "window", "streaming", "lm-infinite", "self-extend", "dca", "string"]
        let methods = try methodsFrom(attention: attention.isEmpty ? defaults : attention, rope: rope, model: model)
        var bar = ProgressBar(label: "analyze positions", total: methods.count * lengthList.count)
        let analysis = try reportingAnalysisErrors {
            try PositionsAnalysis.measure(model: model, modelName: name, methods: methods, lengths: lengthList,
                                          rareShare: rareShare, maxQueries: maxQueries) { done, _ in bar.update(done) }
        }
        bar.finish()
        try options.write(analysis.section(), json: analysis, table: analysis.table, started: started)
    }
}

/// `skein analyze probe`: each token's log-probability vs visible context, effective context.
struct AnalyzeProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "probe", abstract: AnalysisKind.probe.summary)

    @OptionGroup var options: AnalysisOptions

    @Option(help: "Tokens probed (starting at position --max-window of the text).")
    var tokens: Int = 128

    @Option(help: "Largest window, the 'full context' (default: the training length); windows double from 1 up to it.")
    var maxWindow: Int?

    @Option(help: "Tolerance in nats between a window's log-probability and full context's.")
    var tolerance: Double = 0.1

    @Option(help: "Attention policy (matters for windows beyond the training length).")
    var attention: String = "full"

    @Option(help: "RoPE scaling.")
    var rope: String = "config"

    func run() throws {
        let started = Date()
        _ = try options.checkOutput()
        let (folder, loaded, name) = try options.loadModel()
        let (model, policy) = try reportingAnalysisErrors { try Method(name: attention, attention: attention, rope: rope).apply(to: loaded) }
        let widest = maxWindow ?? model.trainingLength
        guard widest >= 2 else { throw ValidationError("--max-window must be at least 2, got \(widest)") }
        let text = try options.tokens(folder: folder)
        var bar = ProgressBar(label: "analyze probe", total: 1)
        let probe = try reportingAnalysisErrors {
            try ContextProbe.measure(model: model, policy: policy, tokens: text, windows: ContextProbe.doublingWindows(upTo: widest),
                                     targetCount: tokens, tolerance: tolerance) { done, total in
                if bar.total != total { bar = ProgressBar(label: "analyze probe", total: total) }
                bar.update(done)
            }
        }
        bar.finish()
        try options.write(probe.section(model: name, trainingLength: model.trainingLength), json: probe, table: probe.table, started: started)
    }
}
