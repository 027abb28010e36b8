/* gpu.cu — the runner's CUDA backend (gpu.h): the device probe, the upload of the offloaded
 * layers (each weight matrix and vector copied once from the host's tensor, whether a view
 * of the mapping or the private copy), the KV cache and work buffers on the device, and the
 * release. Every CUDA call is checked; a failure names the call and what it was for
 * ("cudaMalloc (layer 3 K cache, 12.0 MiB): out of memory") and frees what was made. */
#include "llm/gpu/gpu_int.cuh"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern "C" int llm_gpu_backend_probe(int main_gpu, llm_gpu_status *st)
{
    int n = 0;
    cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess || n == 0) {
        snprintf(st->note, sizeof st->note, "no CUDA device (cudaGetDeviceCount: %s)",
                 e != cudaSuccess ? cudaGetErrorString(e) : "0 devices");
        return LLM_ERR_UNSUPPORTED;
    }
    if (main_gpu >= n) {
        snprintf(st->note, sizeof st->note, "main_gpu %d: there are %d CUDA device(s)", main_gpu, n);
        return LLM_ERR_UNSUPPORTED;
    }
    cudaDeviceProp p;
    size_t fr = 0, tot = 0;
    const char *call = "cudaGetDeviceProperties";
    if ((e = cudaGetDeviceProperties(&p, main_gpu)) != cudaSuccess ||
        (call = "cudaSetDevice", e = cudaSetDevice(main_gpu)) != cudaSuccess ||
        (call = "cudaMemGetInfo", e = cudaMemGetInfo(&fr, &tot)) != cudaSuccess) {
        snprintf(st->note, sizeof st->note, "CUDA device %d: %s: %s", main_gpu, call, cudaGetErrorString(e));
        return LLM_ERR_UNSUPPORTED;
    }
    snprintf(st->device_name, sizeof st->device_name, "%.95s", p.name);
    st->device = main_gpu;
    st->device_free = fr;
    st->device_total = tot;
    return LLM_OK;
}

extern "C" double llm_gpu_backend_bandwidth(int main_gpu)
{
    int khz = 0, bits = 0;
    if (cudaDeviceGetAttribute(&khz, cudaDevAttrMemoryClockRate, main_gpu) != cudaSuccess ||
        cudaDeviceGetAttribute(&bits, cudaDevAttrGlobalMemoryBusWidth, main_gpu) != cudaSuccess)
        return 0;
    return 2.0 * (double)khz * 1e3 * (double)bits / 8.0;
}

extern "C" void llm_gpu_backend_free(llm_gpu *g)
{
    if (!g)
        return;
    int dev = -1;
    if (cudaGetDevice(&dev) == cudaSuccess && dev != g->dev)
        cudaSetDevice(g->dev);
    for (int i = 0; i < g->n_allocs; i++)
        cudaFree(g->allocs[i]); /* a failure here cannot be acted on: the memory is gone with the context */
    if (dev >= 0 && dev != g->dev)
        cudaSetDevice(dev);
    free(g->allocs);
    free(g->L);
    free(g);
}

/* "layer 3 K cache" / "output" */
static void dev_label(char *buf, size_t n, const char *what, int il)
{
    if (il >= 0)
        snprintf(buf, n, "layer %d %s", il, what);
    else
        snprintf(buf, n, "%s", what);
}

/* cudaMalloc of `bytes`, recorded for the release; what: for the message */
static int dev_alloc(llm_gpu *g, void **p, size_t bytes, char *err, size_t errlen, const char *what, int il)
{
    *p = NULL;
    if (bytes == 0)
        return LLM_OK;
    if (g->n_allocs == g->cap_allocs) {
        int cap = g->cap_allocs ? 2 * g->cap_allocs : 64;
        void **a = (void **)realloc(g->allocs, (size_t)cap * sizeof *a);
        if (!a) {
            llm_set_err(err, errlen, "out of host memory (GPU allocation list)");
            return LLM_ERR_NOMEM;
        }
        g->allocs = a;
        g->cap_allocs = cap;
    }
    char label[96];
    dev_label(label, sizeof label, what, il);
    GPU_CK(cudaMalloc(p, bytes), "cudaMalloc (%s, %.1f MiB)", label, (double)bytes / 1048576.0);
    g->allocs[g->n_allocs++] = *p;
    g->bytes += bytes;
    return LLM_OK;
}

