import ArgumentParser
import Foundation
import SkeinEngine
import SkeinEval
import SkeinTokenizers

/// `skein eval`: seeded, resumable sweeps of a long-context task over lengths x depths x methods.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate long-context methods on a synthetic task; results.jsonl, summary.json and report.html in --out.",
        subcommands: [EvalRunCommand.self, EvalMergeCommand.self, EvalEfficiencyCommand.self, EvalPerplexityCommand.self],
        defaultSubcommand: EvalRunCommand.self)
}

struct EvalRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run (or resume) a sweep: skein eval TASK [options]. Tasks: \(EvalTask.allCases.map(\.rawValue).joined(separator: ", ")).")

    @Argument(help: "The task: \(EvalTask.allCases.map(\.rawValue).joined(separator: ", ")).")
    var task: String

    @Option(help: ArgumentHelp("\(ModelOptions.help) (default: the shipped demo model); its tokenizer builds the prompts."))
    var model: String?
    @OptionGroup var threadOptions: ThreadOptions

    @Option(help: "Prompt lengths: tokens or multiples of the training length, comma-separated (default: 1x,2x,4x).")
    var lengths: String?

    @Option(help: "Needle depths in [0, 1], comma-separated.")
    var depths: String = "0.1,0.5,0.9"

    @Option(help: "An attention policy to compare; repeat for several (default: full). ATTENTION@ROPE sets that method's RoPE scaling.")
    var attention: [String] = []

    @Option(help: "RoPE scaling for every method (see `skein policies`).")
    var rope: String = "config"

    @Option(help: "KV storage type (f32, f16, q8[:residual=N,group=G], q4[:...]); repeat to compare several.")
    var kvType: [String] = []

    @Option(help: "Samples per (length, depth, method).")
    var samples: Int = 3

    @Option(help: "Seed of the prompts; the same seed gives the same prompts.")
    var seed: UInt64 = 1

    @Option(help: "Output folder (default: skein-eval-TASK). Running again resumes; results of another experiment there are refused.")
    var out: String?

    @Option(help: "Haystack text file (default: Skein's bundled public-domain English text, for any model).")
    var haystack: String?

    @Option(help: "For the custom task: a JSONL file of {\"context\", \"question\", \"answer\"} lines.")
    var data: String?

    @Option(help: "Run shard k of n (k/n, 1-based), or auto: from a Slurm job array or a Kubernetes Indexed Job (with --shards); join with `skein eval merge`.")
    var shard: String?

    @Option(help: "The number of shards for --shard auto in a Kubernetes Indexed Job (its completions).")
    var shards: Int?

    @Option(help: "Evaluate an OpenAI-compatible server instead of the local engine (base URL, e.g. http://host:8000).")
    var endpoint: String?

    @Option(help: "API key for --endpoint.")
    var apiKey: String?

    @Option(help: "Model name sent to --endpoint (default: the one model its /v1/models lists).")
    var endpointModel: String?

    func run() throws {
        guard let evalTask = EvalTask(rawValue: task) else {
            throw ValidationError("unknown task '\(task)'; valid: \(EvalTask.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let folder = try ModelOptions(model: model).resolvedURL()
        let tokenizer = try ModelTokenizer(path: folder)
        let engine = try TransformerModel.load(path: folder)
        let lengthList = try SweepOptions.lengths(lengths ?? "1x,2x,4x", trainingLength: engine.trainingLength)
        let depthList = try depths.split(separator: ",").map { part -> Double in
            guard let value = Double(part.trimmingCharacters(in: .whitespaces)), (0...1).contains(value) else {
                throw ValidationError("--depths: '\(part)' is not a number in [0, 1]")
            }
            return value
        }
        guard samples >= 1 else { throw ValidationError("--samples must be at least 1") }
        let methods = try methodsFrom(attention: attention, rope: rope, kvTypes: kvType, model: engine,
                                      longestInput: evalTask == .custom ? nil : lengthList.max())
        if shards != nil && shard == nil { throw ValidationError("--shards N goes with --shard auto") }
        let shardPair = try shard.map { try SweepOptions.shard($0, shards: shards, environment: ProcessInfo.processInfo.environment) }
        let haystackFile = try TextFileOption.url(haystack, option: "--haystack")
        let text = try TextFileOption.contents(of: haystackFile)
        let outFolder = try makeOutputFolder(out ?? "skein-eval-\(evalTask.rawValue)")
        let results = outFolder.appendingPathComponent("results.jsonl")
        var sweep = Sweep(task: evalTask, lengths: lengthList, depths: depthList, methods: methods, samples: samples,
                          seed: seed, shard: shardPair)
        var promptSource = try ModelFingerprint.ofFile(haystackFile)
        if evalTask == .custom {
            guard let data else { throw ValidationError("the custom task needs --data FILE.jsonl") }
            sweep.customSamples = try EvalTask.loadCustom(URL(fileURLWithPath: data))
            guard !sweep.customSamples.isEmpty else { throw RuntimeError(.badData, "\(data): no samples") }
            (sweep.lengths, sweep.depths, sweep.samples) = ([0], [0], sweep.customSamples.count)
            promptSource = try ModelFingerprint.ofFile(URL(fileURLWithPath: data))
        }
        let endpointURL = try endpoint.map { text -> URL in
            guard let url = URL(string: text), url.scheme == "http" || url.scheme == "https" else {
                throw ValidationError("--endpoint \(text): not an http(s) URL")
            }
            return url
        }
        let servedModel = try endpointURL.map { try EndpointBackend.modelName(given: endpointModel, baseURL: $0, apiKey: apiKey) }
        sweep.provenance = EvalProvenance(
            task: evalTask.rawValue, model: model ?? folder.path, modelHash: try ModelFingerprint.of(folder),
            endpoint: endpointURL?.absoluteString, endpointModel: servedModel, seed: seed, haystack: promptSource,
            shard: shardPair.map { "\($0.index)/\($0.count)" })
        let filler = FillerText(text: String(decoding: text, as: UTF8.self), tokenizer: tokenizer)
        var bar = ProgressBar(label: "eval \(task)", total: 1)
        let records = try sweep.run(results: results, filler: filler, tokenizer: tokenizer, backend: { method in
            if let endpointURL, let servedModel {
                // One tiny request first: a policy the endpoint cannot apply fails before the sweep.
                return try EndpointBackend(baseURL: endpointURL, modelName: servedModel, apiKey: apiKey, method: method,
                                           expected: try AppliedPolicy.local(method, model: engine)).probed()
            }
            return try LocalBackend(model: engine, method: method, tokenizer: tokenizer)
        }, progress: { done, total in
            if bar.total != total { bar = ProgressBar(label: "eval \(task)", total: total) }
            bar.update(done)
        })
        bar.finish()
        try writeSummary(records: records, to: outFolder, title: "skein eval \(task) on \(modelDisplayName(folder))")
    }
}

