// Shared helpers of the quantized kernels (quant_*.c); not part of the public header.
#ifndef SKEIN_QUANT_INTERNAL_H
#define SKEIN_QUANT_INTERNAL_H

#include "SkeinQuantKernels.h"
#include "SkeinKernels.h"
#include "half_convert.h"
#include <immintrin.h>
#include <string.h>

#define SKQ_AVX2 __attribute__((target("avx2,fma,f16c")))
#define SKQ_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,avx2,fma,f16c")))
#define SKQ_INLINE static inline __attribute__((always_inline))

/// The level the quantized kernels run at: 3 needs AVX-512 F/BW/VL/DQ and VNNI, else 2 (AVX2) or 0.
int skq_level(void);

/// Byte offset of value `e` (0..<128) inside an interleaved block (see SkeinQuantKernels.h).
SKQ_INLINE size_t skq_offset(size_t e) { return ((e & 15) >> 2) * 32 + (e >> 4) * 4 + (e & 3); }

/// The little-endian IEEE half at `p` as a float (exact, no CPU features needed).
SKQ_INLINE float skq_half(const uint8_t *p) { return skein_f16_to_f32((uint16_t)(p[0] | (p[1] << 8))); }

/// Signed weight bytes as v + 128, the unsigned operand vpdpbusd takes (see SkeinQuantKernels.h).
SKQ_AVX512 SKQ_INLINE __m512i skq_bias128(__m512i w) { return _mm512_xor_si512(w, _mm512_set1_epi8((char)0x80)); }

/// acc + one block (b) of one weight row times one activation row, whose xq/dx/xs/xc rows start at
/// the given pointers. w0, w1: the block's bytes as vpdpbusd takes them (skq_bias128 when SIGNED);
/// sw: the 8 group scales, twice; mn: the 8 offsets, then zeros (unused when SIGNED). The GEMM tile
/// and the fused matrix-vector product both go through here, so they give the same bits.
SKQ_AVX512 SKQ_INLINE __m512 skq_block_product(__m512 acc, __m512i w0, __m512i w1, __m512 sw, __m512 mn, const int SIGNED,
                                               const int8_t *xq, const float *dx, const float *xs, const int32_t *xc, size_t b) {
    const int8_t *x = xq + b * SKEIN_Q_BLOCK;
    __m512i start = SIGNED ? _mm512_loadu_si512(xc + b * 16) : _mm512_setzero_si512();
    __m512i sum = _mm512_dpbusd_epi32(start, w0, _mm512_loadu_si512(x));
    sum = _mm512_dpbusd_epi32(sum, w1, _mm512_loadu_si512(x + 64));
    __m512 scale = _mm512_mul_ps(sw, _mm512_broadcast_f32x8(_mm256_loadu_ps(dx + b * 8)));
    acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sum), scale, acc);
    if (!SIGNED) acc = _mm512_fmadd_ps(mn, _mm512_broadcast_f32x8(_mm256_loadu_ps(xs + b * 8)), acc);
    return acc;
}

#endif
