/* rows_kq_avx2.c — whole products (rows × tokens) for Q4_K and Q6_K weights against Q8_K
 * activations on CPUs with AVX2 but no AVX-512, in llama.cpp's repacked float orders
 * (dot_repack.c: q4_k_rp_c with gemm = 1/0, q6_k_rp_c), so the same bits as
 * llm_dot_q4_k_rp / llm_dot_q6_k_rp; rows_kq_avx512.c's row-lane form at 8 rows:
 *   - 8 rows at a time, one per int32 lane of a ymm. Their blocks are decoded once into a
 *     stack buffer where one ymm holds, for 4 consecutive elements, the 4 unsigned weight
 *     bytes of each of the 8 rows (an 8×8 dword transpose per 32 bytes of 8 rows);
 *   - then tiles of a few tokens, each token's 4 activation bytes broadcast, so one weight
 *     load serves every token of the tile and no horizontal sums are needed;
 *   - the float steps for 8 rows at once: lane r does row r's scalar chain (same operations,
 *     same order), and a token's 8 outputs are stored side by side.
 * Without VNNI a 4-byte sum is vpmaddubsw (u8 × s8 → int16 pair sums, saturating) then
 * vpmaddwd against the row's sub-block scale as an int16 in both halves of the lane, which
 * gives scale·(low pair + high pair) exactly in int32 (no vpmulld). The bounds (|x| ≤ 128):
 *   - Q4_K: q ≤ 15, a pair ≤ 2·15·128 = 3840; the 8 groups of a 32-element sub-block are
 *     summed as int16 first: ≤ 8·3840 = 30720 < 32767, no saturation;
 *   - Q6_K: q + 32 ≤ 63, a pair ≤ 2·63·128 = 16128; two groups summed as int16: ≤ 32256.
 * Every integer sum is exact, so how it is formed does not matter; rows past nrows are zero
 * lanes, computed, never stored (masked stores). matvec.c calls these on the AVX2 path;
 * test_quant compares them with the scalar path bit for bit. No AVX-512 instruction here. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3")
#endif
#include "llm/quant/kernels.h"

#if LLM_QUANT_X86
#include <immintrin.h>

#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c")

#define INL static inline __attribute__((always_inline))

/* ---- decoding 8 rows ------------------------------------------------------------------ */

/* 32 bytes at p + r·rb of rows r < nr (zero for the others), transposed as dwords: lane r
 * of out[g] = dword g of row r's 32 bytes */
INL void tr8x8(const uint8_t *p, size_t rb, int nr, __m256i *out)
{
    __m256i t[8], u[8], v[8];
    for (int k = 0; k < 8; k++)
        t[k] = nr == 8 || k < nr ? _mm256_loadu_si256((const __m256i *)(p + (size_t)k * rb)) : _mm256_setzero_si256();
    for (int k = 0; k < 8; k += 2) {
        u[k] = _mm256_unpacklo_epi32(t[k], t[k + 1]);     /* dwords 0,1 | 4,5 of rows k, k+1 */
        u[k + 1] = _mm256_unpackhi_epi32(t[k], t[k + 1]); /* dwords 2,3 | 6,7 */
    }
    for (int k = 0; k < 8; k += 4) {
        v[k] = _mm256_unpacklo_epi64(u[k], u[k + 2]);         /* dword 0 | 4 of rows k..k+3 */
        v[k + 1] = _mm256_unpackhi_epi64(u[k], u[k + 2]);     /* dword 1 | 5 */
        v[k + 2] = _mm256_unpacklo_epi64(u[k + 1], u[k + 3]); /* dword 2 | 6 */
        v[k + 3] = _mm256_unpackhi_epi64(u[k + 1], u[k + 3]); /* dword 3 | 7 */
    }
    for (int g = 0; g < 4; g++) {
        out[g] = _mm256_permute2x128_si256(v[g], v[g + 4], 0x20);
        out[g + 4] = _mm256_permute2x128_si256(v[g], v[g + 4], 0x31);
    }
}

/* 16 bytes at p + r·rb if r < nr, else zero */
INL __m128i ld16(const uint8_t *p, size_t rb, int r, int nr)
{
    return r < nr ? _mm_loadu_si128((const __m128i *)(p + (size_t)r * rb)) : _mm_setzero_si128();
}

/* 16 bytes at p + r·rb of rows r < nr as dwords: lane r of out[i] = dword i of row r's 16
 * bytes. Register a holds rows a and a + 4, then a 4×4 dword transpose in both halves. */
