/* tok.h — the tokenizer interface of llm/ (internal to the runner; the public calls are
 * llm_tokenize / llm_token_to_piece / llm_token_is_eog in llm/llm.h).
 *
 * One vocabulary type, llm_vocab, read from a GGUF handle; the algorithm behind it is picked
 * by `tokenizer.ggml.model` from a table (tok.c):
 *   "llama" → SentencePiece-style merges by score with byte fallback (spm.c)
 *   "gpt2"  → byte-level BPE: pre-tokenizer, GPT-2 byte map, merges by rank (bpe.c, bpe_pre.c)
 * What every tokenizer shares lives in tok.c: the token table and its hash, token types,
 * the special-token partition (longest text first; CONTROL/UNKNOWN only with parse_special,
 * USER_DEFINED always), the BOS/EOS rule (add_special) and the end-of-generation set.
 * An implementation supplies only the encoding of one plain-text fragment and the text of
 * one ordinary token.
 */
#ifndef SO8T_LLM_TOK_H
#define SO8T_LLM_TOK_H

#include "llm/llm.h"

#include "base/hash.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* token types as stored in tokenizer.ggml.token_type */
enum {
    LLM_TOK_UNDEFINED = 0, LLM_TOK_NORMAL = 1, LLM_TOK_UNKNOWN = 2, LLM_TOK_CONTROL = 3,
    LLM_TOK_USER_DEFINED = 4, LLM_TOK_UNUSED = 5, LLM_TOK_BYTE = 6
};

/* whitespace a special token swallows on its left / right when split out of a text */
enum { LLM_TOK_LSTRIP = 1, LLM_TOK_RSTRIP = 2 };

/* byte-level BPE pre-tokenizers (bpe_pre.c) */
typedef enum {
    LLM_PRE_DEFAULT = 0, LLM_PRE_LLAMA3, LLM_PRE_QWEN2, LLM_PRE_GPT2, LLM_PRE_STARCODER
} llm_pre_kind;

typedef struct llm_vocab llm_vocab;

/* Output sink of an encoder: counts every token, stores the first `max`. */
typedef struct {
    int n;
    int *out;
    int max;
} llm_tok_emit;

static inline void llm_tok_emit_id(llm_tok_emit *e, int id)
{
    if (e->n < e->max)
        e->out[e->n] = id;
    e->n++;
}

/* One tokenizer algorithm. */
typedef struct {
    const char *model; /* the tokenizer.ggml.model value */
    /* reads the algorithm's own keys; the shared table is loaded already */
    int (*load)(llm_vocab *v, const llm_gguf *g, char *err, size_t errlen);
    /* encodes the plain text text[0, len); after_special: at the start or right after a
     * special token (SPM puts its space prefix there) */
    int (*encode)(const llm_vocab *v, const char *text, int len, int after_special,
                  llm_tok_emit *e);
    /* the bytes of an ordinary (NORMAL / UNDEFINED / BYTE) token; returns the length,
     * writes at most cap bytes into buf */
    int (*piece)(const llm_vocab *v, int token, char *buf, size_t cap);
    void (*free)(llm_vocab *v);
} llm_tok_ops;

/* The slot of the string s (n bytes) in an open-addressed table of ids of the strings
 * text[id] / len[id] (the vocabulary, the BPE merges; FNV-1a, linear probing): the slot that
 * holds an equal string, else the empty one (hash[slot] < 0) where it would go. The table
 * is never full (its size is at least twice the entries). */
static inline uint32_t llm_tok_hash_slot(const int32_t *hash, uint32_t mask,
                                         const char *const *text, const uint32_t *len,
                                         const char *s, size_t n)
{
    uint32_t h = so8t_fnv1a32(s, n) & mask;
    for (;;) {
        int32_t o = hash[h];
        if (o < 0 || (len[o] == n && memcmp(text[o], s, n) == 0))
            return h;
        h = (h + 1) & mask;
    }
}

/* merge table of byte-level BPE: (left, right) → rank, open addressing */
typedef struct {
    uint32_t *left_len;  /* per merge: length of the left text (split point) */
    const char **text;   /* per merge: "left right" (view into the GGUF, not NUL-terminated) */
    uint32_t *len;
    int32_t *hash;       /* merge indices, -1 empty */
    uint32_t hash_mask;
    int n;
} llm_bpe_merges;

struct llm_vocab {
    const llm_tok_ops *ops;
    int n_vocab;
    const char **text;   /* views into the mapping (not NUL-terminated) */
    uint32_t *len;
    float *score;
    int32_t *type;
    int32_t *hash;       /* open addressing: token ids, -1 empty */
    uint32_t hash_mask;
    int byte_tok[256];   /* SPM: "<0xNN>" ids, -1 if absent */
    int bos, eos, eot, eom, unk, pad;
    int add_bos, add_eos, add_space_prefix;
    int *special;        /* CONTROL / USER_DEFINED / UNKNOWN ids, longest text first */
    int n_special;
    int *eog;            /* end-of-generation ids */
    int n_eog;
    uint8_t *strip;      /* per token: LLM_TOK_LSTRIP / LLM_TOK_RSTRIP (NULL: none) */
    /* byte-level BPE */
    llm_pre_kind pre;
    char pre_name[48];
    int ignore_merges;
    int clean_spaces;    /* read, not applied: pieces are decoded one by one (streaming), as
                            llama.cpp's token_to_piece does; it cleans only whole texts */
    llm_bpe_merges merges;
    char warning[160];   /* a load-time note for the user ("" if none) */
};

/* Loads the vocabulary from g (tokenizer.ggml.* keys): picks the algorithm by
 * tokenizer.ggml.model, refuses an unknown one naming it and the supported ones. On failure
 * *v is freed and zeroed. The vocabulary keeps views into g: g must outlive it. */
int llm_vocab_load_gguf(llm_vocab *v, const llm_gguf *g, char *err, size_t errlen);
void llm_vocab_free(llm_vocab *v);
int llm_vocab_find(const llm_vocab *v, const char *s, size_t n); /* -1 if absent */

/* Tokenizes text[0, len). add_special: 1 adds BOS/EOS as the vocabulary's flags say, 0 adds
 * none; parse_special: also split out CONTROL / UNKNOWN token texts. Returns the token count
 * (may exceed max) or a negative LLM_ERR_*. */
int llm_vocab_tokenize(const llm_vocab *v, const char *text, size_t len, int add_special,
                       int parse_special, int *out, int max);
/* The text of a token; CONTROL / UNKNOWN / UNUSED only with `special`. Same contract as
 * llm_token_to_piece. */
int llm_vocab_piece(const llm_vocab *v, int token, int special, char *buf, size_t len);
int llm_vocab_is_eog(const llm_vocab *v, int token);

/* the two implementations */
extern const llm_tok_ops llm_tok_spm;
extern const llm_tok_ops llm_tok_bpe;

/* bpe_pre.c: splits n code points into pre-tokenizer pieces; *lens receives the malloc'd
 * piece lengths in code points (their sum is n). Returns the number of pieces or
 * LLM_ERR_NOMEM. */
int llm_bpe_pre_split(llm_pre_kind kind, const uint32_t *cps, int n, int **lens);
/* the pre-tokenizer table: name → kind and flags; NULL for an unknown name */
typedef struct {
    const char *name;
    llm_pre_kind kind;
    int ignore_merges, add_bos, clean_spaces;
} llm_pre_info;
const llm_pre_info *llm_bpe_pre_find(const char *name, size_t n);
/* the names, comma-separated, for error messages */
const char *llm_bpe_pre_names(void);

#endif /* SO8T_LLM_TOK_H */
