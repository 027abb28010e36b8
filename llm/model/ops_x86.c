/* ops_x86.c — ops.c's llama.cpp-order attention head (attn_head_scalar), f16 rounding and
 * GeGLU with AVX2 + FMA + F16C, compiled with function-level target attributes and picked at
 * run time through the quant layer's ISA choice (llm_quant_isa: cpuid, SO8T_ISA).
 *
 * Why: the project builds with -ffp-contract=off and no -mfma, so the portable form's every
 * fmaf is a libm call; that was ~20 % of a decode step and ~40 % of a prompt. Same bits:
 * fmaf is exactly rounded, so a hardware FMA gives the libm result; each output keeps the
 * scalar form's lanes (element or cell i to lane i % lanes, the lanes' FMA chains in the
 * same order) and reductions (the same additions in the same order, done elementwise across
 * SIMD registers); the exp is ggml_v_expf's fast path lane by lane, and any group of 8
 * arguments that needs its slow path (|n| > 126) goes through the scalar llm_expf_ggml;
 * f16 rounding by F16C is round-to-nearest-even like llm_round_fp16. test_llm_attn compares
 * every path with the scalar one bit for bit. */
#include "llm/model/ops.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#include <math.h>
#include <string.h>

#define T_AVX2 __attribute__((target("avx2,fma,f16c")))
#define T_AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,avx2,fma,f16c")))

/* ((a0 + a4) + (a2 + a6)) + ((a1 + a5) + (a3 + a7)) — reduce8_ggml */
T_AVX2 static inline float hsum8_ggml(__m256 v)
{
    __m128 t = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    t = _mm_add_ps(t, _mm_movehl_ps(t, t));
    t = _mm_add_ss(t, _mm_movehdup_ps(t));
    return _mm_cvtss_f32(t);
}

/* reduce32_ggml on four 8-lane accumulators (lanes 0-7, 8-15, 16-23, 24-31):
 * (A0 + A2) + (A1 + A3), then t_k = a_k + a_{k+4}, then (t0 + t1) + (t2 + t3) */
T_AVX2 static inline float hsum32_ggml(__m256 a0, __m256 a1, __m256 a2, __m256 a3)
{
    __m256 s = _mm256_add_ps(_mm256_add_ps(a0, a2), _mm256_add_ps(a1, a3));
    __m128 t = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
    t = _mm_hadd_ps(t, t); /* (t0 + t1, t2 + t3, ..) */
    t = _mm_hadd_ps(t, t);
    return _mm_cvtss_f32(t);
}

/* ggml_v_expf's fast path on 8 lanes; returns 0 when a lane needs the slow path */
T_AVX2 static inline int expf8_fast(__m256 x, __m256 *out)
{
    const __m256 r = _mm256_set1_ps(0x1.8p23f);
    const __m256 z = _mm256_fmadd_ps(x, _mm256_set1_ps(0x1.715476p+0f), r);
    const __m256 n = _mm256_sub_ps(z, r);
    const __m256 b = _mm256_fnmadd_ps(n, _mm256_set1_ps(0x1.7f7d1cp-20f),
                                      _mm256_fnmadd_ps(n, _mm256_set1_ps(0x1.62e4p-1f), x));
    const __m256i e = _mm256_slli_epi32(_mm256_castps_si256(z), 23);
    const __m256 k = _mm256_castsi256_ps(_mm256_add_epi32(e, _mm256_castps_si256(_mm256_set1_ps(1))));
    /* !(|n| <= 126) also catches NaN, which the scalar form sends to its slow path too */
    const __m256 slow = _mm256_cmp_ps(_mm256_andnot_ps(_mm256_set1_ps(-0.f), n), _mm256_set1_ps(126), _CMP_NLE_UQ);
    if (_mm256_movemask_ps(slow))
        return 0;
    const __m256 u = _mm256_mul_ps(b, b);
    const __m256 j = _mm256_fmadd_ps(
        _mm256_fmadd_ps(_mm256_fmadd_ps(_mm256_set1_ps(0x1.0e4020p-7f), b, _mm256_set1_ps(0x1.573e2ep-5f)), u,
                        _mm256_fmadd_ps(_mm256_set1_ps(0x1.555e66p-3f), b, _mm256_set1_ps(0x1.fffdb6p-2f))),
        u, _mm256_mul_ps(_mm256_set1_ps(0x1.ffffecp-1f), b));
    *out = _mm256_fmadd_ps(j, k, k);
    return 1;
}

