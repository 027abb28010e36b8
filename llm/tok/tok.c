/* tok.c — what every tokenizer shares (tok.h): the token table and its hash, the special
 * token list, BOS/EOS/EOT ids and flags, the end-of-generation set, the special-token
 * partition, and the dispatch to the algorithm named by tokenizer.ggml.model.
 * Rules as in llama.cpp's llama-vocab.cpp (tokenizer_st_partition, load): special tokens are
 * tried longest text first; CONTROL and UNKNOWN texts only with parse_special, USER_DEFINED
 * always; a text that names an end of turn (<|im_end|>, <|eot_id|>, ...) ends generation and
 * counts as a control token. */
#include "llm/internal.h"

#include <stdlib.h>
#include <string.h>

/* tokenizer.ggml.model → algorithm; grows by a row */
static const llm_tok_ops *const tok_table[] = {&llm_tok_spm, &llm_tok_bpe};
#define N_TOK_TABLE (sizeof tok_table / sizeof tok_table[0])

int llm_vocab_find(const llm_vocab *v, const char *s, size_t n)
{
    if (!v->hash)
        return -1;
    int32_t id = v->hash[llm_tok_hash_slot(v->hash, v->hash_mask, v->text, v->len, s, n)];
    return id < 0 ? -1 : id;
}

void llm_vocab_free(llm_vocab *v)
{
    if (!v)
        return;
    if (v->ops && v->ops->free)
        v->ops->free(v);
    free(v->text);
    free(v->len);
    free(v->score);
    free(v->type);
    free(v->hash);
    free(v->special);
    free(v->eog);
    free(v->strip);
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

static int get_flag(const llm_gguf *g, const char *key, int *out, char *err, size_t errlen)
{
    char e2[200];
    if (llm_gguf_find_key(g, key) >= 0 && llm_gguf_get_bool(g, key, out, e2, sizeof e2)) {
        llm_set_err(err, errlen, "tokenizer: %s", e2);
        return LLM_ERR_FORMAT;
    }
    return LLM_OK;
}

static int table_load(llm_vocab *v, const llm_gguf *g, char *err, size_t errlen)
{
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
        /* later duplicates win, as in llama.cpp's token_to_id map */
        v->hash[llm_tok_hash_slot(v->hash, v->hash_mask, v->text, v->len, t, (size_t)l)] = i;
    }
    for (int b = 0; b < 256; b++) {
        char buf[8];
        snprintf(buf, sizeof buf, "<0x%02X>", b);
        v->byte_tok[b] = llm_vocab_find(v, buf, 6);
    }
    return LLM_OK;
}

static void eog_add(llm_vocab *v, int id)
{
    if (id < 0)
        return;
    for (int j = 0; j < v->n_eog; j++)
        if (v->eog[j] == id)
            return;
    v->eog[v->n_eog++] = id;
}

