/* tokenizer.c — the SentencePiece-style tokenizer of GGUF files with
 * tokenizer.ggml.model = "llama" (llama.cpp's SPM session, notes/gguf.md §4):
 *   1. split out special tokens: USER_DEFINED always, CONTROL/UNKNOWN when parse_special;
 *      longest token text first;
 *   2. each text fragment: optional " " prefix (add_space_prefix, at the start or after a
 *      special token), spaces → U+2581, split into UTF-8 characters;
 *   3. repeatedly merge the adjacent pair whose concatenation is a vocabulary token with the
 *      highest score (ties: leftmost);
 *   4. symbols that are not tokens become byte tokens <0xNN> (byte fallback).
 * Detokenization: NORMAL tokens with U+2581 → " ", BYTE tokens → their byte, CONTROL/UNKNOWN
 * only when asked for specials, USER_DEFINED as written.
 */
#include "llm/internal.h"

#include <stdlib.h>
#include <string.h>

static uint32_t hash_str(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= (uint8_t)s[i];
        h *= 16777619u;
    }
    return h;
}

int llm_vocab_find(const llm_vocab *v, const char *s, size_t n)
{
    if (!v->hash)
        return -1;
    uint32_t h = hash_str(s, n) & v->hash_mask;
    for (;;) {
        int32_t id = v->hash[h];
        if (id < 0)
            return -1;
        if (v->len[id] == n && memcmp(v->text[id], s, n) == 0)
            return id;
        h = (h + 1) & v->hash_mask;
    }
}

void llm_vocab_free(llm_vocab *v)
{
    free(v->text);
    free(v->len);
    free(v->score);
    free(v->type);
    free(v->hash);
    free(v->special);
    free(v->eog);
    memset(v, 0, sizeof *v);
}

static const llm_vocab *g_sort_vocab;
static int cmp_special(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    uint32_t lx = g_sort_vocab->len[x], ly = g_sort_vocab->len[y];
    if (lx != ly)
        return lx > ly ? -1 : 1;
    return x < y ? -1 : x > y;
}

static int special_id(const llm_gguf *g, const char *key, int n_vocab, int def, int *out,
                      char *err, size_t errlen)
{
    *out = def;
    if (llm_gguf_find_key(g, key) < 0)
        return LLM_OK;
    uint64_t v;
    char e2[200];
    if (llm_gguf_get_uint(g, key, &v, e2, sizeof e2)) {
        llm_set_err(err, errlen, "tokenizer: %s", e2);
        return LLM_ERR_FORMAT;
    }
    if (v >= (uint64_t)n_vocab) {
        llm_set_err(err, errlen, "tokenizer: %s = %llu is not below the vocabulary size %d", key,
                    (unsigned long long)v, n_vocab);
        return LLM_ERR_FORMAT;
    }
    *out = (int)v;
    return LLM_OK;
}

