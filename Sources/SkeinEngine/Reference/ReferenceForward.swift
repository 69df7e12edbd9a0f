import Foundation
import SkeinFormats

/// The plain, obviously-correct forward pass: whole sequence, explicit mask and position matrix,
/// scalar loops, no cache. It is the oracle for the fast path and for every attention policy.
public struct ReferenceForward {
    public let model: TransformerModel

    public init(model: TransformerModel) { self.model = model }

    /// Logits (n, vocab) for every position of `tokens` under `attention`.
    ///
    /// - Parameter ropeSequenceLength: the length that length-dependent RoPE scalings (dynamic NTK,
    ///   LongRoPE) see; defaults to the whole sequence, as a single transformers forward call does.
    public func logits(_ tokens: [Int], attention: ExplicitAttention? = nil, ropeSequenceLength: Int? = nil) throws -> [[Float]] {
        try model.validate(tokens)
        let c = model.configuration, w = model.weights
        let n = tokens.count, hidden = c.hiddenSize, hd = c.headDim
        let group = c.headCount / c.kvHeadCount
        let globalPattern = attention ?? (c.slidingWindow.map { ExplicitAttention.slidingWindow($0) } ?? .causal)
        // A hybrid model's sliding layers keep their window whatever the policy.
        let localPattern = c.hybridLayers.map { ExplicitAttention.slidingWindow($0.window) }
        func capped(_ logit: Float) -> Float { c.attentionLogitSoftcap.map { $0 * tanh(logit / $0) } ?? logit }
        let style = model.style
        let rope = try model.rotaryEmbedding(sequenceLength: ropeSequenceLength ?? n)

        let slidingRope = try model.slidingRotaryEmbedding(global: rope)

        // cos/sin per position and RoPE (global, sliding), filled on demand: (position) -> (rotaryDim / 2) each.
        var cosTables: [[[Float]]] = [[], []], sinTables: [[[Float]]] = [[], []]
        var ropeIndex = 0
        func rotate(_ x: [Float], position: Int, into out: inout [Float]) {
            let current = ropeIndex == 0 ? rope : slidingRope
            while cosTables[ropeIndex].count <= position {
                let t = current.table(position: cosTables[ropeIndex].count)
                cosTables[ropeIndex].append(t.cos)
                sinTables[ropeIndex].append(t.sin)
            }
            out = x
            out.withUnsafeMutableBufferPointer {
                current.apply($0.baseAddress!, cos: cosTables[ropeIndex][position], sin: sinTables[ropeIndex][position])
            }
        }

        let normalizer = style.scalesEmbedding ? Float(Double(hidden).squareRoot()) : 1
        var x: [[Float]] = tokens.map { w.embedding.row($0).map { $0 * normalizer } }
        for (layerIndex, layer) in w.layers.enumerated() {
            let pattern = c.isSlidingLayer(layerIndex) ? localPattern ?? globalPattern : globalPattern
            ropeIndex = c.isSlidingLayer(layerIndex) ? 1 : 0
            let h = x.map { rmsNorm($0, layer.attentionNorm, c.rmsNormEps) }
            // Per token: unrotated heads.
            let qw = layer.q.floats, kw = layer.k.floats, vw = layer.v.floats
            let q = h.map { heads(linear($0, qw, layer.qBias), count: c.headCount, dim: hd, norm: layer.qNorm, eps: c.rmsNormEps) }
            let k = h.map { heads(linear($0, kw, layer.kBias), count: c.kvHeadCount, dim: hd, norm: layer.kNorm, eps: c.rmsNormEps) }
            let v = h.map { heads(linear($0, vw, layer.vBias), count: c.kvHeadCount, dim: hd, norm: nil, eps: 0) }
            let o = layer.o.floats, gate = layer.gate.floats, up = layer.up.floats, downWeights = layer.down.floats
            var attended = [[Float]](repeating: [], count: n)
            var qr = [Float](repeating: 0, count: hd), kr = qr
            for i in 0..<n {
                var row: [Float] = []
                for head in 0..<c.headCount {
                    var logits: [Float] = []
                    var visible: [Int] = []
                    for j in 0..<n where pattern.headVisibility?(layerIndex, head, i, j) ?? pattern.isVisible(i, j) {
                        let (qp, kp) = pattern.headPositions?(layerIndex, head, i, j) ?? pattern.positions(i, j)
                        rotate(q[i][head], position: qp, into: &qr)
                        rotate(k[j][head / group], position: kp, into: &kr)
                        var dot: Float = 0
                        for d in 0..<hd { dot += qr[d] * kr[d] }
                        logits.append(capped(dot / c.attentionScaleRoot * pattern.logitScale(i)))
                        visible.append(j)
                    }
                    if let selection = pattern.selection, layerIndex >= selection.fromLayer, selection.k > 0 {
                        var candidates: [(logit: Float, key: Int)] = []
                        for j in 0..<n where selection.isCandidate(i, j) {
                            let (qp, kp) = selection.positions(i, j)
                            rotate(q[i][head], position: qp, into: &qr)
                            rotate(k[j][head / group], position: kp, into: &kr)
                            var dot: Float = 0
                            for d in 0..<hd { dot += qr[d] * kr[d] }
                            candidates.append((capped(dot / c.attentionScaleRoot * pattern.logitScale(i)), j))
                        }
                        // Highest logits first; ties keep the earlier key.
                        let chosen = candidates.enumerated()
                            .sorted { $0.element.logit != $1.element.logit ? $0.element.logit > $1.element.logit : $0.offset < $1.offset }
                            .prefix(selection.k)
                        for entry in chosen {
                            logits.append(entry.element.logit)
                            visible.append(entry.element.key)
                        }
                    }
                    let probabilities = softmax(logits)
                    var out = [Float](repeating: 0, count: hd)
                    for (p, j) in zip(probabilities, visible) {
                        for d in 0..<hd { out[d] += p * v[j][head / group][d] }
                    }
                    row += out
                }
                attended[i] = row
            }
            for i in 0..<n {
                var o = linear(attended[i], o, nil)
                if let post = layer.postAttentionNorm { o = rmsNorm(o, post, c.rmsNormEps) }
                for d in 0..<hidden { x[i][d] += o[d] }
                let m = rmsNorm(x[i], layer.mlpNorm, c.rmsNormEps)
                let g = linear(m, gate, nil), u = linear(m, up, nil)
                let act = zip(g, u).map { activation($0) * $1 }
                var down = linear(act, downWeights, nil)
                if let post = layer.postFeedForwardNorm { down = rmsNorm(down, post, c.rmsNormEps) }
                for d in 0..<hidden { x[i][d] += down[d] }
            }
        }
        let head = (w.lmHead ?? w.embedding).floats
        return x.map { row in
            let logits = linear(rmsNorm(row, w.finalNorm, c.rmsNormEps), head, nil)
            return c.finalLogitSoftcap.map { cap in logits.map { cap * tanh($0 / cap) } } ?? logits
        }
    }

