import Foundation

/// What a model path holds: a Hugging Face folder or a GGUF file.
public enum ModelFormat: Sendable, Equatable {
    /// A folder with config.json, *.safetensors and tokenizer.json.
    case folder
    /// A file starting with the GGUF magic.
    case gguf

    /// The format of the model at `url`: a folder is a Hugging Face folder, a file must start
    /// with the GGUF magic ("GGUF"), whatever its name.
    /// - Throws: `FormatError.fileNotFound` when nothing is there, `FormatError.notAModel` for a
    ///   file that is not GGUF (a text file, a truncated download, a wrong magic).
    public static func detect(_ url: URL) throws -> ModelFormat {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw FormatError.fileNotFound(path: url.path)
        }
        if isDirectory.boolValue { return .folder }
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw FormatError.unreadable(path: url.path, reason: "permission denied")
        }
        defer { try? handle.close() }
        guard (try? handle.read(upToCount: 4)) == Data("GGUF".utf8) else { throw FormatError.notAModel(path: url.path) }
        return .gguf
    }
}