int llm_vocab_load(llm_model *m, char *err, size_t errlen)
{
    const llm_gguf *g = m->g;
    llm_vocab *v = &m->vocab;
    const char *s;
    uint64_t n;
    char e2[200];
    if (llm_gguf_get_str(g, "tokenizer.ggml.model", &s, &n, e2, sizeof e2)) {
        llm_set_err(err, errlen, "tokenizer: %s", e2);
        return LLM_ERR_FORMAT;
    }
    if (n != 5 || memcmp(s, "llama", 5) != 0) {
        llm_set_err(err, errlen, "tokenizer: unsupported tokenizer.ggml.model '%.*s' (supported: llama)",
                    (int)(n < 32 ? n : 32), s);
        return LLM_ERR_UNSUPPORTED;
    }
    int64_t kt = llm_gguf_find_key(g, "tokenizer.ggml.tokens");
    int64_t ks = llm_gguf_find_key(g, "tokenizer.ggml.scores");
    int64_t ky = llm_gguf_find_key(g, "tokenizer.ggml.token_type");
    llm_gguf_kv_info it, is, iy;
    if (kt < 0 || llm_gguf_kv(g, kt, &it) || it.type != LLM_GGUF_ARRAY || it.arr_type != LLM_GGUF_STRING) {
        llm_set_err(err, errlen, "tokenizer: 'tokenizer.ggml.tokens' is missing or not an array of strings");
        return LLM_ERR_FORMAT;
    }
    if (it.arr_n == 0 || it.arr_n > (1u << 24)) {
        llm_set_err(err, errlen, "tokenizer: vocabulary size %llu out of range (1..2^24)",
                    (unsigned long long)it.arr_n);
        return LLM_ERR_FORMAT;
    }
    const int N = (int)it.arr_n;
    if (ks >= 0) {
        llm_gguf_kv(g, ks, &is);
        if (is.type != LLM_GGUF_ARRAY || is.arr_type != LLM_GGUF_FLOAT32 || is.arr_n != (uint64_t)N) {
            llm_set_err(err, errlen,
                        "tokenizer: 'tokenizer.ggml.scores' must be an array of %d float32 (found %s of %s, length %llu)",
                        N, llm_gguf_type_name(is.type), llm_gguf_type_name(is.arr_type),
                        (unsigned long long)is.arr_n);
            return LLM_ERR_FORMAT;
        }
    }
    if (ky >= 0) {
        llm_gguf_kv(g, ky, &iy);
        if (iy.type != LLM_GGUF_ARRAY || iy.arr_type != LLM_GGUF_INT32 || iy.arr_n != (uint64_t)N) {
            llm_set_err(err, errlen,
                        "tokenizer: 'tokenizer.ggml.token_type' must be an array of %d int32 (found %s of %s, length %llu)",
                        N, llm_gguf_type_name(iy.type), llm_gguf_type_name(iy.arr_type),
                        (unsigned long long)iy.arr_n);
            return LLM_ERR_FORMAT;
        }
    }
    v->n_vocab = N;
    v->text = malloc((size_t)N * sizeof *v->text);
    v->len = malloc((size_t)N * sizeof *v->len);
    v->score = malloc((size_t)N * sizeof *v->score);
    v->type = malloc((size_t)N * sizeof *v->type);
    uint32_t cap = 16;
    while (cap < 2u * (uint32_t)N)
        cap <<= 1;
    v->hash = malloc((size_t)cap * sizeof *v->hash);
    if (!v->text || !v->len || !v->score || !v->type || !v->hash) {
        llm_set_err(err, errlen, "tokenizer: out of memory");
        return LLM_ERR_NOMEM;
    }
    v->hash_mask = cap - 1;
    memset(v->hash, 0xFF, (size_t)cap * sizeof *v->hash);
    const uint8_t *sd = ks >= 0 ? llm_gguf_arr_data(g, ks) : NULL;
    const uint8_t *yd = ky >= 0 ? llm_gguf_arr_data(g, ky) : NULL;
    int n_special = 0;
    for (int i = 0; i < N; i++) {
        const char *t;
        uint64_t l;
        llm_gguf_arr_str(g, kt, (uint64_t)i, &t, &l);
        if (l > 65536) {
            llm_set_err(err, errlen, "tokenizer: token %d is %llu bytes long", i, (unsigned long long)l);
            return LLM_ERR_FORMAT;
        }
        v->text[i] = t;
        v->len[i] = (uint32_t)l;
        float sc = 0;
        if (sd)
            memcpy(&sc, sd + 4 * (size_t)i, 4);
        v->score[i] = sc;
        int32_t ty = LLM_TOK_NORMAL;
        if (yd)
            memcpy(&ty, yd + 4 * (size_t)i, 4);
        if (ty < 0 || ty > LLM_TOK_BYTE) {
            llm_set_err(err, errlen, "tokenizer: token %d has invalid token type %d", i, ty);
            return LLM_ERR_FORMAT;
        }
        v->type[i] = ty;
        if ((ty == LLM_TOK_CONTROL || ty == LLM_TOK_USER_DEFINED || ty == LLM_TOK_UNKNOWN) && l > 0)
            n_special++;
        /* later duplicates win, as in llama.cpp's token_to_id map */
        uint32_t h = hash_str(t, (size_t)l) & v->hash_mask;
        for (;;) {
            int32_t o = v->hash[h];
            if (o < 0) {
                v->hash[h] = i;
                break;
            }
            if (v->len[o] == l && memcmp(v->text[o], t, (size_t)l) == 0) {
                v->hash[h] = i;
                break;
            }
            h = (h + 1) & v->hash_mask;
        }
    }
    for (int b = 0; b < 256; b++) {
        char buf[8];
        snprintf(buf, sizeof buf, "<0x%02X>", b);
        v->byte_tok[b] = llm_vocab_find(v, buf, 6);
    }
    v->special = malloc((size_t)(n_special ? n_special : 1) * sizeof(int));
    if (!v->special) {
        llm_set_err(err, errlen, "tokenizer: out of memory");
        return LLM_ERR_NOMEM;
    }
    for (int i = 0; i < N; i++) {
        int ty = v->type[i];
        if ((ty == LLM_TOK_CONTROL || ty == LLM_TOK_USER_DEFINED || ty == LLM_TOK_UNKNOWN) && v->len[i] > 0)
            v->special[v->n_special++] = i;
    }
    /* qsort has no context argument: the comparator reads g_sort_vocab, so concurrent loads
     * take turns here */
    #pragma omp critical(so8t_llm_sort)
    {
        g_sort_vocab = v;
        qsort(v->special, (size_t)v->n_special, sizeof(int), cmp_special);
    }
    int rc;
    /* SPM defaults: bos 1, eos 2, unk 0 (clamped to the vocabulary); metadata overrides. */
    if ((rc = special_id(g, "tokenizer.ggml.bos_token_id", N, N > 1 ? 1 : 0, &v->bos, err, errlen)) ||
        (rc = special_id(g, "tokenizer.ggml.eos_token_id", N, N > 2 ? 2 : 0, &v->eos, err, errlen)) ||
        (rc = special_id(g, "tokenizer.ggml.unknown_token_id", N, 0, &v->unk, err, errlen)) ||
        (rc = special_id(g, "tokenizer.ggml.padding_token_id", N, -1, &v->pad, err, errlen)) ||
        (rc = special_id(g, "tokenizer.ggml.eot_token_id", N, -1, &v->eot, err, errlen)))
        return rc;
    v->add_bos = 1;
    v->add_eos = 0;
    v->add_space_prefix = 1;
    if (llm_gguf_find_key(g, "tokenizer.ggml.add_bos_token") >= 0 &&
        llm_gguf_get_bool(g, "tokenizer.ggml.add_bos_token", &v->add_bos, e2, sizeof e2)) {
        llm_set_err(err, errlen, "tokenizer: %s", e2);
        return LLM_ERR_FORMAT;
    }
    if (llm_gguf_find_key(g, "tokenizer.ggml.add_eos_token") >= 0 &&
        llm_gguf_get_bool(g, "tokenizer.ggml.add_eos_token", &v->add_eos, e2, sizeof e2)) {
        llm_set_err(err, errlen, "tokenizer: %s", e2);
        return LLM_ERR_FORMAT;
    }
    if (llm_gguf_find_key(g, "tokenizer.ggml.add_space_prefix") >= 0 &&
        llm_gguf_get_bool(g, "tokenizer.ggml.add_space_prefix", &v->add_space_prefix, e2, sizeof e2)) {
        llm_set_err(err, errlen, "tokenizer: %s", e2);
        return LLM_ERR_FORMAT;
    }
    /* end of generation: eos, eot, and the well-known end-of-turn texts */
    static const char *eog_texts[] = {"<end_of_turn>", "<|eot_id|>", "<|im_end|>", "<|endoftext|>",
                                      "<|end|>", "<eos>"};
    v->eog = malloc(16 * sizeof(int));
    if (!v->eog) {
        llm_set_err(err, errlen, "tokenizer: out of memory");
        return LLM_ERR_NOMEM;
    }
    v->eog[v->n_eog++] = v->eos;
    if (v->eot >= 0 && v->eot != v->eos)
        v->eog[v->n_eog++] = v->eot;
    for (size_t i = 0; i < sizeof eog_texts / sizeof eog_texts[0]; i++) {
        int id = llm_vocab_find(v, eog_texts[i], strlen(eog_texts[i]));
        if (id < 0 || v->type[id] != LLM_TOK_CONTROL)
            continue;
        int dup = 0;
        for (int j = 0; j < v->n_eog; j++)
            dup |= v->eog[j] == id;
        if (!dup)
            v->eog[v->n_eog++] = id;
    }
    return LLM_OK;
}

