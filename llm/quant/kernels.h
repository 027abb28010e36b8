/* kernels.h — shared by the files of llm/quant/ only: block decoders used by the
 * dequantizer and the dot kernels, and the kernel prototypes the traits table points at.
 * Sizes: Q8_0 34 bytes (fp16 d, int8 qs[32]); Q8_1 36 (fp16 d, fp16 s = d·Σqs, qs[32]);
 * Q8_K 292 (float d, int8 qs[256], int16 bsums[16] of 16-element sums), as in ggml. */
#ifndef SO8T_LLM_QUANT_KERNELS_H
#define SO8T_LLM_QUANT_KERNELS_H

#include "llm/quant/quant.h"

#include <string.h>

#define QK 32
#define QKK 256

#if defined(__x86_64__) && defined(__GNUC__)
#define LLM_QUANT_X86 1
#else
#define LLM_QUANT_X86 0
#endif

static inline float h2f(const uint8_t *p) { return llm_fp16_to_fp32((uint16_t)(p[0] | p[1] << 8)); }
static inline void f2h(uint8_t *p, float f)
{
    uint16_t h = llm_fp32_to_fp16(f);
    p[0] = (uint8_t)h;
    p[1] = (uint8_t)(h >> 8);
}
static inline float rd_f32(const uint8_t *p)
{
    float f;
    memcpy(&f, p, 4);
    return f;
}

/* IQ4_NL / IQ4_XS codebook (ggml-common.h kvalues_iq4nl) */
extern const int8_t llm_kvalues_iq4nl[16];

/* 6-bit scale and min j of the 12-byte Q4_K/Q5_K scale field */
static inline void scale_min_k4(int j, const uint8_t *s, int *sc, int *m)
{
    if (j < 4) {
        *sc = s[j] & 63;
        *m = s[j + 4] & 63;
    } else {
        *sc = (s[j + 4] & 0xF) | ((s[j - 4] >> 6) << 4);
        *m = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
    }
}

/* Integer values of one block (before scaling), used by dequant and by the dot products. */
static inline void q4_0_ints(const uint8_t *b, int8_t *q)
{
    const uint8_t *qs = b + 2;
    for (int i = 0; i < 16; i++) {
        q[i] = (int8_t)((qs[i] & 0xF) - 8);
        q[i + 16] = (int8_t)((qs[i] >> 4) - 8);
    }
}

static inline void q5_0_ints(const uint8_t *b, int8_t *q)
{
    uint32_t qh = (uint32_t)b[2] | (uint32_t)b[3] << 8 | (uint32_t)b[4] << 16 | (uint32_t)b[5] << 24;
    const uint8_t *qs = b + 6;
    for (int i = 0; i < 16; i++) {
        int lo = (qs[i] & 0xF) | (int)((qh >> i) & 1) << 4;
        int hi = (qs[i] >> 4) | (int)((qh >> (i + 16)) & 1) << 4;
        q[i] = (int8_t)(lo - 16);
        q[i + 16] = (int8_t)(hi - 16);
    }
}

/* Q4_1 (qs at 4) and IQ4_NL (qs at 2) nibbles: low nibbles are elements 0..15 */
static inline void nib32(const uint8_t *qs, uint8_t *q)
{
    for (int i = 0; i < 16; i++) {
        q[i] = qs[i] & 0xF;
        q[i + 16] = qs[i] >> 4;
    }
}

/* Q5_1: 0..31 */
static inline void q5_1_ints(const uint8_t *b, uint8_t *q)
{
    uint32_t qh = (uint32_t)b[4] | (uint32_t)b[5] << 8 | (uint32_t)b[6] << 16 | (uint32_t)b[7] << 24;
    const uint8_t *qs = b + 8;
    for (int i = 0; i < 16; i++) {
        q[i] = (uint8_t)((qs[i] & 0xF) | ((qh >> i) & 1) << 4);
        q[i + 16] = (uint8_t)((qs[i] >> 4) | ((qh >> (i + 16)) & 1) << 4);
    }
}

