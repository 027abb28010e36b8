/* wquant.c — weight quantizers: simple and deterministic, for the tiny model files the
 * tests build (not llama.cpp's quality-optimising quantizers). Q4_0 and Q5_0 follow ggml's
 * reference rounding (checked against gguf-py); the others only need to round-trip. */
#include "llm/quant/kernels.h"
#include "llm/llm.h"

#include <math.h>

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
