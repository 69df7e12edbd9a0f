import Synchronization
import Testing
@testable import SkeinTensor

/// `Parallel`'s loops hand out every index exactly once, in ranges no smaller than asked (but the last).
@Suite(.serialized) struct ParallelTests {
    /// How many times each index was visited, and the sizes of the ranges, over one claimed loop.
    func claimedVisits(_ count: Int, minimumChunk: Int, threads: Int) -> (visits: [Int], sizes: [Int]) {
        let saved = Parallel.threadCount
        Parallel.threadCount = threads
        defer { Parallel.threadCount = saved }
        let visits = Mutex([Int](repeating: 0, count: count))
        let sizes = Mutex<[Int]>([])
        Parallel.forEachClaimedRange(count, minimumChunk: minimumChunk) { range in
            visits.withLock { for i in range { $0[i] += 1 } }
            sizes.withLock { $0.append(range.count) }
        }
        return (visits.withLock { $0 }, sizes.withLock { $0 })
    }

    @Test(arguments: [(0, 64), (1, 64), (63, 64), (128, 64), (601, 212), (4864, 64), (151_936, 64)])
    func claimedRangesCoverEachIndexOnce(count: Int, minimumChunk: Int) {
        for threads in [1, 2, 3] {
            let (visits, sizes) = claimedVisits(count, minimumChunk: minimumChunk, threads: threads)
            #expect(visits.allSatisfy { $0 == 1 }, "\(count) items, \(threads) threads")
            #expect(sizes.reduce(0, +) == count)
            // Every range but the one that ends the loop is at least the minimum.
            #expect(sizes.filter { $0 < minimumChunk }.count <= 1, "\(sizes)")
        }
    }
}
