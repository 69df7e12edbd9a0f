import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Downloads `ORG/NAME[@REVISION]` from the Hugging Face Hub into the local Hugging Face cache,
/// in huggingface_hub's layout, so `HubCache` (and `hf`, transformers, ...) find it:
///
/// ```
/// <cache>/models--ORG--NAME/blobs/<etag>                   each file once (sha256 for LFS files, git sha1 for others)
/// <cache>/models--ORG--NAME/snapshots/<commit>/<file>      a relative symlink to ../../blobs/<etag>
/// <cache>/models--ORG--NAME/refs/<revision>                the commit (for a branch or tag, not a commit)
/// ```
///
/// A file is written to `blobs/<etag>.incomplete` and renamed only after its size (and, for LFS
/// files, its SHA-256) verified; a broken transfer is resumed from that file with a `Range`
/// request, within the run (up to `attempts` times) or by the next. Files whose blob is already
/// there with the right size are not downloaded again. While a file downloads, its blob is
/// locked as huggingface_hub locks it (`<cache>/.locks/models--ORG--NAME/<etag>.lock`).
public struct HubDownloader: Sendable {
    /// The Hub: `$HF_ENDPOINT`, default https://huggingface.co.
    public let endpoint: URL
    /// Sent as `Authorization: Bearer <token>` to the endpoint's host: `$HF_TOKEN`.
    public let token: String?
    /// Where the model goes: `cache.folder`.
    public let cache: HubCache
    /// Transfers tried per file before giving up (each after the first resumes what arrived).
    public var attempts = 3

