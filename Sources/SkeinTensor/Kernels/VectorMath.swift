import SkeinKernels

/// Small dense kernels on f32 vectors. Shapes are in the comments; all buffers are row-major.
public enum VectorMath {
    /// Dot product of `a` and `b`, `count` elements each.
    @inlinable
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Float {
        skein_dot_f32(a, b, count)
    }

    /// `y += alpha * x`, `count` elements.
    @inlinable
    public static func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ count: Int) {
        skein_axpy_f32(alpha, x, y, count)
    }

    /// RMSNorm of one row: `out = x / sqrt(mean(x^2) + eps) * weight`, as HF computes it in f32.
    @inlinable
    public static func rmsNorm(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, eps: Float,
                               out: UnsafeMutablePointer<Float>, count: Int) {
        let meanSquare = dot(x, x, count) / Float(count)
        let scale = 1 / (meanSquare + eps).squareRoot()
        for i in 0..<count { out[i] = weight[i] * (x[i] * scale) }
    }

    /// In-place softmax over `count` values; entries equal to -infinity get probability 0
    /// (all of them when every entry is -infinity).
    @inlinable
    public static func softmax(_ x: UnsafeMutablePointer<Float>, _ count: Int) {
        skein_softmax_f32(x, count)
    }

    /// SiLU(gate) * up, elementwise into `gate`.
    @inlinable
    public static func swiglu(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, _ count: Int) {
        skein_silu_mul_f32(gate, up, count)
    }

    /// `scores[j] = scale * dot(query, keys + j * headDim)` for j < count; keys: (count, headDim).
    @inlinable
    public static func attentionScores(_ query: UnsafePointer<Float>, keys: UnsafePointer<Float>, count: Int, headDim: Int,
                                       scale: Float, into scores: UnsafeMutablePointer<Float>) {
        skein_attention_scores(query, keys, count, headDim, scale, scores)
    }

    /// `out += sum_j weights[j] * values[j]` over `count` rows of values: (count, headDim); out: (headDim).
    @inlinable
    public static func attentionValues(_ weights: UnsafePointer<Float>, values: UnsafePointer<Float>, count: Int, headDim: Int,
                                       into out: UnsafeMutablePointer<Float>) {
        skein_attention_values(weights, values, count, headDim, out)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
