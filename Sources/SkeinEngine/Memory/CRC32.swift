/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), used to check offloaded KV blocks.
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    /// The checksum of `count` bytes at `bytes`.
    static func checksum(_ bytes: UnsafeRawPointer, count: Int) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        let p = bytes.assumingMemoryBound(to: UInt8.self)
        for i in 0..<count { crc = table[Int((crc ^ UInt32(p[i])) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}
