import Foundation
import SkeinTensor

/// InfLLM's block memory for every layer: block positions, full blocks and representative keys in
/// `OffloadFile`s, and an LRU of hot blocks. RAM holds the hot blocks, one batch of
/// representatives while blocks are scored, and a few bytes of bookkeeping per block.
///
/// A block record holds, for one layer, the unrotated keys then the values of every kv head:
/// (2, kvHeads, block, headDim) floats. A representative record holds, for one layer and block,
/// unrotated keys per query head: (heads, vectors, headDim) floats, with `vectors` 1 (the mean of
/// the head's representatives) or `repr` (each of them, for `score=max`).
public final class BlockMemory {
    let layerCount: Int
    let headCount: Int
    let kvHeadCount: Int
    let headDim: Int
    let policy: InfLLMAttention
    /// Per layer: positions below this (and at or above `sinks`) live in blocks. Layers form the
    /// same blocks, one group of queries after another; they agree at the end of every pass.
    var formed: [Int]
    /// First position of each block (the same for every layer).
    public internal(set) var blockStarts: [Int] = []
    /// Representative keys per layer, one record per block: (heads, vectors, headDim) floats.
    let representativeFiles: [OffloadFile]
    /// Blocks whose representatives are read and scored at a time.
    static let scoringBatch = 256
    /// Record index of each (layer, block) in the offload file.
    var records: [[Int]]
    let file: OffloadFile
    /// Hot blocks: (layer, block) -> record floats and the read count at its last use.
    private var hot: [Int: (floats: [Float], used: Int)] = [:]
    private var reads = 0
    /// Per layer: position -> what each query head gave the token while it was local (heads).
    var received: [[Int: [Float]]]
    /// Blocks read from the file (not from the hot cache) so far.
    public internal(set) var fileReads = 0

    /// Whether to record what each query read (tests; costs memory).
    public var recordsTrace = false
    /// Per layer and query: each query head's memory positions read.
    public internal(set) var memoryTrace: [[Int: [Set<Int>]]]
    /// Per query: the dense positions read (sinks, the local window, tokens awaiting a block).
    public internal(set) var denseTrace: [Int: Set<Int>] = [:]
    /// Per layer and block: each query head's representative offsets inside the block.
    public internal(set) var representativeTrace: [[[[Int]]]]

    init(policy: InfLLMAttention, layerCount: Int, headCount: Int, kvHeadCount: Int, headDim: Int) throws {
        self.policy = policy
        self.layerCount = layerCount
        self.headCount = headCount
        self.kvHeadCount = kvHeadCount
        self.headDim = headDim
        formed = Array(repeating: policy.sinks, count: layerCount)
        representativeFiles = try (0..<layerCount).map { _ in
            try OffloadFile(recordBytes: headCount * policy.representativeVectors * headDim * MemoryLayout<Float>.size)
        }
        records = Array(repeating: [], count: layerCount)
        received = Array(repeating: [:], count: layerCount)
        memoryTrace = Array(repeating: [:], count: layerCount)
        representativeTrace = Array(repeating: [], count: layerCount)
        file = try OffloadFile(recordBytes: 2 * kvHeadCount * policy.block * headDim * MemoryLayout<Float>.size)
    }

    /// Positions below this (and at or above `sinks`) live in blocks in every layer.
    public var formedUpTo: Int { formed.min() ?? policy.sinks }
    /// Blocks formed so far (each holds every layer's record in the file).
    public var blockCount: Int { blockStarts.count }
    /// Bytes written to the offload file.
    public var offloadedBytes: Int { file.recordCount * file.recordBytes + representativeFiles.reduce(0) { $0 + $1.recordCount * $1.recordBytes } }
    var recordFloats: Int { 2 * kvHeadCount * policy.block * headDim }
    /// The offload file's name before it was unlinked.
    public var offloadPath: String { file.path }
    /// Bytes held in RAM: hot blocks and the scoring batch (bookkeeping aside: 20 bytes per block).
    public var residentBytes: Int {
        (hot.count * recordFloats + Self.scoringBatch * headCount * policy.representativeVectors * headDim) * MemoryLayout<Float>.size
    }

