import Foundation
import SkeinFormats
import SkeinTensor

/// One query's attention plan: its segments with the cos/sin of each segment's query position.
struct QueryPlan {
    var segments: [AttentionSegment]
    var cos: [[Float]]      // per segment: (rotaryDim / 2)
    var sin: [[Float]]
    var logitScale: Float
    var slotCount: Int { segments.reduce(0) { $0 + $1.slots.count } }

    /// Whether a segment read at `layer` keeps only its top-k scores (which needs all of them first).
    func selectsTopK(at layer: Int) -> Bool {
        segments.contains { $0.topK != nil && layer >= $0.fromLayer }
    }
}

/// Attention of a block of queries over the cache, following each query's plan.
enum PolicyAttention {
    /// Plans for queries at positions firstPosition..<firstPosition+rows (the same for every layer and head).
    static func plans(policy: AttentionPolicy, firstPosition: Int, rows: Int, slots: SlotPositions,
                      rope: RotaryEmbedding) -> [QueryPlan] {
        var tables: [Int: (cos: [Float], sin: [Float])] = [:]
        return (0..<rows).map { t in
            let position = firstPosition + t
            let segments = policy.segments(queryPosition: position, slots: slots).filter { !$0.slots.isEmpty }
            var plan = QueryPlan(segments: segments, cos: [], sin: [], logitScale: policy.logitScale(queryPosition: position))
            for segment in segments {
                if tables[segment.queryPosition] == nil { tables[segment.queryPosition] = rope.table(position: segment.queryPosition) }
                plan.cos.append(tables[segment.queryPosition]!.cos)
                plan.sin.append(tables[segment.queryPosition]!.sin)
            }
            return plan
        }
    }

    /// Each row's query heads that share a KV head are attended together, so a tile of that head's
    /// keys and values is read once for all of them (online softmax over KV tiles, state carried
    /// across the plan's segments). Rows with a top-k segment take two passes (`attendTwoPass`).
    /// A row's result does not depend on the other rows, nor on how its heads are grouped.
    ///
    /// - rawQueries: (rows, heads * headDim) before RoPE.
    /// - out: (rows, heads * headDim).
    static func run(rawQueries: [Float], plans: [QueryPlan], cache: DenseKVCache, layer: Int,
                    configuration c: ModelConfiguration, rope: RotaryEmbedding, into out: inout [Float]) {
        let hd = c.headDim, heads = c.headCount, kvHeads = c.kvHeadCount, group = heads / kvHeads
        let rows = plans.count, qDim = heads * hd
        let scale = c.attentionScale
        let maxSlots = plans.map(\.slotCount).max() ?? 0
        // Soft-capped logits (Gemma 2) are capped one by one before the softmax: the two-pass path.
        let softcap = c.attentionLogitSoftcap
        let scoreCapacity = softcap != nil || plans.contains { $0.selectsTopK(at: layer) } ? max(1, maxSlots) : 1
        // Work items: (kvHead, row, part of its query heads); a group is split only when there are
        // fewer (kvHead, row) pairs than threads (decoding).
        let parts = min(group, max(1, Parallel.threadCount / max(1, kvHeads * rows)))
        let partSize = (group + parts - 1) / parts
        rawQueries.withUnsafeBufferPointer { qp in
            out.withUnsafeMutableBufferPointer { op in
                let q = qp.baseAddress!, o = op.baseAddress!
                Parallel.forEachRange(kvHeads * rows * parts, minimumPerThread: max(1, 8192 / max(1, maxSlots * hd * partSize))) { range in
                    let scores = UnsafeMutablePointer<Float>.allocate(capacity: scoreCapacity)  // (maxSlots) for top-k rows only
                    let rotated = UnsafeMutablePointer<Float>.allocate(capacity: partSize * hd)  // (partSize, hd)
                    let states = UnsafeMutablePointer<AttentionState>.allocate(capacity: partSize)
                    defer { scores.deallocate(); rotated.deallocate(); states.deallocate() }
                    for item in range {
                        let part = item % parts, t = (item / parts) % rows, kvHead = item / (parts * rows)
                        let first = kvHead * group + part * partSize, count = min(partSize, group - part * partSize)
                        guard count > 0 else { continue }
                        let block = Heads(kv: kvHead, first: first, count: count, query: q + t * qDim + first * hd,
                                          out: o + t * qDim + first * hd)
                        if softcap != nil || plans[t].selectsTopK(at: layer) {
                            attendTwoPass(block, plan: plans[t], cache: cache, layer: layer, headDim: hd, scale: scale, softcap: softcap,
                                          rope: rope, rotated: rotated, scores: scores)
                        } else {
                            attendOnline(block, plan: plans[t], cache: cache, layer: layer, headDim: hd, scale: scale, rope: rope,
                                         rotated: rotated, states: states)
                        }
                    }
                }
            }
        }
    }

