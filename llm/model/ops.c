/* ops.c — the per-element and per-head operations of the forward pass, in two numerics:
 * exact (float, libm) and llama.cpp's x86 CPU backend reproduced operation by operation
 * (docs/llm.md, "Numerics"): RMSNorm, RoPE (NORM / NEOX / M-RoPE), GELU(tanh) and SiLU
 * gates, and one head of attention over the KV cache.
 */
#include "llm/model/ops.h"
#include "llm/model/ops_hd.h"

#include <math.h>
#include <string.h>

/* ---- GELU (tanh form) ------------------------------------------------------------------ */

float llm_gelu_f32(float x) { return llm_hd_gelu(x); } /* ops_hd.h, shared with the GPU */

/* llama.cpp mode: ggml's CPU GeGLU (GGML_GELU_FP16, on by default in ggml-cpu/vec.h): the
 * gate is rounded to f16 and looked up in a 65 536-entry table of f16(gelu_f32(h)); gates
 * <= -10 give 0 and gates >= 10 pass through unchanged. Checked bit for bit against
 * llama.cpp's ffn_geglu outputs on the default model. Exact mode uses gelu_f32. */
/* ggml_gelu_f32 as GCC compiles it in llama.cpp (-ffp-contract=fast, FMA): the inner
 * 1 + a·x·x becomes fma(a·x, x, 1). Matches llama.cpp's GeGLU outputs bit for bit. */
static float gelu_ggml_f32(float x)
{
    const float c = 0.797884560802865355f, a = 0.044715f;
    return 0.5f * x * (1.0f + tanhf(c * x * fmaf(a * x, x, 1.0f)));
}

static uint16_t g_gelu_f16[(1 << 16) + 1]; /* + 1: padding for a 32-bit gather of the last */
static int g_gelu_ready;

void llm_gelu_table_init(void)
{
    if (g_gelu_ready)
        return;
    for (int i = 0; i < 1 << 16; i++)
        g_gelu_f16[i] = llm_fp32_to_fp16(gelu_ggml_f32(llm_fp16_to_fp32((uint16_t)i)));
    g_gelu_ready = 1;
}

float llm_geglu_ggml(float x, float g)
{
    if (x <= -10.0f)
        return 0.0f;
    if (x >= 10.0f)
        return x * g;
    return llm_fp16_to_fp32(g_gelu_f16[llm_fp32_to_fp16(x)]) * g;
}


void llm_geglu_ggml_n(float *o, const float *g, const float *u, size_t n)
{
#if defined(__x86_64__) && defined(__GNUC__)
    if (llm_quant_isa() >= LLM_ISA_AVX2) {
        llm_geglu_ggml_n_avx2(o, g, u, n, g_gelu_f16);
        return;
    }
#endif
    for (size_t i = 0; i < n; i++)
        o[i] = llm_geglu_ggml(g[i], u[i]);
}

void llm_round_fp16_n(float *v, size_t n)
{
#if defined(__x86_64__) && defined(__GNUC__)
    if (llm_quant_isa() >= LLM_ISA_AVX2) {
        llm_round_fp16_n_avx2(v, n);
        return;
    }
#endif
    for (size_t i = 0; i < n; i++)
        v[i] = llm_round_fp16(v[i]);
}

/* ggml rms_norm: the sum of squares in double, the scale in float (ops_hd.h, shared with
 * the GPU). */
void llm_rmsnorm(float *o, const float *x, const float *w, int n, float eps) { llm_hd_rmsnorm(o, x, w, n, eps); }

/* llm_rmsnorm of `rows` consecutive rows (stride n), four at a time: each row's double sum
 * is still one chain in element order (so the same bits), but four chains run side by side
 * instead of one latency-bound chain after another. o may be x. */
