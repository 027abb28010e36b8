/* test_tok_bpe.c — byte-level BPE rules on a tiny hand-made vocabulary (ids worked out by
 * hand below) and the load-time refusals: an unknown tokenizer.ggml.pre is an error naming
 * it, a missing one means 'default' with a warning, a missing merge list and an unknown
 * tokenizer.ggml.model are errors naming what is supported; the BOS/EOS flags of the
 * pre-tokenizer and of the file; merges by rank (not by position); the GPT-2 byte map both
 * ways. */
#include "llm/internal.h"
#include "tests/test.h"

#include <stdlib.h>
#include <string.h>

/* "Ġ" is the byte map's stand-in for ' ' (U+0120) */
static const char *const TOKS[] = {
    "a", "b", "c", "\xC4\xA0", "ab", "bc", "abc", "\xC4\xA0" "a", "<|endoftext|>", "<tool>", "1", "2"};
/* rank 0 "b c" beats rank 1 "a b": "abc" → a + bc (no "abc" merge); " a" → Ġa */
static const char *const MERGES[] = {"b c", "a b", "\xC4\xA0 a"};
enum { A, B, C, SP, AB, BC, ABC, SPA, EOT, TOOL, ONE, TWO, NTOK };

static int load(const char *model, const char *pre, int merges, int add_bos, llm_vocab *v, llm_gguf **g,
                uint8_t **mem, char *err, size_t errlen)
{
    llm_gguf_writer *w = llm_gguf_writer_new(3, 32);
    int32_t types[NTOK];
    for (int i = 0; i < NTOK; i++)
        types[i] = LLM_TOK_NORMAL;
    types[EOT] = LLM_TOK_CONTROL;
    types[TOOL] = LLM_TOK_USER_DEFINED;
    llm_gguf_writer_add_str(w, "general.architecture", "llama");
    llm_gguf_writer_add_str(w, "tokenizer.ggml.model", model);
    if (pre)
        llm_gguf_writer_add_str(w, "tokenizer.ggml.pre", pre);
    llm_gguf_writer_add_arr_str(w, "tokenizer.ggml.tokens", TOKS, NTOK);
    llm_gguf_writer_add_arr(w, "tokenizer.ggml.token_type", LLM_GGUF_INT32, types, NTOK);
    if (merges)
        llm_gguf_writer_add_arr_str(w, "tokenizer.ggml.merges", MERGES, 3);
    llm_gguf_writer_add_u32(w, "tokenizer.ggml.bos_token_id", EOT);
    llm_gguf_writer_add_u32(w, "tokenizer.ggml.eos_token_id", EOT);
    if (add_bos >= 0)
        llm_gguf_writer_add_bool(w, "tokenizer.ggml.add_bos_token", add_bos);
    size_t size;
    int rc = llm_gguf_writer_to_memory(w, mem, &size);
    llm_gguf_writer_free(w);
    if (rc)
        return rc;
    if ((rc = llm_gguf_open_memory(*mem, size, g, err, errlen)))
        return rc;
    return llm_vocab_load_gguf(v, *g, err, errlen);
}

static void done(llm_vocab *v, llm_gguf *g, uint8_t *mem)
{
    llm_vocab_free(v);
    llm_gguf_close(g);
    free(mem);
}

static int tok(const llm_vocab *v, const char *s, int add, int parse, int *t)
{
    return llm_vocab_tokenize(v, s, strlen(s), add, parse, t, 64);
}

