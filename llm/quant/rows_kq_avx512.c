/* rows_kq_avx512.c — whole products (rows × tokens) for Q4_K and Q6_K weights against Q8_K
 * activations with AVX-512 VNNI, in llama.cpp's repacked float orders (dot_repack.c:
 * q4_k_rp_c with gemm = 1/0, q6_k_rp_c), so the same bits as llm_dot_q4_k_rp /
 * llm_dot_q6_k_rp, with rows as SIMD lanes:
 *   - 16 rows at a time, one per int32 lane of a zmm. Their blocks are decoded once into a
 *     stack buffer where one zmm holds, for 4 consecutive elements, the 4 unsigned weight
 *     bytes of each of the 16 rows (an 8×8 dword transpose per 32 bytes of 16 rows);
 *   - then tiles of up to 4 tokens: vpdpbusd(weights, the token's 4 activation bytes
 *     broadcast), so one weight load serves every token of the tile and no horizontal sums
 *     are needed; a sub-block's sum is exact in int32, then times the row's scale
 *     (vpmulld) — the integer sums are exact, so how they are formed does not matter;
 *   - the float steps for 16 rows at once: lane r does row r's scalar chain (same
 *     operations, same order), and a token's 16 outputs are stored side by side.
 * Rows past nrows are zero lanes: computed, never stored. matvec.c calls these on the
 * AVX-512 path; test_quant compares them with the scalar path bit for bit. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3")
#endif
#include "llm/quant/kernels.h"

#if LLM_QUANT_X86
#include <immintrin.h>

#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")

#include "llm/quant/lanes16.h"

#define INL static inline __attribute__((always_inline))

/* ---- decoding 16 rows ----------------------------------------------------------------- */

/* 32 bytes at p + r·rb of rows r < nr (zero for the others), transposed as dwords:
 * lane r of out[g] = dword g of row r's 32 bytes (lanes16.h). */
INL void tr16x8(const uint8_t *p, size_t rb, int nr, __m512i *out)
{
    __m512i z[8];
    if (nr == 16) /* every group but a product's last: no tests */
        for (int k = 0; k < 8; k++)
            z[k] = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)(p + (size_t)k * rb))),
                                      _mm256_loadu_si256((const __m256i *)(p + (size_t)(k + 8) * rb)), 1);
    else
        for (int k = 0; k < 8; k++) {
            const __m256i lo =
                k < nr ? _mm256_loadu_si256((const __m256i *)(p + (size_t)k * rb)) : _mm256_setzero_si256();
            const __m256i hi =
                k + 8 < nr ? _mm256_loadu_si256((const __m256i *)(p + (size_t)(k + 8) * rb)) : _mm256_setzero_si256();
            z[k] = _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
        }
    lanes16_transpose(z, out);
}

/* 16 bytes at p + r·rb if r < nr, else zero */
INL __m128i ld16(const uint8_t *p, size_t rb, int r, int nr)
{
    return r < nr ? _mm_loadu_si128((const __m128i *)(p + (size_t)r * rb)) : _mm_setzero_si128();
}

/* 16 bytes at p + r·rb of rows r < nr (zero for the others) as dwords: lane r of out[i] =
 * dword i of row r's 16 bytes. Register a holds rows a, a + 4, a + 8, a + 12 (one per
 * quarter), then a 4×4 dword transpose in every quarter (cheaper than 4 gathers). */
INL void tr16x4(const uint8_t *p, size_t rb, int nr, __m512i *out)
{
    __m512i z[4];
    for (int a = 0; a < 4; a++) {
        __m512i v = _mm512_castsi128_si512(ld16(p, rb, a, nr));
        v = _mm512_inserti32x4(v, ld16(p, rb, a + 4, nr), 1);
        v = _mm512_inserti32x4(v, ld16(p, rb, a + 8, nr), 2);
        z[a] = _mm512_inserti32x4(v, ld16(p, rb, a + 12, nr), 3);
    }
    const __m512i t0 = _mm512_unpacklo_epi32(z[0], z[1]), t1 = _mm512_unpackhi_epi32(z[0], z[1]);
    const __m512i t2 = _mm512_unpacklo_epi32(z[2], z[3]), t3 = _mm512_unpackhi_epi32(z[2], z[3]);
    out[0] = _mm512_unpacklo_epi64(t0, t2);
    out[1] = _mm512_unpackhi_epi64(t0, t2);
    out[2] = _mm512_unpacklo_epi64(t1, t3);
    out[3] = _mm512_unpackhi_epi64(t1, t3);
}

