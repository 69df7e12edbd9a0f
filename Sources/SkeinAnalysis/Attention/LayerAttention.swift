import Foundation
import SkeinEngine
import SkeinFormats
import SkeinTensor

/// Attention of one layer over a whole sequence under an explicit pattern, recording the
/// entropy, maximum logit and sink/local shares of every (head, query) row.
struct LayerAttention {
    let configuration: ModelConfiguration
    let pattern: ExplicitAttention
    let regions: AttentionShareRegions
    let tables: RotationTables
    let layer: Int
    let queryCount: Int

    /// queries: (n, heads * hd) unrotated; keys: (n, kvHeads * hd) unrotated; rotatedKeys: keys
    /// rotated at their own positions; values: (n, kvHeads * hd); out: (n, heads * hd).
    func run(queries: UnsafeBufferPointer<Float>, keys: UnsafeBufferPointer<Float>, rotatedKeys: UnsafeBufferPointer<Float>,
             values: UnsafeBufferPointer<Float>, into out: UnsafeMutableBufferPointer<Float>, statistics: inout AttentionStatistics) {
        let n = queryCount, heads = configuration.headCount
        // This layer's rows: 4 statistics x (heads, n), filled by the worker threads, then copied.
        let rows = UnsafeMutableBufferPointer<Float>.allocate(capacity: 4 * heads * n)
        defer { rows.deallocate() }
        let threads = max(1, Parallel.threadCount)
        // Queries are dealt round-robin: causal rows grow with i, so contiguous ranges would not balance.
        Parallel.forEachRange(threads) { range in
            for thread in range {
                var scratch = Scratch(keys: n, headDim: configuration.headDim)
                defer { scratch.deallocate() }
                for i in stride(from: thread, to: n, by: threads) {
                    attend(query: i, queries: queries, keys: keys, rotatedKeys: rotatedKeys, values: values,
                           out: out, rows: rows, scratch: &scratch)
                }
            }
        }
        for head in 0..<heads {
            for i in 0..<n {
                let index = statistics.index(layer: layer, head: head, query: i), row = head * n + i
                statistics.entropy[index] = rows[row]
                statistics.maxLogit[index] = rows[heads * n + row]
                statistics.sinkShare[index] = rows[2 * heads * n + row]
                statistics.localShare[index] = rows[3 * heads * n + row]
            }
        }
    }

    /// Per-thread buffers, sized for one query row; freed by `deallocate()`.
    struct Scratch {
        var keyIndices: [Int] = []        // visible keys of the row (then selected middle keys)
        var queryPositions: [Int] = []    // RoPE position of the query for each visible key
        var keyPositions: [Int] = []      // RoPE position of each visible key
        let logits: UnsafeMutablePointer<Float>          // (2 * keys): visible, then selected
        let probabilities: UnsafeMutablePointer<Float>   // (2 * keys)
        let rotatedQuery: UnsafeMutablePointer<Float>    // (headDim)
        let rotatedKey: UnsafeMutablePointer<Float>      // (headDim)

        init(keys: Int, headDim: Int) {
            logits = .allocate(capacity: 2 * keys)
            probabilities = .allocate(capacity: 2 * keys)
            rotatedQuery = .allocate(capacity: headDim)
            rotatedKey = .allocate(capacity: headDim)
        }

        func deallocate() {
            logits.deallocate()
            probabilities.deallocate()
            rotatedQuery.deallocate()
            rotatedKey.deallocate()
        }
    }

