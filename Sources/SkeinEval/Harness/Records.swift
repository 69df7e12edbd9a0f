import Foundation

/// One scored sample with its full configuration: one line of results.jsonl.
public struct EvalRecord: Sendable, Codable, Equatable {
    public var task: String
    public var method: String
    /// The method's `--attention` and `--rope` as asked; `applied` says what ran.
    public var attention: String
    public var rope: String
    public var length: Int
    public var depth: Double
    public var sample: Int
    /// The cell's prompt seed (derived from the sweep's seed, in `provenance`).
    public var seed: UInt64
    public var promptTokens: Int
    public var promptCharacters: Int
    public var answers: [String]
    public var output: String
    public var score: Double
    /// The policy, RoPE and KV type as applied (nil in results written before it was recorded).
    public var applied: AppliedPolicy? = nil
    /// The experiment and the build that produced the line (nil in older results).
    public var provenance: EvalProvenance? = nil

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

/// Why a sweep, a resume or a merge could not run.
public enum EvalError: Error, CustomStringConvertible {
    case malformedResults(file: String, line: Int)
    case promptTooShort(length: Int, overhead: Int)
    case unwritable(path: String, reason: String)
    case unreadable(path: String, reason: String)
    case malformedData(file: String, line: Int, reason: String)
    /// `file` holds results of another experiment than this run (resume).
    case differentExperiment(file: String, field: String, recorded: String, current: String)
    /// Two result sets that were to be merged or summarized together differ in `field`.
    case mixedExperiments(first: String, second: String, field: String, firstValue: String, secondValue: String)
    /// A command-line value that cannot be used (`--lengths 3y`, `--shard auto` outside a job array).
    case invalidOption(option: String, reason: String)

    public var description: String {
        switch self {
        case .malformedResults(let file, let line): return "\(file): line \(line) is not a result record"
        case .promptTooShort(let length, let overhead):
            return "length \(length) is below the task's prompt overhead (\(overhead) tokens); use longer --lengths"
        case .unwritable(let path, let reason): return "\(path): cannot write: \(reason)"
        case .unreadable(let path, let reason): return "\(path): cannot read: \(reason)"
        case .malformedData(let file, let line, let reason): return "\(file): line \(line): \(reason)"
        case .differentExperiment(let file, "provenance", _, _):
            return "\(file) holds lines without provenance (written by an older Skein), so they cannot be shown to be of this "
                + "experiment. Use another --out"
        case .differentExperiment(let file, let field, let recorded, let current):
            return "\(file) was written by \(field) \(recorded); this run is \(current). Use another --out for another experiment"
        case .mixedExperiments(let first, let second, let field, let a, let b):
            return "\(first) and \(second) are different experiments: \(field) \(a) vs \(b); only results of one experiment can be joined"
        case .invalidOption(let option, let reason): return "\(option): \(reason)"
        }
    }
}
