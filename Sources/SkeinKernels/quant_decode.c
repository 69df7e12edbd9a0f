// GGML blocks -> the weight group form (int8 values, a scale and an offset per 16 values).
// Block layouts follow gguf-py's dequantization (see GGMLType.swift, which is tested against it).
#include "quant_internal.h"
#include "summation_order.h"
#include <immintrin.h>

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

/// Decodes the 128 values at `at` (a multiple of 128) of one row with `k` values: the blocks that
/// cover them into a logical buffer, then into the interleaved layout; values past k are zero.
/// src: the row's blocks; v: the piece's 128 int8 values; sw, mn: the piece's 8 group scales and offsets.
SKQ_INLINE void decode_piece_to(uint32_t type, const uint8_t *src, size_t k, size_t at, int8_t *v, float *sw, float *mn) {
    size_t bv = block_values(type), bb = block_bytes(type);
    int8_t logical[256];
    float scales[16], offsets[16];
    memset(logical, 0, sizeof logical);
    memset(scales, 0, sizeof scales);
    memset(offsets, 0, sizeof offsets);
    size_t first = at / bv * bv;  // the first value of the block holding `at`
    for (size_t i = first; i < at + SKEIN_Q_BLOCK && i < k; i += bv) {
        decode_block(type, src + i / bv * bb, logical + (i - first), scales + (i - first) / 16, offsets + (i - first) / 16);
    }
    size_t skip = at - first;
    for (size_t e = 0; e < SKEIN_Q_BLOCK; e++) v[skq_offset(e)] = logical[skip + e];
    for (size_t g = 0; g < 8; g++) {
        sw[g] = scales[skip / 16 + g];
        mn[g] = offsets[skip / 16 + g];
    }
}

/// `decode_piece_to` into a whole row's buffers (v: the row's values; sw, mn: the row's groups).
SKQ_INLINE void decode_piece(uint32_t type, const uint8_t *src, size_t k, size_t at, int8_t *v, float *sw, float *mn) {
    decode_piece_to(type, src, k, at, v + at, sw + at / 16, mn + at / 16);
}

static void decode_generic(uint32_t type, const uint8_t *w, size_t rows, size_t k, int8_t *v, float *sw, float *mn) {
    size_t padded = skein_q_padded(k), groups = padded / SKEIN_Q_GROUP, row_bytes = k / block_values(type) * block_bytes(type);
    for (size_t r = 0; r < rows; r++) {
        for (size_t at = 0; at < padded; at += SKEIN_Q_BLOCK) {
            decode_piece(type, w + r * row_bytes, k, at, v + r * padded, sw + r * groups, mn + r * groups);
        }
    }
}

// The same code compiled for AVX2 lets the compiler vectorize the inner loops.
SKQ_AVX2 static void decode_avx2(uint32_t type, const uint8_t *w, size_t rows, size_t k, int8_t *v, float *sw, float *mn) {
    size_t padded = skein_q_padded(k), groups = padded / SKEIN_Q_GROUP, row_bytes = k / block_values(type) * block_bytes(type);
    for (size_t r = 0; r < rows; r++) {
        for (size_t at = 0; at < padded; at += SKEIN_Q_BLOCK) {
            decode_piece(type, w + r * row_bytes, k, at, v + r * padded, sw + r * groups, mn + r * groups);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// AVX-512: each type builds the 128 logical values of a piece in two registers; two dword
// permutes interleave them (the two 64-byte halves of the piece in group form).

/// One piece in group form: the interleaved values (bytes 0..63 and 64..127) and its 8 groups'
/// scales and offsets.
typedef struct { __m512i w0, w1; __m256 sw, mn; } piece512;

SKQ_AVX512 SKQ_INLINE void interleave(__m512i low, __m512i high, piece512 *p) {
    const __m512i first = _mm512_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28, 1, 5, 9, 13, 17, 21, 25, 29);
    const __m512i second = _mm512_setr_epi32(2, 6, 10, 14, 18, 22, 26, 30, 3, 7, 11, 15, 19, 23, 27, 31);
    p->w0 = _mm512_permutex2var_epi32(low, first, high);
    p->w1 = _mm512_permutex2var_epi32(low, second, high);
}

SKQ_AVX512 SKQ_INLINE __m512i join(__m256i a, __m256i b) { return _mm512_inserti64x4(_mm512_castsi256_si512(a), b, 1); }

SKQ_AVX512 SKQ_INLINE float half_f16c(const uint8_t *p) { uint16_t h; memcpy(&h, p, 2); return _cvtsh_ss(h); }

/// 16 packed nibbles -> 32 values: low nibbles first, then high nibbles.
SKQ_AVX512 SKQ_INLINE __m256i nibbles32(const uint8_t *p) {
    __m128i q = _mm_loadu_si128((const __m128i *)p), mask = _mm_set1_epi8(0x0F);
    return _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(q, 4), mask), _mm_and_si128(q, mask));
}

