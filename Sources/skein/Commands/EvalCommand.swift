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

    @Option(help: "A model folder (default: the shipped demo model); its tokenizer builds the prompts.")
    var model: String?
    @OptionGroup var threadOptions: ThreadOptions

    @Option(help: "Prompt lengths in tokens, comma-separated (default: 1x,2x,4x the training length).")
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

    @Option(help: "Output folder (results are appended; running again resumes).")
    var out: String = "skein-eval"

    @Option(help: "Haystack text file (default: the demo model's public-domain heldout.txt).")
    var haystack: String?

    @Option(help: "For the custom task: a JSONL file of {\"context\", \"question\", \"answer\"} lines.")
    var data: String?

    @Option(help: "Run shard k of n (k/n, 1-based), for job arrays; join with `skein eval merge`.")
    var shard: String?

    @Option(help: "Evaluate an OpenAI-compatible server instead of the local engine (base URL, e.g. http://host:8000).")
    var endpoint: String?

    @Option(help: "API key for --endpoint.")
    var apiKey: String?

    @Option(help: "Model name sent to --endpoint (default: the model folder's name).")
    var endpointModel: String?

    func run() throws {
        guard let evalTask = EvalTask(rawValue: task) else {
            throw ValidationError("unknown task '\(task)'; valid: \(EvalTask.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let folder = try ModelOptions(model: model).resolvedURL()
        let tokenizer = try ModelTokenizer(path: folder)
        let engine = try TransformerModel.load(path: folder)
        let L = engine.trainingLength
        let lengthList = try lengths.map { try parseTokenList($0, option: "--lengths") } ?? [L, 2 * L, 4 * L]
        guard lengthList.allSatisfy({ $0 > 0 }) else { throw ValidationError("--lengths must be positive") }
        let depthList = try depths.split(separator: ",").map { part -> Double in
            guard let value = Double(part.trimmingCharacters(in: .whitespaces)), (0...1).contains(value) else {
                throw ValidationError("--depths: '\(part)' is not a number in [0, 1]")
            }
            return value
        }
        guard samples >= 1 else { throw ValidationError("--samples must be at least 1") }
        let methods = try methodsFrom(attention: attention, rope: rope, kvTypes: kvType, model: engine)
        let shardPair = try shard.map(parseShard)
        let haystackFile = haystack.map { URL(fileURLWithPath: $0) } ?? folder.appendingPathComponent("heldout.txt")
        guard let text = FileManager.default.contents(atPath: haystackFile.path) else {
            throw ValidationError("\(haystackFile.path): cannot read the haystack (give --haystack FILE)")
        }
        let outFolder = URL(fileURLWithPath: out)
        let results = outFolder.appendingPathComponent("results.jsonl")
        do {
            try FileManager.default.createDirectory(at: outFolder, withIntermediateDirectories: true)
        } catch {
            throw ValidationError("--out \(out): cannot create the folder: \(error.localizedDescription)")
        }
        var sweep = Sweep(task: evalTask, lengths: lengthList, depths: depthList, methods: methods, samples: samples,
                          seed: seed, shard: shardPair)
        if evalTask == .custom {
            guard let data else { throw ValidationError("the custom task needs --data FILE.jsonl") }
            sweep.customSamples = try EvalTask.loadCustom(URL(fileURLWithPath: data))
            guard !sweep.customSamples.isEmpty else { throw ValidationError("\(data): no samples") }
            (sweep.lengths, sweep.depths, sweep.samples) = ([0], [0], sweep.customSamples.count)
        }
        let filler = FillerText(text: String(decoding: text, as: UTF8.self), tokenizer: tokenizer)
        var bar = ProgressBar(label: "eval \(task)", total: 1)
        let records = try sweep.run(results: results, filler: filler, tokenizer: tokenizer, backend: { method in
            if let endpoint {
                guard let url = URL(string: endpoint) else { throw ValidationError("--endpoint \(endpoint): not a URL") }
                return EndpointBackend(baseURL: url, modelName: endpointModel ?? folder.lastPathComponent, apiKey: apiKey)
            }
            return try LocalBackend(model: engine, method: method, tokenizer: tokenizer)
        }, progress: { done, total in
            if bar.total != total { bar = ProgressBar(label: "eval \(task)", total: total) }
            bar.update(done)
        })
        bar.finish()
        try writeSummary(records: records, to: outFolder, title: "skein eval \(task) on \(folder.lastPathComponent)")
    }

    func parseShard(_ text: String) throws -> (index: Int, count: Int) {
        let parts = text.split(separator: "/").compactMap { Int($0) }
        guard parts.count == 2, parts[1] >= 1, (1...parts[1]).contains(parts[0]) else {
            throw ValidationError("--shard \(text): expected k/n with 1 <= k <= n")
        }
        return (parts[0], parts[1])
    }
}

/// `skein eval merge`: joins shard folders into one results.jsonl, summary and report.
struct EvalMergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Join the results of sharded sweeps into one folder.")

    @Argument(help: "Shard output folders.")
    var shards: [String]

    @Option(help: "Output folder for the merged results.")
    var out: String

    func run() throws {
        var seen = Set<String>()
        var merged = [EvalRecord]()
        for shard in shards {
            for record in try Sweep.readRecords(URL(fileURLWithPath: shard).appendingPathComponent("results.jsonl"))
            where seen.insert(record.key).inserted {
                merged.append(record)
            }
        }
        guard !merged.isEmpty else { throw ValidationError("no results found in \(shards.joined(separator: ", "))") }
        let outFolder = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: outFolder, withIntermediateDirectories: true)
        let results = outFolder.appendingPathComponent("results.jsonl")
        guard !FileManager.default.fileExists(atPath: results.path) else {
            throw ValidationError("\(results.path) exists; merge into an empty folder")
        }
        try Sweep.jsonLines(merged).write(to: results)
        try writeSummary(records: merged, to: outFolder, title: "skein eval \(merged[0].task) (merged)")
    }
}

