import Foundation
import SkeinTensor

/// How a checkpoint pairs the dimensions RoPE rotates together.
public enum RopeLayout: String, Sendable {
    /// Hugging Face `rotate_half`: dimension i pairs with i + rotaryDim/2.
    case rotateHalf
    /// Original Llama / GGUF: dimensions 2i and 2i+1 form a pair.
    case interleaved
}

/// Rotates query and key heads by position: the pair for frequency f at position m turns by m*f.
public struct RotaryEmbedding: Sendable {
    public var frequencies: RopeFrequencies
    public var layout: RopeLayout
    /// Dimensions rotated per head (the rest pass through).
    public var rotaryDim: Int { frequencies.inverseFrequencies.count * 2 }

    public init(frequencies: RopeFrequencies, layout: RopeLayout) {
        self.frequencies = frequencies
        self.layout = layout
    }

    /// cos and sin (times the attention scaling) for one position: (rotaryDim / 2) each.
    ///
    /// Like transformers, the angle is the f32 product position * frequency.
    public func table(position: Int) -> (cos: [Float], sin: [Float]) {
        let scale = Double(frequencies.attentionScaling)
        let p = Float(position)
        var c = [Float](repeating: 0, count: frequencies.inverseFrequencies.count)
        var s = c
        for (i, f) in frequencies.inverseFrequencies.enumerated() {
            let angle = Double(p * f)
            c[i] = Float(Foundation.cos(angle) * scale)
            s[i] = Float(Foundation.sin(angle) * scale)
        }
        return (c, s)
    }

    /// Rotates one head vector (headDim values, the first rotaryDim of which rotate) in place.
    @inlinable
    public func apply(_ x: UnsafeMutablePointer<Float>, cos: UnsafePointer<Float>, sin: UnsafePointer<Float>) {
        apply(x, heads: 1, stride: rotaryDim, cos: cos, sin: sin)
    }

    /// Rotates `heads` head vectors `stride` floats apart in place, all by the same cos/sin
    /// (rotaryDim / 2 each): x: (heads, stride), the first rotaryDim of each head rotate.
    @inlinable
    public func apply(_ x: UnsafeMutablePointer<Float>, heads: Int, stride: Int, cos: UnsafePointer<Float>,
                      sin: UnsafePointer<Float>) {
        VectorMath.rope(x, heads: heads, stride: stride, rotaryDim: rotaryDim, cos: cos, sin: sin,
                        interleaved: layout == .interleaved)
    }
}
