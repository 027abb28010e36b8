/* test_tok_llamacpp.c — the tokenizers against llama.cpp itself (the fixture
 * tests/fixtures/llamacpp_ref/tok_bpe.json, made by tools/tok_fixtures.py with
 * llama-cpp-python 0.3.36): for each vocabulary and text (code, numbers, non-ASCII, chat
 * markup, invalid UTF-8, whitespace), the ids in the four combinations of add_special and
 * parse_special (BOS/EOS rules, special-token partition), the BOS/EOS ids and flags, the
 * end-of-generation set, and the pieces of every token used (special and not).
 *   gpt-2, phi-3: tests/fixtures/vocab/ (committed); qwen2, llama-bpe, starcoder, refact:
 *   build/vocab-cache/ (make vocab-cache); SmolLM2 (pre 'smollm'): models/
 *   SmolLM2-135M-Instruct.Q4_1.gguf (make model-smollm2) or $SO8T_SMOLLM2. Missing: SKIP.
 *   default_pre: the gpt-2 file with the 'default' pre-tokenizer (llama.cpp ran a copy whose
 *   tokenizer.ggml.pre was rewritten; here the loaded gpt-2 vocabulary is switched). */
#include "llm/internal.h"
#include "tests/support/json_fixture.h"
#include "tests/test.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#define FIX "tests/fixtures/llamacpp_ref/tok_bpe.json"

static size_t unhex(const char *h, char *out)
{
    size_t n = 0;
    for (; h[0] && h[1]; h += 2) {
        unsigned x;
        sscanf(h, "%2x", &x);
        out[n++] = (char)x;
    }
    out[n] = 0;
    return n;
}

static int ids_equal(const cJSON *arr, const int *t, int n)
{
    if (cJSON_GetArraySize(arr) != n)
        return 0;
    int i = 0;
    for (const cJSON *e = arr->child; e; e = e->next, i++)
        if ((int)e->valuedouble != t[i])
            return 0;
    return 1;
}

static const char *find_file(const char *name, char *buf, size_t n)
{
    if (!strcmp(name, "smollm2")) {
        snprintf(buf, n, "models/SmolLM2-135M-Instruct.Q4_1.gguf");
        FILE *f = fopen(buf, "rb");
        if (!f && getenv("SO8T_SMOLLM2"))
            snprintf(buf, n, "%s", getenv("SO8T_SMOLLM2"));
        if (f)
            fclose(f);
        return buf;
    }
    snprintf(buf, n, "tests/fixtures/vocab/ggml-vocab-%s.gguf", name);
    FILE *f = fopen(buf, "rb");
    if (f) {
        fclose(f);
        return buf;
    }
    snprintf(buf, n, "build/vocab-cache/ggml-vocab-%s.gguf", name);
    return buf;
}

static void run_vocab(const char *name, const cJSON *d, int pre_override)
{
    char path[600], err[512];
    find_file(name, path, sizeof path);
    llm_gguf *g = NULL;
    if (llm_gguf_open(path, &g, err, sizeof err) != LLM_OK) {
        printf("SKIP: llama.cpp tokenizations of %s: %s not present\n", name, path);
        return;
    }
    llm_vocab v;
    int rc = llm_vocab_load_gguf(&v, g, err, sizeof err);
    CHECK_MSG(rc == LLM_OK, "%s: %s", name, err);
    if (rc) {
        llm_gguf_close(g);
        return;
    }
    if (pre_override >= 0)
        v.pre = (llm_pre_kind)pre_override;
    CHECK_MSG(v.bos == cJSON_GetObjectItem(d, "bos")->valueint, "%s: bos %d", name, v.bos);
    CHECK_MSG(v.eos == cJSON_GetObjectItem(d, "eos")->valueint, "%s: eos %d", name, v.eos);
    CHECK_MSG(v.add_bos == cJSON_IsTrue(cJSON_GetObjectItem(d, "add_bos")), "%s: add_bos %d", name, v.add_bos);
    CHECK_MSG(v.add_eos == cJSON_IsTrue(cJSON_GetObjectItem(d, "add_eos")), "%s: add_eos %d", name, v.add_eos);
    const cJSON *eog = cJSON_GetObjectItem(d, "eog");
    int n_eog_ok = cJSON_GetArraySize(eog) == v.n_eog;
    for (const cJSON *e = eog->child; e; e = e->next)
        n_eog_ok &= llm_vocab_is_eog(&v, e->valueint);
    CHECK_MSG(n_eog_ok, "%s: end-of-generation set differs (%d ids here, %d in llama.cpp)", name, v.n_eog,
              cJSON_GetArraySize(eog));
    static const struct { const char *key; int add, parse; } modes[] = {
        {"plain", 0, 0}, {"bos", 1, 0}, {"parse", 0, 1}, {"special", 1, 1}};
    int cases = 0, good = 0;
    char *text = malloc(1 << 16);
    int toks[8192];
    for (const cJSON *c = cJSON_GetObjectItem(d, "cases")->child; c && text; c = c->next) {
        size_t n = unhex(cJSON_GetObjectItem(c, "text_hex")->valuestring, text);
        for (int m = 0; m < 4; m++) {
            int k = llm_vocab_tokenize(&v, text, n, modes[m].add, modes[m].parse, toks, 8192);
            int ok = ids_equal(cJSON_GetObjectItem(c, modes[m].key), toks, k);
            CHECK_MSG(ok, "%s case %d (%s) '%.50s': %d tokens, llama.cpp %d", name, cases, modes[m].key,
                      text, k, cJSON_GetArraySize(cJSON_GetObjectItem(c, modes[m].key)));
            good += ok;
        }
        cases++;
    }
    int pieces = 0, pgood = 0;
    char buf[512], want[512];
    for (const cJSON *p = cJSON_GetObjectItem(d, "pieces")->child; p; p = p->next) {
        int id = atoi(p->string);
        for (int s = 0; s < 2; s++) {
            size_t wn = unhex(cJSON_GetArrayItem(p, s)->valuestring, want);
            int k = llm_vocab_piece(&v, id, s, buf, sizeof buf);
            int ok = k == (int)wn && !memcmp(buf, want, wn);
            CHECK_MSG(ok, "%s: piece of token %d (special %d) differs", name, id, s);
            pgood += ok;
            pieces++;
        }
    }
    printf("%s%s: %d/%d tokenizations and %d/%d pieces identical to llama.cpp's\n", name,
           pre_override >= 0 ? " (pre 'default')" : "", good, 4 * cases, pgood, pieces);
    CHECK(cases > 10);
    free(text);
    llm_vocab_free(&v);
    llm_gguf_close(g);
}

int main(void)
{
    char *js = test_file_slurp(FIX);
    CHECK_MSG(js != NULL, "cannot read %s", FIX);
    cJSON *root = js ? cJSON_Parse(js) : NULL;
    CHECK(root != NULL);
    if (root) {
        const cJSON *vs = cJSON_GetObjectItem(root, "vocabs");
        for (const cJSON *d = vs ? vs->child : NULL; d; d = d->next)
            run_vocab(d->string, d, -1);
        const cJSON *dp = cJSON_GetObjectItem(root, "default_pre");
        CHECK(dp != NULL);
        if (dp)
            run_vocab("gpt-2", dp, LLM_PRE_DEFAULT);
    }
    cJSON_Delete(root);
    free(js);
    return test_summary();
}