/* the first token (lowest id) whose text is in list; -1 if none */
static int find_first(const llm_vocab *v, const char *const *list, size_t n)
{
    int best = -1;
    for (size_t i = 0; i < n; i++) {
        int id = llm_vocab_find(v, list[i], strlen(list[i]));
        if (id >= 0 && (best < 0 || id < best))
            best = id;
    }
    return best;
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Special tokens found by their text, as llama.cpp's load does (llama-vocab.cpp, "auto-detect
 * special tokens by text"): an end-of-turn, an end-of-message and the fill-in-the-middle
 * tokens, when the file names none; each one found counts as a CONTROL token. Then the
 * end-of-generation set: the tokens with an end-of-turn text (all CONTROL from then on), the
 * FIM pad/repo/separator tokens, eos, eot and eom. */
static int eog_build(llm_vocab *v, const llm_gguf *g, char *err, size_t errlen)
{
    static const char *const eot_texts[] = {
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>",
        "<EOT>", "_<EOT>", "[EOT]", "<\xEF\xBD\x9C" "end\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>",
        "<end_of_utterance>"};
    static const char *const eom_texts[] = {"<|eom_id|>"};
    static const char *const pre_texts[] = {
        "<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<\xEF\xBD\x9C" "fim\xE2\x96\x81" "begin\xEF\xBD\x9C>",
        "<PRE>", "\xE2\x96\x81<PRE>", "<|code_prefix|>", "<|prefix|>"};
    static const char *const suf_texts[] = {
        "<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<\xEF\xBD\x9C" "fim\xE2\x96\x81hole\xEF\xBD\x9C>",
        "<SUF>", "\xE2\x96\x81<SUF>", "<|code_suffix|>", "<|suffix|>"};
    static const char *const mid_texts[] = {
        "<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<\xEF\xBD\x9C" "fim\xE2\x96\x81" "end\xEF\xBD\x9C>",
        "<MID>", "\xE2\x96\x81<MID>", "<|code_middle|>", "<|middle|>"};
    static const char *const pad_texts[] = {"<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"};
    static const char *const rep_texts[] = {"<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"};
    static const char *const sep_texts[] = {"<|file_sep|>"};
    static const char *const eog_texts[] = {
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>",
        "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]",
        "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>",
        "<\xEF\xBD\x9C" "end\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>", "[e~["};
    static const struct {
        const char *key;
        const char *const *texts;
        size_t n;
    } detect[] = {
        {"tokenizer.ggml.eot_token_id", eot_texts, COUNT(eot_texts)},
        {"tokenizer.ggml.eom_token_id", eom_texts, COUNT(eom_texts)},
        {"tokenizer.ggml.fim_pre_token_id", pre_texts, COUNT(pre_texts)},
        {"tokenizer.ggml.fim_suf_token_id", suf_texts, COUNT(suf_texts)},
        {"tokenizer.ggml.fim_mid_token_id", mid_texts, COUNT(mid_texts)},
        {"tokenizer.ggml.fim_pad_token_id", pad_texts, COUNT(pad_texts)},
        {"tokenizer.ggml.fim_rep_token_id", rep_texts, COUNT(rep_texts)},
        {"tokenizer.ggml.fim_sep_token_id", sep_texts, COUNT(sep_texts)},
    };
    int ids[COUNT(detect)];
    for (size_t k = 0; k < COUNT(detect); k++) {
        int rc = special_id(g, detect[k].key, v->n_vocab, -1, &ids[k], err, errlen);
        if (rc)
            return rc;
        if (ids[k] < 0) {
            ids[k] = find_first(v, detect[k].texts, detect[k].n);
            if (ids[k] >= 0)
                v->type[ids[k]] = LLM_TOK_CONTROL;
        }
    }
    v->eot = ids[0];
    v->eom = ids[1];
    v->eog = malloc((COUNT(eog_texts) + 6) * sizeof(int));
    if (!v->eog) {
        llm_set_err(err, errlen, "tokenizer: out of memory");
        return LLM_ERR_NOMEM;
    }
    eog_add(v, ids[5]); /* FIM pad, repo, separator */
    eog_add(v, ids[6]);
    eog_add(v, ids[7]);
    for (size_t i = 0; i < COUNT(eog_texts); i++) {
        int id = llm_vocab_find(v, eog_texts[i], strlen(eog_texts[i]));
        if (id < 0)
            continue;
        v->type[id] = LLM_TOK_CONTROL;
        eog_add(v, id);
    }
    eog_add(v, v->eos);
    eog_add(v, v->eot);
    eog_add(v, v->eom);
    return LLM_OK;
}

static int special_list_build(llm_vocab *v, char *err, size_t errlen)
{
    int n = 0;
    for (int i = 0; i < v->n_vocab; i++) {
        int ty = v->type[i];
        if ((ty == LLM_TOK_CONTROL || ty == LLM_TOK_USER_DEFINED || ty == LLM_TOK_UNKNOWN) && v->len[i] > 0)
            n++;
    }
    v->special = malloc((size_t)(n ? n : 1) * sizeof(int));
    if (!v->special) {
        llm_set_err(err, errlen, "tokenizer: out of memory");
        return LLM_ERR_NOMEM;
    }
    for (int i = 0; i < v->n_vocab; i++) {
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
    return LLM_OK;
}

/* Strip rules llama.cpp sets by model name (llama-vocab.cpp, "set attributes by model name"):
 * Phi-3's special tokens swallow the whitespace after them, except <unk>, <s> and
 * <|endoftext|>; </s> does too. */
static int strip_rules(llm_vocab *v, const llm_gguf *g, char *err, size_t errlen)
{
    const char *s;
    uint64_t n;
    if (llm_gguf_find_key(g, "general.name") < 0 || llm_gguf_get_str(g, "general.name", &s, &n, NULL, 0))
        return LLM_OK;
    char name[128];
    size_t k = n < sizeof name - 1 ? (size_t)n : sizeof name - 1;
    for (size_t i = 0; i < k; i++)
        name[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
    name[k] = 0;
    if (!strstr(name, "phi-3") && !strstr(name, "phi3"))
        return LLM_OK;
    v->strip = calloc((size_t)v->n_vocab, 1);
    if (!v->strip) {
        llm_set_err(err, errlen, "tokenizer: out of memory");
        return LLM_ERR_NOMEM;
    }
    for (int i = 0; i < v->n_special; i++)
        v->strip[v->special[i]] |= LLM_TOK_RSTRIP;
    static const char *const on[] = {"</s>"}, *const off[] = {"<unk>", "<s>", "<|endoftext|>"};
    for (size_t i = 0; i < COUNT(on); i++) {
        int id = llm_vocab_find(v, on[i], strlen(on[i]));
        if (id >= 0)
            v->strip[id] |= LLM_TOK_RSTRIP;
    }
    for (size_t i = 0; i < COUNT(off); i++) {
        int id = llm_vocab_find(v, off[i], strlen(off[i]));
        if (id >= 0)
            v->strip[id] &= (uint8_t)~LLM_TOK_RSTRIP;
    }
    return LLM_OK;
}

static int vocab_load(llm_vocab *v, const llm_gguf *g, char *err, size_t errlen)
{
    const char *s;
    uint64_t n;
    char e2[200];
    if (llm_gguf_get_str(g, "tokenizer.ggml.model", &s, &n, e2, sizeof e2)) {
        llm_set_err(err, errlen, "tokenizer: %s", e2);
        return LLM_ERR_FORMAT;
    }
    for (size_t i = 0; i < N_TOK_TABLE && !v->ops; i++)
        if (strlen(tok_table[i]->model) == n && memcmp(s, tok_table[i]->model, n) == 0)
            v->ops = tok_table[i];
    if (!v->ops) {
        char names[64] = "";
        for (size_t i = 0; i < N_TOK_TABLE; i++)
            snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? ", " : "",
                     tok_table[i]->model);
        llm_set_err(err, errlen, "tokenizer: unsupported tokenizer.ggml.model '%.*s' (supported: %s)",
                    (int)(n < 32 ? n : 32), s, names);
        return LLM_ERR_UNSUPPORTED;
    }
    int rc;
    if ((rc = table_load(v, g, err, errlen)))
        return rc;
    const int N = v->n_vocab;
    /* defaults of the algorithm (the SPM values here; the BPE load changes them before the
     * metadata is read), then the file's keys override */
    v->bos = N > 1 ? 1 : 0;
    v->eos = N > 2 ? 2 : 0;
    v->unk = 0;
    v->eot = v->eom = v->pad = -1;
    v->add_bos = 1;
    v->add_eos = 0;
    v->add_space_prefix = 1;
    if (v->ops->load && (rc = v->ops->load(v, g, err, errlen)))
        return rc;
    if ((rc = special_id(g, "tokenizer.ggml.bos_token_id", N, v->bos, &v->bos, err, errlen)) ||
        (rc = special_id(g, "tokenizer.ggml.eos_token_id", N, v->eos, &v->eos, err, errlen)) ||
        (rc = special_id(g, "tokenizer.ggml.unknown_token_id", N, v->unk, &v->unk, err, errlen)) ||
        (rc = special_id(g, "tokenizer.ggml.padding_token_id", N, -1, &v->pad, err, errlen)) ||
        (rc = get_flag(g, "tokenizer.ggml.add_bos_token", &v->add_bos, err, errlen)) ||
        (rc = get_flag(g, "tokenizer.ggml.add_eos_token", &v->add_eos, err, errlen)) ||
        (rc = get_flag(g, "tokenizer.ggml.add_space_prefix", &v->add_space_prefix, err, errlen)))
        return rc;
    if (v->add_bos && v->bos < 0) {
        llm_set_err(err, errlen, "tokenizer: add_bos_token is set but the file has no BOS token id");
        return LLM_ERR_FORMAT;
    }
    if (v->add_eos && v->eos < 0) {
        llm_set_err(err, errlen, "tokenizer: add_eos_token is set but the file has no EOS token id");
        return LLM_ERR_FORMAT;
    }
    if ((rc = eog_build(v, g, err, errlen)) || (rc = special_list_build(v, err, errlen)) ||
        (rc = strip_rules(v, g, err, errlen)))
        return rc;
    return LLM_OK;
}

int llm_vocab_load_gguf(llm_vocab *v, const llm_gguf *g, char *err, size_t errlen)
{
    memset(v, 0, sizeof *v);
    int rc = vocab_load(v, g, err, errlen);
    if (rc)
        llm_vocab_free(v);
    return rc;
}

int llm_vocab_load(llm_model *m, char *err, size_t errlen)
{
    return llm_vocab_load_gguf(&m->vocab, m->g, err, errlen);
}

/* ---- encoding ---------------------------------------------------------------------------- */

/* fragments: either a special token id or a raw text span */
typedef struct {
    int tok; /* -1 for text */
    int off, len;
} frag_t;

static int is_c_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

/* Splits text into special tokens and plain spans: for each special token (longest first),
 * every occurrence in every remaining plain span. Returns the count or LLM_ERR_NOMEM. */
static int partition(const llm_vocab *v, const char *text, int len, int parse_special, frag_t **out)
{
    int fcap = 16, fn = 1;
    frag_t *fr = malloc((size_t)fcap * sizeof *fr);
    if (!fr)
        return LLM_ERR_NOMEM;
    /* an empty text has no fragment at all (no SPM space prefix either), as in llama.cpp */
    if (len == 0)
        fn = 0;
    else
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
            int pre = (int)(hit - base), post = fr[f].len - pre - sl, post_off = pre + sl;
            /* a token with lstrip / rstrip swallows the whitespace next to it */
            if (v->strip && (v->strip[id] & LLM_TOK_LSTRIP))
                while (pre > 0 && is_c_space(base[pre - 1]))
                    pre--;
            if (v->strip && (v->strip[id] & LLM_TOK_RSTRIP))
                while (post > 0 && is_c_space(base[post_off]))
                    post_off++, post--;
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
            fr[k++] = (frag_t){id, old.off + (int)(hit - base), sl};
            if (post > 0)
                fr[k] = (frag_t){-1, old.off + post_off, post};
            /* continue scanning after the token (the post fragment comes next in the loop) */
            f = k - 1;
        }
    }
    *out = fr;
    return fn;
}

