/* gguf_access.c — read access to a parsed GGUF file: counts, entries, typed getters,
 * array elements. Every index and type is checked; values are views into the mapping. */
#include "llm/gguf/gguf_impl.h"
#include "base/err.h"

#include <stdio.h>
#include <stdlib.h>

/* ---- accessors --------------------------------------------------------------------------- */

uint32_t llm_gguf_version(const llm_gguf *g) { return g->version; }
uint64_t llm_gguf_file_size(const llm_gguf *g) { return g->size; }
uint32_t llm_gguf_alignment(const llm_gguf *g) { return g->alignment; }
uint64_t llm_gguf_data_offset(const llm_gguf *g) { return g->data_off; }
int64_t llm_gguf_n_kv(const llm_gguf *g) { return g->n_kv; }
int64_t llm_gguf_n_tensors(const llm_gguf *g) { return g->n_tensors; }

int llm_gguf_kv(const llm_gguf *g, int64_t i, llm_gguf_kv_info *out)
{
    if (!g || i < 0 || i >= g->n_kv || !out)
        return LLM_ERR_INVAL;
    const gguf_kv *kv = &g->kv[i];
    out->key = kv->key;
    out->type = kv->type;
    out->arr_type = kv->arr_type;
    out->arr_n = kv->arr_n;
    out->offset = kv->key_off;
    return LLM_OK;
}

int llm_gguf_tensor(const llm_gguf *g, int64_t i, llm_gguf_tensor_info *out)
{
    if (!g || i < 0 || i >= g->n_tensors || !out)
        return LLM_ERR_INVAL;
    const gguf_tensor *t = &g->t[i];
    out->name = t->name;
    out->type = t->type;
    out->n_dims = t->n_dims;
    memcpy(out->ne, t->ne, sizeof t->ne);
    out->offset = t->offset;
    out->nbytes = t->nbytes;
    out->data = g->base + g->data_off + t->offset;
    return LLM_OK;
}

int64_t llm_gguf_find_key(const llm_gguf *g, const char *key)
{
    if (!g || !key)
        return -1;
    uint64_t slot;
    return llm_gguf_hash_find(g->kv_hash, g->kv_hash_n, key, strlen(key), llm_gguf_kv_name_of, g, &slot);
}

int64_t llm_gguf_find_tensor(const llm_gguf *g, const char *name)
{
    if (!g || !name)
        return -1;
    uint64_t slot;
    return llm_gguf_hash_find(g->t_hash, g->t_hash_n, name, strlen(name), llm_gguf_t_name_of, g, &slot);
}

static int get_kv(const llm_gguf *g, const char *key, const gguf_kv **kv, char *err, size_t errlen)
{
    int64_t i = llm_gguf_find_key(g, key);
    if (i < 0) {
        so8t_err_set(err, errlen, "missing metadata key '%s'", key);
        return LLM_ERR_FORMAT;
    }
    *kv = &g->kv[i];
    return LLM_OK;
}

int llm_gguf_get_uint(const llm_gguf *g, const char *key, uint64_t *out, char *err, size_t errlen)
{
    const gguf_kv *kv;
    int rc = get_kv(g, key, &kv, err, errlen);
    if (rc)
        return rc;
    const uint8_t *p = g->base + kv->val_off;
    int64_t sv = 0;
    uint64_t uv = 0;
    int is_signed = 0;
    switch (kv->type) {
    case LLM_GGUF_UINT8: uv = p[0]; break;
    case LLM_GGUF_UINT16: uv = (uint64_t)p[0] | (uint64_t)p[1] << 8; break;
    case LLM_GGUF_UINT32: uv = ld_u32(p); break;
    case LLM_GGUF_UINT64: uv = ld_u64(p); break;
    case LLM_GGUF_INT8: sv = (int8_t)p[0]; is_signed = 1; break;
    case LLM_GGUF_INT16: sv = (int16_t)(uint16_t)((uint16_t)p[0] | (uint16_t)p[1] << 8); is_signed = 1; break;
    case LLM_GGUF_INT32: sv = (int32_t)ld_u32(p); is_signed = 1; break;
    case LLM_GGUF_INT64: sv = (int64_t)ld_u64(p); is_signed = 1; break;
    default:
        so8t_err_set(err, errlen, "metadata key '%s' has type %s, expected an integer", key,
                llm_gguf_type_name(kv->type));
        return LLM_ERR_FORMAT;
    }
    if (is_signed) {
        if (sv < 0) {
            so8t_err_set(err, errlen, "metadata key '%s' is negative (%lld)", key, (long long)sv);
            return LLM_ERR_FORMAT;
        }
        uv = (uint64_t)sv;
    }
    *out = uv;
    return LLM_OK;
}

