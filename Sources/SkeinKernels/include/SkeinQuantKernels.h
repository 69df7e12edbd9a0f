// Products of GGML block-quantized weights with f32 activations, through int8 dot products.
//
// Both operands are brought to one "group" form before they meet:
//   - weights: every 16 consecutive values of a row are int8 `v` with one f32 scale `sw` and one
//     f32 offset `mn` (value = sw * v + mn); `skein_q_decode` produces this from any GGML block type;
//   - activations: every 16 consecutive values of a row are int8 `xq` (|xq| <= 127) with one f32
//     scale `dx` (value ~= dx * xq) and `xs = dx * sum(xq)`; `skein_q_quantize` produces this, and
//     `xc`, the integer correction of the AVX-512 kernels (below).
// The product of a weight row and an activation row is then
//   sum over groups g of (sw[g] * dx[g]) * (integer sum of v * xq in g)  +  sum over g of mn[g] * xs[g].
//
// Rows are padded with zeros to a multiple of SKEIN_Q_BLOCK values. Inside each block of 128 values
// the int8 bytes are stored interleaved so that one 32-byte load covers 4 values of each of the
// block's 8 groups: value e of the block (group e / 16) is at byte
//   ((e % 16) / 4) * 32 + (e / 16) * 4 + e % 4.
// Scales are stored in plain group order. The layout is the same at every kernel level.
//
// The AVX-512 VNNI kernels multiply unsigned by signed bytes (vpdpbusd): signed weight values v are
// used as v + 128, and the sums start from xc = -128 * (sum of the activation bytes each 32-bit lane
// meets), which makes them exact. Lane j (0..<16) of block b meets bytes 4j..4j+3 and 64+4j..64+4j+3.
#ifndef SKEIN_QUANT_KERNELS_H
#define SKEIN_QUANT_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Values per group (one weight scale and one activation scale).
#define SKEIN_Q_GROUP 16
/// Values per interleaved block; rows are padded to a multiple of this.
#define SKEIN_Q_BLOCK 128

/// `k` rounded up to a whole number of blocks (the int8 row length; the group count is this / 16).
size_t skein_q_padded(size_t k);

/// Whether `ggml_type` (the GGUF type id) can be decoded: Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K.
int skein_q_supports(uint32_t ggml_type);

/// Quantizes `rows` f32 rows of length `k` to the activation form.
/// x: (rows, k); xq: (rows, padded) int8; dx, xs: (rows, padded / 16) f32; xc: (rows, padded / 8) int32.
void skein_q_quantize(const float *x, size_t rows, size_t k, int8_t *xq, float *dx, float *xs, int32_t *xc);

/// Decodes `rows` rows of GGML blocks (each `k` values, rows contiguous) to the weight form.
/// w: rows * (k / block size * block bytes) bytes; v: (rows, padded) int8; sw, mn: (rows, padded / 16).
/// Returns 0, or -1 for an unsupported type or a `k` that is not a whole number of blocks.
int skein_q_decode(uint32_t ggml_type, const uint8_t *w, size_t rows, size_t k, int8_t *v, float *sw, float *mn);

/// y[t * ldy + r] = (product of weight row r and activation row t) + bias[r], for r < wrows, t < trows.
/// The weight rows come from `skein_q_decode(ggml_type, ...)`, the activation rows from
/// `skein_q_quantize`, both with row length `k`. bias may be NULL. A pair's result does not depend
/// on wrows or trows (each pair is computed with the same operations in the same order).
void skein_q_gemm(uint32_t ggml_type, const int8_t *v, const float *sw, const float *mn, size_t wrows,
                  const int8_t *xq, const float *dx, const float *xs, const int32_t *xc, size_t trows, size_t k,
                  const float *bias, float *y, size_t ldy);

/// 1 when skein_q_matvec runs for this type, row length and activation row count on this CPU.
int skein_q_matvec_supported(uint32_t ggml_type, size_t k, size_t trows);

/// y[t * ldy + r] for r < wrows and t < trows (1 to 4), like skein_q_gemm after skein_q_decode of
/// the same rows, with the same bits, but decoding each piece of the weights in registers (the
/// matrix-vector product of decoding). Returns 0, or -1 (nothing done) for an unsupported type,
/// shape or row count, or on a CPU without AVX-512 VNNI: then use skein_q_decode + skein_q_gemm.
int skein_q_matvec(uint32_t ggml_type, const uint8_t *w, size_t wrows, size_t k, const int8_t *xq, const float *dx,
                   const float *xs, const int32_t *xc, size_t trows, const float *bias, float *y, size_t ldy);

#ifdef __cplusplus
}
#endif
#endif
