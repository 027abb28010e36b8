/* test_model_corrupt.c — a model with one NaN or inf quantisation scale (or F16 value) is
 * refused at load with the tensor's name (issue 16: it was accepted and produced garbage
 * with exit 0), through the library and through 'so8t run' / 'so8t explain' ($SO8T).
 * Tiny random gemma3 models from llm_test_model_write, one scale overwritten in the file. */
#include "llm/llm.h"
#include "llm/quant/quant.h"
#include "tests/support/testmodel.h"
#include "tests/test.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[64];

/* Overwrites n bytes at `at` bytes into tensor `name`'s data. */
static int poke(const char *path, const char *name, uint64_t at, const void *bytes, size_t n)
{
    llm_gguf *g;
    char err[256];
    if (llm_gguf_open(path, &g, err, sizeof err))
        return -1;
    int64_t i = llm_gguf_find_tensor(g, name);
    llm_gguf_tensor_info t;
    int ok = i >= 0 && llm_gguf_tensor(g, i, &t) == 0;
    uint64_t off = ok ? llm_gguf_data_offset(g) + t.offset + at : 0;
    llm_gguf_close(g);
    if (!ok)
        return -1;
    FILE *f = fopen(path, "r+b");
    if (!f)
        return -1;
    int rc = fseek(f, (long)off, SEEK_SET) == 0 && fwrite(bytes, 1, n, f) == n ? 0 : -1;
    return fclose(f) == 0 ? rc : -1;
}

static int poke_f16(const char *path, const char *name, uint64_t at, uint16_t h)
{
    uint8_t b[2] = {(uint8_t)h, (uint8_t)(h >> 8)};
    return poke(path, name, at, b, 2);
}

/* Finite weights that overflow in the forward pass: the evaluation fails instead of
 * handing inf/NaN logits to the sampler. */
static void test_overflow(void)
{
    char path[128], err[512];
    snprintf(path, sizeof path, "%s/overflow.gguf", dir);
    CHECK(llm_test_model_write(path, "gemma3", LLM_TYPE_F32, 5, err, sizeof err) == 0);
    float big[256];
    for (int i = 0; i < 256; i++)
        big[i] = 3.0e38f; /* finite, but the products overflow */
    CHECK(poke(path, "output_norm.weight", 0, big, sizeof big) == 0);
    llm_model *m = NULL;
    int rc = llm_model_load(path, 64, &m, err, sizeof err);
    CHECK_MSG(rc == 0, "load: %s", err);
    if (rc)
        return;
    float *logits = malloc(4096 * sizeof *logits);
    int tok[2] = {2, 40};
    err[0] = '\0';
    rc = logits ? llm_model_eval(m, tok, 2, 0, logits, err, sizeof err) : -99;
    CHECK_MSG(rc == LLM_ERR_FORMAT && strstr(err, "non-finite logit"), "eval rc %d: '%s'", rc,
              err);
    free(logits);
    llm_model_free(m);
}

/* The scan itself: the largest finite values pass, the first bad block is found. */
static void test_scan(void)
{
    uint8_t q[8 * 34];
    memset(q, 0, sizeof q);
    for (int b = 0; b < 8; b++) {
        q[b * 34] = 0xFF; /* 0x7BFF = 65504, the largest finite fp16 */
        q[b * 34 + 1] = 0x7B;
    }
    CHECK(llm_quant_find_nonfinite(LLM_TYPE_Q8_0, q, 8 * 32) == -1);
    q[5 * 34 + 1] = 0x7C; /* 0x7CFF: NaN */
    CHECK(llm_quant_find_nonfinite(LLM_TYPE_Q8_0, q, 8 * 32) == 5 * 32);
    q[5 * 34 + 2] = 0x7C; /* a quant byte with an inf-like pattern is not a scale */
    q[5 * 34 + 1] = 0x7B;
    CHECK(llm_quant_find_nonfinite(LLM_TYPE_Q8_0, q, 8 * 32) == -1);
    uint16_t bf[4] = {0x7F7F /* the largest finite bf16 */, 0xFF7F, 0x0001, 0x7F80 /* inf */};
    CHECK(llm_quant_find_nonfinite(LLM_TYPE_BF16, bf, 3) == -1);
    CHECK(llm_quant_find_nonfinite(LLM_TYPE_BF16, bf, 4) == 3);
    float f[3] = {3.4e38f, -3.4e38f, NAN};
    CHECK(llm_quant_find_nonfinite(LLM_TYPE_F32, f, 2) == -1);
    CHECK(llm_quant_find_nonfinite(LLM_TYPE_F32, f, 3) == 2);
}

