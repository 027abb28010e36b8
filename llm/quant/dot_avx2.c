/* dot_avx2.c — AVX2 + FMA + F16C dot kernels, compiled with function-level target
 * attributes (the binary still runs on older CPUs; traits.c picks them only when cpuid says
 * so). Q8_0, Q4_0, Q5_0, Q4_K, Q6_K: hand-written, in ggml's AVX2 lane order (bit-identical
 * to dot_scalar.c and to llama.cpp's AVX2 build); the others: dot_int.inc compiled for AVX2. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3")
#endif
#include "llm/quant/kernels.h"

#include <math.h>

#if LLM_QUANT_X86
/* ---- AVX2 kernels (x86-64; picked at run time when the CPU has AVX2 + FMA) -------------
 * Integer block dots as in ggml's x86 path: |w|·sign(x, w) with maddubs (u8×s8 → s16 pairs),
 * madd with ones (→ s32), one float scale per block. Same results as the scalar code except
 * for the order of the float additions. */
#include <immintrin.h>
#define AVX2 __attribute__((target("avx2,fma,f16c")))

/* fp16 → fp32 with the F16C instruction (every AVX2 CPU has it; checked in have_avx2) */
#define H2F(p) _cvtsh_ss((unsigned short)((p)[0] | (p)[1] << 8))

AVX2 static inline __m256 sum_i8_pairs(__m256i w, __m256i x)
{
    const __m256i aw = _mm256_sign_epi8(w, w);
    const __m256i sx = _mm256_sign_epi8(x, w);
    const __m256i p16 = _mm256_maddubs_epi16(aw, sx);
    return _mm256_cvtepi32_ps(_mm256_madd_epi16(p16, _mm256_set1_epi16(1)));
}

AVX2 static inline float hsum8(__m256 v)
{
    __m128 lo = _mm256_castps256_ps128(v), hi = _mm256_extractf128_ps(v, 1);
    lo = _mm_add_ps(lo, hi);
    lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
    lo = _mm_add_ss(lo, _mm_movehdup_ps(lo));
    return _mm_cvtss_f32(lo);
}

/* 32 nibbles of a Q4_0/Q5_0 block: low nibbles are elements 0..15, high nibbles 16..31 */
AVX2 static inline __m256i nibbles32(const uint8_t *qs)
{
    __m128i b = _mm_loadu_si128((const __m128i *)qs);
    __m128i lo = _mm_and_si128(b, _mm_set1_epi8(0xF));
    __m128i hi = _mm_and_si128(_mm_srli_epi16(b, 4), _mm_set1_epi8(0xF));
    return _mm256_set_m128i(hi, lo);
}

/* byte i = 0xFF where bit i of qh is set */
AVX2 static inline __m256i bits32(uint32_t qh)
{
    const __m256i shuf = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
                                          2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
    const __m256i mask = _mm256_set1_epi64x((long long)0x8040201008040201ull);
    __m256i v = _mm256_shuffle_epi8(_mm256_set1_epi32((int)qh), shuf);
    return _mm256_cmpeq_epi8(_mm256_and_si256(v, mask), mask);
}

AVX2 float llm_dot_q8_0_avx2(const uint8_t *w, const uint8_t *x, int64_t nb)
{
    __m256 acc = _mm256_setzero_ps();
    for (int64_t b = 0; b < nb; b++, w += 34, x += 34) {
        __m256i qw = _mm256_loadu_si256((const __m256i *)(w + 2));
        __m256i qx = _mm256_loadu_si256((const __m256i *)(x + 2));
        acc = _mm256_fmadd_ps(_mm256_set1_ps(H2F(w) * H2F(x)), sum_i8_pairs(qw, qx), acc);
    }
    return hsum8(acc);
}

AVX2 float llm_dot_q4_0_avx2(const uint8_t *w, const uint8_t *x, int64_t nb)
{
    __m256 acc = _mm256_setzero_ps();
    for (int64_t b = 0; b < nb; b++, w += 18, x += 34) {
        __m256i q = _mm256_sub_epi8(nibbles32(w + 2), _mm256_set1_epi8(8));
        __m256i qx = _mm256_loadu_si256((const __m256i *)(x + 2));
        __m256 d = _mm256_set1_ps(H2F(w) * H2F(x));
        acc = _mm256_fmadd_ps(d, sum_i8_pairs(q, qx), acc);
    }
    return hsum8(acc);
}

