#include "SkeinKernels.h"
#include "half_convert.h"

#include <immintrin.h>
#include <string.h>

// ---------------------------------------------------------------------------------------------
// Plain C: the reference the SIMD versions are tested against, and the path for older CPUs.

static inline float f16_to_f32(uint16_t h) { return skein_f16_to_f32(h); }
static inline float bf16_to_f32(uint16_t h) { return skein_bf16_to_f32(h); }

static inline float weight_at(const void *w, skein_weight_type type, size_t index) {
    switch (type) {
    case SKEIN_WEIGHT_F16: return f16_to_f32(((const uint16_t *)w)[index]);
    case SKEIN_WEIGHT_BF16: return bf16_to_f32(((const uint16_t *)w)[index]);
    default: return ((const float *)w)[index];
    }
}

static float dot_generic(const float *a, const float *b, size_t n) {
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        s0 += a[i] * b[i]; s1 += a[i + 1] * b[i + 1]; s2 += a[i + 2] * b[i + 2]; s3 += a[i + 3] * b[i + 3];
    }
    for (; i < n; i++) s0 += a[i] * b[i];
    return (s0 + s1) + (s2 + s3);
}

static void axpy_generic(float alpha, const float *x, float *y, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] += alpha * x[i];
}

static void linear_generic(const float *x, size_t rows, size_t in, const void *w, skein_weight_type type,
                           const float *bias, float *y, size_t out, size_t o_begin, size_t o_end) {
    for (size_t o = o_begin; o < o_end; o++) {
        for (size_t t = 0; t < rows; t++) {
            float s = 0;
            for (size_t i = 0; i < in; i++) s += x[t * in + i] * weight_at(w, type, o * in + i);
            y[t * out + o] = s + (bias ? bias[o] : 0);
        }
    }
}

/// Asks for `count` weight rows `in` apart, from element `index` on, ahead of their use: the
/// hardware prefetcher alone leaves the matrix-vector product below memory bandwidth.
static inline void prefetch_rows(const void *w, skein_weight_type type, size_t index, size_t in, int count) {
    size_t size = type == SKEIN_WEIGHT_F32 ? 4 : 2;
    const char *p = (const char *)w + index * size;
    for (int r = 0; r < count; r++) _mm_prefetch(p + r * in * size, _MM_HINT_T0);
}

// ---------------------------------------------------------------------------------------------
// AVX2 + FMA + F16C: 8 floats per register.

#define AVX2 __attribute__((target("avx2,fma,f16c")))

AVX2 static inline float hsum256(__m256 v) {
    __m128 lo = _mm256_castps256_ps128(v), hi = _mm256_extractf128_ps(v, 1);
    lo = _mm_add_ps(lo, hi);
    lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
    lo = _mm_add_ss(lo, _mm_movehdup_ps(lo));
    return _mm_cvtss_f32(lo);
}

AVX2 static inline __m256 load8(const void *w, skein_weight_type type, size_t index) {
    switch (type) {
    case SKEIN_WEIGHT_F16:
        return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)((const uint16_t *)w + index)));
    case SKEIN_WEIGHT_BF16:
        return _mm256_castsi256_ps(_mm256_slli_epi32(
            _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)((const uint16_t *)w + index))), 16));
    default:
        return _mm256_loadu_ps((const float *)w + index);
    }
}

AVX2 static float dot_avx2(const float *a, const float *b, size_t n) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
    }
    for (; i + 8 <= n; i += 8) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    float s = hsum256(_mm256_add_ps(s0, s1));
    for (; i < n; i++) s += a[i] * b[i];
    return s;
}

