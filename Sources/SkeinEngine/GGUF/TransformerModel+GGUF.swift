import Foundation
import SkeinTokenizers
import SkeinFormats

extension TransformerModel {
    /// Loads a GGUF file. Llama-architecture files store q and k rows in the interleaved RoPE order
    /// (llama.cpp's converter permutes them), so those run with `RopeLayout.interleaved`.
    public static func load(gguf file: GGUFFile) throws -> TransformerModel {
        let configuration = try ModelConfiguration(gguf: file)
        let weights = try GGUFWeightLoader.load(file, configuration: configuration)
        return TransformerModel(configuration: configuration, weights: weights,
                                ropeLayout: configuration.architecture == .llama ? .interleaved : .rotateHalf)
    }

    /// Loads a model from a Hugging Face folder or a `.gguf` file.
    public static func load(path url: URL) throws -> TransformerModel {
        if ModelLocation.isGGUF(url) { return try load(gguf: GGUFFile(path: url.path)) }
        return try load(directory: url)
    }
}

/// Where a model lives: a Hugging Face folder or a GGUF file.
public enum ModelLocation {
    /// True when `url` is a regular file starting with the GGUF magic.
    public static func isGGUF(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue,
              let handle = FileHandle(forReadingAtPath: url.path) else { return false }
        defer { try? handle.close() }
        return (try? handle.read(upToCount: 4)) == Data("GGUF".utf8)
    }
}

extension ModelTokenizer {
    /// The tokenizer of a Hugging Face folder (tokenizer.json) or of a `.gguf` file (`tokenizer.ggml.*`).
    public init(path url: URL) throws {
        if ModelLocation.isGGUF(url) {
            try self.init(gguf: GGUFFile(path: url.path))
        } else {
            try self.init(folder: url)
        }
    }
}
