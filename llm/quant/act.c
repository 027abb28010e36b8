/* act.c — activation quantization: the vector a weight row is dotted against, in Q8_0,
 * Q8_1 or Q8_K (ggml's quantize_row_q8_{0,1,K}_ref, and the x86 variants llama.cpp's CPU
 * backend actually runs for Q8_0/Q8_1). */
#include "llm/quant/kernels.h"
#include "llm/llm.h"

#include <math.h>

static inline int nearest_int(float f)
{
    /* round half to even via the 1.5*2^23 trick (valid for |f| < 2^22), as ggml does */
    float v = f + 12582912.f;
    int32_t i;
    memcpy(&i, &v, 4);
    return (i & 0x007FFFFF) - 0x00400000;
}

/* the largest |v| (fmaxf's rule: a NaN element is skipped), without a libm call per element */
static float amax32(const float *v)
{
    float amax = 0;
    for (int i = 0; i < QK; i++) {
        const float a = fabsf(v[i]);
        amax = a > amax ? a : amax;
    }
    return amax;
}

/* Q8_0 / Q8_1 reference: d = amax/127, q = roundf(x/d) (half away from zero); Q8_1 also
 * stores s = fp16(Σq · d) */
static void q8_ref(const float *x, uint8_t *o, int64_t n, int q81)
{
    const int bs = q81 ? 36 : 34, off = q81 ? 4 : 2;
    for (int64_t b = 0; b < n / QK; b++, o += bs) {
        const float *v = x + b * QK;
        float d = amax32(v) / 127.f, id = d ? 1.f / d : 0.f;
        f2h(o, d);
        int sum = 0;
        for (int i = 0; i < QK; i++) {
            int q = (int)roundf(v[i] * id);
            o[off + i] = (uint8_t)(int8_t)q;
            sum += q;
        }
        if (q81)
            f2h(o + 2, (float)sum * d);
    }
}

/* Q8_K reference: d = max/-127 with the signed max, q = nearest_int(-127/max · x) capped at
 * 127, plus the 16-element sums */
static void q8_k_ref(const float *x, uint8_t *o, int64_t n)
{
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
}

void llm_quantize_row(int partner, const float *x, void *dst, int64_t n)
{
    if (partner == LLM_TYPE_Q8_0 || partner == LLM_TYPE_Q8_1)
        q8_ref(x, dst, n, partner == LLM_TYPE_Q8_1);
    else if (partner == LLM_TYPE_Q8_K)
        q8_k_ref(x, dst, n);
    else
        memcpy(dst, x, (size_t)n * sizeof(float));
}

#if LLM_QUANT_X86
#include <immintrin.h>
/* max |v| over nvec vectors of 8 floats, NaN skipped as fmaxf does (max_ps(|v|, m) returns
 * m when |v| is NaN): the amax of both quantizers below */
__attribute__((target("avx2"))) static float amax_avx2(const float *v, int nvec)
{
    const __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 m = _mm256_setzero_ps();
    for (int k = 0; k < nvec; k++)
        m = _mm256_max_ps(_mm256_andnot_ps(sign, _mm256_loadu_ps(v + 8 * k)), m);
    __m128 h = _mm_max_ps(_mm256_extractf128_ps(m, 1), _mm256_castps256_ps128(m));
    h = _mm_max_ps(_mm_movehl_ps(h, h), h);
    h = _mm_max_ss(_mm_movehdup_ps(h), h);
    return _mm_cvtss_f32(h);
}

/* The Q8_0 path below with AVX2: the same amax (max_ps(|v|, m) skips a NaN |v| as fmaxf
 * does), the same product v·(127/amax), rounded half to even by cvtps (the default MXCSR
 * mode, as nearest_int); the scale through the same llm_fp32_to_fp16. Same bytes. */
__attribute__((target("avx2,fma,f16c"))) static void q8_0_act_avx2(const float *x, uint8_t *o, int64_t n)
{
    for (int64_t b = 0; b < n / QK; b++, o += 34) {
        const float *v = x + b * QK;
        const float amax = amax_avx2(v, QK / 8), d = amax / 127.f;
        f2h(o, d);
        const __m256 id = _mm256_set1_ps(amax != 0 ? 127.f / amax : 0.f);
        __m256i q[4];
        for (int k = 0; k < 4; k++)
            q[k] = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(v + 8 * k), id));
        /* pack 32 int32 (|q| <= 127) to int8 in order */
        __m256i p = _mm256_packs_epi16(_mm256_packs_epi32(q[0], q[1]), _mm256_packs_epi32(q[2], q[3]));
        p = _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
        _mm256_storeu_si256((__m256i *)(o + 2), p);
    }
}

