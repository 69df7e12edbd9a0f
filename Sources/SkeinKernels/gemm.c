// Multi-row products for prefill: y (rows, out) = x (rows, in) · w (out, in)^T (+ bias).
//
// Blocking: the output features are taken in panels of PANEL_ROWS weight rows, and `in` in
// blocks of at most MAX_K_BLOCK. Each (panel, k block) of the weights is converted to f32 once
// (PANEL_ROWS x kb floats, L2-resident) and reused by every token row. A register-blocked tile
// computes MR token rows x NR weight rows as dot products along k (NR * MR vector accumulators),
// reduced and added into y at the end of each k block.
#include "SkeinKernels.h"
#include "half_convert.h"
#include "summation_order.h"

#include <immintrin.h>
#include <stdlib.h>
#include <string.h>

enum { PANEL_ROWS = SKEIN_GEMM_PANEL_ROWS, MAX_K_BLOCK = 1024 };

/// One register tile: c[r * ldc + n] += sum_k a[r * lda + k] * b[n * ldb + k] for r < mr, n < nr.
typedef void (*tile_fn)(const float *a, size_t lda, const float *b, size_t ldb, size_t kc,
                        float *c, size_t ldc, int mr, int nr);

/// Converts `count` weights starting at element `index` to f32.
typedef void (*convert_fn)(const void *w, skein_weight_type type, size_t index, size_t count, float *out);

typedef struct {
    int mr, nr;
    tile_fn tile;
    convert_fn convert;
} gemm_level;

// ---------------------------------------------------------------------------------------------
// Plain C.

static void convert_generic(const void *w, skein_weight_type type, size_t index, size_t count, float *out) {
    switch (type) {
    case SKEIN_WEIGHT_F16:
        for (size_t i = 0; i < count; i++) out[i] = skein_f16_to_f32(((const uint16_t *)w)[index + i]);
        break;
    case SKEIN_WEIGHT_BF16:
        for (size_t i = 0; i < count; i++) out[i] = skein_bf16_to_f32(((const uint16_t *)w)[index + i]);
        break;
    default:
        memcpy(out, (const float *)w + index, count * sizeof(float));
    }
}

static void tile_generic(const float *a, size_t lda, const float *b, size_t ldb, size_t kc,
                         float *c, size_t ldc, int mr, int nr) {
    for (int r = 0; r < mr; r++) {
        for (int n = 0; n < nr; n++) {
            const float *ar = a + r * lda, *bn = b + n * ldb;
            float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            size_t k = 0;
            for (; k + 4 <= kc; k += 4) {
                s0 += ar[k] * bn[k]; s1 += ar[k + 1] * bn[k + 1]; s2 += ar[k + 2] * bn[k + 2]; s3 += ar[k + 3] * bn[k + 3];
            }
            for (; k < kc; k++) s0 += ar[k] * bn[k];
            c[r * ldc + n] += (s0 + s1) + (s2 + s3);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// AVX2 + FMA + F16C: 4 token rows x 2 weight rows, 8 floats per register.

#define AVX2 __attribute__((target("avx2,fma,f16c")))
#define INLINE inline __attribute__((always_inline))

AVX2 static void convert_avx2(const void *w, skein_weight_type type, size_t index, size_t count, float *out) {
    size_t i = 0;
    if (type == SKEIN_WEIGHT_F16) {
        const uint16_t *h = (const uint16_t *)w + index;
        for (; i + 8 <= count; i += 8) _mm256_storeu_ps(out + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(h + i))));
    } else if (type == SKEIN_WEIGHT_BF16) {
        const uint16_t *h = (const uint16_t *)w + index;
        for (; i + 8 <= count; i += 8) {
            __m256i wide = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(h + i)));
            _mm256_storeu_ps(out + i, _mm256_castsi256_ps(_mm256_slli_epi32(wide, 16)));
        }
    }
    convert_generic(w, type, index + i, count - i, out + i);
}


