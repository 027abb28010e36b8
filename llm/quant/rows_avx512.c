/* rows_avx512.c — whole products (rows × tokens) for the weight types dotted against Q8_0
 * activations (Q8_0, Q4_0, Q5_0) with AVX-512 VNNI: the same integer lanes and float steps
 * as llm_dot_{q8_0,q4_0,q5_0}_* (ggml's AVX2 order), so the same bits, with less work per
 * block:
 *   - the weights as unsigned bytes q' = q + o (o = 128, 8, 16: Q8_0's sign bit flipped,
 *     Q4_0/Q5_0's offset not subtracted), so vpdpbusd takes them directly; the lane sums of
 *     q·x are then Σ q'·x − o·Σx, and −o·Σx (per token, block and lane) is computed once per
 *     product and starts each block's accumulator (exact integers: |lane| < 2^18);
 *   - the activation scales converted to float once per product;
 *   - a batch of tokens: 16 rows in the 16 lanes of a register, each row group's blocks
 *     decoded and transposed once, then every token (see "batches" below);
 *   - one token (decoding): two rows at a time, one from each half of the matrix.
 * matvec.c calls it on the AVX-512 path; test_quant compares it with llm_vec_dot. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3")
#endif
#include "llm/quant/kernels.h"
#include "llm/llm.h"

/* aux: per token and block the −o·Σx lanes (32 bytes) and d_x (a float) */
size_t llm_rows_q8act_aux_bytes(int64_t ne0, int nb)
{
    return (size_t)nb * (size_t)(ne0 / QK) * (32 + sizeof(float)) + 128;
}

#if LLM_QUANT_X86
#include <immintrin.h>

#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")
#include "llm/quant/lanes16.h"

#define H2F(p) _cvtsh_ss((unsigned short)((p)[0] | (p)[1] << 8))

static inline float hsum8(__m256 v)
{
    __m128 lo = _mm256_castps256_ps128(v), hi = _mm256_extractf128_ps(v, 1);
    lo = _mm_add_ps(lo, hi);
    lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
    lo = _mm_add_ss(lo, _mm_movehdup_ps(lo));
    return _mm_cvtss_f32(lo);
}

/* block j of a row as q' (32 unsigned bytes) */
static inline __m256i wblock(int type, const uint8_t *w)
{
    if (type == LLM_TYPE_Q8_0)
        return _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(w + 2)), _mm256_set1_epi8((char)0x80));
    const uint8_t *qs = w + (type == LLM_TYPE_Q5_0 ? 6 : 2);
    const __m128i b = _mm_loadu_si128((const __m128i *)qs);
    const __m128i lo = _mm_and_si128(b, _mm_set1_epi8(0xF));
    const __m128i hi = _mm_and_si128(_mm_srli_epi16(b, 4), _mm_set1_epi8(0xF));
    __m256i q = _mm256_set_m128i(hi, lo);
    if (type == LLM_TYPE_Q5_0) {
        uint32_t qh;
        memcpy(&qh, w + 2, 4);
        q = _mm256_or_si256(q, _mm256_maskz_mov_epi8((__mmask32)qh, _mm256_set1_epi8(0x10)));
    }
    return q;
}

/* Once per product: −o·Σx per token, block and lane (o: the type's offset), and d_x as
 * float */
void llm_rows_q8act_prep_avx512(int type, int64_t nblk, const uint8_t *xq, size_t xs, int nb, void *aux)
{
    const int off = type == LLM_TYPE_Q8_0 ? 128 : type == LLM_TYPE_Q5_0 ? 16 : 8;
    __m256i *xinit = (__m256i *)(((uintptr_t)aux + 31) & ~(uintptr_t)31);
    float *dx = (float *)(xinit + (size_t)nb * nblk);
    const __m256i ov = _mm256_set1_epi8((char)off);
    for (int b = 0; b < nb; b++)
        for (int64_t j = 0; j < nblk; j++) {
            const uint8_t *xb = xq + (size_t)b * xs + (size_t)j * 34;
            const __m256i s = _mm256_dpbusd_epi32(_mm256_setzero_si256(), ov, _mm256_loadu_si256((const __m256i *)(xb + 2)));
            xinit[(size_t)b * nblk + j] = _mm256_sub_epi32(_mm256_setzero_si256(), s);
            dx[(size_t)b * nblk + j] = H2F(xb);
        }
}

