import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only memory map of a whole file; unmapped when released.
public final class MappedFile: @unchecked Sendable {
    public let path: String
    public let bytes: UnsafeRawBufferPointer

    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            if errno == ENOENT { throw FormatError.fileNotFound(path: path) }
            throw FormatError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw FormatError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        let size = Int(info.st_size)
        if size == 0 {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else {
            throw FormatError.unreadable(path: path, reason: "mmap failed: \(String(cString: strerror(errno)))")
        }
        bytes = UnsafeRawBufferPointer(start: base, count: size)
    }

    /// `body(region)` for a copy of `region` (part of `bytes`): its pages are mapped in one call
    /// first (`populate`) and given back after (`dropPages`), so a loader that copies tensor by
    /// tensor holds one copy of the model in memory, not two.
    public func copyOut<T>(_ region: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        populate(region)
        defer { dropPages(region) }
        return try body(region)
    }

    /// Maps the pages under `region` (part of `bytes`) in one call, before they are copied out:
    /// much faster than one fault at a time during the copy. Best effort: a no-op where the
    /// system lacks `MADV_POPULATE_READ` (Linux before 5.14) or for a region outside the mapping.
    public func populate(_ region: UnsafeRawBufferPointer) {
        #if os(Linux)
        guard let (start, length) = pageSpan(of: region) else { return }
        _ = madvise(start, length, 22 /* MADV_POPULATE_READ */)
        #endif
    }

    /// Gives back the resident pages under `region` (part of `bytes`) once their contents have
    /// been copied out. The mapping stays valid: the pages are read again from the file if
    /// touched. A no-op where the system does not support it.
    public func dropPages(_ region: UnsafeRawBufferPointer) {
        #if os(Linux)
        guard let (start, length) = pageSpan(of: region) else { return }
        _ = madvise(start, length, MADV_DONTNEED)
        #endif
    }

    /// `region` widened to start on a page boundary (as madvise needs); nil when it is empty or not
    /// inside the mapping.
    private func pageSpan(of region: UnsafeRawBufferPointer) -> (UnsafeMutableRawPointer, Int)? {
        guard let base = bytes.baseAddress, let start = region.baseAddress, region.count > 0 else { return nil }
        let offset = start - base, page = Int(sysconf(Int32(_SC_PAGESIZE)))
        guard offset >= 0, offset + region.count <= bytes.count, page > 0 else { return nil }
        let lower = offset / page * page
        return (UnsafeMutableRawPointer(mutating: base + lower), offset + region.count - lower)
    }

    deinit {
        if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
    }
}
