import ArgumentParser
import Foundation
import SkeinEngine
import SkeinEval

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
        // Every shard must be of one experiment (task, model hash, endpoint, seed, build, policies).
        let sets = try shards.map { shard -> (name: String, records: [EvalRecord]) in
            let file = URL(fileURLWithPath: shard).appendingPathComponent("results.jsonl")
            guard FileManager.default.fileExists(atPath: file.path) else { throw RuntimeError(.missingFile, "\(file.path): no results.jsonl in this shard folder") }
            return (file.relativePath, try Sweep.readRecords(file))
        }
        let merged = try ExperimentCheck.merge(sets)
        guard !merged.isEmpty else { throw RuntimeError(.badData, "no results found in \(shards.joined(separator: ", "))") }
        let outFolder = try makeOutputFolder(out)
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
    let summary = try EvalSummary(records: records)
    let report = try writeReport(HTMLReport.render(summary, title: title), json: summary, named: "summary.json", in: folder)
    print(summary.table)
    print("\nresults: \(folder.appendingPathComponent("results.jsonl").path)\nreport: \(report.path)")
}

/// Builds `Method`s from repeated --attention values and one --rope, checked against the model.
/// `ATTENTION@ROPE` in one value overrides --rope for that method, so one sweep can compare RoPE settings.
/// Repeated --kv-type values give every method once per KV storage type.
///
/// Given the sweep's `longestInput`, a policy named without keys whose defaults would not reach it
/// is sized for it (self-extend's group; the method keeps its name and records the spelling used),
/// and a policy that still cannot reach it prints one warning (`PolicyReach.notice`).
func methodsFrom(attention: [String], rope: String, kvTypes: [String] = [], model: TransformerModel, longestInput: Int? = nil) throws -> [Method] {
    try (attention.isEmpty ? ["full"] : attention).flatMap { value -> [Method] in
        let parts = value.split(separator: "@", maxSplits: 1).map(String.init)
        var spec = parts[0]
        let methodRope = parts.count > 1 ? parts[1] : rope
        if let n = longestInput, methodRope == "config" {
            if let choice = try? PolicyChoice.resolve(model, attention: spec, inputLength: n), choice.sizedFor != nil {
                warn("--attention \(spec): its defaults do not reach \(n) tokens; sized for them as \(choice.policy.description)")
                spec = choice.policy.description
            }
            if let policy = try? model.attentionPolicy(spec),
               let notice = PolicyReach.notice(policy: policy, inputLength: n, trainingLength: model.trainingLength) {
                warn("--attention \(value) at \(n) tokens: \(notice)")
            }
        }
        return try (kvTypes.isEmpty ? ["f32"] : kvTypes).map { kv -> Method in
            let base = methodRope == "config" ? parts[0] : "\(parts[0])@\(methodRope)"
            let method = Method(name: kv == "f32" ? base : "\(base) kv=\(kv)", attention: spec, rope: methodRope, kvType: kv)
            do { _ = try method.apply(to: model) } catch { throw ValidationError("--attention \(spec) --kv-type \(kv): \(error)") }
            return method
        }
    }
}

/// One line on standard error, prefixed "warning: ".
func warn(_ text: String) {
    FileHandle.standardError.write(Data("warning: \(text)\n".utf8))
}

/// Creates the output folder or explains why it cannot.
func makeOutputFolder(_ path: String) throws -> URL {
    let folder = URL(fileURLWithPath: path)
    do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
        throw ValidationError("--out \(path): cannot create the folder: \(error.localizedDescription)")
    }
    return folder
}

