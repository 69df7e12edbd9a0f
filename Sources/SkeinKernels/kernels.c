#include "SkeinKernels.h"
#include "half_convert.h"
#include "summation_order.h"

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

/// y[t * out + o] for o in o_begin..<o_end: per k block, four partial sums (gemm.c's tile_generic order).
static void linear_generic(const float *x, size_t rows, size_t in, const void *w, skein_weight_type type,
                           const float *bias, float *y, size_t out, size_t o_begin, size_t o_end) {
    size_t kc = skein_k_block(in);
    for (size_t o = o_begin; o < o_end; o++) {
        for (size_t t = 0; t < rows; t++) {
            const float *xt = x + t * in;
            float c = bias ? bias[o] : 0;
            for (size_t k0 = 0; k0 < in; k0 += kc) {
                size_t kb = in - k0 < kc ? in - k0 : kc, k = 0;
                const float *a = xt + k0;
                size_t base = o * in + k0;
                float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
                for (; k + 4 <= kb; k += 4) {
                    s0 += a[k] * weight_at(w, type, base + k); s1 += a[k + 1] * weight_at(w, type, base + k + 1);
                    s2 += a[k + 2] * weight_at(w, type, base + k + 2); s3 += a[k + 3] * weight_at(w, type, base + k + 3);
                }
                for (; k < kb; k++) s0 += a[k] * weight_at(w, type, base + k);
                c += (s0 + s1) + (s2 + s3);
            }
            y[t * out + o] = c;
        }
    }
}

/// Asks for `count` weight rows `stride` elements apart, from element `index` on, ahead of their
/// use: the hardware prefetcher alone leaves the matrix-vector product below memory bandwidth.
static inline void prefetch_rows(const void *w, skein_weight_type type, size_t index, size_t stride, int count) {
    size_t size = type == SKEIN_WEIGHT_F32 ? 4 : 2;
    const char *p = (const char *)w + index * size;
    for (int r = 0; r < count; r++) _mm_prefetch(p + r * stride * size, _MM_HINT_T0);
}

// ---------------------------------------------------------------------------------------------
// AVX2 + FMA + F16C: 8 floats per register.

#define AVX2 __attribute__((target("avx2,fma,f16c")))


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
    float s = skein_hsum8(_mm256_add_ps(s0, s1));
    for (; i < n; i++) s += a[i] * b[i];
    return s;
}

AVX2 static void axpy_avx2(float alpha, const float *x, float *y, size_t n) {
    __m256 a = _mm256_set1_ps(alpha);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_fmadd_ps(a, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
    for (; i < n; i++) y[i] += alpha * x[i];
}

// One weight row against every input row, in the order of summation_order.h (gemm.c's tile_avx2).
AVX2 static void linear_avx2(const float *x, size_t rows, size_t in, const void *w, skein_weight_type type,
                             const float *bias, float *y, size_t out, size_t o_begin, size_t o_end) {
    size_t kc = skein_k_block(in);
    for (size_t o = o_begin; o < o_end; o++) {
        for (size_t t = 0; t < rows; t++) {
            const float *xt = x + t * in;
            float c = bias ? bias[o] : 0;
            for (size_t k0 = 0; k0 < in; k0 += kc) {
                size_t kb = in - k0 < kc ? in - k0 : kc, k = 0, base = o * in + k0;
                const float *a = xt + k0;
                __m256 acc = _mm256_setzero_ps();
                for (; k + 8 <= kb; k += 8) acc = _mm256_fmadd_ps(_mm256_loadu_ps(a + k), load8(w, type, base + k), acc);
                float s = skein_hsum8(acc);
                for (; k < kb; k++) s += a[k] * weight_at(w, type, base + k);
                c += s;
            }
            y[t * out + o] = c;
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

/// 16 weights from `index` on, the first `count` of them (the rest 0).
AVX512 static inline __m512 load16_masked(const void *w, skein_weight_type type, size_t index, __mmask16 m) {
    switch (type) {
    case SKEIN_WEIGHT_F16:
        return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, (const uint16_t *)w + index));
    case SKEIN_WEIGHT_BF16:
        return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(m, (const uint16_t *)w + index)), 16));
    default:
        return _mm512_maskz_loadu_ps(m, (const float *)w + index);
    }
}

