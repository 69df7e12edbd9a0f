import SkeinFormats
import SkeinTensor

/// Row-major scratch for the parts of a layer around attention, sized for `rows` tokens.
package struct LayerScratch {
    var h: [Float]           // (rows, hidden) normed input
    var projected: [Float]   // (rows, hidden) a sublayer's output
    var gate: [Float]        // (rows, intermediate)
    var up: [Float]          // (rows, intermediate)

    package init(rows: Int, configuration c: ModelConfiguration) {
        h = [Float](repeating: 0, count: rows * c.hiddenSize)
        projected = h
        gate = [Float](repeating: 0, count: rows * c.intermediateSize)
        up = gate
    }
}

/// The blocks of a decoder layer outside attention, shared by the fast path and the analysis
/// pass so that each architecture's math is written once.
extension TransformerModel {
    /// Embedding rows of `tokens` (scaled by sqrt(hidden) where the architecture does): (n, hidden).
    package func embed(_ tokens: [Int]) -> [Float] {
        let hidden = configuration.hiddenSize
        var x = [Float](repeating: 0, count: tokens.count * hidden)
        for (t, id) in tokens.enumerated() {
            x.replaceSubrange((t * hidden)..<((t + 1) * hidden), with: weights.embedding.row(id))
        }
        if style.scalesEmbedding {
            let normalizer = Float(Double(hidden).squareRoot())
            for i in 0..<x.count { x[i] *= normalizer }
        }
        return x
    }

    /// The attention inputs of `layer` for the residual stream `x` (rows, hidden): q (rows, heads *
    /// hd), k and v (rows, kvHeads * hd), with biases and per-head q/k norms, before RoPE.
    package func attentionInputs(_ layer: LayerWeights, x: [Float], rows n: Int, scratch s: inout LayerScratch,
                                 q: inout [Float], k: inout [Float], v: inout [Float]) {
        let c = configuration
        Self.normRows(x, weight: layer.attentionNorm, eps: c.rmsNormEps, rows: n, width: c.hiddenSize, into: &s.h)
        layer.q.apply(s.h, rows: n, bias: layer.qBias, into: &q)
        layer.k.apply(s.h, rows: n, bias: layer.kBias, into: &k)
        layer.v.apply(s.h, rows: n, bias: layer.vBias, into: &v)
        if let qNorm = layer.qNorm { Self.normHeads(&q, weight: qNorm, eps: c.rmsNormEps, headDim: c.headDim) }
        if let kNorm = layer.kNorm { Self.normHeads(&k, weight: kNorm, eps: c.rmsNormEps, headDim: c.headDim) }
    }

    /// The rest of `layer` once attention is done: output projection (+ post-attention norm),
    /// residual; MLP norm, gated MLP (+ post-feedforward norm), residual. attention: (rows, heads * hd).
    package func finishLayer(_ layer: LayerWeights, attention: [Float], rows n: Int, x: inout [Float], scratch s: inout LayerScratch) {
        let c = configuration, hidden = c.hiddenSize
        layer.o.apply(attention, rows: n, bias: nil, into: &s.projected)
        Self.addResidual(s.projected, normedBy: layer.postAttentionNorm, eps: c.rmsNormEps, rows: n, width: hidden, to: &x, scratch: &s.h)
        Self.normRows(x, weight: layer.mlpNorm, eps: c.rmsNormEps, rows: n, width: hidden, into: &s.h)
        layer.gate.apply(s.h, rows: n, bias: nil, into: &s.gate)
        layer.up.apply(s.h, rows: n, bias: nil, into: &s.up)
        Self.gatedActivation(c.hiddenActivation, gate: &s.gate, up: s.up)
        layer.down.apply(s.gate, rows: n, bias: nil, into: &s.projected)
        Self.addResidual(s.projected, normedBy: layer.postFeedForwardNorm, eps: c.rmsNormEps, rows: n, width: hidden, to: &x, scratch: &s.h)
    }

    /// The architecture's layer style (norm offsets are already in the weights).
    var style: LayerStyle { configuration.definition.style }

    /// x += sublayer output (rows, width), RMS-normed first when the layer has a post-norm (Gemma).
    static func addResidual(_ output: [Float], normedBy norm: [Float]?, eps: Float, rows: Int, width: Int,
                            to x: inout [Float], scratch: inout [Float]) {
        if let norm {
            normRows(output, weight: norm, eps: eps, rows: rows, width: width, into: &scratch)
            for i in 0..<(rows * width) { x[i] += scratch[i] }
        } else {
            for i in 0..<(rows * width) { x[i] += output[i] }
        }
    }

    /// act(gate) * up into `gate`: SwiGLU or GeGLU.
    static func gatedActivation(_ activation: HiddenActivation, gate: inout [Float], up: [Float]) {
        gate.withUnsafeMutableBufferPointer { g in
            up.withUnsafeBufferPointer { u in
                switch activation {
                case .silu: VectorMath.swiglu(g.baseAddress!, u.baseAddress!, g.count)
                case .geluTanh: VectorMath.geglu(g.baseAddress!, u.baseAddress!, g.count)
                }
            }
        }
    }

    /// RMSNorm of each width-wide row of `x` (rows, width) into `out` (rows, width).
    static func normRows(_ x: [Float], weight: [Float], eps: Float, rows: Int, width: Int, into out: inout [Float]) {
        out.withUnsafeMutableBufferPointer { op in
            VectorMath.rmsNorm(x, weight: weight, eps: eps, out: op.baseAddress!, count: width, rows: rows)
        }
    }

    /// RMSNorm over each headDim-wide slice of `x` (qwen3's and gemma3's q_norm / k_norm).
    static func normHeads(_ x: inout [Float], weight: [Float], eps: Float, headDim: Int) {
        let rows = x.count / headDim
        x.withUnsafeMutableBufferPointer { p in
            VectorMath.rmsNorm(p.baseAddress!, weight: weight, eps: eps, out: p.baseAddress!, count: headDim, rows: rows)
        }
    }
}