AVX2 static INLINE void tile_avx2_fixed(const int MR, const int NR, const float *a, size_t lda, const float *b, size_t ldb,
                                        size_t kc, float *c, size_t ldc) {
    __m256 acc[4][2];
    for (int r = 0; r < MR; r++)
        for (int n = 0; n < NR; n++) acc[r][n] = _mm256_setzero_ps();
    size_t k = 0;
    for (; k + 8 <= kc; k += 8) {
        __m256 bv[2];
        for (int n = 0; n < NR; n++) bv[n] = _mm256_loadu_ps(b + n * ldb + k);
        for (int r = 0; r < MR; r++) {
            __m256 av = _mm256_loadu_ps(a + r * lda + k);
            for (int n = 0; n < NR; n++) acc[r][n] = _mm256_fmadd_ps(av, bv[n], acc[r][n]);
        }
    }
    for (int r = 0; r < MR; r++) {
        for (int n = 0; n < NR; n++) {
            float s = skein_hsum8(acc[r][n]);
            for (size_t i = k; i < kc; i++) s += a[r * lda + i] * b[n * ldb + i];
            c[r * ldc + n] += s;
        }
    }
}

AVX2 static void tile_avx2(const float *a, size_t lda, const float *b, size_t ldb, size_t kc,
                           float *c, size_t ldc, int mr, int nr) {
#define CASE(M, N) case M * 8 + N: tile_avx2_fixed(M, N, a, lda, b, ldb, kc, c, ldc); break;
    switch (mr * 8 + nr) {
    CASE(4, 2) CASE(3, 2) CASE(2, 2) CASE(1, 2)
    CASE(4, 1) CASE(3, 1) CASE(2, 1) CASE(1, 1)
    default: break;
    }
#undef CASE
}

// ---------------------------------------------------------------------------------------------
// AVX-512: 6 token rows x 4 weight rows, 16 floats per register (24 accumulators).

#define AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma,f16c")))

AVX512 static void convert_avx512(const void *w, skein_weight_type type, size_t index, size_t count, float *out) {
    size_t i = 0;
    if (type == SKEIN_WEIGHT_F16) {
        const uint16_t *h = (const uint16_t *)w + index;
        for (; i + 16 <= count; i += 16) _mm512_storeu_ps(out + i, _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(h + i))));
    } else if (type == SKEIN_WEIGHT_BF16) {
        const uint16_t *h = (const uint16_t *)w + index;
        for (; i + 16 <= count; i += 16) {
            __m512i wide = _mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)(h + i)));
            _mm512_storeu_ps(out + i, _mm512_castsi512_ps(_mm512_slli_epi32(wide, 16)));
        }
    }
    convert_generic(w, type, index + i, count - i, out + i);
}


AVX512 static INLINE void tile_avx512_fixed(const int MR, const int NR, const float *a, size_t lda, const float *b, size_t ldb,
                                            size_t kc, float *c, size_t ldc) {
    __m512 acc[6][4];
    for (int r = 0; r < MR; r++)
        for (int n = 0; n < NR; n++) acc[r][n] = _mm512_setzero_ps();
    size_t k = 0;
    for (; k + 16 <= kc; k += 16) {
        __m512 bv[4];
        for (int n = 0; n < NR; n++) bv[n] = _mm512_loadu_ps(b + n * ldb + k);
        for (int r = 0; r < MR; r++) {
            __m512 av = _mm512_loadu_ps(a + r * lda + k);
            for (int n = 0; n < NR; n++) acc[r][n] = _mm512_fmadd_ps(av, bv[n], acc[r][n]);
        }
    }
    if (k < kc) {  // the last kc % 16 values under a mask
        __mmask16 m = (__mmask16)((1u << (kc - k)) - 1);
        __m512 bv[4];
        for (int n = 0; n < NR; n++) bv[n] = _mm512_maskz_loadu_ps(m, b + n * ldb + k);
        for (int r = 0; r < MR; r++) {
            __m512 av = _mm512_maskz_loadu_ps(m, a + r * lda + k);
            for (int n = 0; n < NR; n++) acc[r][n] = _mm512_fmadd_ps(av, bv[n], acc[r][n]);
        }
    }
    for (int r = 0; r < MR; r++) {
        float *cr = c + r * ldc;
        if (NR == 4) {
            _mm_storeu_ps(cr, _mm_add_ps(_mm_loadu_ps(cr), skein_reduce4(acc[r][0], acc[r][1], acc[r][2], acc[r][3])));
        } else {
            for (int n = 0; n < NR; n++) cr[n] += skein_hsum16(acc[r][n]);  // the same tree as skein_reduce4
        }
    }
}

