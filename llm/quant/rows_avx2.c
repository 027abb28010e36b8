/* rows_avx2.c — batch products (rows × tokens, 2 tokens or more) for the weight types dotted
 * against Q8_0 activations (Q8_0, Q4_0, Q5_0) on CPUs with AVX2 but no AVX-512: the same
 * integer lanes and float steps per row as llm_dot_{q8_0,q4_0,q5_0}_* (ggml's AVX2 order),
 * so the same bits, with rows as lanes (rows_avx512.c's row-lane form at 8 rows):
 *   - each group of 8 rows is decoded and transposed once into a stack buffer: register
 *     (j, k) holds in lane i the 4 weight bytes 4k..4k+3 of row i's block j;
 *   - per token, block and k: the integer sum of those 4 bytes times the token's 4 bytes
 *     (broadcast) for 8 rows at once, converted and fma'd by d_w·d_x into accumulator k
 *     (lane = row), the 8 accumulators reduced at the end in ggml's hsum order.
 * Without VNNI the 4-byte sums are vpmaddubsw (u8 × s8 → s16 pairs, saturating) then
 * vpmaddwd with ones (→ s32), exact only while no pair can pass 32767:
 *   - Q4_0, Q5_0: the weights unsigned (q' = q + 8 ≤ 15, q + 16 ≤ 31), |x| ≤ 127 (the
 *     activation quantizer rounds v·127/amax): a pair ≤ 2·31·127 = 7874; the lane sum is then
 *     Σ q'·x, and −o·Σx (o = 8, 16; per token, block and k, from the prep below, |·| ≤
 *     16·4·127) is added to it: exact integers.
 *   - Q8_0 (q in −128..127): ggml's sign trick, |q| (≤ 128, unsigned) times x with q's sign
 *     (|·| ≤ 127): a pair ≤ 2·128·127 = 32512 < 32767, no correction.
 * matvec.c calls it on the AVX2 path for batches; test_quant compares it with the scalar
 * path bit for bit. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3")
#endif
#include "llm/quant/kernels.h"
#include "llm/llm.h"

#if LLM_QUANT_X86
#include <immintrin.h>

#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c")

#define H2F(p) _cvtsh_ss((unsigned short)((p)[0] | (p)[1] << 8))

/* aux (llm_rows_q8act_aux_bytes): per token and block the −o·Σx lanes (32 bytes, 32-byte
 * aligned; Q4_0/Q5_0 only), then per token and block d_x as a float */
static inline __m256i *aux_xinit(const void *aux)
{
    return (__m256i *)(((uintptr_t)aux + 31) & ~(uintptr_t)31);
}

void llm_rows_q8act_prep_avx2(int type, int64_t nblk, const uint8_t *xq, size_t xs, int nb, void *aux)
{
    __m256i *xinit = aux_xinit(aux);
    float *dx = (float *)(xinit + (size_t)nb * nblk);
    /* o·x pairs ≤ 2·16·127: exact in vpmaddubsw */
    const __m256i ov = _mm256_set1_epi8(type == LLM_TYPE_Q5_0 ? 16 : 8), ones = _mm256_set1_epi16(1);
    for (int b = 0; b < nb; b++)
        for (int64_t j = 0; j < nblk; j++) {
            const uint8_t *xb = xq + (size_t)b * xs + (size_t)j * 34;
            if (type != LLM_TYPE_Q8_0) {
                const __m256i x = _mm256_loadu_si256((const __m256i *)(xb + 2));
                const __m256i s = _mm256_madd_epi16(_mm256_maddubs_epi16(ov, x), ones);
                xinit[(size_t)b * nblk + j] = _mm256_sub_epi32(_mm256_setzero_si256(), s);
            }
            dx[(size_t)b * nblk + j] = H2F(xb);
        }
}