    /// Consecutive query heads of one row that read the same KV head.
    struct Heads {
        var kv: Int
        var first: Int
        var count: Int
        /// (count, headDim) before RoPE.
        var query: UnsafePointer<Float>
        /// (count, headDim).
        var out: UnsafeMutablePointer<Float>
    }

    /// Online softmax: every segment's tiles fold into one running state per head, and `out`
    /// holds the weighted values until the final division.
    static func attendOnline(_ h: Heads, plan: QueryPlan, cache: DenseKVCache, layer: Int, headDim hd: Int, scale: Float,
                             rope: RotaryEmbedding, rotated: UnsafeMutablePointer<Float>,
                             states: UnsafeMutablePointer<AttentionState>) {
        VectorMath.beginAttention(states: states, accumulators: h.out, queries: h.count, headDim: hd)
        let values = cache.valueBase(layer: layer, head: h.kv)
        for (s, segment) in plan.segments.enumerated() where layer >= segment.fromLayer {
            rotated.update(from: h.query, count: h.count * hd)
            rope.apply(rotated, heads: h.count, stride: hd, cos: plan.cos[s], sin: plan.sin[s])
            let keys = cache.keyBase(layer: layer, head: h.kv, channel: segment.channel)
            let start = segment.slots.lowerBound * hd
            VectorMath.attendOnline(rotated, queries: h.count, keys: keys + start, values: values + start,
                                    count: segment.slots.count, headDim: hd, scale: scale * plan.logitScale,
                                    states: states, accumulators: h.out)
        }
        VectorMath.finishAttention(states: states, accumulators: h.out, queries: h.count, headDim: hd, into: h.out)
    }

    /// Two passes per head: every segment's scores (soft-capped when the model caps them; top-k
    /// segments keep their k largest), one softmax over all of them, then the values they weigh.
    static func attendTwoPass(_ h: Heads, plan: QueryPlan, cache: DenseKVCache, layer: Int, headDim hd: Int, scale: Float,
                              softcap: Float?, rope: RotaryEmbedding, rotated: UnsafeMutablePointer<Float>, scores: UnsafeMutablePointer<Float>) {
        let values = cache.valueBase(layer: layer, head: h.kv)
        for i in 0..<h.count {
            var filled = 0
            for (s, segment) in plan.segments.enumerated() where layer >= segment.fromLayer {
                let segmentStart = filled
                rotated.update(from: h.query + i * hd, count: hd)
                rope.apply(rotated, cos: plan.cos[s], sin: plan.sin[s])
                let keys = cache.keyBase(layer: layer, head: h.kv, channel: segment.channel)
                VectorMath.attentionScores(rotated, keys: keys + segment.slots.lowerBound * hd, count: segment.slots.count,
                                           headDim: hd, scale: scale * plan.logitScale, into: scores + filled)
                if let softcap { VectorMath.softcap(scores + filled, segment.slots.count, cap: softcap) }
                filled += segment.slots.count
                if let k = segment.topK { keepTop(k, of: scores + segmentStart, count: filled - segmentStart) }
            }
            VectorMath.softmax(scores, filled)
            let result = h.out + i * hd
            result.initialize(repeating: 0, count: hd)
            var index = 0
            for segment in plan.segments where layer >= segment.fromLayer {
                VectorMath.attentionValues(scores + index, values: values + segment.slots.lowerBound * hd,
                                           count: segment.slots.count, headDim: hd, into: result)
                index += segment.slots.count
            }
        }
    }

    /// Sets all but the `k` largest of `count` scores to -infinity (ties keep the earlier one).
    static func keepTop(_ k: Int, of scores: UnsafeMutablePointer<Float>, count: Int) {
        guard count > k else { return }
        guard k > 0 else {
            scores.update(repeating: -.infinity, count: count)
            return
        }
        let order = (0..<count).sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
        for index in order[k...] { scores[index] = -.infinity }
    }
}
