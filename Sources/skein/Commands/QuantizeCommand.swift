import ArgumentParser
import Foundation
import SkeinEngine
import SkeinFormats
import SkeinTokenizers

/// `skein quantize`: a Hugging Face folder to a GGUF file llama.cpp can read.
struct QuantizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quantize",
        abstract: "Convert a Hugging Face model folder to a GGUF file (F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K_M, Q5_K_M, Q6_K).")

    @Option(help: "Hugging Face model folder (config.json, *.safetensors, tokenizer.json), or ORG/NAME[@REVISION] from $SKEIN_MODELS or the Hugging Face cache.")
    var model: String

    @Option(help: "Tensor type mix: \(GGUFQuantScheme.allCases.map(\.rawValue).joined(separator: ", ")).")
    var type: String = "Q8_0"

    @Option(help: "Output .gguf file (never overwritten).")
    var out: String

    func run() throws {
        guard let scheme = GGUFQuantScheme.allCases.first(where: { $0.rawValue.lowercased() == type.lowercased() }) else {
            throw ValidationError("--type \(type): expected one of \(GGUFQuantScheme.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let folder = try ModelOptions.locate(model)
        let outURL = URL(fileURLWithPath: out)
        guard !FileManager.default.fileExists(atPath: outURL.path) else {
            throw ValidationError("--out \(out): file exists; Skein never overwrites it")
        }
        let converter = try GGUFConverter(folder: folder, scheme: scheme)
        var tokenizerEntries: [GGUFMetadataEntry] = []
        if FileManager.default.fileExists(atPath: folder.appendingPathComponent("tokenizer.json").path) {
            tokenizerEntries = try GGUFVocabulary(folder: folder, vocabularySize: converter.configuration.vocabSize).metadataEntries
        } else {
            warn("\(model) has no tokenizer.json; the GGUF will have no tokenizer (llama.cpp needs one)")
        }
        let start = Date()
        try converter.write(to: outURL, extraMetadata: tokenizerEntries) { done, total in
            let width = 30, filled = width * done / total
            FileHandle.standardError.write(Data("\r[\(String(repeating: "#", count: filled))\(String(repeating: ".", count: width - filled))] \(done)/\(total) tensors".utf8))
        }
        let bytes = (try? FileManager.default.attributesOfItem(atPath: outURL.path)[.size] as? Int) ?? 0
        FileHandle.standardError.write(Data("\n".utf8))
        print("wrote \(out): \(scheme.rawValue), \(bytes / 1_048_576) MiB in \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
    }
}
