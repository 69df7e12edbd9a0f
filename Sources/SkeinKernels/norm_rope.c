// RMSNorm over rows and RoPE over heads, f32 in place or out of place.
#include "SkeinKernels.h"
#include "summation_order.h"

#include <immintrin.h>
#include <math.h>

#define AVX2 __attribute__((target("avx2,fma,f16c")))
#define AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma,f16c")))

/// 1 / sqrt(mean + eps) from a row's sum of squares, as Hugging Face: mean in f32, then rsqrt.
static inline float rms_scale(float sum_squares, size_t n, float eps) {
    return 1 / sqrtf(sum_squares / (float)n + eps);
}

// ---------------------------------------------------------------------------------------------
// Plain C.

static void rms_norm_generic(const float *x, const float *w, size_t n, float eps, float *out) {
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        s0 += x[i] * x[i]; s1 += x[i + 1] * x[i + 1]; s2 += x[i + 2] * x[i + 2]; s3 += x[i + 3] * x[i + 3];
    }
    for (; i < n; i++) s0 += x[i] * x[i];
    float scale = rms_scale((s0 + s1) + (s2 + s3), n, eps);
    for (i = 0; i < n; i++) out[i] = w[i] * (x[i] * scale);
}

/// Pairs (x[i], x[i + half]) for i in [from, half).
static void rope_half_generic(float *x, size_t from, size_t half, const float *c, const float *s) {
    for (size_t i = from; i < half; i++) {
        float a = x[i], b = x[i + half];
        x[i] = a * c[i] - b * s[i];
        x[i + half] = b * c[i] + a * s[i];
    }
}

/// Pairs (x[2i], x[2i + 1]) for i in [from, half).
static void rope_interleaved_generic(float *x, size_t from, size_t half, const float *c, const float *s) {
    for (size_t i = from; i < half; i++) {
        float a = x[2 * i], b = x[2 * i + 1];
        x[2 * i] = a * c[i] - b * s[i];
        x[2 * i + 1] = b * c[i] + a * s[i];
    }
}

// ---------------------------------------------------------------------------------------------
// AVX2: 8 lanes, scalar tails.

AVX2 static void rms_norm_avx2(const float *x, const float *w, size_t n, float eps, float *out) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256 a = _mm256_loadu_ps(x + i), b = _mm256_loadu_ps(x + i + 8);
        s0 = _mm256_fmadd_ps(a, a, s0);
        s1 = _mm256_fmadd_ps(b, b, s1);
    }
    for (; i + 8 <= n; i += 8) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(x + i), s0);
    float sum = skein_hsum8(_mm256_add_ps(s0, s1));
    for (; i < n; i++) sum += x[i] * x[i];
    float scale = rms_scale(sum, n, eps);
    __m256 sv = _mm256_set1_ps(scale);
    for (i = 0; i + 8 <= n; i += 8)
        _mm256_storeu_ps(out + i, _mm256_mul_ps(_mm256_loadu_ps(w + i), _mm256_mul_ps(_mm256_loadu_ps(x + i), sv)));
    for (; i < n; i++) out[i] = w[i] * (x[i] * scale);
}

AVX2 static void rope_half_avx2(float *x, size_t half, const float *c, const float *s) {
    size_t i = 0;
    for (; i + 8 <= half; i += 8) {
        __m256 a = _mm256_loadu_ps(x + i), b = _mm256_loadu_ps(x + i + half);
        __m256 cv = _mm256_loadu_ps(c + i), sv = _mm256_loadu_ps(s + i);
        _mm256_storeu_ps(x + i, _mm256_fmsub_ps(a, cv, _mm256_mul_ps(b, sv)));
        _mm256_storeu_ps(x + i + half, _mm256_fmadd_ps(b, cv, _mm256_mul_ps(a, sv)));
    }
    rope_half_generic(x, i, half, c, s);
}

/// Four pairs per step: x * (c0 c0 c1 c1 ...) -/+ (b0 a0 b1 a1 ...) * (s0 s0 s1 s1 ...), even lanes
/// subtracting and odd lanes adding (fmaddsub).
AVX2 static void rope_interleaved_avx2(float *x, size_t half, const float *c, const float *s) {
    const __m256i pairs = _mm256_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3);
    size_t i = 0;
    for (; i + 4 <= half; i += 4) {
        __m256 v = _mm256_loadu_ps(x + 2 * i);
        __m256 cv = _mm256_permutevar8x32_ps(_mm256_castps128_ps256(_mm_loadu_ps(c + i)), pairs);
        __m256 sv = _mm256_permutevar8x32_ps(_mm256_castps128_ps256(_mm_loadu_ps(s + i)), pairs);
        __m256 swapped = _mm256_permute_ps(v, 0xB1);
        _mm256_storeu_ps(x + 2 * i, _mm256_fmaddsub_ps(v, cv, _mm256_mul_ps(swapped, sv)));
    }
    rope_interleaved_generic(x, i, half, c, s);
}