/* ---- encoding ---------------------------------------------------------------------------- */

typedef struct {
    int tokens_n, tokens_cap;
    int *out;
    int max;
} emit_t;

static void emit(emit_t *e, int id)
{
    if (e->tokens_n < e->max)
        e->out[e->tokens_n] = id;
    e->tokens_n++;
}

typedef struct {
    int prev, next;
    int start, n; /* byte span in the escaped text; n == 0: merged away */
} sym_t;

typedef struct {
    int left, right;
    float score;
    int size;
} bigram_t;

typedef struct {
    bigram_t *a;
    int n, cap;
    int oom;
} heap_t;

static int bg_less(const bigram_t *x, const bigram_t *y) /* x has lower priority than y */
{
    if (x->score != y->score)
        return x->score < y->score;
    return x->left > y->left;
}

static void heap_push(heap_t *h, bigram_t b)
{
    if (h->n == h->cap) {
        int c = h->cap ? 2 * h->cap : 64;
        bigram_t *q = realloc(h->a, (size_t)c * sizeof *q);
        if (!q) {
            h->oom = 1;
            return;
        }
        h->a = q;
        h->cap = c;
    }
    int i = h->n++;
    h->a[i] = b;
    while (i > 0) {
        int p = (i - 1) / 2;
        if (!bg_less(&h->a[p], &h->a[i]))
            break;
        bigram_t t = h->a[p];
        h->a[p] = h->a[i];
        h->a[i] = t;
        i = p;
    }
}

