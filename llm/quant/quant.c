/* quant.c — dequantization and dot products for F32, F16, BF16, Q8_0, Q4_0, Q5_0, Q4_K, Q6_K.
 *
 * Block layouts and formulas: ggml-common.h / ggml-quants.c (summarised in
 * /work/shared/notes/gguf.md §2). The llama.cpp-compatible dot path quantizes the activation
 * vector once per matvec to Q8_0 (32-element blocks, ggml's x86 rounding) or Q8_K
 * (256-element blocks, d = max/-127 with the signed max), then does integer dot products per
 * block and accumulates the scaled block sums in exactly the float order of the ggml kernel
 * llama.cpp uses for that type and batch (vec_dot lanes, or the repacked Q4_K/Q6_K gemv/gemm
 * order), so the logits are bit-identical to llama.cpp's x86 CPU backend.
 * Speed: the inner integer loops are written so that GCC vectorizes them; the hot functions
 * are compiled for AVX2 and for baseline x86-64 (target_clones) and picked at load time.
 */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3")
#endif
#include "llm/quant/quant.h"
#include "llm/llm.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(SO8T_NO_CLONES)
#define HOT __attribute__((target_clones("avx2", "default")))
#else
#define HOT
#endif

#define QK 32
#define QKK 256

/* ---- half / bfloat16 -------------------------------------------------------------------- */

