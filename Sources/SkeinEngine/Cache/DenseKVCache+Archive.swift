import Foundation

/// Why a saved cache could not be read back.
public struct CacheArchiveError: Error, CustomStringConvertible, Sendable {
    public var source: String
    public var reason: String
    public var description: String { "\(source): \(reason)" }
}

extension DenseKVCache {
    /// Whether `copy()` and `archived()` capture the whole state: f32 storage and no per-head
    /// memory or block memory (whose state lives outside the buffers).
    public var supportsSnapshots: Bool { !storage.isQuantized && memory == nil && blockMemory == nil && selection == nil && longHeads == nil }

    /// A deep copy holding the same slots, positions and key channels (capacity trimmed to `count`).
    public func copy() -> DenseKVCache {
        precondition(supportsSnapshots, "copy() needs an f32 cache without memory state")
        let twin = DenseKVCache(layerCount: layerCount, kvHeadCount: kvHeadCount, headDim: headDim,
                                initialCapacity: count, channels: channels)
        for (key, layers) in buffers {
            for (layer, base) in layers.enumerated() {
                let target = twin.buffers[key]![layer]
                for h in 0..<kvHeadCount {
                    (target + h * twin.capacity * headDim).update(from: base + h * capacity * headDim, count: count * headDim)
                }
            }
        }
        twin.commit(count)
        twin.replacePositions(positions, nextPosition: nextPosition)
        twin.keyRope = keyRope
        twin.slidingKeyRope = slidingKeyRope
        return twin
    }

    /// Whether the cache still holds every token it was given (no policy dropped any), so it can
    /// be cut back to any prefix.
    public var holdsEveryToken: Bool { supportsSnapshots && count == nextPosition && positions.first.map { $0 == 0 } ?? true }

    /// The cache as bytes: a JSON header (shape, positions, channels), the f32 buffers, and a
    /// 64-bit FNV-1a checksum of everything before it.
    public func archived() -> Data {
        precondition(supportsSnapshots, "archived() needs an f32 cache without memory state")
        let header = ArchiveHeader(layers: layerCount, kvHeads: kvHeadCount, headDim: headDim, count: count,
                                   nextPosition: nextPosition, positions: positions,
                                   channels: Self.archiveOrder(channels).map(\.archiveName))
        let headerBytes = try! JSONEncoder().encode(header)
        var data = Data(Self.magic.utf8)
        data.appendLittleEndian(UInt64(headerBytes.count))
        data.append(headerBytes)
        for key in Self.archiveOrder(channels).map(Optional.some) + [nil] {
            for base in buffers[key]! {
                for h in 0..<kvHeadCount {
                    data.append(UnsafeBufferPointer(start: base + h * capacity * headDim, count: count * headDim))
                }
            }
        }
        data.appendLittleEndian(FNV1a.hash(data))
        return data
    }

