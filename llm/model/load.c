/* load.c — loading a model: the architecture's row, its hyperparameters (hparams.c), the
 * tokenizer, then every tensor the row's flags call for, each checked for presence, shape,
 * type and finite scales; every tensor of the file must be used (as llama.cpp requires), so
 * a file whose tensors disagree with its metadata is refused rather than half read.
 */
#include "llm/model/ops.h"
#include "llm/model/team.h"
#include "llm/gpu/gpu.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void llm_params_default(llm_params *p)
{
    memset(p, 0, sizeof *p);
    p->num_ctx = 2048;
    p->num_thread = 0;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    p->seed = (uint64_t)ts.tv_sec * 1000000007ull ^ (uint64_t)ts.tv_nsec;
    p->num_predict = -1;
    p->top_k = 40;
    p->top_p = 0.9f;
    p->min_p = 0.0f;
    p->typical_p = 1.0f;
    p->repeat_last_n = 64;
    p->temperature = 0.8f;
    p->repeat_penalty = 1.1f;
    p->presence_penalty = 0.0f;
    p->frequency_penalty = 0.0f;
    p->mirostat = 0;
    p->mirostat_tau = 5.0f;
    p->mirostat_eta = 0.1f;
}

const char *llm_architectures(void) { return llm_arch_supported(); }

/* "F32, F16, ..." from the quant table: the types a weight may have. */
static void supported_types(char *buf, size_t n)
{
    size_t o = 0;
    buf[0] = 0;
    for (int t = 0; t < LLM_TYPE_COUNT && o < n; t++)
        if (llm_type_supported(t))
            o += (size_t)snprintf(buf + o, n - o, "%s%s", o ? ", " : "", llm_type_name(t));
}

/* Finds a tensor, checks its shape (ne0, ne1; ne1 = 0 for a vector) and that its type is
 * one quant.c implements; marks it used. */
static int bind_mat(llm_model *m, const char *name, int64_t ne0, int64_t ne1, int optional,
                    llm_mat *out, char *err, size_t errlen)
{
    const llm_gguf *g = m->g;
    memset(out, 0, sizeof *out);
    int64_t i = llm_gguf_find_tensor(g, name);
    if (i < 0) {
        if (optional)
            return LLM_OK;
        llm_set_err(err, errlen, "model: required tensor '%s' is missing (%s needs it)", name,
                    m->arch);
        return LLM_ERR_FORMAT;
    }
    llm_gguf_tensor_info t;
    llm_gguf_tensor(g, i, &t);
    m->tensor_used[i] = 1;
    int64_t want1 = ne1 ? ne1 : 1;
    if (t.ne[0] != ne0 || t.ne[1] != want1 || t.ne[2] != 1 || t.ne[3] != 1) {
        llm_set_err(err, errlen,
                    "model: tensor '%s' has shape [%lld, %lld, %lld, %lld], expected [%lld, %lld] "
                    "from the hyperparameters",
                    name, (long long)t.ne[0], (long long)t.ne[1], (long long)t.ne[2],
                    (long long)t.ne[3], (long long)ne0, (long long)want1);
        return LLM_ERR_FORMAT;
    }
    if (!llm_type_supported(t.type)) {
        char list[256];
        supported_types(list, sizeof list);
        llm_set_err(err, errlen, "model: unsupported quant type %s in tensor '%s' (supported: %s)",
                    llm_type_name(t.type), name, list);
        return LLM_ERR_UNSUPPORTED;
    }
    out->name = t.name;
    out->type = t.type;
    out->ne0 = t.ne[0];
    out->ne1 = t.ne[1];
    out->row_bytes = llm_row_bytes(t.type, t.ne[0]);
    out->data = t.data;
    return LLM_OK;
}

/* Rows [r0, r0 + n) of a fused matrix as a matrix of its own (rows are independent). */
static llm_mat mat_rows(const llm_mat *w, int64_t r0, int64_t n)
{
    llm_mat v = *w;
    v.data = w->data + (size_t)r0 * w->row_bytes;
    v.ne1 = n;
    return v;
}

