import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

extension HubDownloader {
    /// Downloads one file into `blobs/<etag>.incomplete` (resuming what is there), verifies it
    /// and renames it to `blobs/<etag>`.
    /// - Throws: `HubError.sizeMismatch`/`.digestMismatch` after deleting the partial file;
    ///   `.interrupted` (the partial file kept) when every attempt broke off.
    func fetch(_ file: HubListing.File, from url: URL, into layout: HubLayout, etag: String, size: Int?,
               report: @escaping @Sendable (Int) -> Void) async throws {
        let partial = layout.partial(etag)
        var lastError = ""
        var digest: String?  // of the whole file, when the last transfer hashed it as it wrote
        for _ in 0..<max(1, attempts) {
            var offset = try layout.existingSize(of: partial) ?? 0
            if let size, offset == size { break }  // complete from an earlier run: verify below
            if let size, offset > size {
                try layout.remove(partial)
                offset = 0
            }
            let writer = try PartialWriter(partial, offset: offset, hashing: file.sha256 != nil, report: report)
            var request = self.request(url, method: "GET")
            if writer.offset > 0 { request.setValue("bytes=\(writer.offset)-", forHTTPHeaderField: "Range") }
            let answer: HubTransfer.Answer
            do {
                answer = try await HubTransfer.stream(request) { response, chunk in try writer.write(chunk, response: response) }
            } catch let error as HubError {
                throw error
            } catch {
                // Connection refused before anything came: the endpoint is down, retrying will not help.
                if writer.received == 0, writer.offset == 0, (error as? URLError)?.code == .cannotConnectToHost {
                    throw HubError.connectionFailed(endpoint: endpoint.absoluteString, reason: HubTransfer.describe(error))
                }
                lastError = HubTransfer.describe(error)
                continue
            }
            let status = answer.response.statusCode
            if status == 416 {  // the partial file is not a prefix the server can continue: start over
                try layout.remove(partial)
                lastError = "the server refused to resume (416)"
                continue
            }
            guard status == 200 || status == 206 else {
                try check(answer.response, url: url, name: layout.name, missing: file.path)
                throw HubError.httpStatus(url: url.absoluteString, status: status)
            }
            if let size, writer.received < size {
                lastError = "the body ended early"
                continue
            }
            digest = writer.hexDigest
            break
        }
        let received = try layout.existingSize(of: partial) ?? 0
        if let size, received < size, !lastError.isEmpty {
            throw HubError.interrupted(file: file.path, received: received, expected: size, partial: partial.path, reason: lastError)
        }
        try verify(file, partial: partial, size: size, layout: layout, digest: digest)
        try layout.complete(partial, as: layout.blob(etag))
    }

    /// Checks the size, and the SHA-256 of an LFS file (`digest` when the transfer computed it,
    /// else read back from disk); a file that fails is deleted.
    func verify(_ file: HubListing.File, partial: URL, size: Int?, layout: HubLayout, digest: String?) throws {
        let actual = try layout.existingSize(of: partial) ?? 0
        if let size, actual != size {
            try layout.remove(partial)
            throw HubError.sizeMismatch(file: file.path, expected: size, actual: actual)
        }
        guard let expected = file.sha256 else { return }
        let digest = try digest ?? Self.sha256(of: partial)
        if digest != expected {
            try layout.remove(partial)
            throw HubError.digestMismatch(file: file.path, expected: expected, actual: digest)
        }
    }

    /// The SHA-256 of a file, read in 4 MB pieces.
    static func sha256(of url: URL) throws -> String {
        guard let handle = try? FileHandle(forReadingFrom: url) else { throw HubError.unwritable(path: url.path, reason: "cannot read it back") }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let data = try handle.read(upToCount: 4 << 20), !data.isEmpty {
            data.withUnsafeBytes { hasher.update($0) }
        }
        return hasher.hexDigest
    }
}

/// Appends a transfer's body to the `.incomplete` file: after what is there for a 206 answer
/// that continues it, from the start for a 200 (the server ignored the `Range`). When hashing,
/// the SHA-256 follows the file (the kept prefix is read back once), so verifying needs no
/// second pass over a large file.
// @unchecked: written only from the transfer's serial delegate queue, read after it finished.
final class PartialWriter: @unchecked Sendable {
    let url: URL
    /// The bytes on disk when the transfer began, asked for with `Range`.
    let offset: Int
    /// The bytes of the file now.
    private(set) var received: Int
    private let handle: FileHandle
    private let report: @Sendable (Int) -> Void
    private var started = false
    private var hasher: SHA256?

    init(_ url: URL, offset: Int, hashing: Bool, report: @escaping @Sendable (Int) -> Void) throws {
        if !FileManager.default.fileExists(atPath: url.path) {
            guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
                throw HubError.unwritable(path: url.path, reason: "cannot create it")
            }
        }
        do { handle = try FileHandle(forWritingTo: url) } catch {
            throw HubError.unwritable(path: url.path, reason: error.localizedDescription)
        }
        self.url = url
        self.offset = offset
        self.received = offset
        self.report = report
        hasher = hashing ? SHA256() : nil
    }

    /// The SHA-256 of the file as written, nil when not hashing or nothing arrived.
    var hexDigest: String? { started ? hasher?.hexDigest : nil }

    deinit { try? handle.close() }

    /// Hashes the `offset` bytes kept from an earlier transfer.
    private func hashPrefix() throws {
        let reader = try FileHandle(forReadingFrom: url)
        defer { try? reader.close() }
        var left = offset
        while left > 0, let data = try reader.read(upToCount: min(left, 4 << 20)), !data.isEmpty {
            hasher?.update(data)
            left -= data.count
        }
    }

    func write(_ chunk: Data, response: HTTPURLResponse) throws {
        do {
            if !started {
                started = true
                let continues = response.statusCode == 206
                    && (response.value(forHTTPHeaderField: "Content-Range") ?? "").hasPrefix("bytes \(offset)-")
                if continues && offset > 0 {
                    try handle.truncate(atOffset: UInt64(offset))
                    if hasher != nil { try hashPrefix() }
                    try handle.seekToEnd()
                } else {
                    try handle.truncate(atOffset: 0)
                    if response.statusCode == 206 && offset > 0 {  // emptied first, so a rerun starts over
                        throw HubError.malformedResponse(url: url.lastPathComponent, reason: "a 206 answer that does not start at byte \(offset)")
                    }
                    received = 0
                }
            }
            try handle.write(contentsOf: chunk)
            hasher?.update(chunk)
        } catch let error as HubError {
            throw error
        } catch {
            throw HubError.unwritable(path: url.path, reason: error.localizedDescription)
        }
        received += chunk.count
        report(received)
    }
}
