/* wquant.c — weight quantizers: simple and deterministic, for the tiny model files the
 * tests build (not llama.cpp's quality-optimising quantizers). Q4_0, Q5_0, Q4_1 and Q5_1
 * follow ggml's reference rounding (checked against gguf-py / ggml); the others only need to
 * round-trip within the error test_quant states. */
#include "llm/quant/kernels.h"
#include "llm/llm.h"

#include <math.h>

static inline int clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

/* Q4_1 / Q5_1 as ggml's quantize_row_q{4,5}_1_ref: d = (max − min)/(2^bits − 1), m = min,
 * q = (int)((x − min)/d + 0.5) (checked bit for bit against ggml's blocks in test_quant) */
static void quant_q4_1_q5_1(const float *x, uint8_t *o, int64_t n, int five)
{
    const int bs = five ? 24 : 20;
    for (int64_t b = 0; b < n / QK; b++, o += bs) {
        const float *v = x + b * QK;
        float mn = v[0], mx = v[0];
        for (int i = 1; i < QK; i++) {
            mn = v[i] < mn ? v[i] : mn;
            mx = v[i] > mx ? v[i] : mx;
        }
        const float d = (mx - mn) / (five ? 31.f : 15.f), id = d ? 1.f / d : 0.f;
        f2h(o, d);
        f2h(o + 2, mn);
        uint32_t qh = 0;
        for (int j = 0; j < 16; j++) {
            int q0 = (int)((v[j] - mn) * id + 0.5f), q1 = (int)((v[j + 16] - mn) * id + 0.5f);
            if (!five) {
                o[4 + j] = (uint8_t)(clampi(q0, 0, 15) | clampi(q1, 0, 15) << 4);
                continue;
            }
            o[8 + j] = (uint8_t)((q0 & 0xF) | (q1 & 0xF) << 4);
            qh |= (uint32_t)((q0 >> 4) & 1) << j | (uint32_t)((q1 >> 4) & 1) << (j + 16);
        }
        if (five)
            for (int k = 0; k < 4; k++)
                o[4 + k] = (uint8_t)(qh >> (8 * k));
    }
}

static int nearest_kv(float v)
{
    int best = 0;
    for (int k = 1; k < 16; k++)
        if (fabsf(v - llm_kvalues_iq4nl[k]) < fabsf(v - llm_kvalues_iq4nl[best]))
            best = k;
    return best;
}

/* signed value of the largest magnitude */
static float signed_max(const float *v, int n)
{
    float amax = 0, m = 0;
    for (int i = 0; i < n; i++)
        if (fabsf(v[i]) > amax) {
            amax = fabsf(v[i]);
            m = v[i];
        }
    return m;
}

/* IQ4_NL: d = max/−127 (the codebook's end), each value to its nearest codebook entry */
static void quant_iq4_nl(const float *x, uint8_t *o, int64_t n)
{
    for (int64_t b = 0; b < n / QK; b++, o += 18) {
        const float *v = x + b * QK;
        f2h(o, signed_max(v, QK) / -127.f);
        const float d = h2f(o), id = d ? 1.f / d : 0.f;
        for (int j = 0; j < 16; j++)
            o[2 + j] = (uint8_t)(nearest_kv(v[j] * id) | nearest_kv(v[j + 16] * id) << 4);
    }
}

/* IQ4_XS: per 32 values a signed 6-bit scale ls − 32 of d, then IQ4_NL's codebook */
static void quant_iq4_xs(const float *x, uint8_t *o, int64_t n)
{
    for (int64_t b = 0; b < n / QKK; b++, o += 136) {
        const float *v = x + b * QKK;
        float s[8];
        for (int ib = 0; ib < 8; ib++)
            s[ib] = signed_max(v + 32 * ib, 32) / -127.f;
        f2h(o, signed_max(s, 8) / -32.f);
        const float d = h2f(o);
        uint16_t sh = 0;
        memset(o + 4, 0, 4);
        for (int ib = 0; ib < 8; ib++) {
            int ls = d ? clampi((int)lroundf(s[ib] / d), -32, 31) : 0;
            int u = ls + 32;
            o[4 + ib / 2] |= (uint8_t)((u & 0xF) << (4 * (ib % 2)));
            sh |= (uint16_t)((u >> 4) << (2 * ib));
            const float dl = d * (float)ls, id = dl ? 1.f / dl : 0.f;
            for (int j = 0; j < 16; j++)
                o[8 + 16 * ib + j] = (uint8_t)(nearest_kv(v[32 * ib + j] * id) |
                                               nearest_kv(v[32 * ib + 16 + j] * id) << 4);
        }
        o[2] = (uint8_t)sh;
        o[3] = (uint8_t)(sh >> 8);
    }
}

/* The affine K-quants' groups (Q2_K, Q5_K): for ng groups of glen values, scale (max − min)/levels
 * and min −min(0, values); *max_sc / *max_mn: their largest, which set d and dmin */
static void group_scale_min(const float *v, int ng, int glen, float levels, float *sc, float *mn,
                            float *max_sc, float *max_mn)
{
    float ms = 0, mm = 0;
    for (int k = 0; k < ng; k++) {
        float lo = 0, hi = v[glen * k];
        for (int i = 0; i < glen; i++) {
            lo = fminf(lo, v[glen * k + i]);
            hi = fmaxf(hi, v[glen * k + i]);
        }
        sc[k] = (hi - lo) / levels;
        mn[k] = -lo;
        ms = fmaxf(ms, sc[k]);
        mm = fmaxf(mm, mn[k]);
    }
    *max_sc = ms;
    *max_mn = mm;
}