static bigram_t heap_pop(heap_t *h)
{
    bigram_t top = h->a[0];
    h->a[0] = h->a[--h->n];
    int i = 0;
    for (;;) {
        int l = 2 * i + 1, r = l + 1, m = i;
        if (l < h->n && bg_less(&h->a[m], &h->a[l]))
            m = l;
        if (r < h->n && bg_less(&h->a[m], &h->a[r]))
            m = r;
        if (m == i)
            break;
        bigram_t t = h->a[m];
        h->a[m] = h->a[i];
        h->a[i] = t;
        i = m;
    }
    return top;
}

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

static int utf8_len(uint8_t c)
{
    if (c < 0x80) return 1;
    if ((c & 0xE0) == 0xC0) return 2;
    if ((c & 0xF0) == 0xE0) return 3;
    if ((c & 0xF8) == 0xF0) return 4;
    return 1;
}

static int spm_encode(const llm_vocab *v, const char *text, int n, emit_t *e)
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
            emit(e, id);
            continue;
        }
        for (int k = 0; k < sy[i].n; k++) {
            int bt = v->byte_tok[(uint8_t)text[sy[i].start + k]];
            emit(e, bt >= 0 ? bt : v->unk);
        }
    }
    free(sy);
    free(h.a);
    return rc;
}

/* fragments: either a special token id or a raw text span */
typedef struct {
    int tok; /* -1 for text */
    int off, len;
} frag_t;

