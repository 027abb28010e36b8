/* gguf.c — a hardened GGUF v2/v3 reader (mmap): type tables, parsing, open/close
 * (accessors: gguf_access.c; writer: gguf_write.c).
 *
 * Format: see the comment at the top of llm/llm.h (and ggml's docs/gguf.md).
 * Why so many checks: every count, length, dimension and offset in a GGUF file comes from
 * whoever wrote it. The ggml reader had a long series of integer-overflow → heap-overflow
 * bugs (CVE-2024-21802, -23605, CVE-2025-53630, ...); this reader bounds every read by the
 * bytes left in the file, checks each multiplication and addition for overflow before doing
 * it, never allocates more than a small multiple of the file size, and names the field and
 * its byte offset in every error.
 */
#include "llm/gguf/gguf_impl.h"
#include "base/hash.h"
#include "base/err.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

const char *llm_strerror(int status)
{
    switch (status) {
    case LLM_OK: return "ok";
    case LLM_ERR_INVAL: return "invalid argument";
    case LLM_ERR_IO: return "I/O error";
    case LLM_ERR_FORMAT: return "malformed file";
    case LLM_ERR_UNSUPPORTED: return "unsupported";
    case LLM_ERR_NOMEM: return "out of memory";
    case LLM_ERR_CTX: return "context full";
    default: return "unknown error";
    }
}

/* ---- type tables: the tensor types live in llm/quant/traits.c -------------------------- */

const char *llm_gguf_type_name(int type)
{
    static const char *names[LLM_GGUF_TYPE_COUNT] = {
        "uint8", "int8", "uint16", "int16", "uint32", "int32", "float32",
        "bool", "string", "array", "uint64", "int64", "float64"};
    return (type >= 0 && type < LLM_GGUF_TYPE_COUNT) ? names[type] : "invalid";
}

int llm_gguf_scalar_size(int type)
{
    switch (type) {
    case LLM_GGUF_UINT8: case LLM_GGUF_INT8: case LLM_GGUF_BOOL: return 1;
    case LLM_GGUF_UINT16: case LLM_GGUF_INT16: return 2;
    case LLM_GGUF_UINT32: case LLM_GGUF_INT32: case LLM_GGUF_FLOAT32: return 4;
    case LLM_GGUF_UINT64: case LLM_GGUF_INT64: case LLM_GGUF_FLOAT64: return 8;
    default: return 0;
    }
}

/* Table size: a power of two >= 2n (n bounded by the file size, so this stays small). */
static int64_t *hash_new(uint64_t n, uint64_t *cap)
{
    uint64_t c = 16;
    while (c < 2 * n + 2)
        c <<= 1;
    int64_t *h = malloc(c * sizeof *h);
    if (!h)
        return NULL;
    for (uint64_t i = 0; i < c; i++)
        h[i] = -1;
    *cap = c;
    return h;
}

/* ---- bounded reader ---------------------------------------------------------------------- */

typedef struct {
    const uint8_t *p;
    size_t size;
    size_t pos;
    char *err;
    size_t errlen;
} rd;

static int rd_need(rd *r, uint64_t n, const char *what)
{
    if (n > r->size - r->pos) {
        so8t_err_set(r->err, r->errlen,
                "gguf: %s at byte offset %zu: needs %llu bytes but only %zu remain in the file "
                "(truncated or corrupt)",
                what, r->pos, (unsigned long long)n, r->size - r->pos);
        return LLM_ERR_FORMAT;
    }
    return LLM_OK;
}

static int rd_u32(rd *r, uint32_t *v, const char *what)
{
    int rc = rd_need(r, 4, what);
    if (rc)
        return rc;
    *v = ld_u32(r->p + r->pos);
    r->pos += 4;
    return LLM_OK;
}

static int rd_u64(rd *r, uint64_t *v, const char *what)
{
    int rc = rd_need(r, 8, what);
    if (rc)
        return rc;
    *v = ld_u64(r->p + r->pos);
    r->pos += 8;
    return LLM_OK;
}

/* A GGUF string: u64 length + bytes. Returns a view; the length is checked against the
 * bytes left before anything is done with it. */
