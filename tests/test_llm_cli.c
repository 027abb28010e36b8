/* test_llm_cli.c — end-to-end checks of 'so8t info' and 'so8t run' on a tiny random gemma3
 * model written by the test (the binary is $SO8T, set by make; default bin/so8t). */
#include "llm/llm.h"
#include "tests/support/testmodel.h"
#include "tests/test.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *so8t;
static char out[1 << 16], errbuf[1 << 14];
static char dir[64];

/* Runs "so8t ARGS" through the shell; captures stdout and stderr; returns the exit status. */
static int run(const char *args)
{
    char cmd[2048], fo[128], fe[128];
    snprintf(fo, sizeof fo, "%s/out", dir);
    snprintf(fe, sizeof fe, "%s/err", dir);
    snprintf(cmd, sizeof cmd, "%s %s >%s 2>%s", so8t, args, fo, fe);
    int st = system(cmd);
    FILE *f = fopen(fo, "rb");
    size_t n = f ? fread(out, 1, sizeof out - 1, f) : 0;
    out[n] = 0;
    if (f)
        fclose(f);
    f = fopen(fe, "rb");
    n = f ? fread(errbuf, 1, sizeof errbuf - 1, f) : 0;
    errbuf[n] = 0;
    if (f)
        fclose(f);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

#define EXPECT(rc_want, args, where, needle)                                                  \
    do {                                                                                      \
        int rc_ = run(args);                                                                  \
        const char *w_ = (where)[0] == 'o' ? out : errbuf;                                    \
        CHECK_MSG(rc_ == (rc_want) && strstr(w_, needle),                                     \
                  "so8t %s: exit %d (want %d), std%s lacks '%s':\n%.600s", args, rc_,          \
                  rc_want, where, needle, w_);                                                 \
    } while (0)

int main(void)
{
    so8t = getenv("SO8T") ? getenv("SO8T") : "bin/so8t";
    if (access(so8t, X_OK) != 0) {
        CHECK_MSG(0, "so8t binary '%s' not found (set SO8T)", so8t);
        return test_summary();
    }
    snprintf(dir, sizeof dir, "/tmp/so8t_test_cli_%d", (int)getpid());
    char cmd[256], model[128], args[1024], bad[128];
    snprintf(cmd, sizeof cmd, "mkdir -p %s", dir);
    CHECK(system(cmd) == 0);
    snprintf(model, sizeof model, "%s/tiny.gguf", dir);
    snprintf(bad, sizeof bad, "%s/bad.gguf", dir);
    char err[512];
    CHECK(llm_test_model_write(model, "gemma3", LLM_TYPE_Q8_0, 21, err, sizeof err) == 0);
    FILE *f = fopen(bad, "wb");
    fputs("FUGG not a gguf file at all", f);
    fclose(f);

    /* info */
    EXPECT(0, "info", "out", "so8t ");
    EXPECT(0, "info --json", "out", "\"cuda_compiled\"");
    snprintf(args, sizeof args, "info %s", model);
    EXPECT(0, args, "out", "architecture:   gemma3");
    CHECK(strstr(out, "tokenizer:      llama, 335 tokens") && strstr(out, "chat template:  yes"));
    CHECK(strstr(out, "Q8_0×43") && strstr(out, "F32×") && strstr(out, "blk.5.ffn_down.weight"));
    snprintf(args, sizeof args, "info --json %s", model);
    EXPECT(0, args, "out", "\"architecture\"");
    cJSON *j = cJSON_Parse(out);
    CHECK(j != NULL);
    if (j) {
        CHECK(cJSON_GetObjectItem(j, "vocab_size")->valueint == 335);
        CHECK(cJSON_GetObjectItem(j, "gguf_version")->valueint == 3);
        CHECK(cJSON_GetObjectItem(j, "context_length")->valueint == 64);
        CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(j, "tensors")) == 80);
        CHECK(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "tensor_types"), "Q8_0")->valueint == 43);
        CHECK(cJSON_IsTrue(cJSON_GetObjectItem(j, "chat_template")));
        cJSON_Delete(j);
    }
    snprintf(args, sizeof args, "info %s", bad);
    EXPECT(1, args, "err", "bad magic");
    EXPECT(1, "info /nonexistent/file.gguf", "err", "cannot open");
    EXPECT(2, "info --bogus", "err", "unknown option");

    /* run: JSON fields, determinism, streaming = JSON text */
    snprintf(args, sizeof args, "run -m %s -p 'the ball' -n 8 --seed 1 --json", model);
    EXPECT(0, args, "err", "tokens/s");
    j = cJSON_Parse(out);
    CHECK(j != NULL);
    char first_text[4096] = "";
    if (j) {
        const char *fields[] = {"text", "tokens", "prompt_tokens", "prompt_tokens_per_second",
                                "generated_tokens_per_second", "load_seconds"};
        for (int i = 0; i < 6; i++)
            CHECK_MSG(cJSON_GetObjectItem(j, fields[i]) != NULL, "JSON lacks '%s'", fields[i]);
        CHECK(cJSON_GetObjectItem(j, "prompt_tokens")->valueint == 4);
        int nt = cJSON_GetArraySize(cJSON_GetObjectItem(j, "tokens"));
        CHECK(nt >= 1 && nt <= 8);
        snprintf(first_text, sizeof first_text, "%s", cJSON_GetObjectItem(j, "text")->valuestring);
        cJSON_Delete(j);
    }
    EXPECT(0, args, "err", "tokens/s");
    j = cJSON_Parse(out);
    CHECK(j && !strcmp(cJSON_GetObjectItem(j, "text")->valuestring, first_text)); /* same seed */
    cJSON_Delete(j);
    snprintf(args, sizeof args, "run -m %s -p 'the ball' -n 8 --seed 1 --threads 1", model);
    EXPECT(0, args, "err", "generated");
    size_t lo = strlen(out);
    CHECK(lo >= 1 && out[lo - 1] == '\n');
    out[lo - 1] = 0;
    CHECK_MSG(!strcmp(out, first_text), "streamed '%s' vs JSON '%s'", out, first_text);
    snprintf(args, sizeof args, "run -m %s -p 'the ball' -n 4 --temperature 0 --top-k 5 --top-p 0.5 "
             "--min-p 0.1 --typical-p 0.9 --repeat-penalty 1.2 --repeat-last-n 8 --presence-penalty 0.1 "
             "--frequency-penalty 0.1 --ctx 32 --stop zz --json", model);
    EXPECT(0, args, "out", "\"text\"");
    snprintf(args, sizeof args, "run -m %s -p 'the ball' -n 4 --mirostat 2 --mirostat-tau 3 --mirostat-eta 0.2 --seed 3", model);
    EXPECT(0, args, "err", "generated");

    /* usage errors (exit 2) and run-time failures (exit 1) */
    EXPECT(2, "run -p x", "err", "missing -m");
    snprintf(args, sizeof args, "run -m %s", model);
    EXPECT(2, args, "err", "missing -p");
    snprintf(args, sizeof args, "run -m %s -p x --top-p 2", model);
    EXPECT(2, args, "err", "--top-p");
    snprintf(args, sizeof args, "run -m %s -p x --temperature nan", model);
    EXPECT(2, args, "err", "--temperature");
    snprintf(args, sizeof args, "run -m %s -p x --mirostat 3", model);
    EXPECT(2, args, "err", "--mirostat");
    snprintf(args, sizeof args, "run -m %s -p x --frobnicate", model);
    EXPECT(2, args, "err", "unknown option");
    snprintf(args, sizeof args, "run -m %s -p x -n", model);
    EXPECT(2, args, "err", "needs a value");
    snprintf(args, sizeof args, "run -m %s -p x", bad);
    EXPECT(1, args, "err", "bad magic");
    snprintf(args, sizeof args, "run -m %s -p \"$(printf 'a %%.0s' $(seq 1 80))\" --ctx 16", model);
    EXPECT(1, args, "err", "context");
    EXPECT(0, "run --help", "out", "Usage: so8t run");
    EXPECT(0, "info --help", "out", "Usage: so8t info");

    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
    return test_summary();
}
