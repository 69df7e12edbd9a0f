#if os(Linux)
import Glibc
import Synchronization

/// Persistent worker threads for `Parallel`: a job wakes them with one atomic increment.
///
/// A decode step runs about 200 parallel loops of a few tens of microseconds each; waking
/// dispatch threads for each costs a noticeable share of that. Workers here spin for a short
/// while after a job (the next one usually follows within microseconds), then sleep on a
/// condition variable. One job runs at a time; a caller that finds the pool busy (a nested or
/// concurrent loop) gets `false` and runs its loop another way.
final class WorkerPool: @unchecked Sendable {
    /// Threads besides the caller's.
    let workerCount: Int
    /// Bumped once per job; a worker runs a job when it sees a new value.
    private let generation = Atomic<Int>(0)
    /// Workers still running the current job.
    private let pending = Atomic<Int>(0)
    /// Workers sleeping (or about to) on `wake`.
    private let sleepers = Atomic<Int>(0)
    private let busy = Atomic<Bool>(false)
    /// The current job: (part, parts); valid while `busy`.
    private var job: ((Int) -> Void)?
    private var parts = 0
    private var mutex = pthread_mutex_t()
    private var wake = pthread_cond_t()
    /// Empty polls before a worker sleeps, or before the caller yields its core while waiting
    /// (a few milliseconds): the loops of one decoded token follow each other closer than that,
    /// and waking a sleeping worker costs more than the loop itself.
    private let spinLimit = 2_000_000

    init(workerCount: Int) {
        self.workerCount = workerCount
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&wake, nil)
        for index in 1...max(1, workerCount) where workerCount > 0 {
            let context = Unmanaged.passRetained(WorkerContext(pool: self, index: index)).toOpaque()
            var thread = pthread_t()
            pthread_create(&thread, nil, { raw in
                let context = Unmanaged<WorkerContext>.fromOpaque(raw!).takeRetainedValue()
                context.pool.workerLoop(index: context.index)
                return nil
            }, context)
            pthread_detach(thread)
        }
    }

    /// Runs `body(part)` for part in 0..<parts, part 0 on the calling thread; false (nothing run)
    /// when the pool is busy or has too few workers.
    func run(parts: Int, _ body: (Int) -> Void) -> Bool {
        guard parts - 1 <= workerCount, busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            return false
        }
        withoutActuallyEscaping(body) { body in
            job = body
            self.parts = parts
            pending.store(parts - 1, ordering: .relaxed)
            generation.add(1, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                pthread_mutex_lock(&mutex)
                pthread_cond_broadcast(&wake)
                pthread_mutex_unlock(&mutex)
            }
            body(0)
            var polls = 0
            while pending.load(ordering: .acquiring) > 0 {
                polls += 1
                if polls > spinLimit { sched_yield() }
            }
            job = nil
        }
        busy.store(false, ordering: .releasing)
        return true
    }

    private func workerLoop(index: Int) {
        var seen = 0
        while true {
            var polls = 0
            while generation.load(ordering: .acquiring) == seen {
                polls += 1
                guard polls > spinLimit else { continue }
                pthread_mutex_lock(&mutex)
                sleepers.add(1, ordering: .sequentiallyConsistent)
                while generation.load(ordering: .sequentiallyConsistent) == seen { pthread_cond_wait(&wake, &mutex) }
                sleepers.subtract(1, ordering: .sequentiallyConsistent)
                pthread_mutex_unlock(&mutex)
            }
            seen = generation.load(ordering: .acquiring)
            if index < parts {
                job?(index)
                pending.subtract(1, ordering: .releasing)
            }
        }
    }
}

private final class WorkerContext {
    let pool: WorkerPool
    let index: Int
    init(pool: WorkerPool, index: Int) {
        self.pool = pool
        self.index = index
    }
}
#endif