void llm_rmsnorm_rows(float *o, const float *x, const float *w, int n, float eps, int rows)
{
    int r = 0;
    for (; r + 4 <= rows; r += 4) {
        const float *x0 = x + (size_t)r * n, *x1 = x0 + n, *x2 = x1 + n, *x3 = x2 + n;
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (int i = 0; i < n; i++) {
            s0 += (double)(x0[i] * x0[i]);
            s1 += (double)(x1[i] * x1[i]);
            s2 += (double)(x2[i] * x2[i]);
            s3 += (double)(x3[i] * x3[i]);
        }
        const double s[4] = {s0, s1, s2, s3};
        for (int k = 0; k < 4; k++) {
            const float scale = llm_hd_rms_scale(s[k], n, eps);
            const float *xr = x + (size_t)(r + k) * n;
            float *orow = o + (size_t)(r + k) * n;
            for (int i = 0; i < n; i++)
                orow[i] = (xr[i] * scale) * w[i];
        }
    }
    for (; r < rows; r++)
        llm_rmsnorm(o + (size_t)r * n, x + (size_t)r * n, w, n, eps);
}

/* NEOX rotation of pairs (i, i + d/2). */
/* ---- llama.cpp-compatible attention pieces (ggml-cpu, x86 AVX2 + FMA) -------------------
 * The f16 matrix products of attention (K·q and V·softmax) go through llamafile's tinyBLAS:
 * one 8-lane accumulator per output (element i to lane i % 8, fused multiply-add), reduced
 * as ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7)). Checked bit for bit against
 * llama.cpp's kq and kqv on the default model. */
static inline float reduce8_ggml(const float *a)
{
    return ((a[0] + a[4]) + (a[2] + a[6])) + ((a[1] + a[5]) + (a[3] + a[7]));
}

/* A batch of one token (ne11 = 1) does not take tinyBLAS but ggml_vec_dot_f16: 4
 * accumulators of 8 lanes (element i to lane i % 32), reduced (A0 + A2) + (A1 + A3), then
 * lanes k + (k + 4), then pairwise. Checked against llama.cpp's kq / kqv of a decode step. */
static inline float reduce32_ggml(float *acc)
{
    for (int k = 0; k < 8; k++) {
        acc[k] += acc[16 + k];
        acc[8 + k] += acc[24 + k];
    }
    for (int k = 0; k < 8; k++)
        acc[k] += acc[8 + k];
    const float t0 = acc[0] + acc[4], t1 = acc[1] + acc[5], t2 = acc[2] + acc[6], t3 = acc[3] + acc[7];
    return (t0 + t1) + (t2 + t3);
}

/* lanes = 8 (tinyBLAS) or 32 (vec_dot_f16) */
static float dot_f16_ggml(const float *a, const float *b, int n, int lanes)
{
    float acc[32] = {0};
    const int mask = lanes - 1;
    for (int i = 0; i < n; i++)
        acc[i & mask] = fmaf(a[i], b[i], acc[i & mask]);
    return lanes == 8 ? reduce8_ggml(acc) : reduce32_ggml(acc);
}

/* ggml_v_expf (AVX2 + FMA), one lane: exp via 2^n · poly(b), max error ~1.5 ulp. */
float llm_expf_ggml(float x)
{
    const float r = 0x1.8p23f;
    const float z = fmaf(x, 0x1.715476p+0f, r);
    const float n = z - r;
    const float b = fmaf(-n, 0x1.7f7d1cp-20f, fmaf(-n, 0x1.62e4p-1f, x));
    uint32_t zb, one_b;
    float one = 1.0f;
    memcpy(&zb, &z, 4);
    memcpy(&one_b, &one, 4);
    const uint32_t e = zb << 23;
    const uint32_t kb = e + one_b;
    float k;
    memcpy(&k, &kb, 4);
    const float u = b * b;
    const float j = fmaf(fmaf(fmaf(0x1.0e4020p-7f, b, 0x1.573e2ep-5f), u, fmaf(0x1.555e66p-3f, b, 0x1.fffdb6p-2f)),
                         u, 0x1.ffffecp-1f * b);
    if (!(fabsf(n) > 126))
        return fmaf(j, k, k);
    const uint32_t g = n <= 0 ? 0x82000000u : 0;
    const uint32_t s1b = g + 0x7f000000u, s2b = e - g;
    float s1, s2;
    memcpy(&s1, &s1b, 4);
    memcpy(&s2, &s2b, 4);
    if (fabsf(n) > 192)
        return s1 * s1;
    return fmaf(s2, j, s2) * s1;
}

