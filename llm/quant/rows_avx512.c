/* rows_avx512.c — whole products (rows × tokens) for the weight types dotted against Q8_0
 * activations (Q8_0, Q4_0, Q5_0) with AVX-512 VNNI: the same integer lanes and float steps
 * as llm_dot_{q8_0,q4_0,q5_0}_* (ggml's AVX2 order), so the same bits, with less work per
 * block:
 *   - the weights as unsigned bytes q' = q + o (o = 128, 8, 16: Q8_0's sign bit flipped,
 *     Q4_0/Q5_0's offset not subtracted), so vpdpbusd takes them directly; the lane sums of
 *     q·x are then Σ q'·x − o·Σx, and −o·Σx (per token, block and lane) is computed once per
 *     product and starts each block's accumulator (exact integers: |lane| < 2^18);
 *   - the activation scales converted to float once per product;
 *   - a batch of tokens: each row's blocks decoded once, then dotted with every token, two
 *     tokens to a 512-bit register (their lanes side by side, each as in the 8-lane form);
 *   - one token (decoding): two rows at a time, one from each half of the matrix.
 * matvec.c calls it on the AVX-512 path; test_quant compares it with llm_vec_dot. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3")
#endif
#include "llm/quant/kernels.h"
#include "llm/llm.h"

/* aux: per token and block the −o·Σx lanes (32 bytes) and d_x (a float); then, for each
 * pair of tokens (b, b + 1) and block, 64-byte lines for the pair kernel: the two tokens' x,
 * their −o·Σx lanes and d_x broadcast to 8 lanes each (96 bytes per token and block). */
size_t llm_rows_q8act_aux_bytes(int64_t ne0, int nb)
{
    return (size_t)nb * (size_t)(ne0 / QK) * (32 + sizeof(float) + 96) + 128;
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

/* the pair lines in aux (after the per-token tables): [pair][block] × {x, −o·Σx, d_x} */
static inline __m512i *pair_lines(const void *aux, int nb, int64_t nblk)
{
    const uintptr_t a = ((uintptr_t)aux + 31) & ~(uintptr_t)31;
    const uintptr_t end = a + (size_t)nb * (size_t)nblk * (32 + sizeof(float));
    return (__m512i *)((end + 63) & ~(uintptr_t)63);
}

/* Once per product: −o·Σx per token, block and lane (o: the type's offset), and d_x as
 * float; the same, two tokens to a 512-bit line, for the pair kernel */
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
    __m512i *pl = pair_lines(aux, nb, nblk);
    for (int b = 0; b + 2 <= nb; b += 2)
        for (int64_t j = 0; j < nblk; j++, pl += 3) {
            const uint8_t *x0 = xq + (size_t)b * xs + (size_t)j * 34 + 2;
            pl[0] = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)x0)),
                                       _mm256_loadu_si256((const __m256i *)(x0 + xs)), 1);
            pl[1] = _mm512_inserti64x4(_mm512_castsi256_si512(xinit[(size_t)b * nblk + j]),
                                       xinit[(size_t)(b + 1) * nblk + j], 1);
            pl[2] = _mm512_castps_si512(_mm512_insertf32x8(_mm512_set1_ps(dx[(size_t)b * nblk + j]),
                                                           _mm256_set1_ps(dx[(size_t)(b + 1) * nblk + j]), 1));
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
#define LANES_MAX_BLK 64 /* the stack buffer of one row group: 64 blocks = 36 KiB */

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

/* T tokens (b .. b + T - 1) of one row group: 8·T accumulators */
static inline __attribute__((always_inline)) void lanes_tokens(const __m512i (*wl)[8], const __m512 *dl, int64_t nblk,
                                                               const int32_t *xi, const float *dx, const uint8_t *xq,
                                                               size_t xs, int b, const int T, float *Y, int64_t ldy,
                                                               __mmask16 keep)
{
    __m512 a[2][8];
    for (int t = 0; t < T; t++)
        for (int k = 0; k < 8; k++)
            a[t][k] = _mm512_setzero_ps();
    for (int64_t j = 0; j < nblk; j++) {
        __m512 d[2];
        for (int t = 0; t < T; t++)
            d[t] = _mm512_mul_ps(dl[j], _mm512_set1_ps(dx[(size_t)(b + t) * nblk + j]));
        for (int k = 0; k < 8; k++) {
            const __m512i w = wl[j][k];
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
        const __m512 r = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(a[t][0], a[t][4]), _mm512_add_ps(a[t][2], a[t][6])),
                                       _mm512_add_ps(_mm512_add_ps(a[t][1], a[t][5]), _mm512_add_ps(a[t][3], a[t][7])));
        _mm512_mask_storeu_ps(Y + (size_t)(b + t) * ldy, keep, r);
    }
}

