/* gguf_write.c — a small GGUF writer (tests and fixtures build files with it): entries and
 * tensors kept in memory, serialized with the alignment padding, saved to a temp name and
 * renamed. */
#include "llm/gguf/gguf_impl.h"
#include "base/err.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* ---- writer ------------------------------------------------------------------------------ */

typedef struct {
    uint8_t *p;
    size_t n, cap;
    int oom;
} buf;

static void buf_put(buf *b, const void *src, size_t n)
{
    if (b->oom)
        return;
    if (b->n + n > b->cap) {
        size_t c = b->cap ? b->cap : 256;
        while (c < b->n + n)
            c *= 2;
        uint8_t *q = realloc(b->p, c);
        if (!q) {
            b->oom = 1;
            return;
        }
        b->p = q;
        b->cap = c;
    }
    if (n)
        memcpy(b->p + b->n, src, n);
    b->n += n;
}

static void buf_u32(buf *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    buf_put(b, x, 4);
}

static void buf_u64(buf *b, uint64_t v)
{
    buf_u32(b, (uint32_t)v);
    buf_u32(b, (uint32_t)(v >> 32));
}

static void buf_str(buf *b, const char *s)
{
    size_t n = strlen(s);
    buf_u64(b, n);
    buf_put(b, s, n);
}

typedef struct {
    char *name;
    int type;
    int n_dims;
    int64_t ne[4];
    uint8_t *data;
    uint64_t nbytes;
} w_tensor;

struct llm_gguf_writer {
    uint32_t version;
    uint32_t alignment;
    uint64_t n_kv;
    buf kvs;
    w_tensor *t;
    size_t n_t, cap_t;
};

llm_gguf_writer *llm_gguf_writer_new(uint32_t version, uint32_t alignment)
{
    llm_gguf_writer *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->version = version ? version : 3;
    w->alignment = alignment ? alignment : GGUF_DEFAULT_ALIGNMENT;
    if (w->alignment != GGUF_DEFAULT_ALIGNMENT)
        llm_gguf_writer_add_u32(w, "general.alignment", w->alignment);
    return w;
}

void llm_gguf_writer_free(llm_gguf_writer *w)
{
    if (!w)
        return;
    free(w->kvs.p);
    for (size_t i = 0; i < w->n_t; i++) {
        free(w->t[i].name);
        free(w->t[i].data);
    }
    free(w->t);
    free(w);
}

static int w_key(llm_gguf_writer *w, const char *key, int type)
{
    if (!w || !key)
        return LLM_ERR_INVAL;
    buf_str(&w->kvs, key);
    buf_u32(&w->kvs, (uint32_t)type);
    w->n_kv++;
    return w->kvs.oom ? LLM_ERR_NOMEM : LLM_OK;
}

int llm_gguf_writer_add_raw(llm_gguf_writer *w, const char *key, int type, const void *v)
{
    int sz = llm_gguf_scalar_size(type);
    if (sz == 0 || !v)
        return LLM_ERR_INVAL;
    int rc = w_key(w, key, type);
    if (rc)
        return rc;
    buf_put(&w->kvs, v, (size_t)sz); /* host is little-endian (x86-64 / aarch64) */
    return w->kvs.oom ? LLM_ERR_NOMEM : LLM_OK;
}

int llm_gguf_writer_add_encoded(llm_gguf_writer *w, const char *key, int type, const void *enc,
                                size_t size)
{
    if (!enc && size)
        return LLM_ERR_INVAL;
    int rc = w_key(w, key, type);
    if (rc)
        return rc;
    buf_put(&w->kvs, enc, size);
    return w->kvs.oom ? LLM_ERR_NOMEM : LLM_OK;
}

int llm_gguf_writer_add_u32(llm_gguf_writer *w, const char *key, uint32_t v)
{
    return llm_gguf_writer_add_raw(w, key, LLM_GGUF_UINT32, &v);
}

int llm_gguf_writer_add_i32(llm_gguf_writer *w, const char *key, int32_t v)
{
    return llm_gguf_writer_add_raw(w, key, LLM_GGUF_INT32, &v);
}

int llm_gguf_writer_add_u64(llm_gguf_writer *w, const char *key, uint64_t v)
{
    return llm_gguf_writer_add_raw(w, key, LLM_GGUF_UINT64, &v);
}

int llm_gguf_writer_add_f32(llm_gguf_writer *w, const char *key, float v)
{
    return llm_gguf_writer_add_raw(w, key, LLM_GGUF_FLOAT32, &v);
}

int llm_gguf_writer_add_bool(llm_gguf_writer *w, const char *key, int v)
{
    uint8_t b = v ? 1 : 0;
    return llm_gguf_writer_add_raw(w, key, LLM_GGUF_BOOL, &b);
}

int llm_gguf_writer_add_str(llm_gguf_writer *w, const char *key, const char *v)
{
    if (!v)
        return LLM_ERR_INVAL;
    int rc = w_key(w, key, LLM_GGUF_STRING);
    if (rc)
        return rc;
    buf_str(&w->kvs, v);
    return w->kvs.oom ? LLM_ERR_NOMEM : LLM_OK;
}

