import Foundation
import Testing
@testable import SkeinEval

/// `skein eval` end to end on the demo model, in child processes: default folders, refusals,
/// `--shard auto`, `--lengths 1x` and report sections as a user meets them.
@Suite struct EvalCommandTests {
    static let small = ["--depths", "0.5", "--samples", "1"]

    static func folder() throws -> URL {
        let url = SweepTests.folder()
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func records(_ folder: URL) throws -> [EvalRecord] { try Sweep.readRecords(folder.appendingPathComponent("results.jsonl")) }

    /// Defect: every task's --out defaulted to skein-eval, so tasks shared a folder.
    @Test func theDefaultOutputFolderNamesTheTaskAndLengthsTakeMultiples() throws {
        let cwd = try Self.folder()
        for task in ["passkey", "vt"] {
            let run = try SkeinExecutable.run(["eval", task, "--lengths", "1x,2x"] + Self.small, in: cwd)
            #expect(run.status == 0, "\(run.errors)")
        }
        let passkey = try Self.records(cwd.appendingPathComponent("skein-eval-passkey"))
        let vt = try Self.records(cwd.appendingPathComponent("skein-eval-vt"))
        #expect(passkey.map(\.task) == ["passkey", "passkey"] && vt.map(\.task) == ["vt", "vt"])
        #expect(passkey.map(\.length) == [256, 512])  // the demo model is trained at 256 tokens
        #expect(passkey.allSatisfy { $0.provenance?.modelHash.hasPrefix("sha256:") == true && $0.applied?.source == "engine" })
    }

    /// Defect: `eval merge` of a passkey and a vt folder wrote "task": "passkey" with vt lines in it.
    @Test func mergeOfTwoTasksFailsAndWritesNothing() throws {
        let cwd = try Self.folder()
        for task in ["passkey", "vt"] {
            #expect(try SkeinExecutable.run(["eval", task, "--lengths", "1x"] + Self.small, in: cwd).status == 0)
        }
        let merge = try SkeinExecutable.run(["eval", "merge", "skein-eval-passkey", "skein-eval-vt", "--out", "merged"], in: cwd)
        #expect(merge.status != 0)
        #expect(merge.errors.contains("task passkey vs vt"), "\(merge.errors)")
        #expect(!FileManager.default.fileExists(atPath: cwd.appendingPathComponent("merged/results.jsonl").path))
    }

    @Test func shardAutoReadsTheJobArrayAndMergeJoinsTheShards() throws {
        let cwd = try Self.folder()
        let sweep = ["eval", "passkey", "--lengths", "1x,2x"] + Self.small
        let slurm = try SkeinExecutable.run(sweep + ["--shard", "auto", "--out", "a"], in: cwd,
                                            environment: ["SLURM_ARRAY_TASK_ID": "0", "SLURM_ARRAY_TASK_COUNT": "2", "SLURM_ARRAY_TASK_MIN": "0"])
        let indexed = try SkeinExecutable.run(sweep + ["--shard", "auto", "--shards", "2", "--out", "b"], in: cwd,
                                              environment: ["JOB_COMPLETION_INDEX": "1"])
        #expect(slurm.status == 0 && indexed.status == 0, "\(slurm.errors) \(indexed.errors)")
        #expect(try Self.records(cwd.appendingPathComponent("a")).map { $0.provenance?.shard } == ["1/2"])
        #expect(try Self.records(cwd.appendingPathComponent("b")).map { $0.provenance?.shard } == ["2/2"])
        #expect(try SkeinExecutable.run(["eval", "merge", "a", "b", "--out", "m"], in: cwd).status == 0)
        #expect(try Self.records(cwd.appendingPathComponent("m")).count == 2)
        let outside = try SkeinExecutable.run(sweep + ["--shard", "auto", "--out", "c"], in: cwd)
        #expect(outside.status != 0 && outside.errors.contains("SLURM_ARRAY_TASK_ID") && outside.errors.contains("JOB_COMPLETION_INDEX"))
    }

    /// Defect: `eval perplexity`'s report had an empty passkey chart and table, "0 passkey trials per length".
    @Test func thePerplexityReportHasNoPasskeySection() throws {
        let cwd = try Self.folder()
        let run = try SkeinExecutable.run(["eval", "perplexity", "--max-length", "512", "--out", "p"], in: cwd)
        #expect(run.status == 0, "\(run.errors)")
        let html = try String(contentsOf: cwd.appendingPathComponent("p/report.html"), encoding: .utf8)
        #expect(!html.lowercased().contains("passkey"))
        #expect(html.contains("Perplexity by position band"))
    }
}
