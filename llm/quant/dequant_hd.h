/* dequant_hd.h — block → float for the 15 tensor types the runner supports, written once for
 * the CPU (llm/quant/dequant.c calls it) and the CUDA kernels (llm/gpu/gpu_matmul.cu): the
 * CPU tests that check dequant.c bit for bit against gguf-py (tests/test_quant.c) run this
 * very code.
 *
 * Unit of work: a group of 32 consecutive elements of one block (g = 0 for the 32-element
 * formats, 0..7 for the 256-element K formats and IQ4_XS), so a GPU thread holds 32 floats,
 * not 256. Each element is computed with the float operations, in the order, of ggml's
 * dequantize_row_* (ggml-quants.c): Q4_K is (d·sc)·q − dmin·m, Q4_1 q·d + m, Q2_K
 * (d·sc)·q − dmin·m, Q6_K (d·sc)·q, IQ4_XS (d·ls)·kvalue. Block layouts as ggml-common.h
 * (sizes in llm/quant/traits.c). Both compilers contract nothing (-ffp-contract=off,
 * nvcc --fmad=false), so host and device give the same bits.
 *
 * F32, F16 and BF16 have 1-element blocks: llm_hd_deq_scalar reads element i of a row.
 */
#ifndef SO8T_LLM_QUANT_DEQUANT_HD_H
#define SO8T_LLM_QUANT_DEQUANT_HD_H

#include "base/config.h"

#include <stdint.h>
#include <string.h>

/* ggml type ids (ggml.h; the same values as LLM_TYPE_* in llm/llm.h) */
enum {
    LLM_HD_F32 = 0, LLM_HD_F16 = 1, LLM_HD_Q4_0 = 2, LLM_HD_Q4_1 = 3, LLM_HD_Q5_0 = 6,
    LLM_HD_Q5_1 = 7, LLM_HD_Q8_0 = 8, LLM_HD_Q2_K = 10, LLM_HD_Q3_K = 11, LLM_HD_Q4_K = 12,
    LLM_HD_Q5_K = 13, LLM_HD_Q6_K = 14, LLM_HD_IQ4_NL = 20, LLM_HD_IQ4_XS = 23, LLM_HD_BF16 = 30
};

SO8T_HD float llm_hd_bits_float(uint32_t b)
{
#ifdef __CUDA_ARCH__
    return __uint_as_float(b);
#else
    float f;
    memcpy(&f, &b, 4);
    return f;
#endif
}

/* IEEE half → float, exact for every one of the 65 536 values (subnormals normalised, inf
 * and NaN kept with their payload); tests/test_llm_gpu_math.c compares all of them with
 * llm_fp16_to_fp32. */
SO8T_HD float llm_hd_half(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16, ex = (h >> 10) & 0x1Fu, man = h & 0x3FFu;
    if (ex == 0) {
        if (man == 0)
            return llm_hd_bits_float(sign);
        int e = -1;
        do {
            e++;
            man <<= 1;
        } while (!(man & 0x400u));
        return llm_hd_bits_float(sign | (uint32_t)(127 - 15 - e) << 23 | (man & 0x3FFu) << 13);
    }
    if (ex == 31)
        return llm_hd_bits_float(sign | 0x7F800000u | man << 13);
    return llm_hd_bits_float(sign | (ex + 112) << 23 | man << 13);
}

/* little-endian fp16 at p */
SO8T_HD float llm_hd_f16(const uint8_t *p) { return llm_hd_half((uint16_t)(p[0] | p[1] << 8)); }

/* IQ4_NL / IQ4_XS codebook (ggml-common.h kvalues_iq4nl), as a function so that it needs
 * no table in device memory */
SO8T_HD int llm_hd_kvalue_iq4(int i)
{
    const int8_t kv[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};
    return kv[i & 15];
}

