import Foundation
import SkeinFormats
import SkeinTensor

/// LongHeads attention for one layer (`LongHeadsPolicy`), over a dense cache whose slot s holds
/// position s (nothing is evicted).
///
/// Rows run in order. Per row: if its position completes a chunk, every query head's representative
/// of that chunk is made first (it is read only by queries two or more chunks later). Then each
/// query head either reads every earlier token (the first `chunks` chunks), or scores the completed
/// chunks' representatives with its un-rotated query, picks its chunks, and attends over them:
/// the first and the selected chunks through un-rotated keys rotated at their placed positions
/// (cached while the choice stays the same), the previous and own chunks through the stored keys,
/// whose distances are unchanged by the layout.
enum LongHeadsRun {
    /// - rawQueries: (rows, heads * headDim) before RoPE.
    /// - out: (rows, heads * headDim).
    static func run(rawQueries: [Float], policy: LongHeadsPolicy, state: LongHeadsState, cache: DenseKVCache, layer: Int,
                    firstPosition: Int, configuration c: ModelConfiguration, rope: RotaryEmbedding, into out: inout [Float]) {
        let hd = c.headDim, heads = c.headCount, group = heads / c.kvHeadCount, qDim = heads * hd
        let rows = rawQueries.count / qDim, w = policy.chunk
        let tables = ReAttentionRun.TableCache(rope: rope)
        // Queries of the chunk being filled, this pass's rows appended.
        if state.pendingQueries[layer].isEmpty { state.pendingStart[layer] = firstPosition }
        state.pendingQueries[layer] += rawQueries
        let traced = state.recordsTrace
        var traces = [[Int: (query: Int, keys: [Int: Int])]](repeating: [:], count: heads)
        let traceLock = NSLock()
        let pending = state.pendingQueries[layer], pendingStart = state.pendingStart[layer]
        var representatives = state.representatives[layer]
        state.representatives[layer] = []  // unique while the heads extend their own lists
        let maxRead = policy.chunks * w + 1

        representatives.withUnsafeMutableBufferPointer { reps in
            rawQueries.withUnsafeBufferPointer { qp in
                pending.withUnsafeBufferPointer { pp in
                    out.withUnsafeMutableBufferPointer { op in
                        let q = qp.baseAddress!, o = op.baseAddress!
                        Parallel.forEachRange(heads) { range in
                            let scores = UnsafeMutablePointer<Float>.allocate(capacity: maxRead)
                            let rotated = UnsafeMutablePointer<Float>.allocate(capacity: hd)
                            defer { scores.deallocate(); rotated.deallocate() }
                            for h in range {
                                let kvHead = h / group
                                let stored = cache.keyBase(layer: layer, head: kvHead)
                                let fixed = cache.keyBase(layer: layer, head: kvHead, channel: .fixed)
                                let values = cache.valueBase(layer: layer, head: kvHead)
                                var placedFor: [Int]? = nil
                                var placedKeys = [Float]()  // (prefix chunks * w, hd), rotated where placed
                                var local: [Int: (query: Int, keys: [Int: Int])] = [:]
                                for t in 0..<rows {
                                    let i = firstPosition + t
                                    if (i + 1) % w == 0 {
                                        let first = max(i + 1 - w, pendingStart)
                                        reps[h] += representative(queries: pp.baseAddress! + (first - pendingStart) * qDim + h * hd, queryStride: qDim,
                                                                  count: i + 1 - first, keys: fixed + first * hd, values: values + first * hd,
                                                                  firstOffset: first % w, headDim: hd, tables: tables, rope: rope)
                                    }
                                    let query = q + t * qDim + h * hd, result = o + t * qDim + h * hd
                                    result.initialize(repeating: 0, count: hd)
                                    if policy.readsEverything(query: i) {
                                        rotated.update(from: query, count: hd)
                                        let own = tables.table(i)
                                        rope.apply(rotated, cos: own.cos, sin: own.sin)
                                        attend(rotated, keys: stored, count: i + 1, values: values, headDim: hd,
                                               scale: c.attentionScale, scores: scores, into: result)
                                        if traced { local[t] = (i, Dictionary(uniqueKeysWithValues: (0...i).map { ($0, $0) })) }
                                        continue
                                    }
                                    let current = i / w
                                    let chunkScores = reps[h].withUnsafeBufferPointer { r in
                                        (0..<current).map { VectorMath.dot(query, r.baseAddress! + $0 * hd, hd) }
                                    }
                                    let selected = policy.selectChunks(scores: chunkScores, current: current)
                                    let prefix = Array(selected.dropLast(2))
                                    if placedFor != prefix {
                                        placedKeys = placed(prefix, keys: fixed, chunk: w, headDim: hd, tables: tables, rope: rope)
                                        placedFor = prefix
                                    }
                                    let layout = policy.layout(query: i, chunks: selected)
                                    // First and selected chunks: the query at its placed position.
                                    rotated.update(from: query, count: hd)
                                    let placedTable = tables.table(layout.query)
                                    rope.apply(rotated, cos: placedTable.cos, sin: placedTable.sin)
                                    let n = prefix.count * w
                                    placedKeys.withUnsafeBufferPointer {
                                        VectorMath.attentionScores(rotated, keys: $0.baseAddress!, count: n, headDim: hd,
                                                                   scale: c.attentionScale, into: scores)
                                    }
                                    // Previous and own chunks keep their distances: the query at its own position.
                                    rotated.update(from: query, count: hd)
                                    let own = tables.table(i)
                                    rope.apply(rotated, cos: own.cos, sin: own.sin)
                                    let localFirst = (current - 1) * w, localCount = i - localFirst + 1
                                    VectorMath.attentionScores(rotated, keys: stored + localFirst * hd, count: localCount, headDim: hd,
                                                               scale: c.attentionScale, into: scores + n)
                                    VectorMath.softmax(scores, n + localCount)
                                    for (r, x) in prefix.enumerated() {
                                        VectorMath.attentionValues(scores + r * w, values: values + x * w * hd, count: w, headDim: hd, into: result)
                                    }
                                    VectorMath.attentionValues(scores + n, values: values + localFirst * hd, count: localCount, headDim: hd, into: result)
                                    if traced {
                                        var keys: [Int: Int] = [:]
                                        for x in selected { for p in (x * w)..<min(i + 1, (x + 1) * w) { keys[p] = layout.key(p) } }
                                        local[t] = (layout.query, keys)
                                    }
                                }
                                if traced {
                                    traceLock.lock()
                                    for (t, entry) in local { traces[h][firstPosition + t] = entry }
                                    traceLock.unlock()
                                }
                            }
                        }
                    }
                }
            }
        }
        state.representatives[layer] = representatives
        // Keep only the queries of the chunk still being filled.
        let end = firstPosition + rows, kept = end - (end / w) * w
        if end / w * w > pendingStart {
            state.pendingQueries[layer] = Array(state.pendingQueries[layer].suffix(kept * qDim))
            state.pendingStart[layer] = end - kept
        }
        if traced { for h in 0..<heads { state.trace[layer][h].merge(traces[h]) { $1 } } }
    }

