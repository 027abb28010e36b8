/* gpu_backend.c — the device side of an offloaded model, above the device operations
 * (gpu_int.h): the upload (each weight matrix and vector of an offloaded layer copied once
 * from the host's tensor, wherever it lives; an f32 K and V cache per layer, kv_cap slots,
 * the ring of a sliding-window layer as on the CPU; the work buffers), the release, and the
 * layers of one batch, step for step the exact-numerics branch of llm_forward_batch
 * (llm/model/forward.c), with the same flags of the architecture's row:
 *   h = RMSNorm(x)·w_attn;  q, k, v = Wq h + bq, Wk h + bk, Wv h + bv
 *   q, k per head: QK-norm, RoPE (q × scale when pre-scaled);  k, v → cache slot pos % kv_cap
 *   a = Wo attention(q, cache) + bo;  x += post ? RMSNorm(a)·w_post_attn : a
 *   h2 = RMSNorm(x)·w_ffn;  f = Wdown (act(Wgate h2 + bg) ⊙ (Wup h2 + bu)) + bd
 *   x += post ? RMSNorm(f)·w_post_ffw : f
 * and, with the output on the device, the last token's logits: Wout RMSNorm(x)·w_out (+ b_out),
 * softcapped. The last layer's FFN runs for the last token only (as the CPU, after
 * llama.cpp's inp_out_ids), and not at all when no logits are wanted.
 * Plain C in both builds: the CUDA build drives the GPU, the tests a host emulation. */
#include "llm/gpu/gpu_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const llm_gpu_ops *g_ops_override;

/* tests: a device emulation in place of the build's own (NULL: back to it) */
void llm_gpu_set_ops(const llm_gpu_ops *ops) { g_ops_override = ops; }

static const llm_gpu_ops *ops_now(void) { return g_ops_override ? g_ops_override : llm_gpu_builtin_ops(); }

int llm_gpu_backend_probe(int main_gpu, llm_gpu_status *st)
{
    const llm_gpu_ops *ops = ops_now();
    if (!ops) {
        snprintf(st->note, sizeof st->note, "this so8t was built without CUDA (CUDA=0)");
        return LLM_ERR_UNSUPPORTED;
    }
    return ops->probe(main_gpu, st);
}

double llm_gpu_backend_bandwidth(int main_gpu)
{
    const llm_gpu_ops *ops = ops_now();
    return ops ? ops->bandwidth(main_gpu) : 0;
}

void llm_gpu_backend_free(llm_gpu *g)
{
    if (!g)
        return;
    char e[160]; /* nothing to act on if it fails: the release goes on */
    g->ops->set_device(g->dev, e, sizeof e);
    for (int i = 0; i < g->n_allocs; i++)
        g->ops->release(g->allocs[i]);
    free(g->allocs);
    free(g->L);
    free(g);
}

/* "layer 3 K cache" / "output" */
static void label_of(char *buf, size_t n, const char *what, int il)
{
    if (il >= 0)
        snprintf(buf, n, "layer %d %s", il, what);
    else
        snprintf(buf, n, "%s", what);
}

/* device memory of `bytes`, recorded for the release */
static int dev_alloc(llm_gpu *g, void **p, size_t bytes, const char *what, int il, char *err, size_t errlen)
{
    *p = NULL;
    if (bytes == 0)
        return LLM_OK;
    if (g->n_allocs == g->cap_allocs) {
        int cap = g->cap_allocs ? 2 * g->cap_allocs : 64;
        void **a = realloc(g->allocs, (size_t)cap * sizeof *a);
        if (!a) {
            llm_set_err(err, errlen, "out of host memory (GPU allocation list)");
            return LLM_ERR_NOMEM;
        }
        g->allocs = a;
        g->cap_allocs = cap;
    }
    char label[96];
    label_of(label, sizeof label, what, il);
    int rc = g->ops->alloc(p, bytes, label, err, errlen);
    if (rc != LLM_OK)
        return rc;
    g->allocs[g->n_allocs++] = *p;
    g->bytes += bytes;
    return LLM_OK;
}