/// One 32-value block of Q8_0/Q4_0/Q4_1/Q5_0/Q5_1 -> 32 int8 values, its scale and offset.
SKQ_AVX512 SKQ_INLINE __m256i small_block(uint32_t type, const uint8_t *b, float *scale, float *offset) {
    *scale = half_f16c(b);
    *offset = 0;
    switch (type) {
    case Q8_0: return _mm256_loadu_si256((const __m256i *)(b + 2));
    case Q4_0: return _mm256_sub_epi8(nibbles32(b + 2), _mm256_set1_epi8(8));
    case Q4_1: *offset = half_f16c(b + 2); return nibbles32(b + 4);
    case Q5_0: {
        uint32_t high;
        memcpy(&high, b + 2, 4);
        __m256i q = _mm256_mask_add_epi8(nibbles32(b + 6), (__mmask32)high, nibbles32(b + 6), _mm256_set1_epi8(16));
        return _mm256_sub_epi8(q, _mm256_set1_epi8(16));
    }
    default: {  // Q5_1
        uint32_t high;
        memcpy(&high, b + 4, 4);
        *offset = half_f16c(b + 2);
        return _mm256_mask_add_epi8(nibbles32(b + 8), (__mmask32)high, nibbles32(b + 8), _mm256_set1_epi8(16));
    }
    }
}

/// 8 unsigned bytes, each repeated twice, as 16 floats (one per group of 16 values).
SKQ_AVX512 SKQ_INLINE __m512 pairs_to_floats(uint64_t bytes) {
    __m128i b = _mm_cvtsi64_si128((long long)bytes);
    return _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_unpacklo_epi8(b, b)));
}

/// The values of half `half` (0 or 1) of a Q4_K/Q5_K block (256 values, 16 groups).
SKQ_AVX512 SKQ_INLINE void k4_values(int five, const uint8_t *b, int half, piece512 *p) {
    const __m256i mask = _mm256_set1_epi8(0x0F);
    // Sub-blocks 4 * half ..< 4 * half + 4: low and high nibbles of two 32-byte runs.
    const uint8_t *qs = b + (five ? 48 : 16) + 64 * half;
    __m256i a = _mm256_loadu_si256((const __m256i *)qs), c = _mm256_loadu_si256((const __m256i *)(qs + 32));
    __m256i q[4] = {_mm256_and_si256(a, mask), _mm256_and_si256(_mm256_srli_epi16(a, 4), mask),
                    _mm256_and_si256(c, mask), _mm256_and_si256(_mm256_srli_epi16(c, 4), mask)};
    if (five) {
        __m256i qh = _mm256_loadu_si256((const __m256i *)(b + 16));
        for (int j = 0; j < 4; j++) {
            __mmask32 bit = _mm256_test_epi8_mask(qh, _mm256_set1_epi8((char)(1 << (4 * half + j))));
            q[j] = _mm256_mask_add_epi8(q[j], bit, q[j], _mm256_set1_epi8(16));
        }
    }
    interleave(join(q[0], q[1]), join(q[2], q[3]), p);
}

/// The 16 group scales and offsets of a Q4_K/Q5_K block: groups 0..7 into p0, 8..15 into p1.
SKQ_AVX512 SKQ_INLINE void k4_scales(const uint8_t *b, piece512 *p0, piece512 *p1) {
    // The 12 packed bytes: 6-bit scales and mins of sub-blocks 0..3 in bytes 0..7, the low 4 bits
    // of sub-blocks 4..7 in bytes 8..11 and their high 2 bits in the top bits of bytes 0..7.
    uint32_t a0, a1, a2;
    memcpy(&a0, b + 4, 4);
    memcpy(&a1, b + 8, 4);
    memcpy(&a2, b + 12, 4);
    uint64_t scales = (uint64_t)(a0 & 0x3F3F3F3F) | (uint64_t)((a2 & 0x0F0F0F0F) | ((a0 >> 6) & 0x03030303) << 4) << 32;
    uint64_t mins = (uint64_t)(a1 & 0x3F3F3F3F) | (uint64_t)(((a2 >> 4) & 0x0F0F0F0F) | ((a1 >> 6) & 0x03030303) << 4) << 32;
    __m512 d = _mm512_set1_ps(half_f16c(b)), dmin = _mm512_set1_ps(half_f16c(b + 2));
    __m512 sw = _mm512_mul_ps(d, pairs_to_floats(scales));
    __m512 offsets = _mm512_mul_ps(dmin, pairs_to_floats(mins));
    __m512 mn = _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(offsets), _mm512_set1_epi32((int)0x80000000)));
    p0->sw = _mm512_castps512_ps256(sw);
    p1->sw = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(sw), 1));
    p0->mn = _mm512_castps512_ps256(mn);
    p1->mn = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(mn), 1));
}