    /// Softmax attention of one rotated query over `count` keys and values from slot 0.
    private static func attend(_ query: UnsafePointer<Float>, keys: UnsafePointer<Float>, count: Int, values: UnsafePointer<Float>,
                               headDim hd: Int, scale: Float, scores: UnsafeMutablePointer<Float>, into result: UnsafeMutablePointer<Float>) {
        VectorMath.attentionScores(query, keys: keys, count: count, headDim: hd, scale: scale, into: scores)
        VectorMath.softmax(scores, count)
        VectorMath.attentionValues(scores, values: values, count: count, headDim: hd, into: result)
    }

    /// The un-rotated keys of `chunks`, the r-th rotated at r * chunk + offset: (chunks * chunk, hd).
    private static func placed(_ chunks: [Int], keys: UnsafePointer<Float>, chunk w: Int, headDim hd: Int,
                               tables: ReAttentionRun.TableCache, rope: RotaryEmbedding) -> [Float] {
        var out = [Float](repeating: 0, count: chunks.count * w * hd)
        out.withUnsafeMutableBufferPointer { o in
            for (r, x) in chunks.enumerated() {
                for m in 0..<w {
                    let key = o.baseAddress! + (r * w + m) * hd
                    key.update(from: keys + (x * w + m) * hd, count: hd)
                    let table = tables.table(r * w + m)
                    rope.apply(key, cos: table.cos, sin: table.sin)
                }
            }
        }
        return out
    }

