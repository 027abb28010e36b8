/* test_tokenizer.c — the SentencePiece ("llama") tokenizer on the tiny test vocabulary:
 * merges by score (an expected segmentation worked out by hand below), byte fallback,
 * control / user-defined tokens, BOS, detokenization and round trips. */
#include "llm/llm.h"
#include "tests/support/testmodel.h"
#include "tests/test.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char err[512];
static llm_model *M;

/* ids in the test vocabulary (llm/model/testmodel.c): 0..6 specials, 7 + b = <0xbb>, 263 + i = piece i */
enum { BOS = 2, START_TURN = 4, MASK = 6, PIECE0 = 263 };
#define BYTE(b) (7 + (b))

static int tok(const char *s, int bos, int special, int *out, int max)
{
    return llm_tokenize(M, s, bos, special, out, max);
}

static char *detok(const int *t, int n, int special)
{
    static char buf[8192];
    size_t o = 0;
    for (int i = 0; i < n; i++) {
        int k = llm_token_to_piece(M, t[i], special, buf + o, sizeof buf - o);
        if (k < 0)
            return NULL;
        o += (size_t)k;
    }
    buf[o] = 0;
    return buf;
}

static void test_known(void)
{
    int t[64];
    /* "the ball": t h e ▁ b a l l. Highest scores first: th (-1.06), ▁b (-1.13), ll (-1.16),
     * then a+ll = all (-1.19), then ▁b+all = ▁ball (-1.03); "the" (no ▁) is not a token. */
    int n = tok("the ball", 1, 0, t, 64);
    int want[4] = {BOS, PIECE0 + 6 /* th */, PIECE0 + 28 + 4 /* e */, PIECE0 + 3 /* ▁ball */};
    CHECK(n == 4);
    CHECK(n == 4 && !memcmp(t, want, sizeof want));
    /* " the volume" = ▁the▁volume: "th" (-1.06) wins over "▁t" (-1.12), so "▁the" never forms;
     * then ▁v (-1.14), lu (-1.21), me (-1.22); "▁vo", "lume", "ume" cannot form from those. */
    n = tok(" the volume", 0, 0, t, 64);
    int want2[7] = {PIECE0 + 26, PIECE0 + 6, PIECE0 + 32, PIECE0 + 14, PIECE0 + 42, PIECE0 + 21, PIECE0 + 22};
    CHECK(n == 7 && !memcmp(t, want2, sizeof want2));
    /* byte fallback: ü = C3 BC is not in the vocabulary; é is */
    n = tok("ü", 0, 0, t, 64);
    CHECK(n == 2 && t[0] == BYTE(0xC3) && t[1] == BYTE(0xBC));
    n = tok("é", 0, 0, t, 64);
    CHECK(n == 1 && t[0] == PIECE0 + 71);
    /* control tokens only with parse_special; user-defined always */
    n = tok("<start_of_turn>a", 0, 1, t, 64);
    CHECK(n == 2 && t[0] == START_TURN && t[1] == PIECE0 + 28);
    n = tok("<start_of_turn>a", 0, 0, t, 64);
    CHECK(n > 2);
    for (int i = 0; i < n; i++)
        CHECK(t[i] != START_TURN);
    n = tok("a<mask>b", 0, 0, t, 64);
    CHECK(n == 3 && t[1] == MASK);
    /* BOS per metadata (-1), forced off (0) */
    CHECK(tok("", -1, 1, t, 64) == 1 && t[0] == BOS);
    CHECK(tok("", 0, 1, t, 64) == 0);
    /* a too-small output buffer reports the needed count */
    int full = tok("the ball the ball", 1, 0, t, 64);
    CHECK(full == 8 && tok("the ball the ball", 1, 0, t, 2) == full);
    CHECK(llm_tokenize(M, NULL, 1, 0, t, 64) < 0);
}

static void test_pieces(void)
{
    char b[64];
    CHECK(llm_token_to_piece(M, PIECE0 + 3, 0, b, sizeof b) == 5 && !strcmp(b, " ball"));
    CHECK(llm_token_to_piece(M, START_TURN, 0, b, sizeof b) == 0 && b[0] == 0);
    CHECK(llm_token_to_piece(M, START_TURN, 1, b, sizeof b) == 15 && !strcmp(b, "<start_of_turn>"));
    CHECK(llm_token_to_piece(M, BYTE(0x41), 0, b, sizeof b) == 1 && b[0] == 'A');
    CHECK(llm_token_to_piece(M, BYTE(0x0A), 0, b, sizeof b) == 1 && b[0] == '\n');
    CHECK(llm_token_to_piece(M, MASK, 0, b, sizeof b) == 6 && !strcmp(b, "<mask>"));
    CHECK(llm_token_to_piece(M, 100000, 0, b, sizeof b) < 0);
    CHECK(llm_token_to_piece(M, -1, 0, b, sizeof b) < 0);
    CHECK(llm_token_to_piece(M, PIECE0 + 3, 0, b, 3) == 5 && !strcmp(b, " b")); /* truncated */
    CHECK(llm_token_is_eog(M, 1) && llm_token_is_eog(M, 5) && !llm_token_is_eog(M, 4));
    CHECK(!strcmp(llm_token_text(M, PIECE0 + 6), "th"));
}

static void test_roundtrips(void)
{
    static const char *texts[] = {
        "The volume of a ball",
        "  two leading spaces and two  inside",
        "tabs\tand\nnew\nlines\n\n",
        "digits 0123456789 and 3.14159, 2^30 = 1073741824",
        "Unicode: é ü ß 漢字 🙂 – “quotes”",
        "<start_of_turn>user\nhello<end_of_turn>\n<start_of_turn>model\n",
        "<mask> user-defined <mask>",
        "\x01\x02 control bytes \x7f",
        "trailing space ",
        "a",
        "",
        "Zzzz QQQ",
    };
    int t[1024];
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        for (int special = 0; special <= 1; special++) {
            int n = tok(texts[i], 0, special, t, 1024);
            CHECK(n >= 0 && n <= 1024);
            char *back = detok(t, n, special);
            CHECK_MSG(back && !strcmp(back, texts[i]), "round trip of '%s' (special %d) gave '%s'",
                      texts[i], special, back ? back : "(null)");
        }
    }
    /* a long input */
    size_t L = 20000;
    char *big = malloc(L + 1);
    for (size_t i = 0; i < L; i++)
        big[i] = "the ball of volume é \n"[i % 23];
    big[L] = 0;
    int need = tok(big, 1, 1, NULL, 0);
    CHECK(need > 0);
    int *bt = malloc((size_t)need * sizeof(int));
    CHECK(tok(big, 1, 1, bt, need) == need);
    char *back = malloc(L + 64);
    size_t o = 0;
    for (int i = 1; i < need; i++)
        o += (size_t)llm_token_to_piece(M, bt[i], 1, back + o, L + 64 - o);
    back[o] = 0;
    CHECK(o == L && !strcmp(back, big));
    free(big);
    free(bt);
    free(back);
}

int main(void)
{
    char path[128];
    snprintf(path, sizeof path, "/tmp/so8t_test_tok_%d.gguf", (int)getpid());
    int rc = llm_test_model_write(path, "gemma3", LLM_TYPE_Q8_0, 3, err, sizeof err);
    CHECK_MSG(rc == 0, "%s", err);
    rc = llm_model_load(path, 64, &M, err, sizeof err);
    CHECK_MSG(rc == 0, "%s", err);
    if (rc == 0) {
        test_known();
        test_pieces();
        test_roundtrips();
        llm_model_free(M);
    }
    remove(path);
    return test_summary();
}
