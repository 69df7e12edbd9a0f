// Attention of one query over a contiguous run of cached keys and values (one head): the two
// passes (scores, then values weighted by their softmax) and the online softmax over KV tiles
// that folds both into one walk over the slots.
// keys, values: (count, hd) row-major; q, out: (hd).
#include "SkeinKernels.h"
#include "softmax_steps.h"
#include "summation_order.h"

#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma,f16c")))
#define AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma,f16c")))
#define INLINE inline __attribute__((always_inline))

// ---------------------------------------------------------------------------------------------
// Plain C (and the path for head sizes the vector code does not cover).

static void scores_generic(const float *q, const float *keys, size_t count, size_t hd, float scale, float *scores) {
    for (size_t j = 0; j < count; j++) scores[j] = skein_dot_f32(q, keys + j * hd, hd) * scale;
}

static void values_generic(const float *p, const float *values, size_t count, size_t hd, float *out) {
    for (size_t j = 0; j < count; j++) skein_axpy_f32(p[j], values + j * hd, out, hd);
}

// ---------------------------------------------------------------------------------------------
// AVX2: head sizes that are multiples of 8, up to 256 (the query and the output live in registers).


AVX2 static void scores_avx2(const float *q, const float *keys, size_t count, size_t hd, float scale, float *scores) {
    size_t chunks = hd / 8;
    for (size_t j = 0; j < count; j++) {
        const float *k = keys + j * hd;
        __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
        size_t c = 0;
        for (; c + 2 <= chunks; c += 2) {
            s0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + c * 8), _mm256_loadu_ps(k + c * 8), s0);
            s1 = _mm256_fmadd_ps(_mm256_loadu_ps(q + c * 8 + 8), _mm256_loadu_ps(k + c * 8 + 8), s1);
        }
        if (c < chunks) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + c * 8), _mm256_loadu_ps(k + c * 8), s0);
        scores[j] = skein_hsum8(_mm256_add_ps(s0, s1)) * scale;
    }
}

AVX2 static void values_avx2(const float *p, const float *values, size_t count, size_t hd, float *out) {
    for (size_t c = 0; c < hd; c += 32) {  // 32 output values (four registers) per pass over the rows
        size_t width = hd - c < 32 ? hd - c : 32;
        __m256 acc[4];
        for (size_t r = 0; r < width / 8; r++) acc[r] = _mm256_loadu_ps(out + c + r * 8);
        for (size_t j = 0; j < count; j++) {
            __m256 pj = _mm256_set1_ps(p[j]);
            const float *v = values + j * hd + c;
            for (size_t r = 0; r < width / 8; r++) acc[r] = _mm256_fmadd_ps(pj, _mm256_loadu_ps(v + r * 8), acc[r]);
        }
        for (size_t r = 0; r < width / 8; r++) _mm256_storeu_ps(out + c + r * 8, acc[r]);
    }
}

// ---------------------------------------------------------------------------------------------
// AVX-512: head sizes that are multiples of 16; four keys per step with one transposing reduction.


