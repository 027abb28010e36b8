/* dequant.c — block → float for every supported type: the loops over blocks around the
 * SO8T_HD block decoders of dequant_hd.h, which the CUDA matrix products run too. The float
 * operations are in the order of ggml's dequantize_row_* (and gguf-py's numpy, which the
 * fixtures check bit for bit): e.g. Q4_K is (d·sc)·q − dmin·m, Q4_1 q·d + m. */
#include "llm/quant/dequant_hd.h"
#include "llm/quant/kernels.h"
#include "llm/llm.h"

#include <math.h>

void llm_deq_f32(const uint8_t *s, float *d, int64_t nb)
{
    for (int64_t i = 0; i < nb; i++)
        d[i] = llm_hd_deq_scalar(LLM_HD_F32, s, i);
}

void llm_deq_f16(const uint8_t *s, float *d, int64_t nb)
{
    for (int64_t i = 0; i < nb; i++)
        d[i] = llm_hd_deq_scalar(LLM_HD_F16, s, i);
}

void llm_deq_bf16(const uint8_t *s, float *d, int64_t nb)
{
    for (int64_t i = 0; i < nb; i++)
        d[i] = llm_hd_deq_scalar(LLM_HD_BF16, s, i);
}

/* nb blocks of `bytes` bytes, each `groups` groups of 32 elements */
#define DEQ_BLOCKS(name, fn, bytes, groups)                                                      \
    void name(const uint8_t *p, float *y, int64_t nb)                                            \
    {                                                                                            \
        for (int64_t b = 0; b < nb; b++, p += (bytes))                                           \
            for (int g = 0; g < (groups); g++, y += 32)                                          \
                fn(p, g, y);                                                                     \
    }

DEQ_BLOCKS(llm_deq_q8_0, llm_hd_deq32_q8_0, 34, 1)
DEQ_BLOCKS(llm_deq_q4_0, llm_hd_deq32_q4_0, 18, 1)
DEQ_BLOCKS(llm_deq_q4_1, llm_hd_deq32_q4_1, 20, 1)
DEQ_BLOCKS(llm_deq_q5_0, llm_hd_deq32_q5_0, 22, 1)
DEQ_BLOCKS(llm_deq_q5_1, llm_hd_deq32_q5_1, 24, 1)
DEQ_BLOCKS(llm_deq_iq4_nl, llm_hd_deq32_iq4_nl, 18, 1)
DEQ_BLOCKS(llm_deq_q2_k, llm_hd_deq32_q2_k, 84, 8)
DEQ_BLOCKS(llm_deq_q3_k, llm_hd_deq32_q3_k, 110, 8)
DEQ_BLOCKS(llm_deq_q4_k, llm_hd_deq32_q4_k, 144, 8)
DEQ_BLOCKS(llm_deq_q5_k, llm_hd_deq32_q5_k, 176, 8)
DEQ_BLOCKS(llm_deq_q6_k, llm_hd_deq32_q6_k, 210, 8)
DEQ_BLOCKS(llm_deq_iq4_xs, llm_hd_deq32_iq4_xs, 136, 8)

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
