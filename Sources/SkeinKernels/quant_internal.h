// Shared helpers of the quantized kernels (quant_*.c); not part of the public header.
#ifndef SKEIN_QUANT_INTERNAL_H
#define SKEIN_QUANT_INTERNAL_H

#include "SkeinQuantKernels.h"
#include "SkeinKernels.h"
#include <string.h>

#define SKQ_AVX2 __attribute__((target("avx2,fma,f16c")))
#define SKQ_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,avx2,fma,f16c")))
#define SKQ_INLINE static inline __attribute__((always_inline))

/// The level the quantized kernels run at: 3 needs AVX-512 F/BW/VL/DQ and VNNI, else 2 (AVX2) or 0.
int skq_level(void);

/// Byte offset of value `e` (0..<128) inside an interleaved block (see SkeinQuantKernels.h).
SKQ_INLINE size_t skq_offset(size_t e) { return ((e & 15) >> 2) * 32 + (e >> 4) * 4 + (e & 3); }

/// IEEE half to float (exact, no CPU features needed).
SKQ_INLINE float skq_half(const uint8_t *p) {
    uint16_t h = (uint16_t)(p[0] | (p[1] << 8));
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exponent = (h >> 10) & 0x1F, mantissa = h & 0x3FF, bits;
    if (exponent == 0) {
        if (mantissa == 0) {
            bits = sign;
        } else {
            int shift = 0;
            while ((mantissa & 0x400) == 0) { mantissa <<= 1; shift++; }
            bits = sign | ((uint32_t)(113 - shift) << 23) | ((mantissa & 0x3FF) << 13);
        }
    } else if (exponent == 31) {
        bits = sign | 0x7F800000 | (mantissa << 13);
    } else {
        bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

#endif
