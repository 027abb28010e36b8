/* gguf_impl.h — the parsed GGUF handle, shared by gguf.c (parsing), gguf_access.c
 * (accessors) and gguf_write.c (writer). Internal to llm/gguf/. */
#ifndef SO8T_LLM_GGUF_IMPL_H
#define SO8T_LLM_GGUF_IMPL_H

#include "llm/llm.h"

#include <stdint.h>
#include <string.h>

#define GGUF_MAX_STRING (1ull << 30)
#define GGUF_MAX_ARRAY (1ull << 30)
#define GGUF_DEFAULT_ALIGNMENT 32u

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

/* Little-endian loads from the mapping (any alignment). */
static inline uint32_t ld_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t ld_u64(const uint8_t *p)
{
    return (uint64_t)ld_u32(p) | (uint64_t)ld_u32(p + 4) << 32;
}

/* Bytes of one scalar of a GGUF value type; 0 for STRING, ARRAY and unknown types. */
int llm_gguf_scalar_size(int type);
/* Open-addressing lookup of name s (n bytes) in tab (cap a power of two): the index, or -1
 * with *slot the free slot where it would go. */
int64_t llm_gguf_hash_find(const int64_t *tab, uint64_t cap, const char *s, size_t n,
                           const char *(*name_of)(const llm_gguf *, int64_t), const llm_gguf *g,
                           uint64_t *slot);
const char *llm_gguf_kv_name_of(const llm_gguf *g, int64_t i);
const char *llm_gguf_t_name_of(const llm_gguf *g, int64_t i);

#endif /* SO8T_LLM_GGUF_IMPL_H */
