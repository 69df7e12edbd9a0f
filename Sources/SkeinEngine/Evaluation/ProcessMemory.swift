import Foundation

/// Resident memory of this process, from /proc/self/status (Linux); nil elsewhere.
public enum ProcessMemory {
    /// Current resident set size in bytes.
    public static var residentBytes: Int? { field("VmRSS:") }
    /// Peak resident set size in bytes.
    public static var peakResidentBytes: Int? { field("VmHWM:") }

    /// Starts the peak over from the current resident size (Linux `clear_refs`), so a buffer that
    /// was used and freed (the bandwidth probe of `skein bench`) is not reported as the model's
    /// peak. Returns false where the system does not allow it.
    @discardableResult
    public static func resetPeak() -> Bool {
        guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
        defer { try? handle.close() }
        return (try? handle.write(contentsOf: Data("5".utf8))) != nil
    }

    private static func field(_ name: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(name) {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            if parts.count >= 2, let kb = Int(parts[1]) { return kb * 1024 }
        }
        return nil
    }
}
