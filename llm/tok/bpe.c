/* bpe.c — byte-level BPE (tokenizer.ggml.model = "gpt2"), as llama.cpp's
 * llm_tokenizer_bpe_session does it:
 *   1. the pre-tokenizer (bpe_pre.c, chosen by tokenizer.ggml.pre) splits a plain-text
 *      fragment into words;
 *   2. each word's bytes go through the GPT-2 byte map (printable bytes stand for themselves,
 *      the other 68 for U+0100 + n in byte order) and are split into UTF-8 characters;
 *   3. with ignore_merges (llama3), a word that is a token as a whole is emitted directly;
 *   4. all adjacent pairs listed in tokenizer.ggml.merges enter a priority queue ordered by
 *      (rank = line of the merge, left position); the lowest is merged unless stale (one of
 *      its sides changed since it was queued), and the new neighbour pairs are queued;
 *   5. each final symbol is its vocabulary id; one that is not in the vocabulary becomes the
 *      tokens of its single bytes that are (as llama.cpp does; GPT-2 vocabularies hold all 256).
 * Decoding an ordinary token reverses the byte map.
 */
#include "llm/internal.h"
#include "llm/tok/heap.h"
#include "llm/tok/unicode.h"

#include <stdlib.h>
#include <string.h>

/* ---- the GPT-2 byte map ---------------------------------------------------------------- */

static int byte_printable(int b) { return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE; }

/* code point standing for byte b */
static uint32_t byte_to_cp(int b)
{
    if (byte_printable(b))
        return (uint32_t)b;
    int n = 0;
    for (int c = 0; c < b; c++)
        n += !byte_printable(c);
    return 256u + (uint32_t)n;
}

typedef struct {
    char utf8[256][2]; /* every mapped code point is below U+0800: 1 or 2 bytes */
    uint8_t len[256];
    int16_t back[324]; /* code point → byte, -1 if none (the map's code points are < 324) */
} byte_map_t;

static const byte_map_t *byte_map(void)
{
    static byte_map_t m;
    static int ready;
    #pragma omp critical(so8t_llm_bpe_byte_map)
    if (!ready) {
        for (int i = 0; i < 324; i++)
            m.back[i] = -1;
        for (int b = 0; b < 256; b++) {
            char tmp[4];
            uint32_t cp = byte_to_cp(b);
            m.len[b] = (uint8_t)llm_utf8_encode(cp, tmp);
            memcpy(m.utf8[b], tmp, m.len[b]);
            m.back[cp] = (int16_t)b;
        }
        ready = 1;
    }
    return &m;
}

/* ---- merges -------------------------------------------------------------------------------- */

static int merges_load(llm_bpe_merges *mg, const llm_gguf *g, char *err, size_t errlen)
{
    int64_t km = llm_gguf_find_key(g, "tokenizer.ggml.merges");
    llm_gguf_kv_info im;
    if (km < 0 || llm_gguf_kv(g, km, &im) || im.type != LLM_GGUF_ARRAY || im.arr_type != LLM_GGUF_STRING) {
        llm_set_err(err, errlen, "tokenizer: 'tokenizer.ggml.merges' is missing or not an array of strings "
                                 "(byte-level BPE needs it)");
        return LLM_ERR_FORMAT;
    }
    if (im.arr_n > (1u << 24)) {
        llm_set_err(err, errlen, "tokenizer: %llu merges (at most 2^24)", (unsigned long long)im.arr_n);
        return LLM_ERR_FORMAT;
    }
    const int n = (int)im.arr_n;
    uint32_t cap = 16;
    while (cap < 2u * (uint32_t)n)
        cap <<= 1;
    mg->text = malloc((size_t)(n ? n : 1) * sizeof *mg->text);
    mg->len = malloc((size_t)(n ? n : 1) * sizeof *mg->len);
    mg->left_len = malloc((size_t)(n ? n : 1) * sizeof *mg->left_len);
    mg->hash = malloc((size_t)cap * sizeof *mg->hash);
    if (!mg->text || !mg->len || !mg->left_len || !mg->hash) {
        llm_set_err(err, errlen, "tokenizer: out of memory");
        return LLM_ERR_NOMEM;
    }
    memset(mg->hash, 0xFF, (size_t)cap * sizeof *mg->hash);
    mg->hash_mask = cap - 1;
    mg->n = n;
    for (int i = 0; i < n; i++) {
        const char *t;
        uint64_t l;
        llm_gguf_arr_str(g, km, (uint64_t)i, &t, &l);
        if (l > 65536) {
            llm_set_err(err, errlen, "tokenizer: merge %d is %llu bytes long", i, (unsigned long long)l);
            return LLM_ERR_FORMAT;
        }
        const char *sp = l > 1 ? memchr(t + 1, ' ', (size_t)l - 1) : NULL;
        mg->text[i] = t;
        mg->len[i] = (uint32_t)l;
        mg->left_len[i] = sp ? (uint32_t)(sp - t) : UINT32_MAX;
        if (!sp)
            continue; /* no split point: can never match a pair */
        /* the first of equal merges keeps its rank (llama.cpp's bpe_ranks.emplace) */
        uint32_t h = llm_tok_hash_slot(mg->hash, mg->hash_mask, mg->text, mg->len, t, (size_t)l);
        if (mg->hash[h] < 0)
            mg->hash[h] = i;
    }
    return LLM_OK;
}