/* a host buffer copied into new device memory */
static int dev_copy(llm_gpu *g, void **p, const void *src, size_t bytes, const char *what, int il, char *err,
                    size_t errlen)
{
    int rc = dev_alloc(g, p, bytes, what, il, err, errlen);
    if (rc != LLM_OK || !*p)
        return rc;
    char label[96];
    label_of(label, sizeof label, what, il);
    return g->ops->upload(*p, src, bytes, label, err, errlen);
}

/* a float vector of n (NULL stays NULL) */
static int up_vec(llm_gpu *g, float **d, const float *h, int64_t n, const char *what, int il, char *err,
                  size_t errlen)
{
    *d = NULL;
    if (!h)
        return LLM_OK;
    return dev_copy(g, (void **)d, h, (size_t)n * sizeof(float), what, il, err, errlen);
}

/* a weight matrix, whose shape the layer sequence relies on (ne0 × ne1) */
static int up_mat(llm_gpu *g, gpu_mat *d, const llm_mat *h, int64_t ne0, int64_t ne1, const char *what, int il,
                  char *err, size_t errlen)
{
    memset(d, 0, sizeof *d);
    if (!h->data || h->ne0 != ne0 || h->ne1 != ne1 || !g->ops->matmul_supports(h->type) ||
        h->row_bytes != llm_row_bytes(h->type, h->ne0)) {
        char label[96];
        label_of(label, sizeof label, what, il);
        llm_set_err(err, errlen, "%s: %s %lld × %lld (expected %lld × %lld): not uploadable", label,
                    llm_type_name(h->type), (long long)h->ne0, (long long)h->ne1, (long long)ne0, (long long)ne1);
        return LLM_ERR_UNSUPPORTED;
    }
    d->type = h->type;
    d->ne0 = h->ne0;
    d->ne1 = h->ne1;
    d->row_bytes = h->row_bytes;
    void *p = NULL;
    int rc = dev_copy(g, &p, h->data, h->row_bytes * (size_t)h->ne1, what, il, err, errlen);
    d->d = p;
    return rc;
}

