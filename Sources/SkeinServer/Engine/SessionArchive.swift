import Foundation
import SkeinEngine
import SkeinFormats

/// A session on disk: magic, a JSON header (id, policy, tokens), the KV cache archive, checksum.
enum SessionArchive {
    private static let magic = Data("SKEINSES1\n".utf8)

    private struct Header: Codable {
        var id: String
        var attention: String
        var rope: String
        var kvType: String?
        var tokens: [Int]
        var hasCache: Bool
        /// "removed" since 2026-12-04 (every policy's ratio is kvpress's, the fraction removed);
        /// absent in older files, whose h2o/tova/snapkv/sirllm/quest/tokenselect ratio was the
        /// fraction kept and is rewritten on reading (`PolicyCatalog.upgradingKeptRatio`).
        var ratio: String?
    }

    /// Caches whose state is not all in their buffers (quantized, score-aware or block memory) are
    /// saved without KV and tokens: after a restart such a session starts over.
    static func encode(_ session: SessionStore.Session) -> Data {
        let snapshot = session.cache?.supportsSnapshots ?? false
        let header = Header(id: session.id, attention: session.attention, rope: session.rope, kvType: session.kvType,
                            tokens: snapshot ? session.tokens : [], hasCache: snapshot, ratio: "removed")
        let headerBytes = try! JSONEncoder().encode(header)
        var data = magic
        data.appendLittleEndian(UInt64(headerBytes.count))
        data.append(headerBytes)
        if snapshot, let cache = session.cache { data.append(cache.archived()) }
        data.appendLittleEndian(checksum(data))
        return data
    }

    static func decode(_ data: Data, host: ModelHost, source: String) throws -> SessionStore.Session {
        struct Corrupt: Error, CustomStringConvertible { var description: String }
        guard data.count >= magic.count + 16, data.prefix(magic.count) == magic else { throw Corrupt(description: "\(source): not a Skein session file") }
        let body = data.prefix(data.count - 8)
        guard data.readLittleEndian(at: data.count - 8) == checksum(body) else {
            throw Corrupt(description: "\(source): checksum mismatch (torn or corrupted)")
        }
        // Compared as UInt64 first: a length past Int.max must be refused, not trap in Int(_:).
        let rawLength = data.readLittleEndian(at: magic.count)
        let headerStart = data.startIndex + magic.count + 8
        guard rawLength <= UInt64(body.endIndex - headerStart) else { throw Corrupt(description: "\(source): header out of range") }
        let headerLength = Int(rawLength)
        var header = try JSONDecoder().decode(Header.self, from: data[headerStart..<(headerStart + headerLength)])
        if header.ratio == nil { header.attention = try PolicyCatalog.upgradingKeptRatio(header.attention) }
        var session = SessionStore.Session(id: header.id, attention: header.attention, rope: header.rope,
                                           kvType: header.kvType ?? "f32", tokens: header.tokens)
        if header.hasCache {
            let model = try host.resolve(attention: header.attention, rope: header.rope, kvType: header.kvType ?? "f32").model
            session.cache = try DenseKVCache.unarchive(Data(body[(headerStart + headerLength)...]), for: model, source: source)
        }
        return session
    }

    static func checksum(_ data: Data) -> UInt64 { FNV1a.hash(data) }
}

/// Writes a file so that readers see the old content or the new, never a mix: a temporary
/// sibling, fsync, rename over the target, fsync of the folder.
enum AtomicFile {
    static func write(_ data: Data, to url: URL) throws {
        let folder = url.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(getpid()).partial")
        guard DurableWrite.writeAndSync(data, to: temporary.path, exclusive: false) == nil, rename(temporary.path, url.path) == 0 else {
            unlink(temporary.path)
            throw POSIXFailure(call: "write/rename", path: url.path)
        }
        let dirFD = open(folder.path, O_RDONLY)
        if dirFD >= 0 { fsync(dirFD); close(dirFD) }
    }
}

struct POSIXFailure: Error, CustomStringConvertible {
    var call: String
    var path: String
    var code = errno
    var description: String { "\(call) \(path): \(String(cString: strerror(code)))" }
}