/* Q4_K: 256 values 0..15, plus 8 scales and 8 mins. */
static inline void q4_k_ints(const uint8_t *b, uint8_t *q, int *sc, int *mn)
{
    const uint8_t *s = b + 4, *qs = b + 16;
    for (int j = 0; j < 8; j++)
        scale_min_k4(j, s, &sc[j], &mn[j]);
    for (int c = 0; c < 4; c++) {
        const uint8_t *p = qs + 32 * c;
        for (int l = 0; l < 32; l++) {
            q[64 * c + l] = p[l] & 0xF;
            q[64 * c + 32 + l] = p[l] >> 4;
        }
    }
}

/* Q5_K: 256 values 0..31 (4 low bits in qs, the 5th in qh), 8 scales and 8 mins */
static inline void q5_k_ints(const uint8_t *b, uint8_t *q, int *sc, int *mn)
{
    const uint8_t *s = b + 4, *qh = b + 16, *qs = b + 48;
    for (int j = 0; j < 8; j++)
        scale_min_k4(j, s, &sc[j], &mn[j]);
    for (int c = 0; c < 4; c++)
        for (int l = 0; l < 32; l++) {
            q[64 * c + l] = (uint8_t)((qs[32 * c + l] & 0xF) | ((qh[l] >> (2 * c)) & 1) << 4);
            q[64 * c + 32 + l] = (uint8_t)((qs[32 * c + l] >> 4) | ((qh[l] >> (2 * c + 1)) & 1) << 4);
        }
}

/* Q6_K: 256 values -32..31, 16 int8 scales. */
static inline void q6_k_ints(const uint8_t *b, int8_t *q)
{
    const uint8_t *ql = b, *qh = b + 128;
    for (int n = 0; n < 2; n++) {
        const uint8_t *l_ = ql + 64 * n, *h_ = qh + 32 * n;
        int8_t *o = q + 128 * n;
        for (int l = 0; l < 32; l++) {
            o[l] = (int8_t)(((l_[l] & 0xF) | ((h_[l] >> 0) & 3) << 4) - 32);
            o[l + 32] = (int8_t)(((l_[l + 32] & 0xF) | ((h_[l] >> 2) & 3) << 4) - 32);
            o[l + 64] = (int8_t)(((l_[l] >> 4) | ((h_[l] >> 4) & 3) << 4) - 32);
            o[l + 96] = (int8_t)(((l_[l + 32] >> 4) | ((h_[l] >> 6) & 3) << 4) - 32);
        }
    }
}

/* Q2_K: 256 values 0..3; element 128n + 32j + l is bits 2j.. of qs[32n + l] */
static inline void q2_k_ints(const uint8_t *b, uint8_t *q)
{
    const uint8_t *qs = b + 16;
    for (int n = 0; n < 2; n++)
        for (int j = 0; j < 4; j++)
            for (int l = 0; l < 32; l++)
                q[128 * n + 32 * j + l] = (qs[32 * n + l] >> (2 * j)) & 3;
}

/* Q3_K: 256 values -4..3 (2 low bits in qs as Q2_K, the high bit in hmask: bit 4n + j of
 * hmask[l]; a clear bit subtracts 4) and 16 signed 6-bit scales (stored + 32) */
static inline void q3_k_ints(const uint8_t *b, int8_t *q, int *sc)
{
    const uint8_t *hm = b, *qs = b + 32, *s = b + 96;
    for (int n = 0; n < 2; n++)
        for (int j = 0; j < 4; j++)
            for (int l = 0; l < 32; l++)
                q[128 * n + 32 * j + l] = (int8_t)(((qs[32 * n + l] >> (2 * j)) & 3) -
                                                   ((hm[l] >> (4 * n + j)) & 1 ? 0 : 4));
    for (int k = 0; k < 16; k++) {
        int lo = k < 8 ? s[k] & 0xF : s[k - 8] >> 4;
        int hi = (s[8 + k % 4] >> (2 * (k / 4))) & 3;
        sc[k] = (lo | hi << 4) - 32;
    }
}