T_AVX2 static inline __m256 round_f16x8(__m256 v)
{
    return _mm256_cvtph_ps(_mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}

/* dot_f16_ggml, FMA compiled in (any n) */
T_AVX2 static float dot_lanes_fma(const float *a, const float *b, int n, int lanes)
{
    float acc[32] = {0};
    const int mask = lanes - 1;
    for (int i = 0; i < n; i++)
        acc[i & mask] = fmaf(a[i], b[i], acc[i & mask]);
    if (lanes == 8)
        return hsum8_ggml(_mm256_loadu_ps(acc));
    return hsum32_ggml(_mm256_loadu_ps(acc), _mm256_loadu_ps(acc + 8), _mm256_loadu_ps(acc + 16),
                       _mm256_loadu_ps(acc + 24));
}

T_AVX2 static inline float dot8_avx2(const float *a, const float *b, int n)
{
    __m256 acc = _mm256_setzero_ps();
    for (int i = 0; i < n; i += 8)
        acc = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc);
    return hsum8_ggml(acc);
}

T_AVX2 static inline float dot32_avx2(const float *a, const float *b, int n)
{
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    for (int i = 0; i < n; i += 32) {
        a0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), a0);
        a1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), a1);
        a2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16), a2);
        a3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24), a3);
    }
    return hsum32_ggml(a0, a1, a2, a3);
}

/* The softmax of att[0..nt) (cells t0..t0+nt-1) in place, as the scalar form: exp of
 * att - mx, summed per block of 8 cells (aligned to the cell index) into a double, then the
 * weights · (1/sum) rounded to f16. */
T_AVX2 static void softmax_ggml_avx2(float *att, int t0, int nt, float mx)
{
    /* groups of 8 cells aligned to the cell index: cells before t0 / past the end are 0 */
    const int c0 = t0 & ~7, c1 = t0 + nt;
    const __m256 vmx = _mm256_set1_ps(mx);
    double sum = 0;
    for (int c = c0; c < c1; c += 8) {
        float g[8];
        for (int k = 0; k < 8; k++) {
            const int t = c + k - t0;
            g[k] = t >= 0 && t < nt ? att[t] : mx; /* padding: exp(0), dropped below */
        }
        __m256 e;
        if (!expf8_fast(_mm256_sub_ps(_mm256_loadu_ps(g), vmx), &e)) {
            for (int k = 0; k < 8; k++)
                g[k] = llm_expf_ggml(g[k] - mx);
            e = _mm256_loadu_ps(g);
        }
        _mm256_storeu_ps(g, e);
        for (int k = 0; k < 8; k++) {
            const int t = c + k - t0;
            if (t >= 0 && t < nt)
                att[t] = g[k];
            else
                g[k] = 0.0f;
        }
        sum += (double)hsum8_ggml(_mm256_loadu_ps(g));
    }
    const __m256 inv = _mm256_set1_ps((float)(1.0 / sum));
    int t = 0;
    for (; t + 8 <= nt; t += 8)
        _mm256_storeu_ps(att + t, round_f16x8(_mm256_mul_ps(_mm256_loadu_ps(att + t), inv)));
    for (; t < nt; t++)
        att[t] = llm_round_fp16(att[t] * (float)(1.0 / sum));
}

/* o[i] for dims [i0, i0 + 8·nv) (nv <= 8): per lane l, the FMA chain over the cells c with
 * c % lanes == l (in order), then the lanes reduced as reduce8/32_ggml, elementwise. The
 * nv chains of a lane are independent, so 8 of them keep the FMA units busy where 4 left
 * them waiting on the FMA latency. */
#define VP_MAXV 8
/* the cells of lane l: from t0 + first[l] (ring slot slot[l]) in steps of lanes; the slots
 * are stepped, not divided (an integer division per walk cost more than its FMAs) */
typedef struct {
    int first[32], slot[32];
} vp_starts;