static int upload_layer(llm_gpu *g, const llm_model *m, int il, char *err, size_t errlen)
{
    const llm_layer *H = &m->layers[il];
    gpu_layer *L = &g->L[il];
    const int64_t E = m->n_embd, D = m->head_dim, F = m->n_ff, QD = D * m->n_head, KD = D * m->n_head_kv;
    const struct {
        gpu_mat *d;
        const llm_mat *h;
        int64_t ne0, ne1;
        const char *what;
    } mats[] = {
        {&L->wq, &H->wq, E, QD, "attn_q"},     {&L->wk, &H->wk, E, KD, "attn_k"},
        {&L->wv, &H->wv, E, KD, "attn_v"},     {&L->wo, &H->wo, QD, E, "attn_output"},
        {&L->gate, &H->gate, E, F, "ffn_gate"}, {&L->up, &H->up, E, F, "ffn_up"},
        {&L->down, &H->down, F, E, "ffn_down"},
    };
    const struct {
        float **d;
        const float *h;
        int64_t n;
        const char *what;
    } vecs[] = {
        {&L->attn_norm, H->attn_norm, E, "attn_norm"},
        {&L->q_norm, H->q_norm, D, "attn_q_norm"},
        {&L->k_norm, H->k_norm, D, "attn_k_norm"},
        {&L->post_attn_norm, H->post_attn_norm, E, "post_attention_norm"},
        {&L->ffn_norm, H->ffn_norm, E, "ffn_norm"},
        {&L->post_ffw_norm, H->post_ffw_norm, E, "post_ffw_norm"},
        {&L->bq, H->bq, QD, "attn_q.bias"},
        {&L->bk, H->bk, KD, "attn_k.bias"},
        {&L->bv, H->bv, KD, "attn_v.bias"},
        {&L->bo, H->bo, E, "attn_output.bias"},
        {&L->b_gate, H->b_gate, F, "ffn_gate.bias"},
        {&L->b_up, H->b_up, F, "ffn_up.bias"},
        {&L->b_down, H->b_down, E, "ffn_down.bias"},
        {&L->rope_ff, H->rope_ff, m->n_rot / 2, "rope factors"},
    };
    int rc;
    for (size_t i = 0; i < sizeof mats / sizeof mats[0]; i++)
        if ((rc = up_mat(g, mats[i].d, mats[i].h, mats[i].ne0, mats[i].ne1, mats[i].what, il, err, errlen)) != LLM_OK)
            return rc;
    for (size_t i = 0; i < sizeof vecs / sizeof vecs[0]; i++)
        if ((rc = up_vec(g, vecs[i].d, vecs[i].h, vecs[i].n, vecs[i].what, il, err, errlen)) != LLM_OK)
            return rc;
    L->kv_cap = H->kv_cap;
    L->swa = H->swa;
    L->rope_base = H->rope_base;
    L->rope_scale = H->rope_scale;
    const size_t kv = (size_t)H->kv_cap * (size_t)KD * sizeof(float);
    /* zeroed: attention reads only positions already written, so a bug shows as zeros */
    if ((rc = dev_alloc(g, (void **)&L->kc, kv, "K cache", il, err, errlen)) != LLM_OK ||
        (rc = dev_alloc(g, (void **)&L->vc, kv, "V cache", il, err, errlen)) != LLM_OK ||
        (rc = g->ops->zero(L->kc, kv, "K cache", err, errlen)) != LLM_OK ||
        (rc = g->ops->zero(L->vc, kv, "V cache", err, errlen)) != LLM_OK)
        return rc;
    return LLM_OK;
}

static int upload_all(llm_gpu *g, const llm_model *m, char *err, size_t errlen)
{
    const size_t B = LLM_BATCH, E = (size_t)m->n_embd, F = (size_t)m->n_ff, fl = sizeof(float);
    const size_t QD = (size_t)m->head_dim * m->n_head, KD = (size_t)m->head_dim * m->n_head_kv;
    const int64_t V = m->vocab.n_vocab;
    int rc;
    for (int il = 0; il < g->n_layers; il++)
        if ((rc = upload_layer(g, m, il, err, errlen)) != LLM_OK)
            return rc;
    if (g->out_on_gpu &&
        ((rc = up_mat(g, &g->output, &m->output, m->n_embd, V, "output", -1, err, errlen)) != LLM_OK ||
         (rc = up_vec(g, &g->output_norm, m->output_norm, m->n_embd, "output_norm", -1, err, errlen)) != LLM_OK ||
         (rc = up_vec(g, &g->output_b, m->output_b, V, "output.bias", -1, err, errlen)) != LLM_OK ||
         (rc = dev_alloc(g, (void **)&g->logits, (size_t)V * fl, "logits", -1, err, errlen)) != LLM_OK))
        return rc;
    g->att_stride = m->n_ctx;
    const struct {
        float **p;
        size_t n;
        const char *what;
    } work[] = {
        {&g->x, B * E, "work x"},        {&g->xb, B * E, "work xb"},   {&g->xb2, B * E, "work xb2"},
        {&g->q, B * QD, "work q"},       {&g->k, B * KD, "work k"},    {&g->v, B * KD, "work v"},
        {&g->attn, B * QD, "work attn"}, {&g->hb, B * F, "work hb"},   {&g->hb2, B * F, "work hb2"},
        {&g->act, B * F, "work act"},    {&g->att, B * (size_t)m->n_head * (size_t)m->n_ctx, "attention weights"},
    };
    for (size_t i = 0; i < sizeof work / sizeof work[0]; i++)
        if ((rc = dev_alloc(g, (void **)work[i].p, work[i].n * fl, work[i].what, -1, err, errlen)) != LLM_OK)
            return rc;
    return g->ops->sync("after the upload", err, errlen);
}

