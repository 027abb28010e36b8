/* dequant.c — block → float for every supported type, with the float operations in the
 * order of ggml's dequantize_row_* (and gguf-py's numpy, which the fixtures check bit for
 * bit): e.g. Q4_K is (d·sc)·q − dmin·m, Q4_1 d·q + m. */
#include "llm/quant/kernels.h"
#include "llm/llm.h"

#include <math.h>

void llm_deq_f32(const uint8_t *s, float *d, int64_t nb) { memcpy(d, s, (size_t)nb * 4); }

void llm_deq_f16(const uint8_t *s, float *d, int64_t nb)
{
    for (int64_t i = 0; i < nb; i++)
        d[i] = h2f(s + 2 * i);
}

void llm_deq_bf16(const uint8_t *s, float *d, int64_t nb)
{
    for (int64_t i = 0; i < nb; i++)
        d[i] = llm_bf16_to_fp32((uint16_t)(s[2 * i] | s[2 * i + 1] << 8));
}

void llm_deq_q8_0(const uint8_t *p, float *y, int64_t nb)
{
    for (int64_t b = 0; b < nb; b++, p += 34, y += QK) {
        float d = h2f(p);
        for (int i = 0; i < QK; i++)
            y[i] = d * (float)(int8_t)p[2 + i];
    }
}

void llm_deq_q4_0(const uint8_t *p, float *y, int64_t nb)
{
    int8_t q[QK];
    for (int64_t b = 0; b < nb; b++, p += 18, y += QK) {
        float d = h2f(p);
        q4_0_ints(p, q);
        for (int i = 0; i < QK; i++)
            y[i] = d * (float)q[i];
    }
}

void llm_deq_q5_0(const uint8_t *p, float *y, int64_t nb)
{
    int8_t q[QK];
    for (int64_t b = 0; b < nb; b++, p += 22, y += QK) {
        float d = h2f(p);
        q5_0_ints(p, q);
        for (int i = 0; i < QK; i++)
            y[i] = d * (float)q[i];
    }
}

void llm_deq_q4_1(const uint8_t *p, float *y, int64_t nb)
{
    uint8_t q[QK];
    for (int64_t b = 0; b < nb; b++, p += 20, y += QK) {
        float d = h2f(p), m = h2f(p + 2);
        nib32(p + 4, q);
        for (int i = 0; i < QK; i++)
            y[i] = (float)q[i] * d + m;
    }
}

void llm_deq_q5_1(const uint8_t *p, float *y, int64_t nb)
{
    uint8_t q[QK];
    for (int64_t b = 0; b < nb; b++, p += 24, y += QK) {
        float d = h2f(p), m = h2f(p + 2);
        q5_1_ints(p, q);
        for (int i = 0; i < QK; i++)
            y[i] = (float)q[i] * d + m;
    }
}

void llm_deq_iq4_nl(const uint8_t *p, float *y, int64_t nb)
{
    uint8_t q[QK];
    for (int64_t b = 0; b < nb; b++, p += 18, y += QK) {
        float d = h2f(p);
        nib32(p + 2, q);
        for (int i = 0; i < QK; i++)
            y[i] = d * (float)llm_kvalues_iq4nl[q[i]];
    }
}

void llm_deq_q2_k(const uint8_t *p, float *y, int64_t nb)
{
    uint8_t q[QKK];
    for (int64_t b = 0; b < nb; b++, p += 84, y += QKK) {
        float d = h2f(p + 80), dmin = h2f(p + 82);
        q2_k_ints(p, q);
        for (int k = 0; k < 16; k++) {
            float dl = d * (float)(p[k] & 0xF), ml = dmin * (float)(p[k] >> 4);
            for (int i = 0; i < 16; i++)
                y[16 * k + i] = dl * (float)q[16 * k + i] - ml;
        }
    }
}

void llm_deq_q3_k(const uint8_t *p, float *y, int64_t nb)
{
    int8_t q[QKK];
    int sc[16];
    for (int64_t b = 0; b < nb; b++, p += 110, y += QKK) {
        float d = h2f(p + 108);
        q3_k_ints(p, q, sc);
        for (int k = 0; k < 16; k++) {
            float dl = d * (float)sc[k];
            for (int i = 0; i < 16; i++)
                y[16 * k + i] = dl * (float)q[16 * k + i];
        }
    }
}

