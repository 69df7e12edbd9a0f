import Foundation

/// Finds models named `ORG/NAME[@REVISION]` on disk: first in a Skein models folder
/// (`$SKEIN_MODELS/ORG/NAME/`), then in the local Hugging Face cache, where
/// `skein pull`, `huggingface-cli download` and `hf download` put them:
///
/// ```
/// <cache>/models--ORG--NAME/refs/<revision>          the commit hash of the revision
/// <cache>/models--ORG--NAME/snapshots/<commit>/      the model folder (symlinks into blobs/)
/// ```
///
/// Nothing is downloaded here (`HubDownloader` does, for `skein pull`). The environment is a parameter, so tests need not change the process's.
public struct HubCache: Sendable {
    /// The Hugging Face hub cache: `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else
    /// `$XDG_CACHE_HOME/huggingface/hub`, else `~/.cache/huggingface/hub` (huggingface_hub's order).
    public let folder: URL
    /// `$SKEIN_MODELS`, whose `ORG/NAME/` folders are checked before the cache; nil when unset.
    public let modelsFolder: URL?

    /// The cache and models folder named by `environment`.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        func value(_ key: String) -> String? { environment[key].flatMap { $0.isEmpty ? nil : $0 } }
        let home = value("HOME") ?? NSHomeDirectory()
        if let hub = value("HF_HUB_CACHE") {
            folder = URL(fileURLWithPath: hub, isDirectory: true)
        } else if let hfHome = value("HF_HOME") {
            folder = URL(fileURLWithPath: hfHome, isDirectory: true).appendingPathComponent("hub", isDirectory: true)
        } else {
            let cache = value("XDG_CACHE_HOME") ?? (home as NSString).appendingPathComponent(".cache")
            folder = URL(fileURLWithPath: cache, isDirectory: true).appendingPathComponent("huggingface/hub", isDirectory: true)
        }
        modelsFolder = value("SKEIN_MODELS").map { URL(fileURLWithPath: $0, isDirectory: true) }
    }

    /// A cache at `folder`, with an optional Skein models folder.
    public init(folder: URL, modelsFolder: URL? = nil) {
        self.folder = folder
        self.modelsFolder = modelsFolder
    }

    /// The folder or file `text` means: an existing file or folder (paths win over names), else
    /// the model it names; nil when it is neither an existing path nor a model name.
    /// - Parameter currentDirectory: what a relative path is relative to.
    /// - Throws: `FormatError.modelNotFound` for a name that is not on disk.
    public func locate(_ text: String, currentDirectory: String = FileManager.default.currentDirectoryPath) throws -> URL? {
        guard !text.isEmpty else { return nil }
        let path = text.hasPrefix("/") ? text : (currentDirectory as NSString).appendingPathComponent(text)
        if FileManager.default.fileExists(atPath: path) { return URL(fileURLWithPath: path) }
        guard let name = ModelName(text) else { return nil }
        return try resolve(name)
    }

    /// The model folder (or the one GGUF file of a GGUF-only snapshot) of `name`.
    ///
    /// `$SKEIN_MODELS/ORG/NAME` is used when it exists and no revision was asked for (it has no
    /// revisions). A 40-hex revision names the snapshot; any other is read from `refs/<revision>`.
    /// - Throws: `FormatError.modelNotFound` naming the folder or refs file that is not there.
    public func resolve(_ name: ModelName) throws -> URL {
        let fm = FileManager.default
        var searched = "the Hugging Face cache \(folder.path)"
        if let modelsFolder, name.revision == nil {
            let local = modelsFolder.appendingPathComponent(name.organization).appendingPathComponent(name.name)
            if fm.fileExists(atPath: local.path) { return local }
            searched = "\(modelsFolder.path) ($SKEIN_MODELS) or " + searched
        }
        func notFound(_ missing: URL) -> FormatError {
            let download = name.repository + (name.revision.map { " --revision \($0)" } ?? "")
            return .modelNotFound(name: name.description, searched: searched, missing: missing.path, download: download)
        }
        let repository = folder.appendingPathComponent("models--\(name.organization)--\(name.name)", isDirectory: true)
        guard fm.fileExists(atPath: repository.path) else { throw notFound(repository) }
        let commit: String
        if name.revisionIsCommit {
            commit = name.effectiveRevision.lowercased()
        } else {
            let ref = repository.appendingPathComponent("refs").appendingPathComponent(name.effectiveRevision)
            guard let text = try? String(contentsOf: ref, encoding: .utf8) else { throw notFound(ref) }
            commit = text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let snapshot = repository.appendingPathComponent("snapshots", isDirectory: true).appendingPathComponent(commit, isDirectory: true)
        var isDirectory: ObjCBool = false
        // A refs file holds a commit hash; anything else (a path, `..`) names no snapshot.
        let isHash = !commit.isEmpty && commit.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
        guard isHash, fm.fileExists(atPath: snapshot.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw notFound(snapshot)
        }
        return Self.modelInSnapshot(snapshot)
    }

    /// A snapshot without config.json whose only model file is one `.gguf` is that file; any other is the folder.
    static func modelInSnapshot(_ snapshot: URL) -> URL {
        let fm = FileManager.default
        guard !fm.fileExists(atPath: snapshot.appendingPathComponent("config.json").path),
              let names = try? fm.contentsOfDirectory(atPath: snapshot.path) else { return snapshot }
        let ggufs = names.filter { $0.lowercased().hasSuffix(".gguf") }
        return ggufs.count == 1 ? snapshot.appendingPathComponent(ggufs[0]) : snapshot
    }

    /// `ORG/NAME` for a snapshot folder of a Hugging Face cache (`.../models--ORG--NAME/snapshots/<commit>`),
    /// to show instead of the commit; nil for any other path.
    public static func repositoryName(of url: URL) -> String? {
        let components = url.standardizedFileURL.pathComponents
        guard components.count >= 3, components[components.count - 2] == "snapshots" else { return nil }
        let repository = components[components.count - 3]
        guard repository.hasPrefix("models--") else { return nil }
        let parts = repository.dropFirst("models--".count).components(separatedBy: "--")
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        return "\(parts[0])/\(parts[1])"
    }
}