float llm_fp16_to_fp32(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1F;
    uint32_t man = h & 0x3FF;
    uint32_t bits;
    if (exp == 0) {
        if (man == 0) {
            bits = sign;
        } else { /* subnormal: normalise */
            int e = -1;
            do {
                e++;
                man <<= 1;
            } while (!(man & 0x400));
            bits = sign | (uint32_t)(127 - 15 - e) << 23 | (man & 0x3FF) << 13;
        }
    } else if (exp == 31) {
        bits = sign | 0x7F800000u | man << 13;
    } else {
        bits = sign | (exp + 112) << 23 | man << 13;
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

uint16_t llm_fp32_to_fp16(float f)
{
    uint32_t x;
    memcpy(&x, &f, 4);
    uint32_t sign = (x >> 16) & 0x8000u;
    uint32_t ax = x & 0x7FFFFFFFu;
    if (ax >= 0x7F800000u) /* inf / nan */
        return (uint16_t)(sign | 0x7C00u | (ax > 0x7F800000u ? 0x200u : 0));
    if (ax >= 0x477FF000u) /* rounds to >= 65520: overflow to inf */
        return (uint16_t)(sign | 0x7C00u);
    if (ax < 0x38800000u) { /* below the smallest normal half: subnormal or zero */
        if (ax < 0x33000000u) /* < 2^-25: rounds to zero */
            return (uint16_t)sign;
        uint32_t e = ax >> 23;
        uint32_t m = (ax & 0x7FFFFFu) | 0x800000u;
        uint32_t shift = 126 - e; /* value = m * 2^(e-150); half sub unit = 2^-24 */
        uint32_t r = m >> shift;
        uint32_t rem = m & ((1u << shift) - 1);
        uint32_t half = 1u << (shift - 1);
        if (rem > half || (rem == half && (r & 1)))
            r++;
        return (uint16_t)(sign | r);
    }
    uint32_t r = ax - 0x38000000u; /* rebias exponent 127 -> 15 */
    uint32_t mant = r >> 13;
    uint32_t rem = r & 0x1FFFu;
    if (rem > 0x1000u || (rem == 0x1000u && (mant & 1)))
        mant++;
    return (uint16_t)(sign | mant);
}

float llm_bf16_to_fp32(uint16_t h)
{
    uint32_t bits = (uint32_t)h << 16;
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

uint16_t llm_fp32_to_bf16(float f)
{
    uint32_t x;
    memcpy(&x, &f, 4);
    if ((x & 0x7FFFFFFFu) > 0x7F800000u)
        return (uint16_t)((x >> 16) | 64); /* quiet nan */
    return (uint16_t)((x + (0x7FFFu + ((x >> 16) & 1))) >> 16);
}

static inline float h2f(const uint8_t *p) { return llm_fp16_to_fp32((uint16_t)(p[0] | p[1] << 8)); }
static inline void f2h(uint8_t *p, float f)
{
    uint16_t h = llm_fp32_to_fp16(f);
    p[0] = (uint8_t)h;
    p[1] = (uint8_t)(h >> 8);
}

size_t llm_row_bytes(int type, int64_t n)
{
    int b = llm_type_block_size(type);
    return b ? (size_t)(n / b) * (size_t)llm_type_size(type) : 0;
}

int llm_type_supported(int type)
{
    switch (type) {
    case LLM_TYPE_F32: case LLM_TYPE_F16: case LLM_TYPE_BF16: case LLM_TYPE_Q8_0:
    case LLM_TYPE_Q4_0: case LLM_TYPE_Q5_0: case LLM_TYPE_Q4_K: case LLM_TYPE_Q6_K:
        return 1;
    default:
        return 0;
    }
}

/* ---- dequantization ------------------------------------------------------------------- */

static void scale_min_k4(int j, const uint8_t *s, int *sc, int *m)
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

int llm_dequant_row(int type, const void *src, float *dst, int64_t n)
{
    const uint8_t *p = src;
    switch (type) {
    case LLM_TYPE_F32:
        memcpy(dst, src, (size_t)n * 4);
        return LLM_OK;
    case LLM_TYPE_F16:
        for (int64_t i = 0; i < n; i++)
            dst[i] = h2f(p + 2 * i);
        return LLM_OK;
    case LLM_TYPE_BF16:
        for (int64_t i = 0; i < n; i++)
            dst[i] = llm_bf16_to_fp32((uint16_t)(p[2 * i] | p[2 * i + 1] << 8));
        return LLM_OK;
    case LLM_TYPE_Q8_0:
        for (int64_t b = 0; b < n / QK; b++, p += 34) {
            float d = h2f(p);
            for (int i = 0; i < QK; i++)
                dst[b * QK + i] = d * (float)(int8_t)p[2 + i];
        }
        return LLM_OK;
    case LLM_TYPE_Q4_0:
    case LLM_TYPE_Q5_0: {
        int bs = type == LLM_TYPE_Q4_0 ? 18 : 22;
        int8_t q[QK];
        for (int64_t b = 0; b < n / QK; b++, p += bs) {
            float d = h2f(p);
            if (type == LLM_TYPE_Q4_0)
                q4_0_ints(p, q);
            else
                q5_0_ints(p, q);
            for (int i = 0; i < QK; i++)
                dst[b * QK + i] = d * (float)q[i];
        }
        return LLM_OK;
    }
    case LLM_TYPE_Q4_K: {
        uint8_t q[QKK];
        int sc[8], mn[8];
        for (int64_t b = 0; b < n / QKK; b++, p += 144) {
            float d = h2f(p), dmin = h2f(p + 2);
            q4_k_ints(p, q, sc, mn);
            for (int i = 0; i < QKK; i++) {
                int j = i / 32;
                dst[b * QKK + i] = d * (float)sc[j] * (float)q[i] - dmin * (float)mn[j];
            }
        }
        return LLM_OK;
    }
    case LLM_TYPE_Q6_K: {
        int8_t q[QKK];
        for (int64_t b = 0; b < n / QKK; b++, p += 210) {
            float d = h2f(p + 208);
            const int8_t *sc = (const int8_t *)(p + 192);
            q6_k_ints(p, q);
            for (int i = 0; i < QKK; i++)
                dst[b * QKK + i] = d * (float)sc[i / 16] * (float)q[i];
        }
        return LLM_OK;
    }
    default:
        return LLM_ERR_UNSUPPORTED;
    }
}

/* fp16 / bf16 with an all-ones exponent: inf or NaN */
static inline int f16_bad(const uint8_t *p) { return (p[1] & 0x7C) == 0x7C; }
static inline int bf16_bad(const uint8_t *p) { return (p[1] & 0x7F) == 0x7F && (p[0] & 0x80); }

int64_t llm_quant_find_nonfinite(int type, const void *src, int64_t n)
{
    const uint8_t *p = src;
    /* block formats: bytes per block, elements per block, offsets of the fp16 scales */
    static const struct {
        int type, bytes, elems, off0, off1;
    } blk[] = {
        {LLM_TYPE_Q8_0, 34, QK, 0, -1},    {LLM_TYPE_Q4_0, 18, QK, 0, -1},
        {LLM_TYPE_Q5_0, 22, QK, 0, -1},    {LLM_TYPE_Q4_K, 144, QKK, 0, 2},
        {LLM_TYPE_Q6_K, 210, QKK, 208, -1},
    };
    for (size_t k = 0; k < sizeof blk / sizeof blk[0]; k++) {
        if (blk[k].type != type)
            continue;
        int64_t nb = n / blk[k].elems;
        for (int64_t b = 0; b < nb; b++, p += blk[k].bytes)
            if (f16_bad(p + blk[k].off0) || (blk[k].off1 >= 0 && f16_bad(p + blk[k].off1)))
                return b * blk[k].elems;
        return -1;
    }
    switch (type) {
    case LLM_TYPE_F32:
        for (int64_t i = 0; i < n; i++) {
            float f;
            memcpy(&f, p + 4 * i, 4);
            if (!isfinite(f))
                return i;
        }
        return -1;
    case LLM_TYPE_F16:
        for (int64_t i = 0; i < n; i++)
            if (f16_bad(p + 2 * i))
                return i;
        return -1;
    case LLM_TYPE_BF16:
        for (int64_t i = 0; i < n; i++)
            if (bf16_bad(p + 2 * i))
                return i;
        return -1;
    default:
        return -1;
    }
}

/* ---- activation quantization (ggml quantize_row_q8_0_ref / q8_K_ref semantics) ---------- */

static inline int nearest_int(float f)
{
    /* round half to even via the 1.5*2^23 trick (valid for |f| < 2^22), as ggml does */
    float v = f + 12582912.f;
    int32_t i;
    memcpy(&i, &v, 4);
    return (i & 0x007FFFFF) - 0x00400000;
}

int llm_vec_dot_partner(int type)
{
    switch (type) {
    case LLM_TYPE_Q4_0: case LLM_TYPE_Q5_0: case LLM_TYPE_Q8_0: return LLM_TYPE_Q8_0;
    case LLM_TYPE_Q4_K: case LLM_TYPE_Q6_K: return LLM_TYPE_Q8_K;
    default: return LLM_TYPE_F32;
    }
}

/* Q8_K block as used here: float d, int8 qs[256], int16 bsums[16] (292 bytes, like ggml). */
void llm_quantize_row(int partner, const float *x, void *dst, int64_t n)
{
    uint8_t *o = dst;
    if (partner == LLM_TYPE_Q8_0) {
        for (int64_t b = 0; b < n / QK; b++, o += 34) {
            const float *v = x + b * QK;
            float amax = 0;
            for (int i = 0; i < QK; i++)
                amax = fmaxf(amax, fabsf(v[i]));
            float d = amax / 127.f, id = d ? 1.f / d : 0.f;
            f2h(o, d);
            for (int i = 0; i < QK; i++)
                o[2 + i] = (uint8_t)(int8_t)roundf(v[i] * id);
        }
    } else if (partner == LLM_TYPE_Q8_K) {
        for (int64_t b = 0; b < n / QKK; b++, o += 292) {
            const float *v = x + b * QKK;
            float amax = 0, max = 0;
            for (int i = 0; i < QKK; i++) {
                float a = fabsf(v[i]);
                if (a > amax) {
                    amax = a;
                    max = v[i];
                }
            }
            int8_t *qs = (int8_t *)(o + 4);
            int16_t bs[16];
            if (amax == 0) {
                float z = 0;
                memcpy(o, &z, 4);
                memset(qs, 0, QKK);
                memset(bs, 0, sizeof bs);
            } else {
                float iscale = -127.f / max;
                for (int i = 0; i < QKK; i++) {
                    int q = nearest_int(iscale * v[i]);
                    qs[i] = (int8_t)(q > 127 ? 127 : q);
                }
                for (int j = 0; j < 16; j++) {
                    int s = 0;
                    for (int i = 0; i < 16; i++)
                        s += qs[16 * j + i];
                    bs[j] = (int16_t)s;
                }
                float d = 1.f / iscale;
                memcpy(o, &d, 4);
            }
            memcpy(o + 260, bs, sizeof bs);
        }
    } else {
        memcpy(dst, x, (size_t)n * sizeof(float));
    }
}

/* The activation quantizer of the llama.cpp-compatible matvec: Q8_0 as ggml's x86 (AVX/AVX2)
 * quantize_row_q8_0 does it — multiplier 127/amax (not 1/d) and rounding half to even —
 * which differs from the reference rounding above in about one value per few thousand;
 * Q8_K as the reference (ggml uses the reference on x86). */
void llm_quantize_act(int partner, const float *x, void *dst, int64_t n)
{
    if (partner != LLM_TYPE_Q8_0) {
        llm_quantize_row(partner, x, dst, n);
        return;
    }
    uint8_t *o = dst;
    for (int64_t b = 0; b < n / QK; b++, o += 34) {
        const float *v = x + b * QK;
        float amax = 0;
        for (int i = 0; i < QK; i++)
            amax = fmaxf(amax, fabsf(v[i]));
        f2h(o, amax / 127.f);
        const float id = amax != 0 ? 127.f / amax : 0.f;
        for (int i = 0; i < QK; i++)
            o[2 + i] = (uint8_t)(int8_t)nearest_int(v[i] * id);
    }
}

/* ---- weight quantizers (simple, deterministic; for building test models) -------------- */

int llm_quantize_weights(int type, const float *x, void *dst, int64_t n)
{
    uint8_t *o = dst;
    switch (type) {
    case LLM_TYPE_F32:
        memcpy(dst, x, (size_t)n * 4);
        return LLM_OK;
    case LLM_TYPE_F16:
        for (int64_t i = 0; i < n; i++)
            f2h(o + 2 * i, x[i]);
        return LLM_OK;
    case LLM_TYPE_BF16:
        for (int64_t i = 0; i < n; i++) {
            uint16_t h = llm_fp32_to_bf16(x[i]);
            o[2 * i] = (uint8_t)h;
            o[2 * i + 1] = (uint8_t)(h >> 8);
        }
        return LLM_OK;
    case LLM_TYPE_Q8_0:
        llm_quantize_row(LLM_TYPE_Q8_0, x, dst, n);
        return LLM_OK;
    case LLM_TYPE_Q4_0:
    case LLM_TYPE_Q5_0: {
        int bs = type == LLM_TYPE_Q4_0 ? 18 : 22, half = type == LLM_TYPE_Q4_0 ? 8 : 16;
        for (int64_t b = 0; b < n / QK; b++, o += bs) {
            const float *v = x + b * QK;
            float amax = 0, max = 0;
            for (int i = 0; i < QK; i++)
                if (fabsf(v[i]) > amax) {
                    amax = fabsf(v[i]);
                    max = v[i];
                }
            float d = max / (float)-half, id = d ? 1.f / d : 0.f;
            f2h(o, d);
            int q[QK];
            for (int i = 0; i < QK; i++) {
                int t = (int)floorf(v[i] * id + (float)half + 0.5f);
                q[i] = t < 0 ? 0 : t > 2 * half - 1 ? 2 * half - 1 : t;
            }
            if (type == LLM_TYPE_Q4_0) {
                for (int i = 0; i < 16; i++)
                    o[2 + i] = (uint8_t)(q[i] | q[i + 16] << 4);
            } else {
                uint32_t qh = 0;
                for (int i = 0; i < 16; i++) {
                    o[6 + i] = (uint8_t)((q[i] & 0xF) | (q[i + 16] & 0xF) << 4);
                    qh |= (uint32_t)((q[i] >> 4) & 1) << i;
                    qh |= (uint32_t)((q[i + 16] >> 4) & 1) << (i + 16);
                }
                for (int k = 0; k < 4; k++)
                    o[2 + k] = (uint8_t)(qh >> (8 * k));
            }
        }
        return LLM_OK;
    }
    case LLM_TYPE_Q4_K: {
        for (int64_t b = 0; b < n / QKK; b++, o += 144) {
            const float *v = x + b * QKK;
            float scale[8], minv[8], maxs = 0, maxm = 0;
            for (int j = 0; j < 8; j++) {
                float lo = v[32 * j], hi = v[32 * j];
                for (int i = 1; i < 32; i++) {
                    lo = fminf(lo, v[32 * j + i]);
                    hi = fmaxf(hi, v[32 * j + i]);
                }
                if (lo > 0)
                    lo = 0;
                scale[j] = (hi - lo) / 15.f;
                minv[j] = -lo;
                maxs = fmaxf(maxs, scale[j]);
                maxm = fmaxf(maxm, minv[j]);
            }
            float d = maxs / 63.f, dmin = maxm / 63.f;
            f2h(o, d);
            f2h(o + 2, dmin);
            d = h2f(o);
            dmin = h2f(o + 2);
            int ls[8], lm[8];
            for (int j = 0; j < 8; j++) {
                ls[j] = d > 0 ? (int)fminf(63.f, roundf(scale[j] / d)) : 0;
                lm[j] = dmin > 0 ? (int)fminf(63.f, roundf(minv[j] / dmin)) : 0;
            }
            uint8_t *s = o + 4;
            for (int j = 0; j < 4; j++) {
                s[j] = (uint8_t)((ls[j] & 63) | ((ls[j + 4] >> 4) << 6));
                s[j + 4] = (uint8_t)((lm[j] & 63) | ((lm[j + 4] >> 4) << 6));
                s[j + 8] = (uint8_t)((ls[j + 4] & 0xF) | (lm[j + 4] & 0xF) << 4);
            }
            uint8_t q[QKK];
            for (int i = 0; i < QKK; i++) {
                int j = i / 32;
                float sd = d * (float)ls[j], m = dmin * (float)lm[j];
                int t = sd > 0 ? (int)roundf((v[i] + m) / sd) : 0;
                q[i] = (uint8_t)(t < 0 ? 0 : t > 15 ? 15 : t);
            }
            for (int c = 0; c < 4; c++)
                for (int l = 0; l < 32; l++)
                    o[16 + 32 * c + l] = (uint8_t)(q[64 * c + l] | q[64 * c + 32 + l] << 4);
        }
        return LLM_OK;
    }
    case LLM_TYPE_Q6_K: {
        for (int64_t b = 0; b < n / QKK; b++, o += 210) {
            const float *v = x + b * QKK;
            float sc[16], maxs = 0, maxsv = 0;
            for (int j = 0; j < 16; j++) {
                float amax = 0, mx = 0;
                for (int i = 0; i < 16; i++)
                    if (fabsf(v[16 * j + i]) > amax) {
                        amax = fabsf(v[16 * j + i]);
                        mx = v[16 * j + i];
                    }
                sc[j] = mx / -32.f;
                if (fabsf(sc[j]) > maxs) {
                    maxs = fabsf(sc[j]);
                    maxsv = sc[j];
                }
            }
            float d = maxsv / -128.f;
            f2h(o + 208, d);
            d = h2f(o + 208);
            int8_t ls[16];
            for (int j = 0; j < 16; j++) {
                int t = d != 0 ? (int)roundf(sc[j] / d) : 0;
                ls[j] = (int8_t)(t < -128 ? -128 : t > 127 ? 127 : t);
                o[192 + j] = (uint8_t)ls[j];
            }
            int q[QKK];
            for (int i = 0; i < QKK; i++) {
                float s = d * (float)ls[i / 16];
                int t = s != 0 ? (int)roundf(v[i] / s) : 0;
                t = t < -32 ? -32 : t > 31 ? 31 : t;
                q[i] = t + 32;
            }
            uint8_t *ql = o, *qh = o + 128;
            for (int nn = 0; nn < 2; nn++) {
                for (int l = 0; l < 32; l++) {
                    int q1 = q[128 * nn + l], q2 = q[128 * nn + l + 32];
                    int q3 = q[128 * nn + l + 64], q4 = q[128 * nn + l + 96];
                    ql[64 * nn + l] = (uint8_t)((q1 & 0xF) | (q3 & 0xF) << 4);
                    ql[64 * nn + l + 32] = (uint8_t)((q2 & 0xF) | (q4 & 0xF) << 4);
                    qh[32 * nn + l] = (uint8_t)((q1 >> 4) | (q2 >> 4) << 2 | (q3 >> 4) << 4 |
                                                (q4 >> 4) << 6);
                }
            }
        }
        return LLM_OK;
    }
    default:
        return LLM_ERR_UNSUPPORTED;
    }
}

/* ---- dot products ---------------------------------------------------------------------- */

static inline int dot_i8_32(const int8_t *a, const int8_t *b)
{
    int s = 0;
    for (int i = 0; i < 32; i++)
        s += (int)a[i] * (int)b[i];
    return s;
}

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

static float dot_q8_0(const uint8_t *w, const uint8_t *x, int64_t nb)
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

static float dot_q4_0(const uint8_t *w, const uint8_t *x, int64_t nb)
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

static float dot_q5_0(const uint8_t *w, const uint8_t *x, int64_t nb)
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
static float dot_q4_k(const uint8_t *w, const uint8_t *x, int64_t nb)
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
static float dot_q6_k(const uint8_t *w, const uint8_t *x, int64_t nb)
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

/* llama.cpp on x86 (AVX2) repacks Q4_K matrices whose row count is a multiple of 8
 * (ggml-cpu "repack" buffers, block_q4_Kx8) and multiplies them with its gemv/gemm kernels,
 * which sum each 256-block (gemv) or 64-element pair of sub-blocks (gemm) exactly in
 * integers and accumulate one float per row: acc = fma(isum, d_w·d_x, acc), the mins in a
 * second accumulator subtracted at the end. Checked bit for bit against llama.cpp's
 * ffn_down / attn_output results on the default model (gemm rows and gemv rows). */
/* gemm = 1: the 4-row gemm kernel (rows of a batch in groups of 4), which accumulates
 * every 64 elements (two sub-blocks) instead of every 256 */
HOT static float dot_q4_k_rp(const uint8_t *w, const uint8_t *x, int64_t nb, int gemm)
{
    float acc = 0, accm = 0;
    uint8_t q[QKK];
    int sc[8], mn[8];
    for (int64_t b = 0; b < nb; b++, w += 144, x += 292) {
        float dx;
        memcpy(&dx, x, 4);
        const int8_t *qx = (const int8_t *)(x + 4);
        int16_t bs[16];
        memcpy(bs, x + 260, sizeof bs);
        q4_k_ints(w, q, sc, mn);
        int is[8], ms[8];
        for (int j = 0; j < 8; j++) {
            int sj = 0;
            for (int i = 0; i < 32; i++)
                sj += q[32 * j + i] * qx[32 * j + i];
            is[j] = sc[j] * sj;
            ms[j] = mn[j] * (bs[2 * j] + bs[2 * j + 1]);
        }
        const float d = h2f(w) * dx, dmin = h2f(w + 2) * dx;
        if (gemm) {
            for (int p = 0; p < 4; p++) {
                acc = fmaf((float)(is[2 * p] + is[2 * p + 1]), d, acc);
                accm = fmaf((float)(ms[2 * p] + ms[2 * p + 1]), dmin, accm);
            }
        } else {
            int isum = 0, msum = 0;
            for (int j = 0; j < 8; j++) {
                isum += is[j];
                msum += ms[j];
            }
            acc = fmaf((float)isum, d, acc);
            accm = fmaf((float)msum, dmin, accm);
        }
    }
    return acc - accm;
}

/* Q6_K as llama.cpp computes it for a batch of several vectors (all rows alike): the block's
 * exact integer sum, times the weight scale, then a fused multiply-add with the activation
 * scale: acc = fma(isum·d_w, d_x, acc). Found by testing candidate orders against
 * llama.cpp's ffn_down outputs (bit for bit on all rows of the default model's prompts). */
HOT static float dot_q6_k_rp(const uint8_t *w, const uint8_t *x, int64_t nb)
{
    float acc = 0;
    int8_t q[QKK];
    for (int64_t b = 0; b < nb; b++, w += 210, x += 292) {
        float dx;
        memcpy(&dx, x, 4);
        const int8_t *qx = (const int8_t *)(x + 4);
        const int8_t *sc = (const int8_t *)(w + 192);
        q6_k_ints(w, q);
        int isum = 0;
        for (int j = 0; j < 16; j++) {
            int sj = 0;
            for (int i = 0; i < 16; i++)
                sj += q[16 * j + i] * qx[16 * j + i];
            isum += sc[j] * sj;
        }
        acc = fmaf((float)isum * h2f(w + 208), dx, acc);
    }
    return acc;
}

static int g_kq_repack = 1;
void llm_quant_set_kquant_repack(int on) { g_kq_repack = on; }

HOT static float dot_f32(const float *w, const float *x, int64_t n)
{
    /* 8 partial sums so the loop vectorizes without -ffast-math; fixed order → reproducible */
    float acc[8] = {0};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; k++)
            acc[k] += w[i + k] * x[i + k];
    float s = 0;
    for (; i < n; i++)
        s += w[i] * x[i];
    for (int k = 0; k < 8; k++)
        s += acc[k];
    return s;
}


/* ---- AVX2 kernels (x86-64; picked at run time when the CPU has AVX2 + FMA) -------------
 * Integer block dots as in ggml's x86 path: |w|·sign(x, w) with maddubs (u8×s8 → s16 pairs),
 * madd with ones (→ s32), one float scale per block. Same results as the scalar code except
 * for the order of the float additions. */
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define AVX2 __attribute__((target("avx2,fma,f16c")))

/* fp16 → fp32 with the F16C instruction (every AVX2 CPU has it; checked in have_avx2) */
#define H2F(p) _cvtsh_ss((unsigned short)((p)[0] | (p)[1] << 8))

AVX2 static inline __m256 sum_i8_pairs(__m256i w, __m256i x)
{
    const __m256i aw = _mm256_sign_epi8(w, w);
    const __m256i sx = _mm256_sign_epi8(x, w);
    const __m256i p16 = _mm256_maddubs_epi16(aw, sx);
    return _mm256_cvtepi32_ps(_mm256_madd_epi16(p16, _mm256_set1_epi16(1)));
}

AVX2 static inline float hsum8(__m256 v)
{
    __m128 lo = _mm256_castps256_ps128(v), hi = _mm256_extractf128_ps(v, 1);
    lo = _mm_add_ps(lo, hi);
    lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
    lo = _mm_add_ss(lo, _mm_movehdup_ps(lo));
    return _mm_cvtss_f32(lo);
}

/* 32 nibbles of a Q4_0/Q5_0 block: low nibbles are elements 0..15, high nibbles 16..31 */
AVX2 static inline __m256i nibbles32(const uint8_t *qs)
{
    __m128i b = _mm_loadu_si128((const __m128i *)qs);
    __m128i lo = _mm_and_si128(b, _mm_set1_epi8(0xF));
    __m128i hi = _mm_and_si128(_mm_srli_epi16(b, 4), _mm_set1_epi8(0xF));
    return _mm256_set_m128i(hi, lo);
}

/* byte i = 0xFF where bit i of qh is set */
AVX2 static inline __m256i bits32(uint32_t qh)
{
    const __m256i shuf = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
                                          2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
    const __m256i mask = _mm256_set1_epi64x((long long)0x8040201008040201ull);
    __m256i v = _mm256_shuffle_epi8(_mm256_set1_epi32((int)qh), shuf);
    return _mm256_cmpeq_epi8(_mm256_and_si256(v, mask), mask);
}

AVX2 static float avx2_dot_q8_0(const uint8_t *w, const uint8_t *x, int64_t nb)
{
    __m256 acc = _mm256_setzero_ps();
    for (int64_t b = 0; b < nb; b++, w += 34, x += 34) {
        __m256i qw = _mm256_loadu_si256((const __m256i *)(w + 2));
        __m256i qx = _mm256_loadu_si256((const __m256i *)(x + 2));
        acc = _mm256_fmadd_ps(_mm256_set1_ps(H2F(w) * H2F(x)), sum_i8_pairs(qw, qx), acc);
    }
    return hsum8(acc);
}

AVX2 static float avx2_dot_q4_0(const uint8_t *w, const uint8_t *x, int64_t nb)
{
    __m256 acc = _mm256_setzero_ps();
    for (int64_t b = 0; b < nb; b++, w += 18, x += 34) {
        __m256i q = _mm256_sub_epi8(nibbles32(w + 2), _mm256_set1_epi8(8));
        __m256i qx = _mm256_loadu_si256((const __m256i *)(x + 2));
        __m256 d = _mm256_set1_ps(H2F(w) * H2F(x));
        acc = _mm256_fmadd_ps(d, sum_i8_pairs(q, qx), acc);
    }
    return hsum8(acc);
}

AVX2 static float avx2_dot_q5_0(const uint8_t *w, const uint8_t *x, int64_t nb)
{
    __m256 acc = _mm256_setzero_ps();
    for (int64_t b = 0; b < nb; b++, w += 22, x += 34) {
        uint32_t qh;
        memcpy(&qh, w + 2, 4);
        __m256i hb = _mm256_and_si256(bits32(qh), _mm256_set1_epi8(0x10));
        __m256i q = _mm256_sub_epi8(_mm256_or_si256(nibbles32(w + 6), hb), _mm256_set1_epi8(16));
        __m256i qx = _mm256_loadu_si256((const __m256i *)(x + 2));
        __m256 d = _mm256_set1_ps(H2F(w) * H2F(x));
        acc = _mm256_fmadd_ps(d, sum_i8_pairs(q, qx), acc);
    }
    return hsum8(acc);
}

AVX2 static float avx2_dot_q4_k(const uint8_t *w, const uint8_t *x, int64_t nb)
{
    __m256 acc = _mm256_setzero_ps();
    float accm[4] = {0};
    const __m256i m4 = _mm256_set1_epi8(0xF);
    for (int64_t b = 0; b < nb; b++, w += 144, x += 292) {
        float dx;
        memcpy(&dx, x, 4);
        const int8_t *qx = (const int8_t *)(x + 4);
        int16_t bs[16];
        memcpy(bs, x + 260, sizeof bs);
        int sc[8], mn[8];
        for (int j = 0; j < 8; j++)
            scale_min_k4(j, w + 4, &sc[j], &mn[j]);
        const float dmin = -dx * H2F(w + 2);
        for (int m = 0; m < 4; m++) {
            int pm = mn[2 * m] * (bs[4 * m] + bs[4 * m + 1]) + mn[2 * m + 1] * (bs[4 * m + 2] + bs[4 * m + 3]);
            accm[m] = fmaf(dmin, (float)pm, accm[m]);
        }
        __m256i isum = _mm256_setzero_si256();
        const uint8_t *qs = w + 16;
        for (int c = 0; c < 4; c++) {
            __m256i raw = _mm256_loadu_si256((const __m256i *)(qs + 32 * c));
            __m256i lo = _mm256_and_si256(raw, m4);
            __m256i hi = _mm256_and_si256(_mm256_srli_epi16(raw, 4), m4);
            __m256i x0 = _mm256_loadu_si256((const __m256i *)(qx + 64 * c));
            __m256i x1 = _mm256_loadu_si256((const __m256i *)(qx + 64 * c + 32));
            __m256i p0 = _mm256_maddubs_epi16(lo, x0);
            __m256i p1 = _mm256_maddubs_epi16(hi, x1);
            p0 = _mm256_madd_epi16(p0, _mm256_set1_epi16((short)sc[2 * c]));
            p1 = _mm256_madd_epi16(p1, _mm256_set1_epi16((short)sc[2 * c + 1]));
            isum = _mm256_add_epi32(isum, _mm256_add_epi32(p0, p1));
        }
        acc = _mm256_fmadd_ps(_mm256_set1_ps(dx * H2F(w)), _mm256_cvtepi32_ps(isum), acc);
    }
    return hsum8(acc) + ((accm[0] + accm[2]) + (accm[1] + accm[3]));
}


/* Q6_K in ggml's lane layout (see dot_q6_k): 16-element chunks, even ones into lanes 0..3,
 * odd ones into lanes 4..7, each times its scale; the −32 offset per lane from the bsums. */
AVX2 static float avx2_dot_q6_k(const uint8_t *w, const uint8_t *x, int64_t nb)
{
    __m256 acc = _mm256_setzero_ps();
    int8_t q[QKK];
    for (int64_t b = 0; b < nb; b++, w += 210, x += 292) {
        float dx;
        memcpy(&dx, x, 4);
        const int8_t *qx = (const int8_t *)(x + 4);
        const int8_t *sc = (const int8_t *)(w + 192);
        int16_t bs[16];
        memcpy(bs, x + 260, sizeof bs);
        q6_k_ints(w, q);
        __m128i s0 = _mm_setzero_si128(), s1 = _mm_setzero_si128();
        const __m128i o32 = _mm_set1_epi8(32);
        for (int c = 0; c < 16; c += 2) {
            __m128i q0 = _mm_add_epi8(_mm_loadu_si128((const __m128i *)(q + 16 * c)), o32);
            __m128i q1 = _mm_add_epi8(_mm_loadu_si128((const __m128i *)(q + 16 * c + 16)), o32);
            __m128i x0 = _mm_loadu_si128((const __m128i *)(qx + 16 * c));
            __m128i x1 = _mm_loadu_si128((const __m128i *)(qx + 16 * c + 16));
            s0 = _mm_add_epi32(s0, _mm_madd_epi16(_mm_maddubs_epi16(q0, x0), _mm_set1_epi16(sc[c])));
            s1 = _mm_add_epi32(s1, _mm_madd_epi16(_mm_maddubs_epi16(q1, x1), _mm_set1_epi16(sc[c + 1])));
        }
        int l[8];
        _mm_storeu_si128((__m128i *)l, s0);
        _mm_storeu_si128((__m128i *)(l + 4), s1);
        for (int m = 0; m < 4; m++) {
            l[m] -= 32 * (bs[2 * m] * sc[2 * m] + bs[2 * m + 1] * sc[2 * m + 1]);
            l[4 + m] -= 32 * (bs[8 + 2 * m] * sc[8 + 2 * m] + bs[9 + 2 * m] * sc[9 + 2 * m]);
        }
        acc = _mm256_fmadd_ps(_mm256_set1_ps(dx * H2F(w + 208)), _mm256_cvtepi32_ps(_mm256_loadu_si256((const __m256i *)l)), acc);
    }
    return hsum8(acc);
}

#include <cpuid.h>
static int has_f16c(void)
{
    unsigned a, b, c, d;
    return __get_cpuid(1, &a, &b, &c, &d) && (c & bit_F16C);
}

static int g_force_scalar;
static int have_avx2(void)
{
    static int cached = -1;
    if (cached < 0)
        cached = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && has_f16c() &&
                 !getenv("SO8T_NO_AVX2");
    return cached && !g_force_scalar;
}

int llm_quant_force_scalar(int on)
{
    g_force_scalar = 0;
    int avail = have_avx2();
    g_force_scalar = on;
    return avail;
}
#else
int llm_quant_force_scalar(int on)
{
    (void)on;
    return 0;
}
#endif

float llm_vec_dot(int type, const void *w, const void *xq, int64_t n)
{
    switch (type) {
    case LLM_TYPE_F32: return dot_f32(w, xq, n);
#if defined(__x86_64__) && defined(__GNUC__)
    case LLM_TYPE_Q8_0: return have_avx2() ? avx2_dot_q8_0(w, xq, n / QK) : dot_q8_0(w, xq, n / QK);
    case LLM_TYPE_Q4_0: return have_avx2() ? avx2_dot_q4_0(w, xq, n / QK) : dot_q4_0(w, xq, n / QK);
    case LLM_TYPE_Q5_0: return have_avx2() ? avx2_dot_q5_0(w, xq, n / QK) : dot_q5_0(w, xq, n / QK);
    case LLM_TYPE_Q4_K:
        if (g_kq_repack)
            return dot_q4_k_rp(w, xq, n / QKK, 0);
        return have_avx2() ? avx2_dot_q4_k(w, xq, n / QKK) : dot_q4_k(w, xq, n / QKK);
    case LLM_TYPE_Q6_K: return have_avx2() ? avx2_dot_q6_k(w, xq, n / QKK) : dot_q6_k(w, xq, n / QKK);
#else
    case LLM_TYPE_Q8_0: return dot_q8_0(w, xq, n / QK);
    case LLM_TYPE_Q4_0: return dot_q4_0(w, xq, n / QK);
    case LLM_TYPE_Q5_0: return dot_q5_0(w, xq, n / QK);
    case LLM_TYPE_Q4_K: return g_kq_repack ? dot_q4_k_rp(w, xq, n / QKK, 0) : dot_q4_k(w, xq, n / QKK);
    case LLM_TYPE_Q6_K: return dot_q6_k(w, xq, n / QKK);
#endif
    case LLM_TYPE_F16:
    case LLM_TYPE_BF16: {
        /* convert in chunks and dot in float */
        const uint8_t *p = w;
        const float *x = xq;
        float s = 0, tmp[256];
        for (int64_t i = 0; i < n; i += 256) {
            int64_t m = n - i < 256 ? n - i : 256;
            llm_dequant_row(type, p + 2 * i, tmp, m);
            s += dot_f32(tmp, x + i, m);
        }
        return s;
    }
    default: return 0.f;
    }
}

/* ---- matvec --------------------------------------------------------------------------- */

size_t llm_matvec_scratch_bytes(int64_t ne0)
{
    /* the largest partner row (Q8_K: 292 bytes per 256, F32: 4 per element) */
    return (size_t)ne0 * sizeof(float) + 64;
}

size_t llm_matmat_scratch_bytes(int64_t ne0, int nb)
{
    return (size_t)nb * ((size_t)ne0 * sizeof(float) + 64);
}

/* Y[b][r - r0] = W[r,:] · X[b,:] for r in [r0, r1), b in [0, nb). Each (row, b) dot is the
 * same computation as in the one-vector case, so batching never changes a result; the
 * weights are read once per batch instead of once per vector. */
static void matmat_rows(const llm_mat *W, const float *X, float *Y, int64_t ldy, int nb, int64_t r0,
                        int64_t r1, int exact, void *scratch, int n_total, int first)
{
    const int64_t n = W->ne0;
    const int type = W->type;
    const uint8_t *data = W->data;
    const size_t rb = W->row_bytes;
    const int par = (double)(r1 - r0) * (double)n * nb >= 4.0e6;
    if (exact) {
        #pragma omp parallel if (par)
        {
            float *row = malloc((size_t)n * sizeof(float));
            #pragma omp for schedule(static)
            for (int64_t r = r0; r < r1; r++) {
                if (row)
                    llm_dequant_row(type, data + (size_t)r * rb, row, n);
                for (int b = 0; b < nb; b++)
                    Y[b * ldy + (r - r0)] = row ? dot_f32(row, X + (size_t)b * n, n) : NAN;
            }
            free(row);
        }
        return;
    }
    int partner = llm_vec_dot_partner(type);
    size_t xs = partner == LLM_TYPE_F32 ? (size_t)n * sizeof(float) : llm_row_bytes(partner, n);
    const uint8_t *xq = (const uint8_t *)X;
    if (partner != LLM_TYPE_F32) {
        for (int b = 0; b < nb; b++)
            llm_quantize_act(partner, X + (size_t)b * n, (uint8_t *)scratch + (size_t)b * xs, n);
        xq = scratch;
    }
    /* Small matrices run on one thread: an OpenMP fork/join costs more than it saves there,
     * and far more on a loaded machine, where a preempted thread stalls the barrier. */
    /* llama.cpp's repacked Q4_K product runs the rows of a batch in groups of 4 through its
     * gemm kernel and the remaining nb % 4 through its gemv kernel (different float order) */
    /* The vectors are tokens first .. first + nb - 1 of a llama.cpp batch of n_total. Its
     * repacked Q4_K product takes rows [0, n_total - n_total % 4) through the gemm kernel,
     * the rest through gemv; Q6_K goes through the repacked order (dot_q6_k_rp) for batches
     * of more than 4 tokens, else ggml_vec_dot_q6_K_q8_K (both checked on the model). */
    const int rp = g_kq_repack && W->ne1 % 8 == 0;
    const int ngemm = type == LLM_TYPE_Q4_K && rp ? n_total - n_total % 4 - first : 0;
    const int q6rp = type == LLM_TYPE_Q6_K && rp && n_total > 4;
    #pragma omp parallel for schedule(static) if (par)
    for (int64_t r = r0; r < r1; r++)
        for (int b = 0; b < nb; b++) {
            const uint8_t *wr = data + (size_t)r * rb, *xb = xq + (size_t)b * xs;
            Y[b * ldy + (r - r0)] = b < ngemm ? dot_q4_k_rp(wr, xb, n / QKK, 1)
                                    : q6rp    ? dot_q6_k_rp(wr, xb, n / QKK)
                                              : llm_vec_dot(type, wr, xb, n);
        }
}

void llm_matmat(const llm_mat *W, const float *X, float *Y, int nb, int exact, void *scratch)
{
    matmat_rows(W, X, Y, W->ne1, nb, 0, W->ne1, exact, scratch, nb, 0);
}

void llm_matmat_part(const llm_mat *W, const float *X, float *Y, int nb, int n_total, int first,
                     int exact, void *scratch)
{
    matmat_rows(W, X, Y, W->ne1, nb, 0, W->ne1, exact, scratch, n_total, first);
}

void llm_matvec_rows(const llm_mat *W, const float *x, float *y, int64_t r0, int64_t r1,
                     int exact, void *scratch)
{
    matmat_rows(W, x, y, r1 - r0, 1, r0, r1, exact, scratch, 1, 0);
}

void llm_matvec(const llm_mat *W, const float *x, float *y, int exact, void *scratch)
{
    matmat_rows(W, x, y, W->ne1, 1, 0, W->ne1, exact, scratch, 1, 0);
}