/* Element i of a row of an F32, F16 or BF16 tensor. */
SO8T_HD float llm_hd_deq_scalar(int type, const uint8_t *row, int64_t i)
{
    if (type == LLM_HD_F32) {
        const uint8_t *p = row + 4 * i;
        return llm_hd_bits_float((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                                 (uint32_t)p[3] << 24);
    }
    const uint8_t *p = row + 2 * i;
    if (type == LLM_HD_F16)
        return llm_hd_f16(p);
    return llm_hd_bits_float((uint32_t)(p[0] | p[1] << 8) << 16); /* BF16 */
}

/* ---- 32-element blocks: fp16 d first, 32 values ------------------------------------------ */

SO8T_HD void llm_hd_deq32_q8_0(const uint8_t *b, int g, float *y)
{
    (void)g;
    const float d = llm_hd_f16(b);
    for (int i = 0; i < 32; i++)
        y[i] = d * (float)(int8_t)b[2 + i];
}

/* low nibbles are elements 0..15, high nibbles 16..31 */
SO8T_HD void llm_hd_deq32_q4_0(const uint8_t *b, int g, float *y)
{
    (void)g;
    const float d = llm_hd_f16(b);
    const uint8_t *qs = b + 2;
    for (int i = 0; i < 16; i++) {
        y[i] = d * (float)((qs[i] & 0xF) - 8);
        y[i + 16] = d * (float)((qs[i] >> 4) - 8);
    }
}

SO8T_HD void llm_hd_deq32_q4_1(const uint8_t *b, int g, float *y)
{
    (void)g;
    const float d = llm_hd_f16(b), m = llm_hd_f16(b + 2);
    const uint8_t *qs = b + 4;
    for (int i = 0; i < 16; i++) {
        y[i] = (float)(qs[i] & 0xF) * d + m;
        y[i + 16] = (float)(qs[i] >> 4) * d + m;
    }
}

/* the 5th bits: bit i of the 32-bit qh for element i */
SO8T_HD uint32_t llm_hd_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

SO8T_HD void llm_hd_deq32_q5_0(const uint8_t *b, int g, float *y)
{
    (void)g;
    const float d = llm_hd_f16(b);
    const uint32_t qh = llm_hd_le32(b + 2);
    const uint8_t *qs = b + 6;
    for (int i = 0; i < 16; i++) {
        const int lo = (qs[i] & 0xF) | (int)((qh >> i) & 1) << 4;
        const int hi = (qs[i] >> 4) | (int)((qh >> (i + 16)) & 1) << 4;
        y[i] = d * (float)(lo - 16);
        y[i + 16] = d * (float)(hi - 16);
    }
}

SO8T_HD void llm_hd_deq32_q5_1(const uint8_t *b, int g, float *y)
{
    (void)g;
    const float d = llm_hd_f16(b), m = llm_hd_f16(b + 2);
    const uint32_t qh = llm_hd_le32(b + 4);
    const uint8_t *qs = b + 8;
    for (int i = 0; i < 16; i++) {
        const int lo = (qs[i] & 0xF) | (int)((qh >> i) & 1) << 4;
        const int hi = (qs[i] >> 4) | (int)((qh >> (i + 16)) & 1) << 4;
        y[i] = (float)lo * d + m;
        y[i + 16] = (float)hi * d + m;
    }
}

SO8T_HD void llm_hd_deq32_iq4_nl(const uint8_t *b, int g, float *y)
{
    (void)g;
    const float d = llm_hd_f16(b);
    const uint8_t *qs = b + 2;
    for (int i = 0; i < 16; i++) {
        y[i] = d * (float)llm_hd_kvalue_iq4(qs[i] & 0xF);
        y[i + 16] = d * (float)llm_hd_kvalue_iq4(qs[i] >> 4);
    }
}

/* ---- 256-element blocks, group g = elements 32g .. 32g + 31 -------------------------------- */

/* Q2_K (84 bytes: scales[16] (low nibble scale, high nibble min), qs[64], fp16 d, dmin):
 * element 128n + 32j + l is bits 2j.. of qs[32n + l]; sub-block of 16 k = element / 16. */
SO8T_HD void llm_hd_deq32_q2_k(const uint8_t *b, int g, float *y)
{
    const float d = llm_hd_f16(b + 80), dmin = llm_hd_f16(b + 82);
    const uint8_t *qs = b + 16 + 32 * (g / 4);
    const int sh = 2 * (g % 4);
    for (int h = 0; h < 2; h++) {
        const int k = 2 * g + h;
        const float dl = d * (float)(b[k] & 0xF), ml = dmin * (float)(b[k] >> 4);
        for (int i = 0; i < 16; i++)
            y[16 * h + i] = dl * (float)((qs[16 * h + i] >> sh) & 3) - ml;
    }
}

/* Q3_K (110 bytes: hmask[32], qs[64], scales[12], fp16 d): 2 low bits as Q2_K, the high bit
 * is bit 4n + j of hmask[l] (clear: subtract 4); 16 signed 6-bit scales stored + 32. */
SO8T_HD void llm_hd_deq32_q3_k(const uint8_t *b, int g, float *y)
{
    const float d = llm_hd_f16(b + 108);
    const uint8_t *hm = b, *qs = b + 32 + 32 * (g / 4), *s = b + 96;
    const int sh = 2 * (g % 4), hb = g; /* 4n + j with n = g / 4, j = g % 4 */
    for (int h = 0; h < 2; h++) {
        const int k = 2 * g + h;
        const int lo = k < 8 ? s[k] & 0xF : s[k - 8] >> 4;
        const int hi = (s[8 + k % 4] >> (2 * (k / 4))) & 3;
        const float dl = d * (float)((lo | hi << 4) - 32);
        for (int i = 0; i < 16; i++) {
            const int l = 16 * h + i;
            const int q = ((qs[l] >> sh) & 3) - ((hm[l] >> hb) & 1 ? 0 : 4);
            y[l] = dl * (float)q;
        }
    }
}

/* 6-bit scale and min j of the 12-byte Q4_K / Q5_K scale field */
SO8T_HD void llm_hd_scale_min_k4(int j, const uint8_t *s, int *sc, int *m)
{
    if (j < 4) {
        *sc = s[j] & 63;
        *m = s[j + 4] & 63;
    } else {
        *sc = (s[j + 4] & 0xF) | ((s[j - 4] >> 6) << 4);
        *m = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
    }
}

/* Q4_K (144 bytes: fp16 d, dmin, scales[12], qs[128]): group g is the low (g even) or high
 * nibbles of qs[32 (g/2) ..]. */
SO8T_HD void llm_hd_deq32_q4_k(const uint8_t *b, int g, float *y)
{
    const float d = llm_hd_f16(b), dmin = llm_hd_f16(b + 2);
    int sc, mn;
    llm_hd_scale_min_k4(g, b + 4, &sc, &mn);
    const float dl = d * (float)sc, ml = dmin * (float)mn;
    const uint8_t *qs = b + 16 + 32 * (g / 2);
    const int sh = 4 * (g % 2);
    for (int l = 0; l < 32; l++)
        y[l] = dl * (float)((qs[l] >> sh) & 0xF) - ml;
}

/* Q5_K (176 bytes: fp16 d, dmin, scales[12], qh[32], qs[128]): as Q4_K plus bit g of qh[l]. */
SO8T_HD void llm_hd_deq32_q5_k(const uint8_t *b, int g, float *y)
{
    const float d = llm_hd_f16(b), dmin = llm_hd_f16(b + 2);
    int sc, mn;
    llm_hd_scale_min_k4(g, b + 4, &sc, &mn);
    const float dl = d * (float)sc, ml = dmin * (float)mn;
    const uint8_t *qh = b + 16, *qs = b + 48 + 32 * (g / 2);
    const int sh = 4 * (g % 2);
    for (int l = 0; l < 32; l++)
        y[l] = dl * (float)(((qs[l] >> sh) & 0xF) | ((qh[l] >> g) & 1) << 4) - ml;
}

/* Q6_K (210 bytes: ql[128], qh[64], int8 scales[16], fp16 d): element 128n + 32r + l takes
 * its low 4 bits from ql[64n + l (+32 for odd r)] (low nibble for r < 2) and its high 2 bits
 * from bits 2r of qh[32n + l]; values − 32; scale sc[element / 16]. */
SO8T_HD void llm_hd_deq32_q6_k(const uint8_t *b, int g, float *y)
{
    const float d = llm_hd_f16(b + 208);
    const int n = g / 4, r = g % 4;
    const uint8_t *ql = b + 64 * n + 32 * (r % 2), *qh = b + 128 + 32 * n;
    const int8_t *sc = (const int8_t *)(b + 192);
    const int shl = 4 * (r / 2), shh = 2 * r;
    for (int h = 0; h < 2; h++) {
        const float dl = d * (float)sc[2 * g + h];
        for (int i = 0; i < 16; i++) {
            const int l = 16 * h + i;
            const int q = (((ql[l] >> shl) & 0xF) | ((qh[l] >> shh) & 3) << 4) - 32;
            y[l] = dl * (float)q;
        }
    }
}

/* IQ4_XS (136 bytes: fp16 d, u16 scales_h, scales_l[4], qs[128]): sub-block g has the
 * signed 6-bit scale ((scales_l nibble g) | (2 bits g of scales_h) << 4) − 32. */
SO8T_HD void llm_hd_deq32_iq4_xs(const uint8_t *b, int g, float *y)
{
    const float d = llm_hd_f16(b);
    const unsigned sh = (unsigned)(b[2] | b[3] << 8);
    const int ls = (int)(((b[4 + g / 2] >> (4 * (g % 2))) & 0xF) | ((sh >> (2 * g)) & 3) << 4) - 32;
    const float dl = d * (float)ls;
    const uint8_t *qs = b + 8 + 16 * g;
    for (int j = 0; j < 16; j++) {
        y[j] = dl * (float)llm_hd_kvalue_iq4(qs[j] & 0xF);
        y[16 + j] = dl * (float)llm_hd_kvalue_iq4(qs[j] >> 4);
    }
}

/* Group g (32 elements) of the block at b for a block type: 1, or 0 for a type that is
 * not one (F32/F16/BF16 go through llm_hd_deq_scalar). With `type` a compile-time constant
 * (the CUDA kernel's template argument) the switch folds away. */
SO8T_HD int llm_hd_deq32(int type, const uint8_t *b, int g, float *y)
{
    switch (type) {
    case LLM_HD_Q8_0: llm_hd_deq32_q8_0(b, g, y); return 1;
    case LLM_HD_Q4_0: llm_hd_deq32_q4_0(b, g, y); return 1;
    case LLM_HD_Q4_1: llm_hd_deq32_q4_1(b, g, y); return 1;
    case LLM_HD_Q5_0: llm_hd_deq32_q5_0(b, g, y); return 1;
    case LLM_HD_Q5_1: llm_hd_deq32_q5_1(b, g, y); return 1;
    case LLM_HD_IQ4_NL: llm_hd_deq32_iq4_nl(b, g, y); return 1;
    case LLM_HD_Q2_K: llm_hd_deq32_q2_k(b, g, y); return 1;
    case LLM_HD_Q3_K: llm_hd_deq32_q3_k(b, g, y); return 1;
    case LLM_HD_Q4_K: llm_hd_deq32_q4_k(b, g, y); return 1;
    case LLM_HD_Q5_K: llm_hd_deq32_q5_k(b, g, y); return 1;
    case LLM_HD_Q6_K: llm_hd_deq32_q6_k(b, g, y); return 1;
    case LLM_HD_IQ4_XS: llm_hd_deq32_iq4_xs(b, g, y); return 1;
    default: return 0;
    }
}

/* Elements and bytes per block of a supported type (0 for others), for the device side
 * that has no traits table (the same numbers as llm/quant/traits.c, checked by the test). */
SO8T_HD int llm_hd_block_elems(int type)
{
    switch (type) {
    case LLM_HD_F32: case LLM_HD_F16: case LLM_HD_BF16: return 1;
    case LLM_HD_Q8_0: case LLM_HD_Q4_0: case LLM_HD_Q4_1: case LLM_HD_Q5_0: case LLM_HD_Q5_1:
    case LLM_HD_IQ4_NL: return 32;
    case LLM_HD_Q2_K: case LLM_HD_Q3_K: case LLM_HD_Q4_K: case LLM_HD_Q5_K: case LLM_HD_Q6_K:
    case LLM_HD_IQ4_XS: return 256;
    default: return 0;
    }
}

SO8T_HD int llm_hd_block_bytes(int type)
{
    switch (type) {
    case LLM_HD_F32: return 4;
    case LLM_HD_F16: case LLM_HD_BF16: return 2;
    case LLM_HD_Q8_0: return 34;
    case LLM_HD_Q4_0: case LLM_HD_IQ4_NL: return 18;
    case LLM_HD_Q4_1: return 20;
    case LLM_HD_Q5_0: return 22;
    case LLM_HD_Q5_1: return 24;
    case LLM_HD_Q2_K: return 84;
    case LLM_HD_Q3_K: return 110;
    case LLM_HD_Q4_K: return 144;
    case LLM_HD_Q5_K: return 176;
    case LLM_HD_Q6_K: return 210;
    case LLM_HD_IQ4_XS: return 136;
    default: return 0;
    }
}

#endif /* SO8T_LLM_QUANT_DEQUANT_HD_H */
