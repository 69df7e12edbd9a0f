import Foundation
import SkeinFormats
import SkeinTensor

/// InfLLM attention for one layer: sinks, the retrieved memory blocks and the dense local tokens.
enum InfLLMRun {
    /// - rawQueries: (rows, heads * headDim) before RoPE.
    /// - oldCount: dense slots before this pass; the pass's tokens sit at oldCount..<oldCount+rows.
    /// - out: (rows, heads * headDim).
    static func run(rawQueries: [Float], memory: BlockMemory, cache: DenseKVCache, layer: Int, firstPosition: Int,
                    oldCount: Int, configuration c: ModelConfiguration, rope: RotaryEmbedding, into out: inout [Float]) throws {
        // Retrieval runs once per group of `chunk` queries; each group sees the pass's earlier keys.
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

        // Retrieval: the pass's mean query per head, rotated as memory tokens are read (distance `local`).
        let memoryTable = rope.table(position: policy.local)
        var chosen: [Int] = []
        var blocks: [[Float]] = []
        if memory.blockCount > 0 && policy.topK > 0 {
            var mean = [Float](repeating: 0, count: qDim)
            for t in 0..<rows { for i in 0..<qDim { mean[i] += rawQueries[t * qDim + i] / Float(rows) } }
            mean.withUnsafeMutableBufferPointer { m in
                rope.apply(m.baseAddress!, heads: heads, stride: hd, cos: memoryTable.cos, sin: memoryTable.sin)
            }
            let relevance = try memory.relevance(layer: layer, queries: mean, heads: heads)
            chosen = MemoryRules.topIndices(relevance, k: policy.topK)
            blocks = try chosen.map { try memory.load(layer: layer, block: $0) }
        }
        let block = policy.block, memoryCount = chosen.count * block
        let maxRead = sinkSlots + memoryCount + total

        // Per row: cos/sin at the row's position and at each sink's read position.
        var tables: [Int: (cos: [Float], sin: [Float])] = [:]
        func table(_ p: Int) -> (cos: [Float], sin: [Float]) {
            if let t = tables[p] { return t }
            let t = rope.table(position: p)
            tables[p] = t
            return t
        }
        let rowTables = (0..<rows).map { table(firstPosition + $0) }
        let sinkTables = (0..<rows).map { t in
            (0..<min(sinkSlots, oldCount + t + 1)).map { table(policy.sinkQueryPosition(query: firstPosition + t, sink: positions[$0])) }
        }

        // Attention received per dense slot, summed over heads and rows: (dense slots). Threads sum
        // privately and merge once.
        var received = [Float](repeating: 0, count: total)
        let merge = NSLock()
        rawQueries.withUnsafeBufferPointer { qp in
            out.withUnsafeMutableBufferPointer { op in
                received.withUnsafeMutableBufferPointer { rp in
                    let q = qp.baseAddress!, o = op.baseAddress!, rec = rp.baseAddress!
                    Parallel.forEachRange(heads * rows, minimumPerThread: max(1, 8192 / max(1, maxRead * hd))) { range in
                        let scores = UnsafeMutablePointer<Float>.allocate(capacity: max(1, maxRead))
                        let rotated = UnsafeMutablePointer<Float>.allocate(capacity: hd)
                        let partial = UnsafeMutablePointer<Float>.allocate(capacity: total)
                        partial.initialize(repeating: 0, count: total)
                        defer {
                            merge.lock()
                            for i in 0..<total { rec[i] += partial[i] }
                            merge.unlock()
                            scores.deallocate(); rotated.deallocate(); partial.deallocate()
                        }
                        for item in range {
                            let head = item / rows, t = item % rows, kvHead = head / group
                            let query = q + t * qDim + head * hd
                            let stored = cache.keyBase(layer: layer, head: kvHead)
                            var n = 0
                            let localEnd = oldCount + t + 1, sinkEnd = min(sinkSlots, localEnd)  // causal
                            // Sinks, each at its capped distance.
                            for s in 0..<sinkEnd {
                                rotated.update(from: query, count: hd)
                                rope.apply(rotated, cos: sinkTables[t][s].cos, sin: sinkTables[t][s].sin)
                                scores[n] = VectorMath.dot(rotated, stored + s * hd, hd) * scale
                                n += 1
                            }
                            // Memory blocks: unrotated keys, query at distance `local`.
                            rotated.update(from: query, count: hd)
                            rope.apply(rotated, cos: memoryTable.cos, sin: memoryTable.sin)
                            for floats in blocks {
                                floats.withUnsafeBufferPointer { f in
                                    let keys = f.baseAddress! + kvHead * block * hd
                                    for r in 0..<block { scores[n] = VectorMath.dot(rotated, keys + r * hd, hd) * scale; n += 1 }
                                }
                            }
                            // Local tokens at their true positions, causal within the pass.
                            rotated.update(from: query, count: hd)
                            rope.apply(rotated, cos: rowTables[t].cos, sin: rowTables[t].sin)
                            for slot in sinkEnd..<localEnd { scores[n] = VectorMath.dot(rotated, stored + slot * hd, hd) * scale; n += 1 }
                            VectorMath.softmax(scores, n)

                            let result = o + t * qDim + head * hd
                            result.initialize(repeating: 0, count: hd)
                            let values = cache.valueBase(layer: layer, head: kvHead)
                            var index = 0
                            for s in 0..<sinkEnd { VectorMath.axpy(scores[index], values + s * hd, result, hd); index += 1 }
                            for floats in blocks {
                                floats.withUnsafeBufferPointer { f in
                                    let vals = f.baseAddress! + (c.kvHeadCount + kvHead) * block * hd
                                    for r in 0..<block { VectorMath.axpy(scores[index], vals + r * hd, result, hd); index += 1 }
                                }
                            }
                            for slot in sinkEnd..<localEnd {
                                VectorMath.axpy(scores[index], values + slot * hd, result, hd)
                                partial[slot] += scores[index]
                                index += 1
                            }
                        }
                    }
                }
            }
        }
        // Attention received by local tokens, summed over heads and queries (chooses representatives).
        for slot in sinkSlots..<total { memory.received[layer][positions[slot], default: 0] += received[slot] }
        if memory.recordsTrace {
            let memoryPositions = Set(chosen.flatMap { b in memory.blockStarts[b]..<(memory.blockStarts[b] + block) })
            for t in 0..<rows {
                memory.memoryTrace[layer][firstPosition + t] = memoryPositions
                if layer == 0 { memory.localTrace[firstPosition + t] = Set(positions[min(sinkSlots, oldCount + t + 1)..<(oldCount + t + 1)]) }
            }
        }
    }
}
