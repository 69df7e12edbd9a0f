// Softmax and SwiGLU over f32 rows, with the vector e^x of vector_exp.h.
#include "SkeinKernels.h"
#include "vector_exp.h"

#include <math.h>

#define AVX2 __attribute__((target("avx2,fma,f16c")))
#define AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma,f16c")))

// ---------------------------------------------------------------------------------------------
// Plain C.

static float max_generic(const float *x, size_t n) {
    float m = -INFINITY;
    for (size_t i = 0; i < n; i++) if (x[i] > m) m = x[i];
    return m;
}

static void scale_generic(float *x, size_t n, float s) {
    for (size_t i = 0; i < n; i++) x[i] *= s;
}

static float exp_sum_generic(float *x, size_t n, float shift) {
    float sum = 0;
    for (size_t i = 0; i < n; i++) { x[i] = expf(x[i] - shift); sum += x[i]; }
    return sum;
}

static void silu_mul_generic(float *gate, const float *up, size_t n) {
    for (size_t i = 0; i < n; i++) gate[i] = gate[i] / (1 + expf(-gate[i])) * up[i];
}

// ---------------------------------------------------------------------------------------------
// AVX2.

AVX2 static float max_avx2(const float *x, size_t n) {
    __m256 m = _mm256_set1_ps(-INFINITY);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) m = _mm256_max_ps(m, _mm256_loadu_ps(x + i));
    float lanes[8], r = -INFINITY;
    _mm256_storeu_ps(lanes, m);
    for (int j = 0; j < 8; j++) if (lanes[j] > r) r = lanes[j];
    for (; i < n; i++) if (x[i] > r) r = x[i];
    return r;
}

AVX2 static float exp_sum_avx2(float *x, size_t n, float shift) {
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
    return sum + exp_sum_generic(x + i, n - i, shift);
}

AVX2 static void scale_avx2(float *x, size_t n, float s) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), _mm256_set1_ps(s)));
    scale_generic(x + i, n - i, s);
}

AVX2 static void silu_mul_avx2(float *gate, const float *up, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 g = _mm256_loadu_ps(gate + i);
        __m256 e = skein_exp256(_mm256_sub_ps(_mm256_setzero_ps(), g));
        __m256 silu = _mm256_div_ps(g, _mm256_add_ps(_mm256_set1_ps(1), e));
        _mm256_storeu_ps(gate + i, _mm256_mul_ps(silu, _mm256_loadu_ps(up + i)));
    }
    silu_mul_generic(gate + i, up + i, n - i);
}

// ---------------------------------------------------------------------------------------------
// AVX-512.

AVX512 static float max_avx512(const float *x, size_t n) {
    __m512 m = _mm512_set1_ps(-INFINITY);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) m = _mm512_max_ps(m, _mm512_loadu_ps(x + i));
    if (i < n) m = _mm512_mask_max_ps(m, (__mmask16)((1u << (n - i)) - 1), m, _mm512_maskz_loadu_ps((__mmask16)((1u << (n - i)) - 1), x + i));
    return _mm512_reduce_max_ps(m);
}

AVX512 static float exp_sum_avx512(float *x, size_t n, float shift) {
    __m512 s = _mm512_setzero_ps(), sh = _mm512_set1_ps(shift);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 e = skein_exp512(_mm512_sub_ps(_mm512_loadu_ps(x + i), sh));
        _mm512_storeu_ps(x + i, e);
        s = _mm512_add_ps(s, e);
    }
    if (i < n) {
        __mmask16 m = (__mmask16)((1u << (n - i)) - 1);
        __m512 e = _mm512_maskz_mov_ps(m, skein_exp512(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, x + i), sh)));
        _mm512_mask_storeu_ps(x + i, m, e);
        s = _mm512_add_ps(s, e);
    }
    return _mm512_reduce_add_ps(s);
}

AVX512 static void scale_avx512(float *x, size_t n, float s) {
    size_t i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(x + i, _mm512_mul_ps(_mm512_loadu_ps(x + i), _mm512_set1_ps(s)));
    scale_generic(x + i, n - i, s);
}

AVX512 static void silu_mul_avx512(float *gate, const float *up, size_t n) {
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 g = _mm512_loadu_ps(gate + i);
        __m512 e = skein_exp512(_mm512_sub_ps(_mm512_setzero_ps(), g));
        __m512 silu = _mm512_div_ps(g, _mm512_add_ps(_mm512_set1_ps(1), e));
        _mm512_storeu_ps(gate + i, _mm512_mul_ps(silu, _mm512_loadu_ps(up + i)));
    }
    silu_mul_generic(gate + i, up + i, n - i);
}

// ---------------------------------------------------------------------------------------------
// Dispatch.

void skein_softmax_f32(float *x, size_t n) {
    int level = skein_kernel_level();
    float m = level >= 3 ? max_avx512(x, n) : level >= 2 ? max_avx2(x, n) : max_generic(x, n);
    if (m == -INFINITY) {
        for (size_t i = 0; i < n; i++) x[i] = 0;
        return;
    }
    float sum = level >= 3 ? exp_sum_avx512(x, n, m) : level >= 2 ? exp_sum_avx2(x, n, m) : exp_sum_generic(x, n, m);
    float inverse = 1 / sum;
    if (level >= 3) scale_avx512(x, n, inverse);
    else if (level >= 2) scale_avx2(x, n, inverse);
    else scale_generic(x, n, inverse);
}

void skein_silu_mul_f32(float *gate, const float *up, size_t n) {
    switch (skein_kernel_level()) {
    case 3: silu_mul_avx512(gate, up, n); break;
    case 2: silu_mul_avx2(gate, up, n); break;
    default: silu_mul_generic(gate, up, n); break;
    }
}