/// Weight rows o, o + rs, ..., o + (NR - 1)·rs against input row xt, in the order of
/// summation_order.h (gemm.c's tile_avx512): y = bias, then per k block y += skein_hsum16(16-lane
/// accumulator, last values masked). Each row's sum is the same whichever rows share the call.
/// The rows' next `ahead` elements are prefetched: the hardware prefetcher alone leaves decoding
/// below memory bandwidth.
AVX512 static inline __attribute__((always_inline)) void rows_avx512(const int NR, const float *xt, size_t in, size_t kc,
                                                                     const void *w, skein_weight_type type, const float *bias,
                                                                     float *yt, size_t o, size_t rs, size_t ahead) {
    float c[4];
    for (int j = 0; j < NR; j++) c[j] = bias ? bias[o + j * rs] : 0;
    for (size_t k0 = 0; k0 < in; k0 += kc) {
        size_t kb = in - k0 < kc ? in - k0 : kc, k = 0, base = o * in + k0, stride = rs * in;
        const float *a = xt + k0;
        __m512 acc[4];
        for (int j = 0; j < NR; j++) acc[j] = _mm512_setzero_ps();
        for (; k + 16 <= kb; k += 16) {
            __m512 av = _mm512_loadu_ps(a + k);
            // One request per 64 bytes of each row, `ahead` elements on (0: none).
            if (ahead && (k * (type == SKEIN_WEIGHT_F32 ? 4 : 2)) % 64 == 0) prefetch_rows(w, type, base + ahead + k, stride, NR);
            for (int j = 0; j < NR; j++) acc[j] = _mm512_fmadd_ps(av, load16(w, type, base + j * stride + k), acc[j]);
        }
        if (k < kb) {
            __mmask16 m = (__mmask16)((1u << (kb - k)) - 1);
            __m512 av = _mm512_maskz_loadu_ps(m, a + k);
            for (int j = 0; j < NR; j++) acc[j] = _mm512_fmadd_ps(av, load16_masked(w, type, base + j * stride + k, m), acc[j]);
        }
        for (int j = 0; j < NR; j++) c[j] += skein_hsum16(acc[j]);
    }
    for (int j = 0; j < NR; j++) yt[o + j * rs] = c[j];
}

AVX512 static void linear_avx512(const float *x, size_t rows, size_t in, const void *w, skein_weight_type type,
                                 const float *bias, float *y, size_t out, size_t o_begin, size_t o_end) {
    size_t kc = skein_k_block(in), size = type == SKEIN_WEIGHT_F32 ? 4 : 2, o = o_begin;
    if (rows == 1 && o_end - o_begin >= 64) {
        // One input row (decoding): the range is read as four streams, its quarters side by side,
        // one row of each per step. Four neighbouring rows of a narrow matrix (896 f16 values
        // are 1.75 KiB) share a page or two, and a core reads one stream below memory bandwidth
        // (bandwidth.c). Each stream is prefetched about 4 KiB ahead, in whole rows.
        size_t quarter = (o_end - o_begin) / 4, ahead = in;
        while (ahead * size < 4096) ahead += in;
        for (; o < o_begin + quarter; o++) rows_avx512(4, x, in, kc, w, type, bias, y, o, quarter, ahead);
        o = o_begin + 4 * quarter;
    } else {
        // Four neighbouring weight rows at a time against every input row: they come from memory
        // for the first and from cache for the others. Prefetch at least 8 KiB ahead (whole
        // groups of 4): the next group alone is too close for narrow rows.
        size_t ahead = 4 * in;
        while (ahead * size < 8192) ahead += 4 * in;
        for (; o + 4 <= o_end; o += 4) {
            for (size_t t = 0; t < rows; t++) rows_avx512(4, x + t * in, in, kc, w, type, bias, y + t * out, o, 1, t == 0 ? ahead : 0);
        }
    }
    for (; o < o_end; o++) {
        for (size_t t = 0; t < rows; t++) rows_avx512(1, x + t * in, in, kc, w, type, bias, y + t * out, o, 1, 0);
    }
}

// ---------------------------------------------------------------------------------------------
// Dispatch.

static int detected_level = -1;
/// Per thread, so a test that caps the level does not change what concurrent tests run;
/// `Parallel` hands the caller's level to its workers.
static _Thread_local int active_level = -1;

static int detect(void) {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl")
        && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c")) return 3;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c")) return 2;
    return 0;
}

int skein_kernel_level(void) {
    if (active_level < 0) {
        if (detected_level < 0) detected_level = detect();
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
