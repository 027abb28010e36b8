/* bpe_pre.c — the pre-tokenizers of byte-level BPE: `tokenizer.ggml.pre` → a sequence of
 * splitting stages, each applied to every piece the previous stage left (text a stage does
 * not match stays a piece of its own). The stages and flags are llama.cpp's
 * (llama-vocab.cpp, llm_tokenizer_bpe; unicode.cpp's hand-written splitters), written here
 * as scanners over code points with the category flags of unicode.h:
 *
 *   gpt-2      's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
 *   llama3     (?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+
 *              |\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
 *   qwen2      llama3 with \p{N} (one digit per piece)
 *   starcoder  1) \p{N} isolated  2) gpt-2
 *   default    1) [\p{P}\$\+<=>\^~\|]+  2) gpt-2  3) \p{N}+  4) [0-9][0-9][0-9]
 *
 * Matching llama.cpp's scanners exactly matters more than matching the regex in corner
 * cases: a code point with no flags never occurs inside a piece, only past its end, and
 * "\s+(?!\S)" at the end of a piece takes the whole run.
 */
#include "base/grow.h"
#include "llm/internal.h"
#include "llm/tok/unicode.h"

#include <stdlib.h>
#include <string.h>

/* name → kind and flags (llama-vocab.cpp, load); grows by a row */
static const llm_pre_info pre_table[] = {
    /* name         kind               ignore_merges add_bos clean_spaces */
    {"default",     LLM_PRE_DEFAULT,   0, 0, 1},
    {"llama3",      LLM_PRE_LLAMA3,    1, 1, 1},
    {"llama-v3",    LLM_PRE_LLAMA3,    1, 1, 1},
    {"llama-bpe",   LLM_PRE_LLAMA3,    1, 1, 1},
    {"qwen2",       LLM_PRE_QWEN2,     0, 0, 1},
    {"gpt-2",       LLM_PRE_GPT2,      0, 0, 1},
    {"starcoder",   LLM_PRE_STARCODER, 0, 0, 1},
    {"refact",      LLM_PRE_STARCODER, 0, 0, 1},
    {"smollm",      LLM_PRE_STARCODER, 0, 0, 0},
};
#define N_PRE (sizeof pre_table / sizeof pre_table[0])

const llm_pre_info *llm_bpe_pre_find(const char *name, size_t n)
{
    for (size_t i = 0; i < N_PRE; i++)
        if (strlen(pre_table[i].name) == n && memcmp(pre_table[i].name, name, n) == 0)
            return &pre_table[i];
    return NULL;
}

const char *llm_bpe_pre_names(void)
{
    static char names[256];
    #pragma omp critical(so8t_llm_pre_names)
    if (!names[0])
        for (size_t i = 0; i < N_PRE; i++)
            snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? ", " : "",
                     pre_table[i].name);
    return names;
}

/* ---- piece lists -------------------------------------------------------------------------- */

typedef struct {
    int *len;
    int n, cap;
    int oom;
} pieces;

static void put(pieces *p, int len)
{
    if (len <= 0)
        return;
    int *q = so8t_grow(p->len, &p->cap, p->n, sizeof *q, 64);
    if (!q) {
        p->oom = 1;
        return;
    }
    p->len = q;
    p->len[p->n++] = len;
}

/* one segment [b, e) of the code points, with the flags of positions outside it = 0 */
typedef struct {
    const uint32_t *cp;
    const uint16_t *fl;
    int b, e;
} seg;

static uint32_t cp_at(const seg *s, int i) { return i >= s->b && i < s->e ? s->cp[i] : 0xFFFFFFFFu; }
static unsigned fl_at(const seg *s, int i) { return i >= s->b && i < s->e ? s->fl[i] : 0; }

#define IS_L(f) ((f) & LLM_UCD_LETTER)
#define IS_N(f) ((f) & LLM_UCD_NUMBER)
#define IS_WS(f) ((f) & LLM_UCD_WHITESPACE)
/* [^\s\p{L}\p{N}] and a real code point (flags 0 only outside the segment) */
#define IS_OTHER(f) (!((f) & (LLM_UCD_WHITESPACE | LLM_UCD_LETTER | LLM_UCD_NUMBER)) && (f))

