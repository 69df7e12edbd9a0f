import Foundation
import SkeinEngine
#if canImport(Glibc)
import Glibc
#endif

/// One scratch file per process, reset for each input: creating, growing and mapping a new file
/// per input made the target run a few dozen inputs a second. Appending, checksumming, reading back
/// and detecting damage run exactly as in production; only the file's creation is shared.
/// `scratchLock` guards it (the fuzzer calls from one thread; tests might not).
nonisolated(unsafe) private var scratch: OffloadFile?
private let scratchLock = NSLock()

/// KV offload records, written to an `OffloadFile`, damaged on disk, and read back.
///
/// Input: 2 bytes pick the record size (1...4096 bytes), 1 byte the record count (1...16), the
/// next `size * count` bytes (repeated when short) are the records; every following 3 bytes
/// damage the file: a 16-bit offset into the records and a byte to XOR there. Each record is then
/// read alone, and all of them as one range. A record whose bytes are unchanged must read back
/// exactly; a changed one must throw `EngineError.corruptedOffloadBlock` naming it. Anything
/// else stops the process (a finding).
func feedOffload(_ raw: UnsafeRawBufferPointer) throws {
    scratchLock.lock()
    defer { scratchLock.unlock() }
    let bytes = raw.bindMemory(to: UInt8.self)
    guard bytes.count >= 4 else { return }
    let recordBytes = 1 + (Int(bytes[0]) | Int(bytes[1]) << 8) % 4096
    let count = 1 + Int(bytes[2]) % 16
    let source = bytes[3...]
    let total = recordBytes * count
    // The harness's own loops copy and compare whole runs (memcpy, memcmp), not byte by byte:
    // under coverage instrumentation per-byte loops were most of each input's time.
    var written = [UInt8]()
    written.reserveCapacity(total)
    while written.count < total { written.append(contentsOf: source.prefix(total - written.count)) }
    let file: OffloadFile
    if let scratch {
        scratch.reset(recordBytes: recordBytes)
        file = scratch
    } else {
        file = try OffloadFile(recordBytes: recordBytes)
        scratch = file
    }
    for r in 0..<count {
        let index = try written.withUnsafeBytes { try file.append($0.baseAddress! + r * recordBytes) }
        precondition(index == r, "append returned index \(index) for record \(r)")
    }
    var onDisk = written
    var op = source.startIndex + min(total, source.count)
    while op + 3 <= source.endIndex {
        let offset = (Int(source[op]) | Int(source[op + 1]) << 8) % total
        onDisk[offset] ^= source[op + 2]
        op += 3
    }
    // The damage reaches the file in one write of the records' bytes (a write per damage op, up
    // to 20,000 of them, made the target run a few inputs a second).
    if onDisk != written {
        let wrote = onDisk.withUnsafeBytes { pwrite(file.fileDescriptor, $0.baseAddress!, total, 0) }
        precondition(wrote == total, "pwrite failed")
    }
    /// Whether `a` and `b` hold the same bytes in record `r`.
    func same(_ a: [UInt8], _ b: [UInt8], record r: Int) -> Bool {
        a.withUnsafeBytes { a in b.withUnsafeBytes { b in memcmp(a.baseAddress! + r * recordBytes, b.baseAddress! + r * recordBytes, recordBytes) == 0 } }
    }
    let damage = (0..<count).map { !same(onDisk, written, record: $0) }
    func damaged(_ r: Int) -> Bool { damage[r] }
    var out = [UInt8](repeating: 0, count: total)
    for r in 0..<count {
        do {
            try out.withUnsafeMutableBytes { try file.read(r, into: $0.baseAddress! + r * recordBytes, layer: 0) }
            precondition(!damaged(r) && same(out, written, record: r), "record \(r) read back without its damage being detected")
        } catch EngineError.corruptedOffloadBlock(let layer, let block) {
            precondition(damaged(r) && layer == 0 && block == r, "record \(r) reported corrupted as block \(block) of layer \(layer)")
        }
    }
    do {
        try out.withUnsafeMutableBytes { try file.read(0..<count, into: $0.baseAddress!, layer: 1) }
        precondition(!(0..<count).contains(where: damaged) && out == written, "a range read returned damaged records")
    } catch EngineError.corruptedOffloadBlock(let layer, let block) {
        precondition(layer == 1 && damaged(block) && !(0..<block).contains(where: damaged), "range read blamed block \(block)")
    }
    if (0..<count).contains(where: damaged) { throw EngineError.corruptedOffloadBlock(layer: 0, block: (0..<count).first(where: damaged)!) }
}