/* byte i = 0x10 where bit i of qh is set (Q5_0's fifth bit) */
static inline __m256i hbit32(uint32_t qh)
{
    const __m256i shuf = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
                                          2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
    const __m256i mask = _mm256_set1_epi64x((long long)0x8040201008040201ull);
    const __m256i v = _mm256_shuffle_epi8(_mm256_set1_epi32((int)qh), shuf);
    return _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(v, mask), mask), _mm256_set1_epi8(0x10));
}

/* block j of a row: Q8_0 as stored (signed), Q4_0/Q5_0 as q' = q + o (unsigned) */
static inline __m256i wblock(int type, const uint8_t *w)
{
    if (type == LLM_TYPE_Q8_0)
        return _mm256_loadu_si256((const __m256i *)(w + 2));
    const __m128i b = _mm_loadu_si128((const __m128i *)(w + (type == LLM_TYPE_Q5_0 ? 6 : 2)));
    const __m128i lo = _mm_and_si128(b, _mm_set1_epi8(0xF));
    const __m128i hi = _mm_and_si128(_mm_srli_epi16(b, 4), _mm_set1_epi8(0xF));
    __m256i q = _mm256_set_m128i(hi, lo);
    if (type == LLM_TYPE_Q5_0) {
        uint32_t qh;
        memcpy(&qh, w + 2, 4);
        q = _mm256_or_si256(q, hbit32(qh));
    }
    return q;
}

/* Rows [0, nr) (nr ≤ 8) of blocks [0, nblk) in lane order: wu[j][k] lane i = bytes
 * 4k..4k+3 of row i's block j, the unsigned operand (Q8_0: |q|, else q'); Q8_0 also ws[j][k]
 * = q itself (the sign source); dl[j] lane i = row i's d_w. Rows past nr are zero. */
static inline __attribute__((always_inline)) void lanes8_decode(int type, const uint8_t *data, size_t rb, int64_t nr,
                                                                int64_t nblk, __m256i (*wu)[8], __m256i (*ws)[8],
                                                                __m256 *dl)
{
    const int bsz = type == LLM_TYPE_Q8_0 ? 34 : type == LLM_TYPE_Q5_0 ? 22 : 18;
    for (int64_t j = 0; j < nblk; j++) {
        __m256i t[8];
        float d[8];
        for (int i = 0; i < 8; i++) {
            const uint8_t *w = data + (size_t)i * rb + (size_t)j * bsz;
            t[i] = i < nr ? wblock(type, w) : _mm256_setzero_si256();
            d[i] = i < nr ? H2F(w) : 0.f;
        }
        /* 8 × 8 transpose of 32-bit words: row i's word k to lane i of register k */
        __m256i u[8], v[8];
        for (int i = 0; i < 8; i += 2) {
            u[i] = _mm256_unpacklo_epi32(t[i], t[i + 1]);     /* words 0,1 | 4,5 of rows i, i+1 */
            u[i + 1] = _mm256_unpackhi_epi32(t[i], t[i + 1]); /* words 2,3 | 6,7 */
        }
        for (int i = 0; i < 8; i += 4) {
            v[i] = _mm256_unpacklo_epi64(u[i], u[i + 2]);         /* word 0 | 4 of rows i..i+3 */
            v[i + 1] = _mm256_unpackhi_epi64(u[i], u[i + 2]);     /* word 1 | 5 */
            v[i + 2] = _mm256_unpacklo_epi64(u[i + 1], u[i + 3]); /* word 2 | 6 */
            v[i + 3] = _mm256_unpackhi_epi64(u[i + 1], u[i + 3]); /* word 3 | 7 */
        }
        for (int k = 0; k < 4; k++) {
            const __m256i lo = _mm256_permute2x128_si256(v[k], v[k + 4], 0x20); /* word k, rows 0..7 */
            const __m256i hi = _mm256_permute2x128_si256(v[k], v[k + 4], 0x31); /* word k + 4 */
            if (type == LLM_TYPE_Q8_0) {
                ws[j][k] = lo;
                ws[j][k + 4] = hi;
                wu[j][k] = _mm256_abs_epi8(lo);
                wu[j][k + 4] = _mm256_abs_epi8(hi);
            } else {
                wu[j][k] = lo;
                wu[j][k + 4] = hi;
            }
        }
        dl[j] = _mm256_loadu_ps(d);
    }
}