int llm_gpu_backend_upload(const llm_model *m, int main_gpu, int n_layers, int output_on_gpu, llm_gpu **out,
                           uint64_t *bytes, char *err, size_t errlen)
{
    *out = NULL;
    *bytes = 0;
    const llm_gpu_ops *ops = ops_now();
    if (!ops) {
        llm_set_err(err, errlen, "this so8t was built without CUDA (CUDA=0)");
        return LLM_ERR_UNSUPPORTED;
    }
    if (n_layers < 1 || n_layers > m->n_layer || (output_on_gpu && n_layers != m->n_layer)) {
        llm_set_err(err, errlen, "GPU upload: %d of %d layers%s", n_layers, m->n_layer,
                    output_on_gpu ? " with the output" : "");
        return LLM_ERR_INVAL;
    }
    llm_gpu *g = calloc(1, sizeof *g);
    if (g)
        g->L = calloc((size_t)n_layers, sizeof *g->L);
    if (!g || !g->L) {
        free(g);
        llm_set_err(err, errlen, "out of host memory (GPU layer table)");
        return LLM_ERR_NOMEM;
    }
    g->ops = ops;
    g->dev = main_gpu;
    g->n_layers = n_layers;
    g->out_on_gpu = output_on_gpu;
    int rc = ops->set_device(main_gpu, err, errlen);
    if (rc == LLM_OK)
        rc = upload_all(g, m, err, errlen);
    if (rc != LLM_OK) {
        llm_gpu_backend_free(g);
        return rc;
    }
    *bytes = g->bytes;
    *out = g;
    return LLM_OK;
}

/* ---- the layers of one batch ---------------------------------------------------------- */

#define RUN(call)                                                                                \
    do {                                                                                         \
        int rc_ = (call);                                                                        \
        if (rc_ != LLM_OK)                                                                       \
            return rc_;                                                                          \
    } while (0)