INL void tr8x4(const uint8_t *p, size_t rb, int nr, __m256i *out)
{
    __m256i z[4];
    for (int a = 0; a < 4; a++)
        z[a] = _mm256_set_m128i(ld16(p, rb, a + 4, nr), ld16(p, rb, a, nr));
    const __m256i t0 = _mm256_unpacklo_epi32(z[0], z[1]), t1 = _mm256_unpackhi_epi32(z[0], z[1]);
    const __m256i t2 = _mm256_unpacklo_epi32(z[2], z[3]), t3 = _mm256_unpackhi_epi32(z[2], z[3]);
    out[0] = _mm256_unpacklo_epi64(t0, t2);
    out[1] = _mm256_unpackhi_epi64(t0, t2);
    out[2] = _mm256_unpacklo_epi64(t1, t3);
    out[3] = _mm256_unpackhi_epi64(t1, t3);
}

/* fp16 in the low 16 bits of each lane to float (exact, as h2f) */
INL __m256 h2f8(__m256i v)
{
    v = _mm256_and_si256(v, _mm256_set1_epi32(0xFFFF)); /* 0..65535: packus keeps it */
    return _mm256_cvtph_ps(_mm_packus_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1)));
}

/* an int16 value (in an int32 lane) in both halves: vpmaddwd against it is value·(lo + hi) */
INL __m256i dup16(__m256i v) { return _mm256_or_si256(_mm256_and_si256(v, _mm256_set1_epi32(0xFFFF)), _mm256_slli_epi32(v, 16)); }

#define KV __m256i
#define KF __m256
#define KV_(op) _mm256_##op
#define KV_AND(a, b) _mm256_and_si256((a), (b))
#define KV_OR(a, b) _mm256_or_si256((a), (b))
#define KV_ROWS 8
#define KV_TR8 tr8x8
#define KV_TR4 tr8x4
#define KV_H2F h2f8
#define KV_SCALE dup16 /* int16 scales in both halves: vpmaddwd */
#include "llm/quant/rows_kq_decode.inc"

/* a token's 8 outputs; keep: the lanes of rows < nr */
INL void store8(float *y, __m256 v, int nr, __m256i keep)
{
    if (nr == 8)
        _mm256_storeu_ps(y, v);
    else
        _mm256_maskstore_ps(y, keep, v);
}

/* 4 activation bytes as one broadcast int32 (vpmaddubsw's signed operand) */
INL __m256i x4(const int8_t *p)
{
    int32_t v;
    memcpy(&v, p, 4);
    return _mm256_set1_epi32(v);
}

/* ---- token tiles -------------------------------------------------------------------- */

/* An accumulator kept in a register at each step of its chain: without it GCC reassociates
 * an unrolled chain of integer adds into a tree over all the products of a sub-block, which
 * needs more than 16 registers and spills (the sums are exact either way) */
#define KEEP_CHAIN(v) __asm__("" : "+x"(v))

/* Tokens per tile: with 16 ymm registers, T int16 sums + T int32 sums + the weight, and the
 * float accumulators (which spill for larger T, touched once per pair) */
#define TILE_Q4K 4
#define TILE_Q6K 4

/* Q4_K, tokens b0 .. b0 + T − 1 (x: token b0's row) against the decoded group, all in the
 * gemm order (G = 1) or all gemv (G = 0): per token and block, pair p's sums
 * ip = is[2p] + is[2p + 1] and mp = ms[2p] + ms[2p + 1] (q4_k_rp_c), then the float steps of
 * every row. The mins' chain (accm) is separate from acc's, so it runs after the pairs: fewer
 * registers live in the integer loop. */