/* A NaN/inf scale (or F16/F32 value) makes its block NaN; the int8 activation rounding of
 * the next matrix product then turns NaN into finite garbage, so the logits need not show
 * it. LLM_ERR_FORMAT naming the tensor, or LLM_OK. Reads the scales only. */
int llm_mat_check_finite(const llm_mat *w, char *err, size_t errlen)
{
    if (!w->data)
        return LLM_OK;
    int64_t bad = llm_quant_find_nonfinite(w->type, w->data, w->ne0 * (w->ne1 ? w->ne1 : 1));
    if (bad < 0)
        return LLM_OK;
    llm_set_err(err, errlen,
                "model: tensor '%s' (%s) has a non-finite (NaN or inf) %s at row %lld, "
                "element %lld: the file is corrupt",
                w->name, llm_type_name(w->type),
                llm_type_block_size(w->type) > 1 ? "block scale" : "value",
                (long long)(bad / w->ne0), (long long)(bad % w->ne0));
    return LLM_ERR_FORMAT;
}

/* A vector tensor (norm weight, bias, RoPE factors) dequantized into a float array the model
 * owns; *dst stays NULL when an optional one is absent. */
static int bind_vec(llm_model *m, const char *name, int64_t n, int optional, float **dst,
                    char *err, size_t errlen)
{
    llm_mat w;
    *dst = NULL;
    int rc = bind_mat(m, name, n, 0, optional, &w, err, errlen);
    if (rc || !w.data)
        return rc;
    if (m->n_owned == m->cap_owned) {
        int cap = m->cap_owned ? 2 * m->cap_owned : 64;
        float **o = realloc(m->owned, (size_t)cap * sizeof *o);
        if (!o)
            goto nomem;
        m->owned = o;
        m->cap_owned = cap;
    }
    float *v = malloc((size_t)n * sizeof(float));
    if (!v)
        goto nomem;
    m->owned[m->n_owned++] = v;
    llm_dequant_row(w.type, w.data, v, n);
    for (int64_t i = 0; i < n; i++)
        if (!isfinite(v[i])) {
            llm_set_err(err, errlen, "model: tensor '%s' holds a non-finite value at %lld", name,
                        (long long)i);
            return LLM_ERR_FORMAT;
        }
    *dst = v;
    return LLM_OK;
nomem:
    llm_set_err(err, errlen, "model: out of memory");
    return LLM_ERR_NOMEM;
}

void llm_model_free(llm_model *m)
{
    if (!m)
        return;
    llm_vocab_free(&m->vocab);
    free(m->layers);
    for (int i = 0; i < m->n_owned; i++)
        free(m->owned[i]);
    free(m->owned);
    free(m->tensor_used);
    free(m->kv_mem);
    free(m->chat_template);
    free(m->x);
    free(m->scratch);
    llm_team_free(m);
    llm_gpu_release(m);
    llm_model_memory_free(m);
    llm_gguf_close(m->g);
    free(m);
}

