import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A float buffer that lives in an unlinked scratch file, mapped into memory, for caches too
/// large to keep resident (`DenseKVCache.residentLimit`).
///
/// The file is created in the system's temporary directory and unlinked at once, so it has no
/// name, disappears when the process ends (however it ends) and never touches a user's file. Its
/// blocks are allocated up front (`posix_fallocate`), so a full disk is a typed error here rather
/// than a signal on a later write. Reads and writes go through the mapping; `release` drops pages
/// from the process's resident set while their data stays in the file (the kernel's page cache
/// keeps recently used pages in RAM while it has room, and writes the rest to disk).
final class FileBackedBuffer {
    /// (count) floats, zero-filled.
    let base: UnsafeMutablePointer<Float>
    let count: Int
    private let byteCount: Int
    private let fileDescriptor: Int32

    /// - Throws: `EngineError.offloadFailed` when the file cannot be created, sized or mapped.
    init(count: Int) throws {
        self.count = count
        byteCount = max(1, count) * MemoryLayout<Float>.size
        let path = FileManager.default.temporaryDirectory.path + "/skein-kv-\(UUID().uuidString).cache"
        let fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw EngineError.offloadFailed(reason: "cannot create \(path): \(String(cString: strerror(errno)))") }
        unlink(path)
        let allocated = posix_fallocate(fd, 0, off_t(byteCount))
        guard allocated == 0 else {
            close(fd)
            throw EngineError.offloadFailed(reason: "cannot allocate \(byteCount) bytes in \(path): \(String(cString: strerror(allocated)))")
        }
        let mapped = mmap(nil, byteCount, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)
        guard let mapped, mapped != MAP_FAILED else {
            close(fd)
            throw EngineError.offloadFailed(reason: "cannot map \(byteCount) bytes: \(String(cString: strerror(errno)))")
        }
        // Reads are scattered (selected tokens, best pages): no read-ahead. (The kernel still maps
        // cached pages around each read fault; `release` drops them.)
        madvise(mapped, byteCount, MADV_RANDOM)
        fileDescriptor = fd
        base = mapped.bindMemory(to: Float.self, capacity: max(1, count))
    }

    deinit {
        munmap(UnsafeMutableRawPointer(base), byteCount)
        close(fileDescriptor)
    }

    /// Drops the whole pages inside floats `range` from the resident set; the data stays in the file.
    func release(_ range: Range<Int>) {
        let page = Self.pageBytes
        let start = (range.lowerBound * MemoryLayout<Float>.size + page - 1) / page * page
        let end = min(byteCount, range.upperBound * MemoryLayout<Float>.size) / page * page
        if end > start { madvise(UnsafeMutableRawPointer(base) + start, end - start, MADV_DONTNEED) }
    }

    static let pageBytes = Int(sysconf(Int32(_SC_PAGESIZE)))
}
