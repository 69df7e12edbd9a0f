import Foundation
import SkeinFormats
import SkeinTensor

/// InfLLM attention for one layer: the local window at true distances; the sinks, the retrieved
/// memory blocks and the tokens awaiting a block at distance `local - 1`.
enum InfLLMRun {
    /// - rawQueries: (rows, heads * headDim) before RoPE.
    /// - oldCount: dense slots before this pass; the pass's tokens sit at oldCount..<oldCount+rows.
    /// - out: (rows, heads * headDim).
    static func run(rawQueries: [Float], memory: BlockMemory, cache: DenseKVCache, layer: Int, firstPosition: Int,
                    oldCount: Int, configuration c: ModelConfiguration, rope: RotaryEmbedding, into out: inout [Float]) throws {
        // Retrieval runs once per group of `chunk` queries (the code's execution blocks); each group
        // sees the pass's earlier keys, and the blocks they completed are formed after it.
        let qDim = c.headCount * c.headDim, rows = rawQueries.count / qDim
        var r0 = 0
        while r0 < rows {
            let r1 = min(rows, r0 + memory.policy.chunk)
            var part = [Float](repeating: 0, count: (r1 - r0) * qDim)
            try runGroup(rawQueries: Array(rawQueries[(r0 * qDim)..<(r1 * qDim)]), memory: memory, cache: cache, layer: layer,
                         firstPosition: firstPosition + r0, oldCount: oldCount + r0,
                         positionsBefore: cache.positions + Array(firstPosition..<(firstPosition + r0)),
                         configuration: c, rope: rope, into: &part)
            out.replaceSubrange((r0 * qDim)..<(r1 * qDim), with: part)
            r0 = r1
        }
    }

