import ArgumentParser
import Foundation

/// `--model PATH`: a Hugging Face model folder. Shared by every command that runs a model.
struct ModelOptions: ParsableArguments {
    @Option(name: .long, help: "A Hugging Face model folder (config.json, *.safetensors, tokenizer.json).")
    var model: String?

    /// The model folder to use, checked to exist.
    func resolvedURL() throws -> URL {
        guard let model else {
            throw ValidationError("no --model given (the shipped demo model is not available in this build)")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: model, isDirectory: &isDirectory) else {
            throw ValidationError("--model \(model): no such file or folder")
        }
        return URL(fileURLWithPath: model)
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