int llm_gguf_get_float(const llm_gguf *g, const char *key, double *out, char *err, size_t errlen)
{
    const gguf_kv *kv;
    int rc = get_kv(g, key, &kv, err, errlen);
    if (rc)
        return rc;
    const uint8_t *p = g->base + kv->val_off;
    if (kv->type == LLM_GGUF_FLOAT32) {
        uint32_t u = ld_u32(p);
        float f;
        memcpy(&f, &u, 4);
        *out = f;
    } else if (kv->type == LLM_GGUF_FLOAT64) {
        uint64_t u = ld_u64(p);
        memcpy(out, &u, 8);
    } else {
        uint64_t u;
        if (llm_gguf_get_uint(g, key, &u, NULL, 0) != LLM_OK) {
            so8t_err_set(err, errlen, "metadata key '%s' has type %s, expected a number", key,
                    llm_gguf_type_name(kv->type));
            return LLM_ERR_FORMAT;
        }
        *out = (double)u;
    }
    return LLM_OK;
}

int llm_gguf_get_bool(const llm_gguf *g, const char *key, int *out, char *err, size_t errlen)
{
    const gguf_kv *kv;
    int rc = get_kv(g, key, &kv, err, errlen);
    if (rc)
        return rc;
    if (kv->type != LLM_GGUF_BOOL) {
        so8t_err_set(err, errlen, "metadata key '%s' has type %s, expected bool", key,
                llm_gguf_type_name(kv->type));
        return LLM_ERR_FORMAT;
    }
    *out = g->base[kv->val_off] != 0;
    return LLM_OK;
}

int llm_gguf_get_str(const llm_gguf *g, const char *key, const char **s, uint64_t *len, char *err,
                     size_t errlen)
{
    const gguf_kv *kv;
    int rc = get_kv(g, key, &kv, err, errlen);
    if (rc)
        return rc;
    if (kv->type != LLM_GGUF_STRING) {
        so8t_err_set(err, errlen, "metadata key '%s' has type %s, expected string", key,
                llm_gguf_type_name(kv->type));
        return LLM_ERR_FORMAT;
    }
    *s = (const char *)g->base + kv->val_off + 8;
    *len = kv->str_len;
    return LLM_OK;
}

int llm_gguf_kv_raw(const llm_gguf *g, int64_t i, const void **data, uint64_t *size)
{
    if (!g || i < 0 || i >= g->n_kv || !data || !size)
        return LLM_ERR_INVAL;
    const gguf_kv *kv = &g->kv[i];
    /* the value ends where the next key starts (or where the tensor infos start) */
    uint64_t start = kv->type == LLM_GGUF_ARRAY ? kv->val_off - 12 : kv->val_off;
    uint64_t end;
    if (kv->type == LLM_GGUF_ARRAY || kv->type == LLM_GGUF_STRING) {
        if (i + 1 < g->n_kv)
            end = g->kv[i + 1].key_off;
        else
            end = g->n_tensors > 0 ? g->t[0].info_off : g->data_off;
        if (g->n_tensors == 0 && i + 1 == g->n_kv) {
            /* no tensors: compute the end from the value itself */
            if (kv->type == LLM_GGUF_STRING)
                end = kv->val_off + 8 + kv->str_len;
            else if (kv->arr_type == LLM_GGUF_STRING)
                end = kv->arr_n ? kv->str_offs[kv->arr_n - 1] + 8 +
                                      ld_u64(g->base + kv->str_offs[kv->arr_n - 1])
                                : kv->val_off;
            else
                end = kv->val_off + kv->arr_n * (uint64_t)llm_gguf_scalar_size(kv->arr_type);
        }
    } else {
        end = start + (uint64_t)llm_gguf_scalar_size(kv->type);
    }
    *data = g->base + start;
    *size = end - start;
    return LLM_OK;
}

int llm_gguf_arr_str(const llm_gguf *g, int64_t kvi, uint64_t i, const char **s, uint64_t *len)
{
    if (!g || kvi < 0 || kvi >= g->n_kv)
        return LLM_ERR_INVAL;
    const gguf_kv *kv = &g->kv[kvi];
    if (kv->type != LLM_GGUF_ARRAY || kv->arr_type != LLM_GGUF_STRING || i >= kv->arr_n)
        return LLM_ERR_INVAL;
    uint64_t off = kv->str_offs[i];
    *len = ld_u64(g->base + off);
    *s = (const char *)g->base + off + 8;
    return LLM_OK;
}

const void *llm_gguf_arr_data(const llm_gguf *g, int64_t kvi)
{
    if (!g || kvi < 0 || kvi >= g->n_kv)
        return NULL;
    const gguf_kv *kv = &g->kv[kvi];
    if (kv->type != LLM_GGUF_ARRAY || kv->arr_type == LLM_GGUF_STRING)
        return NULL;
    return g->base + kv->val_off;
}

