/* test_llm_batch.c — the batched prompt path and the evaluation's thread team (llm/model/
 * forward.c, team.c).
 *
 * 1. Exact numerics: a prompt evaluated in one call (batches of LLM_BATCH tokens, each weight
 *    row read once per batch, causal attention inside the batch) gives the same logits, bit
 *    for bit, as the same tokens evaluated one by one, for every architecture. (In the
 *    llama.cpp-compatible mode the two differ by design, as in llama.cpp: a batch of several
 *    tokens takes its gemm kernels and tinyBLAS attention order, one token its gemv and
 *    vec_dot_f16 order; tests/test_llm_llamacpp.c checks both against llama.cpp itself.)
 * 2. Threads: 1, 2 and (F32) 3 threads give bit-identical logits in both numerics (prompt and
 *    decode steps), on every architecture; the products are split by rows among the team
 *    (forced for the tiny models, whose products are below the solo threshold), and in the
 *    default mode (decode steps solo).
 * 3. The default model, when present: 1 and 2 threads bit-identical on a prompt + 2 steps.
 */
#include "llm/llm.h"
#include "llm/model/team.h"
#include "tests/support/json_fixture.h"
#include "tests/support/llm_ref.h"
#include "tests/support/testmodel.h"
#include "tests/test.h"

#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *k_archs[] = {"gemma3", "llama", "qwen2", "qwen2vl", "qwen3", "phi3"};
#define N_ARCH (int)(sizeof k_archs / sizeof k_archs[0])
#define N_PROMPT 40 /* several batches of 16 (llm_set_batch_tokens), across gemma3's sliding window of 4 */
#define N_STEP 4

/* logits after the prompt, then after each of N_STEP single tokens: (1 + N_STEP) × V */
static float *run(llm_model *m, const int *toks, int batched, int threads)
{
    const int V = llm_model_n_vocab(m);
    float *out = malloc((size_t)(1 + N_STEP) * V * sizeof(float));
    char err[256];
    omp_set_num_threads(threads);
    int rc = 0;
    if (batched) {
        rc = llm_model_eval(m, toks, N_PROMPT, 0, out, err, sizeof err);
    } else {
        for (int t = 0; t < N_PROMPT && !rc; t++)
            rc = llm_model_eval(m, toks + t, 1, t, t == N_PROMPT - 1 ? out : NULL, err, sizeof err);
    }
    for (int s = 0; s < N_STEP && !rc; s++)
        rc = llm_model_eval(m, toks + N_PROMPT + s, 1, N_PROMPT + s, out + (size_t)(1 + s) * V, err,
                            sizeof err);
    CHECK_MSG(rc == 0, "eval: %s", err);
    return out;
}

/* index of the first differing float, or -1 */
static long first_diff(const float *a, const float *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (memcmp(a + i, b + i, sizeof(float)))
            return (long)i;
    return -1;
}

static void test_tiny(const char *dir)
{
    const int types[] = {LLM_TYPE_F32, LLM_TYPE_Q4_K}; /* float and the repacked K-quant path */
    char err[256], path[600];
    for (int a = 0; a < N_ARCH; a++)
        for (size_t ti = 0; ti < sizeof types / sizeof types[0]; ti++) {
            snprintf(path, sizeof path, "%s/%s_%d.gguf", dir, k_archs[a], types[ti]);
            llm_model *m = NULL;
            int rc = llm_test_model_write(path, k_archs[a], types[ti], 7 + a, err, sizeof err);
            rc = rc ? rc : llm_model_load(path, 64, &m, err, sizeof err);
            CHECK_MSG(rc == 0, "%s %s: %s", k_archs[a], llm_type_name(types[ti]), err);
            if (rc)
                continue;
            const int V = llm_model_n_vocab(m);
            const size_t n = (size_t)(1 + N_STEP) * V;
            int toks[N_PROMPT + N_STEP];
            for (int t = 0; t < N_PROMPT + N_STEP; t++)
                toks[t] = (t * 37 + 5 + a) % V;
            /* split: every product split among the team (the tiny models' products are below
             * the solo threshold); default: a decode step's layers on one thread (F32 only) */
            for (int num = 0; num < 2 + (ti == 0); num++) {
                llm_team_set_solo_threshold(num == 2 ? -1 : 0);
                llm_model_set_numerics(m, num == 1 ? LLM_NUMERICS_EXACT : LLM_NUMERICS_LLAMACPP);
                float *b1 = run(m, toks, 1, 1);
                for (int th = 2; th <= (ti == 0 ? 3 : 2); th++) { /* 3 threads: more than the cores here */
                    float *bt = run(m, toks, 1, th);
                    long d = first_diff(b1, bt, n);
                    CHECK_MSG(d < 0, "%s %s %s: %d threads differ from 1 at logit %ld (%.9g vs %.9g)",
                              k_archs[a], llm_type_name(types[ti]),
                              num == 1 ? "exact" : num ? "llama.cpp solo" : "llama.cpp", th, d,
                              d < 0 ? 0.0 : (double)b1[d], d < 0 ? 0.0 : (double)bt[d]);
                    free(bt);
                }
                if (num == 1) {
                    float *s1 = run(m, toks, 0, 1), *s2 = run(m, toks, 0, 2);
                    long d = first_diff(b1, s1, n);
                    CHECK_MSG(d < 0, "%s %s exact: batched and token-by-token differ at logit %ld "
                              "(%.9g vs %.9g)", k_archs[a], llm_type_name(types[ti]), d,
                              d < 0 ? 0.0 : (double)b1[d], d < 0 ? 0.0 : (double)s1[d]);
                    CHECK(first_diff(s1, s2, n) < 0);
                    free(s1);
                    free(s2);
                }
                free(b1);
            }
            llm_model_free(m);
            remove(path);
        }
}