/* rank of merging a (na bytes) with b (nb bytes), -1 if not a merge; buf holds na+nb+1 */
static int merge_rank(const llm_bpe_merges *mg, const char *a, int na, const char *b, int nb, char *buf)
{
    memcpy(buf, a, (size_t)na);
    buf[na] = ' ';
    memcpy(buf + na + 1, b, (size_t)nb);
    size_t l = (size_t)na + 1 + (size_t)nb;
    /* equal texts are stored once, so the one found must also split where a ends */
    int32_t o = mg->hash[llm_tok_hash_slot(mg->hash, mg->hash_mask, mg->text, mg->len, buf, l)];
    return o >= 0 && mg->left_len[o] == (uint32_t)na ? o : -1;
}

static int bpe_load(llm_vocab *v, const llm_gguf *g, char *err, size_t errlen)
{
    const llm_pre_info *pi = NULL;
    if (llm_gguf_find_key(g, "tokenizer.ggml.pre") < 0) {
        pi = llm_bpe_pre_find("default", 7);
        snprintf(v->warning, sizeof v->warning,
                 "the file has no tokenizer.ggml.pre: using the 'default' pre-tokenizer "
                 "(text may be split differently from the model's training)");
    } else {
        const char *s;
        uint64_t n;
        char e2[200];
        if (llm_gguf_get_str(g, "tokenizer.ggml.pre", &s, &n, e2, sizeof e2)) {
            llm_set_err(err, errlen, "tokenizer: %s", e2);
            return LLM_ERR_FORMAT;
        }
        pi = llm_bpe_pre_find(s, (size_t)n);
        if (!pi) {
            llm_set_err(err, errlen, "tokenizer: unknown pre-tokenizer tokenizer.ggml.pre = '%.*s' (supported: %s)",
                        (int)(n < 64 ? n : 64), s, llm_bpe_pre_names());
            return LLM_ERR_UNSUPPORTED;
        }
    }
    v->pre = pi->kind;
    snprintf(v->pre_name, sizeof v->pre_name, "%s", pi->name);
    v->ignore_merges = pi->ignore_merges;
    v->clean_spaces = pi->clean_spaces;
    /* llama.cpp's BPE defaults: BOS = EOS = 11, no UNK, BOS only where the pre-tokenizer
     * says so; the file's keys override them afterwards (tok.c) */
    v->bos = v->eos = v->n_vocab > 11 ? 11 : -1;
    v->unk = -1;
    v->add_bos = pi->add_bos;
    v->add_eos = 0;
    v->add_space_prefix = 0;
    (void)byte_map();
    return merges_load(&v->merges, g, err, errlen);
}

static void bpe_free(llm_vocab *v)
{
    free(v->merges.text);
    free(v->merges.len);
    free(v->merges.left_len);
    free(v->merges.hash);
    memset(&v->merges, 0, sizeof v->merges);
}

/* ---- encoding ------------------------------------------------------------------------------ */

typedef struct {
    int prev, next;
    int start, n; /* byte span in the encoded word; n == 0: merged away */
} sym_t;

typedef struct {
    int rank, left, right, size;
} pair_t;

static int pair_before(const pair_t *x, const pair_t *y) /* x pops before y */
{
    return x->rank != y->rank ? x->rank < y->rank : x->left < y->left;
}

LLM_HEAP_DEFINE(heap, pair_t, pair_before)

static void try_pair(const llm_vocab *v, const char *w, const sym_t *sy, heap_t *h, int l, int r, char *buf)
{
    if (l < 0 || r < 0)
        return;
    int rank = merge_rank(&v->merges, w + sy[l].start, sy[l].n, w + sy[r].start, sy[r].n, buf);
    if (rank >= 0)
        heap_push(h, (pair_t){rank, l, r, sy[l].n + sy[r].n});
}

static int utf8_len(uint8_t c)
{
    if (c < 0x80) return 1;
    if ((c & 0xE0) == 0xC0) return 2;
    if ((c & 0xF0) == 0xE0) return 3;
    if ((c & 0xF8) == 0xF0) return 4;
    return 1;
}

