import Dispatch
import SkeinKernels
import Synchronization

/// Splits `0..<count` into contiguous ranges and runs them on the worker threads.
public enum Parallel {
    /// The threads kernels use unless told otherwise: every processor the process may run on.
    public static let defaultThreadCount = Processors.available

    /// Threads used by kernels; defaults to `defaultThreadCount`.
    nonisolated(unsafe) public static var threadCount: Int = defaultThreadCount

    #if os(Linux)
    /// Persistent workers for up to max(threadCount, processors) threads, made on first use.
    nonisolated(unsafe) private static var pool: WorkerPool?
    private static let poolOnce: Void = {
        pool = WorkerPool(workerCount: max(threadCount, defaultThreadCount) - 1)
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

    /// Runs `body` over disjoint sub-ranges of `0..<count` that the threads claim as they go, each
    /// claim a share of what is left (at least `minimumChunk` items): a thread slowed down (by a
    /// busier memory channel, or a host that takes its core for a while) then does less, where
    /// fixed ranges leave the other threads waiting for it at the end.
    public static func forEachClaimedRange(_ count: Int, minimumChunk: Int, _ body: (Range<Int>) -> Void) {
        let minimumChunk = max(1, minimumChunk)
        let threads = min(threadCount, max(1, count / minimumChunk))
        if threads <= 1 {
            body(0..<count)
            return
        }
        let claims = ClaimCounter()
        forEachRange(threads) { _ in
            var start = claims.next.load(ordering: .relaxed)
            while start < count {
                let size = min(count - start, max(minimumChunk, (count - start) / (2 * threads)))
                let (claimed, current) = claims.next.compareExchange(expected: start, desired: start + size, ordering: .relaxed)
                if claimed {
                    body(start..<(start + size))
                    start = claims.next.load(ordering: .relaxed)
                } else {
                    start = current
                }
            }
        }
    }
}

/// The next unclaimed item of a `forEachClaimedRange` loop.
private final class ClaimCounter: Sendable {
    let next = Atomic<Int>(0)
}

#if canImport(Glibc)
import Glibc
#endif
