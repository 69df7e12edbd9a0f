import Foundation
import SkeinEngine
import SkeinFormats
#if canImport(Glibc)
import Glibc
#endif

/// A bad or unreadable `/load` file, or a `/save` that was refused.
struct ChatFileError: Error, CustomStringConvertible {
    var file: String
    var reason: String
    var description: String { "\(file): \(reason)" }
}

/// A saved `skein chat` conversation (`/save FILE`, `/load FILE`): magic, a JSON header (the
/// messages, the model's fingerprint, the policy spellings, the tokens the cache holds), the KV
/// cache in `DenseKVCache.archived()` form (the format the server's sessions use), and a 64-bit
/// FNV-1a checksum of everything before it.
///
/// Caches whose state is not all in their buffers (quantized, SirLLM and the other per-head or
/// block memories) are saved without KV; loading such a file prefills the conversation again.
struct ChatFile {
    struct Header: Codable {
        var format = 1
        /// `ChatFile.fingerprint` of the model the cache was built with.
        var model: String
        var attention: String
        var rope: String
        var kvType: String
        var messages: [ChatMessage]
        var tokens: [Int]
        var hasCache: Bool
    }

    static let magic = Data("SKEINCHAT1\n".utf8)

    var header: Header
    var cache: DenseKVCache?

    /// A short identity of a model folder or GGUF file: a hash of config.json and tokenizer.json
    /// (of the file's first MiB for GGUF) and the size of the weights.
    static func fingerprint(of url: URL) -> String {
        var isFolder: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder)
        var data = Data()
        var size: UInt64 = 0
        if isFolder.boolValue {
            for name in ["config.json", "tokenizer.json"] {
                data.append((try? Data(contentsOf: url.appendingPathComponent(name))) ?? Data())
            }
            for name in (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? [] where name.hasSuffix(".safetensors") {
                size += (try? FileManager.default.attributesOfItem(atPath: url.appendingPathComponent(name).path)[.size] as? UInt64) ?? 0
            }
        } else if let handle = try? FileHandle(forReadingFrom: url) {
            data = (try? handle.read(upToCount: 1 << 20)) ?? Data()
            size = (try? handle.seekToEnd()) ?? 0
            try? handle.close()
        }
        return String(FNV1a.hash(data), radix: 16) + "-" + String(size)
    }

    /// The file's bytes.
    func encoded() throws -> Data {
        var header = header
        let snapshot = cache?.supportsSnapshots ?? false
        header.hasCache = snapshot
        if !snapshot { header.tokens = [] }
        let headerBytes = try JSONEncoder().encode(header)
        var data = Self.magic
        data.appendLittleEndian(UInt64(headerBytes.count))
        data.append(headerBytes)
        if snapshot, let cache { data.append(cache.archived()) }
        data.appendLittleEndian(FNV1a.hash(data))
        return data
    }

    /// Reads a file written by `encoded()`. Its cache is read only when `model(header)` gives the
    /// model to check it against (nil: the caller rebuilds the cache, e.g. for another model).
    /// - Throws: `ChatFileError` naming `path` for a missing, torn, corrupted or foreign file.
    static func read(_ path: String, model: (Header) -> TransformerModel?) throws -> ChatFile {
        func fail(_ reason: String) -> ChatFileError { ChatFileError(file: path, reason: reason) }
        guard let data = FileManager.default.contents(atPath: path) else { throw fail("no such file or not readable") }
        guard data.count >= magic.count + 16, data.prefix(magic.count) == magic else { throw fail("not a skein chat file (saved with /save)") }
        let body = data.prefix(data.count - 8)
        guard data.readLittleEndian(at: data.count - 8) == FNV1a.hash(body) else { throw fail("checksum mismatch (torn or corrupted)") }
        let headerLength = data.readLittleEndian(at: magic.count)
        let headerStart = data.startIndex + magic.count + 8
        guard headerLength <= UInt64(body.endIndex - headerStart) else { throw fail("header out of range") }
        let headerEnd = headerStart + Int(headerLength)
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: data[headerStart..<headerEnd])
        } catch {
            throw fail("bad header: \(error)")
        }
        guard header.format == 1 else { throw fail("format \(header.format) is not supported (expected 1)") }
        guard header.messages.allSatisfy({ ["system", "user", "assistant"].contains($0.role) }) else {
            throw fail("messages: role must be system, user or assistant")
        }
        var file = ChatFile(header: header, cache: nil)
        if let model = model(header), header.hasCache {
            do {
                file.cache = try DenseKVCache.unarchive(Data(body[headerEnd...]), for: model, source: path)
            } catch let error as CacheArchiveError {
                throw fail("cache: \(error.reason)")
            }
        }
        return file
    }

    /// Writes `data` to `path` only if no file is there: a temporary sibling, fsync, then a hard
    /// link to `path` (which fails when it exists, so an existing file is never replaced).
    /// - Throws: `ChatFileError` when `path` exists or cannot be written.
    static func writeNew(_ data: Data, to path: String) throws {
        func fail(_ reason: String) -> ChatFileError { ChatFileError(file: path, reason: reason) }
        let exists = { ChatFileError(file: path, reason: "already exists; not overwritten (choose another name or remove it)") }
        guard !FileManager.default.fileExists(atPath: path) else { throw exists() }
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(getpid()).partial").path
        defer { unlink(temporary) }
        if let code = DurableWrite.writeAndSync(data, to: temporary, exclusive: true) {
            throw fail("cannot write: \(String(cString: strerror(code)))")
        }
        guard link(temporary, path) == 0 else {
            if errno == EEXIST { throw exists() }
            throw fail("cannot write: \(String(cString: strerror(errno)))")
        }
    }
}
