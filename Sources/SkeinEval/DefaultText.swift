import Foundation

/// The public-domain English text that ships with Skein (Resources/texts/README.md): the default
/// haystack of `skein eval`, text of `skein eval perplexity` and text of `skein analyze`, for
/// any model. A model folder's own text is read only when the user names it.
public enum DefaultText {
    /// The bundled text file, or nil when this build has no copy of it (a broken install).
    public static var url: URL? {
        let url = Bundle.module.resourceURL?.appendingPathComponent("texts/english.txt")
        guard let url, FileManager.default.fileExists(atPath: url.path) else { return nil }
        return url
    }

    /// The bundled text file.
    /// - Throws: `EvalError.unreadable` when the resource bundle is missing next to the executable.
    public static func file() throws -> URL {
        guard let url else {
            throw EvalError.unreadable(path: "texts/english.txt", reason: "Skein's bundled text was not found next to the executable (give a text file)")
        }
        return url
    }
}