int llm_gguf_writer_add_arr(llm_gguf_writer *w, const char *key, int elem_type, const void *data,
                            uint64_t n)
{
    int sz = llm_gguf_scalar_size(elem_type);
    if (sz == 0 || (!data && n))
        return LLM_ERR_INVAL;
    int rc = w_key(w, key, LLM_GGUF_ARRAY);
    if (rc)
        return rc;
    buf_u32(&w->kvs, (uint32_t)elem_type);
    buf_u64(&w->kvs, n);
    buf_put(&w->kvs, data, (size_t)(n * (uint64_t)sz));
    return w->kvs.oom ? LLM_ERR_NOMEM : LLM_OK;
}

int llm_gguf_writer_add_arr_str(llm_gguf_writer *w, const char *key, const char *const *v,
                                uint64_t n)
{
    if (!v && n)
        return LLM_ERR_INVAL;
    int rc = w_key(w, key, LLM_GGUF_ARRAY);
    if (rc)
        return rc;
    buf_u32(&w->kvs, LLM_GGUF_STRING);
    buf_u64(&w->kvs, n);
    for (uint64_t i = 0; i < n; i++)
        buf_str(&w->kvs, v[i]);
    return w->kvs.oom ? LLM_ERR_NOMEM : LLM_OK;
}

int llm_gguf_writer_add_tensor(llm_gguf_writer *w, const char *name, int type, int n_dims,
                               const int64_t *ne, const void *data)
{
    if (!w || !name || n_dims < 1 || n_dims > 4 || !ne || !data)
        return LLM_ERR_INVAL;
    int blck = llm_type_block_size(type);
    if (blck == 0)
        return LLM_ERR_INVAL;
    uint64_t nel = 1;
    for (int d = 0; d < n_dims; d++) {
        if (ne[d] <= 0)
            return LLM_ERR_INVAL;
        nel *= (uint64_t)ne[d];
    }
    if (ne[0] % blck)
        return LLM_ERR_INVAL;
    if (w->n_t == w->cap_t) {
        size_t c = w->cap_t ? 2 * w->cap_t : 16;
        w_tensor *q = realloc(w->t, c * sizeof *q);
        if (!q)
            return LLM_ERR_NOMEM;
        w->t = q;
        w->cap_t = c;
    }
    w_tensor *t = &w->t[w->n_t];
    memset(t, 0, sizeof *t);
    t->nbytes = nel / (uint64_t)blck * (uint64_t)llm_type_size(type);
    t->name = strdup(name);
    t->data = malloc(t->nbytes ? t->nbytes : 1);
    if (!t->name || !t->data) {
        free(t->name);
        free(t->data);
        return LLM_ERR_NOMEM;
    }
    memcpy(t->data, data, t->nbytes);
    t->type = type;
    t->n_dims = n_dims;
    for (int d = 0; d < 4; d++)
        t->ne[d] = d < n_dims ? ne[d] : 1;
    w->n_t++;
    return LLM_OK;
}

int llm_gguf_writer_to_memory(const llm_gguf_writer *w, uint8_t **out, size_t *size)
{
    if (!w || !out || !size || w->kvs.oom)
        return LLM_ERR_INVAL;
    buf b = {0};
    buf_put(&b, "GGUF", 4);
    buf_u32(&b, w->version);
    buf_u64(&b, w->n_t);
    buf_u64(&b, w->n_kv);
    buf_put(&b, w->kvs.p, w->kvs.n);
    uint64_t off = 0, a = w->alignment;
    for (size_t i = 0; i < w->n_t; i++) {
        const w_tensor *t = &w->t[i];
        buf_str(&b, t->name);
        buf_u32(&b, (uint32_t)t->n_dims);
        for (int d = 0; d < t->n_dims; d++)
            buf_u64(&b, (uint64_t)t->ne[d]);
        buf_u32(&b, (uint32_t)t->type);
        buf_u64(&b, off);
        off = (off + t->nbytes + a - 1) / a * a;
    }
    static const uint8_t zeros[64] = {0};
    if (w->n_t > 0) {
        while (b.n % a) {
            size_t pad = a - b.n % a;
            buf_put(&b, zeros, pad < sizeof zeros ? pad : sizeof zeros);
        }
    }
    for (size_t i = 0; i < w->n_t; i++) {
        const w_tensor *t = &w->t[i];
        buf_put(&b, t->data, t->nbytes);
        if (i + 1 < w->n_t) {
            while (b.n % a) {
                size_t pad = a - b.n % a;
                buf_put(&b, zeros, pad < sizeof zeros ? pad : sizeof zeros);
            }
        }
    }
    if (b.oom) {
        free(b.p);
        return LLM_ERR_NOMEM;
    }
    *out = b.p;
    *size = b.n;
    return LLM_OK;
}

int llm_gguf_writer_save(const llm_gguf_writer *w, const char *path, char *err, size_t errlen)
{
    uint8_t *p;
    size_t n;
    int rc = llm_gguf_writer_to_memory(w, &p, &n);
    if (rc) {
        so8t_err_set(err, errlen, "gguf writer: %s", llm_strerror(rc));
        return rc;
    }
    FILE *f = fopen(path, "wb");
    if (!f) {
        so8t_err_set(err, errlen, "cannot create '%s': %s", path, strerror(errno));
        free(p);
        return LLM_ERR_IO;
    }
    size_t wr = fwrite(p, 1, n, f);
    int cl = fclose(f);
    free(p);
    if (wr != n || cl != 0) {
        so8t_err_set(err, errlen, "cannot write '%s'", path);
        return LLM_ERR_IO;
    }
    return LLM_OK;
}