static void rows_q8act_lanes(int type, const uint8_t *data, size_t rb, int64_t nrows, int64_t nblk, const uint8_t *xq,
                             size_t xs, int nb, float *Y, int64_t ldy, const void *aux)
{
    const __m256i *xinit = (const __m256i *)(((uintptr_t)aux + 31) & ~(uintptr_t)31);
    const int32_t *xi = (const int32_t *)xinit;
    const float *dx = (const float *)(xinit + (size_t)nb * nblk);
    __m512i wl[LANES_MAX_BLK][8];
    __m512 dl[LANES_MAX_BLK];
    for (int64_t r0 = 0; r0 < nrows; r0 += 16) {
        const int64_t nr = nrows - r0 < 16 ? nrows - r0 : 16;
        lanes_decode(type, data + (size_t)r0 * rb, rb, nr, nblk, wl, dl);
        /* the next group's rows into L2 while this one computes: its decode otherwise waits
         * on memory (the weights are read once per batch, from DRAM) */
        if (r0 + 16 < nrows) {
            const uint8_t *p = data + (size_t)(r0 + 16) * rb;
            const uint8_t *e = data + (size_t)(nrows - r0 - 16 < 16 ? nrows : r0 + 32) * rb;
            for (; p < e; p += 64)
                _mm_prefetch((const char *)p, _MM_HINT_T1);
        }
        const __mmask16 keep = (__mmask16)((1u << nr) - 1);
        int b = 0;
        for (; b + 2 <= nb; b += 2)
            lanes_tokens((const __m512i (*)[8])wl, dl, nblk, xi, dx, xq, xs, b, 2, Y + r0, ldy, keep);
        if (b < nb)
            lanes_tokens((const __m512i (*)[8])wl, dl, nblk, xi, dx, xq, xs, b, 1, Y + r0, ldy, keep);
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
    if (nblk <= LANES_MAX_BLK) {
        rows_q8act_lanes(type, data, rb, nrows, nblk, xq, xs, nb, Y, ldy, aux);
        return;
    }
    __m256i q[LLM_ROWS_MAX_BLK];
    float dw[LLM_ROWS_MAX_BLK];
    for (int64_t r = 0; r < nrows; r++) {
        const uint8_t *w = data + (size_t)r * rb;
        for (int64_t j = 0; j < nblk; j++, w += bsz) {
            q[j] = wblock(type, w);
            dw[j] = H2F(w);
        }
        /* 8 tokens at a time, two to a 512-bit register (lanes 0-7 token b, 8-15 token
         * b + 1): every lane takes the same integer and float steps as in the 256-bit loop
         * below (the scale d_w·d_x is one float product per lane either way), so the same
         * bits, in half the instructions; four independent FMA chains */
        int b = 0;
        const __m512i *pl = pair_lines(aux, nb, nblk);
        for (; b + 8 <= nb; b += 8) {
            const __m512i *p0 = pl + (size_t)(b / 2) * nblk * 3;
            const size_t ps = (size_t)nblk * 3; /* lines per pair */
            __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
            for (int64_t j = 0; j < nblk; j++, p0 += 3) {
                const __m512i qz = _mm512_broadcast_i64x4(q[j]);
                const __m512 dz = _mm512_set1_ps(dw[j]);
                const __m512i i0 = _mm512_dpbusd_epi32(p0[1], qz, p0[0]);
                const __m512i i1 = _mm512_dpbusd_epi32(p0[ps + 1], qz, p0[ps]);
                const __m512i i2 = _mm512_dpbusd_epi32(p0[2 * ps + 1], qz, p0[2 * ps]);
                const __m512i i3 = _mm512_dpbusd_epi32(p0[3 * ps + 1], qz, p0[3 * ps]);
                a0 = _mm512_fmadd_ps(_mm512_mul_ps(dz, _mm512_castsi512_ps(p0[2])), _mm512_cvtepi32_ps(i0), a0);
                a1 = _mm512_fmadd_ps(_mm512_mul_ps(dz, _mm512_castsi512_ps(p0[ps + 2])), _mm512_cvtepi32_ps(i1), a1);
                a2 = _mm512_fmadd_ps(_mm512_mul_ps(dz, _mm512_castsi512_ps(p0[2 * ps + 2])), _mm512_cvtepi32_ps(i2), a2);
                a3 = _mm512_fmadd_ps(_mm512_mul_ps(dz, _mm512_castsi512_ps(p0[3 * ps + 2])), _mm512_cvtepi32_ps(i3), a3);
            }
            const __m512 acc[4] = {a0, a1, a2, a3};
            for (int k = 0; k < 4; k++) {
                Y[(size_t)(b + 2 * k) * ldy + r] = hsum8(_mm512_castps512_ps256(acc[k]));
                Y[(size_t)(b + 2 * k + 1) * ldy + r] = hsum8(_mm512_extractf32x8_ps(acc[k], 1));
            }
        }
        /* 4 tokens at a time: independent FMA chains (one chain is latency-bound) */
        for (; b + 4 <= nb; b += 4) {
            const uint8_t *x0 = xq + (size_t)b * xs + 2;
            const __m256i *n0 = xinit + (size_t)b * nblk;
            const float *d0 = dx + (size_t)b * nblk;
            __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
            for (int64_t j = 0; j < nblk; j++) {
                const __m256i i0 = _mm256_dpbusd_epi32(n0[j], q[j], _mm256_loadu_si256((const __m256i *)(x0 + j * 34)));
                const __m256i i1 = _mm256_dpbusd_epi32(n0[nblk + j], q[j], _mm256_loadu_si256((const __m256i *)(x0 + xs + j * 34)));
                const __m256i i2 = _mm256_dpbusd_epi32(n0[2 * nblk + j], q[j], _mm256_loadu_si256((const __m256i *)(x0 + 2 * xs + j * 34)));
                const __m256i i3 = _mm256_dpbusd_epi32(n0[3 * nblk + j], q[j], _mm256_loadu_si256((const __m256i *)(x0 + 3 * xs + j * 34)));
                a0 = _mm256_fmadd_ps(_mm256_set1_ps(dw[j] * d0[j]), _mm256_cvtepi32_ps(i0), a0);
                a1 = _mm256_fmadd_ps(_mm256_set1_ps(dw[j] * d0[nblk + j]), _mm256_cvtepi32_ps(i1), a1);
                a2 = _mm256_fmadd_ps(_mm256_set1_ps(dw[j] * d0[2 * nblk + j]), _mm256_cvtepi32_ps(i2), a2);
                a3 = _mm256_fmadd_ps(_mm256_set1_ps(dw[j] * d0[3 * nblk + j]), _mm256_cvtepi32_ps(i3), a3);
            }
            Y[(size_t)b * ldy + r] = hsum8(a0);
            Y[(size_t)(b + 1) * ldy + r] = hsum8(a1);
            Y[(size_t)(b + 2) * ldy + r] = hsum8(a2);
            Y[(size_t)(b + 3) * ldy + r] = hsum8(a3);
        }
        for (; b < nb; b++) {
            const uint8_t *x0 = xq + (size_t)b * xs + 2;
            const __m256i *n0 = xinit + (size_t)b * nblk;
            const float *d0 = dx + (size_t)b * nblk;
            __m256 a0 = _mm256_setzero_ps();
            for (int64_t j = 0; j < nblk; j++) {
                const __m256i i0 = _mm256_dpbusd_epi32(n0[j], q[j], _mm256_loadu_si256((const __m256i *)(x0 + j * 34)));
                a0 = _mm256_fmadd_ps(_mm256_set1_ps(dw[j] * d0[j]), _mm256_cvtepi32_ps(i0), a0);
            }
            Y[(size_t)b * ldy + r] = hsum8(a0);
        }
    }
}

#pragma GCC pop_options
#endif /* LLM_QUANT_X86 */
