/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), used to check offloaded KV blocks.
///
/// Slicing-by-8 (eight 256-entry tables, 8 bytes per step): every scored block's representatives
/// are checked on each retrieval, so the checksum sits on InfLLM's decoding path.
enum CRC32 {
    /// tables[k * 256 + n]: the CRC of byte n followed by k zero bytes; tables[0..<256] is the
    /// classic byte-wise table.
    static let tables: [UInt32] = {
        var t = [UInt32](repeating: 0, count: 8 * 256)
        for n in 0..<256 {
            var c = UInt32(n)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            t[n] = c
        }
        for k in 1..<8 { for n in 0..<256 { t[k * 256 + n] = (t[(k - 1) * 256 + n] >> 8) ^ t[Int(t[(k - 1) * 256 + n] & 0xFF)] } }
        return t
    }()

    /// The checksum of `count` bytes at `bytes`.
    static func checksum(_ bytes: UnsafeRawPointer, count: Int) -> UInt32 {
        tables.withUnsafeBufferPointer { t in
            var crc: UInt32 = 0xFFFF_FFFF, i = 0
            while i + 8 <= count {
                let one = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt32.self)) ^ crc
                let two = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: i + 4, as: UInt32.self))
                crc = t[7 * 256 + Int(one & 0xFF)] ^ t[6 * 256 + Int((one >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((one >> 16) & 0xFF)] ^ t[4 * 256 + Int(one >> 24)]
                    ^ t[3 * 256 + Int(two & 0xFF)] ^ t[2 * 256 + Int((two >> 8) & 0xFF)]
                    ^ t[256 + Int((two >> 16) & 0xFF)] ^ t[Int(two >> 24)]
                i += 8
            }
            let p = bytes.assumingMemoryBound(to: UInt8.self)
            while i < count {
                crc = t[Int((crc ^ UInt32(p[i])) & 0xFF)] ^ (crc >> 8)
                i += 1
            }
            return crc ^ 0xFFFF_FFFF
        }
    }
}