static int rd_str(rd *r, const char **s, uint64_t *len, const char *what)
{
    size_t at = r->pos;
    uint64_t n;
    int rc = rd_u64(r, &n, what);
    if (rc)
        return rc;
    if (n > GGUF_MAX_STRING || n > r->size - r->pos) {
        so8t_err_set(r->err, r->errlen,
                "gguf: %s at byte offset %zu: string length %llu exceeds the %zu bytes left in "
                "the file",
                what, at, (unsigned long long)n, r->size - r->pos);
        return LLM_ERR_FORMAT;
    }
    *s = (const char *)r->p + r->pos;
    *len = n;
    r->pos += (size_t)n;
    return LLM_OK;
}

/* ---- parsing ----------------------------------------------------------------------------- */

static int parse_value(rd *r, gguf_kv *kv)
{
    const char *key = kv->key;
    kv->val_off = r->pos;
    if (kv->type == LLM_GGUF_STRING) {
        const char *s;
        uint64_t n;
        char what[160];
        snprintf(what, sizeof what, "value of key '%.64s'", key);
        int rc = rd_str(r, &s, &n, what);
        if (rc)
            return rc;
        kv->str_len = n;
        return LLM_OK;
    }
    if (kv->type == LLM_GGUF_ARRAY) {
        size_t at = r->pos;
        uint32_t et;
        uint64_t n;
        char what[160];
        snprintf(what, sizeof what, "array element type of key '%.64s'", key);
        int rc = rd_u32(r, &et, what);
        if (rc)
            return rc;
        if ((int32_t)et < 0 || (int32_t)et >= LLM_GGUF_TYPE_COUNT || et == LLM_GGUF_ARRAY) {
            so8t_err_set(r->err, r->errlen,
                    "gguf: key '%.64s' at byte offset %zu: invalid array element type %d%s", key,
                    at, (int32_t)et, et == LLM_GGUF_ARRAY ? " (nested arrays are not supported)" : "");
            return LLM_ERR_FORMAT;
        }
        snprintf(what, sizeof what, "array length of key '%.64s'", key);
        size_t cnt_at = r->pos;
        rc = rd_u64(r, &n, what);
        if (rc)
            return rc;
        uint64_t left = r->size - r->pos;
        uint64_t min_elem = et == LLM_GGUF_STRING ? 8 : (uint64_t)llm_gguf_scalar_size((int)et);
        if (n > GGUF_MAX_ARRAY || n > left / min_elem) {
            so8t_err_set(r->err, r->errlen,
                    "gguf: key '%.64s' array length at byte offset %zu: %llu elements of %s do "
                    "not fit in the %llu bytes left in the file",
                    key, cnt_at, (unsigned long long)n, llm_gguf_type_name((int)et),
                    (unsigned long long)left);
            return LLM_ERR_FORMAT;
        }
        kv->arr_type = (int)et;
        kv->arr_n = n;
        kv->val_off = r->pos;
        if (et == LLM_GGUF_STRING) {
            kv->str_offs = malloc((n ? n : 1) * sizeof *kv->str_offs);
            if (!kv->str_offs) {
                so8t_err_set(r->err, r->errlen, "gguf: out of memory for key '%.64s'", key);
                return LLM_ERR_NOMEM;
            }
            for (uint64_t i = 0; i < n; i++) {
                const char *s;
                uint64_t len;
                kv->str_offs[i] = r->pos;
                snprintf(what, sizeof what, "string %llu of array '%.64s'", (unsigned long long)i,
                         key);
                rc = rd_str(r, &s, &len, what);
                if (rc)
                    return rc;
            }
            return LLM_OK;
        }
        if (et == LLM_GGUF_BOOL) {
            for (uint64_t i = 0; i < n; i++) {
                uint8_t b = r->p[r->pos + i];
                if (b > 1) {
                    so8t_err_set(r->err, r->errlen,
                            "gguf: key '%.64s' element %llu at byte offset %zu: bool value %u is "
                            "not 0 or 1",
                            key, (unsigned long long)i, r->pos + (size_t)i, b);
                    return LLM_ERR_FORMAT;
                }
            }
        }
        r->pos += (size_t)(n * min_elem);
        return LLM_OK;
    }
    int sz = llm_gguf_scalar_size(kv->type);
    char what[160];
    snprintf(what, sizeof what, "value of key '%.64s'", key);
    int rc = rd_need(r, (uint64_t)sz, what);
    if (rc)
        return rc;
    if (kv->type == LLM_GGUF_BOOL && r->p[r->pos] > 1) {
        so8t_err_set(r->err, r->errlen, "gguf: key '%.64s' at byte offset %zu: bool value %u is not 0 or 1",
                key, r->pos, r->p[r->pos]);
        return LLM_ERR_FORMAT;
    }
    r->pos += (size_t)sz;
    return LLM_OK;
}