AVX2 static void axpy_avx2(float alpha, const float *x, float *y, size_t n) {
    __m256 a = _mm256_set1_ps(alpha);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_fmadd_ps(a, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
    for (; i < n; i++) y[i] += alpha * x[i];
}

// Four input rows against one weight row: the weight row is read once for four dot products.
AVX2 static void linear_avx2(const float *x, size_t rows, size_t in, const void *w, skein_weight_type type,
                             const float *bias, float *y, size_t out, size_t o_begin, size_t o_end) {
    size_t tail = in & ~(size_t)7;
    for (size_t o = o_begin; o < o_end; o++) {
        size_t base = o * in;
        float b = bias ? bias[o] : 0;
        size_t t = 0;
        for (; t + 4 <= rows; t += 4) {
            const float *x0 = x + t * in, *x1 = x0 + in, *x2 = x1 + in, *x3 = x2 + in;
            __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
            for (size_t i = 0; i < tail; i += 8) {
                __m256 wv = load8(w, type, base + i);
                s0 = _mm256_fmadd_ps(wv, _mm256_loadu_ps(x0 + i), s0);
                s1 = _mm256_fmadd_ps(wv, _mm256_loadu_ps(x1 + i), s1);
                s2 = _mm256_fmadd_ps(wv, _mm256_loadu_ps(x2 + i), s2);
                s3 = _mm256_fmadd_ps(wv, _mm256_loadu_ps(x3 + i), s3);
            }
            float r0 = hsum256(s0), r1 = hsum256(s1), r2 = hsum256(s2), r3 = hsum256(s3);
            for (size_t i = tail; i < in; i++) {
                float wi = weight_at(w, type, base + i);
                r0 += wi * x0[i]; r1 += wi * x1[i]; r2 += wi * x2[i]; r3 += wi * x3[i];
            }
            y[t * out + o] = r0 + b;
            y[(t + 1) * out + o] = r1 + b;
            y[(t + 2) * out + o] = r2 + b;
            y[(t + 3) * out + o] = r3 + b;
        }
        for (; t < rows; t++) {
            const float *xt = x + t * in;
            // The same order of operations as the four-row block (batch-invariant decoding).
            __m256 s0 = _mm256_setzero_ps();
            for (size_t i = 0; i < tail; i += 8) s0 = _mm256_fmadd_ps(load8(w, type, base + i), _mm256_loadu_ps(xt + i), s0);
            float r = hsum256(s0);
            for (size_t i = tail; i < in; i++) r += weight_at(w, type, base + i) * xt[i];
            y[t * out + o] = r + b;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// AVX-512: 16 floats per register.

#define AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma,f16c")))

AVX512 static inline __m512 load16(const void *w, skein_weight_type type, size_t index) {
    switch (type) {
    case SKEIN_WEIGHT_F16:
        return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)((const uint16_t *)w + index)));
    case SKEIN_WEIGHT_BF16:
        return _mm512_castsi512_ps(_mm512_slli_epi32(
            _mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)((const uint16_t *)w + index))), 16));
    default:
        return _mm512_loadu_ps((const float *)w + index);
    }
}

AVX512 static float dot_avx512(const float *a, const float *b, size_t n) {
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
        s1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), s1);
    }
    for (; i + 16 <= n; i += 16) s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
    float s = _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
    for (; i < n; i++) s += a[i] * b[i];
    return s;
}

AVX512 static void axpy_avx512(float alpha, const float *x, float *y, size_t n) {
    __m512 a = _mm512_set1_ps(alpha);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, _mm512_fmadd_ps(a, _mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i)));
    for (; i < n; i++) y[i] += alpha * x[i];
}

