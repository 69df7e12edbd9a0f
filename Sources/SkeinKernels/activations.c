// Softmax and SwiGLU over f32 rows, with the vector e^x of vector_exp.h.
#include "SkeinKernels.h"
#include "softmax_steps.h"

#include <math.h>

#define AVX2 __attribute__((target("avx2,fma,f16c")))
#define AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma,f16c")))

// ---------------------------------------------------------------------------------------------
// Plain C.

static void silu_mul_generic(float *gate, const float *up, size_t n) {
    for (size_t i = 0; i < n; i++) gate[i] = gate[i] / (1 + expf(-gate[i])) * up[i];
}

// ---------------------------------------------------------------------------------------------
// AVX2.

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
    float m = level >= 3 ? skein_max_avx512(x, n) : level >= 2 ? skein_max_avx2(x, n) : skein_max_generic(x, n);
    if (m == -INFINITY) {
        for (size_t i = 0; i < n; i++) x[i] = 0;
        return;
    }
    float sum = level >= 3 ? skein_exp_sum_avx512(x, n, m) : level >= 2 ? skein_exp_sum_avx2(x, n, m) : skein_exp_sum_generic(x, n, m);
    float inverse = 1 / sum;
    if (level >= 3) skein_scale_avx512(x, n, inverse);
    else if (level >= 2) skein_scale_avx2(x, n, inverse);
    else skein_scale_generic(x, n, inverse);
}

void skein_silu_mul_f32(float *gate, const float *up, size_t n) {
    switch (skein_kernel_level()) {
    case 3: silu_mul_avx512(gate, up, n); break;
    case 2: silu_mul_avx2(gate, up, n); break;
    default: silu_mul_generic(gate, up, n); break;
    }
}