/// Half `half` (0 or 1) of a Q4_K/Q5_K block.
SKQ_AVX512 SKQ_INLINE void k4_piece(int five, const uint8_t *b, int half, piece512 *p) {
    piece512 other;
    k4_values(five, b, half, p);
    if (half) k4_scales(b, &other, p); else k4_scales(b, p, &other);
}

/// Half `half` (0 or 1) of a Q6_K block: values 128 * half ..< 128 * half + 128.
SKQ_AVX512 SKQ_INLINE void k6_piece(const uint8_t *b, int half, piece512 *p) {
    const __m512i nibble = _mm512_set1_epi8(0x0F), two = _mm512_set1_epi8(0x03), offset = _mm512_set1_epi8(32);
    __m512i ql = _mm512_loadu_si512(b + 64 * half);
    __m256i qh = _mm256_loadu_si256((const __m256i *)(b + 128 + 32 * half));
    __m512i h01 = join(qh, _mm256_srli_epi16(qh, 2)), h23 = join(_mm256_srli_epi16(qh, 4), _mm256_srli_epi16(qh, 6));
    __m512i low = _mm512_or_si512(_mm512_and_si512(ql, nibble), _mm512_slli_epi16(_mm512_and_si512(h01, two), 4));
    __m512i high = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(ql, 4), nibble), _mm512_slli_epi16(_mm512_and_si512(h23, two), 4));
    interleave(_mm512_sub_epi8(low, offset), _mm512_sub_epi8(high, offset), p);
    float d = half_f16c(b + 208);
    __m256 scales = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(b + 192 + 8 * half))));
    p->sw = _mm256_mul_ps(_mm256_set1_ps(d), scales);
    p->mn = _mm256_setzero_ps();
}

/// Four Q8_0 blocks (128 values): the bytes as they are, the four half scales converted together.
SKQ_AVX512 SKQ_INLINE void q8_piece(const uint8_t *b, piece512 *p) {
    __m256i q[4];
    uint32_t pairs[4];
    for (int j = 0; j < 4; j++) {
        q[j] = _mm256_loadu_si256((const __m256i *)(b + 34 * j + 2));
        uint16_t h;
        memcpy(&h, b + 34 * j, 2);
        pairs[j] = (uint32_t)h * 0x10001u;  // each block is two groups of 16
    }
    interleave(join(q[0], q[1]), join(q[2], q[3]), p);
    p->sw = _mm256_cvtph_ps(_mm_setr_epi32((int)pairs[0], (int)pairs[1], (int)pairs[2], (int)pairs[3]));
    p->mn = _mm256_setzero_ps();
}

/// The piece at `at` (a multiple of 128 with at + 128 <= k) of the row whose blocks start at `src`.
SKQ_AVX512 SKQ_INLINE void piece_avx512(const uint32_t type, const uint8_t *src, size_t at, piece512 *p) {
    const uint8_t *b = src + at / block_values(type) * block_bytes(type);
    int half = (int)(at / 128) & 1;
    switch (type) {
    case Q4_K: k4_piece(0, b, half, p); break;
    case Q5_K: k4_piece(1, b, half, p); break;
    case Q6_K: k6_piece(b, half, p); break;
    case Q8_0: q8_piece(b, p); break;
    default: {
        __m256i q[4];
        float scale[4], offset[4];
        for (int j = 0; j < 4; j++) q[j] = small_block(type, b + j * block_bytes(type), &scale[j], &offset[j]);
        interleave(join(q[0], q[1]), join(q[2], q[3]), p);
        // Each 32-value block is two groups of 16.
        p->sw = _mm256_setr_ps(scale[0], scale[0], scale[1], scale[1], scale[2], scale[2], scale[3], scale[3]);
        p->mn = _mm256_setr_ps(offset[0], offset[0], offset[1], offset[1], offset[2], offset[2], offset[3], offset[3]);
    }
    }
}