AVX512 static void tile_avx512(const float *a, size_t lda, const float *b, size_t ldb, size_t kc,
                               float *c, size_t ldc, int mr, int nr) {
#define CASE(M, N) case M * 8 + N: tile_avx512_fixed(M, N, a, lda, b, ldb, kc, c, ldc); break;
    switch (mr * 8 + nr) {
    CASE(6, 4) CASE(5, 4) CASE(4, 4) CASE(3, 4) CASE(2, 4) CASE(1, 4)
    CASE(6, 3) CASE(5, 3) CASE(4, 3) CASE(3, 3) CASE(2, 3) CASE(1, 3)
    CASE(6, 2) CASE(5, 2) CASE(4, 2) CASE(3, 2) CASE(2, 2) CASE(1, 2)
    CASE(6, 1) CASE(5, 1) CASE(4, 1) CASE(3, 1) CASE(2, 1) CASE(1, 1)
    default: break;
    }
#undef CASE
}

// ---------------------------------------------------------------------------------------------
// Driver.

static const gemm_level levels[] = {
    {4, 4, tile_generic, convert_generic},
    {4, 2, tile_avx2, convert_avx2},
    {6, 4, tile_avx512, convert_avx512},
};

/// The calling thread's panel buffer (PANEL_ROWS x MAX_K_BLOCK floats), kept between calls.
static _Thread_local float *panel_buffer;

static float *panel(void) {
    if (!panel_buffer) panel_buffer = aligned_alloc(64, (size_t)PANEL_ROWS * MAX_K_BLOCK * sizeof(float));
    return panel_buffer;
}

void skein_gemm(const float *x, size_t rows, size_t in, const void *w, skein_weight_type type,
                const float *bias, float *y, size_t out, size_t o_begin, size_t o_end) {
    int level = skein_kernel_level();
    const gemm_level *ops = &levels[level >= 3 ? 2 : level >= 2 ? 1 : 0];
    float *p = panel();
    if (!p || o_begin >= o_end || rows == 0) {
        if (!p) skein_linear(x, rows, in, w, type, bias, y, out, o_begin, o_end);
        return;
    }
    size_t kc = skein_k_block(in);  // the blocks the matrix-vector kernels use too

    for (size_t t = 0; t < rows; t++) {
        float *yt = y + t * out;
        for (size_t o = o_begin; o < o_end; o++) yt[o] = bias ? bias[o] : 0;
    }
    for (size_t o0 = o_begin; o0 < o_end; o0 += PANEL_ROWS) {
        size_t nb = o_end - o0 < PANEL_ROWS ? o_end - o0 : PANEL_ROWS;
        for (size_t k0 = 0; k0 < in; k0 += kc) {
            size_t kb = in - k0 < kc ? in - k0 : kc;
            // panel: (nb, kb) f32, weight rows o0..<o0+nb, columns k0..<k0+kb.
            for (size_t j = 0; j < nb; j++) ops->convert(w, type, (o0 + j) * in + k0, kb, p + j * kb);
            for (size_t t0 = 0; t0 < rows; t0 += (size_t)ops->mr) {
                int mr = rows - t0 < (size_t)ops->mr ? (int)(rows - t0) : ops->mr;
                for (size_t j0 = 0; j0 < nb; j0 += (size_t)ops->nr) {
                    int nr = nb - j0 < (size_t)ops->nr ? (int)(nb - j0) : ops->nr;
                    ops->tile(x + t0 * in + k0, in, p + j0 * kb, kb, kb, y + t0 * out + o0 + j0, out, mr, nr);
                }
            }
        }
    }
}