T_AVX2 static void vp_starts_make(vp_starts *st, int t0, int slot0, int lanes, int kv_cap)
{
    for (int l = 0; l < lanes; l++) {
        st->first[l] = (int)((unsigned)(l - t0) & (unsigned)(lanes - 1));
        int s = slot0 + st->first[l];
        while (s >= kv_cap)
            s -= kv_cap;
        st->slot[l] = s;
    }
}

T_AVX2 static inline __attribute__((always_inline)) void vp_lane(const llm_layer *L, const float *att, __m256 *acc,
                                                                  const vp_starts *st, int nt, int KD, int off,
                                                                  int lanes, int l, const int nv)
{
    __m256 r[VP_MAXV]; /* in registers (fully unrolled): a chain through memory stalls */
#pragma GCC unroll 8
    for (int j = 0; j < VP_MAXV; j++)
        r[j] = _mm256_setzero_ps();
    int slot = st->slot[l];
    for (int c = st->first[l]; c < nt; c += lanes) {
        const float *v = L->vc + (size_t)slot * KD + off;
        const __m256 p = _mm256_set1_ps(att[c]);
#pragma GCC unroll 8
        for (int j = 0; j < VP_MAXV; j++)
            if (j < nv)
                r[j] = _mm256_fmadd_ps(_mm256_loadu_ps(v + 8 * j), p, r[j]);
        for (slot += lanes; slot >= L->kv_cap;)
            slot -= L->kv_cap;
    }
#pragma GCC unroll 8
    for (int j = 0; j < VP_MAXV; j++)
        if (j < nv)
            acc[j] = r[j];
}

T_AVX2 static void vp_block_avx2(const llm_layer *L, const float *att, float *o, const vp_starts *st, int nt,
                                 int KD, int off, int lanes, int nv)
{
    __m256 acc[32][VP_MAXV];
    for (int l = 0; l < lanes; l++) {
        if (nv == VP_MAXV) /* constant trip counts: the chains stay in registers */
            vp_lane(L, att, acc[l], st, nt, KD, off, lanes, l, VP_MAXV);
        else
            vp_lane(L, att, acc[l], st, nt, KD, off, lanes, l, 1);
    }
    for (int j = 0; j < nv; j++) {
        __m256 r;
        if (lanes == 8) {
            r = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(acc[0][j], acc[4][j]), _mm256_add_ps(acc[2][j], acc[6][j])),
                              _mm256_add_ps(_mm256_add_ps(acc[1][j], acc[5][j]), _mm256_add_ps(acc[3][j], acc[7][j])));
        } else {
            __m256 a[8];
            for (int k = 0; k < 8; k++) /* a[k] = (acc[k] + acc[16+k]) + (acc[8+k] + acc[24+k]) */
                a[k] = _mm256_add_ps(_mm256_add_ps(acc[k][j], acc[16 + k][j]), _mm256_add_ps(acc[8 + k][j], acc[24 + k][j]));
            const __m256 s0 = _mm256_add_ps(a[0], a[4]), s1 = _mm256_add_ps(a[1], a[5]);
            const __m256 s2 = _mm256_add_ps(a[2], a[6]), s3 = _mm256_add_ps(a[3], a[7]);
            r = _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3));
        }
        _mm256_storeu_ps(o + 8 * j, r);
    }
}