int64_t llm_gguf_hash_find(const int64_t *tab, uint64_t cap, const char *s, size_t n,
                           const char *(*name_of)(const llm_gguf *, int64_t), const llm_gguf *g,
                           uint64_t *slot)
{
    uint64_t h = so8t_fnv1a64(s, n) & (cap - 1);
    for (;;) {
        int64_t i = tab[h];
        if (i < 0) {
            *slot = h;
            return -1;
        }
        const char *o = name_of(g, i);
        if (strlen(o) == n && memcmp(o, s, n) == 0) {
            *slot = h;
            return i;
        }
        h = (h + 1) & (cap - 1);
    }
}

const char *llm_gguf_kv_name_of(const llm_gguf *g, int64_t i) { return g->kv[i].key; }
const char *llm_gguf_t_name_of(const llm_gguf *g, int64_t i) { return g->t[i].name; }

void llm_gguf_close(llm_gguf *g)
{
    if (!g)
        return;
    if (g->kv) {
        for (int64_t i = 0; i < g->n_kv; i++) {
            free(g->kv[i].key);
            free(g->kv[i].str_offs);
        }
        free(g->kv);
    }
    free(g->t);
    free(g->kv_hash);
    free(g->t_hash);
    if (g->mapped && g->base)
        munmap((void *)g->base, g->size);
    free(g);
}