    /// The endpoint, token and cache the environment names (`HF_ENDPOINT`, `HF_TOKEN`, and the
    /// cache variables of `HubCache`). The environment is a parameter, so tests need not change the process's.
    /// - Throws: `HubError.malformedResponse` when `HF_ENDPOINT` is not an http(s) URL.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        func value(_ key: String) -> String? { environment[key].flatMap { $0.isEmpty ? nil : $0 } }
        let text = value("HF_ENDPOINT") ?? "https://huggingface.co"
        guard let url = URL(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
            throw HubError.malformedResponse(url: text, reason: "HF_ENDPOINT is not an http(s) URL")
        }
        self.init(endpoint: url, token: value("HF_TOKEN"), cache: HubCache(environment: environment))
    }

    /// A downloader for `endpoint` (a trailing `/` is ignored) into `cache`.
    public init(endpoint: URL, token: String?, cache: HubCache) {
        let text = endpoint.absoluteString
        self.endpoint = text.hasSuffix("/") ? URL(string: String(text.dropLast())) ?? endpoint : endpoint
        self.token = token
        self.cache = cache
    }

    /// Downloads the files of `name` matching any of `include` (all when empty) and returns
    /// where they are.
    /// - Parameter progress: called as bytes arrive, from a background queue.
    /// - Throws: `HubError` (see its cases), naming the repository, file or URL.
    public func pull(_ name: ModelName, include: [GlobPattern] = [],
                     progress: @escaping @Sendable (HubProgress) -> Void = { _ in }) async throws -> HubPull {
        let listing = try await list(name)
        let files = listing.files.filter { file in include.isEmpty || include.contains { $0.matches(file.path) } }
        guard !files.isEmpty else { throw HubError.noMatchingFiles(repository: name.repository, patterns: include.map(\.description)) }
        let layout = HubLayout(cache: cache, name: name, commit: listing.commit)
        var downloaded: [String] = [], skipped: [String] = []
        for (index, file) in files.enumerated() {
            let place = try await metadata(file, name: name, commit: listing.commit)
            let blob = layout.blob(place.etag)
            let report = { @Sendable (received: Int) in
                progress(HubProgress(file: file.path, index: index, count: files.count, received: received, total: place.size))
            }
            func complete() throws -> Bool {
                guard let size = try layout.existingSize(of: blob) else { return false }
                return place.size.map { $0 == size } ?? true
            }
            if try complete() {
                skipped.append(file.path)
            } else {
                // Another pull of this blob (Skein or hf) may finish it while this one waits.
                let lock = try await HubLock(layout.lock(place.etag))
                if try complete() {
                    skipped.append(file.path)
                } else {
                    try await fetch(file, from: place.url, into: layout, etag: place.etag, size: place.size, report: report)
                    downloaded.append(file.path)
                }
                withExtendedLifetime(lock) {}
            }
            try layout.link(file.path, to: place.etag)
        }
        if !name.revisionIsCommit { try layout.writeRef(name.effectiveRevision) }
        return HubPull(snapshot: layout.snapshot, model: HubCache.modelInSnapshot(layout.snapshot), commit: listing.commit,
                       downloaded: downloaded, skipped: skipped)
    }

    /// The commit and files of the revision (`/api/models/ORG/NAME/revision/REV?blobs=true`).
    func list(_ name: ModelName) async throws -> HubListing {
        let revision = Self.encode(name.effectiveRevision, keepSlashes: false)
        let url = endpoint.appendingPathComponent("api/models/\(name.organization)/\(name.name)/revision")
        guard let full = URL(string: url.absoluteString + "/" + revision + "?blobs=true") else {
            throw HubError.malformedResponse(url: url.absoluteString, reason: "revision '\(name.effectiveRevision)' makes no URL")
        }
        let answer = try await send(request(full, method: "GET"), follow: true)
        try check(answer.response, url: full, name: name, missing: nil)
        return try HubListing(json: answer.body, url: full.absoluteString)
    }

    /// Where a file is and what it is called in the cache: a HEAD of its resolve URL, not following
    /// the Hub's redirect to its CDN, whose headers (`X-Linked-Etag`, `X-Linked-Size`) name the blob.
    func metadata(_ file: HubListing.File, name: ModelName, commit: String) async throws -> (url: URL, etag: String, size: Int?) {
        let path = "\(name.organization)/\(name.name)/resolve/\(commit)/" + Self.encode(file.path, keepSlashes: true)
        guard let url = URL(string: endpoint.absoluteString + "/" + path) else {
            throw HubError.malformedResponse(url: endpoint.absoluteString, reason: "file name '\(file.path)' makes no URL")
        }
        let answer = try await send(request(url, method: "HEAD"), follow: false)
        try check(answer.response, url: url, name: name, missing: file.path)
        let headers = answer.response
        let etag = file.sha256 ?? (headers.value(forHTTPHeaderField: "X-Linked-Etag") ?? headers.value(forHTTPHeaderField: "ETag")).map(Self.unquote)
        guard let etag, !etag.isEmpty, etag.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw HubError.malformedResponse(url: url.absoluteString, reason: "no usable ETag for '\(file.path)'")
        }
        let size = file.size ?? (headers.value(forHTTPHeaderField: "X-Linked-Size") ?? headers.value(forHTTPHeaderField: "Content-Length")).flatMap { Int($0) }
        return (url, etag, size)
    }

    /// `"abc"`, `W/"abc"` -> `abc`.
    static func unquote(_ etag: String) -> String {
        var text = etag.trimmingCharacters(in: .whitespaces)
        if text.hasPrefix("W/") { text.removeFirst(2) }
        return text.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
    }

    /// Percent-encodes a revision (`refs/pr/1` -> `refs%2Fpr%2F1`) or a file path (parts kept).
    static func encode(_ text: String, keepSlashes: Bool) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: keepSlashes ? ";?#%" : "/;?#%")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    func request(_ url: URL, method: String) -> URLRequest {
        var request = URLRequest(url: url, timeoutInterval: HubTransfer.requestTimeout)
        request.httpMethod = method
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        request.setValue("skein", forHTTPHeaderField: "User-Agent")
        return request
    }

    /// Sends a metadata request; a transport failure names the endpoint.
    func send(_ request: URLRequest, follow: Bool) async throws -> HubTransfer.Answer {
        do { return try await HubTransfer.fetch(request, followRedirects: follow) } catch {
            throw HubError.connectionFailed(endpoint: endpoint.absoluteString, reason: HubTransfer.describe(error))
        }
    }

    /// Throws the `HubError` of a status that is not success (2xx, or a redirect left unfollowed).
    /// - Parameter missing: the file asked for, nil for the listing.
    func check(_ response: HTTPURLResponse, url: URL, name: ModelName, missing: String?) throws {
        switch response.statusCode {
        case 200..<400: return
        case 401, 403: throw HubError.unauthorized(repository: name.repository, tokenSent: token != nil)
        case 404:
            let code = response.value(forHTTPHeaderField: "X-Error-Code")
            if let missing, code != "RepoNotFound" { throw HubError.notFound(what: "file", name: "\(missing) of \(name)", url: url.absoluteString) }
            if code == "RevisionNotFound" {
                throw HubError.notFound(what: "revision", name: "\(name.effectiveRevision) of \(name.repository)", url: url.absoluteString)
            }
            throw HubError.notFound(what: "repository or revision", name: name.description, url: url.absoluteString)
        default: throw HubError.httpStatus(url: url.absoluteString, status: response.statusCode)
        }
    }
}

/// Where a download is: file `index` of `count`, `received` of `total` bytes (nil when unknown).
public struct HubProgress: Sendable, Equatable {
    /// The file's path in the repository.
    public let file: String
    /// Its place among the files of the pull (from 0), and how many there are.
    public let index: Int
    public let count: Int
    /// Bytes of the file on disk so far (a resumed file starts at what an earlier transfer left).
    public let received: Int
    /// The file's size, nil when the Hub did not say.
    public let total: Int?
}

/// What `HubDownloader.pull` did.
public struct HubPull: Sendable, Equatable {
    /// `<cache>/models--ORG--NAME/snapshots/<commit>`: the model folder.
    public let snapshot: URL
    /// What `--model ORG/NAME` loads from it: the snapshot, or its one `.gguf` file when it has
    /// no config.json (`HubCache.resolve`).
    public let model: URL
    /// The 40-hex commit the revision pointed at.
    public let commit: String
    /// Files transferred in this run, and files already in the cache.
    public let downloaded: [String]
    public let skipped: [String]
}