/* The attention and FFN tensors of layer il, as the row's flags describe them. */
static int bind_layer(llm_model *m, int il, char *err, size_t errlen)
{
    const unsigned fl = m->desc->flags;
    const int64_t E = m->n_embd, F = m->n_ff, D = m->head_dim;
    const int64_t QD = D * m->n_head, KD = D * m->n_head_kv;
    const int bias_req = (fl & LLM_ARCH_QKV_BIAS) != 0;
    const int bias_any = (fl & (LLM_ARCH_QKV_BIAS | LLM_ARCH_OPT_BIAS)) != 0;
    llm_layer *L = &m->layers[il];
    char nm[96];
    int rc;
#define NAME(suffix) (snprintf(nm, sizeof nm, "blk.%d.%s", il, suffix), nm)
    snprintf(nm, sizeof nm, "blk.%d.attn_qkv.weight", il);
    if ((fl & LLM_ARCH_FUSED_QKV_OPT) && llm_gguf_find_tensor(m->g, nm) >= 0) {
        llm_mat qkv;
        float *b = NULL;
        if ((rc = bind_mat(m, nm, E, QD + 2 * KD, 0, &qkv, err, errlen)))
            return rc;
        L->wq = mat_rows(&qkv, 0, QD);
        L->wk = mat_rows(&qkv, QD, KD);
        L->wv = mat_rows(&qkv, QD + KD, KD);
        if (bias_any && (rc = bind_vec(m, NAME("attn_qkv.bias"), QD + 2 * KD, !bias_req, &b, err, errlen)))
            return rc;
        if (b) {
            L->bq = b;
            L->bk = b + QD;
            L->bv = b + QD + KD;
        }
    } else {
        if ((rc = bind_mat(m, NAME("attn_q.weight"), E, QD, 0, &L->wq, err, errlen)) ||
            (rc = bind_mat(m, NAME("attn_k.weight"), E, KD, 0, &L->wk, err, errlen)) ||
            (rc = bind_mat(m, NAME("attn_v.weight"), E, KD, 0, &L->wv, err, errlen)))
            return rc;
        if (bias_any && ((rc = bind_vec(m, NAME("attn_q.bias"), QD, !bias_req, &L->bq, err, errlen)) ||
                         (rc = bind_vec(m, NAME("attn_k.bias"), KD, !bias_req, &L->bk, err, errlen)) ||
                         (rc = bind_vec(m, NAME("attn_v.bias"), KD, !bias_req, &L->bv, err, errlen))))
            return rc;
    }
    if ((rc = bind_mat(m, NAME("attn_output.weight"), QD, E, 0, &L->wo, err, errlen)) ||
        (bias_any && (rc = bind_vec(m, NAME("attn_output.bias"), E, 1, &L->bo, err, errlen))) ||
        (rc = bind_vec(m, NAME("attn_norm.weight"), E, 0, &L->attn_norm, err, errlen)) ||
        (rc = bind_vec(m, NAME("ffn_norm.weight"), E, 0, &L->ffn_norm, err, errlen)))
        return rc;
    if ((fl & LLM_ARCH_QK_NORM) &&
        ((rc = bind_vec(m, NAME("attn_q_norm.weight"), D, 0, &L->q_norm, err, errlen)) ||
         (rc = bind_vec(m, NAME("attn_k_norm.weight"), D, 0, &L->k_norm, err, errlen))))
        return rc;
    if ((fl & LLM_ARCH_POST_NORMS) &&
        ((rc = bind_vec(m, NAME("post_attention_norm.weight"), E, 0, &L->post_attn_norm, err, errlen)) ||
         (rc = bind_vec(m, NAME("post_ffw_norm.weight"), E, 0, &L->post_ffw_norm, err, errlen))))
        return rc;
    if (fl & LLM_ARCH_FUSED_UP) {
        llm_mat up;
        if ((rc = bind_mat(m, NAME("ffn_up.weight"), E, 2 * F, 0, &up, err, errlen)))
            return rc;
        L->gate = mat_rows(&up, 0, F); /* ggml_swiglu: silu(first half) · second half */
        L->up = mat_rows(&up, F, F);
    } else if ((rc = bind_mat(m, NAME("ffn_gate.weight"), E, F, 0, &L->gate, err, errlen)) ||
               (rc = bind_mat(m, NAME("ffn_up.weight"), E, F, 0, &L->up, err, errlen))) {
        return rc;
    }
    if ((rc = bind_mat(m, NAME("ffn_down.weight"), F, E, 0, &L->down, err, errlen)))
        return rc;
    if ((fl & LLM_ARCH_OPT_BIAS) && !(fl & LLM_ARCH_FUSED_UP) &&
        ((rc = bind_vec(m, NAME("ffn_gate.bias"), F, 1, &L->b_gate, err, errlen)) ||
         (rc = bind_vec(m, NAME("ffn_up.bias"), F, 1, &L->b_up, err, errlen)) ||
         (rc = bind_vec(m, NAME("ffn_down.bias"), E, 1, &L->b_down, err, errlen))))
        return rc;
#undef NAME
    return LLM_OK;
}

