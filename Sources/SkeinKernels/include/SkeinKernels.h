// Innermost SIMD kernels, compiled for AVX-512, AVX2+FMA and plain C, chosen at run time.
// Swift cannot compile one function for a CPU feature set and dispatch at run time; these few
// loops are the only C in Skein (see docs/BENCHMARKS.md, "Why a C kernel target").
#ifndef SKEIN_KERNELS_H
#define SKEIN_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Weight element types the linear kernels read.
typedef enum {
    SKEIN_WEIGHT_F32 = 0,
    SKEIN_WEIGHT_F16 = 1,
    SKEIN_WEIGHT_BF16 = 2,
} skein_weight_type;

/// The instruction set the kernels dispatch to: 0 plain C, 2 AVX2+FMA+F16C, 3 AVX-512 (F, BW, VL).
int skein_kernel_level(void);

/// Forces a kernel level no higher than the CPU supports (for tests and benchmarks); returns the level used.
int skein_set_kernel_level(int level);

/// Dot product of two f32 vectors of length n.
float skein_dot_f32(const float *a, const float *b, size_t n);

/// y += alpha * x over n f32 values.
void skein_axpy_f32(float alpha, const float *x, float *y, size_t n);

/// y[t * out + o] = sum_i x[t * in + i] * w[o * in + i] (+ bias[o]) for t < rows, o in [o_begin, o_end).
/// x: (rows, in) f32; w: (out, in) of `type`; y: (rows, out) f32; bias may be NULL.
void skein_linear(const float *x, size_t rows, size_t in, const void *w, skein_weight_type type,
                  const float *bias, float *y, size_t out, size_t o_begin, size_t o_end);

/// Weight rows a GEMM panel holds; split `skein_gemm` work at multiples of this.
#define SKEIN_GEMM_PANEL_ROWS 64

/// The same product as `skein_linear`, blocked for many rows (prefill): weight panels are
/// converted to f32 once and reused by every row; rows are not computed independently of each
/// other's count, so batch-invariant decoding keeps `skein_linear`.
/// x: (rows, in) f32; w: (out, in) of `type`; y: (rows, out) f32; bias may be NULL.
void skein_gemm(const float *x, size_t rows, size_t in, const void *w, skein_weight_type type,
                const float *bias, float *y, size_t out, size_t o_begin, size_t o_end);

/// In-place softmax over n values; if all are -infinity, all become 0.
void skein_softmax_f32(float *x, size_t n);

/// gate[i] = SiLU(gate[i]) * up[i] over n values (SwiGLU).
void skein_silu_mul_f32(float *gate, const float *up, size_t n);

/// scores[j] = scale * dot(q, keys + j * hd) for j < count. q: (hd); keys: (count, hd).
void skein_attention_scores(const float *q, const float *keys, size_t count, size_t hd, float scale, float *scores);
/// Upper bounds of q . k per box of keys: bounds[r] = sum_d max(q_d lo[r][d], q_d hi[r][d]).
/// lo, hi: (count, hd); q: (hd); bounds: (count).
void skein_box_bounds(const float *q, const float *lo, const float *hi, size_t count, size_t hd, float *bounds);

/// out[d] += sum_j p[j] * values[j * hd + d] for d < hd. p: (count); values: (count, hd); out: (hd).
void skein_attention_values(const float *p, const float *values, size_t count, size_t hd, float *out);

/// One query's online-softmax attention over the slots folded in so far: `max` is the largest
/// score seen, `sum` the sum of e^(score - max); the caller's accumulator acc (hd) holds the sum of
/// e^(score - max) * value. Several runs of slots (segments) can be folded into one state.
typedef struct {
    float max;
    float sum;
} skein_attention_state;

/// Starts `queries` online-softmax attentions: max = -infinity, sum = 0, acc (queries, hd) = 0.
void skein_attention_begin(skein_attention_state *states, float *acc, size_t queries, size_t hd);

/// Folds `count` cached slots into the attention of each of `queries` queries (e.g. the query heads
/// that share a KV head), a tile of slots at a time: scores s_j = scale * dot(q, keys + j * hd);
/// when a tile raises a query's maximum, its sum and acc are first rescaled by e^(old max - new max);
/// then sum += e^(s_j - max) and acc += e^(s_j - max) * v_j. Scores of -infinity add nothing. Each
/// query's result is the same whichever queries share the call; sharing reads each tile once.
/// q: (queries, hd); keys, values: (count, hd); states: (queries); acc: (queries, hd).
void skein_attention_online(const float *q, size_t queries, const float *keys, const float *values, size_t count,
                            size_t hd, float scale, skein_attention_state *states, float *acc);

/// out = acc / sum per query, the attention output; all zeros for a query none of whose slots had a
/// finite score (as `skein_softmax_f32` gives every slot probability 0). acc, out: (queries, hd); out may equal acc.
void skein_attention_finish(const skein_attention_state *states, const float *acc, size_t queries, size_t hd, float *out);

/// RMSNorm of `rows` rows of n values, as Hugging Face computes it in f32: per row
/// scale = 1 / sqrt(mean(x^2) + eps), out = weight * (x * scale). x, out: (rows, n), out may equal x; weight: (n).
void skein_rms_norm_f32(const float *x, const float *weight, size_t rows, size_t n, float eps, float *out);

/// How RoPE pairs the rotated dimensions of a head.
typedef enum {
    /// Dimension i pairs with i + rotary_dim / 2 (Hugging Face `rotate_half`).
    SKEIN_ROPE_HALF = 0,
    /// Dimensions 2i and 2i + 1 pair (original Llama, GGUF).
    SKEIN_ROPE_INTERLEAVED = 1,
} skein_rope_layout;

/// Rotates `heads` head vectors in place, `stride` floats apart, by one cos/sin table: pair i, (a, b),
/// becomes (a cos_i - b sin_i, b cos_i + a sin_i) for i < rotary_dim / 2; the dimensions from
/// rotary_dim on pass through. x: (heads, stride); cosines, sines: (rotary_dim / 2).
void skein_rope_f32(float *x, size_t heads, size_t stride, size_t rotary_dim, const float *cosines, const float *sines,
                    skein_rope_layout layout);

/// Reads `count` bytes once, as fast as the memory system allows; returns a checksum so the
/// reads cannot be elided (for measuring bandwidth).
uint64_t skein_stream_read(const void *bytes, size_t count);

#ifdef __cplusplus
}
#endif

#include "SkeinQuantKernels.h"
#endif