/* Q2_K: per 16 values scale = (max − min)/3 and min (≤ 0), as 4-bit multiples of d, dmin */
static void quant_q2_k(const float *x, uint8_t *o, int64_t n)
{
    for (int64_t b = 0; b < n / QKK; b++, o += 84) {
        const float *v = x + b * QKK;
        float sc[16], mn[16], ms, mm;
        group_scale_min(v, 16, 16, 3.f, sc, mn, &ms, &mm);
        f2h(o + 80, ms / 15.f);
        f2h(o + 82, mm / 15.f);
        const float d = h2f(o + 80), dmin = h2f(o + 82);
        uint8_t q[QKK];
        for (int k = 0; k < 16; k++) {
            int ls = d > 0 ? clampi((int)lroundf(sc[k] / d), 0, 15) : 0;
            int lm = dmin > 0 ? clampi((int)lroundf(mn[k] / dmin), 0, 15) : 0;
            o[k] = (uint8_t)(ls | lm << 4);
            const float dl = d * (float)ls, ml = dmin * (float)lm;
            for (int i = 0; i < 16; i++)
                q[16 * k + i] = (uint8_t)(dl > 0 ? clampi((int)lroundf((v[16 * k + i] + ml) / dl), 0, 3) : 0);
        }
        memset(o + 16, 0, 64);
        for (int e = 0; e < QKK; e++) /* element 128n + 32j + l: bits 2j of qs[32n + l] */
            o[16 + 32 * (e / 128) + e % 32] |= (uint8_t)(q[e] << (2 * ((e % 128) / 32)));
    }
}

/* Q3_K: per 16 values a signed 6-bit scale of d, values −4..3 */
static void quant_q3_k(const float *x, uint8_t *o, int64_t n)
{
    for (int64_t b = 0; b < n / QKK; b++, o += 110) {
        const float *v = x + b * QKK;
        float s[16];
        for (int k = 0; k < 16; k++)
            s[k] = signed_max(v + 16 * k, 16) / -4.f;
        f2h(o + 108, signed_max(s, 16) / -32.f);
        const float d = h2f(o + 108);
        memset(o, 0, 108);
        for (int k = 0; k < 16; k++) {
            int sc = d ? clampi((int)lroundf(s[k] / d), -32, 31) : 0;
            int u = sc + 32;
            o[96 + (k < 8 ? k : k - 8)] |= (uint8_t)((u & 0xF) << (k < 8 ? 0 : 4));
            o[96 + 8 + k % 4] |= (uint8_t)((u >> 4) << (2 * (k / 4)));
            const float dl = d * (float)sc, id = dl ? 1.f / dl : 0.f;
            for (int i = 0; i < 16; i++) {
                const int e = 16 * k + i, nn = e / 128, j = (e % 128) / 32, l = e % 32;
                int qv = clampi((int)lroundf(v[e] * id), -4, 3) + 4; /* 0..7 */
                o[32 + 32 * nn + l] |= (uint8_t)((qv & 3) << (2 * j));
                if (qv >> 2)
                    o[l] |= (uint8_t)(1 << (4 * nn + j));
            }
        }
    }
}

/* Q5_K: Q4_K's 6-bit scales and mins with 5-bit values (the 5th bit in qh) */
static void quant_q5_k(const float *x, uint8_t *o, int64_t n)
{
    for (int64_t b = 0; b < n / QKK; b++, o += 176) {
        const float *v = x + b * QKK;
        float scale[8], minv[8], maxs, maxm;
        group_scale_min(v, 8, 32, 31.f, scale, minv, &maxs, &maxm);
        f2h(o, maxs / 63.f);
        f2h(o + 2, maxm / 63.f);
        const float d = h2f(o), dmin = h2f(o + 2);
        int ls[8], lm[8];
        for (int j = 0; j < 8; j++) {
            ls[j] = d > 0 ? clampi((int)lroundf(scale[j] / d), 0, 63) : 0;
            lm[j] = dmin > 0 ? clampi((int)lroundf(minv[j] / dmin), 0, 63) : 0;
        }
        uint8_t *s = o + 4;
        for (int j = 0; j < 4; j++) {
            s[j] = (uint8_t)((ls[j] & 63) | ((ls[j + 4] >> 4) << 6));
            s[j + 4] = (uint8_t)((lm[j] & 63) | ((lm[j + 4] >> 4) << 6));
            s[j + 8] = (uint8_t)((ls[j + 4] & 0xF) | (lm[j + 4] & 0xF) << 4);
        }
        memset(o + 16, 0, 160);
        for (int e = 0; e < QKK; e++) {
            const int j = e / 32, c = e / 64, h = j % 2, l = e % 32;
            const float sd = d * (float)ls[j], m = dmin * (float)lm[j];
            const int q = sd > 0 ? clampi((int)lroundf((v[e] + m) / sd), 0, 31) : 0;
            o[48 + 32 * c + l] |= (uint8_t)((q & 0xF) << (4 * h));
            o[16 + l] |= (uint8_t)((q >> 4) << (2 * c + h));
        }
    }
}

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
    case LLM_TYPE_Q4_1: quant_q4_1_q5_1(x, o, n, 0); return LLM_OK;
    case LLM_TYPE_Q5_1: quant_q4_1_q5_1(x, o, n, 1); return LLM_OK;
    case LLM_TYPE_IQ4_NL: quant_iq4_nl(x, o, n); return LLM_OK;
    case LLM_TYPE_IQ4_XS: quant_iq4_xs(x, o, n); return LLM_OK;
    case LLM_TYPE_Q2_K: quant_q2_k(x, o, n); return LLM_OK;
    case LLM_TYPE_Q3_K: quant_q3_k(x, o, n); return LLM_OK;
    case LLM_TYPE_Q5_K: quant_q5_k(x, o, n); return LLM_OK;
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
