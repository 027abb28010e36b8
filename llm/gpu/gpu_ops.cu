/* gpu_ops.cu — the element-wise and per-head steps of a layer on the device, each the exact
 * form of llm/model/ops_hd.h (shared with the CPU's ops.c): RMSNorm (sum of squares in
 * double), QK-norm + RoPE (+ the Q pre-scale), the KV cache store (ring slot pos % kv_cap),
 * attention over the cache (causal, sliding window; softmax sum in double), the SiLU / GELU
 * gate, residual adds and the logit softcap. Parallel reductions use a fixed tree, so a run
 * is deterministic; only their order differs from the CPU's serial loops. */
#include "llm/gpu/gpu_int.cuh"
#include "llm/model/ops_hd.h"

#define OPS_THREADS 256

/* block-wide sums and max over OPS_THREADS threads (fixed tree) */
__device__ static double blk_sum_d(double v, double *sh)
{
    sh[threadIdx.x] = v;
    __syncthreads();
    for (int s = OPS_THREADS / 2; s > 0; s >>= 1) {
        if ((int)threadIdx.x < s)
            sh[threadIdx.x] += sh[threadIdx.x + s];
        __syncthreads();
    }
    const double r = sh[0];
    __syncthreads();
    return r;
}

__device__ static float blk_max_f(float v, float *sh)
{
    sh[threadIdx.x] = v;
    __syncthreads();
    for (int s = OPS_THREADS / 2; s > 0; s >>= 1) {
        if ((int)threadIdx.x < s)
            sh[threadIdx.x] = fmaxf(sh[threadIdx.x], sh[threadIdx.x + s]);
        __syncthreads();
    }
    const float r = sh[0];
    __syncthreads();
    return r;
}

/* RMSNorm scale of the n floats at x (every thread gets it) */
__device__ static float blk_rms_scale(const float *x, int n, float eps, double *sh)
{
    double s = 0;
    for (int i = threadIdx.x; i < n; i += OPS_THREADS)
        s += (double)(x[i] * x[i]);
    return llm_hd_rms_scale(blk_sum_d(s, sh), n, eps);
}

__global__ void k_rmsnorm(float *o, const float *x, const float *w, int n, float eps, int add)
{
    __shared__ double sh[OPS_THREADS];
    const float *xr = x + (size_t)blockIdx.x * n;
    float *orow = o + (size_t)blockIdx.x * n;
    const float scale = blk_rms_scale(xr, n, eps, sh);
    for (int i = threadIdx.x; i < n; i += OPS_THREADS) {
        const float v = (xr[i] * scale) * w[i];
        orow[i] = add ? orow[i] + v : v;
    }
}

int gpu_rmsnorm(float *o, const float *x, const float *w, int rows, int n, float eps, int add, int il,
                char *err, size_t errlen)
{
    if (rows <= 0)
        return LLM_OK;
    k_rmsnorm<<<rows, OPS_THREADS>>>(o, x, w, n, eps, add);
    GPU_LAUNCHED("rmsnorm", il);
    return LLM_OK;
}

__global__ void k_add(float *o, const float *y, int64_t n)
{
    const int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n)
        o[i] += y[i];
}

int gpu_add(float *o, const float *y, int rows, int n, int il, char *err, size_t errlen)
{
    const int64_t tot = (int64_t)rows * n;
    if (tot <= 0)
        return LLM_OK;
    k_add<<<(unsigned)((tot + OPS_THREADS - 1) / OPS_THREADS), OPS_THREADS>>>(o, y, tot);
    GPU_LAUNCHED("add", il);
    return LLM_OK;
}

/* one block per (token, head) row of D: QK-norm, RoPE, pre-scale, as forward.c's per-token
 * loop in exact numerics */
__global__ void k_qk(float *v, int nh, int D, const float *w, float eps, gpu_rope r, int pos0, int prescale,
                     float scale)
{
    __shared__ double sh[OPS_THREADS];
    const int b = blockIdx.x / nh;
    float *h = v + (size_t)blockIdx.x * D;
    if (w) {
        const float sc = blk_rms_scale(h, D, eps, sh);
        for (int i = threadIdx.x; i < D; i += OPS_THREADS)
            h[i] = (h[i] * sc) * w[i];
        __syncthreads();
    }
    const int off = llm_hd_rope_off(r.norm_pairs, r.n_rot);
    for (int i = threadIdx.x; i < r.n_rot / 2; i += OPS_THREADS)
        llm_hd_rope_rotate(h + llm_hd_rope_first(r.norm_pairs, i), off,
                           llm_hd_rope_theta(pos0 + b, r.base, r.n_rot, i, r.sec_sum, r.sec_e, r.ff,
                                             r.freq_scale),
                           r.mscale);
    if (prescale) {
        __syncthreads();
        for (int i = threadIdx.x; i < D; i += OPS_THREADS)
            h[i] *= scale;
    }
}