    /// The gated MLP's activation: SiLU, or GELU with the tanh approximation.
    private func activation(_ g: Float) -> Float {
        switch model.configuration.hiddenActivation {
        case .silu: g / (1 + exp(-g))
        case .geluTanh: 0.5 * g * (1 + tanh(0.7978845608028654 * (g + 0.044715 * g * g * g)))
        }
    }

    // MARK: - Scalar building blocks

    private func linear(_ x: [Float], _ w: [Float], _ bias: [Float]?) -> [Float] {
        let inFeatures = x.count, outFeatures = w.count / inFeatures
        return (0..<outFeatures).map { o in
            var s: Float = 0
            for i in 0..<inFeatures { s += w[o * inFeatures + i] * x[i] }
            return s + (bias?[o] ?? 0)
        }
    }

    private func rmsNorm(_ x: [Float], _ weight: [Float], _ eps: Float) -> [Float] {
        var meanSquare: Float = 0
        for value in x { meanSquare += value * value }
        meanSquare /= Float(x.count)
        let scale = 1 / (meanSquare + eps).squareRoot()
        return zip(x, weight).map { $1 * ($0 * scale) }
    }

    private func heads(_ x: [Float], count: Int, dim: Int, norm: [Float]?, eps: Float) -> [[Float]] {
        (0..<count).map { h in
            let slice = Array(x[(h * dim)..<((h + 1) * dim)])
            return norm.map { rmsNorm(slice, $0, eps) } ?? slice
        }
    }

    private func softmax(_ x: [Float]) -> [Float] {
        guard let maxValue = x.max() else { return [] }
        let e = x.map { exp($0 - maxValue) }
        let sum = e.reduce(0, +)
        return e.map { $0 / sum }
    }
}
