import Foundation

/// InfLLM's block memory for every layer: block positions, full blocks and representative keys in
/// `OffloadFile`s, and an LRU of hot blocks. RAM holds the hot blocks, one batch of
/// representatives while blocks are scored, and a few bytes of bookkeeping per block.
///
/// A block record holds, for one layer, the unrotated keys then the values of every kv head:
/// (2, kvHeads, block, headDim) floats.
public final class BlockMemory {
    let layerCount: Int
    let kvHeadCount: Int
    let headDim: Int
    let policy: InfLLMAttention
    /// Positions below this (and at or above `sinks`) live in blocks.
    public internal(set) var formedUpTo: Int
    /// First position of each block (the same for every layer).
    public internal(set) var blockStarts: [Int] = []
    /// Representative keys per layer, one record per block: (kvHeads, repr, headDim) floats.
    let representativeFiles: [OffloadFile]
    /// Blocks whose representatives are read and scored at a time.
    static let scoringBatch = 256
    /// Record index of each (layer, block) in the offload file.
    var records: [[Int]]
    let file: OffloadFile
    /// Hot blocks: (layer, block) -> record floats, most recently used last.
    private var hot: [Int: [Float]] = [:]
    private var hotOrder: [Int] = []
    /// Attention received by each dense token while local, per layer: position -> sum.
    var received: [[Int: Float]]
    /// Blocks read from the file (not from the hot cache) so far.
    public internal(set) var fileReads = 0

    /// Whether to record what each query read (tests; costs memory).
    public var recordsTrace = false
    /// Per layer and query: the memory positions read (all heads of a layer read the same blocks).
    public internal(set) var memoryTrace: [[Int: Set<Int>]]
    /// Per query: the dense positions read at their true distance.
    public internal(set) var localTrace: [Int: Set<Int>] = [:]

    init(policy: InfLLMAttention, layerCount: Int, kvHeadCount: Int, headDim: Int) throws {
        self.policy = policy
        self.layerCount = layerCount
        self.kvHeadCount = kvHeadCount
        self.headDim = headDim
        formedUpTo = policy.sinks
        representativeFiles = try (0..<layerCount).map { _ in
            try OffloadFile(recordBytes: kvHeadCount * policy.repr * headDim * MemoryLayout<Float>.size)
        }
        records = Array(repeating: [], count: layerCount)
        received = Array(repeating: [:], count: layerCount)
        memoryTrace = Array(repeating: [:], count: layerCount)
        file = try OffloadFile(recordBytes: 2 * kvHeadCount * policy.block * headDim * MemoryLayout<Float>.size)
    }

    /// Blocks formed so far (each holds every layer's record in the file).
    public var blockCount: Int { blockStarts.count }
    /// Bytes written to the offload file.
    public var offloadedBytes: Int { file.recordCount * file.recordBytes + representativeFiles.reduce(0) { $0 + $1.recordCount * $1.recordBytes } }
    var recordFloats: Int { 2 * kvHeadCount * policy.block * headDim }
    /// The offload file's name before it was unlinked.
    public var offloadPath: String { file.path }
    /// Bytes held in RAM: hot blocks and the scoring batch (bookkeeping aside: 20 bytes per block).
    public var residentBytes: Int {
        (hot.count * recordFloats + Self.scoringBatch * kvHeadCount * policy.repr * headDim) * MemoryLayout<Float>.size
    }

    /// Every block's relevance for `layer`, reading representatives from their file in batches.
    /// - Parameter queries: (heads, headDim), rotated as memory tokens are read.
    func relevance(layer: Int, queries: [Float], heads: Int) throws -> [Float] {
        let file = representativeFiles[layer], perBlock = kvHeadCount * policy.repr * headDim
        var batch = [Float](repeating: 0, count: Self.scoringBatch * perBlock)
        var result: [Float] = []
        result.reserveCapacity(blockCount)
        var start = 0
        while start < file.recordCount {
            let end = min(file.recordCount, start + Self.scoringBatch)
            try batch.withUnsafeMutableBytes { try file.read(start..<end, into: $0.baseAddress!, layer: layer) }
            result += Self.relevance(queries: queries, representatives: Array(batch[0..<((end - start) * perBlock)]), heads: heads,
                                     kvHeads: kvHeadCount, repr: policy.repr, headDim: headDim)
            start = end
        }
        return result
    }

