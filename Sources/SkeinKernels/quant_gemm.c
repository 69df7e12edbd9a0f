// Weight rows (decoded groups) times activation rows (quantized groups): int8 products summed
// exactly per group, then scaled and accumulated in f32. Each (weight row, activation row) pair
// runs the same operations in the same order whatever tile it is computed in, so a row's result
// does not depend on the other rows of the call (batch invariance).
#include "quant_internal.h"
#include "summation_order.h"
#include <immintrin.h>

enum { Q4_0 = 2, Q4_1 = 3, Q5_0 = 6, Q5_1 = 7, Q8_0 = 8, Q4_K = 12, Q5_K = 13, Q6_K = 14 };

/// Types whose decoded values can be negative (the others are 0...31 and skip the sign trick).
static int is_signed(uint32_t type) { return type == Q8_0 || type == Q4_0 || type == Q5_0 || type == Q6_K; }

/// Types with a per-group offset (value = scale * q + offset).
static int has_offset(uint32_t type) { return type == Q4_1 || type == Q5_1 || type == Q4_K || type == Q5_K; }

static int detected = -1;

int skq_level(void) {
    int level = skein_kernel_level();
    if (level < 3) return level >= 2 ? 2 : 0;
    if (detected < 0) {
        __builtin_cpu_init();
        detected = __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512dq") ? 3 : 2;
    }
    return detected;
}

/// The operands of one call: weight rows and activation rows in group form.
typedef struct {
    const int8_t *v; const float *sw, *mn;
    const int8_t *xq; const float *dx, *xs; const int32_t *xc;
    size_t padded, groups;
    const float *bias;
    float *y; size_t ldy;
    int is_signed, has_offset;
} operands;

// ---------------------------------------------------------------------------------------------
// Plain C.