/* One head of attention in llama.cpp's order (no flash attention): kq = f16 dots, softmax
 * with ggml_v_expf summed in blocks of 8 cells (cell = position), weights rounded to f16,
 * then for each output dim an f16 dot over the cells. The portable form; attn_x86.c has the
 * same computation with AVX2/AVX-512 (same bits), picked by llm_attn_head_ggml below. */
static void attn_head_scalar(const llm_layer *L, const float *qh, float *att, float *o, int t0, int nt,
                             int KD, int kh, int D, int lanes, float kq_scale)
{
    float mx = -INFINITY;
    for (int t = 0; t < nt; t++) {
        const float *kk = L->kc + (size_t)((t0 + t) % L->kv_cap) * KD + kh * D;
        /* ggml_soft_max_ext multiplies by its scale before the max (1 when q was pre-scaled) */
        att[t] = dot_f16_ggml(qh, kk, D, lanes) * kq_scale;
        mx = att[t] > mx ? att[t] : mx;
    }
    double sum = 0;
    float blk[8] = {0};
    for (int t = 0; t < nt; t++) {
        const int c = t0 + t;
        att[t] = llm_expf_ggml(att[t] - mx);
        blk[c & 7] = att[t];
        if ((c & 7) == 7 || t == nt - 1) {
            sum += (double)(((blk[0] + blk[4]) + (blk[2] + blk[6])) +
                            ((blk[1] + blk[5]) + (blk[3] + blk[7])));
            memset(blk, 0, sizeof blk);
        }
    }
    const float inv = (float)(1.0 / sum);
    for (int t = 0; t < nt; t++)
        att[t] = llm_round_fp16(att[t] * inv);
    float acc[32];
    const int lm = lanes - 1;
    for (int i = 0; i < D; i++) {
        memset(acc, 0, sizeof acc);
        for (int t = 0; t < nt; t++) {
            const int c = t0 + t;
            const float vv = L->vc[(size_t)(c % L->kv_cap) * KD + kh * D + i];
            acc[c & lm] = fmaf(vv, att[t], acc[c & lm]);
        }
        o[i] = lanes == 8 ? reduce8_ggml(acc) : reduce32_ggml(acc);
    }
}

void llm_attn_head_ggml_isa(int isa, const llm_layer *L, const float *qh, float *att, float *o, int t0,
                            int nt, int KD, int kh, int D, int lanes, float kq_scale)
{
#if defined(__x86_64__) && defined(__GNUC__)
    if (isa >= LLM_ISA_AVX2) {
        llm_attn_head_ggml_avx2(L, qh, att, o, t0, nt, KD, kh, D, lanes, kq_scale);
        return;
    }
#else
    (void)isa;
#endif
    attn_head_scalar(L, qh, att, o, t0, nt, KD, kh, D, lanes, kq_scale);
}

void llm_attn_head_ggml(const llm_layer *L, const float *qh, float *att, float *o, int t0, int nt,
                        int KD, int kh, int D, int lanes, float kq_scale)
{
    llm_attn_head_ggml_isa(llm_quant_isa(), L, qh, att, o, t0, nt, KD, kh, D, lanes, kq_scale);
}

void llm_attn_group_ggml_isa(int isa, const llm_layer *L, const float *q, float *att, float *o, int t0, int nt,
                             int KD, int kh, int D, int g, int lanes, float kq_scale)
{
#if defined(__x86_64__) && defined(__GNUC__)
    if (isa >= LLM_ISA_AVX512 && lanes == 8 && D % 8 == 0 && g >= 1 && g <= LLM_ATTN_GROUP_MAX) {
        llm_attn_group_ggml_avx512(L, q, att, o, t0, nt, KD, kh, D, g, kq_scale);
        return;
    }
#endif
    for (int h = 0; h < g; h++)
        llm_attn_head_ggml_isa(isa, L, q + (size_t)h * D, att, o + (size_t)h * D, t0, nt, KD, kh, D, lanes, kq_scale);
}

