import Foundation

/// What `GET /api/models/ORG/NAME/revision/REVISION?blobs=true` answers: the commit the
/// revision points at and the repository's files.
public struct HubListing: Sendable, Equatable {
    /// One file of the repository.
    public struct File: Sendable, Equatable {
        /// The path inside the repository (`config.json`, `onnx/model.onnx`).
        public let path: String
        /// Its size in bytes, when listed.
        public let size: Int?
        /// The SHA-256 of an LFS file (its blob name in the cache); nil for a file stored in git.
        public let sha256: String?
    }

    /// The 40-hex commit (lowercase).
    public let commit: String
    /// The files, in the listing's order.
    public let files: [File]

    /// Parses the listing; `url` names it in errors.
    /// - Throws: `HubError.malformedResponse` for anything but an object with a 40-hex `sha` and
    ///   `siblings` whose paths stay inside the repository (no absolute path, no `..`).
    public init(json: Data, url: String) throws {
        func bad(_ reason: String) -> HubError { .malformedResponse(url: url, reason: reason) }
        guard let object = (try? JSONSerialization.jsonObject(with: json)) as? [String: Any] else {
            throw bad("not a JSON object")
        }
        guard let sha = object["sha"] as? String, ModelName.isCommitHash(sha) else { throw bad("no 40-hex 'sha'") }
        guard let siblings = object["siblings"] as? [[String: Any]] else { throw bad("no 'siblings' list") }
        commit = sha.lowercased()
        files = try siblings.map { sibling in
            guard let path = sibling["rfilename"] as? String else { throw bad("a sibling without 'rfilename'") }
            guard Self.isSafePath(path) else { throw bad("file name '\(path)' leaves the repository") }
            let lfs = sibling["lfs"] as? [String: Any]
            let sha256 = (lfs?["sha256"] as? String)?.lowercased()
            if let sha256, !(sha256.utf8.count == 64 && sha256.allSatisfy(\.isHexDigit)) {
                throw bad("'\(path)': lfs.sha256 is not 64 hex digits")
            }
            let size = (lfs?["size"] as? Int) ?? (sibling["size"] as? Int)
            return File(path: path, size: size, sha256: sha256)
        }
    }

    /// A relative path of non-empty parts, none `.` or `..`, without backslashes or NUL.
    static func isSafePath(_ path: String) -> Bool {
        guard !path.hasPrefix("/"), !path.contains("\\"), !path.contains("\0") else { return false }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        return !parts.isEmpty && parts.allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." }
    }
}
