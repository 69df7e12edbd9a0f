import Foundation

/// The durable half of an atomic save: the caller then renames or links the file into place.
public enum DurableWrite {
    /// Creates `path` (failing if it exists when `exclusive`, else truncating it), writes all of
    /// `data` and fsyncs it. Returns nil when the bytes are on disk, else the errno of the failure.
    public static func writeAndSync(_ data: Data, to path: String, exclusive: Bool) -> Int32? {
        let fd = open(path, O_WRONLY | O_CREAT | (exclusive ? O_EXCL : O_TRUNC), 0o644)
        guard fd >= 0 else { return errno }
        defer { close(fd) }
        let written = data.withUnsafeBytes { bytes -> Bool in
            var offset = 0
            while offset < bytes.count {
                let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if n <= 0 { return false }
                offset += n
            }
            return true
        }
        guard written, fsync(fd) == 0 else { return errno == 0 ? EIO : errno }
        return nil
    }
}