/* 4. use_mmap false: the weights are copied, so rewriting the file in place (another model
 *    of the same layout) no longer changes the logits; with the mapping (the companion) it
 *    does, which shows the check can see the difference. use_mlock: locked, or a message
 *    naming RLIMIT_MEMLOCK. */
static void test_memory(const char *dir)
{
    char a[600], b[600], err[256];
    snprintf(a, sizeof a, "%s/mem_a.gguf", dir);
    snprintf(b, sizeof b, "%s/mem_b.gguf", dir);
    CHECK(llm_test_model_write(b, "gemma3", LLM_TYPE_Q4_K, 99, err, sizeof err) == 0);
    size_t nb = 0;
    unsigned char *other = (unsigned char *)test_file_read(b, &nb);
    CHECK(other != NULL);
    for (int copy = 0; copy < 2 && other; copy++) {
        CHECK(llm_test_model_write(a, "gemma3", LLM_TYPE_Q4_K, 5, err, sizeof err) == 0);
        llm_model *m = NULL;
        CHECK_MSG(llm_model_load(a, 64, &m, err, sizeof err) == 0, "%s", err);
        if (!m)
            break;
        CHECK(llm_model_weights_mapped(m) == 1);
        if (copy) {
            CHECK_MSG(llm_model_set_memory(m, 0, 0, err, sizeof err) == 0, "%s", err);
            CHECK(llm_model_weights_mapped(m) == 0);
        }
        const int V = llm_model_n_vocab(m);
        int toks[N_PROMPT + N_STEP];
        for (int t = 0; t < N_PROMPT + N_STEP; t++)
            toks[t] = (t * 31 + 3) % V;
        float *before = run(m, toks, 1, 2);
        size_t na = 0;
        unsigned char *cur = (unsigned char *)test_file_read(a, &na);
        CHECK(cur && na == nb && memcmp(cur, other, na) != 0);
        free(cur);
        FILE *f = fopen(a, "r+b"); /* in place: the same inode, so the mapping sees it */
        CHECK(f && fwrite(other, 1, nb, f) == nb && fclose(f) == 0);
        float *after = run(m, toks, 1, 2);
        const size_t n = (size_t)(1 + N_STEP) * V;
        if (copy)
            CHECK_MSG(first_diff(before, after, n) < 0, "use_mmap false: the logits followed the file");
        else
            CHECK_MSG(first_diff(before, after, n) >= 0, "companion: the mapped model did not see the "
                      "rewritten file, so the use_mmap check proves nothing");
        free(before);
        free(after);
        int rc = llm_model_set_memory(m, copy, 1, err, sizeof err);
        CHECK_MSG(rc == 0 || (rc == LLM_ERR_NOMEM && strstr(err, "RLIMIT_MEMLOCK")), "mlock: %d %s", rc,
                  err);
        if (copy)
            printf("use_mlock on this machine: %s\n", rc == 0 ? "locked" : err);
        llm_model_free(m);
        remove(a);
    }
    free(other);
    remove(b);
}

static void test_default_model(void)
{
    const char *path = "models/gemma-3-270m-q4_k_m.gguf";
    char err[256];
    int absent;
    llm_model *m = llm_ref_model_open(path, 128, "make model; default-model thread check not run",
                                      &absent, err, sizeof err);
    CHECK_MSG(m || absent, "%s", err);
    if (!m)
        return;
    int toks[N_PROMPT + N_STEP];
    int n = llm_tokenize(m, "The volume of a ball of radius r in d dimensions is pi to the d/2 "
                            "over the gamma function of d/2 + 1, times r to the d. In",
                         1, 0, toks, N_PROMPT + N_STEP);
    CHECK(n > 20 && n <= N_PROMPT + N_STEP);
    for (int t = n; t < N_PROMPT + N_STEP; t++)
        toks[t] = 1000 + 17 * t; /* pad the prompt with fixed ids */
    const size_t sz = (size_t)(1 + N_STEP) * llm_model_n_vocab(m);
    float *a = run(m, toks, 1, 1), *b = run(m, toks, 1, 2);
    long d = first_diff(a, b, sz);
    CHECK_MSG(d < 0, "default model: 2 threads differ from 1 at logit %ld", d);
    printf("default model: 1 and 2 threads %s over a %d-token prompt and %d steps\n",
           d < 0 ? "bit-identical" : "DIFFER", N_PROMPT, N_STEP);
    /* the prompt in pieces of 7 and 16 tokens instead of one: the same bits (each piece runs
     * the kernels of its place in the whole batch, as llama.cpp's one ubatch does) */
    const int pieces[2] = {7, 16};
    for (int k = 0; k < 2; k++) {
        llm_set_batch_tokens(pieces[k]);
        float *c = run(m, toks, 1, 2);
        llm_set_batch_tokens(0);
        d = first_diff(a, c, sz);
        CHECK_MSG(d < 0, "default model: prompt in pieces of %d differs from one batch at logit %ld", pieces[k], d);
        free(c);
    }
    free(a);
    free(b);
    llm_model_free(m);
}

int main(void)
{
    char dir[] = "/tmp/so8t_batch_XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    llm_set_batch_tokens(16); /* N_PROMPT spans several pieces in the tiny models' context */
    test_tiny(dir);
    llm_set_batch_tokens(0);
    llm_team_set_solo_threshold(-1);
    test_memory(dir);
    rmdir(dir);
    test_default_model();
    return test_summary();
}
