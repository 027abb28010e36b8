/* fuzz_tok.c — libFuzzer target for the tokenizers: the first byte picks the vocabulary
 * (bit 0: gpt-2 byte-level BPE or phi-3 SentencePiece, both committed in
 * tests/fixtures/vocab/), add_special (bit 1), parse_special (bit 2) and, for gpt-2, the
 * pre-tokenizer (bits 3..5 mod 5: every kind runs on the same merges); the rest is the text.
 * Any text must tokenize (count >= 0, the same count when asked again with exactly that room,
 * every id inside the vocabulary) and every token must decode. Run from the repository root
 * (the vocabulary paths are relative). */
#include "llm/internal.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static llm_vocab vocab[2];
static llm_gguf *file[2];

static void load_once(void)
{
    static int done;
    static const char *const paths[2] = {"tests/fixtures/vocab/ggml-vocab-gpt-2.gguf",
                                         "tests/fixtures/vocab/ggml-vocab-phi-3.gguf"};
    if (done)
        return;
    char err[512];
    for (int i = 0; i < 2; i++)
        if (llm_gguf_open(paths[i], &file[i], err, sizeof err) ||
            llm_vocab_load_gguf(&vocab[i], file[i], err, sizeof err))
            __builtin_trap(); /* run from the repository root */
    done = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0 || size > (1u << 16))
        return 0;
    load_once();
    uint8_t mode = data[0];
    llm_vocab *v = &vocab[mode & 1];
    llm_pre_kind keep = v->pre;
    if (!(mode & 1))
        v->pre = (llm_pre_kind)((mode >> 3) % 5);
    const char *text = (const char *)data + 1;
    size_t n = size - 1;
    int add = (mode >> 1) & 1, parse = (mode >> 2) & 1;
    int k = llm_vocab_tokenize(v, text, n, add, parse, NULL, 0);
    if (k < 0)
        __builtin_trap();
    int *t = malloc((size_t)(k ? k : 1) * sizeof *t);
    if (t) {
        if (llm_vocab_tokenize(v, text, n, add, parse, t, k) != k)
            __builtin_trap();
        char piece[256];
        for (int i = 0; i < k; i++) {
            if (t[i] < 0 || t[i] >= v->n_vocab)
                __builtin_trap();
            if (llm_vocab_piece(v, t[i], i & 1, piece, sizeof piece) < 0)
                __builtin_trap();
        }
        free(t);
    }
    v->pre = keep;
    return 0;
}
