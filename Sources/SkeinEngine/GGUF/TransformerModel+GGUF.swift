import Foundation
import SkeinTokenizers
import SkeinFormats

extension TransformerModel {
    /// Loads a GGUF file. Llama-architecture files store q and k rows in the interleaved RoPE order
    /// (llama.cpp's converter permutes them), so those run with `RopeLayout.interleaved`
    /// (`ArchitectureDefinition.ggufRopeLayout`).
    public static func load(gguf file: GGUFFile) throws -> TransformerModel {
        let configuration = try ModelConfiguration(gguf: file)
        let weights = try GGUFWeightLoader.load(file, configuration: configuration)
        return TransformerModel(configuration: configuration, weights: weights,
                                ropeLayout: configuration.definition.ggufRopeLayout)
    }

    /// Loads a model from a Hugging Face folder or a GGUF file.
    /// - Throws: `FormatError.notAModel` for a file that is not GGUF, else the loader's errors.
    public static func load(path url: URL) throws -> TransformerModel {
        switch try ModelFormat.detect(url) {
        case .gguf: try load(gguf: GGUFFile(path: url.path))
        case .folder: try load(directory: url)
        }
    }
}

/// Where a model lives: a Hugging Face folder or a GGUF file.
public enum ModelLocation {
    /// True when `url` is a regular file starting with the GGUF magic.
    public static func isGGUF(_ url: URL) -> Bool {
        (try? ModelFormat.detect(url)) == .gguf
    }
}

extension ModelTokenizer {
    /// The tokenizer of a Hugging Face folder (tokenizer.json) or of a `.gguf` file (`tokenizer.ggml.*`).
    /// - Throws: `FormatError.notAModel` for a file that is not GGUF, else the tokenizer's errors.
    public init(path url: URL) throws {
        switch try ModelFormat.detect(url) {
        case .gguf: try self.init(gguf: GGUFFile(path: url.path))
        case .folder: try self.init(folder: url)
        }
    }
}