    /// Every block's per-head terms q_h . r_h for `layer`, reading representatives from their file
    /// in batches: (blocks, heads).
    /// - Parameter queries: (heads, headDim), as the policy's `retrievalQuery` says.
    func headTerms(layer: Int, queries: [Float]) throws -> [Float] {
        let file = representativeFiles[layer], vectors = policy.representativeVectors, perBlock = headCount * vectors * headDim
        var batch = [Float](repeating: 0, count: Self.scoringBatch * perBlock)
        var result: [Float] = []
        result.reserveCapacity(file.recordCount * headCount)
        var start = 0
        while start < file.recordCount {
            let end = min(file.recordCount, start + Self.scoringBatch)
            try batch.withUnsafeMutableBytes { try file.read(start..<end, into: $0.baseAddress!, layer: layer) }
            result += Self.headTerms(queries: queries, representatives: Array(batch[0..<((end - start) * perBlock)]),
                                     heads: headCount, vectors: vectors, headDim: headDim)
            start = end
        }
        return result
    }

    /// Per block and query head, q_h . r_h, or the largest q_h . r over the head's `vectors` keys:
    /// (blocks, heads).
    /// - queries: (heads, headDim); representatives: (blocks, heads, vectors, headDim).
    static func headTerms(queries: [Float], representatives: [Float], heads: Int, vectors: Int = 1, headDim hd: Int) -> [Float] {
        let count = representatives.count / max(1, vectors * hd)
        return queries.withUnsafeBufferPointer { q in
            representatives.withUnsafeBufferPointer { r in
                (0..<count).map { i in
                    var best = -Float.infinity
                    for v in 0..<vectors {
                        best = max(best, VectorMath.dot(q.baseAddress! + (i % heads) * hd, r.baseAddress! + (i * vectors + v) * hd, hd))
                    }
                    return best
                }
            }
        }
    }

    /// Block relevance for one layer: per block, the sum over query heads of q_h . r_h (the code's
    /// one inner product of the concatenated heads).
    /// - Parameter terms: (blocks, heads) from `headTerms`.
    static func relevance(terms: [Float], heads: Int) -> [Float] {
        (0..<(terms.count / max(1, heads))).map { b in (0..<heads).reduce(Float(0)) { $0 + terms[b * heads + $1] } }
    }

    /// The blocks a group reads: all of them while there are no more than `topK`, else the `topK`
    /// most relevant (ascending block order).
    static func selectBlocks(_ relevance: [Float], topK: Int) -> [Int] {
        relevance.count <= topK ? Array(relevance.indices) : MemoryRules.topIndices(relevance, k: topK)
    }

    /// Per query head, the blocks it reads: the layer's shared choice, or each head's own.
    /// - Parameter terms: (blocks, heads) from `headTerms`.
    static func selectBlocks(terms: [Float], heads: Int, topK: Int, selection: InfLLMAttention.Selection) -> [[Int]] {
        switch selection {
        case .layer:
            return Array(repeating: selectBlocks(relevance(terms: terms, heads: heads), topK: topK), count: heads)
        case .head:
            let blocks = terms.count / max(1, heads)
            return (0..<heads).map { h in selectBlocks((0..<blocks).map { terms[$0 * heads + h] }, topK: topK) }
        }
    }

    /// Per query head, the offsets (ascending) of the `repr` tokens of a block that scored highest.
    /// - Parameter scores: (block, heads): what each head gave each token while it was local.
    static func chooseRepresentatives(scores: [Float], heads: Int, repr: Int) -> [[Int]] {
        let block = scores.count / max(1, heads)
        return (0..<heads).map { h in MemoryRules.topIndices((0..<block).map { scores[$0 * heads + h] }, k: repr) }
    }

    /// Per query head, each of its chosen keys: (heads, repr, headDim).
    static func gatheredRepresentatives(keys: [Float], chosen: [[Int]], kvHeads: Int, block: Int, headDim hd: Int) -> [Float] {
        let group = chosen.count / kvHeads
        var result: [Float] = []
        for (h, list) in chosen.enumerated() {
            for r in list {
                let start = ((h / group) * block + r) * hd
                result += keys[start..<(start + hd)]
            }
        }
        return result
    }

    /// Per query head, the mean of its chosen keys: (heads, headDim).
    /// - Parameter keys: (kvHeads, block, headDim), unrotated.
    static func representatives(keys: [Float], chosen: [[Int]], kvHeads: Int, block: Int, headDim hd: Int) -> [Float] {
        let heads = chosen.count, group = heads / kvHeads
        var result = [Float](repeating: 0, count: heads * hd)
        for h in 0..<heads where !chosen[h].isEmpty {
            let base = (h / group) * block * hd, weight = 1 / Float(chosen[h].count)
            for r in chosen[h] { for d in 0..<hd { result[h * hd + d] += keys[base + r * hd + d] * weight } }
        }
        return result
    }