INL void q4k_tile(const q4k_blk *wb, int64_t nblk, const uint8_t *x, size_t xs, const int T, const int G, float *Y,
                  int64_t ldy, int nr, __m256i keep, const next_rows *nx)
{
    __m256 acc[4], accm[4];
    for (int t = 0; t < T; t++)
        acc[t] = accm[t] = _mm256_setzero_ps();
    for (int64_t j = 0; j < nblk; j++) {
        const q4k_blk *B = wb + j;
        if (nx)
            next_block_prefetch(nx, j, 144);
        const uint8_t *xj = x + (size_t)j * 292;
        __m256i isum[4] = {_mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256(),
                           _mm256_setzero_si256()};
        for (int p = 0; p < 4; p++) {
            __m256i ip[4];
            for (int h = 0; h < 2; h++) {
                const int s = 2 * p + h;
                __m256i a16[4];
                for (int t = 0; t < T; t++)
                    a16[t] = _mm256_setzero_si256();
#pragma GCC unroll 8
                for (int g = 0; g < 8; g++) {
                    const __m256i wv = _mm256_load_si256(&B->q[s][g]);
#pragma GCC unroll 4
                    for (int t = 0; t < T; t++) {
                        a16[t] = _mm256_add_epi16(
                            a16[t], _mm256_maddubs_epi16(wv, x4((const int8_t *)(xj + (size_t)t * xs + 4 + 32 * s + 4 * g))));
                        KEEP_CHAIN(a16[t]);
                    }
                }
                /* sc·Σ q·x over the sub-block: ≤ 63·32·15·128, exact in int32 */
                for (int t = 0; t < T; t++) {
                    const __m256i v = _mm256_madd_epi16(a16[t], B->sc[s]);
                    ip[t] = h ? _mm256_add_epi32(ip[t], v) : v;
                }
            }
            for (int t = 0; t < T; t++) {
                if (G) {
                    const __m256 d = _mm256_mul_ps(B->dw, _mm256_set1_ps(rd_f32(xj + (size_t)t * xs)));
                    acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(ip[t]), d, acc[t]);
                } else { /* the block's total: ≤ 8·63·32·15·128 < 2^31 */
                    isum[t] = _mm256_add_epi32(isum[t], ip[t]);
                }
            }
        }
        for (int t = 0; t < T; t++) {
            const uint8_t *xt = xj + (size_t)t * xs;
            const __m256 dx = _mm256_set1_ps(rd_f32(xt));
            if (!G)
                acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum[t]), _mm256_mul_ps(B->dw, dx), acc[t]);
            /* the activation's sub-block sums B_k = bs[2k] + bs[2k + 1] as int16 pairs (dword p
             * = B_2p | B_2p+1 << 16; |B_k| ≤ 32·128, exact in int16); mn·B over a pair ≤
             * 2·63·4096, over the block ≤ 8·63·4096 */
            uint32_t bp[4];
            const __m128i one = _mm_set1_epi16(1);
            const __m128i lo = _mm_madd_epi16(_mm_loadu_si128((const __m128i *)(xt + 260)), one);
            const __m128i hi = _mm_madd_epi16(_mm_loadu_si128((const __m128i *)(xt + 276)), one);
            _mm_storeu_si128((__m128i *)bp, _mm_packs_epi32(lo, hi));
            const __m256 dmin = _mm256_mul_ps(B->mw, dx);
            __m256i msum = _mm256_setzero_si256();
            for (int p = 0; p < 4; p++) {
                const __m256i mp = _mm256_madd_epi16(B->mn[p], _mm256_set1_epi32((int)bp[p]));
                if (G)
                    accm[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(mp), dmin, accm[t]);
                else
                    msum = _mm256_add_epi32(msum, mp);
            }
            if (!G)
                accm[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(msum), dmin, accm[t]);
        }
    }
    for (int t = 0; t < T; t++)
        store8(Y + (size_t)t * ldy, _mm256_sub_ps(acc[t], accm[t]), nr, keep);
}

/* Q6_K, tokens b0 .. b0 + T − 1: the weights are q + 32, so isum = Σ_s sc_s·Σ (q + 32)·x
 * − 32·Σ_s sc_s·bs_s (bs: the activation's 16-element sums, which are Q6_K's sub-blocks);
 * acc = fma(isum·d_w, d_x, acc) per row */
INL void q6k_tile(const q6k_blk *wb, int64_t nblk, const uint8_t *x, size_t xs, const int T, float *Y, int64_t ldy,
                  int nr, __m256i keep, const next_rows *nx)
{
    __m256 acc[4];
    for (int t = 0; t < T; t++)
        acc[t] = _mm256_setzero_ps();
    for (int64_t j = 0; j < nblk; j++) {
        const q6k_blk *B = wb + j;
        if (nx)
            next_block_prefetch(nx, j, 210);
        const uint8_t *xj = x + (size_t)j * 292;
        __m256i isum[4];
        for (int t = 0; t < T; t++) {
            /* Σ sc·bs by int16 pairs (|sc| ≤ 128, |bs| ≤ 16·128: ≤ 16·128·2048 = 2^22; times
             * 32 ≤ 2^27), straight from the activation row, subtracted first */
            const uint8_t *bs = xj + (size_t)t * xs + 260;
            __m256i sb = _mm256_setzero_si256();
            for (int k = 0; k < 8; k++)
                sb = _mm256_add_epi32(sb, _mm256_madd_epi16(B->scp[k], x4((const int8_t *)(bs + 4 * k))));
            isum[t] = _mm256_sub_epi32(_mm256_setzero_si256(), _mm256_slli_epi32(sb, 5));
        }
        /* sub-block s, groups 4s .. 4s + 3 in two int16 halves of two groups each; sc·Σ over
         * all 16: ≤ 16·128·16·63·128 < 2^29 */
#pragma GCC unroll 16
        for (int s = 0; s < 16; s++)
#pragma GCC unroll 2
            for (int h = 0; h < 2; h++) {
                const int k = 4 * s + 2 * h;
                const __m256i w0 = _mm256_load_si256(&B->q[k]), w1 = _mm256_load_si256(&B->q[k + 1]);
#pragma GCC unroll 4
                for (int t = 0; t < T; t++) {
                    const int8_t *xk = (const int8_t *)(xj + (size_t)t * xs + 4 + 4 * k);
                    const __m256i a16 = _mm256_add_epi16(_mm256_maddubs_epi16(w0, x4(xk)),
                                                         _mm256_maddubs_epi16(w1, x4(xk + 4)));
                    isum[t] = _mm256_add_epi32(isum[t], _mm256_madd_epi16(a16, B->sc[s]));
                    KEEP_CHAIN(isum[t]);
                }
            }
        for (int t = 0; t < T; t++) {
            const __m256 dx = _mm256_set1_ps(rd_f32(xj + (size_t)t * xs));
            acc[t] = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(isum[t]), B->d), dx, acc[t]);
        }
    }
    for (int t = 0; t < T; t++)
        store8(Y + (size_t)t * ldy, acc[t], nr, keep);
}

