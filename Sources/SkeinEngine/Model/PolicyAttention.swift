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

    /// - rawQueries: (rows, heads * headDim) before RoPE.
    /// - out: (rows, heads * headDim).
    static func run(rawQueries: [Float], plans: [QueryPlan], cache: DenseKVCache, layer: Int,
                    configuration c: ModelConfiguration, rope: RotaryEmbedding, into out: inout [Float]) {
        let hd = c.headDim, heads = c.headCount, group = c.headCount / c.kvHeadCount
        let rows = plans.count, qDim = heads * hd
        let scale = 1 / Float(hd).squareRoot()
        let maxSlots = plans.map(\.slotCount).max() ?? 0
        rawQueries.withUnsafeBufferPointer { qp in
            out.withUnsafeMutableBufferPointer { op in
                let q = qp.baseAddress!, o = op.baseAddress!
                Parallel.forEachRange(heads * rows, minimumPerThread: max(1, 8192 / max(1, maxSlots * hd))) { range in
                    let scores = UnsafeMutablePointer<Float>.allocate(capacity: max(1, maxSlots))
                    let rotated = UnsafeMutablePointer<Float>.allocate(capacity: hd)
                    defer { scores.deallocate(); rotated.deallocate() }
                    for item in range {
                        let head = item / rows, t = item % rows
                        let plan = plans[t]
                        let kvHead = head / group
                        let query = q + t * qDim + head * hd
                        let logitScale = scale * plan.logitScale
                        var filled = 0
                        for (s, segment) in plan.segments.enumerated() {
                            if layer < segment.fromLayer { continue }
                            let segmentStart = filled
                            rotated.update(from: query, count: hd)
                            plan.cos[s].withUnsafeBufferPointer { cs in
                                plan.sin[s].withUnsafeBufferPointer { sn in rope.apply(rotated, cos: cs.baseAddress!, sin: sn.baseAddress!) }
                            }
                            let keys = cache.keyBase(layer: layer, head: kvHead, channel: segment.channel)
                            VectorMath.attentionScores(rotated, keys: keys + segment.slots.lowerBound * hd, count: segment.slots.count,
                                                       headDim: hd, scale: logitScale, into: scores + filled)
                            filled += segment.slots.count
                            if let k = segment.topK {
                                keepTop(k, of: scores + segmentStart, count: filled - segmentStart)
                            }
                        }
                        VectorMath.softmax(scores, filled)
                        let result = o + t * qDim + head * hd
                        result.initialize(repeating: 0, count: hd)
                        let values = cache.valueBase(layer: layer, head: kvHead)
                        var index = 0
                        for segment in plan.segments where layer >= segment.fromLayer {
                            VectorMath.attentionValues(scores + index, values: values + segment.slots.lowerBound * hd,
                                                       count: segment.slots.count, headDim: hd, into: result)
                            index += segment.slots.count
                        }
                    }
                }
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