/* Global tensors: embedding, output (tied when absent), output norm and bias, RoPE factors. */
static int bind_globals(llm_model *m, const float **ff_out, char *err, size_t errlen)
{
    const unsigned fl = m->desc->flags;
    const int64_t V = m->vocab.n_vocab, E = m->n_embd, R2 = m->n_rot / 2;
    int rc;
    if ((rc = bind_mat(m, "token_embd.weight", E, V, 0, &m->tok_embd, err, errlen)) ||
        (rc = bind_mat(m, "output.weight", E, V, 1, &m->output, err, errlen)) ||
        (rc = bind_vec(m, "output_norm.weight", E, 0, &m->output_norm, err, errlen)))
        return rc;
    if (!m->output.data)
        m->output = m->tok_embd; /* tied */
    float *unused = NULL;
    if ((fl & LLM_ARCH_OUTPUT_BIAS) && (rc = bind_vec(m, "output.bias", V, 1, &m->output_b, err, errlen)))
        return rc;
    if ((fl & LLM_ARCH_OUTPUT_BIAS_UNUSED) && (rc = bind_vec(m, "output.bias", V, 1, &unused, err, errlen)))
        return rc;
    float *ff = NULL, *ff_long = NULL, *ff_short = NULL;
    if ((fl & LLM_ARCH_ROPE_FREQS) && (rc = bind_vec(m, "rope_freqs.weight", R2, 1, &ff, err, errlen)))
        return rc;
    if ((fl & LLM_ARCH_LONGROPE) &&
        ((rc = bind_vec(m, "rope_factors_long.weight", R2, 1, &ff_long, err, errlen)) ||
         (rc = bind_vec(m, "rope_factors_short.weight", R2, 1, &ff_short, err, errlen))))
        return rc;
    if (fl & LLM_ARCH_LONGROPE)
        ff = m->rope_long ? ff_long : ff_short;
    for (int64_t i = 0; ff && i < R2; i++)
        if (!(ff[i] > 0)) {
            llm_set_err(err, errlen, "model: RoPE frequency factor %lld is %g (must be > 0)",
                        (long long)i, (double)ff[i]);
            return LLM_ERR_FORMAT;
        }
    *ff_out = ff;
    return LLM_OK;
}

/* Token ids a text-only runner must not feed a vision model (its image placeholders). */
static void find_image_tokens(llm_model *m)
{
    static const char *k_img[] = {"<|image_pad|>", "<|video_pad|>", "<|vision_start|>",
                                  "<|vision_end|>", "<|vision_pad|>"};
    m->n_img_tok = 0;
    for (size_t i = 0; i < sizeof k_img / sizeof k_img[0]; i++) {
        int id = llm_vocab_find(&m->vocab, k_img[i], strlen(k_img[i]));
        if (id >= 0)
            m->img_tok[m->n_img_tok++] = id;
    }
}

