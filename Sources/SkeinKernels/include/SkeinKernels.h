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

#ifdef __cplusplus
}
#endif
#endif
