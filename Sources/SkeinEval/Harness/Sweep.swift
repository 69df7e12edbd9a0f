import Foundation
import SkeinTokenizers

/// A grid of lengths x depths x methods x samples for one task, seeded and resumable.
public struct Sweep: Sendable {
    public var task: EvalTask
    public var lengths: [Int]
    public var depths: [Double]
    public var methods: [Method]
    public var samples: Int
    public var seed: UInt64
    /// (k, n): run only the cells with index % n == k - 1.
    public var shard: (index: Int, count: Int)?
    /// The samples of the `custom` task (one per line of the user's JSONL).
    public var customSamples: [TaskSample] = []
    /// Recorded in every line; resuming into results of another experiment is refused.
    public var provenance: EvalProvenance?

    public init(task: EvalTask, lengths: [Int], depths: [Double], methods: [Method], samples: Int, seed: UInt64,
                shard: (index: Int, count: Int)? = nil) {
        self.task = task
        self.lengths = lengths
        self.depths = depths
        self.methods = methods
        self.samples = samples
        self.seed = seed
        self.shard = shard
    }

    /// Every cell, in a fixed order; the prompt seed depends on (length, depth, sample) only, so
    /// every method sees the same prompts.
    public var cells: [(method: Method, length: Int, depth: Double, sample: Int, seed: UInt64)] {
        var out: [(Method, Int, Double, Int, UInt64)] = []
        var index = 0
        for method in methods {
            for (li, length) in lengths.enumerated() {
                for (di, depth) in depths.enumerated() {
                    for sample in 0..<samples {
                        defer { index += 1 }
                        if let shard, index % shard.count != shard.index - 1 { continue }
                        let cellSeed = seed &* 1_000_003 &+ UInt64(li * 10_007 + di * 101 + sample)
                        out.append((method, length, depth, sample, cellSeed))
                    }
                }
            }
        }
        return out
    }

    /// Reads the records of a results.jsonl; a torn last line (an interrupted write) is ignored.
    public static func readRecords(_ file: URL) throws -> [EvalRecord] { try load(file).records }

    /// The records of a results.jsonl, and whether the file must be rewritten before appending
    /// (it is missing, or its last line is torn or lacks its newline).
    private static func load(_ file: URL) throws -> (records: [EvalRecord], needsRewrite: Bool) {
        guard let data = FileManager.default.contents(atPath: file.path) else { return ([], true) }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        var records = [EvalRecord]()
        var torn = false
        for (index, line) in lines.enumerated() where !line.isEmpty {
            guard let record = try? JSONDecoder().decode(EvalRecord.self, from: Data(line.utf8)) else {
                if index == lines.count - 1 { torn = true; continue }  // torn tail: the sample reruns
                throw EvalError.malformedResults(file: file.path, line: index + 1)
            }
            records.append(record)
        }
        return (records, torn || (!data.isEmpty && data.last != 0x0A))
    }

    /// Records as JSONL, one line each.
    public static func jsonLines(_ records: [EvalRecord]) throws -> Data {
        try records.reduce(into: Data()) { $0 += try $1.jsonLine() }
    }

    /// Runs the cells not yet in `results` (a JSONL file), appending and flushing each record.
    ///
    /// Every method's backend is built first (an endpoint is probed), so a policy an endpoint
    /// cannot apply fails before any sample runs. Records already in the file must be of this
    /// experiment: the same task, `provenance` (when set) and, per method, the same applied policy.
    /// - Parameters:
    ///   - backend: the backend for a method (built once per method).
    ///   - progress: (done, total) after each sample, counting resumed ones.
    /// - Throws: `EvalError.differentExperiment` naming the field that differs, or the backend's error.
    public func run(results: URL, filler: FillerText, tokenizer: ModelTokenizer,
                    backend: (Method) throws -> CompletionBackend,
                    progress: (Int, Int) -> Void = { _, _ in }) throws -> [EvalRecord] {
        let loaded = try Self.load(results)
        try ExperimentCheck.resume(file: results.relativePath, records: loaded.records, task: task.rawValue,
                                   provenance: provenance, applied: [:])
        var backends = [String: CompletionBackend]()
        for method in methods where backends[method.name] == nil { backends[method.name] = try backend(method) }
        try ExperimentCheck.resume(file: results.relativePath, records: loaded.records, task: task.rawValue,
                                   provenance: provenance, applied: backends.compactMapValues(\.appliedPolicy))
        var records = loaded.records
        var done = Set(records.map(\.key))
        let cells = self.cells
        if loaded.needsRewrite { try rewrite(results, records) }
        let handle: FileHandle
        do { handle = try FileHandle(forWritingTo: results) } catch {
            throw EvalError.unwritable(path: results.path, reason: error.localizedDescription)
        }
        defer { try? handle.close() }
        try handle.seekToEnd()
        func key(_ cell: (method: Method, length: Int, depth: Double, sample: Int, seed: UInt64)) -> String {
            EvalRecord.key(task: task.rawValue, method: cell.method.name, length: cell.length, depth: cell.depth, sample: cell.sample)
        }
        var finished = cells.filter { done.contains(key($0)) }.count
        progress(finished, cells.count)
        for cell in cells where !done.contains(key(cell)) {
            let sample = task == .custom
                ? customSamples[cell.sample]
                : task.makeSample(length: cell.length, depth: cell.depth, seed: cell.seed, filler: filler, tokenizer: tokenizer)
            let promptTokens = tokenizer.encode(sample.prompt).count
            if task != .custom && promptTokens > cell.length + max(8, cell.length / 10) {
                throw EvalError.promptTooShort(length: cell.length, overhead: promptTokens)
            }
            let backend = backends[cell.method.name]!
            let output = try backend.complete(sample.prompt, maxTokens: sample.maxTokens)
            let record = EvalRecord(
                task: task.rawValue, method: cell.method.name, attention: cell.method.attention, rope: cell.method.rope,
                length: task == .custom ? promptTokens : cell.length, depth: cell.depth, sample: cell.sample, seed: cell.seed, promptTokens: promptTokens,
                promptCharacters: sample.prompt.count, answers: sample.answers, output: output, score: sample.score(output),
                applied: backend.appliedPolicy, provenance: provenance)
            try handle.write(contentsOf: record.jsonLine())
            try handle.synchronize()
            records.append(record)
            done.insert(record.key)
            finished += 1
            progress(finished, cells.count)
        }
        return records
    }

    /// Rewrites the file from whole records (atomically), dropping a torn last line.
    private func rewrite(_ results: URL, _ records: [EvalRecord]) throws {
        do {
            try FileManager.default.createDirectory(at: results.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Self.jsonLines(records).write(to: results, options: .atomic)
        } catch {
            throw EvalError.unwritable(path: results.path, reason: error.localizedDescription)
        }
    }
}
