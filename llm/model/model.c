/* model.c — loading and the gemma3 forward pass.
 *
 * Gemma 3 (llama.cpp src/models/gemma3.cpp; notes/gguf.md §3):
 *   x = E[tok] · √n_embd
 *   per layer: h = RMSNorm(x)·w_attn;  q,k,v = Wq h, Wk h, Wv h
 *              q,k = per-head RMSNorm·w_{q,k}; NEOX RoPE (base 10 000 on sliding-window layers,
 *              gemma3.rope.freq_base on the global ones, il % 6 == 5); q *= 1/√head_dim
 *              a = Wo softmax(q kᵀ + mask) v;   x += RMSNorm(a)·w_post_attn
 *              f = Wdown (gelu_tanh(Wgate h2) ⊙ Wup h2), h2 = RMSNorm(x)·w_ffn;  x += RMSNorm(f)·w_post_ffw
 *   logits = E · RMSNorm(x)·w_out  (tied unless output.weight exists)
 * RMSNorm(x) = x / √(mean(x²) + eps); the GGUF norm weights already hold (1 + w).
 * Sliding-window layers see the last n_swa positions (the current one included).
 */
#include "llm/internal.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void llm_set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

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

/* ---- GELU (tanh form) ------------------------------------------------------------------ */

static float gelu_f32(float x)
{
    const float c = 0.797884560802865355f; /* sqrt(2/pi) */
    return 0.5f * x * (1.0f + tanhf(c * x * (1.0f + 0.044715f * x * x)));
}

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

static uint16_t g_gelu_f16[1 << 16];
static int g_gelu_ready;

static void gelu_table_init(void)
{
    if (g_gelu_ready)
        return;
    for (int i = 0; i < 1 << 16; i++)
        g_gelu_f16[i] = llm_fp32_to_fp16(gelu_ggml_f32(llm_fp16_to_fp32((uint16_t)i)));
    g_gelu_ready = 1;
}

static inline float geglu_ggml(float x, float g)
{
    if (x <= -10.0f)
        return 0.0f;
    if (x >= 10.0f)
        return x * g;
    return llm_fp16_to_fp32(g_gelu_f16[llm_fp32_to_fp16(x)]) * g;
}

/* ---- loading ----------------------------------------------------------------------------- */

static int get_u(const llm_gguf *g, const char *arch, const char *suffix, int required,
                 uint64_t def, uint64_t *out, char *err, size_t errlen)
{
    char key[128];
    snprintf(key, sizeof key, "%s.%s", arch, suffix);
    if (llm_gguf_find_key(g, key) < 0) {
        if (required) {
            llm_set_err(err, errlen, "model: missing required metadata key '%s'", key);
            return LLM_ERR_FORMAT;
        }
        *out = def;
        return LLM_OK;
    }
    char e2[256];
    int64_t kv = llm_gguf_find_key(g, key);
    llm_gguf_kv_info info;
    llm_gguf_kv(g, kv, &info);
    if (info.type == LLM_GGUF_ARRAY) {
        /* per-layer arrays (feed_forward_length, head_count): require them to be uniform */
        const void *d = llm_gguf_arr_data(g, kv);
        if (!d || info.arr_n == 0 || (info.arr_type != LLM_GGUF_UINT32 && info.arr_type != LLM_GGUF_INT32)) {
            llm_set_err(err, errlen, "model: metadata key '%s' is an array of %s; expected integers", key,
                        llm_gguf_type_name(info.arr_type));
            return LLM_ERR_FORMAT;
        }
        uint32_t first;
        memcpy(&first, d, 4);
        for (uint64_t i = 1; i < info.arr_n; i++) {
            uint32_t v;
            memcpy(&v, (const uint8_t *)d + 4 * i, 4);
            if (v != first) {
                llm_set_err(err, errlen, "model: '%s' varies per layer; not supported", key);
                return LLM_ERR_UNSUPPORTED;
            }
        }
        if ((int32_t)first < 0) {
            llm_set_err(err, errlen, "model: metadata key '%s' is negative", key);
            return LLM_ERR_FORMAT;
        }
        *out = first;
        return LLM_OK;
    }
    if (llm_gguf_get_uint(g, key, out, e2, sizeof e2)) {
        llm_set_err(err, errlen, "model: %s", e2);
        return LLM_ERR_FORMAT;
    }
    return LLM_OK;
}

