import Dispatch
import SkeinKernels

/// Splits `0..<count` into contiguous ranges and runs them on the worker threads.
public enum Parallel {
    /// Threads used by kernels; defaults to the machine's active processor count.
    nonisolated(unsafe) public static var threadCount: Int = max(1, ProcessInfo.activeProcessors)

    #if os(Linux)
    /// Persistent workers for up to max(threadCount, processors) threads, made on first use.
    nonisolated(unsafe) private static var pool: WorkerPool?
    private static let poolOnce: Void = {
        pool = WorkerPool(workerCount: max(threadCount, ProcessInfo.activeProcessors) - 1)
    }()
    #endif

    /// Runs `body` over disjoint sub-ranges of `0..<count`; serial below `minimumPerThread` items each.
    public static func forEachRange(_ count: Int, minimumPerThread: Int = 1, _ body: (Range<Int>) -> Void) {
        let threads = min(threadCount, max(1, count / max(1, minimumPerThread)))
        if threads <= 1 || count <= 1 {
            body(0..<count)
            return
        }
        let step = (count + threads - 1) / threads
        let level = skein_kernel_level()  // per thread: workers run at the caller's level
        let part = { (t: Int) in
            if skein_kernel_level() != level { skein_set_kernel_level(level) }
            let lower = t * step
            let upper = min(count, lower + step)
            if lower < upper { body(lower..<upper) }
        }
        #if os(Linux)
        _ = poolOnce
        if let pool, pool.run(parts: threads, part) { return }
        #endif
        DispatchQueue.concurrentPerform(iterations: threads, execute: part)
    }
}

/// The number of processors the scheduler gives this process.
enum ProcessInfo {
    static var activeProcessors: Int {
        #if os(Linux)
        return Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        #else
        return 1
        #endif
    }
}

#if canImport(Glibc)
import Glibc
#endif
