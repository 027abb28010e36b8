/* gguf.c — a hardened GGUF v2/v3 reader (mmap) and a small writer.
 *
 * Format: see the comment at the top of llm/llm.h (and ggml's docs/gguf.md).
 * Why so many checks: every count, length, dimension and offset in a GGUF file comes from
 * whoever wrote it. The ggml reader had a long series of integer-overflow → heap-overflow
 * bugs (CVE-2024-21802, -23605, CVE-2025-53630, ...); this reader bounds every read by the
 * bytes left in the file, checks each multiplication and addition for overflow before doing
 * it, never allocates more than a small multiple of the file size, and names the field and
 * its byte offset in every error.
 */
#include "llm/llm.h"
#include "so8t_err.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define GGUF_MAX_STRING (1ull << 30)
#define GGUF_MAX_ARRAY (1ull << 30)
#define GGUF_DEFAULT_ALIGNMENT 32u

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

static int gguf_scalar_size(int type)
{
    switch (type) {
    case LLM_GGUF_UINT8: case LLM_GGUF_INT8: case LLM_GGUF_BOOL: return 1;
    case LLM_GGUF_UINT16: case LLM_GGUF_INT16: return 2;
    case LLM_GGUF_UINT32: case LLM_GGUF_INT32: case LLM_GGUF_FLOAT32: return 4;
    case LLM_GGUF_UINT64: case LLM_GGUF_INT64: case LLM_GGUF_FLOAT64: return 8;
    default: return 0;
    }
}

/* ---- the handle -------------------------------------------------------------------------- */

typedef struct {
    char *key;
    int type;
    int arr_type;
    uint64_t arr_n;
    uint64_t key_off;
    uint64_t val_off;   /* scalar value / string length field / first array element */
    uint64_t str_len;   /* STRING */
    uint64_t *str_offs; /* ARRAY of STRING: offset of each element's length field */
} gguf_kv;

typedef struct {
    char name[LLM_GGUF_MAX_NAME];
    int type;
    int n_dims;
    int64_t ne[LLM_GGUF_MAX_DIMS];
    uint64_t offset;
    uint64_t nbytes;
    uint64_t info_off;
} gguf_tensor;

struct llm_gguf {
    const uint8_t *base;
    size_t size;
    int mapped;
    uint32_t version;
    uint32_t alignment;
    uint64_t data_off;
    int64_t n_kv;
    int64_t n_tensors;
    gguf_kv *kv;
    gguf_tensor *t;
    /* hash tables of key / tensor-name indices (open addressing, -1 = empty) */
    int64_t *kv_hash;
    uint64_t kv_hash_n;
    int64_t *t_hash;
    uint64_t t_hash_n;
};

static uint64_t hash_bytes(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        h ^= (uint8_t)s[i];
        h *= 1099511628211ull;
    }
    return h;
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

static uint32_t ld_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t ld_u64(const uint8_t *p)
{
    return (uint64_t)ld_u32(p) | (uint64_t)ld_u32(p + 4) << 32;
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
        uint64_t min_elem = et == LLM_GGUF_STRING ? 8 : (uint64_t)gguf_scalar_size((int)et);
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
    int sz = gguf_scalar_size(kv->type);
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

static int64_t hash_find(const int64_t *tab, uint64_t cap, const char *s, size_t n,
                         const char *(*name_of)(const llm_gguf *, int64_t), const llm_gguf *g,
                         uint64_t *slot)
{
    uint64_t h = hash_bytes(s, n) & (cap - 1);
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

static const char *kv_name_of(const llm_gguf *g, int64_t i) { return g->kv[i].key; }
static const char *t_name_of(const llm_gguf *g, int64_t i) { return g->t[i].name; }

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
        int64_t dup = hash_find(g->kv_hash, g->kv_hash_n, k, (size_t)klen, kv_name_of, g, &slot);
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
        int64_t dup = hash_find(g->t_hash, g->t_hash_n, nm, (size_t)nlen, t_name_of, g, &slot);
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
    return hash_find(g->kv_hash, g->kv_hash_n, key, strlen(key), kv_name_of, g, &slot);
}

int64_t llm_gguf_find_tensor(const llm_gguf *g, const char *name)
{
    if (!g || !name)
        return -1;
    uint64_t slot;
    return hash_find(g->t_hash, g->t_hash_n, name, strlen(name), t_name_of, g, &slot);
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
                end = kv->val_off + kv->arr_n * (uint64_t)gguf_scalar_size(kv->arr_type);
        }
    } else {
        end = start + (uint64_t)gguf_scalar_size(kv->type);
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
    int sz = gguf_scalar_size(type);
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
    int sz = gguf_scalar_size(elem_type);
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