int llm_vocab_tokenize(const llm_vocab *v, const char *text, size_t tl, int add_special,
                       int parse_special, int *tokens, int max_tokens)
{
    if (!v || !v->ops || !text || max_tokens < 0 || (!tokens && max_tokens > 0))
        return LLM_ERR_INVAL;
    if (tl > (1u << 28))
        return LLM_ERR_INVAL;
    frag_t *fr;
    int fn = partition(v, text, (int)tl, parse_special, &fr);
    if (fn < 0)
        return fn;
    llm_tok_emit e = {0, tokens, max_tokens};
    if (add_special && v->add_bos)
        llm_tok_emit_id(&e, v->bos);
    int prev_special = 1, rc = LLM_OK;
    for (int f = 0; f < fn && rc == LLM_OK; f++) {
        if (fr[f].tok >= 0) {
            llm_tok_emit_id(&e, fr[f].tok);
            prev_special = 1;
        } else {
            rc = v->ops->encode(v, text + fr[f].off, fr[f].len, prev_special, &e);
            prev_special = 0;
        }
    }
    if (add_special && v->add_eos)
        llm_tok_emit_id(&e, v->eos);
    free(fr);
    return rc ? rc : e.n;
}

/* ---- decoding ---------------------------------------------------------------------------- */

int llm_vocab_piece(const llm_vocab *v, int token, int special, char *buf, size_t len)
{
    if (!v || !v->ops || !buf || token < 0 || token >= v->n_vocab)
        return LLM_ERR_INVAL;
    int ty = v->type[token];
    const char *src = v->text[token];
    size_t n;
    char small[64];
    char *dyn = NULL;
    if (ty == LLM_TOK_CONTROL || ty == LLM_TOK_UNKNOWN || ty == LLM_TOK_UNUSED) {
        n = special ? v->len[token] : 0;
    } else if (ty == LLM_TOK_USER_DEFINED) {
        n = v->len[token];
    } else {
        /* an ordinary token: the algorithm's own bytes (never longer than the text) */
        size_t cap = v->len[token] + 8;
        char *dst = small;
        if (cap > sizeof small) {
            dst = dyn = malloc(cap);
            if (!dyn)
                return LLM_ERR_NOMEM;
        }
        int k = v->ops->piece(v, token, dst, cap);
        if (k < 0) {
            free(dyn);
            return k;
        }
        n = (size_t)k;
        src = dst;
    }
    if (len > 0) {
        size_t w = n < len - 1 ? n : len - 1;
        memcpy(buf, src, w);
        buf[w] = 0;
    }
    free(dyn);
    return (int)n;
}

