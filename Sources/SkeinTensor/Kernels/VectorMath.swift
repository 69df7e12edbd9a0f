import Foundation
import SkeinKernels

/// Small dense kernels on f32 vectors. Shapes are in the comments; all buffers are row-major.
public enum VectorMath {
    /// Dot product of `a` and `b`, `count` elements each.
    @inlinable
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Float {
        skein_dot_f32(a, b, count)
    }

    /// Upper bounds of q . k over `count` boxes of keys (per-channel minima and maxima):
    /// bounds[r] = sum_d max(q_d lo[r][d], q_d hi[r][d]). lo, hi: (count, headDim); bounds: (count).
    @inlinable
    public static func boxBounds(_ query: UnsafePointer<Float>, minimum: UnsafePointer<Float>, maximum: UnsafePointer<Float>,
                                 count: Int, headDim: Int, into bounds: UnsafeMutablePointer<Float>) {
        skein_box_bounds(query, minimum, maximum, count, headDim, bounds)
    }

    /// `y += alpha * x`, `count` elements.
    @inlinable
    public static func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ count: Int) {
        skein_axpy_f32(alpha, x, y, count)
    }

    /// RMSNorm of `rows` rows of `count` values, as HF computes it in f32: per row
    /// `out = weight * (x * scale)` with `scale = 1 / sqrt(mean(x^2) + eps)`.
    /// x, out: (rows, count), out may equal x; weight: (count).
    @inlinable
    public static func rmsNorm(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, eps: Float,
                               out: UnsafeMutablePointer<Float>, count: Int, rows: Int = 1) {
        skein_rms_norm_f32(x, weight, rows, count, eps, out)
    }

    /// Rotates `heads` head vectors `stride` floats apart in place by one cos/sin table (RoPE):
    /// pair i, (a, b), becomes (a cos_i - b sin_i, b cos_i + a sin_i) for i < rotaryDim / 2, where
    /// pairs are (i, i + rotaryDim / 2) or, `interleaved`, (2i, 2i + 1); the rest pass through.
    /// x: (heads, stride); cos, sin: (rotaryDim / 2).
    @inlinable
    public static func rope(_ x: UnsafeMutablePointer<Float>, heads: Int, stride: Int, rotaryDim: Int,
                            cos: UnsafePointer<Float>, sin: UnsafePointer<Float>, interleaved: Bool) {
        skein_rope_f32(x, heads, stride, rotaryDim, cos, sin, interleaved ? SKEIN_ROPE_INTERLEAVED : SKEIN_ROPE_HALF)
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

    /// gelu_tanh(gate) * up, elementwise into `gate` (GeGLU with the tanh approximation of GELU,
    /// transformers' `gelu_pytorch_tanh`).
    public static func geglu(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, _ count: Int) {
        let root2OverPi: Float = 0.7978845608028654
        for i in 0..<count {
            let g = gate[i]
            gate[i] = 0.5 * g * (1 + Foundation.tanh(root2OverPi * (g + 0.044715 * g * g * g))) * up[i]
        }
    }

    /// x = cap * tanh(x / cap) for `count` values (Gemma 2's logit soft-capping).
    public static func softcap(_ x: UnsafeMutablePointer<Float>, _ count: Int, cap: Float) {
        for i in 0..<count { x[i] = cap * Foundation.tanh(x[i] / cap) }
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

    /// Starts `queries` online-softmax attentions: no score seen, accumulators (queries, headDim) zero.
    @inlinable
    public static func beginAttention(states: UnsafeMutablePointer<AttentionState>, accumulators: UnsafeMutablePointer<Float>,
                                      queries: Int, headDim: Int) {
        skein_attention_begin(states, accumulators, queries, headDim)
    }

    /// Folds `count` cached slots into each query's online-softmax attention, a KV tile at a time
    /// (scores `scale * dot(query, key)`; -infinity adds nothing). Several runs of slots fold into
    /// one state; a query's result does not depend on the others in the call.
    /// queries: (queries, headDim); keys, values: (count, headDim); states: (queries); accumulators: (queries, headDim).
    @inlinable
    public static func attendOnline(_ query: UnsafePointer<Float>, queries: Int, keys: UnsafePointer<Float>,
                                    values: UnsafePointer<Float>, count: Int, headDim: Int, scale: Float,
                                    states: UnsafeMutablePointer<AttentionState>, accumulators: UnsafeMutablePointer<Float>) {
        skein_attention_online(query, queries, keys, values, count, headDim, scale, states, accumulators)
    }

    /// `out = accumulator / sum` per query: the attention output, zeros for a query that saw no
    /// finite score. accumulators, out: (queries, headDim); out may equal accumulators.
    @inlinable
    public static func finishAttention(states: UnsafePointer<AttentionState>, accumulators: UnsafePointer<Float>,
                                       queries: Int, headDim: Int, into out: UnsafeMutablePointer<Float>) {
        skein_attention_finish(states, accumulators, queries, headDim, out)
    }
}

/// The running state of one query's online-softmax attention: `max`, the largest score so far, and
/// `sum`, the sum of e^(score - max); see `VectorMath.attendOnline`.
public typealias AttentionState = skein_attention_state

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
