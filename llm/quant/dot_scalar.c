/* dot_scalar.c — the portable dot kernels (the reference every ISA path is tested
 * against). Q8_0, Q4_0, Q5_0, Q4_K and Q6_K reproduce the float order of ggml's AVX2 kernels
 * (so a CPU without AVX2 gives llama.cpp's AVX2 logits); the other types come from
 * dot_int.inc, compiled here for baseline x86-64 / any CPU. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3")
#endif
#include "llm/quant/kernels.h"

#include <math.h>

#define KS(name) name##_scalar
#define KH2F(p) h2f(p)
#include "llm/quant/dot_int.inc"
#undef KS
#undef KH2F

/* The scalar dots reproduce ggml's AVX2 kernels bit for bit (so every machine gives the
 * same logits, and the same as llama.cpp on an AVX2 CPU): each block's integer products are
 * summed into 8 lanes (lane k holds elements 4k..4k+3 of every 32-element group), every lane
 * is converted to float and accumulated with a fused multiply-add by the block's combined
 * scale, and the 8 lanes are added in the order of ggml's hsum_float_8. */
static inline float hsum8_scalar(const float *a)
{
    return ((a[0] + a[4]) + (a[2] + a[6])) + ((a[1] + a[5]) + (a[3] + a[7]));
}

static inline void lanes_i8_32(const int8_t *a, const int8_t *b, int *l)
{
    for (int k = 0; k < 8; k++)
        l[k] = a[4 * k] * b[4 * k] + a[4 * k + 1] * b[4 * k + 1] + a[4 * k + 2] * b[4 * k + 2] +
               a[4 * k + 3] * b[4 * k + 3];
}

float llm_dot_q8_0_scalar(const uint8_t *w, const uint8_t *x, int64_t nb)
{
    float acc[8] = {0};
    int l[8];
    for (int64_t b = 0; b < nb; b++, w += 34, x += 34) {
        lanes_i8_32((const int8_t *)(w + 2), (const int8_t *)(x + 2), l);
        float d = h2f(w) * h2f(x);
        for (int k = 0; k < 8; k++)
            acc[k] = fmaf(d, (float)l[k], acc[k]);
    }
    return hsum8_scalar(acc);
}

float llm_dot_q4_0_scalar(const uint8_t *w, const uint8_t *x, int64_t nb)
{
    float acc[8] = {0};
    int8_t q[QK];
    int l[8];
    for (int64_t b = 0; b < nb; b++, w += 18, x += 34) {
        q4_0_ints(w, q);
        lanes_i8_32(q, (const int8_t *)(x + 2), l);
        float d = h2f(w) * h2f(x);
        for (int k = 0; k < 8; k++)
            acc[k] = fmaf(d, (float)l[k], acc[k]);
    }
    return hsum8_scalar(acc);
}

float llm_dot_q5_0_scalar(const uint8_t *w, const uint8_t *x, int64_t nb)
{
    float acc[8] = {0};
    int8_t q[QK];
    int l[8];
    for (int64_t b = 0; b < nb; b++, w += 22, x += 34) {
        q5_0_ints(w, q);
        lanes_i8_32(q, (const int8_t *)(x + 2), l);
        float d = h2f(w) * h2f(x);
        for (int k = 0; k < 8; k++)
            acc[k] = fmaf(d, (float)l[k], acc[k]);
    }
    return hsum8_scalar(acc);
}

/* ggml (AVX2): 8 integer lanes of scale·q·x (the mins separately, from the activation's
 * 16-element sums, in 4 float lanes), d = dx·d_w and dmin = −dx·dmin_w per block. */
float llm_dot_q4_k_scalar(const uint8_t *w, const uint8_t *x, int64_t nb)
{
    float acc[8] = {0}, accm[4] = {0};
    uint8_t q[QKK];
    int sc[8], mn[8];
    for (int64_t b = 0; b < nb; b++, w += 144, x += 292) {
        float dx;
        memcpy(&dx, x, 4);
        const int8_t *qx = (const int8_t *)(x + 4);
        int16_t bs[16];
        memcpy(bs, x + 260, sizeof bs);
        q4_k_ints(w, q, sc, mn);
        const float d = dx * h2f(w), dmin = -dx * h2f(w + 2);
        for (int m = 0; m < 4; m++) {
            int pm = mn[2 * m] * (bs[4 * m] + bs[4 * m + 1]) + mn[2 * m + 1] * (bs[4 * m + 2] + bs[4 * m + 3]);
            accm[m] = fmaf(dmin, (float)pm, accm[m]);
        }
        int l[8] = {0};
        for (int j = 0; j < 8; j++)
            for (int k = 0; k < 8; k++) {
                const int e = 32 * j + 4 * k;
                l[k] += sc[j] * (q[e] * qx[e] + q[e + 1] * qx[e + 1] + q[e + 2] * qx[e + 2] + q[e + 3] * qx[e + 3]);
            }
        for (int k = 0; k < 8; k++)
            acc[k] = fmaf(d, (float)l[k], acc[k]);
    }
    return hsum8_scalar(acc) + ((accm[0] + accm[2]) + (accm[1] + accm[3]));
}

/* ggml_vec_dot_q6_K_q8_K as built in llama.cpp here: per block, 8 integer lanes — lanes 0..3
 * take elements 4m..4m+3 of the even 16-element chunks, lanes 4..7 of the odd ones, each
 * times its sub-block scale — minus 32·(scale·bsum) of sub-block pairs (2m, 2m+1) and
 * (8 + 2m, 9 + 2m); then acc_lane = fma(d_x·d_w, lane, acc_lane) and ggml's hsum. (Verified
 * bit for bit against llama.cpp's 1-token ffn_down results.) */
float llm_dot_q6_k_scalar(const uint8_t *w, const uint8_t *x, int64_t nb)
{
    float acc[8] = {0};
    int8_t q[QKK];
    for (int64_t b = 0; b < nb; b++, w += 210, x += 292) {
        float dx;
        memcpy(&dx, x, 4);
        const int8_t *qx = (const int8_t *)(x + 4);
        const int8_t *sc = (const int8_t *)(w + 192);
        int16_t bs[16];
        memcpy(bs, x + 260, sizeof bs);
        q6_k_ints(w, q); /* signed: -32..31 */
        int l[8] = {0};
        for (int c = 0; c < 16; c++) { /* 16-element chunks; scale index = c */
            const int half = c & 1;
            for (int m = 0; m < 4; m++) {
                const int e = 16 * c + 4 * m;
                l[4 * half + m] += sc[c] * ((q[e] + 32) * qx[e] + (q[e + 1] + 32) * qx[e + 1] +
                                            (q[e + 2] + 32) * qx[e + 2] + (q[e + 3] + 32) * qx[e + 3]);
            }
        }
        for (int m = 0; m < 4; m++) {
            l[m] -= 32 * (bs[2 * m] * sc[2 * m] + bs[2 * m + 1] * sc[2 * m + 1]);
            l[4 + m] -= 32 * (bs[8 + 2 * m] * sc[8 + 2 * m] + bs[9 + 2 * m] * sc[9 + 2 * m]);
        }
        const float d = dx * h2f(w + 208);
        for (int k = 0; k < 8; k++)
            acc[k] = fmaf(d, (float)l[k], acc[k]);
    }
    return hsum8_scalar(acc);
}
