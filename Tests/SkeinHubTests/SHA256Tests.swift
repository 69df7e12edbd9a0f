import Foundation
import SkeinFormats
import Testing

/// The streaming SHA-256 against published vectors (FIPS 180-4 examples) and Python's hashlib.
@Suite struct SHA256Tests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        // 56 bytes: the padding spills into a second block.
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func knownVectors(message: String, digest: String) {
        #expect(SHA256.hex(Array(message.utf8)) == digest)
    }

    /// A million `a`: the FIPS 180-2 long-message vector.
    @Test func aMillionAs() {
        #expect(SHA256.hex([UInt8](repeating: 0x61, count: 1_000_000)) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// 1 MiB of `(i*31+7) % 251`, fed in uneven chunks (1, 63, 64, 65, 4095, ... bytes) and at
    /// once; the constant is Python's `hashlib.sha256(bytes((i*31+7)%251 for i in range(1<<20))).hexdigest()`.
    @Test func aMegabyteInChunks() {
        let bytes = (0..<(1 << 20)).map { UInt8(($0 * 31 + 7) % 251) }
        let expected = "1c59b8670027384143781a8a8bff2f3b44bd8818d0f53b13b064c2375a1afe38"
        #expect(SHA256.hex(bytes) == expected)
        var hasher = SHA256()
        var offset = 0, step = 0
        let sizes = [1, 63, 64, 65, 4095, 0, 100_000, 7]
        while offset < bytes.count {
            let count = min(sizes[step % sizes.count], bytes.count - offset)
            bytes[offset..<offset + count].withUnsafeBytes { hasher.update($0) }
            offset += count
            step += 1
        }
        #expect(hasher.hexDigest == expected)
        // Reading the digest does not end the message: more bytes change it.
        hasher.update([0])
        #expect(hasher.hexDigest != expected)
    }
}