/* fp16 in the low 16 bits of each lane to float (exact, as h2f) */
INL __m512 h2f16(__m512i v)
{
    return _mm512_cvtph_ps(_mm512_cvtepi32_epi16(v));
}

#define KV __m512i
#define KF __m512
#define KV_(op) _mm512_##op
#define KV_AND(a, b) _mm512_and_si512((a), (b))
#define KV_OR(a, b) _mm512_or_si512((a), (b))
#define KV_ROWS 16
#define KV_TR8 tr16x8
#define KV_TR4 tr16x4
#define KV_H2F h2f16
#define KV_SCALE(v) (v) /* int32 scales: vpmulld */
#include "llm/quant/rows_kq_decode.inc"

/* ---- token tiles -------------------------------------------------------------------- */

/* 4 activation bytes as one broadcast int32 (vpdpbusd's signed operand) */
INL __m512i x4(const int8_t *p)
{
    int32_t v;
    memcpy(&v, p, 4);
    return _mm512_set1_epi32(v);
}

/* Sub-blocks summed at once for a tile of T tokens: 8 independent vpdpbusd chains (about
 * its latency times its throughput) with few enough registers. */
#define CHAINS(T) ((T) >= 3 ? 2 : (T) == 2 ? 4 : 8)

/* The exact sums Σ_{i in sub-block s} q·x of T tokens (xs apart, qx: block j's int8
 * values) for sub-blocks s0 .. s0 + S − 1 (len elements each), times the row scales, into
 * is[t][s]. init[t][s]: each chain's start (zero, or the offset's correction). */
INL void sub_sums(const __m512i *q, const __m512i *sc, const int8_t *qx, size_t xs, int T, int S, int s0, int len,
                  __m512i init[4][8], __m512i is[4][16])
{
    __m512i c[8][4];
    for (int s = 0; s < S; s++)
        for (int t = 0; t < T; t++)
            c[s][t] = init[t][s];
    /* fully unrolled, so the chains stay in registers */
#pragma GCC unroll 8
    for (int g = 0; g < len / 4; g++)
#pragma GCC unroll 8
        for (int s = 0; s < S; s++) {
            const __m512i wv = q[(s0 + s) * (len / 4) + g];
#pragma GCC unroll 4
            for (int t = 0; t < T; t++)
                c[s][t] = _mm512_dpbusd_epi32(c[s][t], wv, x4(qx + (size_t)t * xs + (s0 + s) * len + 4 * g));
        }
    for (int s = 0; s < S; s++)
        for (int t = 0; t < T; t++)
            is[t][s0 + s] = _mm512_mullo_epi32(c[s][t], sc[s0 + s]);
}

/* The activation's 8 sub-block sums of a Q4_K pair as int16 pairs: dword p =
 * B_2p | B_2p+1 << 16, B_k = bs[2k] + bs[2k + 1] (|B_k| <= 2·16·128, exact in int16) */
INL __m128i q4k_bpairs(const uint8_t *bs)
{
    const __m128i one = _mm_set1_epi16(1);
    const __m128i lo = _mm_madd_epi16(_mm_loadu_si128((const __m128i *)bs), one);
    const __m128i hi = _mm_madd_epi16(_mm_loadu_si128((const __m128i *)(bs + 16)), one);
    return _mm_packs_epi32(lo, hi);
}

/* Q4_K, tokens b0 .. b0 + T − 1 (x: token b0's row) against the decoded group: for each
 * token and block, pair p's sums ip[p], mp[p] (as q4_k_rp_c's is[2p] + is[2p + 1],
 * ms[2p] + ms[2p + 1]), then the gemm (b < ngemm) or gemv float steps of every row */
