import Foundation
import SkeinFormats
import SkeinTensor

/// The scores of `ExpectedAttentionAttention` for one layer after a prompt chunk (kvpress 0.5.5's
/// `ExpectedAttentionPress.score`), in Double where kvpress sums in float32.
enum ExpectedAttentionScores {
    /// - Parameters:
    ///   - rawQueries: the chunk's queries before RoPE: (rows, heads * headDim).
    ///   - total: slots held after the chunk; the cached keys are rotated at their positions.
    ///   - seen: tokens seen after the chunk: the first of the `future` averaged positions.
    /// - Returns: one score per slot and kv head: (kvHeads, total).
    static func compute(rawQueries q: [Float], rows: Int, cache: DenseKVCache, layer: Int, total: Int, seen: Int,
                        future: Int, sinks: Int, covariance useCovariance: Bool, valueNorm: Bool,
                        rope: RotaryEmbedding, configuration c: ModelConfiguration) -> [[Float]] {
        let hd = c.headDim, heads = c.headCount, kvHeads = c.kvHeadCount, group = heads / kvHeads
        let qDim = heads * hd, n = rows - sinks

        // The RoPE rotation averaged over the future positions, transposed: rotating the identity's
        // rows gives rows R e_j, so m[j * hd + i] = R[i][j].
        var m = [Double](repeating: 0, count: hd * hd)
        var basis = [Float](repeating: 0, count: hd * hd)
        for p in seen..<(seen + future) {
            for i in 0..<(hd * hd) { basis[i] = 0 }
            for j in 0..<hd { basis[j * hd + j] = 1 }
            let table = rope.table(position: p)
            basis.withUnsafeMutableBufferPointer { b in
                rope.apply(b.baseAddress!, heads: hd, stride: hd, cos: table.cos, sin: table.sin)
            }
            for i in 0..<(hd * hd) { m[i] += Double(basis[i]) }
        }
        for i in 0..<(hd * hd) { m[i] /= Double(future) }
        func rotated(_ x: [Double]) -> [Double] {  // R x
            (0..<hd).map { i in (0..<hd).reduce(0) { $0 + m[$1 * hd + i] * x[$1] } }
        }

        var perKVHead = [[Double]](repeating: [Double](repeating: 0, count: total), count: kvHeads)
        let scale = 1 / Double(hd).squareRoot()
        for head in 0..<heads {
            // Mean and covariance of this head's queries, rows sinks..<rows.
            var mean = [Double](repeating: 0, count: hd)
            for t in sinks..<rows { for i in 0..<hd { mean[i] += Double(q[t * qDim + head * hd + i]) } }
            for i in 0..<hd { mean[i] /= Double(n) }
            let mu = rotated(mean)
            var rs = [Double]()  // R S Rᵀ: (hd, hd)
            if useCovariance {
                var s = [Double](repeating: 0, count: hd * hd)
                var centred = [Double](repeating: 0, count: hd)
                for t in sinks..<rows {
                    for i in 0..<hd { centred[i] = Double(q[t * qDim + head * hd + i]) - mean[i] }
                    for i in 0..<hd where centred[i] != 0 { for j in 0..<hd { s[i * hd + j] += centred[i] * centred[j] } }
                }
                for i in 0..<(hd * hd) { s[i] /= Double(n) }
                // R S: row i = sum_k R[i][k] S[k][.]; then (R S) Rᵀ: [i][j] = sum_k (RS)[i][k] R[j][k].
                var r_s = [Double](repeating: 0, count: hd * hd)
                for i in 0..<hd { for k in 0..<hd { let r = m[k * hd + i]; if r != 0 { for j in 0..<hd { r_s[i * hd + j] += r * s[k * hd + j] } } } }
                rs = [Double](repeating: 0, count: hd * hd)
                for i in 0..<hd { for j in 0..<hd { var sum = 0.0; for k in 0..<hd { sum += r_s[i * hd + k] * m[k * hd + j] }; rs[i * hd + j] = sum } }
            }
            let keys = cache.keyBase(layer: layer, head: head / group)
            var logits = [Double](repeating: 0, count: total - sinks)
            var key = [Double](repeating: 0, count: hd)
            for slot in sinks..<total {
                for i in 0..<hd { key[i] = Double(keys[slot * hd + i]) }
                var a = 0.0
                for i in 0..<hd { a += mu[i] * key[i] }
                a *= scale
                if useCovariance {
                    var quadratic = 0.0
                    for i in 0..<hd { var row = 0.0; for j in 0..<hd { row += rs[i * hd + j] * key[j] }; quadratic += key[i] * row }
                    a += quadratic / Double(hd) / 2
                }
                logits[slot - sinks] = a
            }
            let top = logits.max() ?? 0
            let e = logits.map { Foundation.exp($0 - top) }
            let sum = e.reduce(0, +)
            for slot in sinks..<total { perKVHead[head / group][slot] += e[slot - sinks] / sum / Double(group) }
        }
        if valueNorm {
            for g in 0..<kvHeads {
                let values = cache.valueBase(layer: layer, head: g)
                for slot in sinks..<total {
                    var norm = 0.0
                    for i in 0..<hd { norm += Double(values[slot * hd + i]) * Double(values[slot * hd + i]) }
                    perKVHead[g][slot] *= norm.squareRoot()
                }
            }
        }
        // Sinks score above everything else in the layer, so they are kept.
        let best = perKVHead.map { $0[sinks...].max() ?? 0 }.max() ?? 0
        for g in 0..<kvHeads { for slot in 0..<min(sinks, total) { perKVHead[g][slot] = best + 1 } }
        return perKVHead.map { $0.map(Float.init) }
    }
}
