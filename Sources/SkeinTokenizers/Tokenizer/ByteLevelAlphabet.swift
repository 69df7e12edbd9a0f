/// GPT-2's reversible map between bytes and printable Unicode scalars.
///
/// Printable Latin-1 bytes map to themselves; the other 68 bytes map to U+0100 and up, in
/// byte order. Byte-level BPE vocabularies are written in this alphabet.
enum ByteLevelAlphabet {
    /// byte -> scalar, 256 entries.
    static let scalarForByte: [Unicode.Scalar] = {
        var printable = Set<UInt8>()
        for range in [0x21...0x7E, 0xA1...0xAC, 0xAE...0xFF] {
            for byte in range { printable.insert(UInt8(byte)) }
        }
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            if printable.contains(UInt8(byte)) {
                table[byte] = Unicode.Scalar(UInt8(byte))
            } else {
                table[byte] = Unicode.Scalar(next)!
                next += 1
            }
        }
        return table
    }()

    /// scalar value -> byte, for the 256 scalars of the alphabet.
    static let byteForScalar: [UInt32: UInt8] = {
        var map = [UInt32: UInt8]()
        for (byte, scalar) in scalarForByte.enumerated() { map[scalar.value] = UInt8(byte) }
        return map
    }()

    /// The alphabet spelling of a run of scalars' UTF-8 bytes.
    static func encode(_ scalars: ArraySlice<Unicode.Scalar>) -> [Unicode.Scalar] {
        var out = [Unicode.Scalar]()
        out.reserveCapacity(scalars.count)
        for scalar in scalars {
            for byte in UTF8.encode(scalar)! { out.append(scalarForByte[Int(byte)]) }
        }
        return out
    }

    /// The bytes a token spells, or nil when a scalar is outside the alphabet.
    static func decode(_ token: String) -> [UInt8]? {
        var bytes = [UInt8]()
        bytes.reserveCapacity(token.unicodeScalars.count)
        for scalar in token.unicodeScalars {
            guard let byte = byteForScalar[scalar.value] else { return nil }
            bytes.append(byte)
        }
        return bytes
    }
}