/* a host buffer copied to a new device buffer */
static int dev_upload(llm_gpu *g, void **p, const void *src, size_t bytes, char *err, size_t errlen,
                      const char *what, int il)
{
    int rc = dev_alloc(g, p, bytes, err, errlen, what, il);
    if (rc != LLM_OK || !*p)
        return rc;
    char label[96];
    dev_label(label, sizeof label, what, il);
    GPU_CK(cudaMemcpy(*p, src, bytes, cudaMemcpyHostToDevice), "cudaMemcpy (%s, %.1f MiB to the device)", label,
           (double)bytes / 1048576.0);
    return LLM_OK;
}

/* a float vector of n (NULL stays NULL) */
static int up_vec(llm_gpu *g, float **d, const float *h, int64_t n, char *err, size_t errlen, const char *what,
                  int il)
{
    *d = NULL;
    if (!h)
        return LLM_OK;
    return dev_upload(g, (void **)d, h, (size_t)n * sizeof(float), err, errlen, what, il);
}

/* a weight matrix, whose shape the forward pass relies on (ne0 × ne1) */
static int up_mat(llm_gpu *g, gpu_mat *d, const llm_mat *h, int64_t ne0, int64_t ne1, char *err, size_t errlen,
                  const char *what, int il)
{
    memset(d, 0, sizeof *d);
    if (!h->data || h->ne0 != ne0 || h->ne1 != ne1 || !gpu_matmul_supports(h->type)) {
        char label[96];
        dev_label(label, sizeof label, what, il);
        llm_set_err(err, errlen, "%s: %s %lld × %lld (expected %lld × %lld): not uploadable", label,
                    llm_type_name(h->type), (long long)h->ne0, (long long)h->ne1, (long long)ne0,
                    (long long)ne1);
        return LLM_ERR_UNSUPPORTED;
    }
    d->type = h->type;
    d->ne0 = h->ne0;
    d->ne1 = h->ne1;
    d->row_bytes = h->row_bytes;
    void *p = NULL;
    int rc = dev_upload(g, &p, h->data, h->row_bytes * (size_t)h->ne1, err, errlen, what, il);
    d->d = (const uint8_t *)p;
    return rc;
}