static int model_build(llm_model *m, int num_ctx, char *err, size_t errlen)
{
    const llm_arch *A = m->desc;
    int rc;
    if ((rc = llm_hparams_load(m, num_ctx, err, errlen)))
        return rc;
    /* vocabulary first: n_vocab fixes the embedding shape */
    if ((rc = llm_vocab_load(m, err, errlen)))
        return rc;
    char key[128];
    uint64_t vs;
    snprintf(key, sizeof key, "%s.vocab_size", m->arch);
    if (llm_gguf_find_key(m->g, key) >= 0 &&
        (llm_gguf_get_uint(m->g, key, &vs, err, errlen) || vs != (uint64_t)m->vocab.n_vocab)) {
        llm_set_err(err, errlen, "model: %s = %llu disagrees with the %d tokens of tokenizer.ggml.tokens",
                    key, (unsigned long long)vs, m->vocab.n_vocab);
        return LLM_ERR_FORMAT;
    }
    if (A->flags & LLM_ARCH_NO_IMAGES)
        find_image_tokens(m);
    const int64_t V = m->vocab.n_vocab, E = m->n_embd, F = m->n_ff, D = m->head_dim;
    const int64_t QD = D * m->n_head, KD = D * m->n_head_kv;
    m->tensor_used = calloc((size_t)llm_gguf_n_tensors(m->g) + 1, 1);
    m->layers = calloc((size_t)m->n_layer, sizeof *m->layers);
    if (!m->layers || !m->tensor_used) {
        llm_set_err(err, errlen, "model: out of memory");
        return LLM_ERR_NOMEM;
    }
    const float *ff = NULL;
    if ((rc = bind_globals(m, &ff, err, errlen)))
        return rc;
    size_t kv_total = 0;
    for (int il = 0; il < m->n_layer; il++) {
        llm_layer *L = &m->layers[il];
        if ((rc = bind_layer(m, il, err, errlen)))
            return rc;
        L->rope_ff = ff;
        L->swa = A->swa == LLM_SWA_PATTERN && m->n_swa > 0 && (il % A->swa_pattern) < A->swa_pattern - 1;
        L->rope_base = L->swa ? (float)A->swa_rope_base : m->rope_base_global;
        L->rope_scale = L->swa ? 1.0f : m->rope_scale_global;
        /* a sliding-window layer keeps the window plus one batch: a batch writes all its
         * K/V before attending, and must not overwrite what its first token still sees */
        L->kv_cap = L->swa && m->n_swa + LLM_BATCH < m->n_ctx ? m->n_swa + LLM_BATCH : m->n_ctx;
        kv_total += (size_t)L->kv_cap * (size_t)KD * 2;
    }
    for (int64_t i = 0; i < llm_gguf_n_tensors(m->g); i++)
        if (!m->tensor_used[i]) {
            llm_gguf_tensor_info t;
            llm_gguf_tensor(m->g, i, &t);
            llm_set_err(err, errlen,
                        "model: tensor '%s' is not part of a %d-layer %s model (the tensors "
                        "disagree with the metadata)",
                        t.name, m->n_layer, m->arch);
            return LLM_ERR_FORMAT;
        }
    /* Every matrix whose output feeds another product is scanned. The output matrix is not
     * (it is most of the file: 178 of 253 MB in the default model, where it is the tied
     * embedding): a bad scale there gives a non-finite logit directly, which llm_model_eval
     * refuses, and a tied embedding row is an output row too. */
    for (int il = 0; il < m->n_layer; il++) {
        const llm_layer *L = &m->layers[il];
        const llm_mat *w[] = {&L->wq, &L->wk, &L->wv, &L->wo, &L->gate, &L->up, &L->down};
        for (size_t k = 0; k < sizeof w / sizeof w[0]; k++)
            if ((rc = llm_mat_check_finite(w[k], err, errlen)))
                return rc;
    }
    if (m->output.data != m->tok_embd.data && (rc = llm_mat_check_finite(&m->tok_embd, err, errlen)))
        return rc;
    m->kv_mem = malloc(kv_total * sizeof(float));
    if (!m->kv_mem) {
        llm_set_err(err, errlen, "model: cannot allocate the KV cache (%zu MiB); try a smaller --ctx",
                    kv_total * 4 >> 20);
        return LLM_ERR_NOMEM;
    }
    float *kp = m->kv_mem;
    for (int il = 0; il < m->n_layer; il++) {
        llm_layer *L = &m->layers[il];
        L->kc = kp;
        kp += (size_t)L->kv_cap * (size_t)KD;
        L->vc = kp;
        kp += (size_t)L->kv_cap * (size_t)KD;
    }
    /* work buffers in one allocation: LLM_BATCH tokens of activations (prompts are run in
     * batches, reading each weight matrix once per batch) */
    const size_t B = LLM_BATCH;
    size_t nb = B * (3 * (size_t)E + (size_t)QD + 2 * (size_t)KD + (size_t)QD + 2 * (size_t)F) +
                (size_t)m->n_head * (size_t)m->n_ctx + (size_t)V;
    m->x = malloc(nb * sizeof(float));
    int64_t maxrow = E > F ? E : F;
    if (QD > maxrow)
        maxrow = QD;
    m->scratch = malloc(llm_matmat_scratch_bytes(maxrow, LLM_BATCH));
    if (!m->x || !m->scratch) {
        llm_set_err(err, errlen, "model: out of memory");
        return LLM_ERR_NOMEM;
    }
    m->xb = m->x + B * E;
    m->xb2 = m->xb + B * E;
    m->q = m->xb2 + B * E;
    m->k = m->q + B * QD;
    m->v = m->k + B * KD;
    m->attn = m->v + B * KD;
    m->hb = m->attn + B * QD;
    m->hb2 = m->hb + B * F;
    m->att = m->hb2 + B * F;
    m->logits = m->att + (size_t)m->n_head * (size_t)m->n_ctx;
    return LLM_OK;
}

