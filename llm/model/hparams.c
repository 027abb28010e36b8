/* hparams.c — every hyperparameter of the architecture's row, read from the GGUF metadata
 * and checked before anything is allocated (keys are "<arch>.<suffix>"; which keys each
 * architecture reads: llama.cpp llama-model.cpp, notes llm_breadth.md §2). A bad value is
 * refused with a message naming the key, the file's value and what is accepted.
 */
#include "llm/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int key_of(const llm_model *m, const char *suffix, char *key, size_t n)
{
    snprintf(key, n, "%s.%s", m->arch, suffix);
    return llm_gguf_find_key(m->g, key) >= 0;
}

/* An unsigned integer key (a per-layer array must be uniform). */
static int get_u(const llm_model *m, const char *suffix, int required, uint64_t def, uint64_t *out,
                 char *err, size_t errlen)
{
    char key[128], e2[256];
    if (!key_of(m, suffix, key, sizeof key)) {
        if (required) {
            llm_set_err(err, errlen, "model: missing required metadata key '%s'", key);
            return LLM_ERR_FORMAT;
        }
        *out = def;
        return LLM_OK;
    }
    const llm_gguf *g = m->g;
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
                llm_set_err(err, errlen, "model: '%s' varies per layer (%u, then %u); not supported",
                            key, first, v);
                return LLM_ERR_UNSUPPORTED;
            }
        }
        if ((int32_t)first < 0) {
            llm_set_err(err, errlen, "model: metadata key '%s' is negative (%d)", key, (int32_t)first);
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

static int get_f(const llm_model *m, const char *suffix, double def, double *out, char *err,
                 size_t errlen)
{
    char key[128], e2[256];
    if (!key_of(m, suffix, key, sizeof key)) {
        if (def < 0 && !isfinite(def)) {
            llm_set_err(err, errlen, "model: missing required metadata key '%s'", key);
            return LLM_ERR_FORMAT;
        }
        *out = def;
        return LLM_OK;
    }
    if (llm_gguf_get_float(m->g, key, out, e2, sizeof e2)) {
        llm_set_err(err, errlen, "model: %s", e2);
        return LLM_ERR_FORMAT;
    }
    if (!isfinite(*out)) {
        llm_set_err(err, errlen, "model: metadata key '%s' is not finite (%g)", key, *out);
        return LLM_ERR_FORMAT;
    }
    return LLM_OK;
}

/* Blocks the tensors describe: 1 + the largest N of a "blk.N." name (0 if none). */
static uint64_t blocks_present(const llm_gguf *g)
{
    uint64_t n = 0;
    for (int64_t i = 0; i < llm_gguf_n_tensors(g); i++) {
        llm_gguf_tensor_info t;
        llm_gguf_tensor(g, i, &t);
        if (strncmp(t.name, "blk.", 4) != 0)
            continue;
        char *end;
        unsigned long long b = strtoull(t.name + 4, &end, 10);
        if (end != t.name + 4 && *end == '.' && b < (1ull << 32) && b + 1 > n)
            n = b + 1;
    }
    return n;
}

static int check_range(const llm_model *m, const char *suffix, uint64_t v, uint64_t lo, uint64_t hi,
                       char *err, size_t errlen)
{
    if (v >= lo && v <= hi)
        return LLM_OK;
    llm_set_err(err, errlen, "model: %s.%s = %llu is out of range (supported: %llu..%llu)", m->arch,
                suffix, (unsigned long long)v, (unsigned long long)lo, (unsigned long long)hi);
    return LLM_ERR_FORMAT;
}

static int read_rope_scaling(llm_model *m, double *factor, uint64_t *orig_ctx, char *err, size_t errlen)
{
    char key[128];
    int rc;
    if (key_of(m, "rope.scaling.type", key, sizeof key)) {
        const char *s;
        uint64_t n;
        char e2[256];
        if (llm_gguf_get_str(m->g, key, &s, &n, e2, sizeof e2)) {
            llm_set_err(err, errlen, "model: %s", e2);
            return LLM_ERR_FORMAT;
        }
        if (!((n == 4 && !memcmp(s, "none", 4)) || (n == 6 && !memcmp(s, "linear", 6)))) {
            llm_set_err(err, errlen, "model: %s = '%.*s' is not supported (supported: none, linear)",
                        key, (int)(n < 32 ? n : 32), s);
            return LLM_ERR_UNSUPPORTED;
        }
        if (n == 4)
            *factor = 0;
    }
    double attn = 1;
    if ((rc = get_f(m, "rope.scaling.attn_factor", 1.0, &attn, err, errlen)) ||
        (rc = get_u(m, "rope.scaling.original_context_length", 0, (uint64_t)m->n_ctx_train, orig_ctx,
                    err, errlen)))
        return rc;
    if (*factor < 0 || *factor > 1e6 || attn <= 0 || attn > 1e3) {
        llm_set_err(err, errlen,
                    "model: %s.rope.scaling.factor = %g / attn_factor = %g out of range (supported: "
                    "factor 0..1e6, attn_factor (0, 1000])",
                    m->arch, *factor, attn);
        return LLM_ERR_FORMAT;
    }
    m->rope_mscale = (float)attn;
    return LLM_OK;
}

static int read_sections(llm_model *m, char *err, size_t errlen)
{
    char key[128];
    if (!key_of(m, "rope.dimension_sections", key, sizeof key)) {
        llm_set_err(err, errlen, "model: missing required metadata key '%s' (M-RoPE sections)", key);
        return LLM_ERR_FORMAT;
    }
    int64_t kv = llm_gguf_find_key(m->g, key);
    llm_gguf_kv_info info;
    llm_gguf_kv(m->g, kv, &info);
    const void *d = llm_gguf_arr_data(m->g, kv);
    if (info.type != LLM_GGUF_ARRAY || !d || info.arr_n < 3 || info.arr_n > 4 ||
        (info.arr_type != LLM_GGUF_INT32 && info.arr_type != LLM_GGUF_UINT32)) {
        llm_set_err(err, errlen, "model: '%s' must be an array of 3 or 4 integers (found %s of %s, length %llu)",
                    key, llm_gguf_type_name(info.type), llm_gguf_type_name(info.arr_type),
                    (unsigned long long)info.arr_n);
        return LLM_ERR_FORMAT;
    }
    int sum = 0;
    for (uint64_t i = 0; i < 4; i++) {
        int32_t v = 0;
        if (i < info.arr_n)
            memcpy(&v, (const uint8_t *)d + 4 * i, 4);
        if (v < 0 || v > 4096) {
            llm_set_err(err, errlen, "model: '%s'[%llu] = %d out of range (supported: 0..4096)", key,
                        (unsigned long long)i, v);
            return LLM_ERR_FORMAT;
        }
        m->mrope_sec[i] = v;
        sum += v;
    }
    if (sum == 0) {
        llm_set_err(err, errlen, "model: '%s' sections are all 0", key);
        return LLM_ERR_FORMAT;
    }
    return LLM_OK;
}

int llm_hparams_load(llm_model *m, int num_ctx, char *err, size_t errlen)
{
    const llm_arch *A = m->desc;
    const char *a = m->arch;
    uint64_t n_embd, n_layer, n_head, n_head_kv, kl, vl, n_ff, ctx_train, swa, n_rot, orig_ctx;
    int rc;
    if ((rc = get_u(m, "context_length", 1, 0, &ctx_train, err, errlen)) ||
        (rc = get_u(m, "embedding_length", 1, 0, &n_embd, err, errlen)) ||
        (rc = get_u(m, "block_count", 1, 0, &n_layer, err, errlen)) ||
        (rc = get_u(m, "feed_forward_length", 1, 0, &n_ff, err, errlen)) ||
        (rc = get_u(m, "attention.head_count", 1, 0, &n_head, err, errlen)))
        return rc;
    if ((rc = get_u(m, "attention.head_count_kv", 0, n_head, &n_head_kv, err, errlen)))
        return rc;
    const uint64_t present = blocks_present(m->g);
    if (n_layer != present) {
        if (present == 0)
            llm_set_err(err, errlen, "model: %s.block_count = %llu, but the file has no blk.N tensors",
                        a, (unsigned long long)n_layer);
        else
            llm_set_err(err, errlen,
                        "model: %s.block_count = %llu, but the file's tensors describe %llu blocks "
                        "(blk.0 .. blk.%lld)",
                        a, (unsigned long long)n_layer, (unsigned long long)present,
                        (long long)present - 1);
        return LLM_ERR_FORMAT;
    }
    if ((rc = check_range(m, "block_count", n_layer, 1, LLM_MAX_LAYERS, err, errlen)) ||
        (rc = check_range(m, "embedding_length", n_embd, 1, 65536, err, errlen)) ||
        (rc = check_range(m, "feed_forward_length", n_ff, 1, 1048576, err, errlen)) ||
        (rc = check_range(m, "attention.head_count", n_head, 1, 1024, err, errlen)) ||
        (rc = check_range(m, "attention.head_count_kv", n_head_kv, 1, n_head, err, errlen)) ||
        (rc = check_range(m, "context_length", ctx_train, 1, UINT32_MAX, err, errlen)))
        return rc;
    if (n_head % n_head_kv != 0) {
        llm_set_err(err, errlen,
                    "model: %s.attention.head_count = %llu is not a multiple of head_count_kv = %llu",
                    a, (unsigned long long)n_head, (unsigned long long)n_head_kv);
        return LLM_ERR_FORMAT;
    }
    char klkey[128];
    const int has_kl = key_of(m, "attention.key_length", klkey, sizeof klkey);
    if (n_embd % n_head != 0 && !has_kl) {
        llm_set_err(err, errlen, "model: %s.attention.head_count = %llu does not divide embedding_length = %llu",
                    a, (unsigned long long)n_head, (unsigned long long)n_embd);
        return LLM_ERR_FORMAT;
    }
    if ((rc = get_u(m, "attention.key_length", 0, n_embd / n_head, &kl, err, errlen)) ||
        (rc = get_u(m, "attention.value_length", 0, kl, &vl, err, errlen)))
        return rc;
    if (kl == 0 || kl > 4096 || kl % 2 || kl != vl) {
        llm_set_err(err, errlen,
                    "model: %s.attention.key_length = %llu, value_length = %llu (supported: equal, even, 2..4096)",
                    a, (unsigned long long)kl, (unsigned long long)vl);
        return LLM_ERR_FORMAT;
    }
    if (!(A->flags & LLM_ARCH_HEAD_DIM_FREE) && kl * n_head != n_embd) {
        llm_set_err(err, errlen,
                    "model: %s.attention.key_length = %llu, but %s needs n_embd/n_head = %llu/%llu",
                    a, (unsigned long long)kl, a, (unsigned long long)n_embd, (unsigned long long)n_head);
        return LLM_ERR_FORMAT;
    }
    if ((rc = get_u(m, "rope.dimension_count", 0, kl, &n_rot, err, errlen)))
        return rc;
    if (n_rot == 0 || n_rot % 2 || n_rot > kl || ((A->flags & LLM_ARCH_ROT_EQ_HEAD) && n_rot != kl)) {
        if (A->flags & LLM_ARCH_ROT_EQ_HEAD)
            llm_set_err(err, errlen, "model: %s.rope.dimension_count = %llu (%s rotates the whole head: "
                        "supported only %llu = key_length)", a, (unsigned long long)n_rot, a,
                        (unsigned long long)kl);
        else
            llm_set_err(err, errlen, "model: %s.rope.dimension_count = %llu (supported: even, 2..%llu)",
                        a, (unsigned long long)n_rot, (unsigned long long)kl);
        return LLM_ERR_FORMAT;
    }
    if ((rc = get_u(m, "attention.sliding_window", 0, 0, &swa, err, errlen)))
        return rc;
    double eps, base, factor = 0, softcap = 0;
    if ((rc = get_f(m, "attention.layer_norm_rms_epsilon", A->eps_default < 0 ? -INFINITY : A->eps_default,
                    &eps, err, errlen)) ||
        (rc = get_f(m, "rope.freq_base", A->rope_base_default, &base, err, errlen)) ||
        (rc = get_f(m, "rope.scaling.factor", 0, &factor, err, errlen)))
        return rc;
    if ((A->flags & LLM_ARCH_SOFTCAP) &&
        (rc = get_f(m, "final_logit_softcapping", 0, &softcap, err, errlen)))
        return rc;
    /* eps = 0 is valid (llama.cpp 0.3.36 runs qwen2vl with it) */
    if (eps < 0 || eps > 1 || base <= 1 || base > 1e12 || softcap < 0) {
        llm_set_err(err, errlen,
                    "model: %s rms epsilon = %g, rope.freq_base = %g, softcap = %g (supported: "
                    "epsilon 0..1, base (1, 1e12], softcap >= 0)",
                    a, eps, base, softcap);
        return LLM_ERR_FORMAT;
    }
    m->n_ctx_train = ctx_train > 1u << 30 ? 1 << 30 : (int)ctx_train;
    if ((rc = read_rope_scaling(m, &factor, &orig_ctx, err, errlen)))
        return rc;
    if ((A->flags & LLM_ARCH_MROPE_SECTIONS) && (rc = read_sections(m, err, errlen)))
        return rc;
    m->n_embd = (int)n_embd;
    m->n_layer = (int)n_layer;
    m->n_head = (int)n_head;
    m->n_head_kv = (int)n_head_kv;
    m->head_dim = (int)kl;
    m->n_rot = (int)n_rot;
    m->n_ff = (int)n_ff;
    m->n_swa = A->swa == LLM_SWA_NONE ? 0 : swa > (uint64_t)m->n_ctx_train ? m->n_ctx_train : (int)swa;
    m->eps = (float)eps;
    m->softcap = (float)softcap;
    m->attn_scale = A->scale == LLM_SCALE_GEMMA3 && n_layer == 62 ? 1.0f / sqrtf((float)(n_embd / n_head))
                                                                   : 1.0f / sqrtf((float)kl);
    if (num_ctx <= 0)
        num_ctx = 2048;
    if (num_ctx > m->n_ctx_train)
        num_ctx = m->n_ctx_train;
    if (num_ctx > 1 << 20)
        num_ctx = 1 << 20;
    m->n_ctx = num_ctx;
    /* per-layer RoPE: global layers use the file's base and linear scaling, sliding-window
     * layers the row's local base without scaling; LongRoPE picks its factor set from the
     * context actually used (llama.cpp: long when n_ctx > original_context_length) */
    m->rope_long = (uint64_t)m->n_ctx > orig_ctx;
    m->rope_base_global = (float)base;
    m->rope_scale_global = factor > 0 ? (float)(1.0 / factor) : 1.0f;
    return LLM_OK;
}
