// f32 activation rows -> int8 groups of 16 with one f32 scale each (see SkeinQuantKernels.h).
// Every level runs the same IEEE operations (max, multiply, round half to even), so the result is
// bitwise the same at every level; the SIMD builds only let the compiler vectorize.
#include "quant_internal.h"
#include <math.h>

SKQ_INLINE void quantize_rows(const float *x, size_t rows, size_t k, int8_t *xq, float *dx, float *xs, int32_t *xc) {
    size_t padded = skein_q_padded(k), groups = padded / SKEIN_Q_GROUP;
    for (size_t t = 0; t < rows; t++) {
        const float *xt = x + t * k;
        int8_t *qt = xq + t * padded;
        for (size_t g = 0; g < groups; g++) {
            size_t at = g * SKEIN_Q_GROUP;
            int8_t q[SKEIN_Q_GROUP];
            float amax = 0;
            size_t n = at < k ? (k - at < SKEIN_Q_GROUP ? k - at : SKEIN_Q_GROUP) : 0;
            for (size_t i = 0; i < n; i++) amax = fmaxf(amax, fabsf(xt[at + i]));
            float scale = amax / 127.0f, inverse = amax > 0 ? 127.0f / amax : 0.0f;
            int sum = 0;
            for (size_t i = 0; i < SKEIN_Q_GROUP; i++) {
                float r = i < n ? nearbyintf(xt[at + i] * inverse) : 0.0f;
                r = r > 127.0f ? 127.0f : (r < -127.0f ? -127.0f : r);
                q[i] = (int8_t)r;
                sum += q[i];
            }
            dx[t * groups + g] = scale;
            xs[t * groups + g] = scale * (float)sum;
            // Group g is the (g % 8)-th group of block g / 8.
            int8_t *block = qt + (g / 8) * SKEIN_Q_BLOCK;
            for (size_t i = 0; i < SKEIN_Q_GROUP; i++) block[skq_offset((g % 8) * 16 + i)] = q[i];
        }
        for (size_t b = 0; b < padded / SKEIN_Q_BLOCK; b++) {
            const int8_t *block = qt + b * SKEIN_Q_BLOCK;
            for (int lane = 0; lane < 16; lane++) {
                int sum = 0;
                for (int j = 0; j < 4; j++) sum += block[4 * lane + j] + block[64 + 4 * lane + j];
                xc[t * (padded / 8) + b * 16 + lane] = -128 * sum;
            }
        }
    }
}

static void quantize_generic(const float *x, size_t rows, size_t k, int8_t *xq, float *dx, float *xs, int32_t *xc) {
    quantize_rows(x, rows, k, xq, dx, xs, xc);
}

SKQ_AVX2 static void quantize_avx2(const float *x, size_t rows, size_t k, int8_t *xq, float *dx, float *xs, int32_t *xc) {
    quantize_rows(x, rows, k, xq, dx, xs, xc);
}

SKQ_AVX512 static void quantize_avx512(const float *x, size_t rows, size_t k, int8_t *xq, float *dx, float *xs, int32_t *xc) {
    quantize_rows(x, rows, k, xq, dx, xs, xc);
}

void skein_q_quantize(const float *x, size_t rows, size_t k, int8_t *xq, float *dx, float *xs, int32_t *xc) {
    switch (skq_level()) {
    case 3: quantize_avx512(x, rows, k, xq, dx, xs, xc); break;
    case 2: quantize_avx2(x, rows, k, xq, dx, xs, xc); break;
    default: quantize_generic(x, rows, k, xq, dx, xs, xc); break;
    }
}