/// Writes summary.json and report.html, prints the table.
func writeSummary(records: [EvalRecord], to folder: URL, title: String) throws {
    let summary = EvalSummary(records: records)
    let report = try writeReport(HTMLReport.render(summary, title: title), json: summary, named: "summary.json", in: folder)
    print(summary.table)
    print("\nresults: \(folder.appendingPathComponent("results.jsonl").path)\nreport: \(report.path)")
}

/// Builds `Method`s from repeated --attention values and one --rope, checked against the model.
/// `ATTENTION@ROPE` in one value overrides --rope for that method, so one sweep can compare RoPE settings.
/// Repeated --kv-type values give every method once per KV storage type.
func methodsFrom(attention: [String], rope: String, kvTypes: [String] = [], model: TransformerModel) throws -> [Method] {
    try (attention.isEmpty ? ["full"] : attention).flatMap { value -> [Method] in
        let parts = value.split(separator: "@", maxSplits: 1).map(String.init)
        let spec = parts[0], methodRope = parts.count > 1 ? parts[1] : rope
        return try (kvTypes.isEmpty ? ["f32"] : kvTypes).map { kv -> Method in
            let base = methodRope == "config" ? spec : "\(spec)@\(methodRope)"
            let method = Method(name: kv == "f32" ? base : "\(base) kv=\(kv)", attention: spec, rope: methodRope, kvType: kv)
            do { _ = try method.apply(to: model) } catch { throw ValidationError("--attention \(spec) --kv-type \(kv): \(error)") }
            return method
        }
    }
}

/// Creates the output folder or explains why it cannot.
func makeOutputFolder(_ path: String) throws -> URL {
    let folder = URL(fileURLWithPath: path)
    do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
        throw ValidationError("--out \(path): cannot create the folder: \(error.localizedDescription)")
    }
    return folder
}

/// `skein eval efficiency`: prefill time, decode speed, KV bytes and peak memory vs length.
struct EvalEfficiencyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "efficiency",
        abstract: "Prefill time, decode tokens/s, KV bytes and peak memory vs length per policy; the first --attention is the baseline.")

    @Option(help: "A model folder (default: the shipped demo model).")
    var model: String?
    @OptionGroup var threadOptions: ThreadOptions

    @Option(help: "Context lengths in tokens, comma-separated.")
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
        let methods = try methodsFrom(attention: attention.isEmpty ? ["full", "window"] : attention, rope: rope, kvTypes: kvType, model: engine)
        let lengthList = try parseTokenList(lengths, option: "--lengths")
        guard decodeTokens >= 1 else { throw ValidationError("--decode-tokens must be at least 1") }
        let outFolder = try makeOutputFolder(out)
        var bar = ProgressBar(label: "efficiency", total: methods.count * lengthList.count)
        let results = try EfficiencyResults.measure(model: engine, methods: methods, lengths: lengthList, decodeTokens: decodeTokens) { done, _ in
            bar.update(done)
        }
        bar.finish()
        let report = try writeReport(HTMLReport.render(results, title: "skein eval efficiency on \(folder.lastPathComponent)"),
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

    @Option(help: "A model folder (default: the shipped demo model).")
    var model: String?
    @OptionGroup var threadOptions: ThreadOptions

    @Option(help: "The UTF-8 text (default: the demo model's heldout.txt).")
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

    func run() throws {
        let folder = try ModelOptions(model: model).resolvedURL()
        let engine = try TransformerModel.load(path: folder)
        let tokenizer = try ModelTokenizer(path: folder)
        let methods = try methodsFrom(attention: attention, rope: rope, kvTypes: kvType, model: engine)
        let path = file ?? folder.appendingPathComponent("heldout.txt").path
        let L = engine.trainingLength
        let tokens = Array(tokenizer.encode(try readTextFile(path)).prefix((maxLength ?? 16 * L) + 1))
        guard tokens.count > 2 else { throw ValidationError("\(path): too little text to score") }
        let bands = PerplexityCurve.doublingBands(trainingLength: min(L, tokens.count - 1), maxLength: tokens.count - 1)
        let outFolder = try makeOutputFolder(out)
        var curves = [String: [Double?]]()
        var bar = ProgressBar(label: "perplexity", total: methods.count)
        for (index, method) in methods.enumerated() {
            let (scaled, policy) = try method.apply(to: engine)
            curves[method.name] = try PerplexityCurve.measure(model: scaled, policy: policy, tokens: tokens, bands: bands).values
            bar.update(index + 1)
        }
        bar.finish()
        let results = LengthSweep.Results(model: folder.lastPathComponent, trainingLength: L, lengths: [], trials: 0, methods: methods,
                                          passkey: [:], bands: bands.map { [$0.lowerBound, $0.upperBound] }, perplexity: curves, seconds: 0)
        let report = try writeReport(HTMLReport.render(results, title: "skein eval perplexity on \(folder.lastPathComponent)"),
                                     json: results, named: "perplexity.json", in: outFolder)
        print(results.perplexityTable)
        print("\nreport: \(report.path)")
    }
}