/// The piece at `at` of a row with `k` values, also when it is the partial last one.
SKQ_AVX512 SKQ_INLINE void any_piece_avx512(const uint32_t type, const uint8_t *src, size_t k, size_t at, piece512 *p) {
    if (at + SKEIN_Q_BLOCK <= k) {
        piece_avx512(type, src, at, p);
        return;
    }
    int8_t v[SKEIN_Q_BLOCK];
    float sw[8], mn[8];
    decode_piece_to(type, src, k, at, v, sw, mn);
    p->w0 = _mm512_loadu_si512(v);
    p->w1 = _mm512_loadu_si512(v + 64);
    p->sw = _mm256_loadu_ps(sw);
    p->mn = _mm256_loadu_ps(mn);
}

SKQ_AVX512 SKQ_INLINE void decode_rows_avx512(const uint32_t type, const uint8_t *w, size_t rows, size_t k, int8_t *v, float *sw, float *mn) {
    size_t padded = skein_q_padded(k), groups = padded / SKEIN_Q_GROUP, row_bytes = k / block_values(type) * block_bytes(type);
    for (size_t r = 0; r < rows; r++) {
        for (size_t at = 0; at < padded; at += SKEIN_Q_BLOCK) {
            piece512 p;
            any_piece_avx512(type, w + r * row_bytes, k, at, &p);
            int8_t *dst = v + r * padded + at;
            _mm512_storeu_si512(dst, p.w0);
            _mm512_storeu_si512(dst + 64, p.w1);
            _mm256_storeu_ps(sw + r * groups + at / 16, p.sw);
            _mm256_storeu_ps(mn + r * groups + at / 16, p.mn);
        }
    }
}

/// One instance per type, so that the type switch leaves the inner loop.
#define SKQ_PER_TYPE(call_with_type) \
    switch (type) { \
    case Q8_0: call_with_type(Q8_0); break; \
    case Q4_0: call_with_type(Q4_0); break; \
    case Q4_1: call_with_type(Q4_1); break; \
    case Q5_0: call_with_type(Q5_0); break; \
    case Q5_1: call_with_type(Q5_1); break; \
    case Q4_K: call_with_type(Q4_K); break; \
    case Q5_K: call_with_type(Q5_K); break; \
    default: call_with_type(Q6_K); break; \
    }

SKQ_AVX512 static void decode_avx512(uint32_t type, const uint8_t *w, size_t rows, size_t k, int8_t *v, float *sw, float *mn) {
#define DECODE(T) decode_rows_avx512(T, w, rows, k, v, sw, mn)
    SKQ_PER_TYPE(DECODE)
#undef DECODE
}

// ---------------------------------------------------------------------------------------------
// Fused decode and product for a few activation rows (decoding): each piece is decoded into
// registers and used at once; each block goes through skq_block_product like quant_gemm.c's
// tile_avx512, in the same order, so results are the same bits as the decode + GEMM path.

/// One decoded piece (values at `at`) times T activation rows, accumulated as tile_avx512 does.
SKQ_AVX512 SKQ_INLINE void matvec_piece(const piece512 *p, const int negative_values, size_t at,
                                        const int8_t *xq, const float *dx, const float *xs, const int32_t *xc,
                                        size_t padded, size_t groups, const int T, __m512 *acc) {
    __m512 sw = _mm512_broadcast_f32x8(p->sw), mn = _mm512_zextps256_ps512(p->mn);
    __m512i w0 = negative_values ? skq_bias128(p->w0) : p->w0, w1 = negative_values ? skq_bias128(p->w1) : p->w1;
    for (int t = 0; t < T; t++) {
        acc[t] = skq_block_product(acc[t], w0, w1, sw, mn, negative_values, xq + t * padded, dx + t * groups,
                                   xs + t * groups, xc + t * (padded / 8), at / SKEIN_Q_BLOCK);
    }
}

/// Asks for the weight bytes 2 KiB past the `count` bytes at `p` (the hardware prefetcher alone
/// falls behind a stream of rows).
SKQ_AVX512 SKQ_INLINE void prefetch_ahead(const uint8_t *p, size_t count) {
    for (size_t line = 0; line < count; line += 64) _mm_prefetch((const char *)p + 2048 + line, _MM_HINT_T0);
}

