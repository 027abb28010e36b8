/* spm.c — the SentencePiece-style tokenizer of GGUF files with
 * tokenizer.ggml.model = "llama" (llama.cpp's SPM session, notes/gguf.md §4); the special
 * token partition and BOS/EOS are tok.c's:
 *   1. each text fragment: optional " " prefix (add_space_prefix, at the start or after a
 *      special token), spaces → U+2581, split into UTF-8 characters;
 *   2. repeatedly merge the adjacent pair whose concatenation is a vocabulary token with the
 *      highest score (ties: leftmost);
 *   3. symbols that are not tokens become byte tokens <0xNN> (byte fallback).
 * Detokenization of ordinary tokens: NORMAL tokens with U+2581 → " ", BYTE tokens → their
 * byte.
 */
#include "llm/internal.h"
#include "llm/tok/heap.h"

#include <stdlib.h>
#include <string.h>

/* ---- encoding ---------------------------------------------------------------------------- */

typedef struct {
    int prev, next;
    int start, n; /* byte span in the escaped text; n == 0: merged away */
} sym_t;

typedef struct {
    int left, right;
    float score;
    int size;
} bigram_t;

/* x pops before y: the higher score, then the leftmost */
static int bg_before(const bigram_t *x, const bigram_t *y)
{
    return x->score != y->score ? x->score > y->score : x->left < y->left;
}

LLM_HEAP_DEFINE(heap, bigram_t, bg_before)

static void try_bigram(const llm_vocab *v, const char *text, const sym_t *sy, heap_t *h, int l,
                       int r)
{
    if (l < 0 || r < 0)
        return;
    int start = sy[l].start, size = sy[l].n + sy[r].n;
    int id = llm_vocab_find(v, text + start, (size_t)size);
    if (id < 0)
        return;
    bigram_t b = {l, r, v->score[id], size};
    heap_push(h, b);
}

/* llama.cpp's unicode_len_utf8: the length from the high nibble alone, so a malformed lead
 * byte (0xF8..0xFF) takes 4 bytes as it does there */
static int utf8_len(uint8_t c)
{
    static const uint8_t by_nibble[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
    return by_nibble[c >> 4];
}

static int spm_encode(const llm_vocab *v, const char *text, int n, llm_tok_emit *e)
{
    if (n == 0)
        return LLM_OK;
    sym_t *sy = malloc((size_t)n * sizeof *sy);
    heap_t h = {0};
    if (!sy)
        return LLM_ERR_NOMEM;
    int ns = 0;
    for (int off = 0; off < n;) {
        int l = utf8_len((uint8_t)text[off]);
        if (l > n - off)
            l = n - off;
        sy[ns].start = off;
        sy[ns].n = l;
        sy[ns].prev = ns - 1;
        sy[ns].next = off + l < n ? ns + 1 : -1;
        ns++;
        off += l;
    }
    for (int i = 1; i < ns; i++)
        try_bigram(v, text, sy, &h, i - 1, i);
    while (h.n > 0 && !h.oom) {
        bigram_t b = heap_pop(&h);
        sym_t *L = &sy[b.left], *R = &sy[b.right];
        if (L->n == 0 || R->n == 0 || L->n + R->n != b.size)
            continue; /* stale */
        L->n += R->n;
        R->n = 0;
        L->next = R->next;
        if (R->next >= 0)
            sy[R->next].prev = b.left;
        try_bigram(v, text, sy, &h, L->prev, b.left);
        try_bigram(v, text, sy, &h, b.left, L->next);
    }
    int rc = h.oom ? LLM_ERR_NOMEM : LLM_OK;
    for (int i = 0; i >= 0 && i < ns && rc == LLM_OK; i = sy[i].next) {
        int id = llm_vocab_find(v, text + sy[i].start, (size_t)sy[i].n);
        if (id >= 0) {
            llm_tok_emit_id(e, id);
            continue;
        }
        for (int k = 0; k < sy[i].n; k++) {
            int bt = v->byte_tok[(uint8_t)text[sy[i].start + k]];
            llm_tok_emit_id(e, bt >= 0 ? bt : v->unk);
        }
    }
    free(sy);
    free(h.a);
    return rc;
}

static int spm_encode_fragment(const llm_vocab *v, const char *raw, int len, int after_special,
                               llm_tok_emit *e)
{
    /* escape: optional leading space, " " → U+2581 (3 bytes) */
    size_t cap = (size_t)len * 3 + 4;
    char *t = malloc(cap);
    if (!t)
        return LLM_ERR_NOMEM;
    int n = 0;
    if (v->add_space_prefix && after_special) {
        memcpy(t, "\xE2\x96\x81", 3);
        n = 3;
    }
    for (int i = 0; i < len; i++) {
        if (raw[i] == ' ') {
            memcpy(t + n, "\xE2\x96\x81", 3);
            n += 3;
        } else {
            t[n++] = raw[i];
        }
    }
    int rc = spm_encode(v, t, n, e);
    free(t);
    return rc;
}

/* ---- decoding ---------------------------------------------------------------------------- */

static int spm_piece(const llm_vocab *v, int token, char *buf, size_t cap)
{
    const char *t = v->text[token];
    size_t tl = v->len[token], n = 0;
    if (v->type[token] == LLM_TOK_BYTE) {
        unsigned b = 0;
        int ok = tl == 6 && t[0] == '<' && t[1] == '0' && t[2] == 'x' && t[5] == '>';
        for (int i = 3; ok && i < 5; i++) {
            char c = t[i];
            unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0')
                       : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
                       : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10) : 99;
            ok = d < 16;
            b = b * 16 + d;
        }
        if (ok && cap >= 1) {
            buf[0] = (char)b;
            return 1;
        }
        /* malformed byte token: its text */
    }
    /* NORMAL / UNDEFINED: U+2581 → ' ' (never longer than the text) */
    for (size_t i = 0; i < tl && n < cap;) {
        if (i + 3 <= tl && memcmp(t + i, "\xE2\x96\x81", 3) == 0) {
            buf[n++] = ' ';
            i += 3;
        } else {
            buf[n++] = t[i++];
        }
    }
    return (int)n;
}

const llm_tok_ops llm_tok_spm = {"llama", NULL, spm_encode_fragment, spm_piece, NULL};
