import ArgumentParser
import Foundation
import SkeinDemoModel
import SkeinFormats

/// `--model PATH|ORG/NAME[@REVISION]`: a Hugging Face model folder, a GGUF file, or a model
/// named as on the Hub and found on disk (`HubCache`). Shared by every command that runs a model.
struct ModelOptions: ParsableArguments {
    /// The help of every `--model` option.
    static let help = "A Hugging Face model folder (config.json, *.safetensors, tokenizer.json), a GGUF file, or ORG/NAME[@REVISION] from $SKEIN_MODELS or the Hugging Face cache"

    @Option(name: .long, help: ArgumentHelp("\(ModelOptions.help); default: the shipped demo model."))
    var model: String?

    init() {}

    init(model: String?) { self.model = model }

    /// The model folder or GGUF file to use, checked to exist and to be one of the two; the
    /// shipped demo model when --model is absent.
    func resolvedURL(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> URL {
        guard let model else {
            guard let demo = DemoModel.folder else {
                throw RuntimeError(.missingFile, "no --model given and the shipped demo model was not found next to the executable")
            }
            return demo
        }
        let url = try Self.locate(model, environment: environment)
        _ = try ModelFormat.detect(url)  // FormatError.notAModel: bad data (65)
        return url
    }

    /// The file or folder `text` names, an existing path first, else a model name (`HubCache`).
    /// - Throws: `RuntimeError(.missingFile)`, one line naming what was searched.
    static func locate(_ text: String, label: String = "--model ", notFound: String = "no such file or folder",
                       environment: [String: String] = ProcessInfo.processInfo.environment) throws -> URL {
        do {
            guard let url = try HubCache(environment: environment).locate(text) else {
                throw RuntimeError(.missingFile, "\(label)\(text): \(notFound)")
            }
            return url
        } catch let error as FormatError {
            throw RuntimeError(.missingFile, "\(label)\(error)")
        }
    }
}

/// What to call a model in reports and logs: `ORG/NAME` for a Hugging Face snapshot (not its
/// commit hash), else the folder's or file's name.
func modelDisplayName(_ url: URL) -> String {
    HubCache.repositoryName(of: url) ?? url.lastPathComponent
}

/// Parses "1,2,3" (spaces allowed) into token ids.
func parseTokenList(_ text: String, option: String) throws -> [Int] {
    let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    guard !parts.isEmpty else { throw ValidationError("\(option): expected comma-separated token ids") }
    return try parts.map {
        guard let id = Int($0) else { throw ValidationError("\(option): '\($0)' is not a token id") }
        return id
    }
}
