/* test_tok_vocab.c — the tokenizers against outside oracles: llama.cpp's vocab-only GGUF files
 * and their .inp/.out cases (the .out ids were made by Hugging Face's AutoTokenizer, with
 * add_special = false, parse_special = false). Every case of every present file must match.
 *   committed (MIT): tests/fixtures/vocab/ggml-vocab-{gpt-2,phi-3}.gguf (README.md there)
 *   cache (other licences, not committed): build/vocab-cache/ggml-vocab-{qwen2,llama-bpe,
 *   starcoder,refact}.gguf, filled by `make vocab-cache` (tools/fetch_vocab.sh) from the
 *   llama-cpp-python 0.3.36 sdist; a missing file is a named SKIP.
 * Byte-level BPE is lossless: every case also decodes back to its bytes, and so do 2000
 * random valid UTF-8 texts; 1000 random byte strings tokenize without failing. */
#include "llm/internal.h"
#include "llm/tok/unicode.h"
#include "tests/support/json_fixture.h"
#include "tests/test.h"

#include <stdlib.h>
#include <string.h>

static int first_diff(const int *a, int na, const int *b, int nb)
{
    int i = 0;
    while (i < na && i < nb && a[i] == b[i])
        i++;
    return i;
}

static const char SEP[] = "\n__ggml_vocab_test__\n";

/* runs every case of one vocabulary; returns the number of cases run (0: file missing) */
static int run_cases(const char *name, int lossless)
{
    char path[512], inp[540], out[540];
    snprintf(path, sizeof path, "tests/fixtures/vocab/ggml-vocab-%s.gguf", name);
    FILE *probe = fopen(path, "rb");
    if (!probe)
        snprintf(path, sizeof path, "build/vocab-cache/ggml-vocab-%s.gguf", name);
    else
        fclose(probe);
    snprintf(inp, sizeof inp, "%s.inp", path);
    snprintf(out, sizeof out, "%s.out", path);
    size_t ni, no;
    char *ti = test_file_read(inp, &ni), *to = test_file_read(out, &no);
    llm_gguf *g = NULL;
    char err[512];
    if (!ti || !to || llm_gguf_open(path, &g, err, sizeof err) != LLM_OK) {
        printf("SKIP: vocab %s: %s not present (make vocab-cache fetches it)\n", name, path);
        free(ti);
        free(to);
        llm_gguf_close(g);
        return 0;
    }
    llm_vocab v;
    int rc = llm_vocab_load_gguf(&v, g, err, sizeof err);
    CHECK_MSG(rc == LLM_OK, "%s: %s", name, err);
    int cases = 0, good = 0;
    char *ip = ti, *op = to;
    int *toks = malloc((1 << 14) * sizeof(int));
    char *back = malloc(1 << 16);
    while (rc == LLM_OK && toks && back) {
        char *ie = strstr(ip, SEP), *oe = strchr(op, '\n');
        if (!ie || !oe)
            break;
        *ie = 0;
        *oe = 0;
        int want[4096], nw = 0;
        for (char *s = op, *e; nw < 4096; s = e) {
            long x = strtol(s, &e, 10);
            if (e == s)
                break;
            want[nw++] = (int)x;
        }
        int n = llm_vocab_tokenize(&v, ip, strlen(ip), 0, 0, toks, 1 << 14);
        int ok = n == nw && !memcmp(toks, want, (size_t)nw * sizeof(int));
        CHECK_MSG(ok, "%s case %d '%.60s': %d tokens, expected %d (first differing at %d)", name,
                  cases, ip, n, nw, first_diff(toks, n, want, nw));
        good += ok;
        if (lossless && n >= 0) {
            size_t o = 0;
            for (int i = 0; i < n && o < (1 << 16) - 1; i++) {
                int k = llm_vocab_piece(&v, toks[i], 0, back + o, (1 << 16) - o);
                o += k > 0 ? (size_t)k : 0;
            }
            CHECK_MSG(o == strlen(ip) && !memcmp(back, ip, o), "%s case %d: decode differs", name, cases);
        }
        cases++;
        ip = ie + strlen(SEP);
        op = oe + 1;
    }
    printf("vocab %s (%s, pre '%s'): %d/%d cases identical to the .out file\n", name,
           v.ops ? v.ops->model : "?", v.pre_name, good, cases);
    CHECK_MSG(cases >= 40, "%s: only %d cases read", name, cases);
    free(toks);
    free(back);
    free(ti);
    free(to);
    llm_vocab_free(&v);
    llm_gguf_close(g);
    return cases;
}

/* random text: every valid UTF-8 string (code points from all planes, ASCII-heavy) decodes
 * back to its bytes; random bytes (invalid UTF-8) tokenize without trouble */
static void random_roundtrips(void)
{
    llm_gguf *g = NULL;
    char err[512];
    if (llm_gguf_open("tests/fixtures/vocab/ggml-vocab-gpt-2.gguf", &g, err, sizeof err) != LLM_OK) {
        CHECK_MSG(0, "%s", err);
        return;
    }
    llm_vocab v;
    if (llm_vocab_load_gguf(&v, g, err, sizeof err) != LLM_OK) {
        CHECK_MSG(0, "%s", err);
        llm_gguf_close(g);
        return;
    }
    uint64_t s = 0x9E3779B97F4A7C15ull;
    int bad = 0, n_ok = 0;
    static char text[1024], back[4096];
    static int toks[2048];
    for (int it = 0; it < 3000; it++) {
        size_t n = 0;
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        int len = (int)(s % 40);
        for (int k = 0; k < len; k++) {
            s ^= s << 13, s ^= s >> 7, s ^= s << 17;
            uint32_t r = (uint32_t)(s >> 11), cp;
            switch (r % 4) {
            case 0: cp = 0x20 + r / 4 % 0x5F; break;
            case 1: cp = r / 4 % 0x80; break;
            case 2: cp = 0x80 + r / 4 % 0x3000; break;
            default: cp = r / 4 % 0x110000; break;
            }
            if ((cp >= 0xD800 && cp < 0xE000) || cp == 0)
                cp = 'x';
            if (it >= 2000) { /* raw bytes, valid or not */
                text[n++] = (char)(r & 0xFF) ? (char)(r & 0xFF) : 'y';
                continue;
            }
            n += (size_t)llm_utf8_encode(cp, text + n);
        }
        text[n] = 0;
        int k = llm_vocab_tokenize(&v, text, n, 0, 0, toks, 2048);
        if (k < 0 || k > 2048) {
            bad++;
            continue;
        }
        size_t o = 0;
        for (int i = 0; i < k; i++) {
            int m = llm_vocab_piece(&v, toks[i], 0, back + o, sizeof back - o);
            o += m > 0 ? (size_t)m : 0;
        }
        if (it < 2000 && (o != n || memcmp(back, text, n)))
            bad++;
        else
            n_ok++;
    }
    CHECK_MSG(bad == 0, "%d of 3000 random texts did not round-trip", bad);
    CHECK(n_ok == 3000);
    llm_vocab_free(&v);
    llm_gguf_close(g);
}

int main(void)
{
    random_roundtrips();
    CHECK(run_cases("gpt-2", 1) > 0); /* committed: must be there */
    CHECK(run_cases("phi-3", 0) > 0);
    run_cases("qwen2", 1);
    run_cases("llama-bpe", 1);
    run_cases("starcoder", 1);
    run_cases("refact", 1);
    return test_summary();
}