INL void q4k_tile(const q4k_blk *wb, int64_t nblk, const uint8_t *x, size_t xs, int T, int b0, int ngemm, float *Y,
                  int64_t ldy, __mmask16 m, const next_rows *nx)
{
    const int S = CHAINS(T);
    __m512 acc[4], accm[4];
    __m512i zero[4][8];
    for (int t = 0; t < T; t++) {
        acc[t] = accm[t] = _mm512_setzero_ps();
        for (int s = 0; s < 8; s++)
            zero[t][s] = _mm512_setzero_si512();
    }
    for (int64_t j = 0; j < nblk; j++) {
        const q4k_blk *B = wb + j;
        if (nx)
            next_block_prefetch(nx, j, 144);
        const uint8_t *xj = x + (size_t)j * 292;
        __m512i is[4][16];
        for (int s0 = 0; s0 < 8; s0 += S)
            sub_sums(&B->q[0][0], B->sc, (const int8_t *)(xj + 4), xs, T, S, s0, 32, zero, is);
        for (int t = 0; t < T; t++) {
            const uint8_t *xt = xj + (size_t)t * xs;
            const __m512 dx = _mm512_set1_ps(rd_f32(xt));
            const __m512 d = _mm512_mul_ps(B->dw, dx), dmin = _mm512_mul_ps(B->mw, dx);
            uint32_t bp[4];
            _mm_storeu_si128((__m128i *)bp, q4k_bpairs(xt + 260));
            __m512i ip[4], mp[4];
            for (int p = 0; p < 4; p++) {
                ip[p] = _mm512_add_epi32(is[t][2 * p], is[t][2 * p + 1]);
                mp[p] = _mm512_madd_epi16(B->mn[p], _mm512_set1_epi32((int)bp[p]));
            }
            if (b0 + t < ngemm) {
                for (int p = 0; p < 4; p++) {
                    acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(ip[p]), d, acc[t]);
                    accm[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(mp[p]), dmin, accm[t]);
                }
            } else {
                const __m512i isum = _mm512_add_epi32(_mm512_add_epi32(ip[0], ip[1]), _mm512_add_epi32(ip[2], ip[3]));
                const __m512i msum = _mm512_add_epi32(_mm512_add_epi32(mp[0], mp[1]), _mm512_add_epi32(mp[2], mp[3]));
                acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum), d, acc[t]);
                accm[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(msum), dmin, accm[t]);
            }
        }
    }
    for (int t = 0; t < T; t++)
        _mm512_mask_storeu_ps(Y + (size_t)t * ldy, m, _mm512_sub_ps(acc[t], accm[t]));
}

/* Q6_K, tokens b0 .. b0 + T − 1: the weights are q + 32, so isum = Σ_s sc_s·Σ (q + 32)·x
 * − 32·Σ_s sc_s·bs_s (bs: the activation's 16-element sums, which are Q6_K's sub-blocks);
 * acc = fma(isum·d_w, d_x, acc) per row */
INL void q6k_tile(const q6k_blk *wb, int64_t nblk, const uint8_t *x, size_t xs, int T, float *Y, int64_t ldy,
                  __mmask16 m, const next_rows *nx)
{
    const int S = CHAINS(T);
    __m512 acc[4];
    __m512i zero[4][8];
    for (int t = 0; t < T; t++) {
        acc[t] = _mm512_setzero_ps();
        for (int s = 0; s < 8; s++)
            zero[t][s] = _mm512_setzero_si512();
    }
    for (int64_t j = 0; j < nblk; j++) {
        const q6k_blk *B = wb + j;
        if (nx)
            next_block_prefetch(nx, j, 210);
        const uint8_t *xj = x + (size_t)j * 292;
        __m512i is[4][16];
        for (int s0 = 0; s0 < 16; s0 += S)
            sub_sums(B->q, B->sc, (const int8_t *)(xj + 4), xs, T, S, s0, 16, zero, is);
        for (int t = 0; t < T; t++) {
            /* Σ sc·bs by int16 pairs (|bs| <= 16·128), straight from the activation row */
            const uint8_t *bs = xj + (size_t)t * xs + 260;
            __m512i sb = _mm512_setzero_si512();
            for (int k = 0; k < 8; k++) {
                int32_t pair;
                memcpy(&pair, bs + 4 * k, 4);
                sb = _mm512_dpwssd_epi32(sb, B->scp[k], _mm512_set1_epi32(pair));
            }
            __m512i isum = _mm512_sub_epi32(is[t][0], _mm512_slli_epi32(sb, 5));
            for (int s = 1; s < 16; s++)
                isum = _mm512_add_epi32(isum, is[t][s]);
            const __m512 dx = _mm512_set1_ps(rd_f32(xj + (size_t)t * xs));
            acc[t] = _mm512_fmadd_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(isum), B->d), dx, acc[t]);
        }
    }
    for (int t = 0; t < T; t++)
        _mm512_mask_storeu_ps(Y + (size_t)t * ldy, m, acc[t]);
}

