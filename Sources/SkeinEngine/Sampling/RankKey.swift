/// The order the sampler ranks candidates in (score descending, the lower id first on ties) as
/// one unsigned integer per token: sorting, heaps and top-k selection then compare integers,
/// with no closure per comparison, and give the same order as the comparator
/// `s[a] != s[b] ? s[a] > s[b] : a < b` for every score but NaN.
enum RankKey {
    /// The key of token `id` (below 2^32) with `score` (not NaN): a smaller key ranks first.
    @inline(__always) static func make(_ score: Float, _ id: Int) -> UInt64 {
        // -0 + 0 is +0: the two zeros compare equal, so they must tie on the id alone.
        let bits = (score + 0).bitPattern
        let ascending = bits & 0x8000_0000 != 0 ? ~bits : bits | 0x8000_0000  // monotone in the score
        return UInt64(~ascending) << 32 | UInt64(UInt32(truncatingIfNeeded: id))
    }

    /// The token id a key was made for.
    @inline(__always) static func id(_ key: UInt64) -> Int { Int(key & 0xFFFF_FFFF) }

    /// Every token id in rank order: the order today's sampler sorted the whole vocabulary into.
    static func fullOrder(_ scores: UnsafeBufferPointer<Float>) -> [Int] {
        var keys = scores.indices.map { make(scores[$0], $0) }
        keys.sort()
        return keys.map(id)
    }

    /// The `k` best-ranked ids, in rank order (`1 <= k < scores.count`, no NaN): one pass that
    /// keeps the k best so far in a heap; a score gets in only if strictly greater than the worst
    /// kept (a later id never wins a tie), a compare that is almost always false.
    static func top(_ k: Int, of scores: UnsafeBufferPointer<Float>) -> [Int] {
        let n = scores.count
        var heap = KeyHeap(keys: (0..<k).map { make(scores[$0], $0) }, largestFirst: true)
        var worst = scores[id(heap.first)]
        for i in k..<n where scores[i] > worst {
            heap.replaceFirst(with: make(scores[i], i))
            worst = scores[id(heap.first)]
        }
        return heap.keys.sorted().map(id)
    }
}

/// A binary heap of rank keys: the smallest (best-ranked) key first, or the largest.
struct KeyHeap {
    private(set) var keys: [UInt64]
    private let largestFirst: Bool

    init(keys: [UInt64], largestFirst: Bool = false) {
        self.keys = keys
        self.largestFirst = largestFirst
        var i = keys.count / 2
        while i > 0 { i -= 1; siftDown(i) }
    }

    var first: UInt64 { keys[0] }
    var isEmpty: Bool { keys.isEmpty }

    /// Removes and returns the first key.
    mutating func popFirst() -> UInt64? {
        guard let last = keys.popLast() else { return nil }
        guard !keys.isEmpty else { return last }
        let top = keys[0]
        keys[0] = last
        siftDown(0)
        return top
    }

    /// Puts `key` in place of the first key.
    mutating func replaceFirst(with key: UInt64) {
        keys[0] = key
        siftDown(0)
    }

    @inline(__always) private func before(_ a: UInt64, _ b: UInt64) -> Bool { largestFirst ? a > b : a < b }

    private mutating func siftDown(_ start: Int) {
        let n = keys.count
        var i = start
        let key = keys[i]
        while true {
            var child = 2 * i + 1
            if child >= n { break }
            if child + 1 < n && before(keys[child + 1], keys[child]) { child += 1 }
            if !before(keys[child], key) { break }
            keys[i] = keys[child]
            i = child
        }
        keys[i] = key
    }
}