static uint32_t ascii_lower(uint32_t c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

/* 's 't 're 've 'm 'll 'd at i: the length (2 or 3) or 0; fold: ASCII case-insensitive */
static int contraction(const seg *s, int i, int fold)
{
    if (cp_at(s, i) != '\'' || i + 1 >= s->e)
        return 0;
    uint32_t a = cp_at(s, i + 1);
    if (fold)
        a = ascii_lower(a);
    if (a == 's' || a == 't' || a == 'm' || a == 'd')
        return 2;
    if (i + 2 < s->e) {
        uint32_t b = cp_at(s, i + 2);
        if (fold)
            b = ascii_lower(b);
        if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l'))
            return 3;
    }
    return 0;
}

/* \s+(?!\S) then \s+ at i: the piece end, or -1 when i is not whitespace */
static int spaces(const seg *s, int i)
{
    int k = 0;
    while (IS_WS(fl_at(s, i + k)))
        k++;
    if (k > 1 && i + k < s->e)
        return i + k - 1; /* leave the last space to the word after it */
    return k > 0 ? i + k : -1;
}

static void split_gpt2(const seg *s, pieces *out)
{
    int prev = s->b;
    for (int i = s->b; i < s->e;) {
        int c = contraction(s, i, 0);
        if (c) {
            i += c;
        } else {
            uint32_t cp = cp_at(s, i);
            unsigned f2 = cp == ' ' ? fl_at(s, i + 1) : fl_at(s, i);
            if (IS_L(f2)) {
                i += cp == ' ';
                while (IS_L(fl_at(s, i)))
                    i++;
            } else if (IS_N(f2)) {
                i += cp == ' ';
                while (IS_N(fl_at(s, i)))
                    i++;
            } else if (IS_OTHER(f2)) {
                i += cp == ' ';
                while (IS_OTHER(fl_at(s, i)))
                    i++;
            } else {
                int e = spaces(s, i);
                i = e >= 0 ? e : i + 1;
            }
        }
        put(out, i - prev);
        prev = i;
    }
}

/* llama3 (digits = 3) and qwen2 (digits = 1) */
static void split_llama3(const seg *s, int digits, pieces *out)
{
    int prev = s->b;
    for (int i = s->b; i < s->e;) {
        uint32_t cp = cp_at(s, i);
        unsigned f = fl_at(s, i);
        int c = contraction(s, i, 1);
        if (c) {
            i += c;
        } else if (!(cp == '\r' || cp == '\n' || IS_N(f)) && (IS_L(f) || IS_L(fl_at(s, i + 1)))) {
            /* [^\r\n\p{L}\p{N}]?\p{L}+ */
            i++;
            while (IS_L(fl_at(s, i)))
                i++;
        } else if (IS_N(f)) {
            /* \p{N}{1,digits}: a run of numbers in groups from the left */
            int k = 0;
            while (k < digits && IS_N(fl_at(s, i)))
                i++, k++;
        } else {
            unsigned f2 = cp == ' ' ? fl_at(s, i + 1) : f;
            /* llama.cpp tests the flags of the space itself here, not of what follows */
            if (!(f2 & (LLM_UCD_WHITESPACE | LLM_UCD_LETTER | LLM_UCD_NUMBER)) && f) {
                /* ' ?[^\s\p{L}\p{N}]+[\r\n]*' */
                i += cp == ' ';
                while (IS_OTHER(fl_at(s, i)))
                    i++;
                while (cp_at(s, i) == '\r' || cp_at(s, i) == '\n')
                    i++;
            } else {
                /* \s*[\r\n]+ (up to the last newline of the run), else the space rules */
                int k = 0, last_nl = -1;
                while (IS_WS(fl_at(s, i + k))) {
                    uint32_t c2 = cp_at(s, i + k);
                    if (c2 == '\r' || c2 == '\n')
                        last_nl = i + k + 1;
                    k++;
                }
                if (last_nl >= 0) {
                    i = last_nl;
                } else {
                    int e = spaces(s, i);
                    i = e >= 0 ? e : i + 1;
                }
            }
        }
        put(out, i - prev);
        prev = i;
    }
}

/* isolate each code point with pred (runs = 0) or each maximal run of them (runs = 1) */
typedef int (*cp_pred)(uint32_t cp, unsigned flags);
static void split_match(const seg *s, cp_pred pred, int runs, pieces *out)
{
    int prev = s->b;
    for (int i = s->b; i < s->e;) {
        if (!pred(s->cp[i], s->fl[i])) {
            i++;
            continue;
        }
        int j = i + 1;
        if (runs)
            while (j < s->e && pred(s->cp[j], s->fl[j]))
                j++;
        put(out, i - prev);
        put(out, j - i);
        prev = i = j;
    }
    put(out, s->e - prev);
}

static int pred_number(uint32_t cp, unsigned f)
{
    (void)cp;
    return IS_N(f) != 0;
}

/* [\p{P}\$\+<=>\^~\|]: llama.cpp runs this one through std::regex on text whose ASCII
 * stays itself (its \p{P} class there is the ASCII punctuation but the backquote, its own
 * list) and whose other code points collapse to their category */
static int pred_default_punct(uint32_t cp, unsigned f)
{
    if (cp < 128)
        return cp != '`' && strchr("!\"#$%&'()*+,-./:;<=>?@[\\]^_{|}~", (int)cp) && cp;
    return (f & 0xFF) == LLM_UCD_PUNCT && !IS_WS(f);
}

/* [0-9][0-9][0-9], left to right */
static void split_three_digits(const seg *s, pieces *out)
{
    int prev = s->b;
    for (int i = s->b; i + 3 <= s->e;) {
        int ok = 1;
        for (int k = 0; k < 3; k++)
            ok &= s->cp[i + k] >= '0' && s->cp[i + k] <= '9';
        if (!ok) {
            i++;
            continue;
        }
        put(out, i - prev);
        put(out, 3);
        prev = i = i + 3;
    }
    put(out, s->e - prev);
}

enum { ST_GPT2, ST_LLAMA3, ST_QWEN2, ST_NUMBER_EACH, ST_NUMBER_RUNS, ST_PUNCT_RUNS, ST_DIGITS3, ST_END };

static const int stages[][5] = {
    [LLM_PRE_DEFAULT] = {ST_PUNCT_RUNS, ST_GPT2, ST_NUMBER_RUNS, ST_DIGITS3, ST_END},
    [LLM_PRE_LLAMA3] = {ST_LLAMA3, ST_END},
    [LLM_PRE_QWEN2] = {ST_QWEN2, ST_END},
    [LLM_PRE_GPT2] = {ST_GPT2, ST_END},
    [LLM_PRE_STARCODER] = {ST_NUMBER_EACH, ST_GPT2, ST_END},
};

int llm_bpe_pre_split(llm_pre_kind kind, const uint32_t *cps, int n, int **lens)
{
    *lens = NULL;
    uint16_t *fl = malloc((size_t)(n ? n : 1) * sizeof *fl);
    pieces cur = {0};
    if (!fl)
        return LLM_ERR_NOMEM;
    for (int i = 0; i < n; i++)
        fl[i] = (uint16_t)llm_ucd_flags(cps[i]);
    put(&cur, n);
    for (int st = 0; stages[kind][st] != ST_END && !cur.oom; st++) {
        pieces next = {0};
        int b = 0;
        for (int p = 0; p < cur.n; p++) {
            seg s = {cps, fl, b, b + cur.len[p]};
            switch (stages[kind][st]) {
            case ST_GPT2: split_gpt2(&s, &next); break;
            case ST_LLAMA3: split_llama3(&s, 3, &next); break;
            case ST_QWEN2: split_llama3(&s, 1, &next); break;
            case ST_NUMBER_EACH: split_match(&s, pred_number, 0, &next); break;
            case ST_NUMBER_RUNS: split_match(&s, pred_number, 1, &next); break;
            case ST_PUNCT_RUNS: split_match(&s, pred_default_punct, 1, &next); break;
            default: split_three_digits(&s, &next); break;
            }
            b = s.e;
        }
        free(cur.len);
        cur = next;
    }
    free(fl);
    if (cur.oom) {
        free(cur.len);
        return LLM_ERR_NOMEM;
    }
    *lens = cur.len;
    return cur.n;
}