static int layer_forward(llm_gpu *g, const llm_model *m, int il, int nb, int pos0, int want_logits, char *err,
                         size_t errlen)
{
    const llm_gpu_ops *o = g->ops;
    const unsigned fl = m->desc->flags;
    const int qk_norm = (fl & LLM_ARCH_QK_NORM) != 0, post = (fl & LLM_ARCH_POST_NORMS) != 0;
    const int prescale = (fl & LLM_ARCH_Q_PRESCALE) != 0, silu = m->desc->ffn == LLM_FFN_SILU;
    const float kq_scale = prescale ? 1.0f : m->attn_scale;
    const int E = m->n_embd, D = m->head_dim, H = m->n_head, HK = m->n_head_kv, F = m->n_ff;
    const gpu_layer *L = &g->L[il];
    RUN(o->rmsnorm(g->xb, g->x, L->attn_norm, nb, E, m->eps, 0, il, err, errlen));
    RUN(o->matmul(&L->wq, g->xb, g->q, nb, L->bq, il, "attn_q", err, errlen));
    RUN(o->matmul(&L->wk, g->xb, g->k, nb, L->bk, il, "attn_k", err, errlen));
    RUN(o->matmul(&L->wv, g->xb, g->v, nb, L->bv, il, "attn_v", err, errlen));
    const int mrope = m->desc->rope == LLM_ROPE_MROPE;
    const int *sec = m->mrope_sec;
    const gpu_rope rope = {m->desc->rope == LLM_ROPE_NORM, m->n_rot,
                           mrope ? sec[0] + sec[1] + sec[2] + sec[3] : 0, mrope ? sec[0] + sec[1] + sec[2] : 0,
                           L->rope_base, L->rope_scale, m->rope_mscale, L->rope_ff};
    RUN(o->qk(g->q, nb, H, D, qk_norm ? L->q_norm : NULL, m->eps, &rope, pos0, prescale, m->attn_scale, il, err,
              errlen));
    RUN(o->qk(g->k, nb, HK, D, qk_norm ? L->k_norm : NULL, m->eps, &rope, pos0, 0, 1.0f, il, err, errlen));
    RUN(o->kv_store(L, g->k, g->v, nb, D * HK, pos0, il, err, errlen));
    RUN(o->attention(L, g->q, g->attn, g->att, g->att_stride, nb, H, HK, D, pos0, m->n_swa, kq_scale, il, err,
                     errlen));
    RUN(o->matmul(&L->wo, g->attn, g->xb2, nb, L->bo, il, "attn_output", err, errlen));
    int f0 = 0;
    if (il == m->n_layer - 1) { /* only with every layer (and the output) on the device */
        if (!want_logits)
            return LLM_OK;
        f0 = nb - 1;
    }
    const int fn = nb - f0;
    float *x_f = g->x + (size_t)f0 * E, *xb_f = g->xb + (size_t)f0 * E, *xb2_f = g->xb2 + (size_t)f0 * E;
    RUN(post ? o->rmsnorm(x_f, xb2_f, L->post_attn_norm, fn, E, m->eps, 1, il, err, errlen)
             : o->add(x_f, xb2_f, fn, E, il, err, errlen));
    RUN(o->rmsnorm(xb_f, x_f, L->ffn_norm, fn, E, m->eps, 0, il, err, errlen));
    RUN(o->matmul(&L->gate, xb_f, g->hb, fn, L->b_gate, il, "ffn_gate", err, errlen));
    RUN(o->matmul(&L->up, xb_f, g->hb2, fn, L->b_up, il, "ffn_up", err, errlen));
    RUN(o->gate(g->act, g->hb, g->hb2, (int64_t)fn * F, silu, il, err, errlen));
    RUN(o->matmul(&L->down, g->act, xb2_f, fn, L->b_down, il, "ffn_down", err, errlen));
    RUN(post ? o->rmsnorm(x_f, xb2_f, L->post_ffw_norm, fn, E, m->eps, 1, il, err, errlen)
             : o->add(x_f, xb2_f, fn, E, il, err, errlen));
    return LLM_OK;
}

int llm_gpu_backend_forward(llm_gpu *g, const llm_model *m, float *x, int nb, int pos0, float *logits, char *err,
                            size_t errlen)
{
    if (!g || nb < 1 || nb > LLM_BATCH || pos0 < 0 || pos0 + nb > m->n_ctx) {
        llm_set_err(err, errlen, "GPU forward: batch of %d at position %d (num_ctx %d)", nb, pos0, m->n_ctx);
        return LLM_ERR_INVAL;
    }
    const llm_gpu_ops *o = g->ops;
    const int E = m->n_embd, want_logits = logits != NULL && g->out_on_gpu;
    const size_t xbytes = (size_t)nb * E * sizeof(float);
    RUN(o->set_device(g->dev, err, errlen));
    RUN(o->upload(g->x, x, xbytes, "embeddings", err, errlen));
    for (int il = 0; il < g->n_layers; il++)
        RUN(layer_forward(g, m, il, nb, pos0, want_logits, err, errlen));
    if (!g->out_on_gpu) /* the CPU runs the other layers on the result */
        return o->download(x, g->x, xbytes, "the last offloaded layer's output", err, errlen);
    if (!want_logits)
        return o->sync("after the offloaded layers", err, errlen);
    const int nv = m->vocab.n_vocab;
    RUN(o->rmsnorm(g->xb, g->x + (size_t)(nb - 1) * E, g->output_norm, 1, E, m->eps, 0, -1, err, errlen));
    RUN(o->matmul(&g->output, g->xb, g->logits, 1, g->output_b, -1, "output", err, errlen));
    if (m->softcap > 0)
        RUN(o->softcap(g->logits, nv, m->softcap, err, errlen));
    return o->download(logits, g->logits, (size_t)nv * sizeof(float), "logits", err, errlen);
}
