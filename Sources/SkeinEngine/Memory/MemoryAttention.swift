import Foundation
import SkeinFormats
import SkeinTensor

/// Attention of a block of queries over a per-head memory (`KVMemoryPolicy`): each query head
/// reads the entries its kv head holds, or the subset its policy selects, at true positions, and
/// the probabilities are fed back as the policy's scores.
enum MemoryAttention {
    /// - rawQueries: (rows, heads * headDim) before RoPE.
    /// - tables: cos/sin of each row's position: (rows) x (rotaryDim / 2).
    /// - oldCount: slots held before this pass; the pass's keys sit at oldCount..<oldCount+rows.
    /// - out: (rows, heads * headDim).
    static func run(rawQueries: [Float], policy: KVMemoryPolicy, memory: KVMemoryState, cache: DenseKVCache,
                    layer: Int, firstPosition: Int, oldCount: Int, tables: [(cos: [Float], sin: [Float])],
                    configuration c: ModelConfiguration, rope: RotaryEmbedding, into out: inout [Float]) {
        let hd = c.headDim, heads = c.headCount, group = c.headCount / c.kvHeadCount
        let rows = tables.count, qDim = heads * hd, total = oldCount + rows
        let scale = c.attentionScale

        // Queries rotated at their own positions: (rows, heads * hd).
        var rotated = rawQueries
        rotated.withUnsafeMutableBufferPointer { r in
            for t in 0..<rows { rope.apply(r.baseAddress! + t * qDim, heads: heads, stride: hd, cos: tables[t].cos, sin: tables[t].sin) }
        }
        // Positions of every slot per kv head: old entries, then this pass's tokens.
        let slotPositions = (0..<c.kvHeadCount).map { memory.positions[layer][$0] + Array(firstPosition..<(firstPosition + rows)) }

        // Which rows feed scores back, and selections decided before the parallel pass.
        let recordRows: Range<Int>
        switch policy.scoreSource {
        case .none, .tokenSurprisal, .keyNorm, .expectedAttention: recordRows = rows..<rows
        case .accumulatedAttention: recordRows = 0..<rows
        case .lastQueryAttention: recordRows = (rows - 1)..<rows
        case .observationWindow(let w): recordRows = max(0, rows - w)..<rows
        }
        let selections = (0..<rows).map { policy.selection(seen: firstPosition + $0 + 1) }
        if case .pages(let page, _) = selections[rows - 1] {
            updatePageBounds(memory: memory, cache: cache, layer: layer, page: page, slots: total, headDim: hd)
        }
        var shared: [[Int]?] = Array(repeating: nil, count: rows)
        if case .tokens = selections[rows - 1] {
            shared = tokenSelections(rawQueries: rawQueries, rotated: rotated, selections: selections, memory: memory,
                                     cache: cache, layer: layer, oldCount: oldCount, configuration: c)
        }

        let recordCount = recordRows.count
        let weight: Float = policy.scoreSource == .lastQueryAttention ? 1 / Float(group) : 1
        // Recorded probabilities summed per kv head: (kvHeads, slots). Each thread sums its items
        // privately and merges once, so memory stays O(slots), not O(rows * slots).
        var probabilities = [Float](repeating: 0, count: recordCount > 0 ? c.kvHeadCount * total : 0)
        let merge = NSLock()
        let traced = memory.recordsTrace
        let visible = UnsafeMutablePointer<[Int]>.allocate(capacity: heads * rows)
        visible.initialize(repeating: [], count: heads * rows)
        defer { visible.deinitialize(count: heads * rows); visible.deallocate() }

        rotated.withUnsafeBufferPointer { qp in
            out.withUnsafeMutableBufferPointer { op in
                probabilities.withUnsafeMutableBufferPointer { pp in
                    let q = qp.baseAddress!, o = op.baseAddress!, probs = pp.baseAddress!
                    Parallel.forEachRange(heads * rows, minimumPerThread: max(1, 8192 / max(1, total * hd))) { range in
                        let scores = UnsafeMutablePointer<Float>.allocate(capacity: max(1, total))
                        let partialCount = recordCount > 0 ? c.kvHeadCount * total : 0
                        let partial = UnsafeMutablePointer<Float>.allocate(capacity: max(1, partialCount))
                        partial.initialize(repeating: 0, count: partialCount)
                        defer {
                            if partialCount > 0 {
                                merge.lock()
                                for i in 0..<partialCount { probs[i] += partial[i] }
                                merge.unlock()
                            }
                            scores.deallocate()
                            partial.deallocate()
                        }
                        for item in range {
                            let head = item / rows, t = item % rows, kvHead = head / group
                            let query = q + t * qDim + head * hd
                            let keys = cache.keyBase(layer: layer, head: kvHead)
                            let slots = chosenSlots(selection: selections[t], shared: shared[t], query: query, memory: memory,
                                                    layer: layer, kvHead: kvHead, querySlot: oldCount + t, headDim: hd,
                                                    slotPositions: slotPositions[kvHead])
                            for (i, slot) in slots.enumerated() { scores[i] = VectorMath.dot(query, keys + slot * hd, hd) * scale }
                            VectorMath.softmax(scores, slots.count)
                            let result = o + t * qDim + head * hd
                            result.initialize(repeating: 0, count: hd)
                            let values = cache.valueBase(layer: layer, head: kvHead)
                            for (i, slot) in slots.enumerated() { VectorMath.axpy(scores[i], values + slot * hd, result, hd) }
                            if recordRows.contains(t) {
                                let row = partial + kvHead * total
                                for (i, slot) in slots.enumerated() { row[slot] += weight * scores[i] }
                            }
                            if traced { visible[item] = slots.map { slotPositions[kvHead][$0] } }
                        }
                    }
                }
            }
        }

        // Expected attention rescores every held entry after a prompt chunk.
        var expected: [[Float]]? = nil
        if case .expectedAttention(let future, let sinks, let covariance, let valueNorm) = policy.scoreSource, rows > sinks {
            expected = ExpectedAttentionScores.compute(rawQueries: rawQueries, rows: rows, cache: cache, layer: layer, total: total,
                                                       seen: firstPosition + rows, future: future, sinks: sinks,
                                                       covariance: covariance, valueNorm: valueNorm, rope: rope, configuration: c)
        }
        // Feed scores back: new entries join with 0, then the recorded rows are reduced per kv group.
        for kvHead in 0..<c.kvHeadCount {
            var s = memory.scores[layer][kvHead] + [Float](repeating: 0, count: rows)
            if recordCount > 0 {
                if case .lastQueryAttention = policy.scoreSource { s = [Float](repeating: 0, count: total) }
                for slot in 0..<total { s[slot] += probabilities[kvHead * total + slot] }
            }
            if case .keyNorm = policy.scoreSource {
                let keys = cache.keyBase(layer: layer, head: kvHead)
                for slot in oldCount..<total { s[slot] = -VectorMath.dot(keys + slot * hd, keys + slot * hd, hd).squareRoot() }
            }
            if let expected { s = expected[kvHead] }
            memory.scores[layer][kvHead] = s
            memory.positions[layer][kvHead] = slotPositions[kvHead]
        }
        if traced {
            for head in 0..<heads {
                for t in 0..<rows { memory.trace[layer][head][firstPosition + t] = Set(visible[head * rows + t]) }
            }
        }
    }

