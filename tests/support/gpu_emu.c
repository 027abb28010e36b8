/* gpu_emu.c — the host emulation of the GPU device table (gpu_emu.h). */
#include "tests/support/gpu_emu.h"

#include "llm/gpu/matmul_hd.h"
#include "llm/model/ops_hd.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static uint64_t g_free = (uint64_t)8 << 30, g_held;
static int g_fail_at = -1;

void gpu_emu_set_free(uint64_t bytes) { g_free = bytes; }
void gpu_emu_fail_alloc_at(int n) { g_fail_at = n; }
uint64_t gpu_emu_bytes_held(void) { return g_held; }

static int emu_probe(int dev, llm_gpu_status *st)
{
    if (dev != 0) {
        snprintf(st->note, sizeof st->note, "main_gpu %d: there are 1 CUDA device(s)", dev);
        return LLM_ERR_UNSUPPORTED;
    }
    snprintf(st->device_name, sizeof st->device_name, "host emulation");
    st->device = 0;
    st->device_free = g_free;
    st->device_total = g_free;
    return LLM_OK;
}

static double emu_bandwidth(int dev)
{
    (void)dev;
    return 0;
}

static int emu_set_device(int dev, char *err, size_t errlen)
{
    (void)dev;
    (void)err;
    (void)errlen;
    return LLM_OK;
}

/* a size header before each block, so that release can count */
static int emu_alloc(void **p, size_t bytes, const char *what, char *err, size_t errlen)
{
    *p = NULL;
    if (g_fail_at == 0) {
        g_fail_at = -1;
        llm_set_err(err, errlen, "cudaMalloc (%s, %.1f MiB): out of memory", what, (double)bytes / 1048576.0);
        return LLM_ERR_NOMEM;
    }
    if (g_fail_at > 0)
        g_fail_at--;
    uint64_t *b = malloc(bytes + 16);
    if (!b) {
        llm_set_err(err, errlen, "malloc (%s)", what);
        return LLM_ERR_NOMEM;
    }
    b[0] = bytes;
    g_held += bytes;
    *p = b + 2;
    return LLM_OK;
}

static void emu_release(void *p)
{
    if (!p)
        return;
    uint64_t *b = (uint64_t *)p - 2;
    g_held -= b[0];
    free(b);
}

static int emu_copy(void *dst, const void *src, size_t bytes, const char *what, char *err, size_t errlen)
{
    (void)what;
    (void)err;
    (void)errlen;
    memcpy(dst, src, bytes);
    return LLM_OK;
}

static int emu_zero(void *dst, size_t bytes, const char *what, char *err, size_t errlen)
{
    (void)what;
    (void)err;
    (void)errlen;
    memset(dst, 0, bytes);
    return LLM_OK;
}

static int emu_sync(const char *what, char *err, size_t errlen)
{
    (void)what;
    (void)err;
    (void)errlen;
    return LLM_OK;
}

static int emu_supports(int type) { return llm_hd_block_elems(type) != 0; }

/* one warp per row: 32 lanes (matmul_hd.h), then s += shfl_xor(s, o), lane 0 */
void gpu_emu_mm_row(int type, const uint8_t *row, int ne0, const float *X, int nb, float *out)
{
    float acc[32][LLM_HD_MM_MAXB], s[32], t[32];
    for (int l = 0; l < 32; l++)
        llm_hd_mm_lane(type, row, ne0, X, nb, l, acc[l]);
    for (int b = 0; b < nb; b++) {
        for (int l = 0; l < 32; l++)
            s[l] = acc[l][b];
        for (int o = 16; o > 0; o >>= 1) {
            for (int l = 0; l < 32; l++)
                t[l] = s[l] + s[l ^ o];
            memcpy(s, t, sizeof s);
        }
        out[b] = s[0];
    }
}

static int emu_matmul(const gpu_mat *W, const float *X, float *Y, int nb, const float *bias, int il,
                      const char *name, char *err, size_t errlen)
{
    (void)il;
    (void)name;
    (void)err;
    (void)errlen;
    float y[LLM_HD_MM_MAXB];
    for (int b0 = 0; b0 < nb; b0 += LLM_HD_MM_MAXB) /* as gpu_matmul launches it */
        for (int64_t r = 0; r < W->ne1; r++) {
            const int n = nb - b0 < LLM_HD_MM_MAXB ? nb - b0 : LLM_HD_MM_MAXB;
            gpu_emu_mm_row(W->type, W->d + (size_t)r * W->row_bytes, (int)W->ne0, X + (size_t)b0 * W->ne0, n, y);
            for (int b = 0; b < n; b++)
                Y[(size_t)(b0 + b) * W->ne1 + r] = bias ? y[b] + bias[r] : y[b];
        }
    return LLM_OK;
}