static int gguf_parse(llm_gguf *g, char *err, size_t errlen)
{
    rd r = {g->base, g->size, 0, err, errlen};
    int rc;
    if (g->size < 4 || memcmp(g->base, "GGUF", 4) != 0) {
        char m[5] = {0};
        for (size_t i = 0; i < 4 && i < g->size; i++)
            m[i] = (g->base[i] >= 32 && g->base[i] < 127) ? (char)g->base[i] : '?';
        so8t_err_set(err, errlen, "gguf: bad magic at byte offset 0: '%s', expected 'GGUF' (not a GGUF file)",
                m);
        return LLM_ERR_FORMAT;
    }
    r.pos = 4;
    uint32_t ver;
    if ((rc = rd_u32(&r, &ver, "header version")))
        return rc;
    if (ver == 0) {
        so8t_err_set(err, errlen, "gguf: header version at byte offset 4: bad GGUF version 0");
        return LLM_ERR_FORMAT;
    }
    if ((ver & 0xFFFFu) == 0) {
        so8t_err_set(err, errlen,
                "gguf: header version at byte offset 4: version %u is extremely large; is the file "
                "big-endian (byte-swapped)? Only little-endian GGUF is supported",
                ver);
        return LLM_ERR_UNSUPPORTED;
    }
    if (ver == 1) {
        so8t_err_set(err, errlen, "gguf: header version at byte offset 4: GGUF v1 is no longer supported");
        return LLM_ERR_UNSUPPORTED;
    }
    if (ver > 3) {
        so8t_err_set(err, errlen,
                "gguf: header version at byte offset 4: version %u is newer than supported (2 and 3)",
                ver);
        return LLM_ERR_UNSUPPORTED;
    }
    g->version = ver;
    uint64_t nt, nkv;
    if ((rc = rd_u64(&r, &nt, "header tensor count")))
        return rc;
    if ((rc = rd_u64(&r, &nkv, "header metadata count")))
        return rc;
    /* Smallest possible records: a KV is 8 (key len) + 1 + 4 (type) + 1 bytes; a tensor info
     * is 8 + 1 + 4 + 8 + 4 + 8 bytes. Counts that cannot fit are rejected before allocating. */
    uint64_t left = g->size - r.pos;
    if (nkv > (uint64_t)INT64_MAX || nkv > left / 14) {
        so8t_err_set(err, errlen,
                "gguf: header metadata count at byte offset 16: %llu key/value pairs cannot fit in "
                "the %llu bytes left in the file",
                (unsigned long long)nkv, (unsigned long long)left);
        return LLM_ERR_FORMAT;
    }
    if (nt > (uint64_t)INT64_MAX || nt > left / 33) {
        so8t_err_set(err, errlen,
                "gguf: header tensor count at byte offset 8: %llu tensors cannot fit in the %llu "
                "bytes left in the file",
                (unsigned long long)nt, (unsigned long long)left);
        return LLM_ERR_FORMAT;
    }
    g->kv = calloc(nkv ? nkv : 1, sizeof *g->kv);
    g->t = calloc(nt ? nt : 1, sizeof *g->t);
    g->kv_hash = hash_new(nkv, &g->kv_hash_n);
    g->t_hash = hash_new(nt, &g->t_hash_n);
    if (!g->kv || !g->t || !g->kv_hash || !g->t_hash) {
        so8t_err_set(err, errlen, "gguf: out of memory");
        return LLM_ERR_NOMEM;
    }
    g->alignment = GGUF_DEFAULT_ALIGNMENT;
    for (uint64_t i = 0; i < nkv; i++) {
        gguf_kv *kv = &g->kv[i];
        size_t at = r.pos;
        const char *k;
        uint64_t klen;
        char what[64];
        snprintf(what, sizeof what, "key of metadata entry %llu", (unsigned long long)i);
        if ((rc = rd_str(&r, &k, &klen, what)))
            return rc;
        if (klen == 0) {
            so8t_err_set(err, errlen, "gguf: metadata entry %llu at byte offset %zu: empty key",
                    (unsigned long long)i, at);
            return LLM_ERR_FORMAT;
        }
        if (memchr(k, 0, (size_t)klen)) {
            so8t_err_set(err, errlen, "gguf: metadata entry %llu at byte offset %zu: key contains a NUL byte",
                    (unsigned long long)i, at);
            return LLM_ERR_FORMAT;
        }
        uint64_t slot;
        int64_t dup = llm_gguf_hash_find(g->kv_hash, g->kv_hash_n, k, (size_t)klen, llm_gguf_kv_name_of, g, &slot);
        if (dup >= 0) {
            so8t_err_set(err, errlen, "gguf: metadata entry %llu at byte offset %zu: duplicate key '%.64s'",
                    (unsigned long long)i, at, g->kv[dup].key);
            return LLM_ERR_FORMAT;
        }
        kv->key = malloc((size_t)klen + 1);
        if (!kv->key) {
            so8t_err_set(err, errlen, "gguf: out of memory");
            return LLM_ERR_NOMEM;
        }
        memcpy(kv->key, k, (size_t)klen);
        kv->key[klen] = 0;
        kv->key_off = at;
        g->n_kv = (int64_t)i + 1; /* so close() frees what was allocated */
        g->kv_hash[slot] = (int64_t)i;
        size_t type_at = r.pos;
        uint32_t type;
        snprintf(what, sizeof what, "type of key '%.40s'", kv->key);
        if ((rc = rd_u32(&r, &type, what)))
            return rc;
        if ((int32_t)type < 0 || (int32_t)type >= LLM_GGUF_TYPE_COUNT) {
            so8t_err_set(err, errlen, "gguf: key '%.64s' at byte offset %zu: invalid value type %d", kv->key,
                    type_at, (int32_t)type);
            return LLM_ERR_FORMAT;
        }
        kv->type = (int)type;
        if ((rc = parse_value(&r, kv)))
            return rc;
        if (!strcmp(kv->key, "general.alignment")) {
            if (kv->type != LLM_GGUF_UINT32) {
                so8t_err_set(err, errlen,
                        "gguf: key 'general.alignment' at byte offset %zu: type %s, must be uint32",
                        at, llm_gguf_type_name(kv->type));
                return LLM_ERR_FORMAT;
            }
            uint32_t a = ld_u32(g->base + kv->val_off);
            if (a == 0 || (a & (a - 1)) != 0 || a > LLM_GGUF_MAX_ALIGNMENT) {
                so8t_err_set(err, errlen,
                        "gguf: key 'general.alignment' at byte offset %zu: %u is not a power of two "
                        "in [1, %u]",
                        at, a, LLM_GGUF_MAX_ALIGNMENT);
                return LLM_ERR_FORMAT;
            }
            g->alignment = a;
        }
    }
    for (uint64_t i = 0; i < nt; i++) {
        gguf_tensor *t = &g->t[i];
        size_t at = r.pos;
        const char *nm;
        uint64_t nlen;
        char what[96];
        snprintf(what, sizeof what, "name of tensor %llu", (unsigned long long)i);
        if ((rc = rd_str(&r, &nm, &nlen, what)))
            return rc;
        if (nlen == 0 || nlen >= LLM_GGUF_MAX_NAME || memchr(nm, 0, (size_t)nlen)) {
            so8t_err_set(err, errlen,
                    "gguf: tensor %llu name at byte offset %zu: length %llu (must be 1..%d bytes "
                    "without NUL)",
                    (unsigned long long)i, at, (unsigned long long)nlen, LLM_GGUF_MAX_NAME - 1);
            return LLM_ERR_FORMAT;
        }
        uint64_t slot;
        int64_t dup = llm_gguf_hash_find(g->t_hash, g->t_hash_n, nm, (size_t)nlen, llm_gguf_t_name_of, g, &slot);
        if (dup >= 0) {
            so8t_err_set(err, errlen, "gguf: tensor %llu at byte offset %zu: duplicate tensor name '%s'",
                    (unsigned long long)i, at, g->t[dup].name);
            return LLM_ERR_FORMAT;
        }
        memcpy(t->name, nm, (size_t)nlen);
        t->name[nlen] = 0;
        t->info_off = at;
        g->t_hash[slot] = (int64_t)i;
        g->n_tensors = (int64_t)i + 1;
        uint32_t nd;
        size_t nd_at = r.pos;
        snprintf(what, sizeof what, "n_dims of tensor '%s'", t->name);
        if ((rc = rd_u32(&r, &nd, what)))
            return rc;
        if (nd == 0 || nd > LLM_GGUF_MAX_DIMS) {
            so8t_err_set(err, errlen, "gguf: tensor '%s' n_dims at byte offset %zu: %u (must be 1..%d)",
                    t->name, nd_at, nd, LLM_GGUF_MAX_DIMS);
            return LLM_ERR_FORMAT;
        }
        t->n_dims = (int)nd;
        int64_t nel = 1;
        for (int d = 0; d < LLM_GGUF_MAX_DIMS; d++)
            t->ne[d] = 1;
        for (uint32_t d = 0; d < nd; d++) {
            size_t ne_at = r.pos;
            uint64_t v;
            snprintf(what, sizeof what, "ne[%u] of tensor '%s'", d, t->name);
            if ((rc = rd_u64(&r, &v, what)))
                return rc;
            if ((int64_t)v <= 0) {
                so8t_err_set(err, errlen,
                        "gguf: tensor '%s' ne[%u] at byte offset %zu: %lld (dimensions must be >= 1)",
                        t->name, d, ne_at, (long long)(int64_t)v);
                return LLM_ERR_FORMAT;
            }
            if ((int64_t)v > INT64_MAX / nel) {
                so8t_err_set(err, errlen,
                        "gguf: tensor '%s' ne[%u] at byte offset %zu: element count overflows int64",
                        t->name, d, ne_at);
                return LLM_ERR_FORMAT;
            }
            t->ne[d] = (int64_t)v;
            nel *= (int64_t)v;
        }
        size_t ty_at = r.pos;
        uint32_t ty;
        snprintf(what, sizeof what, "type of tensor '%s'", t->name);
        if ((rc = rd_u32(&r, &ty, what)))
            return rc;
        int blck = llm_type_block_size((int32_t)ty);
        if (blck == 0) {
            so8t_err_set(err, errlen, "gguf: tensor '%s' type at byte offset %zu: invalid or removed type %d",
                    t->name, ty_at, (int32_t)ty);
            return LLM_ERR_FORMAT;
        }
        t->type = (int)ty;
        if (t->ne[0] % blck != 0) {
            so8t_err_set(err, errlen,
                    "gguf: tensor '%s' at byte offset %zu: row length ne[0] = %lld is not a multiple "
                    "of the %s block size %d",
                    t->name, at, (long long)t->ne[0], llm_type_name(t->type), blck);
            return LLM_ERR_FORMAT;
        }
        uint64_t nblocks = (uint64_t)nel / (uint64_t)blck;
        uint64_t tsz = (uint64_t)llm_type_size(t->type);
        if (nblocks > UINT64_MAX / tsz || nblocks * tsz > (uint64_t)g->size) {
            so8t_err_set(err, errlen,
                    "gguf: tensor '%s' at byte offset %zu: its %lld elements of %s need more bytes "
                    "than the whole file (%zu)",
                    t->name, at, (long long)nel, llm_type_name(t->type), g->size);
            return LLM_ERR_FORMAT;
        }
        t->nbytes = nblocks * tsz;
        snprintf(what, sizeof what, "offset of tensor '%s'", t->name);
        if ((rc = rd_u64(&r, &t->offset, what)))
            return rc;
    }
    /* Data section: padded to the alignment after the tensor infos. */
    uint64_t a = g->alignment;
    uint64_t pos = r.pos;
    uint64_t data_off = nt > 0 ? (pos + a - 1) / a * a : pos;
    if (data_off > g->size) {
        so8t_err_set(err, errlen,
                "gguf: data section at byte offset %llu: starts past the end of the file (%zu bytes)",
                (unsigned long long)data_off, g->size);
        return LLM_ERR_FORMAT;
    }
    g->data_off = data_off;
    uint64_t avail = g->size - data_off;
    uint64_t expect = 0;
    for (uint64_t i = 0; i < nt; i++) {
        gguf_tensor *t = &g->t[i];
        if (t->offset != expect) {
            so8t_err_set(err, errlen,
                    "gguf: tensor '%s' (info at byte offset %llu): data offset %llu, expected %llu "
                    "(tensors must be stored in order, each padded to %u bytes)",
                    t->name, (unsigned long long)t->info_off, (unsigned long long)t->offset,
                    (unsigned long long)expect, g->alignment);
            return LLM_ERR_FORMAT;
        }
        if (t->nbytes > avail || t->offset > avail - t->nbytes) {
            so8t_err_set(err, errlen,
                    "gguf: tensor '%s' (info at byte offset %llu): data [%llu, %llu) lies outside "
                    "the file (data section holds %llu bytes; truncated file?)",
                    t->name, (unsigned long long)t->info_off,
                    (unsigned long long)(data_off + t->offset),
                    (unsigned long long)(data_off + t->offset + t->nbytes), (unsigned long long)avail);
            return LLM_ERR_FORMAT;
        }
        /* offset + nbytes <= avail <= size, so padding cannot overflow */
        uint64_t end = t->offset + t->nbytes;
        expect = (end + a - 1) / a * a;
    }
    return LLM_OK;
}