/* merges one byte-mapped word w[0, n) and emits its tokens; sy and buf have room for n */
static int bpe_word(const llm_vocab *v, const char *w, int n, sym_t *sy, char *buf, heap_t *h, llm_tok_emit *e)
{
    if (v->ignore_merges) {
        int id = llm_vocab_find(v, w, (size_t)n);
        if (id >= 0) {
            llm_tok_emit_id(e, id);
            return LLM_OK;
        }
    }
    int ns = 0;
    for (int off = 0; off < n;) {
        int l = utf8_len((uint8_t)w[off]);
        if (l > n - off)
            l = n - off;
        sy[ns] = (sym_t){ns - 1, off + l < n ? ns + 1 : -1, off, l};
        ns++;
        off += l;
    }
    h->n = 0;
    for (int i = 1; i < ns; i++)
        try_pair(v, w, sy, h, i - 1, i, buf);
    while (h->n > 0 && !h->oom) {
        pair_t p = heap_pop(h);
        sym_t *L = &sy[p.left], *R = &sy[p.right];
        if (L->n == 0 || R->n == 0 || L->next != p.right || L->n + R->n != p.size)
            continue; /* stale: a side was merged since the pair was queued */
        L->n += R->n;
        R->n = 0;
        L->next = R->next;
        if (R->next >= 0)
            sy[R->next].prev = p.left;
        try_pair(v, w, sy, h, L->prev, p.left, buf);
        try_pair(v, w, sy, h, p.left, L->next, buf);
    }
    if (h->oom)
        return LLM_ERR_NOMEM;
    for (int i = 0; i >= 0 && i < ns; i = sy[i].next) {
        int id = llm_vocab_find(v, w + sy[i].start, (size_t)sy[i].n);
        if (id >= 0) {
            llm_tok_emit_id(e, id);
            continue;
        }
        for (int k = 0; k < sy[i].n; k++) {
            int b = llm_vocab_find(v, w + sy[i].start + k, 1);
            if (b >= 0)
                llm_tok_emit_id(e, b);
        }
    }
    return LLM_OK;
}

static int bpe_encode(const llm_vocab *v, const char *text, int len, int after_special, llm_tok_emit *e)
{
    (void)after_special;
    if (len == 0)
        return LLM_OK;
    const byte_map_t *bm = byte_map();
    uint32_t *cps = malloc((size_t)len * sizeof *cps);
    int *lens = NULL;
    char *w = NULL, *buf = NULL;
    sym_t *sy = NULL;
    heap_t h = {0};
    int rc = LLM_OK;
    if (!cps)
        return LLM_ERR_NOMEM;
    int n = llm_utf8_decode(text, len, cps);
    int np = llm_bpe_pre_split(v->pre, cps, n, &lens);
    if (np < 0) {
        free(cps);
        return np;
    }
    /* work space for the longest word: k code points re-encode to at most 4k bytes, each
     * mapped to at most 2 */
    size_t maxw = 0;
    for (int p = 0; p < np; p++)
        if ((size_t)lens[p] > maxw)
            maxw = (size_t)lens[p];
    w = malloc(maxw * 8 + 8);
    buf = malloc(maxw * 8 + 16);
    sy = malloc((maxw * 8 + 1) * sizeof *sy);
    if (!w || !buf || !sy)
        rc = LLM_ERR_NOMEM;
    for (int p = 0, at = 0; p < np && rc == LLM_OK; at += lens[p], p++) {
        int wn = 0;
        for (int k = at; k < at + lens[p]; k++) {
            char u[4];
            int ul = llm_utf8_encode(cps[k], u);
            for (int j = 0; j < ul; j++) {
                uint8_t b = (uint8_t)u[j];
                memcpy(w + wn, bm->utf8[b], bm->len[b]);
                wn += bm->len[b];
            }
        }
        rc = bpe_word(v, w, wn, sy, buf, &h, e);
    }
    free(cps);
    free(lens);
    free(w);
    free(buf);
    free(sy);
    free(h.a);
    return rc;
}

/* ---- decoding ------------------------------------------------------------------------------ */

static int bpe_piece(const llm_vocab *v, int token, char *out, size_t cap)
{
    const byte_map_t *bm = byte_map();
    const char *t = v->text[token];
    int tl = (int)v->len[token];
    size_t n = 0;
    for (int i = 0; i < tl && n < cap;) {
        int l = utf8_len((uint8_t)t[i]);
        if (l > tl - i)
            l = tl - i;
        uint32_t cp[4];
        int ok = llm_utf8_decode(t + i, l, cp) == 1;
        if (ok && cp[0] < 324 && bm->back[cp[0]] >= 0) {
            out[n++] = (char)bm->back[cp[0]];
        } else {
            /* a character outside the byte map (not produced by GPT-2 style vocabularies):
             * its own bytes */
            for (int k = 0; k < l && n < cap; k++)
                out[n++] = t[i + k];
        }
        i += l;
    }
    return (int)n;
}

const llm_tok_ops llm_tok_bpe = {"gpt2", bpe_load, bpe_encode, bpe_piece, bpe_free};