    /// The slots one query head reads, ascending; `slotPositions` maps this kv head's slots to
    /// positions (slots holding a hidden position are never read).
    static func chosenSlots(selection: MemorySelection, shared: [Int]?, query: UnsafePointer<Float>, memory: KVMemoryState,
                            layer: Int, kvHead: Int, querySlot: Int, headDim hd: Int, slotPositions: [Int]) -> [Int] {
        switch selection {
        case .all:
            let hidden = memory.hidden[layer][kvHead]
            return hidden.isEmpty ? Array(0...querySlot) : (0...querySlot).filter { !hidden.contains(slotPositions[$0]) }
        case .tokens:
            return shared ?? Array(0...querySlot)
        case .pages(let page, let pages):
            let current = querySlot / page
            guard current + 1 > pages else { return Array(0...querySlot) }
            var bounds = [Float](repeating: 0, count: current)
            memory.pageMinimum[layer][kvHead].withUnsafeBufferPointer { lo in
                memory.pageMaximum[layer][kvHead].withUnsafeBufferPointer { hi in
                    bounds.withUnsafeMutableBufferPointer {
                        VectorMath.boxBounds(query, minimum: lo.baseAddress!, maximum: hi.baseAddress!, count: current, headDim: hd, into: $0.baseAddress!)
                    }
                }
            }
            let chosen = QuestAttention.chosenPages(bounds: bounds, current: current, count: pages)
            return chosen.flatMap { p in (p * page)..<min((p + 1) * page, querySlot + 1) }
        }
    }

    /// Extends Quest's per-channel key bounds to every complete page among the first `slots` slots.
    static func updatePageBounds(memory: KVMemoryState, cache: DenseKVCache, layer: Int, page: Int, slots: Int, headDim hd: Int) {
        for kvHead in 0..<cache.kvHeadCount {
            let keys = cache.keyBase(layer: layer, head: kvHead)
            var done = memory.pageMinimum[layer][kvHead].count / hd
            while (done + 1) * page <= slots {
                var lo = [Float](repeating: .infinity, count: hd), hi = [Float](repeating: -.infinity, count: hd)
                for slot in (done * page)..<((done + 1) * page) {
                    for d in 0..<hd { lo[d] = min(lo[d], keys[slot * hd + d]); hi[d] = max(hi[d], keys[slot * hd + d]) }
                }
                memory.pageMinimum[layer][kvHead] += lo
                memory.pageMaximum[layer][kvHead] += hi
                done += 1
            }
        }
    }

    /// TokenSelect: per row, the critical slots by soft vote over every query head (or the cached
    /// selection while the raw query stays similar) plus the local window, ascending.
    static func tokenSelections(rawQueries: [Float], rotated: [Float], selections: [MemorySelection], memory: KVMemoryState,
                                cache: DenseKVCache, layer: Int, oldCount: Int, configuration c: ModelConfiguration) -> [[Int]?] {
        let hd = c.headDim, heads = c.headCount, group = heads / c.kvHeadCount, qDim = heads * hd
        let scale = c.attentionScale
        return selections.enumerated().map { t, selection in
            guard case .tokens(let critical, let local, let reuse) = selection else { return nil }
            let querySlot = oldCount + t
            let localStart = max(0, querySlot - local + 1)
            guard localStart > critical else { return nil }  // everything fits
            let raw = Array(rawQueries[(t * qDim)..<((t + 1) * qDim)])
            var chosen: [Int]
            if let anchor = memory.anchors[layer], MemoryRules.cosine(raw, anchor.query) >= reuse {
                chosen = anchor.critical.filter { $0 < localStart }
            } else {
                let logits: [[Float]] = (0..<heads).map { h in
                    let keys = cache.keyBase(layer: layer, head: h / group)
                    return rotated.withUnsafeBufferPointer { r in
                        (0..<localStart).map { VectorMath.dot(r.baseAddress! + t * qDim + h * hd, keys + $0 * hd, hd) * scale }
                    }
                }
                chosen = TokenSelectAttention.critical(logits: logits, count: critical)
                memory.anchors[layer] = (raw, chosen)
            }
            return chosen + Array(localStart...querySlot)
        }
    }
}
