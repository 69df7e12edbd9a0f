// GGML blocks -> the weight group form (int8 values, a scale and an offset per 16 values).
// Block layouts follow gguf-py's dequantization (see GGMLType.swift, which is tested against it).
#include "quant_internal.h"

/// GGML type ids (GGUF) of the supported block types.
enum { Q4_0 = 2, Q4_1 = 3, Q5_0 = 6, Q5_1 = 7, Q8_0 = 8, Q4_K = 12, Q5_K = 13, Q6_K = 14 };

static size_t block_values(uint32_t type) { return type >= Q4_K ? 256 : 32; }

static size_t block_bytes(uint32_t type) {
    switch (type) {
    case Q4_0: return 18;
    case Q4_1: return 20;
    case Q5_0: return 22;
    case Q5_1: return 24;
    case Q8_0: return 34;
    case Q4_K: return 144;
    case Q5_K: return 176;
    case Q6_K: return 210;
    default: return 0;
    }
}

int skein_q_supports(uint32_t type) { return block_bytes(type) != 0; }

size_t skein_q_padded(size_t k) { return (k + SKEIN_Q_BLOCK - 1) / SKEIN_Q_BLOCK * SKEIN_Q_BLOCK; }

// ---------------------------------------------------------------------------------------------
// One GGML block -> `block_values` logical int8 values, and a scale and offset per 16 of them.

/// Q4_0/Q4_1/Q5_x nibble order: low nibbles of 16 bytes are values 0..<16, high nibbles 16..<32.
SKQ_INLINE int nibble(const uint8_t *qs, int i) { return i < 16 ? (qs[i] & 0x0F) : (qs[i - 16] >> 4); }

/// Q4_K/Q5_K: the 6-bit scale and min of sub-block s (0..<8) from the 12 packed bytes at p.
SKQ_INLINE void scale_min(const uint8_t *p, int s, int *scale, int *min) {
    if (s < 4) {
        *scale = p[s] & 0x3F;
        *min = p[4 + s] & 0x3F;
    } else {
        *scale = (p[4 + s] & 0x0F) | ((p[s - 4] >> 2) & 0x30);
        *min = (p[4 + s] >> 4) | ((p[s] >> 2) & 0x30);
    }
}

SKQ_INLINE void decode_block(uint32_t type, const uint8_t *b, int8_t *v, float *sw, float *mn) {
    switch (type) {
    case Q8_0: {
        float d = skq_half(b);
        for (int i = 0; i < 32; i++) v[i] = (int8_t)b[2 + i];
        sw[0] = sw[1] = d;
        mn[0] = mn[1] = 0;
        break;
    }
    case Q4_0: {
        float d = skq_half(b);
        for (int i = 0; i < 32; i++) v[i] = (int8_t)(nibble(b + 2, i) - 8);
        sw[0] = sw[1] = d;
        mn[0] = mn[1] = 0;
        break;
    }
    case Q4_1: {
        float d = skq_half(b), m = skq_half(b + 2);
        for (int i = 0; i < 32; i++) v[i] = (int8_t)nibble(b + 4, i);
        sw[0] = sw[1] = d;
        mn[0] = mn[1] = m;
        break;
    }
    case Q5_0:
    case Q5_1: {
        int one = type == Q5_1;
        float d = skq_half(b), m = one ? skq_half(b + 2) : 0;
        const uint8_t *qh = b + (one ? 4 : 2);
        uint32_t high = (uint32_t)qh[0] | (uint32_t)qh[1] << 8 | (uint32_t)qh[2] << 16 | (uint32_t)qh[3] << 24;
        for (int i = 0; i < 32; i++) {
            int q = nibble(qh + 4, i) | (int)((high >> i) & 1) << 4;
            v[i] = (int8_t)(one ? q : q - 16);
        }
        sw[0] = sw[1] = d;
        mn[0] = mn[1] = m;
        break;
    }
    case Q4_K:
    case Q5_K: {
        // d, dmin, 12 scale bytes, [32 high-bit bytes for Q5_K], 128 nibble bytes.
        float d = skq_half(b), dmin = skq_half(b + 2);
        int five = type == Q5_K;
        const uint8_t *qs = b + (five ? 48 : 16), *qh = b + 16;
        for (int s = 0; s < 8; s++) {
            int scale, min;
            scale_min(b + 4, s, &scale, &min);
            const uint8_t *q = qs + (s / 2) * 32;
            int shift = (s & 1) * 4;
            for (int l = 0; l < 32; l++) {
                int value = (q[l] >> shift) & 0x0F;
                if (five) value |= ((qh[l] >> s) & 1) << 4;
                v[s * 32 + l] = (int8_t)value;
            }
            sw[2 * s] = sw[2 * s + 1] = d * (float)scale;
            mn[2 * s] = mn[2 * s + 1] = -(dmin * (float)min);
        }
        break;
    }
    case Q6_K: {
        // 128 low-nibble bytes, 64 high-2-bit bytes, 16 int8 scales, d.
        float d = skq_half(b + 208);
        for (int i = 0; i < 256; i++) {
            int h = i / 128, r = i % 128;
            int low = (b[h * 64 + r % 64] >> (4 * (r / 64))) & 0x0F;
            int high = (b[128 + h * 32 + r % 32] >> (2 * (r / 32))) & 0x03;
            v[i] = (int8_t)((low | high << 4) - 32);
        }
        for (int g = 0; g < 16; g++) {
            sw[g] = d * (float)(int8_t)b[192 + g];
            mn[g] = 0;
        }
        break;
    }
    }
}

