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
        func order(heads: Int) -> [Int] {
            (0..<heads).flatMap { h in source.map { h * c.headDim + $0 } }
        }
        func permute(_ values: [Float], heads: Int) -> [Float] { order(heads: heads).map { values[$0] } }
        var copy = self
        for i in copy.layers.indices {
            var layer = copy.layers[i]
            layer.q = layer.q.permutingRows(order(heads: c.headCount))
            layer.k = layer.k.permutingRows(order(heads: c.kvHeadCount))
            layer.qBias = layer.qBias.map { permute($0, heads: c.headCount) }
            layer.kBias = layer.kBias.map { permute($0, heads: c.kvHeadCount) }
            layer.qNorm = layer.qNorm.map { permute($0, heads: 1) }
            layer.kNorm = layer.kNorm.map { permute($0, heads: 1) }
            copy.layers[i] = layer
        }
        return copy
    }
}