AVX2 float llm_dot_q5_0_avx2(const uint8_t *w, const uint8_t *x, int64_t nb)
{
    __m256 acc = _mm256_setzero_ps();
    for (int64_t b = 0; b < nb; b++, w += 22, x += 34) {
        uint32_t qh;
        memcpy(&qh, w + 2, 4);
        __m256i hb = _mm256_and_si256(bits32(qh), _mm256_set1_epi8(0x10));
        __m256i q = _mm256_sub_epi8(_mm256_or_si256(nibbles32(w + 6), hb), _mm256_set1_epi8(16));
        __m256i qx = _mm256_loadu_si256((const __m256i *)(x + 2));
        __m256 d = _mm256_set1_ps(H2F(w) * H2F(x));
        acc = _mm256_fmadd_ps(d, sum_i8_pairs(q, qx), acc);
    }
    return hsum8(acc);
}

AVX2 float llm_dot_q4_k_avx2(const uint8_t *w, const uint8_t *x, int64_t nb)
{
    __m256 acc = _mm256_setzero_ps();
    float accm[4] = {0};
    const __m256i m4 = _mm256_set1_epi8(0xF);
    for (int64_t b = 0; b < nb; b++, w += 144, x += 292) {
        float dx;
        memcpy(&dx, x, 4);
        const int8_t *qx = (const int8_t *)(x + 4);
        int16_t bs[16];
        memcpy(bs, x + 260, sizeof bs);
        int sc[8], mn[8];
        for (int j = 0; j < 8; j++)
            scale_min_k4(j, w + 4, &sc[j], &mn[j]);
        const float dmin = -dx * H2F(w + 2);
        for (int m = 0; m < 4; m++) {
            int pm = mn[2 * m] * (bs[4 * m] + bs[4 * m + 1]) + mn[2 * m + 1] * (bs[4 * m + 2] + bs[4 * m + 3]);
            accm[m] = fmaf(dmin, (float)pm, accm[m]);
        }
        __m256i isum = _mm256_setzero_si256();
        const uint8_t *qs = w + 16;
        for (int c = 0; c < 4; c++) {
            __m256i raw = _mm256_loadu_si256((const __m256i *)(qs + 32 * c));
            __m256i lo = _mm256_and_si256(raw, m4);
            __m256i hi = _mm256_and_si256(_mm256_srli_epi16(raw, 4), m4);
            __m256i x0 = _mm256_loadu_si256((const __m256i *)(qx + 64 * c));
            __m256i x1 = _mm256_loadu_si256((const __m256i *)(qx + 64 * c + 32));
            __m256i p0 = _mm256_maddubs_epi16(lo, x0);
            __m256i p1 = _mm256_maddubs_epi16(hi, x1);
            p0 = _mm256_madd_epi16(p0, _mm256_set1_epi16((short)sc[2 * c]));
            p1 = _mm256_madd_epi16(p1, _mm256_set1_epi16((short)sc[2 * c + 1]));
            isum = _mm256_add_epi32(isum, _mm256_add_epi32(p0, p1));
        }
        acc = _mm256_fmadd_ps(_mm256_set1_ps(dx * H2F(w)), _mm256_cvtepi32_ps(isum), acc);
    }
    return hsum8(acc) + ((accm[0] + accm[2]) + (accm[1] + accm[3]));
}


/* Q6_K in ggml's lane layout (see dot_q6_k): 16-element chunks, even ones into lanes 0..3,
 * odd ones into lanes 4..7, each times its scale; the −32 offset per lane from the bsums. */