int llm_vocab_is_eog(const llm_vocab *v, int token)
{
    for (int i = 0; i < v->n_eog; i++)
        if (v->eog[i] == token)
            return 1;
    return 0;
}

/* ---- the public calls of llm.h ------------------------------------------------------------ */

int llm_tokenize(const llm_model *m, const char *text, int add_bos, int parse_special, int *tokens,
                 int max_tokens)
{
    if (!m || !text)
        return LLM_ERR_INVAL;
    const llm_vocab *v = &m->vocab;
    size_t tl = strlen(text);
    if (add_bos < 0)
        return llm_vocab_tokenize(v, text, tl, 1, parse_special, tokens, max_tokens);
    /* an explicit BOS choice: BOS as asked (when the vocabulary has one), never EOS */
    int n0 = add_bos && v->bos >= 0 ? 1 : 0;
    if (max_tokens < 0 || (!tokens && max_tokens > 0))
        return LLM_ERR_INVAL;
    int n = llm_vocab_tokenize(v, text, tl, 0, parse_special, tokens ? tokens + n0 : NULL,
                               max_tokens > n0 ? max_tokens - n0 : 0);
    if (n < 0)
        return n;
    if (n0 && max_tokens > 0)
        tokens[0] = v->bos;
    return n + n0;
}

int llm_token_to_piece(const llm_model *m, int token, int special, char *buf, size_t len)
{
    if (!m)
        return LLM_ERR_INVAL;
    return llm_vocab_piece(&m->vocab, token, special, buf, len);
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

int llm_token_is_eog(const llm_model *m, int token) { return m && llm_vocab_is_eog(&m->vocab, token); }

int llm_token_bos(const llm_model *m) { return m->vocab.bos; }

const char *llm_model_tokenizer_warning(const llm_model *m) { return m ? m->vocab.warning : ""; }
