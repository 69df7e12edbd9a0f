import Foundation
import SkeinEval

/// `--haystack`, `--file` and `--text`: a text file the user names, or Skein's bundled
/// public-domain text (`DefaultText`) for any model. A model folder's own text is used only
/// when named.
enum TextFileOption {
    /// The named file, checked to exist, or the bundled text.
    /// - Throws: `RuntimeError.missingFile` naming the option and the path.
    static func url(_ given: String?, option: String) throws -> URL {
        guard let given else { return try DefaultText.file() }
        guard FileManager.default.fileExists(atPath: given) else {
            throw RuntimeError(.missingFile, "\(option) \(given): no such file")
        }
        return URL(fileURLWithPath: given)
    }

    /// The bytes of a text file.
    /// - Throws: `RuntimeError.missingFile` when it cannot be read.
    static func contents(of url: URL) throws -> Data {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw RuntimeError(.missingFile, "\(url.path): cannot read the file")
        }
        return data
    }
}