    /// One retrieval group: `rawQueries` (rows, heads * headDim) at firstPosition..., with
    /// `positionsBefore` the positions of the dense slots before it.
    static func runGroup(rawQueries: [Float], memory: BlockMemory, cache: DenseKVCache, layer: Int, firstPosition: Int,
                         oldCount: Int, positionsBefore: [Int], configuration c: ModelConfiguration, rope: RotaryEmbedding,
                         into out: inout [Float]) throws {
        let policy = memory.policy
        let hd = c.headDim, heads = c.headCount, group = heads / c.kvHeadCount, qDim = heads * hd
        let rows = rawQueries.count / qDim, total = oldCount + rows, scale = c.attentionScale
        let positions = positionsBefore + Array(firstPosition..<(firstPosition + rows))
        let sinkSlots = positions.prefix { $0 < policy.sinks }.count
        // Slots between the sinks and `firstDense` went into blocks earlier in this pass.
        let firstDense = max(sinkSlots, BlockMemory.firstSlot(atOrAfter: memory.formed[layer], in: positions))
        let farTable = rope.table(position: policy.farDistance)

        // Retrieval: the group's mean query per head (rotated at `local - 1` unless `query=raw`);
        // `headBlocks[h]` lists the indices into `blocks` that head h reads.
        var blockIDs: [Int] = []
        var blocks: [[Float]] = []
        var headBlocks = [[Int]](repeating: [], count: heads)
        if !memory.records[layer].isEmpty && policy.topK > 0 {
            var mean = [Float](repeating: 0, count: qDim)
            for t in 0..<rows { for i in 0..<qDim { mean[i] += rawQueries[t * qDim + i] / Float(rows) } }
            if policy.retrievalQuery == .rotated {
                mean.withUnsafeMutableBufferPointer { m in
                    rope.apply(m.baseAddress!, heads: heads, stride: hd, cos: farTable.cos, sin: farTable.sin)
                }
            }
            let perHead = BlockMemory.selectBlocks(terms: try memory.headTerms(layer: layer, queries: mean), heads: heads,
                                                   topK: policy.topK, selection: policy.selection)
            blockIDs = Array(Set(perHead.joined())).sorted()
            let index = Dictionary(uniqueKeysWithValues: blockIDs.enumerated().map { ($1, $0) })
            blocks = try blockIDs.map { try memory.load(layer: layer, block: $0) }
            headBlocks = perHead.map { $0.map { index[$0]! } }
        }
        let block = policy.block
        let maxRead = sinkSlots + (total - firstDense) + (headBlocks.map(\.count).max() ?? 0) * block
        let rowTables = (0..<rows).map { rope.table(position: firstPosition + $0) }
        let byLogit = policy.representativeScore == .dot

        // What each query head gave each dense slot inside its window: (dense slots, heads).
        // Threads sum privately and merge once.
        var received = [Float](repeating: 0, count: total * heads)
        let merge = NSLock()
        rawQueries.withUnsafeBufferPointer { qp in
            out.withUnsafeMutableBufferPointer { op in
                received.withUnsafeMutableBufferPointer { rp in
                    let q = qp.baseAddress!, o = op.baseAddress!, rec = rp.baseAddress!
                    Parallel.forEachRange(heads * rows, minimumPerThread: max(1, 8192 / max(1, maxRead * hd))) { range in
                        let scores = UnsafeMutablePointer<Float>.allocate(capacity: max(1, maxRead))
                        let near = UnsafeMutablePointer<Float>.allocate(capacity: hd)
                        let far = UnsafeMutablePointer<Float>.allocate(capacity: hd)
                        let partial = UnsafeMutablePointer<Float>.allocate(capacity: total * heads)
                        partial.initialize(repeating: 0, count: total * heads)
                        defer {
                            merge.lock()
                            for i in 0..<(total * heads) { rec[i] += partial[i] }
                            merge.unlock()
                            scores.deallocate(); near.deallocate(); far.deallocate(); partial.deallocate()
                        }
                        for item in range {
                            let head = item / rows, t = item % rows, kvHead = head / group, i = firstPosition + t
                            let query = q + t * qDim + head * hd
                            near.update(from: query, count: hd)
                            rope.apply(near, cos: rowTables[t].cos, sin: rowTables[t].sin)
                            far.update(from: query, count: hd)
                            rope.apply(far, cos: farTable.cos, sin: farTable.sin)
                            let rotatedKeys = cache.keyBase(layer: layer, head: kvHead)
                            let fixedKeys = cache.keyBase(layer: layer, head: kvHead, channel: .fixed)
                            let localEnd = oldCount + t + 1, sinkEnd = min(sinkSlots, localEnd)  // causal
                            let dense = Array(0..<sinkEnd) + Array(min(firstDense, localEnd)..<localEnd)
                            // Dense slots: inside the window at the true distance, outside at `local - 1`.
                            var n = 0
                            for slot in dense {
                                let inside = policy.isLocal(query: i, key: positions[slot])
                                let dot = inside ? VectorMath.dot(near, rotatedKeys + slot * hd, hd)
                                                 : VectorMath.dot(far, fixedKeys + slot * hd, hd)
                                scores[n] = dot * scale
                                if byLogit && inside && slot >= sinkSlots { partial[slot * heads + head] += scores[n] }
                                n += 1
                            }
                            // Memory blocks: unrotated keys, the query at distance `local - 1`.
                            for b in headBlocks[head] {
                                blocks[b].withUnsafeBufferPointer { f in
                                    let keys = f.baseAddress! + kvHead * block * hd
                                    for r in 0..<block { scores[n] = VectorMath.dot(far, keys + r * hd, hd) * scale; n += 1 }
                                }
                            }
                            VectorMath.softmax(scores, n)

                            let result = o + t * qDim + head * hd
                            result.initialize(repeating: 0, count: hd)
                            let values = cache.valueBase(layer: layer, head: kvHead)
                            var index = 0
                            for slot in dense {
                                VectorMath.axpy(scores[index], values + slot * hd, result, hd)
                                if !byLogit && slot >= sinkSlots && policy.isLocal(query: i, key: positions[slot]) {
                                    partial[slot * heads + head] += scores[index]
                                }
                                index += 1
                            }
                            for b in headBlocks[head] {
                                blocks[b].withUnsafeBufferPointer { f in
                                    let vals = f.baseAddress! + (c.kvHeadCount + kvHead) * block * hd
                                    for r in 0..<block { VectorMath.axpy(scores[index], vals + r * hd, result, hd); index += 1 }
                                }
                            }
                        }
                    }
                }
            }
        }
        // Scores received inside the window choose each block's representatives when it forms.
        for slot in firstDense..<total {
            let p = positions[slot]
            var sums = memory.received[layer][p] ?? [Float](repeating: 0, count: heads)
            for h in 0..<heads { sums[h] += received[slot * heads + h] }
            memory.received[layer][p] = sums
        }
        if memory.recordsTrace {
            let memoryPositions = headBlocks.map { list in
                Set(list.flatMap { b in memory.blockStarts[blockIDs[b]]..<(memory.blockStarts[blockIDs[b]] + block) })
            }
            for t in 0..<rows {
                memory.memoryTrace[layer][firstPosition + t] = memoryPositions
                let localEnd = oldCount + t + 1
                if layer == 0 {
                    memory.denseTrace[firstPosition + t] = Set(positions[0..<min(sinkSlots, localEnd)])
                        .union(positions[min(firstDense, localEnd)..<localEnd])
                }
            }
        }
        try memory.form(layer: layer, nextPosition: firstPosition + rows, positions: positions, cache: cache)
    }
}
