import SkeinFormats

extension ModelWeights {
    /// The same model with q and k rows reordered so RoPE pairs are adjacent (2i, 2i+1) instead of
    /// (i, i + rotaryDim/2). Run with `RopeLayout.interleaved`, it computes exactly the same function:
    /// q.k products are invariant when q and k are permuted alike. GGUF files store this order.
    public func permutedToInterleaved(_ c: ModelConfiguration) -> ModelWeights {
        let rotary = c.rotaryDim, half = rotary / 2
        // newIndex -> oldIndex within one head.
        var source = Array(0..<c.headDim)
        for i in 0..<half {
            source[2 * i] = i
            source[2 * i + 1] = i + half
        }
        func permuteRows(_ w: [Float], heads: Int, width: Int) -> [Float] {
            var out = w
            for h in 0..<heads {
                for d in 0..<c.headDim {
                    let to = (h * c.headDim + d) * width, from = (h * c.headDim + source[d]) * width
                    out.replaceSubrange(to..<(to + width), with: w[from..<(from + width)])
                }
            }
            return out
        }
        var copy = self
        for i in copy.layers.indices {
            var layer = copy.layers[i]
            layer.q = permuteRows(layer.q, heads: c.headCount, width: c.hiddenSize)
            layer.k = permuteRows(layer.k, heads: c.kvHeadCount, width: c.hiddenSize)
            layer.qBias = layer.qBias.map { permuteRows($0, heads: c.headCount, width: 1) }
            layer.kBias = layer.kBias.map { permuteRows($0, heads: c.kvHeadCount, width: 1) }
            layer.qNorm = layer.qNorm.map { permuteRows($0, heads: 1, width: 1) }
            layer.kNorm = layer.kNorm.map { permuteRows($0, heads: 1, width: 1) }
            copy.layers[i] = layer
        }
        return copy
    }
}
