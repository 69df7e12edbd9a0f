/// A KV budget: a fixed number of entries per head, or a fraction of the tokens seen so far
/// *removed* (kvpress's compression ratio, as every press in the catalog reads `ratio`).
public enum KVBudget: Sendable, Equatable, CustomStringConvertible {
    case entries(Int)
    /// kvpress's `compression_ratio`, in (0, 1): this fraction of the tokens seen is removed.
    /// (Before 2026-12-04 this was the fraction kept.)
    case ratio(Double)

    /// Entries kept per head once `seen` tokens have gone through the model (at least 1): `n`, or
    /// kvpress's `max(1, int(seen * (1 - ratio)))` (`PressBudget.kept(of:)`).
    public func entries(seen: Int) -> Int {
        switch self {
        case .entries(let n): n
        case .ratio(let r): PressBudget.ratio(r).kept(of: seen)
        }
    }

    public var description: String {
        switch self {
        case .entries(let n): "budget=\(n)"
        case .ratio(let r): "ratio=\(r)"
        }
    }
}

/// Which statistic a score-aware policy needs the attention pass to keep per cached entry.
public enum MemoryScoreSource: Sendable, Equatable {
    /// No scores (selection policies).
    case none
    /// Attention probabilities summed over every query so far (H2O).
    case accumulatedAttention
    /// The attention probabilities of the latest query only (TOVA).
    case lastQueryAttention
    /// Probabilities summed over the last `window` queries of each multi-token pass (SnapKV).
    case observationWindow(Int)
    /// The token's surprisal -log p(token | prefix) under the model, shared by all heads (SirLLM).
    case tokenSurprisal
    /// Minus the L2 norm of the entry's key, set when the key is written (Knorm: small norms first).
    case keyNorm
    /// Expected attention of future queries (ExpectedAttentionPress), recomputed for every held
    /// entry after each prompt chunk from the chunk's query statistics.
    case expectedAttention(future: Int, sinks: Int, covariance: Bool, valueNorm: Bool)
}

/// How a query picks the entries it reads among those held in memory.
public enum MemorySelection: Sendable, Equatable {
    /// Every held entry (eviction policies).
    case all
    /// Quest: pages of `page` slots with per-channel key bounds; the query's own page plus the
    /// `pages - 1` pages with the highest upper bound, per query head.
    case pages(page: Int, pages: Int)
    /// TokenSelect: `critical` entries chosen by a soft vote of all query heads of the layer plus
    /// the `local` most recent; a query reuses the selection while its cosine similarity to the
    /// query that made it stays >= `reuse`.
    case tokens(critical: Int, local: Int, reuse: Float)
}

/// An attention policy that keeps a per-head memory: which entries survive depends on attention
/// scores or on the query, and may differ between layers and kv heads.
///
/// The policy decides (pure functions over positions and scores); the cache's `KVMemoryState`
/// holds the scores and applies the decision. Queries read keys at their true positions.
public protocol KVMemoryPolicy: AttentionPolicy {
    /// What the attention pass must record for `survivors`.
    var scoreSource: MemoryScoreSource { get }
    /// How the query at position `seen - 1` chooses what it reads.
    func selection(seen: Int) -> MemorySelection
    /// The entries of one (layer, kv head) memory to keep after a forward pass of `rows` tokens,
    /// as ascending indices into `positions`; nil keeps everything.
    ///
    /// - Parameters:
    ///   - positions: the held positions, ascending: (entries).
    ///   - scores: the recorded statistic per entry: (entries).
    ///   - seen: tokens that went through the model so far.
    func survivors(positions: [Int], scores: [Float], seen: Int, rows: Int) -> [Int]?
    /// Multiplies stored scores when a new dialogue turn starts (SirLLM's decay); 1 keeps them.
    var turnDecay: Float { get }
    /// Whether every kv head of a layer decides on the mean of the layer's kv-head scores, so all
    /// heads keep the same entries (kvpress's TOVA); false lets each kv head decide on its own.
    var sharesScoresAcrossHeads: Bool { get }
}

extension KVMemoryPolicy {
    public var executor: AttentionExecutor { .scoredMemory(self) }
}

extension KVMemoryPolicy {
    /// Scores decide what each head keeps or reads.
    public var selectsByContent: Bool { true }

    public var turnDecay: Float { 1 }
    public var sharesScoresAcrossHeads: Bool { false }
    public func survivors(positions: [Int], scores: [Float], seen: Int, rows: Int) -> [Int]? { nil }
    /// Content-dependent: the explicit form comes from a recorded run (`KVMemoryState.trace`).
    public var explicitAttention: ExplicitAttention { .causal }
}