void llm_deq_q4_k(const uint8_t *p, float *y, int64_t nb)
{
    uint8_t q[QKK];
    int sc[8], mn[8];
    for (int64_t b = 0; b < nb; b++, p += 144, y += QKK) {
        float d = h2f(p), dmin = h2f(p + 2);
        q4_k_ints(p, q, sc, mn);
        for (int i = 0; i < QKK; i++) {
            int j = i / 32;
            y[i] = d * (float)sc[j] * (float)q[i] - dmin * (float)mn[j];
        }
    }
}

void llm_deq_q5_k(const uint8_t *p, float *y, int64_t nb)
{
    uint8_t q[QKK];
    int sc[8], mn[8];
    for (int64_t b = 0; b < nb; b++, p += 176, y += QKK) {
        float d = h2f(p), dmin = h2f(p + 2);
        q5_k_ints(p, q, sc, mn);
        for (int i = 0; i < QKK; i++) {
            int j = i / 32;
            y[i] = d * (float)sc[j] * (float)q[i] - dmin * (float)mn[j];
        }
    }
}

void llm_deq_q6_k(const uint8_t *p, float *y, int64_t nb)
{
    int8_t q[QKK];
    for (int64_t b = 0; b < nb; b++, p += 210, y += QKK) {
        float d = h2f(p + 208);
        const int8_t *sc = (const int8_t *)(p + 192);
        q6_k_ints(p, q);
        for (int i = 0; i < QKK; i++)
            y[i] = d * (float)sc[i / 16] * (float)q[i];
    }
}

void llm_deq_iq4_xs(const uint8_t *p, float *y, int64_t nb)
{
    int ls[8];
    for (int64_t b = 0; b < nb; b++, p += 136, y += QKK) {
        float d = h2f(p);
        iq4_xs_scales(p, ls);
        const uint8_t *qs = p + 8;
        for (int ib = 0; ib < 8; ib++) {
            float dl = d * (float)ls[ib];
            for (int j = 0; j < 16; j++) {
                y[32 * ib + j] = dl * (float)llm_kvalues_iq4nl[qs[16 * ib + j] & 0xF];
                y[32 * ib + 16 + j] = dl * (float)llm_kvalues_iq4nl[qs[16 * ib + j] >> 4];
            }
        }
    }
}

int llm_dequant_row(int type, const void *src, float *dst, int64_t n)
{
    const llm_type_traits *t = llm_type_traits_get(type);
    if (!t || !t->dequant)
        return LLM_ERR_UNSUPPORTED;
    t->dequant(src, dst, n / t->blck);
    return LLM_OK;
}

/* fp16 / bf16 with an all-ones exponent: inf or NaN */
static inline int f16_bad(const uint8_t *p) { return (p[1] & 0x7C) == 0x7C; }
static inline int bf16_bad(const uint8_t *p) { return (p[1] & 0x7F) == 0x7F && (p[0] & 0x80); }

int64_t llm_quant_find_nonfinite(int type, const void *src, int64_t n)
{
    const uint8_t *p = src;
    const llm_type_traits *t = llm_type_traits_get(type);
    if (!t || !t->dequant)
        return -1;
    if (t->blck > 1) {
        int64_t nb = n / t->blck;
        for (int64_t b = 0; b < nb; b++, p += t->size)
            for (int k = 0; k < 2; k++)
                if (t->scale_off[k] >= 0 && f16_bad(p + t->scale_off[k]))
                    return b * t->blck;
        return -1;
    }
    for (int64_t i = 0; i < n; i++) {
        int bad;
        if (type == LLM_TYPE_F32) {
            float f;
            memcpy(&f, p + 4 * i, 4);
            bad = !isfinite(f);
        } else {
            bad = type == LLM_TYPE_F16 ? f16_bad(p + 2 * i) : bf16_bad(p + 2 * i);
        }
        if (bad)
            return i;
    }
    return -1;
}