T_AVX2 void llm_attn_head_ggml_avx2(const llm_layer *L, const float *qh, float *att, float *o, int t0,
                                    int nt, int KD, int kh, int D, int lanes, float kq_scale)
{
    float mx = -INFINITY;
    int t = 0;
    const int cap = L->kv_cap, slot0 = t0 % cap;
    int slot = slot0; /* cell t0 + t's ring slot, stepped */
#define NEXT_SLOT(s) ((s) + 1 == cap ? 0 : (s) + 1)
    if (lanes == 8 && D % 8 == 0) {
        /* four cells at a time: each cell's one 8-lane FMA chain is latency-bound alone */
        for (; t + 4 <= nt; t += 4) {
            const int s1 = NEXT_SLOT(slot), s2 = NEXT_SLOT(s1), s3 = NEXT_SLOT(s2);
            const float *k0 = L->kc + (size_t)slot * KD + kh * D;
            const float *k1 = L->kc + (size_t)s1 * KD + kh * D;
            const float *k2 = L->kc + (size_t)s2 * KD + kh * D;
            const float *k3 = L->kc + (size_t)s3 * KD + kh * D;
            slot = NEXT_SLOT(s3);
            __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
            for (int i = 0; i < D; i += 8) {
                const __m256 q = _mm256_loadu_ps(qh + i);
                a0 = _mm256_fmadd_ps(q, _mm256_loadu_ps(k0 + i), a0);
                a1 = _mm256_fmadd_ps(q, _mm256_loadu_ps(k1 + i), a1);
                a2 = _mm256_fmadd_ps(q, _mm256_loadu_ps(k2 + i), a2);
                a3 = _mm256_fmadd_ps(q, _mm256_loadu_ps(k3 + i), a3);
            }
            const float d[4] = {hsum8_ggml(a0), hsum8_ggml(a1), hsum8_ggml(a2), hsum8_ggml(a3)};
            for (int k = 0; k < 4; k++) {
                att[t + k] = d[k] * kq_scale;
                mx = att[t + k] > mx ? att[t + k] : mx;
            }
        }
    }
    for (; t < nt; t++) {
        const float *kk = L->kc + (size_t)slot * KD + kh * D;
        slot = NEXT_SLOT(slot);
        const float d = D % lanes ? dot_lanes_fma(qh, kk, D, lanes)
                        : lanes == 8 ? dot8_avx2(qh, kk, D)
                                     : dot32_avx2(qh, kk, D);
        att[t] = d * kq_scale;
        mx = att[t] > mx ? att[t] : mx;
    }
#undef NEXT_SLOT
    softmax_ggml_avx2(att, t0, nt, mx);
    vp_starts st;
    vp_starts_make(&st, t0, slot0, lanes, cap);
    int i = 0;
    for (; i + 8 * VP_MAXV <= D; i += 8 * VP_MAXV)
        vp_block_avx2(L, att, o + i, &st, nt, KD, kh * D + i, lanes, VP_MAXV);
    for (; i + 8 <= D; i += 8)
        vp_block_avx2(L, att, o + i, &st, nt, KD, kh * D + i, lanes, 1);
    /* dims left over (D not a multiple of 8): the scalar form's chain, FMA compiled in */
    float acc[32];
    for (; i < D; i++) {
        memset(acc, 0, sizeof acc);
        for (int u = 0; u < nt; u++) {
            const int c = t0 + u;
            const float vv = L->vc[(size_t)(c % L->kv_cap) * KD + kh * D + i];
            acc[c & (lanes - 1)] = fmaf(vv, att[u], acc[c & (lanes - 1)]);
        }
        o[i] = lanes == 8 ? hsum8_ggml(_mm256_loadu_ps(acc))
                          : hsum32_ggml(_mm256_loadu_ps(acc), _mm256_loadu_ps(acc + 8),
                                        _mm256_loadu_ps(acc + 16), _mm256_loadu_ps(acc + 24));
    }
}

/* ---- heads that share a kv head (AVX-512VL: 32 registers) -------------------------------
 * For batches (lanes 8) the g <= LLM_ATTN_GROUP_MAX query heads of one kv head read the
 * same K and V rows: each row is loaded once for all of them (4x less cache traffic for
 * gemma3's 4:1 grouping), and the q·k dots run 2 cells x g heads as independent chains.
 * Every head's operations are those of llm_attn_head_ggml_avx2 (same FMA chains, lanes,
 * reductions, softmax), so the same bits. */
#define T_AVX512VL __attribute__((target("avx512f,avx512vl,avx2,fma,f16c")))
#define GMAX LLM_ATTN_GROUP_MAX