/* q8_k_ref with AVX2: the same amax (NaN skipped), the signed value at its first index, the
 * same products iscale·x rounded half to even by cvtps (as nearest_int), capped at 127, the
 * 16-element sums exact; same bytes */
__attribute__((target("avx2,fma,f16c"))) static void q8_k_act_avx2(const float *x, uint8_t *o, int64_t n)
{
    for (int64_t b = 0; b < n / QKK; b++, o += 292) {
        const float *v = x + b * QKK;
        const float amax = amax_avx2(v, QKK / 8);
        int8_t *qs = (int8_t *)(o + 4);
        int16_t bs[16];
        if (amax == 0) {
            const float z = 0;
            memcpy(o, &z, 4);
            memset(qs, 0, QKK);
            memset(bs, 0, sizeof bs);
            memcpy(o + 260, bs, sizeof bs);
            continue;
        }
        float max = 0;
        for (int i = 0; i < QKK; i++)
            if (fabsf(v[i]) == amax) {
                max = v[i];
                break;
            }
        const float iscale = -127.f / max;
        const __m256 is = _mm256_set1_ps(iscale);
        const __m256i cap = _mm256_set1_epi32(127);
        for (int j = 0; j < 16; j++) { /* 16 elements: two registers of 8 */
            const __m256i q0 = _mm256_min_epi32(_mm256_cvtps_epi32(_mm256_mul_ps(is, _mm256_loadu_ps(v + 16 * j))), cap);
            const __m256i q1 = _mm256_min_epi32(_mm256_cvtps_epi32(_mm256_mul_ps(is, _mm256_loadu_ps(v + 16 * j + 8))), cap);
            __m256i p = _mm256_packs_epi16(_mm256_packs_epi32(q0, q1), _mm256_setzero_si256());
            p = _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
            _mm_storeu_si128((__m128i *)(qs + 16 * j), _mm256_castsi256_si128(p));
            __m128i s = _mm_add_epi32(_mm256_castsi256_si128(_mm256_add_epi32(q0, q1)),
                                      _mm256_extracti128_si256(_mm256_add_epi32(q0, q1), 1));
            s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
            s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
            bs[j] = (int16_t)_mm_cvtsi128_si32(s);
        }
        const float d = 1.f / iscale;
        memcpy(o, &d, 4);
        memcpy(o + 260, bs, sizeof bs);
    }
}
#endif

/* ggml's x86 (AVX/AVX2) quantize_row_q8_0 / q8_1: multiplier 127/amax (not 1/d) and
 * rounding half to even, which differs from the reference in about one value per few
 * thousand; Q8_1's s is fp16(d · Σq). Q8_K: ggml uses the reference on x86. */
void llm_quantize_act(int partner, const float *x, void *dst, int64_t n)
{
#if LLM_QUANT_X86
    if (partner == LLM_TYPE_Q8_K && llm_quant_isa() >= LLM_ISA_AVX2) {
        q8_k_act_avx2(x, dst, n);
        return;
    }
#endif
    if (partner != LLM_TYPE_Q8_0 && partner != LLM_TYPE_Q8_1) {
        llm_quantize_row(partner, x, dst, n);
        return;
    }
#if LLM_QUANT_X86
    if (partner == LLM_TYPE_Q8_0 && llm_quant_isa() >= LLM_ISA_AVX2) {
        q8_0_act_avx2(x, dst, n);
        return;
    }
#endif
    const int q81 = partner == LLM_TYPE_Q8_1, bs = q81 ? 36 : 34, off = q81 ? 4 : 2;
    uint8_t *o = dst;
    for (int64_t b = 0; b < n / QK; b++, o += bs) {
        const float *v = x + b * QK;
        float amax = amax32(v), d = amax / 127.f;
        f2h(o, d);
        const float id = amax != 0 ? 127.f / amax : 0.f;
        int sum = 0;
        for (int i = 0; i < QK; i++) {
            int q = nearest_int(v[i] * id);
            o[off + i] = (uint8_t)(int8_t)q;
            sum += q;
        }
        if (q81)
            f2h(o + 2, d * (float)sum);
    }
}
