import ArgumentParser
import Foundation
import SkeinDemoModel
import SkeinFormats

/// `--model PATH`: a Hugging Face model folder or a GGUF file. Shared by every command that runs a model.
struct ModelOptions: ParsableArguments {
    @Option(name: .long, help: "A Hugging Face model folder (config.json, *.safetensors, tokenizer.json) or a GGUF file; default: the shipped demo model.")
    var model: String?

    init() {}

    init(model: String?) { self.model = model }

    /// The model folder or GGUF file to use, checked to exist and to be one of the two; the
    /// shipped demo model when --model is absent.
    func resolvedURL() throws -> URL {
        guard let model else {
            guard let demo = DemoModel.folder else {
                throw RuntimeError(.missingFile, "no --model given and the shipped demo model was not found next to the executable")
            }
            return demo
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: model, isDirectory: &isDirectory) else {
            throw RuntimeError(.missingFile, "--model \(model): no such file or folder")
        }
        let url = URL(fileURLWithPath: model)
        _ = try ModelFormat.detect(url)  // FormatError.notAModel: bad data (65)
        return url
    }
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
