import Foundation
import SkeinFormats

/// A model repository the `LoopbackHub` serves: every file of a folder (recursively), at one
/// commit, with fault injection for tests.
///
/// Files over 1 KB and `*.safetensors`/`*.gguf` are LFS files, as on the Hub: their ETag is
/// their SHA-256 and the listing gives `lfs.sha256`. The others' ETag is a stable 40-hex id of
/// the content (the SHA-256 of git's `blob <size>\0<content>`, cut to 40 digits: shaped like a
/// git sha1, which the downloader does not check).
public struct LoopbackHubRepository: Sendable {
    /// One served file.
    public struct File: Sendable {
        /// The path in the repository (`sub/file.txt`).
        public let path: String
        /// The bytes, before any `corrupt` fault.
        public let content: Data
        /// Over 1 KB or `*.safetensors`/`*.gguf`.
        public let isLFS: Bool
        /// The ETag without quotes: the SHA-256 for LFS files, a 40-hex id for others.
        public let etag: String
    }

    /// `ORG/NAME`.
    public let name: String
    /// The 40-hex commit every revision points at.
    public let commit: String
    /// Answer 401 unless `Authorization: Bearer <token>` is sent.
    public var gated: Bool
    /// The token a gated repository accepts.
    public var token: String = "hf_loopback_token"
    /// The files by path.
    public let files: [String: File]
    /// Revisions (besides the commit itself) the repository knows; others answer 404 `RevisionNotFound`.
    public var revisions: Set<String> = ["main"]
    /// For these paths, the first download's body stops after this many bytes and the
    /// connection is dropped (once per path per hub).
    public var truncateAfterBytes: [String: Int] = [:]
    /// For these paths, every download's body has one byte flipped (at the middle).
    public var corrupt: Set<String> = []
    /// Whether LFS files are redirected (302) to a `/cdn/...` URL, as the Hub sends them to its CDN.
    public var redirectsLFS = true
    /// The host LFS redirects name, nil for the hub's own `127.0.0.1`; `"localhost"` reaches the
    /// same server under another host name, as the Hub's CDN is another host (tokens must not go there).
    public var cdnHost: String?

    /// Serves every file under `folder`.
    /// - Parameter commit: default: 40 hex digits derived from `name`.
    /// - Throws: when the folder cannot be read.
    public init(name: String, folder: URL, commit: String? = nil, gated: Bool = false) throws {
        self.name = name
        self.commit = commit ?? String(SHA256.hex(Array("commit of \(name)".utf8)).prefix(40))
        self.gated = gated
        var files: [String: File] = [:]
        let root = folder.standardizedFileURL.resolvingSymlinksInPath()
        let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey])
        while let url = enumerator?.nextObject() as? URL {
            guard (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true else { continue }
            let path = String(url.resolvingSymlinksInPath().path.dropFirst(root.path.count + 1))
            let content = try Data(contentsOf: url)
            let isLFS = content.count > 1024 || path.hasSuffix(".safetensors") || path.hasSuffix(".gguf")
            let etag = isLFS ? SHA256.hex(content)
                : String(SHA256.hex(Array("blob \(content.count)\0".utf8) + Array(content)).prefix(40))
            files[path] = File(path: path, content: content, isLFS: isLFS, etag: etag)
        }
        self.files = files
    }

    /// The body served for `path`: the file, with the `corrupt` fault applied.
    func body(_ file: File) -> Data {
        var content = file.content
        if corrupt.contains(file.path), !content.isEmpty {
            let middle = content.startIndex + content.count / 2
            content[middle] ^= 0xFF
        }
        return content
    }

    /// `GET /api/models/.../revision/...` for the served commit.
    func listing() -> Data {
        let siblings: [[String: Any]] = files.values.sorted { $0.path < $1.path }.map { file in
            var sibling: [String: Any] = ["rfilename": file.path, "size": file.content.count]
            if file.isLFS {
                sibling["lfs"] = ["sha256": file.etag, "size": file.content.count, "pointerSize": 134]
            } else {
                sibling["blobId"] = file.etag
            }
            return sibling
        }
        let object: [String: Any] = ["id": name, "sha": commit, "siblings": siblings]
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
    }
}
