// A streaming read for measuring memory bandwidth (the roofline of matrix-vector products).
#include "SkeinKernels.h"

#include <immintrin.h>

// Each thread reads its range as four streams (its four quarters side by side), as the
// matrix-vector kernels read their weight rows when decoding: on a server core one sequential
// stream leaves bandwidth unused (measured 22 GB/s vs 26 GB/s on 2 threads of an Ice Lake VM),
// and software prefetch did not help it.

__attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma,f16c")))
static uint64_t read_avx512(const uint8_t *p, size_t n) {
    size_t quarter = n / 4 / 64 * 64;
    const uint8_t *q0 = p, *q1 = p + quarter, *q2 = p + 2 * quarter, *q3 = p + 3 * quarter;
    __m512i s0 = _mm512_setzero_si512(), s1 = s0, s2 = s0, s3 = s0;
    for (size_t i = 0; i < quarter; i += 64) {
        s0 = _mm512_add_epi64(s0, _mm512_loadu_si512(q0 + i));
        s1 = _mm512_add_epi64(s1, _mm512_loadu_si512(q1 + i));
        s2 = _mm512_add_epi64(s2, _mm512_loadu_si512(q2 + i));
        s3 = _mm512_add_epi64(s3, _mm512_loadu_si512(q3 + i));
    }
    uint64_t sum = (uint64_t)_mm512_reduce_add_epi64(_mm512_add_epi64(_mm512_add_epi64(s0, s1), _mm512_add_epi64(s2, s3)));
    for (size_t i = 4 * quarter; i < n; i++) sum += p[i];
    return sum;
}

__attribute__((target("avx2,fma,f16c")))
static uint64_t read_avx2(const uint8_t *p, size_t n) {
    size_t quarter = n / 4 / 32 * 32;
    const uint8_t *q0 = p, *q1 = p + quarter, *q2 = p + 2 * quarter, *q3 = p + 3 * quarter;
    __m256i s0 = _mm256_setzero_si256(), s1 = s0, s2 = s0, s3 = s0;
    for (size_t i = 0; i < quarter; i += 32) {
        s0 = _mm256_add_epi64(s0, _mm256_loadu_si256((const __m256i *)(q0 + i)));
        s1 = _mm256_add_epi64(s1, _mm256_loadu_si256((const __m256i *)(q1 + i)));
        s2 = _mm256_add_epi64(s2, _mm256_loadu_si256((const __m256i *)(q2 + i)));
        s3 = _mm256_add_epi64(s3, _mm256_loadu_si256((const __m256i *)(q3 + i)));
    }
    uint64_t lanes[4], sum = 0;
    _mm256_storeu_si256((__m256i *)lanes, _mm256_add_epi64(_mm256_add_epi64(s0, s1), _mm256_add_epi64(s2, s3)));
    for (int j = 0; j < 4; j++) sum += lanes[j];
    for (size_t i = 4 * quarter; i < n; i++) sum += p[i];
    return sum;
}

static uint64_t read_generic(const uint8_t *p, size_t n) {
    uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0, word[4];
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __builtin_memcpy(word, p + i, 32);
        s0 += word[0]; s1 += word[1]; s2 += word[2]; s3 += word[3];
    }
    uint64_t sum = s0 + s1 + s2 + s3;
    for (; i < n; i++) sum += p[i];
    return sum;
}

uint64_t skein_stream_read(const void *bytes, size_t count) {
    switch (skein_kernel_level()) {
    case 3: return read_avx512(bytes, count);
    case 2: return read_avx2(bytes, count);
    default: return read_generic(bytes, count);
    }
}
