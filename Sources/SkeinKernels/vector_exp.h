// Vector e^x for the softmax and SiLU kernels (internal, not exported).
//
// e^x = 2^n * e^r with n = round(x / ln 2) and r = x - n ln 2 in [-ln2/2, ln2/2]; e^r from a
// degree-7 minimax polynomial (relative error about 2e-7). Inputs below -103.9 (where e^x is
// below the smallest f32) give exactly 0, so -infinity maps to 0 as a softmax needs.
#ifndef SKEIN_VECTOR_EXP_H
#define SKEIN_VECTOR_EXP_H

#include <immintrin.h>

#define SKEIN_EXP_COEFFICIENTS \
    1.9875691500e-4f, 1.3981999507e-3f, 8.3334519073e-3f, 4.1665795894e-2f, 1.6666665459e-1f, 5.0000001201e-1f

__attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma,f16c")))
static inline __m512 skein_exp512(__m512 x) {
    static const float c[] = {SKEIN_EXP_COEFFICIENTS};
    __mmask16 live = _mm512_cmp_ps_mask(x, _mm512_set1_ps(-103.9f), _CMP_GE_OQ);
    x = _mm512_min_ps(x, _mm512_set1_ps(88.72f));
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);        // ln 2 in two parts
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
    __m512 p = _mm512_set1_ps(c[0]);
    for (int i = 1; i < 6; i++) p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(c[i]));
    p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1)));
    return _mm512_maskz_scalef_ps(live, p, n);
}

/// AVX2 has no scalef: 2^n is built in the exponent field, so inputs are kept to [-87.3, 88.3].
__attribute__((target("avx2,fma,f16c")))
static inline __m256 skein_exp256(__m256 x) {
    static const float c[] = {SKEIN_EXP_COEFFICIENTS};
    __m256 live = _mm256_cmp_ps(x, _mm256_set1_ps(-87.3f), _CMP_GE_OQ);
    x = _mm256_max_ps(_mm256_min_ps(x, _mm256_set1_ps(88.3f)), _mm256_set1_ps(-87.3f));
    __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(c[0]);
    for (int i = 1; i < 6; i++) p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(c[i]));
    p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1)));
    __m256i scale = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_and_ps(_mm256_mul_ps(p, _mm256_castsi256_ps(scale)), live);
}

#endif
