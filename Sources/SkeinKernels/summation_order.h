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

/// Sum of 8 lanes: halves added, then (x0 + x2) + (x1 + x3).
__attribute__((target("avx2,fma,f16c")))
static inline __attribute__((always_inline)) float skein_hsum8(__m256 v) {
    __m128 lo = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
    return _mm_cvtss_f32(_mm_add_ss(lo, _mm_movehdup_ps(lo)));
}

#endif