    /// Reads a cache written by `archived()`, checking its checksum and that it fits `model`.
    ///
    /// - Parameter source: names the file in errors.
    /// - Throws: `CacheArchiveError` for a torn, corrupted or mismatched archive.
    public static func unarchive(_ data: Data, for model: TransformerModel, source: String) throws -> DenseKVCache {
        func fail(_ reason: String) -> CacheArchiveError { CacheArchiveError(source: source, reason: reason) }
        let magicCount = magic.utf8.count
        guard data.count >= magicCount + 16, data.prefix(magicCount) == Data(magic.utf8) else {
            throw fail("not a Skein KV cache archive (bad magic or too short)")
        }
        let body = data.prefix(data.count - 8)
        guard data.readLittleEndian(at: data.count - 8) == FNV1a.hash(body) else {
            throw fail("checksum mismatch: the file is torn or corrupted")
        }
        // Compared as UInt64 first: a length past Int.max must be refused, not trap in Int(_:).
        let rawLength = data.readLittleEndian(at: magicCount)
        guard rawLength <= UInt64(body.count - magicCount - 8) else { throw fail("header length out of range") }
        let headerLength = Int(rawLength)
        let headerStart = data.startIndex + magicCount + 8
        let header: ArchiveHeader
        do {
            header = try JSONDecoder().decode(ArchiveHeader.self, from: data[headerStart..<(headerStart + headerLength)])
        } catch {
            throw fail("unreadable header: \(error)")
        }
        let c = model.configuration
        guard header.layers == c.layerCount, header.kvHeads == c.kvHeadCount, header.headDim == c.headDim else {
            throw fail("cache shape (\(header.layers) layers, \(header.kvHeads) kv heads, head dim \(header.headDim)) does not fit the model")
        }
        guard header.count >= 0, header.positions.count == header.count,
              zip(header.positions, header.positions.dropFirst()).allSatisfy({ $0 < $1 }),
              (header.positions.last ?? -1) < header.nextPosition else {
            throw fail("positions are not ascending below nextPosition")
        }
        let channels = try header.channels.map { name in
            guard let channel = KeyChannel(archiveName: name) else { throw fail("unknown key channel '\(name)'") }
            return channel
        }
        let floatsPerBuffer = header.layers * header.kvHeads * header.count * header.headDim
        let payload = (channels.count + 1) * floatsPerBuffer * MemoryLayout<Float>.size
        guard headerStart + headerLength + payload == body.endIndex else {
            throw fail("expected \(payload) bytes of keys and values, found \(body.endIndex - headerStart - headerLength)")
        }
        let cache = DenseKVCache(layerCount: header.layers, kvHeadCount: header.kvHeads, headDim: header.headDim,
                                 initialCapacity: max(1, header.count), channels: channels)
        var offset = headerStart + headerLength
        let span = header.count * header.headDim * MemoryLayout<Float>.size
        for key in archiveOrder(channels).map(Optional.some) + [nil] {
            for base in cache.buffers[key]! {
                for h in 0..<header.kvHeads {
                    let target = UnsafeMutableRawPointer(base + h * cache.capacity * header.headDim)
                    data[offset..<(offset + span)].withUnsafeBytes { target.copyMemory(from: $0.baseAddress!, byteCount: span) }
                    offset += span
                }
            }
        }
        cache.commit(header.count)
        cache.replacePositions(header.positions, nextPosition: header.nextPosition)
        if header.nextPosition > 0 {
            let rope = try model.rotaryEmbedding(sequenceLength: header.nextPosition)
            cache.keyRope = rope
            cache.slidingKeyRope = try model.slidingKeyRope(global: rope)
        }
        return cache
    }

    private static let magic = "SKEINKV1"

    /// `.stored` first, then the others in a fixed order, so archives do not depend on hashing.
    private static func archiveOrder(_ channels: [KeyChannel]) -> [KeyChannel] {
        [.stored] + channels.filter { $0 != .stored }.sorted { $0.archiveName < $1.archiveName }
    }
}

private struct ArchiveHeader: Codable {
    var layers: Int
    var kvHeads: Int
    var headDim: Int
    var count: Int
    var nextPosition: Int
    var positions: [Int]
    var channels: [String]
}

extension KeyChannel {
    /// "stored", "grouped:G", "modulo:C" or "fixed".
    var archiveName: String {
        switch self {
        case .stored: "stored"
        case .grouped(let g): "grouped:\(g)"
        case .modulo(let c): "modulo:\(c)"
        case .fixed: "fixed"
        }
    }

    init?(archiveName: String) {
        let parts = archiveName.split(separator: ":")
        switch (parts.first, parts.count > 1 ? Int(parts[1]) : nil) {
        case ("stored", nil): self = .stored
        case ("fixed", nil): self = .fixed
        case ("grouped", let g?) where g > 0: self = .grouped(g)
        case ("modulo", let c?) where c > 0: self = .modulo(c)
        default: return nil
        }
    }
}

/// 64-bit FNV-1a: a cheap checksum that catches torn and flipped bytes (not an integrity MAC).
public enum FNV1a {
    public static func hash(_ data: Data) -> UInt64 {
        data.withUnsafeBytes { bytes in
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in bytes { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
            return h
        }
    }
}

extension Data {
    /// Appends `value` as 8 little-endian bytes (the framing of Skein's archive files).
    public mutating func appendLittleEndian(_ value: UInt64) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }

    /// The 8 little-endian bytes at `offset` (from `startIndex`) as a UInt64.
    public func readLittleEndian(at offset: Int) -> UInt64 {
        var value: UInt64 = 0
        for i in 0..<8 { value |= UInt64(self[startIndex + offset + i]) << (8 * i) }
        return value
    }
}
