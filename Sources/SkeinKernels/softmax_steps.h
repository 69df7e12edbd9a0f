// The steps of a softmax over f32 values at each kernel level (internal, not exported): the
// maximum, e^(x - shift) in place with its sum, and a scaling. Shared by the softmax
// (activations.c) and the online-softmax attention (attention.c).
#ifndef SKEIN_SOFTMAX_STEPS_H
#define SKEIN_SOFTMAX_STEPS_H

#include "vector_exp.h"

#include <math.h>
#include <stddef.h>

#define SKEIN_AVX2 __attribute__((target("avx2,fma,f16c")))
#define SKEIN_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma,f16c")))

// ---------------------------------------------------------------------------------------------
// Plain C.

static inline float skein_max_generic(const float *x, size_t n) {
    float m = -INFINITY;
    for (size_t i = 0; i < n; i++) if (x[i] > m) m = x[i];
    return m;
}

static inline void skein_scale_generic(float *x, size_t n, float s) {
    for (size_t i = 0; i < n; i++) x[i] *= s;
}

static inline float skein_exp_sum_generic(float *x, size_t n, float shift) {
    float sum = 0;
    for (size_t i = 0; i < n; i++) { x[i] = expf(x[i] - shift); sum += x[i]; }
    return sum;
}

// ---------------------------------------------------------------------------------------------
// AVX2: 8 lanes, scalar tails.

SKEIN_AVX2 static inline float skein_max_avx2(const float *x, size_t n) {
    __m256 m = _mm256_set1_ps(-INFINITY);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) m = _mm256_max_ps(m, _mm256_loadu_ps(x + i));
    float lanes[8], r = -INFINITY;
    _mm256_storeu_ps(lanes, m);
    for (int j = 0; j < 8; j++) if (lanes[j] > r) r = lanes[j];
    for (; i < n; i++) if (x[i] > r) r = x[i];
    return r;
}

SKEIN_AVX2 static inline float skein_exp_sum_avx2(float *x, size_t n, float shift) {
    __m256 s = _mm256_setzero_ps(), sh = _mm256_set1_ps(shift);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 e = skein_exp256(_mm256_sub_ps(_mm256_loadu_ps(x + i), sh));
        _mm256_storeu_ps(x + i, e);
        s = _mm256_add_ps(s, e);
    }
    float lanes[8], sum = 0;
    _mm256_storeu_ps(lanes, s);
    for (int j = 0; j < 8; j++) sum += lanes[j];
    return sum + skein_exp_sum_generic(x + i, n - i, shift);
}

SKEIN_AVX2 static inline void skein_scale_avx2(float *x, size_t n, float s) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), _mm256_set1_ps(s)));
    skein_scale_generic(x + i, n - i, s);
}

// ---------------------------------------------------------------------------------------------
// AVX-512: 16 lanes, masked tails.

SKEIN_AVX512 static inline float skein_max_avx512(const float *x, size_t n) {
    __m512 m = _mm512_set1_ps(-INFINITY);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) m = _mm512_max_ps(m, _mm512_loadu_ps(x + i));
    if (i < n) {
        __mmask16 k = (__mmask16)((1u << (n - i)) - 1);
        m = _mm512_mask_max_ps(m, k, m, _mm512_maskz_loadu_ps(k, x + i));
    }
    return _mm512_reduce_max_ps(m);
}

SKEIN_AVX512 static inline float skein_exp_sum_avx512(float *x, size_t n, float shift) {
    __m512 s = _mm512_setzero_ps(), sh = _mm512_set1_ps(shift);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 e = skein_exp512(_mm512_sub_ps(_mm512_loadu_ps(x + i), sh));
        _mm512_storeu_ps(x + i, e);
        s = _mm512_add_ps(s, e);
    }
    if (i < n) {
        __mmask16 k = (__mmask16)((1u << (n - i)) - 1);
        __m512 e = _mm512_maskz_mov_ps(k, skein_exp512(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, x + i), sh)));
        _mm512_mask_storeu_ps(x + i, k, e);
        s = _mm512_add_ps(s, e);
    }
    return _mm512_reduce_add_ps(s);
}

SKEIN_AVX512 static inline void skein_scale_avx512(float *x, size_t n, float s) {
    size_t i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(x + i, _mm512_mul_ps(_mm512_loadu_ps(x + i), _mm512_set1_ps(s)));
    skein_scale_generic(x + i, n - i, s);
}

#endif
