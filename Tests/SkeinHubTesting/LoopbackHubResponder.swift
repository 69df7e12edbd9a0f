import Foundation
import HTTPTypes
import Hummingbird

/// Answers the Hub's URLs:
///
/// - `GET /api/models/ORG/NAME/revision/REV`: `{"sha", "siblings": [{"rfilename", "size", "lfs"?}]}`;
/// - `HEAD|GET /ORG/NAME/resolve/REV/PATH`: `X-Repo-Commit`, `ETag` (quoted; `W/` for git
///   files), for LFS files `X-Linked-Etag`/`X-Linked-Size` and a 302 to `/cdn/ORG/NAME/PATH`;
/// - `HEAD|GET /cdn/ORG/NAME/PATH`: the LFS file's bytes;
///
/// bodies honor `Range: bytes=N-` / `bytes=N-M` (206 with `Content-Range`, 416 past the end);
/// a gated repository answers 401 without its token; unknown things 404 with the Hub's
/// `X-Error-Code` (`RepoNotFound`, `RevisionNotFound`, `EntryNotFound`).
struct LoopbackHubResponder: HTTPResponder {
    typealias Context = BasicRequestContext
    let state: LoopbackHubState

    func respond(to request: Request, context: BasicRequestContext) async throws -> Response {
        state.record(LoopbackHubRequest(method: request.method.rawValue, target: request.uri.string,
                                        range: request.headers[.range], authorization: request.headers[.authorization]))
        let parts = request.uri.path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
            .map { String($0).removingPercentEncoding ?? String($0) }
        if parts.count >= 6, parts[0] == "api", parts[1] == "models", parts[4] == "revision" {
            return try answer(repository: "\(parts[2])/\(parts[3])", revision: parts[5...].joined(separator: "/"), request: request) { repository in
                var headers = HTTPFields()
                headers[.contentType] = "application/json"
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: repository.listing())))
            }
        }
        if parts.count >= 5, parts[2] == "resolve" {
            return try answer(repository: "\(parts[0])/\(parts[1])", revision: parts[3], request: request) { repository in
                try resolve(repository, path: parts[4...].joined(separator: "/"), request: request)
            }
        }
        if parts.count >= 4, parts[0] == "cdn", let repository = state.repository("\(parts[1])/\(parts[2])"),
           let file = repository.files[parts[3...].joined(separator: "/")] {
            return body(repository, file, request: request, headers: HTTPFields())
        }
        return Self.notFound("EntryNotFound")
    }

    /// Checks the repository, token and revision, then answers with `make`.
    func answer(repository name: String, revision: String, request: Request,
                _ make: (LoopbackHubRepository) throws -> Response) throws -> Response {
        guard let repository = state.repository(name) else { return Self.notFound("RepoNotFound") }
        if repository.gated, request.headers[.authorization] != "Bearer \(repository.token)" {
            var headers = HTTPFields()
            headers[HTTPField.Name("X-Error-Code")!] = "GatedRepo"
            return Response(status: .unauthorized, headers: headers)
        }
        guard revision == repository.commit || repository.revisions.contains(revision) else { return Self.notFound("RevisionNotFound") }
        return try make(repository)
    }

    func resolve(_ repository: LoopbackHubRepository, path: String, request: Request) throws -> Response {
        guard let file = repository.files[path] else { return Self.notFound("EntryNotFound") }
        var headers = HTTPFields()
        headers[HTTPField.Name("X-Repo-Commit")!] = repository.commit
        headers[.eTag] = file.isLFS ? "\"\(file.etag)\"" : "W/\"\(file.etag)\""
        guard file.isLFS, repository.redirectsLFS else { return body(repository, file, request: request, headers: headers) }
        headers[HTTPField.Name("X-Linked-Etag")!] = "\"\(file.etag)\""
        headers[HTTPField.Name("X-Linked-Size")!] = "\(file.content.count)"
        let base = repository.cdnHost.map { state.endpoint.replacingOccurrences(of: "//127.0.0.1:", with: "//\($0):") } ?? state.endpoint
        headers[.location] = "\(base)/cdn/\(repository.name)/\(file.path)"
        headers[.contentLength] = "0"
        return Response(status: .found, headers: headers)
    }

    /// The file's bytes (or their `Range`), cut short once if the repository says so.
    func body(_ repository: LoopbackHubRepository, _ file: LoopbackHubRepository.File, request: Request, headers: HTTPFields) -> Response {
        var headers = headers
        let content = repository.body(file)
        var start = 0, end = content.count  // [start, end)
        var status = HTTPResponse.Status.ok
        if let range = request.headers[.range], range.hasPrefix("bytes=") {
            let bounds = range.dropFirst("bytes=".count).split(separator: "-", omittingEmptySubsequences: false)
            guard bounds.count == 2, let first = Int(bounds[0]), first < content.count else {
                headers[.contentRange] = "bytes */\(content.count)"
                return Response(status: .rangeNotSatisfiable, headers: headers)
            }
            start = first
            if let last = Int(bounds[1]) { end = min(content.count, last + 1) }
            status = .partialContent
            headers[.contentRange] = "bytes \(start)-\(end - 1)/\(content.count)"
        }
        headers[.contentLength] = "\(end - start)"
        headers[.acceptRanges] = "bytes"
        if request.method == .head { return Response(status: status, headers: headers) }
        let slice = content.subdata(in: start..<end)
        let cut = state.takeTruncation(repository, file.path)
        return Response(status: status, headers: headers, body: ResponseBody { writer in
            if let cut {
                // Part of the body, then a dropped connection: what a broken download looks like.
                try await writer.write(ByteBuffer(bytes: slice.prefix(cut)))
                try await Task.sleep(nanoseconds: 50_000_000)
                throw LoopbackHubError(description: "connection dropped after \(cut) bytes (injected)")
            }
            try await writer.write(ByteBuffer(bytes: slice))
            try await writer.finish(nil)
        })
    }

    static func notFound(_ code: String) -> Response {
        var headers = HTTPFields()
        headers[HTTPField.Name("X-Error-Code")!] = code
        headers[.contentLength] = "0"
        return Response(status: .notFound, headers: headers)
    }
}
