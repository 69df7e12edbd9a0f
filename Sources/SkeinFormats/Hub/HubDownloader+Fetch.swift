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
        for _ in 0..<max(1, attempts) {
            var offset = try layout.existingSize(of: partial) ?? 0
            if let size, offset == size { break }  // complete from an earlier run: verify below
            if let size, offset > size {
                try layout.remove(partial)
                offset = 0
            }
            let writer = try PartialWriter(partial, offset: offset, report: report)
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
            break
        }
        let received = try layout.existingSize(of: partial) ?? 0
        if let size, received < size, !lastError.isEmpty {
            throw HubError.interrupted(file: file.path, received: received, expected: size, partial: partial.path, reason: lastError)
        }
        try verify(file, partial: partial, size: size, layout: layout)
        try layout.complete(partial, as: layout.blob(etag))
    }

    /// Checks the size, and the SHA-256 of an LFS file; a file that fails is deleted.
    func verify(_ file: HubListing.File, partial: URL, size: Int?, layout: HubLayout) throws {
        let actual = try layout.existingSize(of: partial) ?? 0
        if let size, actual != size {
            try layout.remove(partial)
            throw HubError.sizeMismatch(file: file.path, expected: size, actual: actual)
        }
        guard let expected = file.sha256 else { return }
        let digest = try Self.sha256(of: partial)
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
/// that continues it, from the start for a 200 (the server ignored the `Range`).
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

    init(_ url: URL, offset: Int, report: @escaping @Sendable (Int) -> Void) throws {
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
    }

    deinit { try? handle.close() }

    func write(_ chunk: Data, response: HTTPURLResponse) throws {
        do {
            if !started {
                started = true
                let continues = response.statusCode == 206
                    && (response.value(forHTTPHeaderField: "Content-Range") ?? "").hasPrefix("bytes \(offset)-")
                if continues && offset > 0 {
                    try handle.truncate(atOffset: UInt64(offset))
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
        } catch let error as HubError {
            throw error
        } catch {
            throw HubError.unwritable(path: url.path, reason: error.localizedDescription)
        }
        received += chunk.count
        report(received)
    }
}
