/* memory.c — where the weights live (Ollama's use_mmap / use_mlock).
 *
 * By default the weights are views into the read-only mapping of the file: nothing is
 * copied, pages come in as the first pass touches them and are shared with the page cache
 * (peak RSS ≈ file + KV cache + work buffers; docs/performance.md). use_mmap = 0 copies the
 * tensor data into anonymous memory (the file may then change or vanish without affecting
 * the model, as llama.cpp's no-mmap load) and drops the mapping's pages chunk by chunk as
 * they are copied, so the peak stays near one copy. use_mlock = 1 locks the weights in RAM.
 */
#include "llm/internal.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

/* Every weight matrix of the model (fused tensors appear once per row view). */
static int model_mats(llm_model *m, llm_mat **out, int cap)
{
    int n = 0;
    for (int il = 0; il < m->n_layer; il++) {
        llm_layer *L = &m->layers[il];
        llm_mat *w[] = {&L->wq, &L->wk, &L->wv, &L->wo, &L->gate, &L->up, &L->down};
        for (int k = 0; k < 7 && n < cap; k++)
            out[n++] = w[k];
    }
    if (n + 2 <= cap) {
        out[n++] = &m->tok_embd;
        out[n++] = &m->output;
    }
    return n;
}

/* [lo, hi): the bytes of the file's tensor data (all tensors, used or not). */
static void tensor_range(const llm_model *m, const uint8_t **lo, const uint8_t **hi)
{
    *lo = NULL;
    *hi = NULL;
    for (int64_t i = 0; i < llm_gguf_n_tensors(m->g); i++) {
        llm_gguf_tensor_info t;
        if (llm_gguf_tensor(m->g, i, &t) || !t.nbytes)
            continue;
        const uint8_t *a = t.data, *b = a + t.nbytes;
        if (!*lo || a < *lo)
            *lo = a;
        if (!*hi || b > *hi)
            *hi = b;
    }
}

/* Page-aligned madvise(DONTNEED) of the whole pages inside [a, b) (private read-only file
 * mapping: the pages are dropped from this process, the file is untouched). */
static void drop_pages(const uint8_t *a, const uint8_t *b)
{
    const uintptr_t ps = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t s = ((uintptr_t)a + ps - 1) & ~(ps - 1), e = (uintptr_t)b & ~(ps - 1);
    if (e > s)
        madvise((void *)s, e - s, MADV_DONTNEED);
}

int llm_model_set_memory(llm_model *m, int use_mmap, int use_mlock, char *err, size_t errlen)
{
    if (!m) {
        llm_set_err(err, errlen, "llm_model_set_memory: invalid argument");
        return LLM_ERR_INVAL;
    }
    const uint8_t *lo, *hi;
    tensor_range(m, &lo, &hi);
    if (!lo)
        return LLM_OK; /* no tensor data */
    if (!use_mmap && !m->weights_copy) {
        const size_t n = (size_t)(hi - lo);
        uint8_t *copy = NULL;
        if (posix_memalign((void **)&copy, 64, n ? n : 1)) {
            llm_set_err(err, errlen, "use_mmap false: cannot allocate %zu MiB for the weights",
                        n >> 20);
            return LLM_ERR_NOMEM;
        }
        const size_t chunk = (size_t)16 << 20;
        for (size_t off = 0; off < n; off += chunk) {
            const size_t k = n - off < chunk ? n - off : chunk;
            memcpy(copy + off, lo + off, k);
            drop_pages(lo + off, lo + off + k);
        }
        llm_mat *mats[7 * LLM_MAX_LAYERS + 2];
        const int nm = model_mats(m, mats, (int)(sizeof mats / sizeof mats[0]));
        for (int i = 0; i < nm; i++)
            if (mats[i]->data >= lo && mats[i]->data < hi)
                mats[i]->data = copy + (mats[i]->data - lo);
        m->weights_copy = copy;
        m->weights_bytes = n;
    }
    if (use_mlock) {
        const void *base = m->weights_copy ? (const void *)m->weights_copy : (const void *)lo;
        const size_t n = m->weights_copy ? m->weights_bytes : (size_t)(hi - lo);
        if (mlock(base, n) != 0) {
            const int e = errno;
            struct rlimit rl = {0, 0};
            getrlimit(RLIMIT_MEMLOCK, &rl);
            char lim[64];
            if (rl.rlim_cur == RLIM_INFINITY)
                snprintf(lim, sizeof lim, "unlimited");
            else
                snprintf(lim, sizeof lim, "%llu KiB", (unsigned long long)rl.rlim_cur >> 10);
            llm_set_err(err, errlen,
                        "use_mlock: cannot lock %zu MiB of weights in memory: %s (RLIMIT_MEMLOCK "
                        "%s; raise it with `ulimit -l` or run without use_mlock)",
                        n >> 20, strerror(e), lim);
            return LLM_ERR_NOMEM;
        }
        m->weights_locked = 1;
    }
    return LLM_OK;
}

/* Whether the weights are views of the file's mapping (1) or a private copy (0). */
int llm_model_weights_mapped(const llm_model *m)
{
    return m && !m->weights_copy;
}

void llm_model_memory_free(llm_model *m)
{
    if (m->weights_copy && m->weights_locked)
        munlock(m->weights_copy, m->weights_bytes);
    free(m->weights_copy);
    m->weights_copy = NULL;
}