// ---------------------------------------------------------------------------------------------
// AVX-512: 16 lanes, masked tails.

AVX512 static void rms_norm_avx512(const float *x, const float *w, size_t n, float eps, float *out) {
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m512 a = _mm512_loadu_ps(x + i), b = _mm512_loadu_ps(x + i + 16);
        s0 = _mm512_fmadd_ps(a, a, s0);
        s1 = _mm512_fmadd_ps(b, b, s1);
    }
    for (; i + 16 <= n; i += 16) s0 = _mm512_fmadd_ps(_mm512_loadu_ps(x + i), _mm512_loadu_ps(x + i), s0);
    if (i < n) {
        __m512 a = _mm512_maskz_loadu_ps((__mmask16)((1u << (n - i)) - 1), x + i);
        s1 = _mm512_fmadd_ps(a, a, s1);
    }
    float scale = rms_scale(_mm512_reduce_add_ps(_mm512_add_ps(s0, s1)), n, eps);
    __m512 sv = _mm512_set1_ps(scale);
    for (i = 0; i + 16 <= n; i += 16)
        _mm512_storeu_ps(out + i, _mm512_mul_ps(_mm512_loadu_ps(w + i), _mm512_mul_ps(_mm512_loadu_ps(x + i), sv)));
    if (i < n) {
        __mmask16 k = (__mmask16)((1u << (n - i)) - 1);
        __m512 v = _mm512_mul_ps(_mm512_maskz_loadu_ps(k, w + i), _mm512_mul_ps(_mm512_maskz_loadu_ps(k, x + i), sv));
        _mm512_mask_storeu_ps(out + i, k, v);
    }
}

AVX512 static void rope_half_avx512(float *x, size_t half, const float *c, const float *s) {
    for (size_t i = 0; i < half; i += 16) {
        __mmask16 k = half - i >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (half - i)) - 1);
        __m512 a = _mm512_maskz_loadu_ps(k, x + i), b = _mm512_maskz_loadu_ps(k, x + i + half);
        __m512 cv = _mm512_maskz_loadu_ps(k, c + i), sv = _mm512_maskz_loadu_ps(k, s + i);
        _mm512_mask_storeu_ps(x + i, k, _mm512_fmsub_ps(a, cv, _mm512_mul_ps(b, sv)));
        _mm512_mask_storeu_ps(x + i + half, k, _mm512_fmadd_ps(b, cv, _mm512_mul_ps(a, sv)));
    }
}

/// Eight pairs per step, as rope_interleaved_avx2; the last pairs under a mask.
AVX512 static void rope_interleaved_avx512(float *x, size_t half, const float *c, const float *s) {
    const __m512i pairs = _mm512_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
    for (size_t i = 0; i < half; i += 8) {
        size_t p = half - i >= 8 ? 8 : half - i;
        __mmask8 kp = (__mmask8)((1u << p) - 1);
        __mmask16 kx = (__mmask16)((1u << (2 * p)) - 1);
        __m512 v = _mm512_maskz_loadu_ps(kx, x + 2 * i);
        __m512 cv = _mm512_permutexvar_ps(pairs, _mm512_castps256_ps512(_mm256_maskz_loadu_ps(kp, c + i)));
        __m512 sv = _mm512_permutexvar_ps(pairs, _mm512_castps256_ps512(_mm256_maskz_loadu_ps(kp, s + i)));
        __m512 swapped = _mm512_permute_ps(v, 0xB1);
        _mm512_mask_storeu_ps(x + 2 * i, kx, _mm512_fmaddsub_ps(v, cv, _mm512_mul_ps(swapped, sv)));
    }
}

// ---------------------------------------------------------------------------------------------
// Dispatch.

void skein_rms_norm_f32(const float *x, const float *weight, size_t rows, size_t n, float eps, float *out) {
    if (n == 0) return;
    int level = skein_kernel_level();
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * n;
        float *yr = out + r * n;
        if (level >= 3) rms_norm_avx512(xr, weight, n, eps, yr);
        else if (level >= 2) rms_norm_avx2(xr, weight, n, eps, yr);
        else rms_norm_generic(xr, weight, n, eps, yr);
    }
}

void skein_rope_f32(float *x, size_t heads, size_t stride, size_t rotary_dim, const float *cosines, const float *sines,
                    skein_rope_layout layout) {
    int level = skein_kernel_level();
    size_t half = rotary_dim / 2;
    for (size_t h = 0; h < heads; h++) {
        float *v = x + h * stride;
        if (layout == SKEIN_ROPE_INTERLEAVED) {
            if (level >= 3) rope_interleaved_avx512(v, half, cosines, sines);
            else if (level >= 2) rope_interleaved_avx2(v, half, cosines, sines);
            else rope_interleaved_generic(v, 0, half, cosines, sines);
        } else {
            if (level >= 3) rope_half_avx512(v, half, cosines, sines);
            else if (level >= 2) rope_half_avx2(v, half, cosines, sines);
            else rope_half_generic(v, 0, half, cosines, sines);
        }
    }
}