static int get_f(const llm_gguf *g, const char *arch, const char *suffix, double def, double *out,
                 char *err, size_t errlen)
{
    char key[128], e2[256];
    snprintf(key, sizeof key, "%s.%s", arch, suffix);
    if (llm_gguf_find_key(g, key) < 0) {
        *out = def;
        return LLM_OK;
    }
    if (llm_gguf_get_float(g, key, out, e2, sizeof e2)) {
        llm_set_err(err, errlen, "model: %s", e2);
        return LLM_ERR_FORMAT;
    }
    if (!isfinite(*out)) {
        llm_set_err(err, errlen, "model: metadata key '%s' is not finite", key);
        return LLM_ERR_FORMAT;
    }
    return LLM_OK;
}

/* Finds a tensor, checks its shape (ne0, ne1; ne1 = 0 for a vector) and that its type is
 * one quant.c implements. */
static int bind_mat(const llm_gguf *g, const char *name, int64_t ne0, int64_t ne1, int optional,
                    llm_mat *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    int64_t i = llm_gguf_find_tensor(g, name);
    if (i < 0) {
        if (optional)
            return LLM_OK;
        llm_set_err(err, errlen, "model: required tensor '%s' is missing", name);
        return LLM_ERR_FORMAT;
    }
    llm_gguf_tensor_info t;
    llm_gguf_tensor(g, i, &t);
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
        llm_set_err(err, errlen,
                    "model: unsupported quant type %s in tensor '%s' (supported: %s)",
                    llm_type_name(t.type), name, llm_type_supported_list());
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

/* A NaN/inf scale (or F16/F32 value) makes its block NaN; the int8 activation rounding of
 * the next matrix product then turns NaN into finite garbage, so the logits need not show
 * it. LLM_ERR_FORMAT naming the tensor, or LLM_OK. Reads the scales only. */
static int mat_check_finite(const llm_mat *w, char *err, size_t errlen)
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

static int bind_norm(const llm_gguf *g, const char *name, int64_t n, float *dst, char *err,
                     size_t errlen)
{
    llm_mat m;
    int rc = bind_mat(g, name, n, 0, 0, &m, err, errlen);
    if (rc)
        return rc;
    llm_dequant_row(m.type, m.data, dst, n);
    for (int64_t i = 0; i < n; i++)
        if (!isfinite(dst[i])) {
            llm_set_err(err, errlen, "model: tensor '%s' holds a non-finite value at %lld", name,
                        (long long)i);
            return LLM_ERR_FORMAT;
        }
    return LLM_OK;
}

void llm_model_free(llm_model *m)
{
    if (!m)
        return;
    llm_vocab_free(&m->vocab);
    free(m->layers);
    free(m->norms);
    free(m->kv_mem);
    free(m->chat_template);
    free(m->x);
    free(m->scratch);
    llm_gguf_close(m->g);
    free(m);
}

static int model_load_gemma3(llm_model *m, int num_ctx, char *err, size_t errlen)
{
    const llm_gguf *g = m->g;
    const char *a = m->arch;
    uint64_t n_embd, n_layer, n_head, n_head_kv, kl, vl, n_ff, ctx_train, swa;
    int rc;
    if ((rc = get_u(g, a, "context_length", 1, 0, &ctx_train, err, errlen)) ||
        (rc = get_u(g, a, "embedding_length", 1, 0, &n_embd, err, errlen)) ||
        (rc = get_u(g, a, "block_count", 1, 0, &n_layer, err, errlen)) ||
        (rc = get_u(g, a, "feed_forward_length", 1, 0, &n_ff, err, errlen)) ||
        (rc = get_u(g, a, "attention.head_count", 1, 0, &n_head, err, errlen)))
        return rc;
    if ((rc = get_u(g, a, "attention.head_count_kv", 0, n_head, &n_head_kv, err, errlen)))
        return rc;
    if (n_layer == 0 || n_layer > LLM_MAX_LAYERS) {
        llm_set_err(err, errlen, "model: %s.block_count = %llu (must be 1..%d)", a,
                    (unsigned long long)n_layer, LLM_MAX_LAYERS);
        return LLM_ERR_FORMAT;
    }
    if (n_embd == 0 || n_embd > 65536 || n_ff == 0 || n_ff > 1048576) {
        llm_set_err(err, errlen, "model: %s.embedding_length = %llu / feed_forward_length = %llu out of range",
                    a, (unsigned long long)n_embd, (unsigned long long)n_ff);
        return LLM_ERR_FORMAT;
    }
    if (n_head == 0 || n_head > 1024 || n_head_kv == 0 || n_head % n_head_kv != 0) {
        llm_set_err(err, errlen,
                    "model: %s.attention.head_count = %llu, head_count_kv = %llu (must be >= 1, and "
                    "head_count a multiple of head_count_kv)",
                    a, (unsigned long long)n_head, (unsigned long long)n_head_kv);
        return LLM_ERR_FORMAT;
    }
    if ((rc = get_u(g, a, "attention.key_length", 0, n_embd / n_head, &kl, err, errlen)) ||
        (rc = get_u(g, a, "attention.value_length", 0, kl, &vl, err, errlen)))
        return rc;
    if (kl == 0 || kl > 4096 || kl % 2 || kl != vl) {
        llm_set_err(err, errlen,
                    "model: head size key_length = %llu, value_length = %llu (must be equal, even, 2..4096)",
                    (unsigned long long)kl, (unsigned long long)vl);
        return LLM_ERR_FORMAT;
    }
    char klkey[128];
    snprintf(klkey, sizeof klkey, "%s.attention.key_length", a);
    if (n_embd % n_head != 0 && llm_gguf_find_key(g, klkey) < 0) {
        llm_set_err(err, errlen, "model: head_count %llu does not divide embedding_length %llu",
                    (unsigned long long)n_head, (unsigned long long)n_embd);
        return LLM_ERR_FORMAT;
    }
    if (ctx_train == 0) {
        llm_set_err(err, errlen, "model: %s.context_length is 0", a);
        return LLM_ERR_FORMAT;
    }
    if ((rc = get_u(g, a, "attention.sliding_window", 0, 0, &swa, err, errlen)))
        return rc;
    double eps, base, scale_factor = 0, softcap;
    if ((rc = get_f(g, a, "attention.layer_norm_rms_epsilon", 1e-6, &eps, err, errlen)) ||
        (rc = get_f(g, a, "rope.freq_base", 1e6, &base, err, errlen)) ||
        (rc = get_f(g, a, "rope.scaling.factor", 0, &scale_factor, err, errlen)) ||
        (rc = get_f(g, a, "final_logit_softcapping", 0, &softcap, err, errlen)))
        return rc;
    if (eps <= 0 || eps > 1 || base <= 1 || scale_factor < 0 || softcap < 0) {
        llm_set_err(err, errlen, "model: bad rms epsilon (%g), rope base (%g), rope scaling (%g) or softcap (%g)",
                    eps, base, scale_factor, softcap);
        return LLM_ERR_FORMAT;
    }
    m->n_embd = (int)n_embd;
    m->n_layer = (int)n_layer;
    m->n_head = (int)n_head;
    m->n_head_kv = (int)n_head_kv;
    m->head_dim = (int)kl;
    m->n_ff = (int)n_ff;
    m->n_ctx_train = ctx_train > 1u << 30 ? 1 << 30 : (int)ctx_train;
    m->n_swa = swa > (uint64_t)m->n_ctx_train ? m->n_ctx_train : (int)swa;
    m->eps = (float)eps;
    m->softcap = (float)softcap;
    /* 1/sqrt(head_dim) except the 27B (62 layers) model, which uses 1/sqrt(n_embd/n_head) */
    m->attn_scale = n_layer == 62 ? 1.0f / sqrtf((float)(n_embd / n_head)) : 1.0f / sqrtf((float)kl);
    if (num_ctx <= 0)
        num_ctx = 2048;
    if (num_ctx > m->n_ctx_train)
        num_ctx = m->n_ctx_train;
    if (num_ctx > 1 << 20)
        num_ctx = 1 << 20;
    m->n_ctx = num_ctx;

    /* vocabulary first: n_vocab fixes the embedding shape */
    if ((rc = llm_vocab_load(m, err, errlen)))
        return rc;
    const int64_t V = m->vocab.n_vocab, E = m->n_embd, F = m->n_ff, D = m->head_dim;
    const int64_t QD = D * m->n_head, KD = D * m->n_head_kv;
    if ((rc = bind_mat(g, "token_embd.weight", E, V, 0, &m->tok_embd, err, errlen)) ||
        (rc = bind_mat(g, "output.weight", E, V, 1, &m->output, err, errlen)))
        return rc;
    if (!m->output.data)
        m->output = m->tok_embd; /* tied */
    size_t n_norm = (size_t)E * (4 * (size_t)m->n_layer + 1) + (size_t)D * 2 * (size_t)m->n_layer;
    m->norms = malloc(n_norm * sizeof(float));
    m->layers = calloc((size_t)m->n_layer, sizeof *m->layers);
    if (!m->norms || !m->layers) {
        llm_set_err(err, errlen, "model: out of memory");
        return LLM_ERR_NOMEM;
    }
    float *np = m->norms;
    m->output_norm = np;
    np += E;
    if ((rc = bind_norm(g, "output_norm.weight", E, m->output_norm, err, errlen)))
        return rc;
    size_t kv_total = 0;
    for (int il = 0; il < m->n_layer; il++) {
        llm_layer *L = &m->layers[il];
        char nm[64];
#define MAT(field, suffix, n0, n1)                                                  \
    snprintf(nm, sizeof nm, "blk.%d." suffix ".weight", il);                        \
    if ((rc = bind_mat(g, nm, n0, n1, 0, &L->field, err, errlen)))                  \
        return rc;
#define NORM(field, suffix, n)                                                      \
    L->field = np;                                                                  \
    np += n;                                                                        \
    snprintf(nm, sizeof nm, "blk.%d." suffix ".weight", il);                        \
    if ((rc = bind_norm(g, nm, n, L->field, err, errlen)))                          \
        return rc;
        MAT(wq, "attn_q", E, QD)
        MAT(wk, "attn_k", E, KD)
        MAT(wv, "attn_v", E, KD)
        MAT(wo, "attn_output", QD, E)
        MAT(gate, "ffn_gate", E, F)
        MAT(up, "ffn_up", E, F)
        MAT(down, "ffn_down", F, E)
        NORM(attn_norm, "attn_norm", E)
        NORM(q_norm, "attn_q_norm", D)
        NORM(k_norm, "attn_k_norm", D)
        NORM(post_attn_norm, "post_attention_norm", E)
        NORM(ffn_norm, "ffn_norm", E)
        NORM(post_ffw_norm, "post_ffw_norm", E)
#undef MAT
#undef NORM
        L->swa = m->n_swa > 0 && (il % 6) < 5;
        L->rope_base = L->swa ? 10000.0f : (float)base;
        L->rope_scale = (!L->swa && scale_factor > 0) ? (float)(1.0 / scale_factor) : 1.0f;
        /* a sliding-window layer keeps the window plus one batch: a batch writes all its
         * K/V before attending, and must not overwrite what its first token still sees */
        L->kv_cap = L->swa && m->n_swa + LLM_BATCH < m->n_ctx ? m->n_swa + LLM_BATCH : m->n_ctx;
        kv_total += (size_t)L->kv_cap * (size_t)KD * 2;
    }
    /* Every matrix whose output feeds another product is scanned. The output matrix is not
     * (it is most of the file: 178 of 253 MB in the default model, where it is the tied
     * embedding): a bad scale there gives a non-finite logit directly, which llm_model_eval
     * refuses, and a tied embedding row is an output row too. */
    for (int il = 0; il < m->n_layer; il++) {
        const llm_layer *L = &m->layers[il];
        const llm_mat *w[] = {&L->wq, &L->wk, &L->wv, &L->wo, &L->gate, &L->up, &L->down};
        for (size_t k = 0; k < sizeof w / sizeof w[0]; k++)
            if ((rc = mat_check_finite(w[k], err, errlen)))
                return rc;
    }
    if (m->output.data != m->tok_embd.data && (rc = mat_check_finite(&m->tok_embd, err, errlen)))
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
    int rc = llm_gguf_open(path, &m->g, err, errlen);
    if (rc) {
        free(m);
        return rc;
    }
    const char *s;
    uint64_t n;
    char e2[256];
    if (llm_gguf_get_str(m->g, "general.architecture", &s, &n, e2, sizeof e2)) {
        llm_set_err(err, errlen, "%s: %s (is this a model file?)", path, e2);
        llm_model_free(m);
        return LLM_ERR_FORMAT;
    }
    snprintf(m->arch, sizeof m->arch, "%.*s", (int)(n < 31 ? n : 31), s);
    if (n >= sizeof m->arch || strcmp(m->arch, "gemma3") != 0) {
        llm_set_err(err, errlen, "%s: unsupported architecture '%.*s' (supported: gemma3)", path,
                    (int)(n < 64 ? n : 64), s);
        llm_model_free(m);
        return LLM_ERR_UNSUPPORTED;
    }
    if (llm_gguf_find_key(m->g, "tokenizer.chat_template") >= 0 &&
        llm_gguf_get_str(m->g, "tokenizer.chat_template", &s, &n, NULL, 0) == LLM_OK) {
        m->chat_template = malloc((size_t)n + 1);
        if (m->chat_template) {
            memcpy(m->chat_template, s, (size_t)n);
            m->chat_template[n] = 0;
        }
    }
    rc = model_load_gemma3(m, num_ctx, e2, sizeof e2);
    if (rc) {
        llm_set_err(err, errlen, "%s: %s", path, e2);
        llm_model_free(m);
        return rc;
    }
    gelu_table_init(); /* once, before any forward pass (single-threaded here) */
    m->load_seconds = now_s() - t0;
    *out = m;
    return LLM_OK;
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
#define DUMP(nm, il, p, n)                                                                  \
    do {                                                                                    \
        if (m->dump)                                                                        \
            m->dump(nm, il, p, (size_t)(n), m->dump_user);                                  \
    } while (0)

/* ---- forward ----------------------------------------------------------------------------- */

/* ggml rms_norm: the sum of squares in double, the scale in float. */
static void rmsnorm(float *o, const float *x, const float *w, int n, float eps)
{
    double s = 0;
    for (int i = 0; i < n; i++)
        s += (double)(x[i] * x[i]);
    float mean = (float)(s / n);
    float scale = 1.0f / sqrtf(mean + eps);
    for (int i = 0; i < n; i++)
        o[i] = (x[i] * scale) * w[i];
}

/* NEOX rotation of pairs (i, i + d/2). */
static void rope_neox(float *v, int d, int pos, float base, float pscale, int exact)
{
    int half = d / 2;
    if (exact) {
        for (int i = 0; i < half; i++) {
            double th = (double)pos * pscale * pow((double)base, -2.0 * i / d);
            double c = cos(th), s = sin(th);
            double x0 = v[i], x1 = v[i + half];
            v[i] = (float)(x0 * c - x1 * s);
            v[i + half] = (float)(x0 * s + x1 * c);
        }
        return;
    }
    /* ggml: theta_scale = base^(-2/d), theta multiplied up pair by pair in float */
    float theta_scale = powf(base, -2.0f / (float)d);
    float theta = (float)pos;
    for (int i = 0; i < half; i++) {
        float th = theta * pscale;
        float c = cosf(th), s = sinf(th);
        float x0 = v[i], x1 = v[i + half];
        /* ggml's rotate_pairs as GCC contracts it (-ffp-contract=fast, FMA): checked bit for
         * bit against llama.cpp's roped K */
        v[i] = fmaf(x0, c, -(x1 * s));
        v[i + half] = fmaf(x0, s, x1 * c);
        theta *= theta_scale;
    }
}


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
static float expf_ggml(float x)
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
 * then for each output dim an f16 dot over the cells. Compiled with FMA where available so
 * fmaf is one instruction (the results are the same either way: fmaf is exact). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("fma", "default")))