AVX512 static INLINE void scores_avx512_fixed(const size_t CHUNKS, const float *q, const float *keys, size_t count,
                                              size_t hd, float scale, float *scores) {
    size_t j = 0;
    for (; j + 4 <= count; j += 4) {
        const float *k = keys + j * hd;
        __m512 s[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
        for (size_t c = 0; c < CHUNKS; c++) {
            __m512 qc = _mm512_loadu_ps(q + c * 16);
            for (int r = 0; r < 4; r++) s[r] = _mm512_fmadd_ps(qc, _mm512_loadu_ps(k + r * hd + c * 16), s[r]);
        }
        _mm_storeu_ps(scores + j, _mm_mul_ps(skein_reduce4(s[0], s[1], s[2], s[3]), _mm_set1_ps(scale)));
    }
    for (; j < count; j++) {
        const float *k = keys + j * hd;
        __m512 s = _mm512_setzero_ps();
        for (size_t c = 0; c < CHUNKS; c++) s = _mm512_fmadd_ps(_mm512_loadu_ps(q + c * 16), _mm512_loadu_ps(k + c * 16), s);
        scores[j] = _mm512_reduce_add_ps(s) * scale;
    }
}

AVX512 static void scores_avx512(const float *q, const float *keys, size_t count, size_t hd, float scale, float *scores) {
    switch (hd) {
    case 64: scores_avx512_fixed(4, q, keys, count, hd, scale, scores); break;
    case 128: scores_avx512_fixed(8, q, keys, count, hd, scale, scores); break;
    default: scores_avx512_fixed(hd / 16, q, keys, count, hd, scale, scores); break;
    }
}

AVX512 static INLINE void values_avx512_fixed(const size_t CHUNKS, const float *p, const float *values, size_t count,
                                              size_t hd, float *out) {
    __m512 acc[16];
    for (size_t c = 0; c < CHUNKS; c++) acc[c] = _mm512_loadu_ps(out + c * 16);
    for (size_t j = 0; j < count; j++) {
        __m512 pj = _mm512_set1_ps(p[j]);
        const float *v = values + j * hd;
        for (size_t c = 0; c < CHUNKS; c++) acc[c] = _mm512_fmadd_ps(pj, _mm512_loadu_ps(v + c * 16), acc[c]);
    }
    for (size_t c = 0; c < CHUNKS; c++) _mm512_storeu_ps(out + c * 16, acc[c]);
}

AVX512 static void values_avx512(const float *p, const float *values, size_t count, size_t hd, float *out) {
    switch (hd) {
    case 64: values_avx512_fixed(4, p, values, count, hd, out); break;
    case 128: values_avx512_fixed(8, p, values, count, hd, out); break;
    default: values_avx512_fixed(hd / 16, p, values, count, hd, out); break;
    }
}

// ---------------------------------------------------------------------------------------------
// Online softmax over KV tiles. Per tile: its scores (on the stack), their maximum; if that
// raises the running maximum, sum and acc are rescaled by e^(old - new) (0 while nothing finite
// was seen); then the scores become e^(s - max), added to sum, and weigh the values into acc.
// Tiles start at the run's first slot, so a query's result depends only on its own runs.

/// Most slots a tile holds (its scores live on the stack).
#define MAX_TILE 256

/// Slots per tile: as many as keep a tile's keys and values (2 * slots * hd floats) within 32 KB,
/// the L1 data cache, so every query of a group after the first reads them from there; a multiple
/// of 16 from 16 to MAX_TILE. 64 at hd 64, 32 at hd 128 (measured best, see docs/BENCHMARKS.md).
static inline size_t tile_slots(size_t hd) {
    size_t slots = (4096 / (hd ? hd : 1)) & ~(size_t)15;
    return slots < 16 ? 16 : slots > MAX_TILE ? MAX_TILE : slots;
}

/// The maximum after a tile whose largest score is tile_max; rescales sum and acc (hd) when it grows.
static inline __attribute__((always_inline)) float raise_max(skein_attention_state *state, float tile_max, float *acc,
                                                             size_t hd, void (*scale)(float *, size_t, float)) {
    if (!(tile_max > state->max)) return state->max;
    float c = expf(state->max - tile_max);
    state->sum *= c;
    scale(acc, hd, c);
    state->max = tile_max;
    return tile_max;
}

/// One level's online kernel from its scores, values and softmax steps. Query by query within a
/// tile, so the tile's keys and values come from cache for all but the first query.
#define ONLINE_KERNEL(ATTR, NAME, SCORES, VALUES, MAX, EXP_SUM, SCALE)                                        \
    ATTR static void NAME(const float *q, size_t queries, const float *keys, const float *values, size_t count, \
                          size_t hd, float scale, skein_attention_state *states, float *acc) {                  \
        float s[MAX_TILE];                                                                                      \
        size_t tile = tile_slots(hd);                                                                           \
        for (size_t j = 0; j < count; j += tile) {                                                              \
            size_t n = count - j < tile ? count - j : tile;                                                     \
            for (size_t i = 0; i < queries; i++) {                                                              \
                SCORES(q + i * hd, keys + j * hd, n, hd, scale, s);                                             \
                float m = raise_max(states + i, MAX(s, n), acc + i * hd, hd, SCALE);                            \
                if (m == -INFINITY) continue;  /* every score so far is -infinity: nothing to add */            \
                states[i].sum += EXP_SUM(s, n, m);                                                              \
                VALUES(s, values + j * hd, n, hd, acc + i * hd);                                                \
            }                                                                                                   \
        }                                                                                                       \
    }

ONLINE_KERNEL(, online_generic, scores_generic, values_generic, skein_max_generic, skein_exp_sum_generic, skein_scale_generic)
ONLINE_KERNEL(AVX2, online_avx2, scores_avx2, values_avx2, skein_max_avx2, skein_exp_sum_avx2, skein_scale_avx2)
ONLINE_KERNEL(AVX512, online_avx512, scores_avx512, values_avx512, skein_max_avx512, skein_exp_sum_avx512, skein_scale_avx512)

// ---------------------------------------------------------------------------------------------
// Dispatch.

void skein_attention_scores(const float *q, const float *keys, size_t count, size_t hd, float scale, float *scores) {
    int level = skein_kernel_level();
    if (level >= 3 && hd % 16 == 0 && hd <= 256) scores_avx512(q, keys, count, hd, scale, scores);
    else if (level >= 2 && hd % 8 == 0) scores_avx2(q, keys, count, hd, scale, scores);
    else scores_generic(q, keys, count, hd, scale, scores);
}

void skein_attention_values(const float *p, const float *values, size_t count, size_t hd, float *out) {
    int level = skein_kernel_level();
    if (level >= 3 && hd % 16 == 0 && hd <= 256) values_avx512(p, values, count, hd, out);
    else if (level >= 2 && hd % 8 == 0) values_avx2(p, values, count, hd, out);
    else values_generic(p, values, count, hd, out);
}

void skein_attention_begin(skein_attention_state *states, float *acc, size_t queries, size_t hd) {
    for (size_t i = 0; i < queries; i++) states[i] = (skein_attention_state){.max = -INFINITY, .sum = 0};
    for (size_t d = 0; d < queries * hd; d++) acc[d] = 0;
}

void skein_attention_online(const float *q, size_t queries, const float *keys, const float *values, size_t count,
                            size_t hd, float scale, skein_attention_state *states, float *acc) {
    int level = skein_kernel_level();
    if (level >= 3 && hd % 16 == 0 && hd <= 256) online_avx512(q, queries, keys, values, count, hd, scale, states, acc);
    else if (level >= 2 && hd % 8 == 0) online_avx2(q, queries, keys, values, count, hd, scale, states, acc);
    else online_generic(q, queries, keys, values, count, hd, scale, states, acc);
}

void skein_attention_finish(const skein_attention_state *states, const float *acc, size_t queries, size_t hd, float *out) {
    for (size_t i = 0; i < queries; i++) {
        float inverse = states[i].sum > 0 ? 1 / states[i].sum : 0;
        for (size_t d = 0; d < hd; d++) out[i * hd + d] = acc[i * hd + d] * inverse;
    }
}
