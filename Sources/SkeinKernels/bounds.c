// Upper bounds of q . k over boxes of keys (Quest's page bounds, ReAttention's page and group
// index): for each row r of the per-channel minima and maxima, sum_d max(q_d lo_d, q_d hi_d).
// lo, hi: (count, hd) row-major; q: (hd); bounds: (count).
#include "SkeinKernels.h"
#include "summation_order.h"

#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma,f16c")))

static void bounds_generic(const float *q, const float *lo, const float *hi, size_t count, size_t hd, float *bounds) {
    for (size_t r = 0; r < count; r++) {
        float sum = 0;
        for (size_t d = 0; d < hd; d++) {
            float a = q[d] * lo[r * hd + d], b = q[d] * hi[r * hd + d];
            sum += a > b ? a : b;
        }
        bounds[r] = sum;
    }
}

// Head sizes that are multiples of 8: eight channels per step, one horizontal sum per row.
AVX2 static void bounds_avx2(const float *q, const float *lo, const float *hi, size_t count, size_t hd, float *bounds) {
    for (size_t r = 0; r < count; r++) {
        const float *l = lo + r * hd, *h = hi + r * hd;
        __m256 sum = _mm256_setzero_ps();
        for (size_t d = 0; d < hd; d += 8) {
            __m256 qd = _mm256_loadu_ps(q + d);
            sum = _mm256_add_ps(sum, _mm256_max_ps(_mm256_mul_ps(qd, _mm256_loadu_ps(l + d)), _mm256_mul_ps(qd, _mm256_loadu_ps(h + d))));
        }
        bounds[r] = skein_hsum8(sum);
    }
}

void skein_box_bounds(const float *q, const float *lo, const float *hi, size_t count, size_t hd, float *bounds) {
    if (skein_kernel_level() >= 2 && hd % 8 == 0) bounds_avx2(q, lo, hi, count, hd, bounds);
    else bounds_generic(q, lo, hi, count, hd, bounds);
}
