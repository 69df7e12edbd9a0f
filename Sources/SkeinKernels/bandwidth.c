// A streaming read for measuring memory bandwidth (the roofline of matrix-vector products).
#include "SkeinKernels.h"

#include <immintrin.h>

__attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma,f16c")))
static uint64_t read_avx512(const uint8_t *p, size_t n) {
    __m512i s0 = _mm512_setzero_si512(), s1 = s0, s2 = s0, s3 = s0;
    size_t i = 0;
    for (; i + 256 <= n; i += 256) {
        // Software prefetch 2 KiB ahead, as the matrix-vector kernels do: without it the hardware
        // prefetcher alone reads well below what the memory system delivers.
        _mm_prefetch((const char *)p + i + 2048, _MM_HINT_T0);
        _mm_prefetch((const char *)p + i + 2048 + 64, _MM_HINT_T0);
        _mm_prefetch((const char *)p + i + 2048 + 128, _MM_HINT_T0);
        _mm_prefetch((const char *)p + i + 2048 + 192, _MM_HINT_T0);
        s0 = _mm512_add_epi64(s0, _mm512_loadu_si512(p + i));
        s1 = _mm512_add_epi64(s1, _mm512_loadu_si512(p + i + 64));
        s2 = _mm512_add_epi64(s2, _mm512_loadu_si512(p + i + 128));
        s3 = _mm512_add_epi64(s3, _mm512_loadu_si512(p + i + 192));
    }
    uint64_t sum = (uint64_t)_mm512_reduce_add_epi64(_mm512_add_epi64(_mm512_add_epi64(s0, s1), _mm512_add_epi64(s2, s3)));
    for (; i < n; i++) sum += p[i];
    return sum;
}

__attribute__((target("avx2,fma,f16c")))
static uint64_t read_avx2(const uint8_t *p, size_t n) {
    __m256i s0 = _mm256_setzero_si256(), s1 = s0, s2 = s0, s3 = s0;
    size_t i = 0;
    for (; i + 128 <= n; i += 128) {
        s0 = _mm256_add_epi64(s0, _mm256_loadu_si256((const __m256i *)(p + i)));
        s1 = _mm256_add_epi64(s1, _mm256_loadu_si256((const __m256i *)(p + i + 32)));
        s2 = _mm256_add_epi64(s2, _mm256_loadu_si256((const __m256i *)(p + i + 64)));
        s3 = _mm256_add_epi64(s3, _mm256_loadu_si256((const __m256i *)(p + i + 96)));
    }
    uint64_t lanes[4], sum = 0;
    _mm256_storeu_si256((__m256i *)lanes, _mm256_add_epi64(_mm256_add_epi64(s0, s1), _mm256_add_epi64(s2, s3)));
    for (int j = 0; j < 4; j++) sum += lanes[j];
    for (; i < n; i++) sum += p[i];
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