    /// One query head's representative key of a chunk: attention inside the chunk (bidirectional,
    /// positions = offsets in the chunk) gives each token an output; their mean attends over the
    /// chunk's rotated keys, and the result is that attention's weighted sum of those keys.
    /// - queries: the first token's un-rotated query; tokens follow at `queryStride`.
    /// - keys, values: the first token's un-rotated key and value; tokens follow at `headDim`.
    /// - firstOffset: the first token's offset in its chunk (0 unless a rewind lost earlier queries).
    static func representative(queries: UnsafePointer<Float>, queryStride: Int, count n: Int, keys: UnsafePointer<Float>,
                               values: UnsafePointer<Float>, firstOffset: Int, headDim hd: Int,
                               tables: ReAttentionRun.TableCache, rope: RotaryEmbedding) -> [Float] {
        var localQueries = [Float](repeating: 0, count: n * hd), localKeys = [Float](repeating: 0, count: n * hd)
        var mean = [Float](repeating: 0, count: hd), scores = [Float](repeating: 0, count: n)
        var output = [Float](repeating: 0, count: hd)
        localQueries.withUnsafeMutableBufferPointer { lq in
            localKeys.withUnsafeMutableBufferPointer { lk in
                for m in 0..<n {
                    let table = tables.table(firstOffset + m)
                    (lq.baseAddress! + m * hd).update(from: queries + m * queryStride, count: hd)
                    rope.apply(lq.baseAddress! + m * hd, cos: table.cos, sin: table.sin)
                    (lk.baseAddress! + m * hd).update(from: keys + m * hd, count: hd)
                    rope.apply(lk.baseAddress! + m * hd, cos: table.cos, sin: table.sin)
                }
                let scale = 1 / Float(hd).squareRoot()
                scores.withUnsafeMutableBufferPointer { s in
                    output.withUnsafeMutableBufferPointer { out in
                        for m in 0..<n {
                            VectorMath.attentionScores(lq.baseAddress! + m * hd, keys: lk.baseAddress!, count: n, headDim: hd, scale: scale, into: s.baseAddress!)
                            VectorMath.softmax(s.baseAddress!, n)
                            out.baseAddress!.initialize(repeating: 0, count: hd)
                            VectorMath.attentionValues(s.baseAddress!, values: values, count: n, headDim: hd, into: out.baseAddress!)
                            for d in 0..<hd { mean[d] += out[d] / Float(n) }
                        }
                        // The mean output as a query over the chunk's keys; the keys are also the values.
                        mean.withUnsafeBufferPointer { VectorMath.attentionScores($0.baseAddress!, keys: lk.baseAddress!, count: n, headDim: hd, scale: scale, into: s.baseAddress!) }
                        VectorMath.softmax(s.baseAddress!, n)
                        out.baseAddress!.initialize(repeating: 0, count: hd)
                        VectorMath.attentionValues(s.baseAddress!, values: lk.baseAddress!, count: n, headDim: hd, into: out.baseAddress!)
                    }
                }
            }
        }
        return output
    }
}
