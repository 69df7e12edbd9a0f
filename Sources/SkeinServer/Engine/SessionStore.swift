import Foundation
import SkeinEngine

/// Named conversations whose KV cache lives across requests and, with a directory, across restarts.
///
/// A session is checked out by one request at a time. With a directory, each check-in writes the
/// session to `<dir>/<id>.session` atomically (temporary file, fsync, rename, fsync of the folder),
/// so a crash mid-save leaves the previous save intact.
///
/// Sessions live in namespaces, one per API key (`APIKeys`): the store's ids are scoped,
/// `NAMESPACE/ID` (`scoped(_:in:)`), saved as `<dir>/NAMESPACE/ID.session`; the root namespace's
/// are plain `ID`. A request can only name ids of its own namespace.
///
/// At most `maxCached` sessions keep their KV cache in memory (`--max-sessions`). Past that, the
/// least recently used idle one is dropped from memory: with a directory its file stays and it
/// reloads on next use; without one it keeps its id and policy but starts over (its next request
/// prefills the whole conversation, so the reply is the same, only slower).
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
    /// When each session was last checked out or in (a counter, not a clock).
    private var lastUse: [String: UInt64] = [:]
    private var useCount: UInt64 = 0
    private let lock = NSLock()
    public let directory: URL?
    /// Sessions whose cache is kept in memory at once; the least recently used beyond it are dropped.
    public let maxCached: Int
    private let host: ModelHost

    public init(directory: URL?, host: ModelHost, maxCached: Int = 64) throws {
        self.directory = directory
        self.host = host
        self.maxCached = max(1, maxCached)
        if let directory {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            // Leftovers of saves interrupted by a crash; the previous complete save is untouched.
            let fm = FileManager.default
            let namespaces = ((try? fm.contentsOfDirectory(atPath: directory.path)) ?? []).filter(Self.isValidID)
            for folder in [directory] + namespaces.map({ directory.appendingPathComponent($0, isDirectory: true) }) {
                for name in (try? fm.contentsOfDirectory(atPath: folder.path)) ?? [] where name.hasSuffix(".partial") {
                    try? fm.removeItem(at: folder.appendingPathComponent(name))
                }
            }
        }
    }

    /// Session ids are file names: letters, digits, '-' and '_', 1 to 64 of them.
    public static func isValidID(_ id: String) -> Bool {
        (1...64).contains(id.count) && id.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) && $0.isASCII || $0 == "-" || $0 == "_" }
    }

    /// The store's id of session `id` in `namespace` ("" is the root namespace); "" (which names
    /// no session) when `id` is not a valid id, so `a/b` or `../x` can never reach another namespace.
    public static func scoped(_ id: String, in namespace: String) -> String {
        guard isValidID(id) else { return "" }
        return namespace.isEmpty ? id : namespace + "/" + id
    }

    /// A valid id, or `NAMESPACE/ID` of two valid ids.
    static func isValidScopedID(_ id: String) -> Bool {
        let parts = id.split(separator: "/", omittingEmptySubsequences: false)
        return (1...2).contains(parts.count) && parts.allSatisfy { isValidID(String($0)) }
    }

    /// Creates an empty session in `namespace`; a random id when `id` is nil.
    /// - Throws: `APIError` 400 for a bad id, 409 when it exists.
    public func create(id name: String?, namespace: String = "", attention: String, rope: String, kvType: String = "f32") throws -> Session {
        let name = name ?? "sess-" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        guard Self.isValidID(name) else {
            throw APIError.badRequest("session id must be 1-64 letters, digits, '-' or '_'", param: "id", code: "invalid_session_id")
        }
        let id = Self.scoped(name, in: namespace)
        lock.lock()
        defer { lock.unlock() }
        guard sessions[id] == nil, !fileExists(id) else {
            throw APIError(.conflict, "session '\(name)' already exists", param: "id", code: "session_exists")
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
        guard Self.isValidScopedID(id) else { throw notFound(id) }
        if sessions[id] == nil { sessions[id] = try load(id) }
        guard let session = sessions[id] else { throw notFound(id) }
        guard !busy.contains(id) else {
            throw APIError(.conflict, "session '\(id)' is in use by another request", param: "session", code: "session_busy")
        }
        busy.insert(id)
        touch(id)
        evictBeyondLimit()
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
        touch(id)
        defer { evictBeyondLimit() }
        do { try save(session) } catch { return error }
        return nil
    }

    /// Ids of the sessions whose KV cache is in memory now, least recently used first.
    public var cachedIDs: [String] {
        lock.lock()
        defer { lock.unlock() }
        return cachedLocked()
    }

    private func cachedLocked() -> [String] {
        sessions.filter { $0.value.cache != nil || busy.contains($0.key) }.keys.sorted { lastUse[$0, default: 0] < lastUse[$1, default: 0] }
    }

    private func touch(_ id: String) {
        useCount += 1
        lastUse[id] = useCount
    }

    /// Drops the least recently used idle caches while more than `maxCached` are held (caller holds the lock).
    private func evictBeyondLimit() {
        var held = cachedLocked()
        while held.count > maxCached, let victim = held.first(where: { !busy.contains($0) }) {
            held.removeAll { $0 == victim }
            if directory != nil {
                sessions[victim] = nil   // its file holds what the cache did; it reloads on next use
            } else if var session = sessions[victim] {
                session.tokens = []
                session.cache = nil
                sessions[victim] = session
            }
        }
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
        guard Self.isValidScopedID(id), sessions[id] != nil || fileExists(id) else { throw notFound(id) }
        guard !busy.contains(id) else { throw APIError(.conflict, "session '\(id)' is in use", code: "session_busy") }
        sessions[id] = nil
        lastUse[id] = nil
        if let url = fileURL(id) { try? FileManager.default.removeItem(at: url) }
    }

    /// Ids of `namespace`'s sessions in memory or on disk, without the namespace.
    public func list(namespace: String = "") -> [String] {
        lock.lock()
        defer { lock.unlock() }
        let prefix = namespace.isEmpty ? "" : namespace + "/"
        var ids = Set(sessions.keys.filter { $0.hasPrefix(prefix) && !$0.dropFirst(prefix.count).contains("/") }
            .map { String($0.dropFirst(prefix.count)) })
        if let folder = folder(of: namespace), let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) {
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
        let name = id.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? id
        return APIError(.notFound, "no session '\(name)'; create it with POST /v1/sessions", param: "session", code: "session_not_found")
    }

    /// The folder of a namespace's files: the directory itself for the root namespace.
    private func folder(of namespace: String) -> URL? {
        namespace.isEmpty ? directory : directory?.appendingPathComponent(namespace, isDirectory: true)
    }

    /// `<dir>/ID.session`, or `<dir>/NAMESPACE/ID.session` for a scoped id.
    private func fileURL(_ id: String) -> URL? {
        let parts = id.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard let folder = folder(of: parts.count == 2 ? parts[0] : "") else { return nil }
        return folder.appendingPathComponent("\(parts.last ?? id).session")
    }

    private func fileExists(_ id: String) -> Bool { fileURL(id).map { FileManager.default.fileExists(atPath: $0.path) } ?? false }

    private func save(_ session: Session) throws {
        guard let url = fileURL(session.id) else { return }
        let data = SessionArchive.encode(session)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
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
