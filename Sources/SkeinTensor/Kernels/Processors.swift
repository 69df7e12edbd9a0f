#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Foundation
#endif

/// The processors this process may run on: the default number of kernel threads.
///
/// On Linux that is the scheduler's affinity mask (`sched_getaffinity`), so `taskset`, cgroup
/// cpusets and container CPU pinning are honoured; the online-processor count, or Foundation's
/// `activeProcessorCount` (which on Linux counts every online processor), would oversubscribe
/// them. Elsewhere it is Foundation's active processor count.
public enum Processors {
    /// The processors the calling thread may run on (at least 1).
    public static var available: Int {
        #if os(Linux)
        if let count = affinityCount(), count > 0 { return count }
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        #else
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
        #endif
    }

    #if os(Linux)
    /// `int sched_getaffinity(pid_t, size_t, cpu_set_t *)`: glibc declares it only under
    /// _GNU_SOURCE, which Swift's Glibc module is not built with, so it is looked up by name.
    private typealias GetAffinity = @convention(c) (pid_t, Int, UnsafeMutableRawPointer) -> Int32

    /// The number of processors in the calling thread's affinity mask, or nil if it cannot be read.
    static func affinityCount() -> Int? {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "sched_getaffinity") else { return nil }  // RTLD_DEFAULT
        let getAffinity = unsafeBitCast(symbol, to: GetAffinity.self)
        var mask = cpu_set_t()  // 1024 processors; larger machines fall back to the online count
        let status = withUnsafeMutableBytes(of: &mask) { getAffinity(0, $0.count, $0.baseAddress!) }
        guard status == 0 else { return nil }
        return withUnsafeBytes(of: &mask) { bytes in bytes.reduce(0) { $0 + $1.nonzeroBitCount } }
    }
    #endif
}