AVX512 static void linear_avx512(const float *x, size_t rows, size_t in, const void *w, skein_weight_type type,
                                 const float *bias, float *y, size_t out, size_t o_begin, size_t o_end) {
    size_t tail = in & ~(size_t)15;
    for (size_t o = o_begin; o < o_end; o++) {
        size_t base = o * in;
        float b = bias ? bias[o] : 0;
        size_t t = 0;
        for (; t + 4 <= rows; t += 4) {
            const float *x0 = x + t * in, *x1 = x0 + in, *x2 = x1 + in, *x3 = x2 + in;
            __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps(), s2 = _mm512_setzero_ps(), s3 = _mm512_setzero_ps();
            for (size_t i = 0; i < tail; i += 16) {
                if (t == 0) prefetch_rows(w, type, base + in + i, in, 1);
                __m512 wv = load16(w, type, base + i);
                s0 = _mm512_fmadd_ps(wv, _mm512_loadu_ps(x0 + i), s0);
                s1 = _mm512_fmadd_ps(wv, _mm512_loadu_ps(x1 + i), s1);
                s2 = _mm512_fmadd_ps(wv, _mm512_loadu_ps(x2 + i), s2);
                s3 = _mm512_fmadd_ps(wv, _mm512_loadu_ps(x3 + i), s3);
            }
            float r0 = _mm512_reduce_add_ps(s0), r1 = _mm512_reduce_add_ps(s1), r2 = _mm512_reduce_add_ps(s2), r3 = _mm512_reduce_add_ps(s3);
            for (size_t i = tail; i < in; i++) {
                float wi = weight_at(w, type, base + i);
                r0 += wi * x0[i]; r1 += wi * x1[i]; r2 += wi * x2[i]; r3 += wi * x3[i];
            }
            y[t * out + o] = r0 + b;
            y[(t + 1) * out + o] = r1 + b;
            y[(t + 2) * out + o] = r2 + b;
            y[(t + 3) * out + o] = r3 + b;
        }
    }
    // The rows % 4 remaining rows (all rows when decoding one token): four weight rows at a time,
    // one accumulator chain each, in the same order of operations as the four-row block above,
    // so a row's result does not depend on which other rows share the call (batch-invariant decoding).
    for (size_t t = rows & ~(size_t)3; t < rows; t++) {
        const float *xt = x + t * in;
        size_t o = o_begin;
        for (; o + 4 <= o_end; o += 4) {
            size_t b0 = o * in, b1 = b0 + in, b2 = b1 + in, b3 = b2 + in;
            __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps(), s2 = _mm512_setzero_ps(), s3 = _mm512_setzero_ps();
            for (size_t i = 0; i < tail; i += 16) {
                __m512 xv = _mm512_loadu_ps(xt + i);
                prefetch_rows(w, type, b0 + 4 * in + i, in, 4);
                s0 = _mm512_fmadd_ps(load16(w, type, b0 + i), xv, s0);
                s1 = _mm512_fmadd_ps(load16(w, type, b1 + i), xv, s1);
                s2 = _mm512_fmadd_ps(load16(w, type, b2 + i), xv, s2);
                s3 = _mm512_fmadd_ps(load16(w, type, b3 + i), xv, s3);
            }
            float r[4] = {_mm512_reduce_add_ps(s0), _mm512_reduce_add_ps(s1), _mm512_reduce_add_ps(s2), _mm512_reduce_add_ps(s3)};
            for (int j = 0; j < 4; j++) {
                for (size_t i = tail; i < in; i++) r[j] += weight_at(w, type, b0 + j * in + i) * xt[i];
                y[t * out + o + j] = r[j] + (bias ? bias[o + j] : 0);
            }
        }
        for (; o < o_end; o++) {
            size_t base = o * in;
            __m512 s0 = _mm512_setzero_ps();
            for (size_t i = 0; i < tail; i += 16) s0 = _mm512_fmadd_ps(load16(w, type, base + i), _mm512_loadu_ps(xt + i), s0);
            float r = _mm512_reduce_add_ps(s0);
            for (size_t i = tail; i < in; i++) r += weight_at(w, type, base + i) * xt[i];
            y[t * out + o] = r + (bias ? bias[o] : 0);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Dispatch.

static int detected_level = -1;
static int active_level = -1;

static int detect(void) {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl")
        && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c")) return 3;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c")) return 2;
    return 0;
}

int skein_kernel_level(void) {
    if (active_level < 0) {
        detected_level = detect();
        active_level = detected_level;
    }
    return active_level;
}

int skein_set_kernel_level(int level) {
    skein_kernel_level();
    active_level = level < detected_level ? (level >= 3 ? 3 : level >= 2 ? 2 : 0) : detected_level;
    return active_level;
}

float skein_dot_f32(const float *a, const float *b, size_t n) {
    switch (skein_kernel_level()) {
    case 3: return dot_avx512(a, b, n);
    case 2: return dot_avx2(a, b, n);
    default: return dot_generic(a, b, n);
    }
}

void skein_axpy_f32(float alpha, const float *x, float *y, size_t n) {
    switch (skein_kernel_level()) {
    case 3: axpy_avx512(alpha, x, y, n); break;
    case 2: axpy_avx2(alpha, x, y, n); break;
    default: axpy_generic(alpha, x, y, n); break;
    }
}

void skein_linear(const float *x, size_t rows, size_t in, const void *w, skein_weight_type type,
                  const float *bias, float *y, size_t out, size_t o_begin, size_t o_end) {
    switch (skein_kernel_level()) {
    case 3: linear_avx512(x, rows, in, w, type, bias, y, out, o_begin, o_end); break;
    case 2: linear_avx2(x, rows, in, w, type, bias, y, out, o_begin, o_end); break;
    default: linear_generic(x, rows, in, w, type, bias, y, out, o_begin, o_end); break;
    }
}
