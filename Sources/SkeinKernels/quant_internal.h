// Shared helpers of the quantized kernels (quant_*.c); not part of the public header.
#ifndef SKEIN_QUANT_INTERNAL_H
#define SKEIN_QUANT_INTERNAL_H

#include "SkeinQuantKernels.h"
#include "SkeinKernels.h"
#include "half_convert.h"
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

#endif