static void gemm_generic(const operands *o, size_t wrows, size_t trows) {
    for (size_t r = 0; r < wrows; r++) {
        for (size_t t = 0; t < trows; t++) {
            const int8_t *v = o->v + r * o->padded, *x = o->xq + t * o->padded;
            const float *sw = o->sw + r * o->groups, *dx = o->dx + t * o->groups;
            float acc = 0;
            for (size_t b = 0; b < o->padded / SKEIN_Q_BLOCK; b++) {
                for (int g = 0; g < 8; g++) {
                    int32_t sum = 0;
                    for (int c = 0; c < 4; c++) {
                        for (int j = 0; j < 4; j++) {
                            size_t at = b * SKEIN_Q_BLOCK + c * 32 + g * 4 + j;
                            sum += v[at] * x[at];
                        }
                    }
                    acc += (sw[b * 8 + g] * dx[b * 8 + g]) * (float)sum;
                }
            }
            float offsets = 0;
            if (o->has_offset) {
                const float *mn = o->mn + r * o->groups, *xs = o->xs + t * o->groups;
                for (size_t g = 0; g < o->groups; g++) offsets += mn[g] * xs[g];
            }
            o->y[t * o->ldy + r] = (acc + offsets) + (o->bias ? o->bias[r] : 0);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// AVX2: one 32-byte load holds 4 values of each of a block's 8 groups; vpmaddubsw + vpmaddwd
// sum them per group (|v| <= 128 and |x| <= 127 keep the int16 pairs in range).


SKQ_AVX2 static inline float offsets_avx2(const float *mn, const float *xs, size_t groups) {
    __m256 m = _mm256_setzero_ps();
    for (size_t g = 0; g < groups; g += 8) m = _mm256_fmadd_ps(_mm256_loadu_ps(mn + g), _mm256_loadu_ps(xs + g), m);
    return skein_hsum8(m);
}

SKQ_AVX2 SKQ_INLINE void tile_avx2(const operands *o, size_t r0, size_t t0, const int R, const int T) {
    const __m256i ones = _mm256_set1_epi16(1);
    __m256 acc[4][4];
    for (int r = 0; r < R; r++) for (int t = 0; t < T; t++) acc[r][t] = _mm256_setzero_ps();
    for (size_t b = 0; b < o->padded / SKEIN_Q_BLOCK; b++) {
        __m256i sum[4][4];
        for (int r = 0; r < R; r++) for (int t = 0; t < T; t++) sum[r][t] = _mm256_setzero_si256();
        for (int c = 0; c < 4; c++) {
            size_t at = b * SKEIN_Q_BLOCK + c * 32;
            for (int r = 0; r < R; r++) {
                __m256i w = _mm256_loadu_si256((const __m256i *)(o->v + (r0 + r) * o->padded + at));
                __m256i magnitude = o->is_signed ? _mm256_sign_epi8(w, w) : w;
                for (int t = 0; t < T; t++) {
                    __m256i x = _mm256_loadu_si256((const __m256i *)(o->xq + (t0 + t) * o->padded + at));
                    if (o->is_signed) x = _mm256_sign_epi8(x, w);
                    sum[r][t] = _mm256_add_epi32(sum[r][t], _mm256_madd_epi16(_mm256_maddubs_epi16(magnitude, x), ones));
                }
            }
        }
        for (int r = 0; r < R; r++) {
            __m256 sw = _mm256_loadu_ps(o->sw + (r0 + r) * o->groups + b * 8);
            for (int t = 0; t < T; t++) {
                __m256 scale = _mm256_mul_ps(sw, _mm256_loadu_ps(o->dx + (t0 + t) * o->groups + b * 8));
                acc[r][t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum[r][t]), scale, acc[r][t]);
            }
        }
    }
    for (int r = 0; r < R; r++) {
        for (int t = 0; t < T; t++) {
            float offsets = o->has_offset ? offsets_avx2(o->mn + (r0 + r) * o->groups, o->xs + (t0 + t) * o->groups, o->groups) : 0;
            o->y[(t0 + t) * o->ldy + r0 + r] = (skein_hsum8(acc[r][t]) + offsets) + (o->bias ? o->bias[r0 + r] : 0);
        }
    }
}

#define AVX2_TILE(R, T) SKQ_AVX2 static void tile_avx2_##R##x##T(const operands *o, size_t r0, size_t t0) { tile_avx2(o, r0, t0, R, T); }
AVX2_TILE(1, 1) AVX2_TILE(1, 2) AVX2_TILE(2, 1) AVX2_TILE(2, 2)

SKQ_AVX2 static void gemm_avx2(const operands *o, size_t wrows, size_t trows) {
    // Activation rows outer, as in gemm_avx512 (the weight tile streams past them from L2).
    size_t t0 = 0;
    for (; t0 + 2 <= trows; t0 += 2) {
        size_t r0 = 0;
        for (; r0 + 2 <= wrows; r0 += 2) tile_avx2_2x2(o, r0, t0);
        if (r0 < wrows) tile_avx2_1x2(o, r0, t0);
    }
    if (t0 < trows) {
        size_t r0 = 0;
        for (; r0 + 2 <= wrows; r0 += 2) tile_avx2_2x1(o, r0, t0);
        if (r0 < wrows) tile_avx2_1x1(o, r0, t0);
    }
}

// ---------------------------------------------------------------------------------------------
// AVX-512 VNNI: a block is two 64-byte loads; vpdpbusd sums unsigned weight bytes times signed
// activation bytes in 4-value lanes, lanes 0..7 and 8..15 both cover the block's 8 groups, so one
// int32 vector per block holds the exact group sums; then one convert, multiply and FMA per block.
// Signed weight values are used as v + 128 with the sums starting from the activations' xc (see
// SkeinQuantKernels.h); offsets (value = sw * v + mn) add one FMA of mn and xs per block.
// A block's arithmetic is skq_block_product (quant_internal.h), shared with quant_decode.c's
// fused matrix-vector product.

SKQ_AVX512 SKQ_INLINE void tile_avx512(const operands *o, size_t r0, size_t t0, const int R, const int T, const int SIGNED) {
    __m512 acc[4][4];
    for (int r = 0; r < R; r++) for (int t = 0; t < T; t++) acc[r][t] = _mm512_setzero_ps();
    for (size_t b = 0; b < o->padded / SKEIN_Q_BLOCK; b++) {
        for (int r = 0; r < R; r++) {
            const int8_t *v = o->v + (r0 + r) * o->padded + b * SKEIN_Q_BLOCK;
            __m512i w0 = _mm512_loadu_si512(v), w1 = _mm512_loadu_si512(v + 64);
            if (SIGNED) {
                w0 = skq_bias128(w0);
                w1 = skq_bias128(w1);
            }
            __m512 sw = _mm512_broadcast_f32x8(_mm256_loadu_ps(o->sw + (r0 + r) * o->groups + b * 8));
            __m512 mn = SIGNED ? sw : _mm512_zextps256_ps512(_mm256_loadu_ps(o->mn + (r0 + r) * o->groups + b * 8));
            for (int t = 0; t < T; t++) {
                size_t row = t0 + t;
                acc[r][t] = skq_block_product(acc[r][t], w0, w1, sw, mn, SIGNED, o->xq + row * o->padded, o->dx + row * o->groups,
                                              o->xs + row * o->groups, o->xc + row * (o->padded / 8), b);
            }
        }
    }
    for (int r = 0; r < R; r++) {
        for (int t = 0; t < T; t++) {
            o->y[(t0 + t) * o->ldy + r0 + r] = _mm512_reduce_add_ps(acc[r][t]) + (o->bias ? o->bias[r0 + r] : 0);
        }
    }
}

#define AVX512_TILE(R, T) \
    SKQ_AVX512 static void tile_avx512_##R##x##T(const operands *o, size_t r0, size_t t0) { tile_avx512(o, r0, t0, R, T, 0); } \
    SKQ_AVX512 static void signed_tile_avx512_##R##x##T(const operands *o, size_t r0, size_t t0) { tile_avx512(o, r0, t0, R, T, 1); }
AVX512_TILE(1, 1) AVX512_TILE(1, 4) AVX512_TILE(2, 1) AVX512_TILE(2, 4) AVX512_TILE(4, 1) AVX512_TILE(4, 4)

// Activation rows outer, weight rows inner: the 4 activation rows of a step stay in L1 while the
// decoded weight tile (sized for L2) streams past them; the other order re-read every activation
// row from L3 for each 4 weight rows.
#define AVX512_GEMM(PREFIX) \
    SKQ_AVX512 static void PREFIX##gemm_avx512(const operands *o, size_t wrows, size_t trows) { \
        size_t t0 = 0; \
        for (; t0 + 4 <= trows; t0 += 4) { \
            size_t r0 = 0; \
            for (; r0 + 4 <= wrows; r0 += 4) PREFIX##tile_avx512_4x4(o, r0, t0); \
            for (; r0 + 2 <= wrows; r0 += 2) PREFIX##tile_avx512_2x4(o, r0, t0); \
            for (; r0 < wrows; r0++) PREFIX##tile_avx512_1x4(o, r0, t0); \
        } \
        for (; t0 < trows; t0++) { \
            size_t r0 = 0; \
            for (; r0 + 4 <= wrows; r0 += 4) PREFIX##tile_avx512_4x1(o, r0, t0); \
            for (; r0 + 2 <= wrows; r0 += 2) PREFIX##tile_avx512_2x1(o, r0, t0); \
            for (; r0 < wrows; r0++) PREFIX##tile_avx512_1x1(o, r0, t0); \
        } \
    }
AVX512_GEMM() AVX512_GEMM(signed_)

// ---------------------------------------------------------------------------------------------

void skein_q_gemm(uint32_t type, const int8_t *v, const float *sw, const float *mn, size_t wrows,
                  const int8_t *xq, const float *dx, const float *xs, const int32_t *xc, size_t trows, size_t k,
                  const float *bias, float *y, size_t ldy) {
    size_t padded = skein_q_padded(k);
    operands o = {v, sw, mn, xq, dx, xs, xc, padded, padded / SKEIN_Q_GROUP, bias, y, ldy, is_signed(type), has_offset(type)};
    switch (skq_level()) {
    case 3: o.is_signed ? signed_gemm_avx512(&o, wrows, trows) : gemm_avx512(&o, wrows, trows); break;
    case 2: gemm_avx2(&o, wrows, trows); break;
    default: gemm_generic(&o, wrows, trows); break;
    }
}