int llm_gguf_open_memory(const void *data, size_t size, llm_gguf **out, char *err, size_t errlen)
{
    if (!out || (!data && size)) {
        so8t_err_set(err, errlen, "gguf: invalid argument");
        return LLM_ERR_INVAL;
    }
    *out = NULL;
    llm_gguf *g = calloc(1, sizeof *g);
    if (!g) {
        so8t_err_set(err, errlen, "gguf: out of memory");
        return LLM_ERR_NOMEM;
    }
    static const uint8_t empty[1] = {0};
    g->base = data ? data : empty;
    g->size = size;
    int rc = gguf_parse(g, err, errlen);
    if (rc) {
        llm_gguf_close(g);
        return rc;
    }
    *out = g;
    return LLM_OK;
}

int llm_gguf_open(const char *path, llm_gguf **out, char *err, size_t errlen)
{
    if (!path || !out) {
        so8t_err_set(err, errlen, "gguf: invalid argument");
        return LLM_ERR_INVAL;
    }
    *out = NULL;
    /* O_NONBLOCK: a FIFO given as the model must not hang the open (it is refused below) */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        so8t_err_set(err, errlen, "cannot open '%s': %s", path, strerror(errno));
        return LLM_ERR_IO;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (S_ISDIR(st.st_mode))
            so8t_err_set(err, errlen, "'%s' is a directory, not a GGUF file", path);
        else
            so8t_err_set(err, errlen, "'%s' is not a regular file (a GGUF model must be one)", path);
        close(fd);
        return LLM_ERR_IO;
    }
    if (st.st_size == 0) {
        close(fd);
        so8t_err_set(err, errlen, "gguf: '%s' is empty (0 bytes), not a GGUF file", path);
        return LLM_ERR_FORMAT;
    }
    size_t size = (size_t)st.st_size;
    void *p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (p == MAP_FAILED) {
        so8t_err_set(err, errlen, "cannot map '%s': %s", path, strerror(errno));
        return LLM_ERR_IO;
    }
    llm_gguf *g = calloc(1, sizeof *g);
    if (!g) {
        munmap(p, size);
        so8t_err_set(err, errlen, "gguf: out of memory");
        return LLM_ERR_NOMEM;
    }
    g->base = p;
    g->size = size;
    g->mapped = 1;
    int rc = gguf_parse(g, err, errlen);
    if (rc) {
        /* prefix the path once, keeping the detailed message */
        if (err && errlen) {
            char tmp[512];
            snprintf(tmp, sizeof tmp, "%s", err);
            so8t_err_set(err, errlen, "%s: %s", path, tmp);
        }
        llm_gguf_close(g);
        return rc;
    }
    *out = g;
    return LLM_OK;
}

