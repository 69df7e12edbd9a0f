import Foundation
import SkeinEngine
import SkeinFormats
import SkeinTensor

/// A cache-free forward pass over a whole sequence that follows an `ExplicitAttention` literally,
/// like `ReferenceForward`, and records the statistics of every attention row on the way.
///
/// Embeddings, projections, norms and the MLP are the model's own blocks (`embed`,
/// `attentionInputs`, `finishLayer`, `logits`: each architecture's math is written once); attention loops over the explicit
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
        let n = tokens.count, hd = c.headDim
        let qDim = c.headCount * hd, kvDim = c.kvHeadCount * hd
        let rope = try model.rotaryEmbedding(sequenceLength: n)
        let tables = RotationTables(rope: rope, positions: 2 * n + 16)
        // A hybrid model's sliding layers: their window (and their own RoPE where Gemma 3 has one).
        let slidingRope = try model.slidingRotaryEmbedding(global: rope)
        let slidingTables = slidingRope.frequencies == rope.frequencies ? tables : RotationTables(rope: slidingRope, positions: 2 * n + 16)
        let slidingPattern = c.hybridLayers.map { ExplicitAttention.slidingWindow($0.window) }
        var statistics = AttentionStatistics(layerCount: c.layerCount, headCount: c.headCount, queryCount: n)

        var x = model.embed(tokens)                                       // (n, hidden) residual stream
        var scratch = LayerScratch(rows: n, configuration: c)
        var q = [Float](repeating: 0, count: n * qDim)                    // (n, heads * hd), unrotated
        var k = [Float](repeating: 0, count: n * kvDim)                   // (n, kvHeads * hd), unrotated
        var v = k                                                         // (n, kvHeads * hd)
        var attended = q                                                  // (n, heads * hd)

        for (layerIndex, layer) in w.layers.enumerated() {
            model.attentionInputs(layer, x: x, rows: n, scratch: &scratch, q: &q, k: &k, v: &v)
            let sliding = c.isSlidingLayer(layerIndex)
            let layerTables = sliding ? slidingTables : tables
            // Keys rotated at their own positions: (n, kvHeads * hd).
            var rotatedKeys = k
            rotatedKeys.withUnsafeMutableBufferPointer { keys in
                for t in 0..<n {
                    for head in 0..<c.kvHeadCount { layerTables.rotate(keys.baseAddress! + t * kvDim + head * hd, position: t) }
                }
            }
            let layerAttention = LayerAttention(
                configuration: c, pattern: sliding ? slidingPattern ?? attention : attention, regions: regions, tables: layerTables,
                layer: layerIndex, queryCount: n)
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
            model.finishLayer(layer, attention: attended, rows: n, x: &x, scratch: &scratch)
            progress(layerIndex + 1)
        }
        guard returnLogits else { return (statistics, nil) }
        return (statistics, model.logits(from: x, rows: Array(0..<n)))
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