/* IQ4_XS: 8 signed 6-bit scales (stored + 32) */
static inline void iq4_xs_scales(const uint8_t *b, int *ls)
{
    unsigned sh = (unsigned)(b[2] | b[3] << 8);
    for (int ib = 0; ib < 8; ib++)
        ls[ib] = (int)(((b[4 + ib / 2] >> (4 * (ib % 2))) & 0xF) | ((sh >> (2 * ib)) & 3) << 4) - 32;
}

/* ---- kernels the traits table points at ---- */
void llm_deq_f32(const uint8_t *s, float *d, int64_t nb);
void llm_deq_f16(const uint8_t *s, float *d, int64_t nb);
void llm_deq_bf16(const uint8_t *s, float *d, int64_t nb);
void llm_deq_q8_0(const uint8_t *s, float *d, int64_t nb);
void llm_deq_q4_0(const uint8_t *s, float *d, int64_t nb);
void llm_deq_q4_1(const uint8_t *s, float *d, int64_t nb);
void llm_deq_q5_0(const uint8_t *s, float *d, int64_t nb);
void llm_deq_q5_1(const uint8_t *s, float *d, int64_t nb);
void llm_deq_q2_k(const uint8_t *s, float *d, int64_t nb);
void llm_deq_q3_k(const uint8_t *s, float *d, int64_t nb);
void llm_deq_q4_k(const uint8_t *s, float *d, int64_t nb);
void llm_deq_q5_k(const uint8_t *s, float *d, int64_t nb);
void llm_deq_q6_k(const uint8_t *s, float *d, int64_t nb);
void llm_deq_iq4_nl(const uint8_t *s, float *d, int64_t nb);
void llm_deq_iq4_xs(const uint8_t *s, float *d, int64_t nb);

/* one name per kernel and ISA: llm_dot_<type>_<isa> */
#define LLM_DOT_DECL(isa)                                                                        \
    float llm_dot_f32_##isa(const uint8_t *, const uint8_t *, int64_t);                          \
    float llm_dot_f16_##isa(const uint8_t *, const uint8_t *, int64_t);                          \
    float llm_dot_bf16_##isa(const uint8_t *, const uint8_t *, int64_t);                         \
    float llm_dot_q8_0_##isa(const uint8_t *, const uint8_t *, int64_t);                         \
    float llm_dot_q4_0_##isa(const uint8_t *, const uint8_t *, int64_t);                         \
    float llm_dot_q5_0_##isa(const uint8_t *, const uint8_t *, int64_t);                         \
    float llm_dot_q4_k_##isa(const uint8_t *, const uint8_t *, int64_t);                         \
    float llm_dot_q6_k_##isa(const uint8_t *, const uint8_t *, int64_t);                         \
    float llm_dot_q4_1_##isa(const uint8_t *, const uint8_t *, int64_t);                         \
    float llm_dot_q5_1_##isa(const uint8_t *, const uint8_t *, int64_t);                         \
    float llm_dot_q2_k_##isa(const uint8_t *, const uint8_t *, int64_t);                         \
    float llm_dot_q3_k_##isa(const uint8_t *, const uint8_t *, int64_t);                         \
    float llm_dot_q5_k_##isa(const uint8_t *, const uint8_t *, int64_t);                         \
    float llm_dot_iq4_nl_##isa(const uint8_t *, const uint8_t *, int64_t);                       \
    float llm_dot_iq4_xs_##isa(const uint8_t *, const uint8_t *, int64_t);
LLM_DOT_DECL(scalar)
LLM_DOT_DECL(avx2)
LLM_DOT_DECL(avx512)

/* llama.cpp's repacked Q4_K (gemv order, gemm = 0; 4-row gemm order, gemm = 1) and the
 * batched Q6_K order (dot_repack.c) */
