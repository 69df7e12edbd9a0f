import Foundation
import SkeinTokenizers

/// One scored sample with its full configuration: one line of results.jsonl.
public struct EvalRecord: Sendable, Codable, Equatable {
    public var task: String
    public var method: String
    public var attention: String
    public var rope: String
    public var length: Int
    public var depth: Double
    public var sample: Int
    public var seed: UInt64
    public var promptTokens: Int
    public var promptCharacters: Int
    public var answers: [String]
    public var output: String
    public var score: Double

    /// Identifies the sample within a sweep (resume and merge use it).
    public var key: String { Self.key(task: task, method: method, length: length, depth: depth, sample: sample) }

    /// The key of a cell; custom samples are identified by their line alone (their length is measured).
    public static func key(task: String, method: String, length: Int, depth: Double, sample: Int) -> String {
        task == EvalTask.custom.rawValue ? "custom|\(method)|\(sample)" : "\(task)|\(method)|\(length)|\(depth)|\(sample)"
    }

    /// One results.jsonl line (sorted keys, newline-terminated).
    public func jsonLine() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var line = try encoder.encode(self)
        line.append(0x0A)
        return line
    }
}

/// Why a sweep could not run.
public enum EvalError: Error, CustomStringConvertible {
    case malformedResults(file: String, line: Int)
    case promptTooShort(length: Int, overhead: Int)
    case unwritable(path: String, reason: String)
    case malformedData(file: String, line: Int, reason: String)

    public var description: String {
        switch self {
        case .malformedResults(let file, let line): return "\(file): line \(line) is not a result record"
        case .promptTooShort(let length, let overhead):
            return "length \(length) is below the task's prompt overhead (\(overhead) tokens); use longer --lengths"
        case .unwritable(let path, let reason): return "\(path): cannot write: \(reason)"
        case .malformedData(let file, let line, let reason): return "\(file): line \(line): \(reason)"
        }
    }
}

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
    /// - Parameters:
    ///   - backend: the backend for a method (built once per method).
    ///   - progress: (done, total) after each sample, counting resumed ones.
    public func run(results: URL, filler: FillerText, tokenizer: ModelTokenizer,
                    backend: (Method) throws -> CompletionBackend,
                    progress: (Int, Int) -> Void = { _, _ in }) throws -> [EvalRecord] {
        let loaded = try Self.load(results)
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
        var backends = [String: CompletionBackend]()
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
            if backends[cell.method.name] == nil { backends[cell.method.name] = try backend(cell.method) }
            let output = try backends[cell.method.name]!.complete(sample.prompt, maxTokens: sample.maxTokens)
            let record = EvalRecord(
                task: task.rawValue, method: cell.method.name, attention: cell.method.attention, rope: cell.method.rope,
                length: task == .custom ? promptTokens : cell.length, depth: cell.depth, sample: cell.sample, seed: cell.seed, promptTokens: promptTokens,
                promptCharacters: sample.prompt.count, answers: sample.answers, output: output, score: sample.score(output))
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