static int run_status(const char *cmd)
{
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static void test_types(void)
{
    /* the first fp16 scale of block 3 of a matrix, per type: bytes per block, offset */
    static const struct {
        int type, bytes, off;
        const char *name;
    } cases[] = {
        {LLM_TYPE_Q8_0, 34, 0, "blk.2.ffn_down.weight"},
        {LLM_TYPE_Q4_0, 18, 0, "blk.0.attn_q.weight"},
        {LLM_TYPE_Q5_0, 22, 0, "blk.5.attn_v.weight"},
        {LLM_TYPE_Q4_K, 144, 0, "blk.1.ffn_up.weight"},
        {LLM_TYPE_Q4_K, 144, 2, "blk.1.ffn_gate.weight"}, /* dmin */
        {LLM_TYPE_Q6_K, 210, 208, "blk.3.attn_output.weight"},
        {LLM_TYPE_F16, 2, 0, "blk.4.attn_k.weight"},      /* a plain value */
        {LLM_TYPE_Q4_K, 144, 0, "token_embd.weight"},     /* tied output: at the eval */
        {LLM_TYPE_Q8_0, 34, 0, "token_embd.weight"},
        {LLM_TYPE_BF16, 2, 0, "blk.2.ffn_up.weight"},     /* bf16 patterns below */
    };
    static const uint16_t bad_f16[] = {0x7E00 /* NaN */, 0x7C00 /* +inf */, 0xFC00 /* -inf */};
    static const uint16_t bad_bf16[] = {0x7FC0 /* NaN */, 0x7F80 /* +inf */, 0xFF80 /* -inf */};
    char path[128], err[512];
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const uint16_t *bad = cases[c].type == LLM_TYPE_BF16 ? bad_bf16 : bad_f16;
        for (size_t v = 0; v < 3; v++) {
            snprintf(path, sizeof path, "%s/m%zu_%zu.gguf", dir, c, v);
            int rc = llm_test_model_write(path, "gemma3", cases[c].type, 7, err, sizeof err);
            CHECK_MSG(rc == 0, "write: %s", err);
            if (rc)
                continue;
            llm_model *m = NULL;
            if (v == 0) { /* the intact model loads */
                rc = llm_model_load(path, 64, &m, err, sizeof err);
                CHECK_MSG(rc == 0, "intact %s: %s", llm_type_name(cases[c].type), err);
                llm_model_free(m);
                m = NULL;
            }
            CHECK(poke_f16(path, cases[c].name, 3u * (uint64_t)cases[c].bytes + cases[c].off,
                           bad[v]) == 0);
            err[0] = '\0';
            rc = llm_model_load(path, 64, &m, err, sizeof err);
            /* The output matrix (here the tied embedding) is not scanned at load: its bad
             * scale gives a non-finite logit, which the first evaluation refuses. Token
             * 3 * 32 or 3 * 256 / 256: the row of block 3. */
            if (!strcmp(cases[c].name, "token_embd.weight") && rc == 0) {
                float logits[512];
                int tok[2] = {2, 40};
                rc = llm_model_eval(m, tok, 2, 0, logits, err, sizeof err);
            }
            CHECK_MSG(rc == LLM_ERR_FORMAT && strstr(err, cases[c].name) &&
                          strstr(err, "non-finite"),
                      "%s %s = 0x%04x: rc %d, '%s'", llm_type_name(cases[c].type), cases[c].name,
                      bad[v], rc, err);
            llm_model_free(m);
        }
    }
}

/* The commands: exit 1 and the tensor's name ('run'), the template with the reason
 * ('explain', which never fails for a model problem). */
static void test_cli(void)
{
    const char *so8t = getenv("SO8T") ? getenv("SO8T") : "bin/so8t";
    if (access(so8t, X_OK) != 0) {
        CHECK_MSG(0, "so8t binary '%s' not found (set SO8T)", so8t);
        return;
    }
    char path[128], cmd[1024], err[256];
    snprintf(path, sizeof path, "%s/nan.gguf", dir);
    CHECK(llm_test_model_write(path, "gemma3", LLM_TYPE_Q4_K, 3, err, sizeof err) == 0);
    snprintf(cmd, sizeof cmd, "%s run -m %s -p 'the ball' -n 4 --seed 1 >/dev/null 2>&1", so8t,
             path);
    CHECK(run_status(cmd) == 0); /* intact */
    CHECK(poke_f16(path, "blk.2.ffn_down.weight", 5 * 144, 0x7E00) == 0);
    snprintf(cmd, sizeof cmd,
             "%s run -m %s -p 'the ball' -n 4 --seed 1 2>&1 >/dev/null | grep -q "
             "'blk.2.ffn_down.weight'",
             so8t, path);
    CHECK_MSG(run_status(cmd) == 0, "run does not name the tensor");
    snprintf(cmd, sizeof cmd, "%s run -m %s -p 'the ball' -n 4 --seed 1 >/dev/null 2>&1", so8t,
             path);
    CHECK(run_status(cmd) == 1);
    snprintf(cmd, sizeof cmd,
             "%s explain tests/fixtures/explain/volume_d8.json --model %s | grep -q "
             "'could not be loaded.*blk.2.ffn_down.weight'",
             so8t, path);
    CHECK_MSG(run_status(cmd) == 0, "explain does not say why it used the template");
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/so8t_corrupt.XXXXXX");
    if (!mkdtemp(dir)) {
        CHECK_MSG(0, "mkdtemp failed");
        return test_summary();
    }
    test_scan();
    test_types();
    test_overflow();
    test_cli();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return test_summary();
}