static int upload_layer(llm_gpu *g, const llm_model *m, int il, char *err, size_t errlen)
{
    const llm_layer *H = &m->layers[il];
    gpu_layer *L = &g->L[il];
    const int64_t E = m->n_embd, D = m->head_dim, F = m->n_ff, QD = D * m->n_head, KD = D * m->n_head_kv;
    int rc;
#define UP_MAT(f, a, b)                                                                          \
    if ((rc = up_mat(g, &L->f, &H->f, a, b, err, errlen, #f, il)) != LLM_OK)                     \
    return rc
#define UP_VEC(f, n)                                                                             \
    if ((rc = up_vec(g, &L->f, H->f, n, err, errlen, #f, il)) != LLM_OK)                         \
    return rc
    UP_MAT(wq, E, QD);
    UP_MAT(wk, E, KD);
    UP_MAT(wv, E, KD);
    UP_MAT(wo, QD, E);
    UP_MAT(gate, E, F);
    UP_MAT(up, E, F);
    UP_MAT(down, F, E);
    UP_VEC(attn_norm, E);
    UP_VEC(q_norm, D);
    UP_VEC(k_norm, D);
    UP_VEC(post_attn_norm, E);
    UP_VEC(ffn_norm, E);
    UP_VEC(post_ffw_norm, E);
    UP_VEC(bq, QD);
    UP_VEC(bk, KD);
    UP_VEC(bv, KD);
    UP_VEC(bo, E);
    UP_VEC(b_gate, F);
    UP_VEC(b_up, F);
    UP_VEC(b_down, E);
#undef UP_MAT
#undef UP_VEC
    if ((rc = up_vec(g, &L->rope_ff, H->rope_ff, m->n_rot / 2, err, errlen, "rope factors", il)) != LLM_OK)
        return rc;
    L->kv_cap = H->kv_cap;
    L->swa = H->swa;
    L->rope_base = H->rope_base;
    L->rope_scale = H->rope_scale;
    const size_t kv = (size_t)H->kv_cap * (size_t)KD * sizeof(float);
    if ((rc = dev_alloc(g, (void **)&L->kc, kv, err, errlen, "K cache", il)) != LLM_OK ||
        (rc = dev_alloc(g, (void **)&L->vc, kv, err, errlen, "V cache", il)) != LLM_OK)
        return rc;
    /* never read before written (attention reads positions <= pos only), zeroed so that a
     * bug shows as zeros rather than as garbage */
    GPU_CK(cudaMemset(L->kc, 0, kv), "cudaMemset (layer %d K cache)", il);
    GPU_CK(cudaMemset(L->vc, 0, kv), "cudaMemset (layer %d V cache)", il);
    return LLM_OK;
}

static int upload_all(llm_gpu *g, const llm_model *m, char *err, size_t errlen)
{
    const size_t B = LLM_BATCH, E = (size_t)m->n_embd, F = (size_t)m->n_ff;
    const size_t QD = (size_t)m->head_dim * m->n_head, KD = (size_t)m->head_dim * m->n_head_kv;
    const size_t fl = sizeof(float);
    int rc;
    for (int il = 0; il < g->n_layers; il++)
        if ((rc = upload_layer(g, m, il, err, errlen)) != LLM_OK)
            return rc;
    if (g->out_on_gpu) {
        if ((rc = up_mat(g, &g->output, &m->output, m->n_embd, m->vocab.n_vocab, err, errlen, "output", -1)) !=
                LLM_OK ||
            (rc = up_vec(g, &g->output_norm, m->output_norm, m->n_embd, err, errlen, "output_norm", -1)) != LLM_OK ||
            (rc = up_vec(g, &g->output_b, m->output_b, m->vocab.n_vocab, err, errlen, "output bias", -1)) !=
                LLM_OK ||
            (rc = dev_alloc(g, (void **)&g->logits, (size_t)m->vocab.n_vocab * fl, err, errlen, "logits", -1)) !=
                LLM_OK)
            return rc;
    }
    g->att_stride = m->n_ctx;
    struct {
        float **p;
        size_t n;
        const char *what;
    } work[] = {
        {&g->x, B * E, "work x"},       {&g->xb, B * E, "work xb"},     {&g->xb2, B * E, "work xb2"},
        {&g->q, B * QD, "work q"},      {&g->k, B * KD, "work k"},      {&g->v, B * KD, "work v"},
        {&g->attn, B * QD, "work attn"}, {&g->hb, B * F, "work hb"},     {&g->hb2, B * F, "work hb2"},
        {&g->act, B * F, "work act"},
        {&g->att, B * (size_t)m->n_head * (size_t)m->n_ctx, "attention weights"},
    };
    for (size_t i = 0; i < sizeof work / sizeof work[0]; i++)
        if ((rc = dev_alloc(g, (void **)work[i].p, work[i].n * fl, err, errlen, work[i].what, -1)) != LLM_OK)
            return rc;
    GPU_CK(cudaDeviceSynchronize(), "cudaDeviceSynchronize (after the upload)");
    return LLM_OK;
}

extern "C" int llm_gpu_backend_upload(const llm_model *m, int main_gpu, int n_layers, int output_on_gpu,
                                      llm_gpu **out, uint64_t *bytes, char *err, size_t errlen)
{
    *out = NULL;
    *bytes = 0;
    if (n_layers < 1 || n_layers > m->n_layer || (output_on_gpu && n_layers != m->n_layer)) {
        llm_set_err(err, errlen, "GPU upload: %d of %d layers%s", n_layers, m->n_layer,
                    output_on_gpu ? " with the output" : "");
        return LLM_ERR_INVAL;
    }
    llm_gpu *g = (llm_gpu *)calloc(1, sizeof *g);
    if (g)
        g->L = (gpu_layer *)calloc((size_t)n_layers, sizeof *g->L);
    if (!g || !g->L) {
        free(g);
        llm_set_err(err, errlen, "out of host memory (GPU layer table)");
        return LLM_ERR_NOMEM;
    }
    g->dev = main_gpu;
    g->n_layers = n_layers;
    g->out_on_gpu = output_on_gpu;
    cudaError_t e = cudaSetDevice(main_gpu);
    int rc = e == cudaSuccess ? upload_all(g, m, err, errlen)
                              : gpu_err(e, err, errlen, "cudaSetDevice (%d)", main_gpu);
    if (rc != LLM_OK) {
        llm_gpu_backend_free(g);
        return rc;
    }
    *bytes = g->bytes;
    *out = g;
    return LLM_OK;
}