/* ---- batches: 16 rows in the 16 lanes of a register -------------------------------------
 * Each row's block sum for token b is the ggml 8-lane form: lane k = Σ of the 4 products at
 * 4k..4k+3, fma'd by d_w·d_x into accumulator k, the 8 accumulators reduced at the end as
 * ggml's hsum. Here accumulator k of 16 rows is one register (lane = row), so a block costs
 * per token one d product for 16 rows, and per k one vpdpbusd (the 4 weight bytes of each
 * row against the token's 4 bytes, broadcast), one conversion and one fma — the same
 * integer and float steps per row as above, with no per-row scale product and no
 * horizontal sums; one weight register serves two tokens. */
#define LANES_MAX_BLK 64 /* blocks per chunk: the decoded chunk of a row group is 36 KiB */

/* Rows [r0, r0 + 16) of blocks [0, nblk) in lane order: wl[j][k] lane i = bytes 4k..4k+3 of
 * row r0 + i's block j (as q'); dl[j] lane i = its d_w. Rows past nrows are zero. */
static void lanes_decode(int type, const uint8_t *data, size_t rb, int64_t nrows, int64_t nblk, __m512i (*wl)[8],
                         __m512 *dl)
{
    const int bsz = type == LLM_TYPE_Q8_0 ? 34 : type == LLM_TYPE_Q5_0 ? 22 : 18;
    for (int64_t j = 0; j < nblk; j++) {
        __m512i t[8];
        float d[16];
        for (int i = 0; i < 8; i++) {
            const int64_t ra = i, rbw = i + 8;
            const __m256i a = ra < nrows ? wblock(type, data + (size_t)ra * rb + (size_t)j * bsz) : _mm256_setzero_si256();
            const __m256i b = rbw < nrows ? wblock(type, data + (size_t)rbw * rb + (size_t)j * bsz) : _mm256_setzero_si256();
            t[i] = _mm512_inserti64x4(_mm512_castsi256_si512(a), b, 1);
            d[i] = ra < nrows ? H2F(data + (size_t)ra * rb + (size_t)j * bsz) : 0.f;
            d[i + 8] = rbw < nrows ? H2F(data + (size_t)rbw * rb + (size_t)j * bsz) : 0.f;
        }
        lanes16_transpose(t, wl[j]);
        dl[j] = _mm512_loadu_ps(d);
    }
}

/* T tokens (b .. b + T - 1) of one row group over blocks [j0, j0 + nj) (wl, dl hold those
 * blocks), 8·T accumulators: from zero (first chunk) or acc; at the last chunk reduced in
 * ggml's hsum order and stored to Y (16 rows, keep), else back to acc. from_acc and to_y
 * are constants at every call: a one-chunk row keeps its accumulators in registers. */
static inline __attribute__((always_inline)) void lanes_tokens(const __m512i (*wl)[8], const __m512 *dl, int64_t j0,
                                                               int64_t nj, int64_t nblk, const int32_t *xi,
                                                               const float *dx, const uint8_t *xq, size_t xs, int b,
                                                               const int T, const int from_acc, const int to_y,
                                                               __m512 (*acc)[8], float *Y, int64_t ldy, __mmask16 keep)
{
    __m512 a[2][8];
    for (int t = 0; t < T; t++)
        for (int k = 0; k < 8; k++)
            a[t][k] = from_acc ? acc[t][k] : _mm512_setzero_ps();
    for (int64_t jj = 0; jj < nj; jj++) {
        const int64_t j = j0 + jj;
        __m512 d[2];
        for (int t = 0; t < T; t++)
            d[t] = _mm512_mul_ps(dl[jj], _mm512_set1_ps(dx[(size_t)(b + t) * nblk + j]));
        for (int k = 0; k < 8; k++) {
            const __m512i w = wl[jj][k];
            for (int t = 0; t < T; t++) {
                const size_t bj = (size_t)(b + t) * nblk + j;
                int32_t x4;
                memcpy(&x4, xq + (size_t)(b + t) * xs + (size_t)j * 34 + 2 + 4 * k, 4);
                const __m512i s = _mm512_dpbusd_epi32(_mm512_set1_epi32(xi[bj * 8 + k]), w, _mm512_set1_epi32(x4));
                a[t][k] = _mm512_fmadd_ps(d[t], _mm512_cvtepi32_ps(s), a[t][k]);
            }
        }
    }
    for (int t = 0; t < T; t++) {
        if (to_y) {
            const __m512 r = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(a[t][0], a[t][4]), _mm512_add_ps(a[t][2], a[t][6])),
                                           _mm512_add_ps(_mm512_add_ps(a[t][1], a[t][5]), _mm512_add_ps(a[t][3], a[t][7])));
            _mm512_mask_storeu_ps(Y + (size_t)(b + t) * ldy, keep, r);
        } else {
            for (int k = 0; k < 8; k++)
                acc[t][k] = a[t][k];
        }
    }
}