/// Decodes whole rows: blocks into a logical buffer, then 128-value pieces into the interleaved layout.
SKQ_INLINE void decode_rows(uint32_t type, const uint8_t *w, size_t rows, size_t k, int8_t *v, float *sw, float *mn) {
    size_t padded = skein_q_padded(k), groups = padded / SKEIN_Q_GROUP;
    size_t bv = block_values(type), bb = block_bytes(type), row_bytes = k / bv * bb;
    int8_t logical[256];
    for (size_t r = 0; r < rows; r++) {
        const uint8_t *src = w + r * row_bytes;
        int8_t *vr = v + r * padded;
        float *swr = sw + r * groups, *mnr = mn + r * groups;
        // 256 values at a time (one K-quant block or eight 32-value blocks).
        for (size_t at = 0; at < padded; at += 256) {
            size_t n = k - at < 256 ? (at < k ? k - at : 0) : 256;
            memset(logical, 0, sizeof logical);
            for (size_t i = 0; i < n; i += bv) {
                decode_block(type, src + (at + i) / bv * bb, logical + i, swr + (at + i) / 16, mnr + (at + i) / 16);
            }
            for (size_t g = (at + n) / 16; g < (at + 256) / 16 && g < groups; g++) swr[g] = mnr[g] = 0;
            for (size_t piece = 0; piece < 256 && at + piece < padded; piece += SKEIN_Q_BLOCK) {
                int8_t *dst = vr + at + piece;
                for (size_t e = 0; e < SKEIN_Q_BLOCK; e++) dst[skq_offset(e)] = logical[piece + e];
            }
        }
    }
}

static void decode_generic(uint32_t type, const uint8_t *w, size_t rows, size_t k, int8_t *v, float *sw, float *mn) {
    decode_rows(type, w, rows, k, v, sw, mn);
}

// The same code compiled for AVX2 / AVX-512 lets the compiler vectorize the inner loops.
SKQ_AVX2 static void decode_avx2(uint32_t type, const uint8_t *w, size_t rows, size_t k, int8_t *v, float *sw, float *mn) {
    decode_rows(type, w, rows, k, v, sw, mn);
}

SKQ_AVX512 static void decode_avx512(uint32_t type, const uint8_t *w, size_t rows, size_t k, int8_t *v, float *sw, float *mn) {
    decode_rows(type, w, rows, k, v, sw, mn);
}

int skein_q_decode(uint32_t type, const uint8_t *w, size_t rows, size_t k, int8_t *v, float *sw, float *mn) {
    if (!skein_q_supports(type) || k % block_values(type) != 0) return -1;
    switch (skq_level()) {
    case 3: decode_avx512(type, w, rows, k, v, sw, mn); break;
    case 2: decode_avx2(type, w, rows, k, v, sw, mn); break;
    default: decode_generic(type, w, rows, k, v, sw, mn); break;
    }
    return 0;
}