    private func attend(query i: Int, queries: UnsafeBufferPointer<Float>, keys: UnsafeBufferPointer<Float>,
                        rotatedKeys: UnsafeBufferPointer<Float>, values: UnsafeBufferPointer<Float>,
                        out: UnsafeMutableBufferPointer<Float>, rows: UnsafeMutableBufferPointer<Float>, scratch s: inout Scratch) {
        let c = configuration, n = queryCount, heads = c.headCount, hd = c.headDim
        let group = heads / c.kvHeadCount, qDim = heads * hd, kvDim = c.kvHeadCount * hd
        let scale = pattern.logitScale(i) / c.attentionScaleRoot
        /// Gemma 2's soft-capped logits.
        func capped(_ logit: Float) -> Float { c.attentionLogitSoftcap.map { $0 * Foundation.tanh(logit / $0) } ?? logit }
        // The pattern does not depend on the head: list the row's keys and positions once.
        s.keyIndices.removeAll(keepingCapacity: true)
        s.queryPositions.removeAll(keepingCapacity: true)
        s.keyPositions.removeAll(keepingCapacity: true)
        for j in 0..<n where pattern.isVisible(i, j) {
            let (qp, kp) = pattern.positions(i, j)
            s.keyIndices.append(j)
            s.queryPositions.append(qp)
            s.keyPositions.append(kp)
        }
        let visibleCount = s.keyIndices.count
        let selection = pattern.selection.flatMap { layer >= $0.fromLayer && $0.k > 0 ? $0 : nil }
        for head in 0..<heads {
            let kvHead = head / group
            let query = queries.baseAddress! + i * qDim + head * hd
            let rq = s.rotatedQuery, rk = s.rotatedKey
            /// The logit of key j with the query rotated at qp and the key at kp.
            func logit(_ j: Int, _ qp: Int, _ kp: Int, lastQueryPosition: inout Int) -> Float {
                if qp != lastQueryPosition {
                    rq.update(from: query, count: hd)
                    tables.rotate(rq, position: qp)
                    lastQueryPosition = qp
                }
                if kp == j { return capped(VectorMath.dot(rq, rotatedKeys.baseAddress! + j * kvDim + kvHead * hd, hd) * scale) }
                rk.update(from: keys.baseAddress! + j * kvDim + kvHead * hd, count: hd)
                tables.rotate(rk, position: kp)
                return capped(VectorMath.dot(rq, rk, hd) * scale)
            }
            var lastQueryPosition = Int.min
            s.keyIndices.removeSubrange(visibleCount...)
            for index in 0..<visibleCount {
                s.logits[index] = logit(s.keyIndices[index], s.queryPositions[index], s.keyPositions[index], lastQueryPosition: &lastQueryPosition)
            }
            var count = visibleCount
            if let selection {
                // LM-Infinite's middle tokens: the k highest logits among the candidates join the softmax.
                var candidates: [(logit: Float, key: Int)] = []
                for j in 0..<n where selection.isCandidate(i, j) {
                    let (qp, kp) = selection.positions(i, j)
                    candidates.append((logit(j, qp, kp, lastQueryPosition: &lastQueryPosition), j))
                }
                let chosen = candidates.enumerated()
                    .sorted { $0.element.logit != $1.element.logit ? $0.element.logit > $1.element.logit : $0.offset < $1.offset }
                    .prefix(selection.k)
                for entry in chosen {
                    s.logits[count] = entry.element.logit
                    s.keyIndices.append(entry.element.key)
                    count += 1
                }
            }
            s.probabilities.update(from: s.logits, count: count)
            VectorMath.softmax(s.probabilities, count)
            let stats = s.keyIndices.withUnsafeBufferPointer { keyIndices in
                AttentionStatistics.row(logits: UnsafeBufferPointer(start: s.logits, count: count),
                                        probabilities: UnsafeBufferPointer(start: s.probabilities, count: count),
                                        keys: keyIndices, query: i, regions: regions)
            }
            let row = head * n + i
            rows[row] = stats.entropy
            rows[heads * n + row] = stats.maxLogit
            rows[2 * heads * n + row] = stats.sink
            rows[3 * heads * n + row] = stats.local
            let output = out.baseAddress! + i * qDim + head * hd
            output.update(repeating: 0, count: hd)
            for index in 0..<count {
                VectorMath.axpy(s.probabilities[index], values.baseAddress! + s.keyIndices[index] * kvDim + kvHead * hd, output, hd)
            }
        }
    }
}