    /// Block relevance for one layer: per block, the sum over heads and representative keys of
    /// q_h . r, with `queries` (heads, headDim) rotated as memory tokens are read.
    static func relevance(queries: [Float], representatives: [Float], heads: Int, kvHeads: Int, repr: Int, headDim hd: Int) -> [Float] {
        let group = heads / kvHeads, perBlock = kvHeads * repr * hd
        let blocks = representatives.count / max(1, perBlock)
        return (0..<blocks).map { b in
            var sum: Float = 0
            for h in 0..<heads {
                let base = b * perBlock + (h / group) * repr * hd
                for r in 0..<repr {
                    for d in 0..<hd { sum += queries[h * hd + d] * representatives[base + r * hd + d] }
                }
            }
            return sum
        }
    }

    /// The floats of block `b` of `layer` (hot cache or file, checksum verified).
    func load(layer: Int, block b: Int) throws -> [Float] {
        let key = layer * 1_000_000_007 + b
        if let floats = hot[key] {
            if let i = hotOrder.firstIndex(of: key) { hotOrder.remove(at: i) }
            hotOrder.append(key)
            return floats
        }
        var floats = [Float](repeating: 0, count: recordFloats)
        try floats.withUnsafeMutableBytes { try file.read(records[layer][b], into: $0.baseAddress!, layer: layer) }
        fileReads += 1
        if policy.cached > 0 {
            hot[key] = floats
            hotOrder.append(key)
            while hotOrder.count > policy.cached { hot[hotOrder.removeFirst()] = nil }
        }
        return floats
    }

    /// Forgets the hot blocks (the next reads go to the file).
    public func dropHotBlocks() {
        hot = [:]
        hotOrder = []
    }

    /// Moves every block that left the local window out of `cache` into memory and the file.
    func absorb(_ cache: DenseKVCache) throws {
        let ranges = policy.blocksToForm(formedUpTo: formedUpTo, nextPosition: cache.nextPosition)
        guard !ranges.isEmpty else { return }
        let slots = SlotPositions(cache.positions)
        let hd = headDim, block = policy.block
        var record = [Float](repeating: 0, count: recordFloats)
        for range in ranges {
            let covered = slots.slots(covering: range)
            precondition(covered.count == block, "block \(range) is not fully cached")
            for layer in 0..<layerCount {
                for head in 0..<kvHeadCount {
                    let keys = cache.keyBase(layer: layer, head: head, channel: .fixed) + covered.lowerBound * hd
                    let values = cache.valueBase(layer: layer, head: head) + covered.lowerBound * hd
                    for i in 0..<(block * hd) {
                        record[head * block * hd + i] = keys[i]
                        record[(kvHeadCount + head) * block * hd + i] = values[i]
                    }
                }
                let scores = range.map { received[layer][$0] ?? 0 }
                let chosen = MemoryRules.topIndices(scores, k: policy.repr)
                var representatives: [Float] = []
                for head in 0..<kvHeadCount {
                    for r in chosen { representatives += record[(head * block + r) * hd..<(head * block + r + 1) * hd] }
                }
                _ = try representatives.withUnsafeBytes { try representativeFiles[layer].append($0.baseAddress!) }
                for p in range { received[layer][p] = nil }
                records[layer].append(try record.withUnsafeBytes { try file.append($0.baseAddress!) })
            }
            blockStarts.append(range.lowerBound)
            formedUpTo = range.upperBound
        }
        cache.retain(positionsIn: [0..<policy.sinks, formedUpTo..<Int.max])
    }

    /// The recorded run as an explicit attention pattern.
    public var explicitAttention: ExplicitAttention {
        let memory = memoryTrace, local = localTrace
        let sinks = policy.sinks, distance = policy.local
        var pattern = ExplicitAttention(
            isVisible: { i, j in j <= i && (j < sinks || local[i]?.contains(j) == true) },
            positions: { i, j in
                if j < sinks { return (j + min(i - j, distance), j) }
                return local[i]?.contains(j) == true ? (i, j) : (j + distance, j)
            })
        pattern.headVisibility = { layer, _, i, j in
            j <= i && (j < sinks || local[i]?.contains(j) == true || memory[layer][i]?.contains(j) == true)
        }
        return pattern
    }
}