/* the tokens [tb, te) over one chunk, with the chunk's place (first / last) as constants */
static inline __attribute__((always_inline)) void lanes_chunk(const __m512i (*wl)[8], const __m512 *dl, int64_t j0,
                                                              int64_t nj, int64_t nblk, const int32_t *xi,
                                                              const float *dx, const uint8_t *xq, size_t xs, int tb,
                                                              int te, const int from_acc, const int to_y,
                                                              __m512 (*acc)[8], float *Y, int64_t ldy, __mmask16 keep)
{
    int b = tb;
    for (; b + 2 <= te; b += 2)
        lanes_tokens(wl, dl, j0, nj, nblk, xi, dx, xq, xs, b, 2, from_acc, to_y, acc + (b - tb), Y, ldy, keep);
    if (b < te)
        lanes_tokens(wl, dl, j0, nj, nblk, xi, dx, xq, xs, b, 1, from_acc, to_y, acc + (b - tb), Y, ldy, keep);
}

#define LANES_TILE 64 /* tokens whose accumulators wait on the stack between block chunks */

/* Rows of any length: blocks in chunks of LANES_MAX_BLK (each chunk decoded once per row
 * group and token tile), the accumulators carried from chunk to chunk, so every row's
 * float steps are those of one pass over its blocks */
static void rows_q8act_lanes(int type, const uint8_t *data, size_t rb, int64_t nrows, int64_t nblk, const uint8_t *xq,
                             size_t xs, int nb, float *Y, int64_t ldy, const void *aux)
{
    const int bsz = type == LLM_TYPE_Q8_0 ? 34 : type == LLM_TYPE_Q5_0 ? 22 : 18;
    const __m256i *xinit = (const __m256i *)(((uintptr_t)aux + 31) & ~(uintptr_t)31);
    const int32_t *xi = (const int32_t *)xinit;
    const float *dx = (const float *)(xinit + (size_t)nb * nblk);
    __m512i wl[LANES_MAX_BLK][8];
    __m512 dl[LANES_MAX_BLK];
    __m512 acc[LANES_TILE][8];
    for (int64_t r0 = 0; r0 < nrows; r0 += 16) {
        const int64_t nr = nrows - r0 < 16 ? nrows - r0 : 16;
        const uint8_t *rows = data + (size_t)r0 * rb;
        const __mmask16 keep = (__mmask16)((1u << nr) - 1);
        for (int tb = 0; tb < nb; tb += LANES_TILE) {
            const int te = nb - tb < LANES_TILE ? nb : tb + LANES_TILE;
            for (int64_t j0 = 0; j0 < nblk; j0 += LANES_MAX_BLK) {
                const int64_t nj = nblk - j0 < LANES_MAX_BLK ? nblk - j0 : LANES_MAX_BLK;
                lanes_decode(type, rows + (size_t)j0 * bsz, rb, nr, nj, wl, dl);
                /* the next group's rows into L2 while this one computes: its decode
                 * otherwise waits on memory (the weights are read once per batch) */
                if (tb == 0 && j0 == 0 && r0 + 16 < nrows) {
                    const uint8_t *p = rows + 16 * rb;
                    const uint8_t *e = data + (size_t)(nrows - r0 - 16 < 16 ? nrows : r0 + 32) * rb;
                    for (; p < e; p += 64)
                        _mm_prefetch((const char *)p, _MM_HINT_T1);
                }
                const __m512i(*w)[8] = (const __m512i(*)[8])wl;
                const int first = j0 == 0, last = j0 + nj == nblk;
                if (first && last) /* the usual case: rows of up to LANES_MAX_BLK blocks */
                    lanes_chunk(w, dl, j0, nj, nblk, xi, dx, xq, xs, tb, te, 0, 1, acc, Y + r0, ldy, keep);
                else if (first)
                    lanes_chunk(w, dl, j0, nj, nblk, xi, dx, xq, xs, tb, te, 0, 0, acc, Y + r0, ldy, keep);
                else if (last)
                    lanes_chunk(w, dl, j0, nj, nblk, xi, dx, xq, xs, tb, te, 1, 1, acc, Y + r0, ldy, keep);
                else
                    lanes_chunk(w, dl, j0, nj, nblk, xi, dx, xq, xs, tb, te, 1, 0, acc, Y + r0, ldy, keep);
            }
        }
    }
}