/* Token b of one row group over blocks [j0, j0 + nc) (wu, ws, dl: that chunk): 8
 * accumulators (independent FMA chains, enough for the FMA latency), started from zero at
 * the first chunk (else from acc), kept in acc after a chunk that is not the last, reduced
 * after the last into Y[b * ldy + i] for the first nr rows (keep: those lanes). */
static inline __attribute__((always_inline)) void lanes8_token(const int type, const __m256i (*wu)[8],
                                                               const __m256i (*ws)[8], const __m256 *dl,
                                                               int64_t nblk, int64_t j0, int64_t nc,
                                                               const int32_t *xi, const float *dx,
                                                               const uint8_t *xq, size_t xs, int b, __m256 *acc,
                                                               float *Y, int64_t ldy, __m256i keep, int nr)
{
    const __m256i ones = _mm256_set1_epi16(1);
    __m256 a[8];
    for (int k = 0; k < 8; k++)
        a[k] = j0 == 0 ? _mm256_setzero_ps() : acc[k];
    const uint8_t *xb = xq + (size_t)b * xs + (size_t)j0 * 34 + 2;
    for (int64_t j = 0; j < nc; j++, xb += 34) {
        const size_t bj = (size_t)b * nblk + (size_t)(j0 + j);
        const __m256 d = _mm256_mul_ps(dl[j], _mm256_set1_ps(dx[bj]));
        for (int k = 0; k < 8; k++) {
            int32_t x4;
            memcpy(&x4, xb + 4 * k, 4);
            const __m256i xv = _mm256_set1_epi32(x4);
            __m256i s;
            if (type == LLM_TYPE_Q8_0) {
                s = _mm256_madd_epi16(_mm256_maddubs_epi16(wu[j][k], _mm256_sign_epi8(xv, ws[j][k])), ones);
            } else {
                s = _mm256_madd_epi16(_mm256_maddubs_epi16(wu[j][k], xv), ones);
                s = _mm256_add_epi32(s, _mm256_set1_epi32(xi[bj * 8 + (size_t)k]));
            }
            a[k] = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(s), a[k]);
        }
    }
    if (j0 + nc < nblk) {
        for (int k = 0; k < 8; k++)
            acc[k] = a[k];
        return;
    }
    /* ggml's hsum8 order per lane */
    const __m256 r = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a[0], a[4]), _mm256_add_ps(a[2], a[6])),
                                   _mm256_add_ps(_mm256_add_ps(a[1], a[5]), _mm256_add_ps(a[3], a[7])));
    if (nr == 8)
        _mm256_storeu_ps(Y + (size_t)b * ldy, r);
    else
        _mm256_maskstore_ps(Y + (size_t)b * ldy, keep, r);
}

/* Rows of any length: the blocks in chunks of LANES8_CHUNK (the decoded chunk, 16 KiB, or 32
 * for Q8_0, stays in L1 while the tokens walk it), the tokens in tiles of LANES8_TILE whose
 * accumulators wait in a stack buffer between chunks (each chain still takes the blocks in
 * order: the same float steps as one pass). Rows of up to one chunk are decoded once. */
#define LANES8_CHUNK 64
#define LANES8_TILE 64