AVX2 float llm_dot_q6_k_avx2(const uint8_t *w, const uint8_t *x, int64_t nb)
{
    __m256 acc = _mm256_setzero_ps();
    int8_t q[QKK];
    for (int64_t b = 0; b < nb; b++, w += 210, x += 292) {
        float dx;
        memcpy(&dx, x, 4);
        const int8_t *qx = (const int8_t *)(x + 4);
        const int8_t *sc = (const int8_t *)(w + 192);
        int16_t bs[16];
        memcpy(bs, x + 260, sizeof bs);
        q6_k_ints(w, q);
        __m128i s0 = _mm_setzero_si128(), s1 = _mm_setzero_si128();
        const __m128i o32 = _mm_set1_epi8(32);
        for (int c = 0; c < 16; c += 2) {
            __m128i q0 = _mm_add_epi8(_mm_loadu_si128((const __m128i *)(q + 16 * c)), o32);
            __m128i q1 = _mm_add_epi8(_mm_loadu_si128((const __m128i *)(q + 16 * c + 16)), o32);
            __m128i x0 = _mm_loadu_si128((const __m128i *)(qx + 16 * c));
            __m128i x1 = _mm_loadu_si128((const __m128i *)(qx + 16 * c + 16));
            s0 = _mm_add_epi32(s0, _mm_madd_epi16(_mm_maddubs_epi16(q0, x0), _mm_set1_epi16(sc[c])));
            s1 = _mm_add_epi32(s1, _mm_madd_epi16(_mm_maddubs_epi16(q1, x1), _mm_set1_epi16(sc[c + 1])));
        }
        int l[8];
        _mm_storeu_si128((__m128i *)l, s0);
        _mm_storeu_si128((__m128i *)(l + 4), s1);
        for (int m = 0; m < 4; m++) {
            l[m] -= 32 * (bs[2 * m] * sc[2 * m] + bs[2 * m + 1] * sc[2 * m + 1]);
            l[4 + m] -= 32 * (bs[8 + 2 * m] * sc[8 + 2 * m] + bs[9 + 2 * m] * sc[9 + 2 * m]);
        }
        acc = _mm256_fmadd_ps(_mm256_set1_ps(dx * H2F(w + 208)), _mm256_cvtepi32_ps(_mm256_loadu_si256((const __m256i *)l)), acc);
    }
    return hsum8(acc);
}

AVX2 static inline int hsum_i32_8(__m256i v)
{
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
    return _mm_cvtsi128_si32(s);
}

/* llama.cpp's repacked Q4_K order (see dot_repack.c): the integer sums of each pair of
 * sub-blocks with SIMD (exact), the float steps as in the C version */
AVX2 float llm_dot_q4_k_rp_avx2(const uint8_t *w, const uint8_t *x, int64_t nb, int gemm)
{
    float acc = 0, accm = 0;
    const __m256i m4 = _mm256_set1_epi8(0xF);
    for (int64_t b = 0; b < nb; b++, w += 144, x += 292) {
        const int8_t *qx = (const int8_t *)(x + 4);
        int16_t bs[16];
        memcpy(bs, x + 260, sizeof bs);
        int sc[8], mn[8], ip[4], mp[4];
        for (int j = 0; j < 8; j++)
            scale_min_k4(j, w + 4, &sc[j], &mn[j]);
        __m256i tot = _mm256_setzero_si256();
        for (int c = 0; c < 4; c++) {
            __m256i raw = _mm256_loadu_si256((const __m256i *)(w + 16 + 32 * c));
            __m256i lo = _mm256_and_si256(raw, m4);
            __m256i hi = _mm256_and_si256(_mm256_srli_epi16(raw, 4), m4);
            __m256i x0 = _mm256_loadu_si256((const __m256i *)(qx + 64 * c));
            __m256i x1 = _mm256_loadu_si256((const __m256i *)(qx + 64 * c + 32));
            __m256i v = _mm256_add_epi32(_mm256_madd_epi16(_mm256_maddubs_epi16(lo, x0), _mm256_set1_epi16((short)sc[2 * c])), _mm256_madd_epi16(_mm256_maddubs_epi16(hi, x1), _mm256_set1_epi16((short)sc[2 * c + 1])));
            if (gemm)
                ip[c] = hsum_i32_8(v);
            else
                tot = _mm256_add_epi32(tot, v);
            mp[c] = mn[2 * c] * (bs[4 * c] + bs[4 * c + 1]) + mn[2 * c + 1] * (bs[4 * c + 2] + bs[4 * c + 3]);
        }
        const float dx = rd_f32(x), d = H2F(w) * dx, dmin = H2F(w + 2) * dx;
        if (gemm) {
            for (int p = 0; p < 4; p++) {
                acc = fmaf((float)ip[p], d, acc);
                accm = fmaf((float)mp[p], dmin, accm);
            }
        } else {
            acc = fmaf((float)hsum_i32_8(tot), d, acc);
            accm = fmaf((float)(mp[0] + mp[1] + mp[2] + mp[3]), dmin, accm);
        }
    }
    return acc - accm;
}

#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c")
#define KS(name) name##_avx2
#define KH2F(p) _cvtsh_ss((unsigned short)((p)[0] | (p)[1] << 8))
#include "llm/quant/dot_int.inc"
#undef KS
#undef KH2F
#pragma GCC pop_options

#endif /* LLM_QUANT_X86 */