T_AVX512VL static void qk_group(const llm_layer *L, const float *q, float *att, int nt, int slot0, int KD, int kh,
                                int D, int g, float kq_scale, float *mx)
{
    const int cap = L->kv_cap;
    int slot = slot0, t = 0;
    for (int h = 0; h < g; h++)
        mx[h] = -INFINITY;
    for (; t < nt; t += 2) {
        const int two = t + 1 < nt, s1 = slot + 1 == cap ? 0 : slot + 1;
        const float *k0 = L->kc + (size_t)slot * KD + kh * D, *k1 = L->kc + (size_t)(two ? s1 : slot) * KD + kh * D;
        __m256 a[GMAX][2];
#pragma GCC unroll 4
        for (int h = 0; h < GMAX; h++)
            a[h][0] = a[h][1] = _mm256_setzero_ps();
        for (int i = 0; i < D; i += 8) {
            const __m256 x0 = _mm256_loadu_ps(k0 + i), x1 = _mm256_loadu_ps(k1 + i);
#pragma GCC unroll 4
            for (int h = 0; h < GMAX; h++)
                if (h < g) {
                    const __m256 qv = _mm256_loadu_ps(q + (size_t)h * D + i);
                    a[h][0] = _mm256_fmadd_ps(qv, x0, a[h][0]);
                    a[h][1] = _mm256_fmadd_ps(qv, x1, a[h][1]);
                }
        }
        for (int h = 0; h < g; h++)
            for (int c = 0; c < 1 + two; c++) {
                float *at = att + (size_t)h * nt + t + c;
                *at = hsum8_ggml(a[h][c]) * kq_scale;
                mx[h] = *at > mx[h] ? *at : mx[h];
            }
        slot = s1 + 1 == cap ? 0 : s1 + 1;
    }
}

/* dims [off, off + 8·nv) of g heads (nv <= 4): lane by lane as vp_lane, all heads at once */
T_AVX512VL static void vp_group(const llm_layer *L, const float *att, float *o, const vp_starts *st, int nt, int KD,
                                int off, int D, int g, const int nv)
{
    __m256 acc[8][GMAX][4];
    for (int l = 0; l < 8; l++) {
        __m256 r[GMAX][4];
#pragma GCC unroll 4
        for (int h = 0; h < GMAX; h++)
#pragma GCC unroll 4
            for (int j = 0; j < 4; j++)
                r[h][j] = _mm256_setzero_ps();
        int slot = st->slot[l];
        for (int c = st->first[l]; c < nt; c += 8) {
            const float *v = L->vc + (size_t)slot * KD + off;
            __m256 vv[4];
#pragma GCC unroll 4
            for (int j = 0; j < 4; j++)
                if (j < nv)
                    vv[j] = _mm256_loadu_ps(v + 8 * j);
#pragma GCC unroll 4
            for (int h = 0; h < GMAX; h++)
                if (h < g) {
                    const __m256 p = _mm256_set1_ps(att[(size_t)h * nt + c]);
#pragma GCC unroll 4
                    for (int j = 0; j < 4; j++)
                        if (j < nv)
                            r[h][j] = _mm256_fmadd_ps(vv[j], p, r[h][j]);
                }
            for (slot += 8; slot >= L->kv_cap;)
                slot -= L->kv_cap;
        }
#pragma GCC unroll 4
        for (int h = 0; h < GMAX; h++)
#pragma GCC unroll 4
            for (int j = 0; j < 4; j++)
                acc[l][h][j] = r[h][j];
    }
    for (int h = 0; h < g; h++)
        for (int j = 0; j < nv; j++) {
            const __m256 x = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(acc[0][h][j], acc[4][h][j]),
                                                         _mm256_add_ps(acc[2][h][j], acc[6][h][j])),
                                           _mm256_add_ps(_mm256_add_ps(acc[1][h][j], acc[5][h][j]),
                                                         _mm256_add_ps(acc[3][h][j], acc[7][h][j])));
            _mm256_storeu_ps(o + (size_t)h * D + 8 * j, x);
        }
}

T_AVX512VL void llm_attn_group_ggml_avx512(const llm_layer *L, const float *q, float *att, float *o, int t0, int nt,
                                           int KD, int kh, int D, int g, float kq_scale)
{
    float mx[GMAX];
    const int slot0 = t0 % L->kv_cap;
    qk_group(L, q, att, nt, slot0, KD, kh, D, g, kq_scale, mx);
    for (int h = 0; h < g; h++)
        softmax_ggml_avx2(att + (size_t)h * nt, t0, nt, mx[h]);
    vp_starts st;
    vp_starts_make(&st, t0, slot0, 8, L->kv_cap);
    int i = 0;
    for (; i + 32 <= D; i += 32)
        vp_group(L, att, o + i, &st, nt, KD, kh * D + i, D, g, 4);
    for (; i < D; i += 8)
        vp_group(L, att, o + i, &st, nt, KD, kh * D + i, D, g, 1);
}