/// Weight rows `first`, `first + stride`, ... (NR of them) times T activation rows into acc[j·T + t].
SKQ_AVX512 SKQ_INLINE void matvec_group_avx512(const uint32_t type, const uint8_t *w, size_t k, size_t first, size_t stride,
                                               const int NR, const int8_t *xq, const float *dx, const float *xs,
                                               const int32_t *xc, const int T, __m512 *acc) {
    size_t padded = skein_q_padded(k), groups = padded / SKEIN_Q_GROUP, row_bytes = k / block_values(type) * block_bytes(type);
    const int negative_values = type == Q8_0 || type == Q4_0 || type == Q5_0 || type == Q6_K;
    for (int i = 0; i < NR * T; i++) acc[i] = _mm512_setzero_ps();
    if (type == Q4_K || type == Q5_K) {
        // Both halves of a block at once: its packed scales are unpacked once.
        for (size_t at = 0; at < k; at += 256) {
            for (int j = 0; j < NR; j++) {
                const uint8_t *b = w + (first + j * stride) * row_bytes + at / 256 * block_bytes(type);
                prefetch_ahead(b, block_bytes(type));
                piece512 p0, p1;
                k4_values(type == Q5_K, b, 0, &p0);
                k4_values(type == Q5_K, b, 1, &p1);
                k4_scales(b, &p0, &p1);
                matvec_piece(&p0, negative_values, at, xq, dx, xs, xc, padded, groups, T, acc + j * T);
                matvec_piece(&p1, negative_values, at + 128, xq, dx, xs, xc, padded, groups, T, acc + j * T);
            }
        }
    } else {
        for (size_t at = 0; at < padded; at += SKEIN_Q_BLOCK) {
            for (int j = 0; j < NR; j++) {
                const uint8_t *src = w + (first + j * stride) * row_bytes;
                // The piece's bytes (half a block for Q6_K) start at value `at` times bytes per value.
                prefetch_ahead(src + at * block_bytes(type) / block_values(type), SKEIN_Q_BLOCK * block_bytes(type) / block_values(type));
                piece512 p;
                any_piece_avx512(type, src, k, at, &p);
                matvec_piece(&p, negative_values, at, xq, dx, xs, xc, padded, groups, T, acc + j * T);
            }
        }
    }
}

SKQ_AVX512 SKQ_INLINE void matvec_rows_avx512(const uint32_t type, const uint8_t *w, size_t wrows, size_t k,
                                              const int8_t *xq, const float *dx, const float *xs, const int32_t *xc,
                                              const int T, const float *bias, float *y, size_t ldy) {
    __m512 acc[4];
    size_t r = 0;
    if (T == 1 && wrows >= 64) {
        // One activation row: the rows are read as four streams (the range's quarters side by
        // side), as kernels.c reads F16 rows; one stream per core stays below memory bandwidth.
        size_t quarter = wrows / 4;
        for (; r < quarter; r++) {
            matvec_group_avx512(type, w, k, r, quarter, 4, xq, dx, xs, xc, 1, acc);
            for (int j = 0; j < 4; j++) y[r + j * quarter] = _mm512_reduce_add_ps(acc[j]) + (bias ? bias[r + j * quarter] : 0);
        }
        r = 4 * quarter;
    }
    for (; r < wrows; r++) {
        matvec_group_avx512(type, w, k, r, 0, 1, xq, dx, xs, xc, T, acc);
        for (int t = 0; t < T; t++) y[t * ldy + r] = _mm512_reduce_add_ps(acc[t]) + (bias ? bias[r] : 0);
    }
}

SKQ_AVX512 static void matvec_avx512(uint32_t type, const uint8_t *w, size_t wrows, size_t k, const int8_t *xq, const float *dx,
                                     const float *xs, const int32_t *xc, size_t trows, const float *bias, float *y, size_t ldy) {
#define MATVEC(TYPE) \
    switch (trows) { \
    case 1: matvec_rows_avx512(TYPE, w, wrows, k, xq, dx, xs, xc, 1, bias, y, ldy); break; \
    case 2: matvec_rows_avx512(TYPE, w, wrows, k, xq, dx, xs, xc, 2, bias, y, ldy); break; \
    case 3: matvec_rows_avx512(TYPE, w, wrows, k, xq, dx, xs, xc, 3, bias, y, ldy); break; \
    default: matvec_rows_avx512(TYPE, w, wrows, k, xq, dx, xs, xc, 4, bias, y, ldy); break; \
    }
    SKQ_PER_TYPE(MATVEC)
#undef MATVEC
}

int skein_q_matvec_supported(uint32_t type, size_t k, size_t trows) {
    return skein_q_supports(type) && k % block_values(type) == 0 && trows >= 1 && trows <= 4 && skq_level() >= 3;
}

int skein_q_matvec(uint32_t type, const uint8_t *w, size_t wrows, size_t k, const int8_t *xq, const float *dx, const float *xs,
                   const int32_t *xc, size_t trows, const float *bias, float *y, size_t ldy) {
    if (!skein_q_matvec_supported(type, k, trows)) return -1;
    matvec_avx512(type, w, wrows, k, xq, dx, xs, xc, trows, bias, y, ldy);
    return 0;
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