int llm_model_load(const char *path, int num_ctx, llm_model **out, char *err, size_t errlen)
{
    if (!path || !out) {
        llm_set_err(err, errlen, "llm_model_load: invalid argument");
        return LLM_ERR_INVAL;
    }
    *out = NULL;
    double t0 = now_s();
    llm_model *m = calloc(1, sizeof *m);
    if (!m) {
        llm_set_err(err, errlen, "out of memory");
        return LLM_ERR_NOMEM;
    }
    m->gpu_status.device = -1; /* nothing offloaded until llm_model_offload */
    int rc = llm_gguf_open(path, &m->g, err, errlen);
    if (rc) {
        free(m);
        return rc;
    }
    const char *s;
    uint64_t n;
    char e2[512];
    if (llm_gguf_get_str(m->g, "general.architecture", &s, &n, e2, sizeof e2)) {
        llm_set_err(err, errlen, "%s: %s (is this a model file?)", path, e2);
        llm_model_free(m);
        return LLM_ERR_FORMAT;
    }
    m->desc = llm_arch_find(s, (size_t)n);
    if (!m->desc) {
        /* a vision projector (mmproj) file is the image half of a vision model */
        const int clip = n == 4 && !memcmp(s, "clip", 4);
        llm_set_err(err, errlen, "%s: unsupported architecture '%.*s' (supported: %s)%s", path,
                    (int)(n < 64 ? n : 64), s, llm_arch_supported(),
                    clip ? "; 'clip' is a vision projector: image input is not supported" : "");
        llm_model_free(m);
        return LLM_ERR_UNSUPPORTED;
    }
    snprintf(m->arch, sizeof m->arch, "%s", m->desc->name);
    if (llm_gguf_find_key(m->g, "tokenizer.chat_template") >= 0 &&
        llm_gguf_get_str(m->g, "tokenizer.chat_template", &s, &n, NULL, 0) == LLM_OK) {
        m->chat_template = malloc((size_t)n + 1);
        if (m->chat_template) {
            memcpy(m->chat_template, s, (size_t)n);
            m->chat_template[n] = 0;
        }
    }
    rc = model_build(m, num_ctx, e2, sizeof e2);
    if (rc) {
        llm_set_err(err, errlen, "%s: %s", path, e2);
        llm_model_free(m);
        return rc;
    }
    llm_gelu_table_init(); /* once, before any forward pass (single-threaded here) */
    m->load_seconds = now_s() - t0;
    *out = m;
    return LLM_OK;
}

int llm_model_check(const char *path, char *err, size_t errlen)
{
    llm_model *m = NULL;
    int rc = llm_model_load(path, 1, &m, err, errlen);
    llm_model_free(m);
    return rc;
}

const char *llm_model_chat_template(const llm_model *m) { return m ? m->chat_template : NULL; }
const char *llm_model_arch(const llm_model *m) { return m ? m->arch : NULL; }
int llm_model_n_vocab(const llm_model *m) { return m->vocab.n_vocab; }
int llm_model_n_ctx(const llm_model *m) { return m->n_ctx; }
const llm_gguf *llm_model_gguf(const llm_model *m) { return m->g; }
void llm_model_set_numerics(llm_model *m, int mode) { m->numerics = mode; }
void llm_model_set_dump(llm_model *m, void (*dump)(const char *, int, const float *, size_t, void *),
                        void *user)
{
    m->dump = dump;
    m->dump_user = user;
}