/* the lanes of rows < nr */
static __m256i row_keep(int nr)
{
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(nr), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* Tokens [b0, b1) in tiles of TMAX, then one tile of the 1..3 left; one call per tile size,
 * so T is a constant in each copy of the inner loops */
#define TILES(TMAX, b0, b1, CALL)                                                                                      \
    do {                                                                                                               \
        int b = (b0);                                                                                                  \
        for (; b + (TMAX) <= (b1); b += (TMAX))                                                                        \
            CALL(TMAX);                                                                                                \
        switch ((b1) - b) {                                                                                            \
        case 3: CALL(3); break;                                                                                        \
        case 2: CALL(2); break;                                                                                        \
        case 1: CALL(1); break;                                                                                        \
        default: break;                                                                                                \
        }                                                                                                              \
    } while (0)

/* tokens b < ngemm in the gemm order, the others gemv: the two runs in tiles of their own */
void llm_rows8_q4_k_rp_avx2(const uint8_t *data, size_t rb, int64_t nrows, int64_t nblk, const uint8_t *xq, size_t xs,
                            int nb, int ngemm, float *Y, int64_t ldy)
{
    q4k_blk wb[LLM_ROWS_MAX_KBLK];
    const int ng = ngemm < 0 ? 0 : ngemm > nb ? nb : ngemm;
    for (int64_t r0 = 0; r0 < nrows; r0 += 8) {
        const int nr = nrows - r0 < 8 ? (int)(nrows - r0) : 8;
        const __m256i keep = row_keep(nr);
        const uint8_t *w = data + (size_t)r0 * rb;
        for (int64_t j = 0; j < nblk; j++)
            q4k_decode(w + (size_t)j * 144, rb, nr, &wb[j]);
        const next_rows nx = next_group(data, rb, nrows, r0);
#define Q4K_GEMM(T)                                                                                                    \
    q4k_tile(wb, nblk, xq + (size_t)b * xs, xs, T, 1, Y + (size_t)b * ldy + r0, ldy, nr, keep, b ? NULL : &nx)
#define Q4K_GEMV(T)                                                                                                    \
    q4k_tile(wb, nblk, xq + (size_t)b * xs, xs, T, 0, Y + (size_t)b * ldy + r0, ldy, nr, keep, b ? NULL : &nx)
        TILES(TILE_Q4K, 0, ng, Q4K_GEMM);
        TILES(TILE_Q4K, ng, nb, Q4K_GEMV);
#undef Q4K_GEMM
#undef Q4K_GEMV
    }
}

void llm_rows8_q6_k_rp_avx2(const uint8_t *data, size_t rb, int64_t nrows, int64_t nblk, const uint8_t *xq, size_t xs,
                            int nb, float *Y, int64_t ldy)
{
    q6k_blk wb[LLM_ROWS_MAX_KBLK];
    for (int64_t r0 = 0; r0 < nrows; r0 += 8) {
        const int nr = nrows - r0 < 8 ? (int)(nrows - r0) : 8;
        const __m256i keep = row_keep(nr);
        const uint8_t *w = data + (size_t)r0 * rb;
        for (int64_t j = 0; j < nblk; j++)
            q6k_decode(w + (size_t)j * 210, rb, nr, &wb[j]);
        const next_rows nx = next_group(data, rb, nrows, r0);
#define Q6K_CALL(T) q6k_tile(wb, nblk, xq + (size_t)b * xs, xs, T, Y + (size_t)b * ldy + r0, ldy, nr, keep, b ? NULL : &nx)
        TILES(TILE_Q6K, 0, nb, Q6K_CALL);
#undef Q6K_CALL
    }
}

#undef TILES
#undef KEEP_CHAIN
#undef INL
#pragma GCC pop_options
#endif /* LLM_QUANT_X86 */