float llm_dot_q4_k_rp(const uint8_t *w, const uint8_t *x, int64_t nb, int gemm);
float llm_dot_q4_k_rp_avx2(const uint8_t *w, const uint8_t *x, int64_t nb, int gemm);
float llm_dot_q4_k_rp_avx512(const uint8_t *w, const uint8_t *x, int64_t nb, int gemm);
float llm_dot_q6_k_rp(const uint8_t *w, const uint8_t *x, int64_t nb);
float llm_dot_q6_k_rp_avx2(const uint8_t *w, const uint8_t *x, int64_t nb);
float llm_dot_q6_k_rp_avx512(const uint8_t *w, const uint8_t *x, int64_t nb);
int llm_quant_kquant_repack(void);

/* Whole products for Q8_0/Q4_0/Q5_0 weights with AVX-512 VNNI (rows_avx512.c): the bits of
 * llm_dot_<type>_*, rows [0, nrows) of data (row stride rb, nblk blocks of 32) times nb
 * activation rows xq (Q8_0, stride xs), into Y[b * ldy + r]. aux: llm_rows_q8act_aux_bytes,
 * filled once per product by llm_rows_q8act_prep_avx512, then read only (threads share it).
 * Any nblk. */
/* The repacked Q4_K orders (llm_dot_q4_k_rp: tokens b < ngemm in the gemm order, the rest
 * gemv) and the batched Q6_K order (llm_dot_q6_k_rp) for rows × tokens with rows as SIMD
 * lanes, rows of up to LLM_ROWS_MAX_KBLK blocks of 256; any nb >= 1, any nrows >= 1, same
 * bits: 16 rows per group, tiles of up to 4 tokens (rows_kq_avx512.c, AVX-512 VNNI), or
 * 8 rows per group (rows_kq_avx2.c, AVX2 without AVX-512). */
#define LLM_ROWS_MAX_KBLK 32
void llm_rows16_q4_k_rp_avx512(const uint8_t *data, size_t rb, int64_t nrows, int64_t nblk, const uint8_t *xq,
                               size_t xs, int nb, int ngemm, float *Y, int64_t ldy);
void llm_rows16_q6_k_rp_avx512(const uint8_t *data, size_t rb, int64_t nrows, int64_t nblk, const uint8_t *xq,
                               size_t xs, int nb, float *Y, int64_t ldy);
void llm_rows8_q4_k_rp_avx2(const uint8_t *data, size_t rb, int64_t nrows, int64_t nblk, const uint8_t *xq, size_t xs,
                            int nb, int ngemm, float *Y, int64_t ldy);
void llm_rows8_q6_k_rp_avx2(const uint8_t *data, size_t rb, int64_t nrows, int64_t nblk, const uint8_t *xq, size_t xs,
                            int nb, float *Y, int64_t ldy);
size_t llm_rows_q8act_aux_bytes(int64_t ne0, int nb);
void llm_rows_q8act_prep_avx512(int type, int64_t nblk, const uint8_t *xq, size_t xs, int nb, void *aux);
void llm_rows_q8act_avx512(int type, const uint8_t *data, size_t rb, int64_t nrows, int64_t nblk,
                           const uint8_t *xq, size_t xs, int nb, float *Y, int64_t ldy, const void *aux);
/* The same products on AVX2 (rows_avx2.c: 8 rows as lanes, no AVX-512), same bits, for
 * batches (nb >= 2) of rows of any length; aux as above, filled by llm_rows_q8act_prep_avx2
 * (its own layout: one prep per kernel). */
void llm_rows_q8act_prep_avx2(int type, int64_t nblk, const uint8_t *xq, size_t xs, int nb, void *aux);
void llm_rows_q8act_avx2(int type, const uint8_t *data, size_t rb, int64_t nrows, int64_t nblk,
                         const uint8_t *xq, size_t xs, int nb, float *Y, int64_t ldy, const void *aux);

#endif /* SO8T_LLM_QUANT_KERNELS_H */