/// Pure selection rules shared by the eviction and selection policies (no tensors).
public enum MemoryRules {
    /// Indices of the `k` largest `scores` (ties keep the earlier index), ascending.
    public static func topIndices(_ scores: [Float], k: Int, among candidates: [Int]? = nil) -> [Int] {
        let pool = candidates ?? Array(scores.indices)
        guard k < pool.count else { return pool.sorted() }
        guard k > 0 else { return [] }
        // Decoding evicts one or a few entries per step: drop the smallest instead of sorting.
        if pool.count - k <= 8 { return dropSmallest(pool.count - k, of: pool, scores: scores) }
        let order = pool.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
        return order.prefix(k).sorted()
    }

    /// `pool` (sorted) without its `count` lowest-scoring indices; among equal scores the later
    /// index goes first, as in `topIndices`' order.
    static func dropSmallest(_ count: Int, of pool: [Int], scores: [Float]) -> [Int] {
        var dropped = Set<Int>()
        let sortedPool = pool.sorted()
        for _ in 0..<count {
            var worst = -1
            for i in sortedPool where !dropped.contains(i) {
                if worst < 0 || scores[i] < scores[worst] || (scores[i] == scores[worst] && i > worst) { worst = i }
            }
            dropped.insert(worst)
        }
        return sortedPool.filter { !dropped.contains($0) }
    }

    /// Keeps the `recent` entries with the highest positions plus the `budget - recent` others with
    /// the highest scores; everything when there are at most `budget` entries.
    public static func recentPlusTop(positions: [Int], scores: [Float], budget: Int, recent: Int) -> [Int] {
        let n = positions.count
        guard n > budget else { return Array(0..<n) }
        let r = min(recent, budget)
        let older = Array(0..<(n - r))  // positions ascend, so the recent ones are the last r
        return (topIndices(scores, k: budget - r, among: older) + Array((n - r)..<n)).sorted()
    }

    /// Max pooling along the entries with an odd `kernel` centred on each entry (SnapKV's clustering).
    public static func maxPool(_ scores: [Float], kernel: Int) -> [Float] {
        let half = kernel / 2
        return scores.indices.map { i in
            var best = -Float.infinity
            for j in max(0, i - half)...min(scores.count - 1, i + half) { best = max(best, scores[j]) }
            return best
        }
    }

    /// Average pooling along the entries with an odd `kernel` centred on each entry, zero-padded
    /// at both ends and always divided by `kernel` (PyTorch's `avg_pool1d` with
    /// `padding = kernel / 2`, `count_include_pad`: kvpress's SnapKV).
    public static func averagePool(_ scores: [Float], kernel: Int) -> [Float] {
        let half = kernel / 2
        return scores.indices.map { i in
            var sum: Float = 0
            for j in max(0, i - half)...min(scores.count - 1, i + half) { sum += scores[j] }
            return sum / Float(kernel)
        }
    }

    /// Quest's upper bound of q . k over keys whose channel d lies in [minimum[d], maximum[d]].
    public static func pageUpperBound(query: UnsafePointer<Float>, minimum: UnsafePointer<Float>,
                                      maximum: UnsafePointer<Float>, count: Int) -> Float {
        var sum: Float = 0
        for d in 0..<count { sum += max(query[d] * minimum[d], query[d] * maximum[d]) }
        return sum
    }

    /// Soft voting: each head's logits turned into probabilities, summed over heads.
    /// - Parameter logits: per head, one logit per candidate: (heads, candidates).
    public static func softVote(_ logits: [[Float]]) -> [Float] {
        guard let first = logits.first else { return [] }
        var votes = [Float](repeating: 0, count: first.count)
        for row in logits {
            guard let m = row.max() else { continue }
            let e = row.map { expf($0 - m) }
            let sum = e.reduce(0, +)
            for i in votes.indices { votes[i] += e[i] / sum }
        }
        return votes
    }

    /// Cosine similarity of two vectors (0 when either is zero).
    public static func cosine(_ a: [Float], _ b: [Float]) -> Float {
        var dot: Float = 0, na: Float = 0, nb: Float = 0
        for i in a.indices { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i] }
        return na > 0 && nb > 0 ? dot / (na.squareRoot() * nb.squareRoot()) : 0
    }
}

#if canImport(Glibc)
import Glibc
#else
import Foundation
#endif
