/* ops_hd.h — the exact (float, libm) forms of the forward pass's element-wise operations,
 * written once for the CPU (llm/model/ops.c calls them in LLM_NUMERICS_EXACT) and the CUDA
 * kernels (llm/gpu/gpu_ops.cu):
 *   RMSNorm   o = x · (1 / √(mean(x²) + eps)) · w, the sum of squares in double
 *   RoPE      θ_i = p · base^(−2i/n_rot) (0 in M-RoPE's 4th section), θ / ff_i · freq_scale,
 *             (x0, x1) → (x0 c − x1 s, x0 s + x1 c) with (c, s) = (cos θ, sin θ) · mscale, in
 *             double; pairs (2i, 2i+1) NORM, (i, i + n_rot/2) NEOX / M-RoPE
 *   GELU      0.5 x (1 + tanh(√(2/π) x (1 + 0.044715 x²)))      SiLU  x / (1 + e^−x)
 *   softcap   c · tanh(l / c)
 *   softmax   e_t = exp(s_t − max s), weights e_t · (1 / Σ e) with the sum in double
 * The llama.cpp-order forms (ggml's f16 tables, ggml_v_expf, FMA contractions) stay in ops.c:
 * the GPU runs the exact forms only. The device's libm (expf, tanhf, pow, cos, sin) is not
 * the host's to the last bit, and the GPU sums in another order, so GPU results agree with
 * these to rounding, not bit for bit (tests/gpu_llm.c states the tolerance).
 */
#ifndef SO8T_LLM_MODEL_OPS_HD_H
#define SO8T_LLM_MODEL_OPS_HD_H

#include "base/config.h"

#include <math.h>

/* 1 / √(mean + eps) from the double sum of the squares (x·x in float, then widened) */
SO8T_HD float llm_hd_rms_scale(double sumsq, int n, float eps)
{
    const float mean = (float)(sumsq / n);
    return 1.0f / sqrtf(mean + eps);
}

/* RMSNorm of n elements, serially (o may be x) */
SO8T_HD void llm_hd_rmsnorm(float *o, const float *x, const float *w, int n, float eps)
{
    double s = 0;
    for (int i = 0; i < n; i++)
        s += (double)(x[i] * x[i]);
    const float scale = llm_hd_rms_scale(s, n, eps);
    for (int i = 0; i < n; i++)
        o[i] = (x[i] * scale) * w[i];
}

SO8T_HD float llm_hd_gelu(float x)
{
    const float c = 0.797884560802865355f; /* sqrt(2/pi) */
    return 0.5f * x * (1.0f + tanhf(c * x * (1.0f + 0.044715f * x * x)));
}

SO8T_HD float llm_hd_silu(float x) { return x / (1.0f + expf(-x)); }

/* the FFN gate: act(g) · u with act SiLU (silu != 0) or GELU(tanh) */
SO8T_HD float llm_hd_gate(float g, float u, int silu) { return (silu ? llm_hd_silu(g) : llm_hd_gelu(g)) * u; }

SO8T_HD float llm_hd_softcap(float l, float c) { return c * tanhf(l / c); }

/* RoPE: the angle of pair i at position pos. sec_sum / sec_e: M-RoPE's section total and
 * the end of its 3rd section (0 / 0 otherwise); ff: n_rot/2 frequency factors or NULL. */
SO8T_HD double llm_hd_rope_theta(int pos, float base, int n_rot, int i, int sec_sum, int sec_e,
                                 const float *ff, float freq_scale)
{
    double th = (double)pos * pow((double)base, -2.0 * i / n_rot);
    if (sec_sum > 0 && i % sec_sum >= sec_e)
        th = 0;
    return th / (ff ? (double)ff[i] : 1.0) * freq_scale;
}

/* rotates the pair (a[0], a[off]) by th, cos and sin scaled by mscale */
SO8T_HD void llm_hd_rope_rotate(float *a, int off, double th, float mscale)
{
    const double c = cos(th) * mscale, s = sin(th) * mscale;
    const double x0 = a[0], x1 = a[off];
    a[0] = (float)(x0 * c - x1 * s);
    a[off] = (float)(x0 * s + x1 * c);
}

/* pair i of a head vector: its first element and the partner's offset */
SO8T_HD int llm_hd_rope_first(int norm_pairs, int i) { return norm_pairs ? 2 * i : i; }
SO8T_HD int llm_hd_rope_off(int norm_pairs, int n_rot) { return norm_pairs ? 1 : n_rot / 2; }

/* RoPE of one head vector v (dims past n_rot untouched). sec: 4 M-RoPE sections or NULL. */
SO8T_HD void llm_hd_rope(float *v, int norm_pairs, int n_rot, float base, float freq_scale, float mscale,
                         const float *ff, const int *sec, int pos)
{
    const int sec_sum = sec ? sec[0] + sec[1] + sec[2] + sec[3] : 0;
    const int sec_e = sec ? sec[0] + sec[1] + sec[2] : 0;
    const int off = llm_hd_rope_off(norm_pairs, n_rot);
    for (int i = 0; i < n_rot / 2; i++)
        llm_hd_rope_rotate(v + llm_hd_rope_first(norm_pairs, i), off,
                           llm_hd_rope_theta(pos, base, n_rot, i, sec_sum, sec_e, ff, freq_scale), mscale);
}

/* One head of exact attention over nt cache slots (the ring slot of position t0 + t is
 * (t0 + t) % kv_cap): s_t = (q·k_t) · kq_scale, softmax, o = Σ w_t v_t. kc / vc: the layer's
 * cache (kv_cap × KD floats), kh: the kv head; att: nt floats of scratch; o: D outputs. The
 * same operations as the exact branch of llm_forward_batch (forward.c). */
SO8T_HD void llm_hd_attn_head(const float *qh, const float *kc, const float *vc, int kv_cap, int KD, int kh,
                              int D, int t0, int nt, float kq_scale, float *att, float *o)
{
    float mx = -INFINITY;
    for (int t = 0; t < nt; t++) {
        const float *kk = kc + (size_t)((t0 + t) % kv_cap) * KD + kh * D;
        float sdot = 0;
        for (int i = 0; i < D; i++)
            sdot += qh[i] * kk[i];
        att[t] = sdot * kq_scale;
        mx = att[t] > mx ? att[t] : mx;
    }
    double sum = 0;
    for (int t = 0; t < nt; t++) {
        const float e = expf(att[t] - mx);
        att[t] = e;
        sum += e;
    }
    const float inv = (float)(1.0 / sum);
    for (int i = 0; i < D; i++)
        o[i] = 0;
    for (int t = 0; t < nt; t++) {
        const float a = att[t] * inv;
        const float *vv = vc + (size_t)((t0 + t) % kv_cap) * KD + kh * D;
        for (int i = 0; i < D; i++)
            o[i] += a * vv[i];
    }
}

/* The first cache position token pos attends to: the sliding window (swa layers) and the
 * ring's capacity bound it (forward.c). */
SO8T_HD int llm_hd_attn_t0(int pos, int swa, int n_swa, int kv_cap)
{
    int t0 = 0;
    if (swa && pos - n_swa + 1 > 0)
        t0 = pos - n_swa + 1;
    if (pos - t0 + 1 > kv_cap)
        t0 = pos - kv_cap + 1;
    return t0;
}

#endif /* SO8T_LLM_MODEL_OPS_HD_H */