static int emu_rmsnorm(float *o, const float *x, const float *w, int rows, int n, float eps, int add, int il,
                       char *err, size_t errlen)
{
    (void)il;
    (void)err;
    (void)errlen;
    for (int r = 0; r < rows; r++) {
        const float *xr = x + (size_t)r * n;
        float *orow = o + (size_t)r * n;
        double s = 0;
        for (int i = 0; i < n; i++)
            s += (double)(xr[i] * xr[i]);
        const float sc = llm_hd_rms_scale(s, n, eps);
        for (int i = 0; i < n; i++) {
            const float v = (xr[i] * sc) * w[i];
            orow[i] = add ? orow[i] + v : v;
        }
    }
    return LLM_OK;
}

static int emu_add(float *o, const float *y, int rows, int n, int il, char *err, size_t errlen)
{
    (void)il;
    (void)err;
    (void)errlen;
    for (size_t i = 0; i < (size_t)rows * n; i++)
        o[i] += y[i];
    return LLM_OK;
}

static int emu_qk(float *v, int nb, int nh, int D, const float *w, float eps, const gpu_rope *r, int pos0,
                  int prescale, float scale, int il, char *err, size_t errlen)
{
    (void)il;
    (void)err;
    (void)errlen;
    const int off = llm_hd_rope_off(r->norm_pairs, r->n_rot);
    for (int row = 0; row < nb * nh; row++) {
        float *h = v + (size_t)row * D;
        if (w)
            llm_hd_rmsnorm(h, h, w, D, eps);
        for (int i = 0; i < r->n_rot / 2; i++)
            llm_hd_rope_rotate(h + llm_hd_rope_first(r->norm_pairs, i), off,
                               llm_hd_rope_theta(pos0 + row / nh, r->base, r->n_rot, i, r->sec_sum, r->sec_e, r->ff,
                                                 r->freq_scale),
                               r->mscale);
        if (prescale)
            for (int i = 0; i < D; i++)
                h[i] *= scale;
    }
    return LLM_OK;
}

static int emu_kv_store(const gpu_layer *L, const float *k, const float *v, int nb, int KD, int pos0, int il,
                        char *err, size_t errlen)
{
    (void)il;
    (void)err;
    (void)errlen;
    for (int b = 0; b < nb; b++) {
        const size_t slot = (size_t)((pos0 + b) % L->kv_cap);
        memcpy(L->kc + slot * KD, k + (size_t)b * KD, (size_t)KD * sizeof(float));
        memcpy(L->vc + slot * KD, v + (size_t)b * KD, (size_t)KD * sizeof(float));
    }
    return LLM_OK;
}

static int emu_attention(const gpu_layer *L, const float *q, float *o, float *att, int att_stride, int nb, int H,
                         int HK, int D, int pos0, int n_swa, float kq_scale, int il, char *err, size_t errlen)
{
    (void)il;
    (void)err;
    (void)errlen;
    for (int bh = 0; bh < nb * H; bh++) {
        const int b = bh / H, h = bh % H, pos = pos0 + b;
        const int t0 = llm_hd_attn_t0(pos, L->swa, n_swa, L->kv_cap);
        llm_hd_attn_head(q + (size_t)bh * D, L->kc, L->vc, L->kv_cap, D * HK, h / (H / HK), D, t0, pos - t0 + 1,
                         kq_scale, att + (size_t)bh * att_stride, o + (size_t)bh * D);
    }
    return LLM_OK;
}

static int emu_gate(float *act, const float *g, const float *u, int64_t n, int silu, int il, char *err,
                    size_t errlen)
{
    (void)il;
    (void)err;
    (void)errlen;
    for (int64_t i = 0; i < n; i++)
        act[i] = llm_hd_gate(g[i], u[i], silu);
    return LLM_OK;
}

static int emu_softcap(float *l, int n, float c, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    for (int i = 0; i < n; i++)
        l[i] = llm_hd_softcap(l[i], c);
    return LLM_OK;
}

const llm_gpu_ops gpu_emu_ops = {
    emu_probe, emu_bandwidth, emu_set_device, emu_alloc, emu_release, emu_copy, emu_copy, emu_zero, emu_sync,
    emu_supports, emu_matmul, emu_rmsnorm, emu_add, emu_qk, emu_kv_store, emu_attention, emu_gate, emu_softcap,
};
