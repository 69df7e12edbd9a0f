import Foundation
import SkeinFormats
import SkeinTensor

/// Select-and-reposition attention for one layer (`ReAttentionPolicy`).
///
/// Each thread owns whole kv heads and walks the pass's rows in order, because a row's selection
/// depends on the scores accumulated by the rows before it. Per row and kv head:
/// 1. at a refresh row, decay the accumulated scores, add the softmax of un-rotated q . k over the
///    candidates for each of the kv head's query heads, and select again;
/// 2. rotate the selected un-rotated keys at their assigned positions (once per selection);
/// 3. attend each query head over sinks + selected + local window in one softmax.
enum ReAttentionRun {
    /// - rawQueries: (rows, heads * headDim) before RoPE.
    /// - oldCount: slots held before this pass; the pass's tokens sit at oldCount..<oldCount+rows.
    /// - out: (rows, heads * headDim).
    /// - Throws: `EngineError.offloadFailed` when the offloaded selection state cannot grow.
    static func run(rawQueries: [Float], policy: ReAttentionPolicy, state: SelectionState, cache: DenseKVCache, layer: Int,
                    firstPosition: Int, oldCount: Int, configuration c: ModelConfiguration, rope: RotaryEmbedding,
                    into out: inout [Float]) throws {
        let hd = c.headDim, heads = c.headCount, kvHeads = c.kvHeadCount, group = heads / kvHeads
        let rows = rawQueries.count / (heads * hd), qDim = heads * hd
        let scale = c.attentionScale
        let slots = SlotPositions(cached: cache.positions, appending: firstPosition..<(firstPosition + rows))
        let tables = TableCache(rope: rope)
        // Per row: the slot ranges of its sinks, candidates and local window, and whether it refreshes.
        let layouts = (0..<rows).map { t -> RowLayout in
            let i = firstPosition + t, start = policy.localStart(query: i)
            let sinkEnd = slots.slots(covering: 0..<min(policy.sinks, start)).upperBound
            let localFirst = slots.slots(covering: start..<(i + 1)).lowerBound
            let refreshes = policy.refreshes(query: i, row: t, rows: rows)
            return RowLayout(position: i, sinkEnd: sinkEnd, localFirst: localFirst, querySlot: oldCount + t, refreshes: refreshes)
        }
        let maxRead = layouts.map { $0.sinkEnd + policy.k + policy.span + ($0.querySlot - $0.localFirst + 1) }.max() ?? 1
        let maxCandidates = layouts.map { $0.localFirst - $0.sinkEnd }.max() ?? 0
        let traced = state.recordsTrace
        var traces = [[Int: (query: Int, keys: [Int: Int])]](repeating: [:], count: heads)
        let traceLock = NSLock()
        var failure: Error?  // the first refresh that could not grow its offloaded state (under traceLock)
        let spill = cache.isOffloaded
        // Each thread updates only its own kv heads' selections.
        let boxes = state.heads[layer]

        rawQueries.withUnsafeBufferPointer { qp in
            out.withUnsafeMutableBufferPointer { op in
                let q = qp.baseAddress!, o = op.baseAddress!
                Parallel.forEachRange(kvHeads) { range in
                    let logits = UnsafeMutablePointer<Float>.allocate(capacity: max(1, maxCandidates))
                    let scores = UnsafeMutablePointer<Float>.allocate(capacity: max(1, maxRead))
                    let rotated = UnsafeMutablePointer<Float>.allocate(capacity: hd)
                    var selectedKeys = [Float]()  // (selected, hd), rotated at their assigned positions
                    defer { logits.deallocate(); scores.deallocate(); rotated.deallocate() }
                    for kvHead in range {
                        let box = boxes[kvHead]
                        let stored = cache.keyBase(layer: layer, head: kvHead)
                        let fixed = cache.keyBase(layer: layer, head: kvHead, channel: .fixed)
                        let values = cache.valueBase(layer: layer, head: kvHead)
                        var rotatedFor: (selection: [Int], base: Int)? = nil
                        var local: [Int: (query: Int, keys: [Int: Int])] = [:]
                        for (t, row) in layouts.enumerated() {
                            let candidates = row.localFirst - row.sinkEnd
                            if row.refreshes && candidates > 0 {
                                do {
                                    try box.refresh(policy: policy, position: row.position, candidates: candidates,
                                                    queries: (0..<group).map { q + t * qDim + (kvHead * group + $0) * hd },
                                                    keys: fixed + row.sinkEnd * hd, headDim: hd, scale: scale, logits: logits,
                                                    sinkEnd: row.sinkEnd, spill: spill)
                                } catch {
                                    traceLock.lock()
                                    failure = failure ?? error
                                    traceLock.unlock()
                                }
                            }
                            // Selected slots older than this row's local window, at sinks + rank.
                            let selection = box.selected.filter { $0 >= row.sinkEnd && $0 < row.localFirst }
                            let base = row.sinkEnd  // sinks occupy positions 0..<sinkEnd
                            if rotatedFor.map({ $0.selection != selection || $0.base != base }) ?? true {
                                selectedKeys = [Float](repeating: 0, count: selection.count * hd)
                                selectedKeys.withUnsafeMutableBufferPointer { s in
                                    for (r, slot) in selection.enumerated() {
                                        let key = s.baseAddress! + r * hd
                                        key.update(from: fixed + slot * hd, count: hd)
                                        let table = tables.table(base + r)
                                        rope.apply(key, cos: table.cos, sin: table.sin)
                                    }
                                }
                                rotatedFor = (selection, base)
                            }
                            let queryPosition = base + selection.count + (row.querySlot - row.localFirst)
                            let placed = tables.table(queryPosition), own = tables.table(row.position)
                            for h in (kvHead * group)..<((kvHead + 1) * group) {
                                let query = q + t * qDim + h * hd
                                var n = 0
                                // Sinks and selected tokens: the query at its placed position.
                                rotated.update(from: query, count: hd)
                                rope.apply(rotated, cos: placed.cos, sin: placed.sin)
                                VectorMath.attentionScores(rotated, keys: stored, count: row.sinkEnd, headDim: hd, scale: scale, into: scores)
                                n += row.sinkEnd
                                selectedKeys.withUnsafeBufferPointer { s in
                                    VectorMath.attentionScores(rotated, keys: s.baseAddress!, count: selection.count, headDim: hd,
                                                               scale: scale, into: scores + n)
                                }
                                n += selection.count
                                // The local window keeps its true distances: the query at its own position.
                                rotated.update(from: query, count: hd)
                                rope.apply(rotated, cos: own.cos, sin: own.sin)
                                let localCount = row.querySlot - row.localFirst + 1
                                VectorMath.attentionScores(rotated, keys: stored + row.localFirst * hd, count: localCount, headDim: hd,
                                                           scale: scale, into: scores + n)
                                n += localCount
                                if let cap = c.attentionLogitSoftcap { VectorMath.softcap(scores, n, cap: cap) }  // Gemma 2
                                VectorMath.softmax(scores, n)

                                let result = o + t * qDim + h * hd
                                result.initialize(repeating: 0, count: hd)
                                VectorMath.attentionValues(scores, values: values, count: row.sinkEnd, headDim: hd, into: result)
                                for (r, slot) in selection.enumerated() { VectorMath.axpy(scores[row.sinkEnd + r], values + slot * hd, result, hd) }
                                VectorMath.attentionValues(scores + row.sinkEnd + selection.count, values: values + row.localFirst * hd,
                                                           count: localCount, headDim: hd, into: result)
                                if traced {
                                    var keys: [Int: Int] = [:]
                                    for s in 0..<row.sinkEnd { keys[slots.position(s)] = slots.position(s) }
                                    for (r, slot) in selection.enumerated() { keys[slots.position(slot)] = base + r }
                                    for s in row.localFirst...row.querySlot {
                                        keys[slots.position(s)] = base + selection.count + (s - row.localFirst)
                                    }
                                    local[h * rows + t] = (queryPosition, keys)
                                }
                            }
                        }
                        if traced {
                            traceLock.lock()
                            for (key, entry) in local { traces[key / rows][firstPosition + key % rows] = entry }
                            traceLock.unlock()
                        }
                    }
                }
            }
        }
        if let failure { throw failure }
        if traced {
            for h in 0..<heads { state.trace[layer][h].merge(traces[h]) { $1 } }
        }
    }

    /// One row's slots: sinks 0..<sinkEnd, candidates sinkEnd..<localFirst, local localFirst...querySlot.
    struct RowLayout {
        var position: Int
        var sinkEnd: Int
        var localFirst: Int
        var querySlot: Int
        var refreshes: Bool
    }

    /// cos/sin tables by position, made once each (thread-safe).
    final class TableCache: @unchecked Sendable {  // guarded by `lock`
        let rope: RotaryEmbedding
        private var tables: [Int: (cos: [Float], sin: [Float])] = [:]
        private let lock = NSLock()
        init(rope: RotaryEmbedding) { self.rope = rope }

        func table(_ position: Int) -> (cos: [Float], sin: [Float]) {
            lock.lock()
            defer { lock.unlock() }
            if let t = tables[position] { return t }
            let t = rope.table(position: position)
            tables[position] = t
            return t
        }
    }
}
