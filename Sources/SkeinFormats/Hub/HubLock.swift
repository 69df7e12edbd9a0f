import Foundation

/// An exclusive `flock` on `<cache>/.locks/models--ORG--NAME/<etag>.lock`, the lock file
/// huggingface_hub takes for the same blob (its `filelock` uses `flock` on Unix): two pulls
/// of one file, by Skein or by `hf`, never write the same `.incomplete` at once. The kernel
/// drops the lock when the process ends, so a crash leaves no stale lock.
final class HubLock {
    private let descriptor: Int32

    /// Takes the lock, waiting (polling every `interval` seconds) while another process holds it.
    /// - Throws: `HubError.unwritable` when the lock file cannot be opened.
    init(_ url: URL, interval: Double = 0.2) async throws {
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw HubError.unwritable(path: url.deletingLastPathComponent().path, reason: error.localizedDescription)
        }
        let fd = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw HubError.unwritable(path: url.path, reason: String(cString: strerror(errno))) }
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                let reason = String(cString: strerror(errno))
                close(fd)
                throw HubError.unwritable(path: url.path, reason: "cannot lock it: \(reason)")
            }
            try? await Task.sleep(nanoseconds: UInt64(interval * 1e9))
        }
        descriptor = fd
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
