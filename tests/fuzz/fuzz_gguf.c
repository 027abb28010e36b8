/* fuzz_gguf.c — libFuzzer target for the GGUF reader: any byte string must be either
 * rejected with a message or accepted with every accessor staying inside the buffer. */
#include "llm/llm.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    llm_gguf *g = NULL;
    if (llm_gguf_open_memory(data, size, &g, err, sizeof err) != LLM_OK) {
        if (err[0] == 0)
            __builtin_trap(); /* every rejection must say why */
        return 0;
    }
    /* touch everything the reader hands out */
    volatile uint64_t sink = 0;
    for (int64_t i = 0; i < llm_gguf_n_kv(g); i++) {
        llm_gguf_kv_info k;
        llm_gguf_kv(g, i, &k);
        sink += strlen(k.key);
        const void *raw;
        uint64_t rs;
        if (llm_gguf_kv_raw(g, i, &raw, &rs) == LLM_OK && rs > 0)
            sink += ((const uint8_t *)raw)[rs - 1];
        if (k.type == LLM_GGUF_ARRAY && k.arr_type == LLM_GGUF_STRING) {
            for (uint64_t j = 0; j < k.arr_n && j < 64; j++) {
                const char *s;
                uint64_t n;
                if (llm_gguf_arr_str(g, i, j, &s, &n) == LLM_OK && n > 0)
                    sink += (uint8_t)s[n - 1];
            }
        }
        uint64_t u;
        double f;
        int b;
        llm_gguf_get_uint(g, k.key, &u, NULL, 0);
        llm_gguf_get_float(g, k.key, &f, NULL, 0);
        llm_gguf_get_bool(g, k.key, &b, NULL, 0);
    }
    for (int64_t i = 0; i < llm_gguf_n_tensors(g); i++) {
        llm_gguf_tensor_info t;
        llm_gguf_tensor(g, i, &t);
        if (t.nbytes > 0) {
            sink += ((const uint8_t *)t.data)[0];
            sink += ((const uint8_t *)t.data)[t.nbytes - 1];
        }
        if (llm_gguf_find_tensor(g, t.name) != i)
            __builtin_trap();
    }
    (void)sink;
    llm_gguf_close(g);
    return 0;
}