static int encode_fragment(const llm_vocab *v, const char *raw, int len, int prefix_space, emit_t *e)
{
    /* escape: optional leading space, " " → U+2581 (3 bytes) */
    size_t cap = (size_t)len * 3 + 4;
    char *t = malloc(cap);
    if (!t)
        return LLM_ERR_NOMEM;
    int n = 0;
    if (prefix_space) {
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

int llm_tokenize(const llm_model *m, const char *text, int add_bos, int parse_special, int *tokens,
                 int max_tokens)
{
    if (!m || !text || max_tokens < 0 || (!tokens && max_tokens > 0))
        return LLM_ERR_INVAL;
    const llm_vocab *v = &m->vocab;
    size_t tl = strlen(text);
    if (tl > (1u << 28))
        return LLM_ERR_INVAL;
    const int len = (int)tl;
    /* partition: for each special token (longest first), split every text fragment at its
     * occurrences */
    int fcap = 16, fn = 1;
    frag_t *fr = malloc((size_t)fcap * sizeof *fr);
    if (!fr)
        return LLM_ERR_NOMEM;
    fr[0] = (frag_t){-1, 0, len};
    for (int si = 0; si < v->n_special && len > 0; si++) {
        int id = v->special[si];
        int ty = v->type[id];
        if (!parse_special && (ty == LLM_TOK_CONTROL || ty == LLM_TOK_UNKNOWN))
            continue;
        const char *st = v->text[id];
        int sl = (int)v->len[id];
        for (int f = 0; f < fn; f++) {
            if (fr[f].tok >= 0 || fr[f].len < sl)
                continue;
            const char *base = text + fr[f].off;
            const char *hit = memmem(base, (size_t)fr[f].len, st, (size_t)sl);
            if (!hit)
                continue;
            int pre = (int)(hit - base), post = fr[f].len - pre - sl;
            /* replace fr[f] by [pre text] [token] [post text] */
            int add = (pre > 0) + 1 + (post > 0) - 1;
            if (fn + add > fcap) {
                while (fn + add > fcap)
                    fcap *= 2;
                frag_t *q = realloc(fr, (size_t)fcap * sizeof *q);
                if (!q) {
                    free(fr);
                    return LLM_ERR_NOMEM;
                }
                fr = q;
            }
            frag_t old = fr[f];
            memmove(&fr[f + 1 + add], &fr[f + 1], (size_t)(fn - f - 1) * sizeof *fr);
            fn += add;
            int k = f;
            if (pre > 0)
                fr[k++] = (frag_t){-1, old.off, pre};
            fr[k++] = (frag_t){id, old.off + pre, sl};
            if (post > 0)
                fr[k] = (frag_t){-1, old.off + pre + sl, post};
            /* continue scanning after the token (the post fragment comes next in the loop) */
            f = k - 1;
        }
    }
    emit_t e = {0, 0, tokens, max_tokens};
    int bos = add_bos < 0 ? v->add_bos : add_bos;
    if (bos)
        emit(&e, v->bos);
    int prev_special = 1, rc = LLM_OK;
    for (int f = 0; f < fn && rc == LLM_OK; f++) {
        if (fr[f].tok >= 0) {
            emit(&e, fr[f].tok);
            prev_special = 1;
        } else {
            rc = encode_fragment(v, text + fr[f].off, fr[f].len, v->add_space_prefix && prev_special, &e);
            prev_special = 0;
        }
    }
    if (add_bos < 0 && v->add_eos)
        emit(&e, v->eos);
    free(fr);
    return rc ? rc : e.tokens_n;
}

/* ---- decoding ---------------------------------------------------------------------------- */

int llm_token_to_piece(const llm_model *m, int token, int special, char *buf, size_t len)
{
    if (!m || !buf || token < 0 || token >= m->vocab.n_vocab)
        return LLM_ERR_INVAL;
    const llm_vocab *v = &m->vocab;
    const char *t = v->text[token];
    size_t tl = v->len[token];
    char tmp[8];
    const char *src = t;
    size_t n = 0;
    int ty = v->type[token];
    char *dyn = NULL;
    if (ty == LLM_TOK_CONTROL || ty == LLM_TOK_UNKNOWN || ty == LLM_TOK_UNUSED) {
        n = special ? tl : 0;
    } else if (ty == LLM_TOK_BYTE) {
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
        if (ok) {
            tmp[0] = (char)b;
            src = tmp;
            n = 1;
        } else {
            n = tl; /* malformed byte token: print its text */
        }
    } else if (ty == LLM_TOK_USER_DEFINED) {
        n = tl;
    } else {
        /* NORMAL / UNDEFINED: U+2581 → ' ' */
        dyn = malloc(tl + 1);
        if (!dyn)
            return LLM_ERR_NOMEM;
        for (size_t i = 0; i < tl;) {
            if (i + 3 <= tl && memcmp(t + i, "\xE2\x96\x81", 3) == 0) {
                dyn[n++] = ' ';
                i += 3;
            } else {
                dyn[n++] = t[i++];
            }
        }
        src = dyn;
    }
    size_t w = 0;
    if (len > 0) {
        w = n < len - 1 ? n : len - 1;
        memcpy(buf, src, w);
        buf[w] = 0;
    }
    free(dyn);
    return (int)n;
}

const char *llm_token_text(const llm_model *m, int token)
{
    static _Thread_local char buf[512];
    if (!m || token < 0 || token >= m->vocab.n_vocab)
        return NULL;
    size_t l = m->vocab.len[token];
    if (l > sizeof buf - 1)
        l = sizeof buf - 1;
    memcpy(buf, m->vocab.text[token], l);
    buf[l] = 0;
    return buf;
}

int llm_token_is_eog(const llm_model *m, int token)
{
    for (int i = 0; i < m->vocab.n_eog; i++)
        if (m->vocab.eog[i] == token)
            return 1;
    return 0;
}

int llm_token_bos(const llm_model *m) { return m->vocab.bos; }