#endif
static void attn_head_ggml(const llm_layer *L, const float *qh, float *att, float *o, int t0, int nt,
                           int KD, int kh, int D, int lanes)
{
    /* as ggml (no flash attention): kq = f16 dot, softmax with ggml_v_expf
     * summed in blocks of 8 cells (cell = position), weights rounded to f16,
     * then for each output dim an f16 dot over the cells */
    float mx = -INFINITY;
    for (int t = 0; t < nt; t++) {
        const float *kk = L->kc + (size_t)((t0 + t) % L->kv_cap) * KD + kh * D;
        att[t] = dot_f16_ggml(qh, kk, D, lanes);
        mx = att[t] > mx ? att[t] : mx;
    }
    double sum = 0;
    float blk[8] = {0};
    for (int t = 0; t < nt; t++) {
        const int c = t0 + t;
        att[t] = expf_ggml(att[t] - mx);
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

/* Runs nb (<= LLM_BATCH) tokens at positions pos0 .. pos0 + nb - 1. Every per-token result
 * is computed exactly as for a single token (batching only shares the weight reads). */
static void forward_batch(llm_model *m, const int *toks, int nb, int pos0, int want_logits, int n_total,
                          int first)
{
    const int lanes = n_total == 1 ? 32 : 8; /* llama.cpp: vec_dot_f16 for 1-token batches, else tinyBLAS */
    const int E = m->n_embd, D = m->head_dim, H = m->n_head, HK = m->n_head_kv, F = m->n_ff;
    const int KD = D * HK, QD = D * H, exact = m->numerics == LLM_NUMERICS_EXACT;
    const float es = sqrtf((float)E);
    for (int b = 0; b < nb; b++) {
        float *x = m->x + (size_t)b * E;
        llm_dequant_row(m->tok_embd.type, m->tok_embd.data + (size_t)toks[b] * m->tok_embd.row_bytes, x, E);
        for (int i = 0; i < E; i++)
            x[i] *= es;
    }
    DUMP("inp_scaled", -1, m->x, nb * E);
    for (int il = 0; il < m->n_layer; il++) {
        llm_layer *L = &m->layers[il];
        for (int b = 0; b < nb; b++)
            rmsnorm(m->xb + (size_t)b * E, m->x + (size_t)b * E, L->attn_norm, E, m->eps);
        llm_matmat_part(&L->wq, m->xb, m->q, nb, n_total, first, exact, m->scratch);
        llm_matmat_part(&L->wk, m->xb, m->k, nb, n_total, first, exact, m->scratch);
        llm_matmat_part(&L->wv, m->xb, m->v, nb, n_total, first, exact, m->scratch);
        DUMP("attn_norm", il, m->xb, nb * E);
        DUMP("Qcur", il, m->q, nb * QD);
        DUMP("Kcur", il, m->k, nb * KD);
        DUMP("Vcur", il, m->v, nb * KD);
        for (int b = 0; b < nb; b++) {
            const int pos = pos0 + b;
            for (int h = 0; h < H; h++) {
                float *qh = m->q + (size_t)b * QD + h * D;
                rmsnorm(qh, qh, L->q_norm, D, m->eps);
                rope_neox(qh, D, pos, L->rope_base, L->rope_scale, exact);
                for (int i = 0; i < D; i++) {
                    qh[i] *= m->attn_scale;
                    if (!exact)
                        qh[i] = llm_round_fp16(qh[i]);
                }
            }
            const float *kb = m->k + (size_t)b * KD, *vb = m->v + (size_t)b * KD;
            for (int h = 0; h < HK; h++) {
                float *kh = m->k + (size_t)b * KD + h * D;
                rmsnorm(kh, kh, L->k_norm, D, m->eps);
                rope_neox(kh, D, pos, L->rope_base, L->rope_scale, exact);
            }
            const int slot = pos % L->kv_cap;
            float *kd = L->kc + (size_t)slot * KD, *vd = L->vc + (size_t)slot * KD;
            for (int i = 0; i < KD; i++) {
                kd[i] = exact ? kb[i] : llm_round_fp16(kb[i]);
                vd[i] = exact ? vb[i] : llm_round_fp16(vb[i]);
            }
        }
        for (int b = 0; b < nb; b++) {
            const int pos = pos0 + b;
            int t0 = 0;
            if (L->swa && pos - m->n_swa + 1 > 0)
                t0 = pos - m->n_swa + 1;
            if (pos - t0 + 1 > L->kv_cap)
                t0 = pos - L->kv_cap + 1;
            const int nt = pos - t0 + 1, grp = H / HK;
            const float *qb = m->q + (size_t)b * QD;
            float *ob = m->attn + (size_t)b * QD;
            #pragma omp parallel for schedule(static) if ((double)nt * D * H >= 1.0e6)
            for (int h = 0; h < H; h++) {
                const float *qh = qb + h * D;
                float *att = m->att + (size_t)h * m->n_ctx;
                const int kh = h / grp;
                if (!exact) {
                    attn_head_ggml(L, qh, att, ob + h * D, t0, nt, KD, kh, D, lanes);
                    continue;
                }
                float mx = -INFINITY;
                for (int t = 0; t < nt; t++) {
                    const float *kk = L->kc + (size_t)((t0 + t) % L->kv_cap) * KD + kh * D;
                    float sdot = 0;
                    for (int i = 0; i < D; i++)
                        sdot += qh[i] * kk[i];
                    att[t] = sdot;
                    mx = sdot > mx ? sdot : mx;
                }
                double sum = 0;
                for (int t = 0; t < nt; t++) {
                    float e = expf(att[t] - mx);
                    att[t] = e;
                    sum += e;
                }
                float inv = (float)(1.0 / sum);
                float *o = ob + h * D;
                for (int i = 0; i < D; i++)
                    o[i] = 0;
                for (int t = 0; t < nt; t++) {
                    float a = att[t] * inv;
                    if (!exact)
                        a = llm_round_fp16(a);
                    const float *vv = L->vc + (size_t)((t0 + t) % L->kv_cap) * KD + kh * D;
                    for (int i = 0; i < D; i++)
                        o[i] += a * vv[i];
                }
            }
        }
        DUMP("Qscaled", il, m->q, nb * QD);
        DUMP("Kroped", il, m->k, nb * KD);
        DUMP("kqv_out", il, m->attn, nb * QD);
        llm_matmat_part(&L->wo, m->attn, m->xb2, nb, n_total, first, exact, m->scratch);
        DUMP("attn_out", il, m->xb2, nb * E);
        /* llama.cpp keeps only the output rows after the last layer's attention (inp_out_ids):
         * the rest of that layer runs for the last token alone, as a 1-vector product (which
         * selects llama.cpp's single-vector kernels); without logits it is not needed at all */
        int f0 = 0, fn = nb, ftot = n_total, ffirst = first;
        if (il == m->n_layer - 1) {
            if (!want_logits)
                break;
            f0 = nb - 1;
            fn = 1;
            ftot = 1;
            ffirst = 0;
        }
        float *xb_f = m->xb + (size_t)f0 * E, *xb2_f = m->xb2 + (size_t)f0 * E;
        float *hb_f = m->hb + (size_t)f0 * F, *hb2_f = m->hb2 + (size_t)f0 * F;
        for (int b = f0; b < nb; b++) {
            float *x = m->x + (size_t)b * E, *t2 = m->xb2 + (size_t)b * E;
            rmsnorm(t2, t2, L->post_attn_norm, E, m->eps);
            for (int i = 0; i < E; i++)
                x[i] += t2[i];
            rmsnorm(m->xb + (size_t)b * E, x, L->ffn_norm, E, m->eps);
        }
        DUMP("attn_post_norm", il, xb2_f, fn * E);
        DUMP("sa_out", il, m->x + (size_t)f0 * E, fn * E);
        DUMP("ffn_norm", il, xb_f, fn * E);
        llm_matmat_part(&L->gate, xb_f, hb_f, fn, ftot, ffirst, exact, m->scratch);
        llm_matmat_part(&L->up, xb_f, hb2_f, fn, ftot, ffirst, exact, m->scratch);
        DUMP("ffn_gate", il, hb_f, fn * F);
        DUMP("ffn_up", il, hb2_f, fn * F);
        if (exact)
            for (size_t i = 0; i < (size_t)fn * F; i++)
                hb_f[i] = gelu_f32(hb_f[i]) * hb2_f[i];
        else
            for (size_t i = 0; i < (size_t)fn * F; i++)
                hb_f[i] = geglu_ggml(hb_f[i], hb2_f[i]);
        DUMP("ffn_geglu", il, hb_f, fn * F);
        llm_matmat_part(&L->down, hb_f, xb2_f, fn, ftot, ffirst, exact, m->scratch);
        DUMP("ffn_out", il, xb2_f, fn * E);
        for (int b = f0; b < nb; b++) {
            float *x = m->x + (size_t)b * E, *t2 = m->xb2 + (size_t)b * E;
            rmsnorm(t2, t2, L->post_ffw_norm, E, m->eps);
            for (int i = 0; i < E; i++)
                x[i] += t2[i];
        }
        DUMP("ffn_post_norm", il, xb2_f, fn * E);
        DUMP("l_out", il, m->x + (size_t)f0 * E, fn * E);
    }
    if (!want_logits)
        return;
    /* logits only for the last token */
    rmsnorm(m->xb, m->x + (size_t)(nb - 1) * E, m->output_norm, E, m->eps);
    DUMP("result_norm", -1, m->xb, E);
    llm_matvec(&m->output, m->xb, m->logits, exact, m->scratch);
    if (m->softcap > 0) {
        const int V = m->vocab.n_vocab;
        for (int i = 0; i < V; i++)
            m->logits[i] = m->softcap * tanhf(m->logits[i] / m->softcap);
    }
}

int llm_model_eval(llm_model *m, const int *tokens, int n, int pos, float *logits, char *err,
                   size_t errlen)
{
    if (!m || (!tokens && n) || n < 0 || pos < 0) {
        llm_set_err(err, errlen, "llm_model_eval: invalid argument");
        return LLM_ERR_INVAL;
    }
    if ((int64_t)pos + n > m->n_ctx) {
        llm_set_err(err, errlen, "context full: %d + %d tokens exceed num_ctx %d", pos, n, m->n_ctx);
        return LLM_ERR_CTX;
    }
    for (int i = 0; i < n; i++)
        if (tokens[i] < 0 || tokens[i] >= m->vocab.n_vocab) {
            llm_set_err(err, errlen, "token id %d out of range [0, %d)", tokens[i], m->vocab.n_vocab);
            return LLM_ERR_INVAL;
        }
    for (int i = 0; i < n;) {
        /* the kernels (and so the float order) follow llama.cpp's choice for one batch of
         * all n tokens, whatever the split into LLM_BATCH pieces here */
        int nb = n - i < LLM_BATCH ? n - i : LLM_BATCH;
        forward_batch(m, tokens + i, nb, pos + i, logits != NULL && i + nb == n, n, i);
        i += nb;
    }
    if (logits && n > 0) {
        /* the load refuses non-finite weights, but an overflow can still make inf/NaN: such
         * logits must never become tokens (262k compares, ~0.1 ms, per evaluation) */
        for (int i = 0; i < m->vocab.n_vocab; i++)
            if (!isfinite(m->logits[i])) {
                /* the output matrix is not scanned at load: name it if it is the cause */
                if (mat_check_finite(&m->output, err, errlen) == LLM_OK)
                    llm_set_err(err, errlen,
                                "the model computed a non-finite logit (token %d at position "
                                "%d): its weights overflow or are corrupt",
                                i, pos + n - 1);
                return LLM_ERR_FORMAT;
            }
        memcpy(logits, m->logits, (size_t)m->vocab.n_vocab * sizeof(float));
    }
    return LLM_OK;
}
