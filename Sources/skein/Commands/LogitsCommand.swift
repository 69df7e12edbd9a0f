import ArgumentParser
import Foundation
import SkeinEngine

/// `skein logits`: one full prefill, printing every position's logits (for comparing engines).
struct LogitsCommand: ParsableCommand, ComputingCommand {
    static let configuration = CommandConfiguration(
        commandName: "logits",
        abstract: "Print the logits of every position of a token sequence (one full prefill).")

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var policyOptions: PolicyOptions
    @OptionGroup var threadOptions: ThreadOptions

    @Option(help: "Comma-separated token ids, e.g. \"1,2,3\".")
    var tokens: String

    @Flag(help: "Print {\"logits\": [[...], ...]}, one row per position.")
    var json = false

    func run() throws {
        let ids = try parseTokenList(tokens, option: "--tokens")
        let (model, policy) = try policyOptions.apply(to: TransformerModel.load(path: modelOptions.resolvedURL()))
        let logits = try model.forward(ids, cache: model.makeCache(for: policy, initialCapacity: ids.count), policy: policy)
        var out = json ? "{\"logits\": [" : ""
        for (i, row) in logits.enumerated() {
            let values = row.map { $0.isFinite ? "\($0)" : "null" }.joined(separator: json ? ", " : " ")
            out += json ? (i > 0 ? ", [" : "[") + values + "]" : values + "\n"
        }
        if json { out += "]}\n" }
        FileHandle.standardOutput.write(Data(out.utf8))
    }
}
