import Foundation
import SkeinEngine
import SkeinFormats
import SkeinTensor

/// A cache-free forward pass over a whole sequence that follows an `ExplicitAttention` literally,
/// like `ReferenceForward`, and records the statistics of every attention row on the way.
///
/// Projections and the MLP use the model's weight kernels; attention loops over the explicit
/// pattern with keys rotated once per position, so a 2,048-token pass of the demo model takes
/// seconds rather than the reference path's minutes. Its logits agree with `ReferenceForward`.
public struct AttentionStatisticsPass {
    public let model: TransformerModel

    public init(model: TransformerModel) { self.model = model }

    /// Runs `tokens` under `attention` and returns per-row statistics (and logits when asked).
    /// - Parameter progress: called with the number of layers done.
    public func run(_ tokens: [Int], attention: ExplicitAttention, regions: AttentionShareRegions, returnLogits: Bool = false,
                    progress: (Int) -> Void = { _ in }) throws -> (statistics: AttentionStatistics, logits: [[Float]]?) {
        guard !tokens.isEmpty else { throw EngineError.emptyInput }
        let c = model.configuration, w = model.weights
        for id in tokens where id < 0 || id >= c.vocabSize { throw EngineError.tokenOutOfRange(id: id, vocabularySize: c.vocabSize) }
        let n = tokens.count, hidden = c.hiddenSize, hd = c.headDim
        let qDim = c.headCount * hd, kvDim = c.kvHeadCount * hd
        let rope = try model.rotaryEmbedding(sequenceLength: n)
        let tables = RotationTables(rope: rope, positions: 2 * n + 16)
        var statistics = AttentionStatistics(layerCount: c.layerCount, headCount: c.headCount, queryCount: n)

        var x = [Float](repeating: 0, count: n * hidden)                 // (n, hidden) residual stream
        var h = x                                                         // (n, hidden) normed
        var q = [Float](repeating: 0, count: n * qDim)                    // (n, heads * hd), unrotated
        var k = [Float](repeating: 0, count: n * kvDim)                   // (n, kvHeads * hd), unrotated
        var v = k                                                         // (n, kvHeads * hd)
        var attended = q                                                  // (n, heads * hd)
        var projected = x                                                 // (n, hidden)
        var gate = [Float](repeating: 0, count: n * c.intermediateSize)   // (n, intermediate)
        var up = gate
        for t in 0..<n { x.replaceSubrange((t * hidden)..<((t + 1) * hidden), with: w.embedding.row(tokens[t])) }

        for (layerIndex, layer) in w.layers.enumerated() {
            Self.normRows(x, weight: layer.attentionNorm, eps: c.rmsNormEps, width: hidden, into: &h)
            layer.q.apply(h, rows: n, bias: layer.qBias, into: &q)
            layer.k.apply(h, rows: n, bias: layer.kBias, into: &k)
            layer.v.apply(h, rows: n, bias: layer.vBias, into: &v)
            if let norm = layer.qNorm { let copy = q; Self.normRows(copy, weight: norm, eps: c.rmsNormEps, width: hd, into: &q) }
            if let norm = layer.kNorm { let copy = k; Self.normRows(copy, weight: norm, eps: c.rmsNormEps, width: hd, into: &k) }
            // Keys rotated at their own positions: (n, kvHeads * hd).
            var rotatedKeys = k
            rotatedKeys.withUnsafeMutableBufferPointer { keys in
                for t in 0..<n {
                    for head in 0..<c.kvHeadCount { tables.rotate(keys.baseAddress! + t * kvDim + head * hd, position: t) }
                }
            }
            let layerAttention = LayerAttention(
                configuration: c, pattern: attention, regions: regions, tables: tables, layer: layerIndex, queryCount: n)
            q.withUnsafeBufferPointer { qp in
                k.withUnsafeBufferPointer { kp in
                    rotatedKeys.withUnsafeBufferPointer { rk in
                        v.withUnsafeBufferPointer { vp in
                            attended.withUnsafeMutableBufferPointer { out in
                                layerAttention.run(queries: qp, keys: kp, rotatedKeys: rk, values: vp, into: out, statistics: &statistics)
                            }
                        }
                    }
                }
            }
            layer.o.apply(attended, rows: n, bias: nil, into: &projected)
            for i in 0..<(n * hidden) { x[i] += projected[i] }
            Self.normRows(x, weight: layer.mlpNorm, eps: c.rmsNormEps, width: hidden, into: &h)
            layer.gate.apply(h, rows: n, bias: nil, into: &gate)
            layer.up.apply(h, rows: n, bias: nil, into: &up)
            gate.withUnsafeMutableBufferPointer { g in
                up.withUnsafeBufferPointer { u in VectorMath.swiglu(g.baseAddress!, u.baseAddress!, n * c.intermediateSize) }
            }
            layer.down.apply(gate, rows: n, bias: nil, into: &projected)
            for i in 0..<(n * hidden) { x[i] += projected[i] }
            progress(layerIndex + 1)
        }
        guard returnLogits else { return (statistics, nil) }
        Self.normRows(x, weight: w.finalNorm, eps: c.rmsNormEps, width: hidden, into: &h)
        var logits = [Float](repeating: 0, count: n * c.vocabSize)
        (w.lmHead ?? w.embedding).apply(h, rows: n, bias: nil, into: &logits)
        return (statistics, (0..<n).map { Array(logits[($0 * c.vocabSize)..<(($0 + 1) * c.vocabSize)]) })
    }

    /// RMSNorm of each `width`-wide row of `x` into `out`.
    static func normRows(_ x: [Float], weight: [Float], eps: Float, width: Int, into out: inout [Float]) {
        x.withUnsafeBufferPointer { xp in
            weight.withUnsafeBufferPointer { wp in
                out.withUnsafeMutableBufferPointer { op in
                    for r in 0..<(x.count / width) {
                        VectorMath.rmsNorm(xp.baseAddress! + r * width, weight: wp.baseAddress!, eps: eps,
                                           out: op.baseAddress! + r * width, count: width)
                    }
                }
            }
        }
    }
}

/// cos/sin of every position below `positions`, computed once: (positions, rotaryDim / 2) each.
struct RotationTables: @unchecked Sendable {
    let rope: RotaryEmbedding
    let half: Int
    let count: Int
    let cos: [Float]
    let sin: [Float]

    init(rope: RotaryEmbedding, positions: Int) {
        self.rope = rope
        half = rope.rotaryDim / 2
        count = positions
        var c = [Float](), s = [Float]()
        c.reserveCapacity(positions * half)
        s.reserveCapacity(positions * half)
        for p in 0..<positions {
            let t = rope.table(position: p)
            c += t.cos
            s += t.sin
        }
        cos = c
        sin = s
    }

    /// Rotates one head vector in place to `position` (computed directly past the table).
    func rotate(_ x: UnsafeMutablePointer<Float>, position: Int) {
        if position >= 0 && position < count {
            cos.withUnsafeBufferPointer { c in
                sin.withUnsafeBufferPointer { s in rope.apply(x, cos: c.baseAddress! + position * half, sin: s.baseAddress! + position * half) }
            }
        } else {
            let t = rope.table(position: position)
            rope.apply(x, cos: t.cos, sin: t.sin)
        }
    }
}
