// The order of operations every f32/f16/bf16 product follows, shared by the matrix-vector kernels
// (kernels.c) and the blocked GEMM (gemm.c) so that a row's result is bitwise the same whichever
// path computes it (one token while decoding, many in a prefill chunk or a server batch):
//   y = bias (or 0); for each k block (skein_k_block): y += reduce(vector accumulator over the block),
// where the accumulator takes 16 (AVX-512) or 8 (AVX2) products per step, the block's last
// values under a mask (AVX-512) or in scalar after the reduction (AVX2), and the reduction tree
// is the one below. The plain C path keeps four scalar partial sums per block instead.
#ifndef SKEIN_SUMMATION_ORDER_H
#define SKEIN_SUMMATION_ORDER_H

#include <immintrin.h>
#include <stddef.h>

/// Values per k block: equal blocks of at most 1024, rounded up to a multiple of 16.
static inline size_t skein_k_block(size_t in) {
    size_t blocks = (in + 1023) / 1024;
    size_t kc = (in + blocks - 1) / blocks;
    kc = (kc + 15) & ~(size_t)15;
    return kc > 1024 ? 1024 : (kc == 0 ? 16 : kc);
}

/// Sum of 16 lanes: 128-bit quarters (q0 + q2) + (q1 + q3), then (x0 + x1) + (x2 + x3).
__attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma,f16c")))
static inline __attribute__((always_inline)) float skein_hsum16(__m512 v) {
    __m256 lo = _mm512_castps512_ps256(v), hi = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1));
    __m256 h = _mm256_add_ps(lo, hi);
    __m128 q = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
    __m128 p = _mm_hadd_ps(q, q);
    return _mm_cvtss_f32(_mm_hadd_ps(p, p));
}

/// The four lane sums of a, b, c, d as one 128-bit vector, each by skein_hsum16's tree.
__attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma,f16c")))
static inline __attribute__((always_inline)) __m128 skein_reduce4(__m512 a, __m512 b, __m512 c, __m512 d) {
    // 128-bit quarters: [a0+a2, a1+a3, b0+b2, b1+b3] and the same for c, d.
    __m512 ab = _mm512_add_ps(_mm512_shuffle_f32x4(a, b, 0x44), _mm512_shuffle_f32x4(a, b, 0xEE));
    __m512 cd = _mm512_add_ps(_mm512_shuffle_f32x4(c, d, 0x44), _mm512_shuffle_f32x4(c, d, 0xEE));
    // Quarters: [a, b, c, d] partial sums of four floats each.
    __m512 abcd = _mm512_add_ps(_mm512_shuffle_f32x4(ab, cd, 0x88), _mm512_shuffle_f32x4(ab, cd, 0xDD));
    __m128 va = _mm512_castps512_ps128(abcd), vb = _mm512_extractf32x4_ps(abcd, 1);
    __m128 vc = _mm512_extractf32x4_ps(abcd, 2), vd = _mm512_extractf32x4_ps(abcd, 3);
    return _mm_hadd_ps(_mm_hadd_ps(va, vb), _mm_hadd_ps(vc, vd));
}

/// Sum of 8 lanes: halves added, then (x0 + x2) + (x1 + x3).
__attribute__((target("avx2,fma,f16c")))
static inline __attribute__((always_inline)) float skein_hsum8(__m256 v) {
    __m128 lo = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
    return _mm_cvtss_f32(_mm_add_ss(lo, _mm_movehdup_ps(lo)));
}

#endif
