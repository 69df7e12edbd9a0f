import Foundation

/// The keys a server accepts, each with the session namespace it sees.
///
/// One key (`--api-key`, `--api-key-file` with one bare key, or `SKEIN_API_KEY`) has the root
/// namespace, where sessions are `DIR/ID.session`. A keys file of `NAME KEY` lines gives each key
/// its own namespace `NAME` (sessions in `DIR/NAME/ID.session`): one key can never read, list or
/// delete another's sessions. Keys are compared in constant time, against every key.
public struct APIKeys: Sendable, Equatable {
    /// One accepted key and its namespace ("" is the root).
    public struct Entry: Sendable, Equatable {
        public var key: String
        public var namespace: String
    }

    public let entries: [Entry]

    /// A single key with the root namespace.
    public init(key: String) { entries = [Entry(key: key, namespace: "")] }

    /// Keys with namespaces.
    public init(entries: [Entry]) { self.entries = entries }

    /// Parses a keys file: one bare key, or lines `NAME KEY` (NAME as a session id: letters,
    /// digits, '-', '_'); blank lines and lines starting with `#` are skipped.
    /// - Throws: `APIKeysError` naming the file and line.
    public static func load(file: URL) throws -> APIKeys {
        guard let text = try? String(contentsOf: file, encoding: .utf8) else { throw APIKeysError(file: file.path, line: nil, reason: "cannot read the file") }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().compactMap { index, line -> (Int, [Substring])? in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { return nil }
            return (index + 1, trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" }))
        }
        if lines.count == 1, lines[0].1.count == 1 { return APIKeys(key: String(lines[0].1[0])) }
        guard !lines.isEmpty else { throw APIKeysError(file: file.path, line: nil, reason: "no key in the file") }
        var entries: [Entry] = []
        for (number, fields) in lines {
            guard fields.count == 2 else {
                throw APIKeysError(file: file.path, line: number, reason: "expected 'NAME KEY' (a file of several keys names each one's session namespace)")
            }
            let name = String(fields[0]), key = String(fields[1])
            guard SessionStore.isValidID(name) else {
                throw APIKeysError(file: file.path, line: number, reason: "name '\(name)' must be 1-64 letters, digits, '-' or '_'")
            }
            if entries.contains(where: { $0.namespace == name }) { throw APIKeysError(file: file.path, line: number, reason: "name '\(name)' appears twice") }
            if entries.contains(where: { $0.key == key }) { throw APIKeysError(file: file.path, line: number, reason: "a key appears twice") }
            entries.append(Entry(key: key, namespace: name))
        }
        return APIKeys(entries: entries)
    }

    /// The namespace of the key in an `Authorization: Bearer KEY` header, or nil when it matches
    /// none. Every key is compared, each in time that depends only on the lengths.
    public func namespace(authorization: String?) -> String? {
        guard let authorization, authorization.hasPrefix("Bearer ") else { return nil }
        let given = Array(authorization.utf8.dropFirst("Bearer ".utf8.count))
        var found: String?
        for entry in entries where Self.constantTimeEqual(given, Array(entry.key.utf8)) { found = entry.namespace }
        return found
    }

    /// Equal bytes, without returning early on the first difference.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(a.count == b.count ? 0 : 1)
        let n = max(a.count, b.count)
        for i in 0..<n { difference |= (i < a.count ? a[i] : 0) ^ (i < b.count ? b[i] : 0) }
        return difference == 0
    }
}

/// A keys file that cannot be used.
public struct APIKeysError: Error, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var reason: String
    public var description: String { "\(file)\(line.map { ":\($0)" } ?? ""): \(reason)" }
}
