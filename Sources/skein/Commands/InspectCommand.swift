import ArgumentParser
import Foundation
import SkeinEngine
import SkeinFormats

/// `skein inspect`: what a model folder holds and whether it can run, without running it.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show a model's architecture, hyper-parameters, RoPE settings, tokenizer and tensors, and check them.",
        discussion: """
            Missing or mis-shaped tensors (against what the loader reads for config.json) are listed \
            and make inspect exit 65; unexpected tensors are listed and allowed. With --context N, \
            the memory of the weights plus the KV cache at N tokens (default policy) for each KV type.
            """)

    @Argument(help: "A Hugging Face model folder, or ORG/NAME[@REVISION] from $SKEIN_MODELS or the Hugging Face cache.")
    var path: String

    @Option(help: "Estimate memory for a context of N tokens: weights + KV cache of the default policy for each KV type (f32, f16, q8, q4).")
    var context: Int?

    func validate() throws {
        if let context, context < 1 { throw ValidationError("--context must be at least 1, got \(context)") }
    }

    func run() throws {
        let directory = try ModelOptions.locate(path, label: "", notFound: "no such model folder")
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw RuntimeError(.badData, "\(path): not a model folder (inspect reads Hugging Face folders)")
        }
        let c = try ModelConfiguration.load(directory: directory)
        let store = try WeightStore(directory: directory)
        var lines = InspectSections.configuration(c)
        lines += InspectSections.tokenizer(folder: directory)
        var parameters = 0, weightBytes = 0
        lines.append("tensors:")
        for name in store.tensorNames {
            guard let info = store.info(name) else { continue }
            parameters += info.elementCount
            weightBytes += info.dataRange.count
            lines.append("  \(name)  \(info.dtype.rawValue)  \(info.shape)")
        }
        lines.insert("parameters          \(parameters)", at: 1)
        let problems = CheckpointCheck.problems(in: store, configuration: c)
        lines.append(problems.isEmpty ? "check               ok: every tensor the loader reads is present with its shape"
                                      : "check               \(problems.filter(\.isFatal).count) problem(s) stop loading, \(problems.filter { !$0.isFatal }.count) unexpected")
        lines += problems.map { "  \($0.isFatal ? "error" : "note"): \($0)" }
        if let context { lines += InspectSections.memory(c, weightBytes: weightBytes, context: context) }
        print(lines.joined(separator: "\n"))
        if let first = problems.first(where: \.isFatal) {
            let more = problems.filter(\.isFatal).count - 1
            throw RuntimeError(.badData, "\(path): the model cannot run: \(first)" + (more > 0 ? " (and \(more) more, listed above)" : ""))
        }
    }
}
