import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A memory-mapped scratch file for cold KV blocks, in the system's temporary directory.
///
/// The file is unlinked right after it is opened: it has no name from then on, so it disappears
/// when the process exits, is interrupted or crashes, and never touches a user's files. Records
/// are fixed-size; each carries a CRC-32 kept in RAM and checked when it is read back.
package final class OffloadFile {
    package private(set) var recordBytes: Int
    /// The path the file had before it was unlinked (for tests and messages).
    package let path: String
    package private(set) var fileDescriptor: Int32
    private var mapping: UnsafeMutableRawPointer?
    private var mappedBytes = 0
    private var checksums: [UInt32] = []

    package var recordCount: Int { checksums.count }

    package init(recordBytes: Int) throws {
        self.recordBytes = recordBytes
        let directory = FileManager.default.temporaryDirectory.path
        path = directory + "/skein-kv-\(UUID().uuidString).blocks"
        fileDescriptor = open(path, O_RDWR | O_CREAT | O_EXCL, 0o600)
        guard fileDescriptor >= 0 else {
            throw EngineError.offloadFailed(reason: "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        unlink(path)
    }

    deinit {
        if let mapping { munmap(mapping, mappedBytes) }
        close(fileDescriptor)
    }

    /// Forgets every record and takes a new record size, keeping the file and its mapping: the
    /// next `append` writes index 0 again, over the old bytes. Lets one scratch file serve many
    /// short-lived record sets (the offload fuzz target uses one per process).
    package func reset(recordBytes: Int) {
        self.recordBytes = recordBytes
        checksums.removeAll(keepingCapacity: true)
    }

    /// Appends one record of `recordBytes` bytes; returns its index.
    package func append(_ bytes: UnsafeRawPointer) throws -> Int {
        let index = checksums.count
        try ensureMapped(upTo: (index + 1) * recordBytes)
        let target = mapping! + index * recordBytes
        target.copyMemory(from: bytes, byteCount: recordBytes)
        checksums.append(CRC32.checksum(target, count: recordBytes))
        release(index)
        return index
    }

    /// Copies record `index` to `out` after checking its checksum.
    /// - Throws: `EngineError.corruptedOffloadBlock` when the bytes changed since they were written.
    package func read(_ index: Int, into out: UnsafeMutableRawPointer, layer: Int) throws {
        let source = mapping! + index * recordBytes
        out.copyMemory(from: source, byteCount: recordBytes)
        release(index)
        guard CRC32.checksum(out, count: recordBytes) == checksums[index] else {
            throw EngineError.corruptedOffloadBlock(layer: layer, block: index)
        }
    }

    /// Copies records `range` (contiguous) to `out`, checking each record's checksum.
    package func read(_ range: Range<Int>, into out: UnsafeMutableRawPointer, layer: Int) throws {
        guard !range.isEmpty else { return }
        out.copyMemory(from: mapping! + range.lowerBound * recordBytes, byteCount: range.count * recordBytes)
        release(range)
        for (i, index) in range.enumerated() where CRC32.checksum(out + i * recordBytes, count: recordBytes) != checksums[index] {
            throw EngineError.corruptedOffloadBlock(layer: layer, block: index)
        }
    }

    /// Drops the record's pages from this process's resident set (the data stays in the file).
    private func release(_ index: Int) { release(index..<(index + 1)) }

    private func release(_ records: Range<Int>) {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (records.lowerBound * recordBytes) / page * page
        let end = (records.upperBound * recordBytes + page - 1) / page * page
        if end > start { madvise(mapping! + start, min(end, mappedBytes) - start, MADV_DONTNEED) }
    }

    /// Grows the file and its mapping (doubling) to hold at least `bytes`.
    private func ensureMapped(upTo bytes: Int) throws {
        guard bytes > mappedBytes else { return }
        var size = max(mappedBytes, 1 << 22)
        while size < bytes { size *= 2 }
        guard ftruncate(fileDescriptor, off_t(size)) == 0 else {
            throw EngineError.offloadFailed(reason: "cannot grow to \(size) bytes: \(String(cString: strerror(errno)))")
        }
        if let mapping { munmap(mapping, mappedBytes) }
        let mapped = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_SHARED, fileDescriptor, 0)
        guard let mapped, mapped != MAP_FAILED else {
            mapping = nil
            mappedBytes = 0
            throw EngineError.offloadFailed(reason: "cannot map \(size) bytes: \(String(cString: strerror(errno)))")
        }
        mapping = mapped
        mappedBytes = size
    }
}