int main(void)
{
    char err[512];
    llm_vocab v;
    llm_gguf *g;
    uint8_t *mem;
    int t[64];

    CHECK(load("gpt2", "gpt-2", 1, -1, &v, &g, &mem, err, sizeof err) == LLM_OK);
    CHECK(!v.warning[0] && v.add_bos == 0);
    /* "abc": pairs ab (rank 1) and bc (rank 0): bc first, then a+bc is no merge */
    CHECK(tok(&v, "abc", 0, 0, t) == 2 && t[0] == A && t[1] == BC);
    /* " a b": gpt-2 splits " a" and " b"; " a" merges into Ġa, " b" stays Ġ b */
    CHECK(tok(&v, " a b", 0, 0, t) == 3 && t[0] == SPA && t[1] == SP && t[2] == B);
    /* CONTROL only with parse_special; USER_DEFINED always */
    CHECK(tok(&v, "a<|endoftext|>", 0, 1, t) == 2 && t[1] == EOT);
    CHECK(tok(&v, "a<|endoftext|>", 0, 0, t) == 1 && t[0] == A); /* no tokens for "<", "|", ... */
    CHECK(tok(&v, "a<tool>b", 0, 0, t) == 3 && t[1] == TOOL);
    /* a symbol that is not a token: its single-byte tokens that exist ("d" has none) */
    CHECK(tok(&v, "ad", 0, 0, t) == 1 && t[0] == A);
    /* the byte map back: Ġa → " a" */
    char buf[16];
    CHECK(llm_vocab_piece(&v, SPA, 0, buf, sizeof buf) == 2 && !strcmp(buf, " a"));
    CHECK(llm_vocab_piece(&v, EOT, 0, buf, sizeof buf) == 0);
    CHECK(llm_vocab_piece(&v, EOT, 1, buf, sizeof buf) == 13);
    CHECK(llm_vocab_is_eog(&v, EOT));
    done(&v, g, mem);

    /* llama3 adds BOS (the file may turn it off); default pre: no BOS, no EOS */
    CHECK(load("gpt2", "llama-bpe", 1, -1, &v, &g, &mem, err, sizeof err) == LLM_OK);
    CHECK(v.add_bos == 1 && v.ignore_merges == 1);
    CHECK(tok(&v, "ab", 1, 0, t) == 2 && t[0] == EOT && t[1] == AB);
    CHECK(tok(&v, "ab", 0, 0, t) == 1 && t[0] == AB);
    /* ignore_merges: "abc" is a token as a whole */
    CHECK(tok(&v, "abc", 0, 0, t) == 1 && t[0] == ABC);
    done(&v, g, mem);
    CHECK(load("gpt2", "llama3", 1, 0, &v, &g, &mem, err, sizeof err) == LLM_OK);
    CHECK(v.add_bos == 0 && tok(&v, "ab", 1, 0, t) == 1);
    done(&v, g, mem);
    CHECK(load("gpt2", "gpt-2", 1, 1, &v, &g, &mem, err, sizeof err) == LLM_OK);
    CHECK(v.add_bos == 1 && tok(&v, "ab", 1, 0, t) == 2 && t[0] == EOT);
    done(&v, g, mem);
    /* smollm / qwen2 / starcoder digits: one piece per digit */
    CHECK(load("gpt2", "smollm", 1, -1, &v, &g, &mem, err, sizeof err) == LLM_OK);
    CHECK(v.clean_spaces == 0 && tok(&v, "12", 0, 0, t) == 2 && t[0] == ONE && t[1] == TWO);
    done(&v, g, mem);

    /* refusals and the warning */
    CHECK(load("gpt2", NULL, 1, -1, &v, &g, &mem, err, sizeof err) == LLM_OK);
    CHECK(v.pre == LLM_PRE_DEFAULT && strstr(v.warning, "tokenizer.ggml.pre") != NULL);
    done(&v, g, mem);
    CHECK(load("gpt2", "klingon-v2", 1, -1, &v, &g, &mem, err, sizeof err) == LLM_ERR_UNSUPPORTED);
    CHECK_MSG(strstr(err, "'klingon-v2'") && strstr(err, "llama-bpe") && strstr(err, "smollm"), "%s", err);
    done(&v, g, mem);
    CHECK(load("gpt2", "gpt-2", 0, -1, &v, &g, &mem, err, sizeof err) == LLM_ERR_FORMAT);
    CHECK_MSG(strstr(err, "tokenizer.ggml.merges") != NULL, "%s", err);
    done(&v, g, mem);
    CHECK(load("wordpiece", "gpt-2", 1, -1, &v, &g, &mem, err, sizeof err) == LLM_ERR_UNSUPPORTED);
    CHECK_MSG(strstr(err, "'wordpiece'") && strstr(err, "llama, gpt2"), "%s", err);
    done(&v, g, mem);
    return test_summary();
}