void llm_rows_q8act_avx512(int type, const uint8_t *data, size_t rb, int64_t nrows, int64_t nblk,
                           const uint8_t *xq, size_t xs, int nb, float *Y, int64_t ldy, const void *aux)
{
    const int bsz = type == LLM_TYPE_Q8_0 ? 34 : type == LLM_TYPE_Q5_0 ? 22 : 18;
    const __m256i *xinit = (const __m256i *)(((uintptr_t)aux + 31) & ~(uintptr_t)31);
    const float *dx = (const float *)(xinit + (size_t)nb * nblk);
    if (nb == 1) {
        /* two FMA chains side by side (one row's chain of nblk dependent FMAs is
         * latency-bound), over the two halves of the matrix, so that each load instruction
         * walks one contiguous stream: rows r and r + 1 together instead ran the 178 MB
         * output table 2.5x slower here (the stride prefetchers retrain at every row) */
        const int64_t half = nrows / 2;
        for (int64_t r = 0; r < half; r++) {
            const uint8_t *w0 = data + (size_t)r * rb, *w1 = data + (size_t)(r + half) * rb;
            __m256 a0 = _mm256_setzero_ps(), a1 = a0;
            for (int64_t j = 0; j < nblk; j++, w0 += bsz, w1 += bsz) {
                const __m256i x = _mm256_loadu_si256((const __m256i *)(xq + (size_t)j * 34 + 2));
                const __m256i i0 = _mm256_dpbusd_epi32(xinit[j], wblock(type, w0), x);
                const __m256i i1 = _mm256_dpbusd_epi32(xinit[j], wblock(type, w1), x);
                a0 = _mm256_fmadd_ps(_mm256_set1_ps(H2F(w0) * dx[j]), _mm256_cvtepi32_ps(i0), a0);
                a1 = _mm256_fmadd_ps(_mm256_set1_ps(H2F(w1) * dx[j]), _mm256_cvtepi32_ps(i1), a1);
            }
            Y[r] = hsum8(a0);
            Y[r + half] = hsum8(a1);
        }
        int64_t r = 2 * half;
        for (; r < nrows; r++) {
            const uint8_t *w0 = data + (size_t)r * rb;
            __m256 a0 = _mm256_setzero_ps();
            for (int64_t j = 0; j < nblk; j++, w0 += bsz) {
                const __m256i x = _mm256_loadu_si256((const __m256i *)(xq + (size_t)j * 34 + 2));
                const __m256i i0 = _mm256_dpbusd_epi32(xinit[j], wblock(type, w0), x);
                a0 = _mm256_fmadd_ps(_mm256_set1_ps(H2F(w0) * dx[j]), _mm256_cvtepi32_ps(i0), a0);
            }
            Y[r] = hsum8(a0);
        }
        return;
    }
    rows_q8act_lanes(type, data, rb, nrows, nblk, xq, xs, nb, Y, ldy, aux);
}

#pragma GCC pop_options
#endif /* LLM_QUANT_X86 */