void llm_attn_group_ggml(const llm_layer *L, const float *q, float *att, float *o, int t0, int nt, int KD, int kh,
                         int D, int g, int lanes, float kq_scale)
{
    llm_attn_group_ggml_isa(llm_quant_isa(), L, q, att, o, t0, nt, KD, kh, D, g, lanes, kq_scale);
}

/* ---- SiLU gate -------------------------------------------------------------------------- */

/* ggml_v_silu: x / (1 + ggml_v_expf(-x)) */
float llm_silu_ggml(float x) { return x / (1.0f + llm_expf_ggml(-x)); }
float llm_silu_f32(float x) { return llm_hd_silu(x); }

/* ---- RoPE ------------------------------------------------------------------------------- */

/* ggml (ggml-cpu ops.cpp, rope_f32 / ggml_mrope_cache_init / rotate_pairs):
 * theta_scale = base^(-2/n_rot) in float, θ_i = p·theta_scale^i multiplied up pair by pair,
 * θ'_i = freq_scale · θ_i / ff_i, (cos θ', sin θ') · mscale; the pair (x0, x1) is
 * (v[2i], v[2i+1]) for NORM and (v[i], v[i + n_rot/2]) for NEOX and M-RoPE. M-RoPE with text
 * positions (p, p, p, 0): pair i is in sector i mod (s0+s1+s2+s3); sectors past s0+s1+s2 take
 * the 4th position, 0, i.e. θ = 0. Dims past n_rot are left as they are. */
void llm_rope_apply(float *v, const llm_rope *r, int pos, int exact)
{
    if (exact) { /* ops_hd.h, shared with the GPU */
        llm_hd_rope(v, r->mode == LLM_ROPE_NORM, r->n_rot, r->base, r->freq_scale, r->mscale, r->ff,
                    r->mode == LLM_ROPE_MROPE ? r->sec : NULL, pos);
        return;
    }
    float cs[2 * LLM_ROPE_CS_MAX];
    llm_rope_cs(r, pos, cs);
    llm_rope_apply_cs(v, r, cs);
}

/* The llama.cpp-order rotation's (cos, sin) per pair for one position: the same for every
 * head of a token, so a batch computes them once per token and layer (sinf/cosf were most
 * of the rotation's time, once per head) */
void llm_rope_cs(const llm_rope *r, int pos, float *cs)
{
    const int half = r->n_rot / 2;
    int sec_sum = 0, sec_e = 0;
    if (r->mode == LLM_ROPE_MROPE) {
        sec_sum = r->sec[0] + r->sec[1] + r->sec[2] + r->sec[3];
        sec_e = r->sec[0] + r->sec[1] + r->sec[2];
    }
    const float theta_scale = powf(r->base, -2.0f / (float)r->n_rot);
    float theta = (float)pos;
    for (int i = 0; i < half; i++) {
        float th = theta;
        if (sec_sum > 0 && i % sec_sum >= sec_e)
            th = 0;
        if (r->ff)
            th = th / r->ff[i];
        th = r->freq_scale * th;
        float c = cosf(th), s = sinf(th);
        if (r->mscale != 1.0f) {
            c *= r->mscale;
            s *= r->mscale;
        }
        cs[2 * i] = c;
        cs[2 * i + 1] = s;
        theta *= theta_scale;
    }
}

void llm_rope_apply_cs(float *v, const llm_rope *r, const float *cs)
{
#if defined(__x86_64__) && defined(__GNUC__)
    if (llm_quant_isa() >= LLM_ISA_AVX2) {
        llm_rope_apply_cs_avx2(v, r, cs);
        return;
    }
#endif
    const int half = r->n_rot / 2;
    const int off = r->mode == LLM_ROPE_NORM ? 1 : half;
    const int step = r->mode == LLM_ROPE_NORM ? 2 : 1;
    for (int i = 0; i < half; i++) {
        const float c = cs[2 * i], s = cs[2 * i + 1];
        float *a = v + i * step;
        const float x0 = a[0], x1 = a[off];
        /* ggml's rotate_pairs as GCC contracts it (-ffp-contract=fast, FMA): checked bit for
         * bit against llama.cpp's roped K */
        a[0] = fmaf(x0, c, -(x1 * s));
        a[off] = fmaf(x0, s, x1 * c);
    }
}