void llm_rows16_q4_k_rp_avx512(const uint8_t *data, size_t rb, int64_t nrows, int64_t nblk, const uint8_t *xq,
                               size_t xs, int nb, int ngemm, float *Y, int64_t ldy)
{
    q4k_blk wb[LLM_ROWS_MAX_KBLK];
    for (int64_t r0 = 0; r0 < nrows; r0 += 16) {
        const int nr = nrows - r0 < 16 ? (int)(nrows - r0) : 16;
        const __mmask16 m = (__mmask16)((1u << nr) - 1);
        const uint8_t *w = data + (size_t)r0 * rb;
        for (int64_t j = 0; j < nblk; j++)
            q4k_decode(w + (size_t)j * 144, rb, nr, &wb[j]);
        const next_rows nx = next_group(data, rb, nrows, r0);
        int b = 0;
        for (; b + 4 <= nb; b += 4)
            q4k_tile(wb, nblk, xq + (size_t)b * xs, xs, 4, b, ngemm, Y + (size_t)b * ldy + r0, ldy, m, b ? NULL : &nx);
        const uint8_t *x = xq + (size_t)b * xs;
        float *y = Y + (size_t)b * ldy + r0;
        if (nb - b == 3)
            q4k_tile(wb, nblk, x, xs, 3, b, ngemm, y, ldy, m, b ? NULL : &nx);
        else if (nb - b == 2)
            q4k_tile(wb, nblk, x, xs, 2, b, ngemm, y, ldy, m, b ? NULL : &nx);
        else if (nb - b == 1)
            q4k_tile(wb, nblk, x, xs, 1, b, ngemm, y, ldy, m, b ? NULL : &nx);
    }
}

void llm_rows16_q6_k_rp_avx512(const uint8_t *data, size_t rb, int64_t nrows, int64_t nblk, const uint8_t *xq,
                               size_t xs, int nb, float *Y, int64_t ldy)
{
    q6k_blk wb[LLM_ROWS_MAX_KBLK];
    for (int64_t r0 = 0; r0 < nrows; r0 += 16) {
        const int nr = nrows - r0 < 16 ? (int)(nrows - r0) : 16;
        const __mmask16 m = (__mmask16)((1u << nr) - 1);
        const uint8_t *w = data + (size_t)r0 * rb;
        for (int64_t j = 0; j < nblk; j++)
            q6k_decode(w + (size_t)j * 210, rb, nr, &wb[j]);
        const next_rows nx = next_group(data, rb, nrows, r0);
        int b = 0;
        for (; b + 4 <= nb; b += 4)
            q6k_tile(wb, nblk, xq + (size_t)b * xs, xs, 4, Y + (size_t)b * ldy + r0, ldy, m, b ? NULL : &nx);
        const uint8_t *x = xq + (size_t)b * xs;
        float *y = Y + (size_t)b * ldy + r0;
        if (nb - b == 3)
            q6k_tile(wb, nblk, x, xs, 3, y, ldy, m, b ? NULL : &nx);
        else if (nb - b == 2)
            q6k_tile(wb, nblk, x, xs, 2, y, ldy, m, b ? NULL : &nx);
        else if (nb - b == 1)
            q6k_tile(wb, nblk, x, xs, 1, y, ldy, m, b ? NULL : &nx);
    }
}

#undef INL
#pragma GCC pop_options
#endif /* LLM_QUANT_X86 */
