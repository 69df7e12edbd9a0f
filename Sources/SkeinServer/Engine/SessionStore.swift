import Foundation
import SkeinEngine

/// Named conversations whose KV cache lives across requests and, with a directory, across restarts.
///
/// A session is checked out by one request at a time. With a directory, each check-in writes the
/// session to `<dir>/<id>.session` atomically (temporary file, fsync, rename, fsync of the folder),
/// so a crash mid-save leaves the previous save intact.
public final class SessionStore: @unchecked Sendable {
    /// One session's state.
    public struct Session: @unchecked Sendable {
        public var id: String
        /// The request spellings the session was created with; later requests must match.
        public var attention: String
        public var rope: String
        public var kvType = "f32"
        /// Tokens the cache holds, in order.
        public var tokens: [Int] = []
        var cache: DenseKVCache?
    }

    private var sessions: [String: Session] = [:]
    private var busy: Set<String> = []
    private let lock = NSLock()
    public let directory: URL?
    private let host: ModelHost

    public init(directory: URL?, host: ModelHost) throws {
        self.directory = directory
        self.host = host
        if let directory {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            // Leftovers of saves interrupted by a crash; the previous complete save is untouched.
            for name in (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [] where name.hasSuffix(".partial") {
                try? FileManager.default.removeItem(at: directory.appendingPathComponent(name))
            }
        }
    }

    /// Session ids are file names: letters, digits, '-' and '_', 1 to 64 of them.
    public static func isValidID(_ id: String) -> Bool {
        (1...64).contains(id.count) && id.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) && $0.isASCII || $0 == "-" || $0 == "_" }
    }

    /// Creates an empty session; a random id when `id` is nil.
    /// - Throws: `APIError` 400 for a bad id, 409 when it exists.
    public func create(id: String?, attention: String, rope: String, kvType: String = "f32") throws -> Session {
        let id = id ?? "sess-" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        guard Self.isValidID(id) else {
            throw APIError.badRequest("session id must be 1-64 letters, digits, '-' or '_'", param: "id", code: "invalid_session_id")
        }
        lock.lock()
        defer { lock.unlock() }
        guard sessions[id] == nil, !fileExists(id) else {
            throw APIError(.conflict, "session '\(id)' already exists", param: "id", code: "session_exists")
        }
        let session = Session(id: id, attention: attention, rope: rope, kvType: kvType)
        sessions[id] = session
        try save(session)
        return session
    }

    /// Takes the session for one request, loading it from disk after a restart.
    /// - Throws: `APIError` 404 when unknown, 409 when another request holds it, 500 when its file is corrupt.
    public func checkout(_ id: String) throws -> Session {
        lock.lock()
        defer { lock.unlock() }
        guard Self.isValidID(id) else { throw notFound(id) }
        if sessions[id] == nil { sessions[id] = try load(id) }
        guard let session = sessions[id] else { throw notFound(id) }
        guard !busy.contains(id) else {
            throw APIError(.conflict, "session '\(id)' is in use by another request", param: "session", code: "session_busy")
        }
        busy.insert(id)
        return session
    }

    /// Returns a session after a request, with the tokens its cache now holds; saves it when a
    /// directory is set. A failed save is reported and leaves the previous file in place.
    @discardableResult
    public func checkin(_ id: String, tokens: [Int]?, cache: DenseKVCache?) -> Error? {
        lock.lock()
        defer { lock.unlock() }
        busy.remove(id)
        guard var session = sessions[id], let tokens else { return nil }
        session.tokens = tokens
        session.cache = cache
        sessions[id] = session
        do { try save(session) } catch { return error }
        return nil
    }

    /// Releases a session whose in-memory cache can no longer be trusted: it is reread from its
    /// file on next use, or starts empty when sessions are not saved.
    public func discard(_ id: String) {
        lock.lock()
        defer { lock.unlock() }
        busy.remove(id)
        if directory != nil {
            sessions[id] = nil
        } else if var session = sessions[id] {
            session.tokens = []
            session.cache = nil
            sessions[id] = session
        }
    }

    /// Forgets a session and removes its file.
    public func delete(_ id: String) throws {
        lock.lock()
        defer { lock.unlock() }
        guard Self.isValidID(id), sessions[id] != nil || fileExists(id) else { throw notFound(id) }
        guard !busy.contains(id) else { throw APIError(.conflict, "session '\(id)' is in use", code: "session_busy") }
        sessions[id] = nil
        if let url = fileURL(id) { try? FileManager.default.removeItem(at: url) }
    }

    /// Session ids in memory or on disk.
    public func list() -> [String] {
        lock.lock()
        defer { lock.unlock() }
        var ids = Set(sessions.keys)
        if let directory, let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) {
            ids.formUnion(names.filter { $0.hasSuffix(".session") }.map { String($0.dropLast(".session".count)) })
        }
        return ids.sorted()
    }

    /// Bytes of KV held by sessions in memory.
    public var byteCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return sessions.values.reduce(0) { $0 + ($1.cache?.byteCount ?? 0) }
    }

    // MARK: - Files

    private func notFound(_ id: String) -> APIError {
        APIError(.notFound, "no session '\(id)'; create it with POST /v1/sessions", param: "session", code: "session_not_found")
    }

    private func fileURL(_ id: String) -> URL? { directory?.appendingPathComponent("\(id).session") }

    private func fileExists(_ id: String) -> Bool { fileURL(id).map { FileManager.default.fileExists(atPath: $0.path) } ?? false }

    private func save(_ session: Session) throws {
        guard let url = fileURL(session.id) else { return }
        let data = SessionArchive.encode(session)
        try AtomicFile.write(data, to: url)
    }

    private func load(_ id: String) throws -> Session? {
        guard let url = fileURL(id), FileManager.default.fileExists(atPath: url.path) else { return nil }
        do {
            let data = try Data(contentsOf: url)
            var session = try SessionArchive.decode(data, host: host, source: url.path)
            session.id = id
            return session
        } catch {
            throw APIError(.internalServerError, "session '\(id)' could not be restored: \(error)", type: "server_error", code: "session_corrupt")
        }
    }
}
