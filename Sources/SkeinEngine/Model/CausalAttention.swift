import SkeinFormats
import SkeinTensor

/// Full causal attention of a block of queries over the dense cache (optionally a sliding window).
enum CausalAttention {
    /// - queries: (rows, heads * headDim), already rotated; row t sits at position firstPosition + t.
    /// - The cache already holds keys and values for positions 0..<firstPosition + rows.
    /// - out: (rows, heads * headDim).
    static func run(queries: [Float], rows: Int, firstPosition: Int, cache: DenseKVCache, layer: Int,
                    configuration c: ModelConfiguration, slidingWindow: Int?, into out: inout [Float]) {
        let hd = c.headDim, heads = c.headCount, group = c.headCount / c.kvHeadCount
        let qDim = heads * hd
        let scale = 1 / Float(hd).squareRoot()
        let total = firstPosition + rows
        queries.withUnsafeBufferPointer { qp in
            out.withUnsafeMutableBufferPointer { op in
                let q = qp.baseAddress!, o = op.baseAddress!
                Parallel.forEachRange(heads * rows, minimumPerThread: max(1, 4096 / max(1, total))) { range in
                    let scores = UnsafeMutablePointer<Float>.allocate(capacity: total)
                    defer { scores.deallocate() }
                    for item in range {
                        let head = item / rows, t = item % rows
                        let position = firstPosition + t
                        let lower = slidingWindow.map { max(0, position - $0 + 1) } ?? 0
                        let keys = cache.keyBase(layer: layer, head: head / group)
                        let values = cache.valueBase(layer: layer, head: head / group)
                        let query = q + t * qDim + head * hd
                        let span = position + 1 - lower
                        for j in 0..<span {
                            scores[j] = VectorMath.dot(query, keys + (lower + j) * hd, hd) * scale
                        }
                        VectorMath.softmax(scores, span)
                        let result = o + t * qDim + head * hd
                        result.initialize(repeating: 0, count: hd)
                        for j in 0..<span {
                            VectorMath.axpy(scores[j], values + (lower + j) * hd, result, hd)
                        }
                    }
                }
            }
        }
    }
}