int gpu_qk(float *v, int nb, int nh, int D, const float *w, float eps, const gpu_rope *r, int pos0,
           int prescale, float scale, int il, char *err, size_t errlen)
{
    k_qk<<<nb * nh, OPS_THREADS>>>(v, nh, D, w, eps, *r, pos0, prescale, scale);
    GPU_LAUNCHED("qk_norm_rope", il);
    return LLM_OK;
}

__global__ void k_kv_store(float *kc, float *vc, const float *k, const float *v, int KD, int kv_cap, int pos0)
{
    const int b = blockIdx.x;
    const size_t slot = (size_t)((pos0 + b) % kv_cap);
    for (int i = threadIdx.x; i < KD; i += OPS_THREADS) {
        kc[slot * KD + i] = k[(size_t)b * KD + i];
        vc[slot * KD + i] = v[(size_t)b * KD + i];
    }
}

int gpu_kv_store(const gpu_layer *L, const float *k, const float *v, int nb, int KD, int pos0, int il,
                 char *err, size_t errlen)
{
    k_kv_store<<<nb, OPS_THREADS>>>(L->kc, L->vc, k, v, KD, L->kv_cap, pos0);
    GPU_LAUNCHED("kv_store", il);
    return LLM_OK;
}

/* One block per (token b, head h): the cache positions [t0, pos] (llm_hd_attn_t0), scores
 * q·k in the CPU's element order, max, exp, the sum in double, then each output dim summed
 * over the positions in order. att: this pair's att_stride floats. */
__global__ void k_attn(const float *kc, const float *vc, int kv_cap, int swa, int n_swa, const float *q,
                       float *o, float *att_all, int att_stride, int H, int grp, int D, int pos0,
                       float kq_scale)
{
    __shared__ double shd[OPS_THREADS];
    __shared__ float shf[OPS_THREADS];
    const int b = blockIdx.x / H, h = blockIdx.x % H, pos = pos0 + b, kh = h / grp;
    const int KD = D * (H / grp);
    const int t0 = llm_hd_attn_t0(pos, swa, n_swa, kv_cap), nt = pos - t0 + 1;
    const float *qh = q + ((size_t)b * H + h) * D;
    float *att = att_all + (size_t)blockIdx.x * att_stride;
    float mx = -INFINITY;
    for (int t = threadIdx.x; t < nt; t += OPS_THREADS) {
        const float *kk = kc + (size_t)((t0 + t) % kv_cap) * KD + (size_t)kh * D;
        float sdot = 0;
        for (int i = 0; i < D; i++)
            sdot += qh[i] * kk[i];
        att[t] = sdot * kq_scale;
        mx = fmaxf(mx, att[t]);
    }
    mx = blk_max_f(mx, shf);
    double s = 0;
    for (int t = threadIdx.x; t < nt; t += OPS_THREADS) {
        const float e = expf(att[t] - mx);
        att[t] = e;
        s += e;
    }
    const float inv = (float)(1.0 / blk_sum_d(s, shd)); /* its barriers publish att[] too */
    float *oh = o + ((size_t)b * H + h) * D;
    for (int i = threadIdx.x; i < D; i += OPS_THREADS) {
        float acc = 0;
        for (int t = 0; t < nt; t++)
            acc += (att[t] * inv) * vc[(size_t)((t0 + t) % kv_cap) * KD + (size_t)kh * D + i];
        oh[i] = acc;
    }
}

int gpu_attention(const gpu_layer *L, const float *q, float *o, float *att, int att_stride, int nb, int H,
                  int HK, int D, int pos0, int n_swa, float kq_scale, int il, char *err, size_t errlen)
{
    k_attn<<<nb * H, OPS_THREADS>>>(L->kc, L->vc, L->kv_cap, L->swa, n_swa, q, o, att, att_stride, H, H / HK,
                                     D, pos0, kq_scale);
    GPU_LAUNCHED("attention", il);
    return LLM_OK;
}

__global__ void k_gate(float *act, const float *g, const float *u, int64_t n, int silu)
{
    const int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n)
        act[i] = llm_hd_gate(g[i], u[i], silu);
}

int gpu_gate(float *act, const float *g, const float *u, int64_t n, int silu, int il, char *err,
             size_t errlen)
{
    if (n <= 0)
        return LLM_OK;
    k_gate<<<(unsigned)((n + OPS_THREADS - 1) / OPS_THREADS), OPS_THREADS>>>(act, g, u, n, silu);
    GPU_LAUNCHED("ffn_gate", il);
    return LLM_OK;
}

__global__ void k_softcap(float *l, int n, float c)
{
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n)
        l[i] = llm_hd_softcap(l[i], c);
}

int gpu_softcap(float *l, int n, float c, char *err, size_t errlen)
{
    if (n <= 0)
        return LLM_OK;
    k_softcap<<<(unsigned)((n + OPS_THREADS - 1) / OPS_THREADS), OPS_THREADS>>>(l, n, c);
    GPU_LAUNCHED("softcap", -1);
    return LLM_OK;
}