    /// The floats of block `b` of `layer` (hot cache or file, checksum verified).
    func load(layer: Int, block b: Int) throws -> [Float] {
        let key = layer * 1_000_000_007 + b
        reads += 1
        if let entry = hot[key] {
            hot[key] = (entry.floats, reads)
            return entry.floats
        }
        var floats = [Float](repeating: 0, count: recordFloats)
        try floats.withUnsafeMutableBytes { try file.read(records[layer][b], into: $0.baseAddress!, layer: layer) }
        fileReads += 1
        if policy.cached > 0 {
            // Least recently used out (a scan, only on a miss with a full cache).
            if hot.count >= policy.cached, let oldest = hot.min(by: { $0.value.used < $1.value.used })?.key { hot[oldest] = nil }
            hot[key] = (floats, reads)
        }
        return floats
    }

    /// Forgets the hot blocks (the next reads go to the file).
    public func dropHotBlocks() {
        hot = [:]
    }

    /// Forms `layer`'s blocks that left the local window of the query before `nextPosition`: their
    /// keys and values go to the file, their representatives to the layer's representative file.
    /// - Parameter positions: the position of every dense slot of `cache` (pass rows included).
    func form(layer: Int, nextPosition: Int, positions: [Int], cache: DenseKVCache) throws {
        let ranges = policy.blocksToForm(formedUpTo: formed[layer], nextPosition: nextPosition)
        guard !ranges.isEmpty else { return }
        let hd = headDim, block = policy.block
        var record = [Float](repeating: 0, count: recordFloats)
        for range in ranges {
            let first = Self.firstSlot(atOrAfter: range.lowerBound, in: positions)
            precondition(first + block <= positions.count && positions[first] == range.lowerBound
                         && positions[first + block - 1] == range.upperBound - 1, "block \(range) is not fully cached")
            for head in 0..<kvHeadCount {
                let keys = cache.keyBase(layer: layer, head: head, channel: .fixed) + first * hd
                let values = cache.valueBase(layer: layer, head: head) + first * hd
                for i in 0..<(block * hd) {
                    record[head * block * hd + i] = keys[i]
                    record[(kvHeadCount + head) * block * hd + i] = values[i]
                }
            }
            var scores = [Float](repeating: 0, count: block * headCount)
            for (offset, p) in range.enumerated() {
                if let got = received[layer][p] { for h in 0..<headCount { scores[offset * headCount + h] = got[h] } }
                received[layer][p] = nil
            }
            let chosen = Self.chooseRepresentatives(scores: scores, heads: headCount, repr: policy.repr)
            let keys = Array(record[0..<(kvHeadCount * block * hd)])
            let vectors = policy.blockScore == .mean
                ? Self.representatives(keys: keys, chosen: chosen, kvHeads: kvHeadCount, block: block, headDim: hd)
                : Self.gatheredRepresentatives(keys: keys, chosen: chosen, kvHeads: kvHeadCount, block: block, headDim: hd)
            _ = try vectors.withUnsafeBytes { try representativeFiles[layer].append($0.baseAddress!) }
            records[layer].append(try record.withUnsafeBytes { try file.append($0.baseAddress!) })
            if recordsTrace { representativeTrace[layer].append(chosen) }
            if records[layer].count > blockStarts.count { blockStarts.append(range.lowerBound) }
            formed[layer] = range.upperBound
        }
    }

    /// The first index of `positions` (ascending) holding `p` or more.
    static func firstSlot(atOrAfter p: Int, in positions: [Int]) -> Int {
        var low = 0, high = positions.count
        while low < high {
            let mid = (low + high) / 2
            if positions[mid] < p { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// After a pass: drops the slots every layer moved into blocks from `cache`.
    func absorb(_ cache: DenseKVCache) throws {
        precondition(Set(formed).count == 1, "layers formed different blocks: \(formed)")
        cache.retain(positionsIn: [0..<policy.sinks, formedUpTo..<Int.max])
    }

    /// The recorded run as an explicit attention pattern.
    public var explicitAttention: ExplicitAttention {
        let memory = memoryTrace, dense = denseTrace, policy = policy
        var pattern = ExplicitAttention(
            isVisible: { i, j in j <= i && dense[i]?.contains(j) == true },
            positions: { i, j in (policy.queryPosition(query: i, key: j), j) })
        pattern.headVisibility = { layer, head, i, j in
            j <= i && (dense[i]?.contains(j) == true || memory[layer][i]?[head].contains(j) == true)
        }
        return pattern
    }
}