/* llm_rope_apply_cs with the FMA compiled in (the portable form's fmaf is a libm call): the
 * same two roundings per output. NEOX pairs (i, i + half) 8 at a time, the (cos, sin) table
 * de-interleaved; other layouts one pair at a time. */
T_AVX2 void llm_rope_apply_cs_avx2(float *v, const llm_rope *r, const float *cs)
{
    const int half = r->n_rot / 2;
    int i = 0;
    if (r->mode != LLM_ROPE_NORM) {
        const __m256i even = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
        for (; i + 8 <= half; i += 8) {
            /* cs[2i..2i+15] = c0 s0 c1 s1 ...: each half to (c c c c s s s s), then joined */
            const __m256 lo = _mm256_permutevar8x32_ps(_mm256_loadu_ps(cs + 2 * i), even);
            const __m256 hi = _mm256_permutevar8x32_ps(_mm256_loadu_ps(cs + 2 * i + 8), even);
            const __m256 c = _mm256_permute2f128_ps(lo, hi, 0x20), sn = _mm256_permute2f128_ps(lo, hi, 0x31);
            const __m256 x0 = _mm256_loadu_ps(v + i), x1 = _mm256_loadu_ps(v + i + half);
            _mm256_storeu_ps(v + i, _mm256_fmsub_ps(x0, c, _mm256_mul_ps(x1, sn)));
            _mm256_storeu_ps(v + i + half, _mm256_fmadd_ps(x0, sn, _mm256_mul_ps(x1, c)));
        }
    }
    const int off = r->mode == LLM_ROPE_NORM ? 1 : half;
    const int step = r->mode == LLM_ROPE_NORM ? 2 : 1;
    for (; i < half; i++) {
        const float c = cs[2 * i], sn = cs[2 * i + 1];
        float *a = v + i * step;
        const float x0 = a[0], x1 = a[off];
        a[0] = fmaf(x0, c, -(x1 * sn));
        a[off] = fmaf(x0, sn, x1 * c);
    }
}

/* ---- element-wise ------------------------------------------------------------------------ */

T_AVX2 void llm_round_fp16_n_avx2(float *v, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(v + i, round_f16x8(_mm256_loadu_ps(v + i)));
    for (; i < n; i++)
        v[i] = llm_round_fp16(v[i]);
}

/* llm_geglu_ggml on 8 lanes: the f16 table looked up by a gather (the table has one entry
 * of padding, so the 32-bit load of the last entry stays inside it) */
T_AVX2 void llm_geglu_ggml_n_avx2(float *o, const float *g, const float *u, size_t n, const uint16_t *table)
{
    size_t i = 0;
    const __m256 lo = _mm256_set1_ps(-10.0f), hi = _mm256_set1_ps(10.0f);
    for (; i + 8 <= n; i += 8) {
        const __m256 x = _mm256_loadu_ps(g + i), y = _mm256_loadu_ps(u + i);
        const __m256i h = _mm256_cvtepu16_epi32(_mm256_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
        __m256i t = _mm256_i32gather_epi32((const int *)(const void *)table, h, 2);
        t = _mm256_and_si256(t, _mm256_set1_epi32(0xFFFF));
        const __m128i t16 = _mm_packus_epi32(_mm256_castsi256_si128(t), _mm256_extracti128_si256(t, 1));
        __m256 r = _mm256_mul_ps(_mm256_cvtph_ps(t16), y);
        r = _mm256_blendv_ps(r, _mm256_mul_ps(x, y), _mm256_cmp_ps(x, hi, _CMP_GE_OQ));
        r = _mm256_andnot_ps(_mm256_cmp_ps(x, lo, _CMP_LE_OQ), r);
        _mm256_storeu_ps(o + i, r);
    }
    for (; i < n; i++)
        o[i] = llm_geglu_ggml(g[i], u[i]);
}

#endif