static inline __attribute__((always_inline)) void rows_q8act_lanes8(const int type, const uint8_t *data, size_t rb,
                                                                    int64_t nrows, int64_t nblk, const uint8_t *xq,
                                                                    size_t xs, int nb, float *Y, int64_t ldy,
                                                                    const void *aux)
{
    const int bsz = type == LLM_TYPE_Q8_0 ? 34 : type == LLM_TYPE_Q5_0 ? 22 : 18;
    const __m256i *xinit = aux_xinit(aux);
    const int32_t *xi = (const int32_t *)xinit;
    const float *dx = (const float *)(xinit + (size_t)nb * nblk);
    __m256i wu[LANES8_CHUNK][8], ws[LANES8_CHUNK][8];
    __m256 dl[LANES8_CHUNK], acc[LANES8_TILE][8];
    for (int64_t r0 = 0; r0 < nrows; r0 += 8) {
        const int nr = nrows - r0 < 8 ? (int)(nrows - r0) : 8;
        const uint8_t *g = data + (size_t)r0 * rb;
        if (nblk <= LANES8_CHUNK)
            lanes8_decode(type, g, rb, nr, nblk, wu, ws, dl);
        /* the next group's rows into L2 while this one computes (read once per batch, from
         * memory) */
        if (r0 + 8 < nrows) {
            const uint8_t *p = data + (size_t)(r0 + 8) * rb;
            const uint8_t *e = data + (size_t)(nrows - r0 - 8 < 8 ? nrows : r0 + 16) * rb;
            for (; p < e; p += 64)
                _mm_prefetch((const char *)p, _MM_HINT_T1);
        }
        const __m256i keep = _mm256_cmpgt_epi32(_mm256_set1_epi32(nr), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        for (int b0 = 0; b0 < nb; b0 += LANES8_TILE) {
            const int b1 = nb - b0 < LANES8_TILE ? nb : b0 + LANES8_TILE;
            for (int64_t j0 = 0; j0 < nblk; j0 += LANES8_CHUNK) {
                const int64_t nc = nblk - j0 < LANES8_CHUNK ? nblk - j0 : LANES8_CHUNK;
                if (nblk > LANES8_CHUNK)
                    lanes8_decode(type, g + (size_t)j0 * bsz, rb, nr, nc, wu, ws, dl);
                for (int b = b0; b < b1; b++)
                    lanes8_token(type, (const __m256i (*)[8])wu, (const __m256i (*)[8])ws, dl, nblk, j0, nc, xi, dx,
                                 xq, xs, b, acc[b - b0], Y + r0, ldy, keep, nr);
            }
        }
    }
}

/* one instance per type, so that the type tests fold away in the inner loops */
static __attribute__((noinline)) void rows_q8_0(const uint8_t *data, size_t rb, int64_t nrows, int64_t nblk,
                                                const uint8_t *xq, size_t xs, int nb, float *Y, int64_t ldy,
                                                const void *aux)
{
    rows_q8act_lanes8(LLM_TYPE_Q8_0, data, rb, nrows, nblk, xq, xs, nb, Y, ldy, aux);
}

static __attribute__((noinline)) void rows_q4_0(const uint8_t *data, size_t rb, int64_t nrows, int64_t nblk,
                                                const uint8_t *xq, size_t xs, int nb, float *Y, int64_t ldy,
                                                const void *aux)
{
    rows_q8act_lanes8(LLM_TYPE_Q4_0, data, rb, nrows, nblk, xq, xs, nb, Y, ldy, aux);
}

static __attribute__((noinline)) void rows_q5_0(const uint8_t *data, size_t rb, int64_t nrows, int64_t nblk,
                                                const uint8_t *xq, size_t xs, int nb, float *Y, int64_t ldy,
                                                const void *aux)
{
    rows_q8act_lanes8(LLM_TYPE_Q5_0, data, rb, nrows, nblk, xq, xs, nb, Y, ldy, aux);
}

void llm_rows_q8act_avx2(int type, const uint8_t *data, size_t rb, int64_t nrows, int64_t nblk, const uint8_t *xq,
                         size_t xs, int nb, float *Y, int64_t ldy, const void *aux)
{
    if (nblk < 1)
        return;
    (type == LLM_TYPE_Q8_0   ? rows_q8_0
     : type == LLM_TYPE_Q5_0 ? rows_q5_0
                             : rows_q4_0)(data, rb, nrows, nblk, xq, xs, nb, Y, ldy, aux);
}

#pragma GCC pop_options
#endif /* LLM_QUANT_X86 */
