/* test_serve.c — serve/'s pieces without a socket: option checks (type and range, the
 * name in the message), keep_alive durations, the JSON text every reply goes through
 * (valid UTF-8, U+0085/U+2028/U+2029 escaped), prompts. tests/test_serve.sh drives the
 * whole server. */
#include "serve/internal.h"
#include "tests/test.h"

#include <stdlib.h>
#include <unistd.h>

static serve_load_opts last_lo; /* what the last apply() set: num_ctx, num_gpu, main_gpu */

static int apply(const char *json, llm_params *p, int *num_ctx, char *err, size_t n)
{
    static const char *stops[SERVE_MAX_STOP];
    cJSON *o = cJSON_Parse(json);
    llm_params_default(p);
    last_lo = (serve_load_opts){-7, -8, -9};
    int rc = serve_options_apply(o, p, stops, &last_lo, err, n);
    *num_ctx = last_lo.num_ctx;
    /* the stop strings point into o: check them before it goes */
    if (!rc && p->n_stop == 2)
        rc = strcmp(p->stop[0], "a") || strcmp(p->stop[1], "bc") ? 99 : 0;
    cJSON_Delete(o);
    return rc;
}

static void test_options(void)
{
    llm_params p;
    int ctx;
    char err[256];
    CHECK(apply("{\"temperature\": 0, \"top_k\": 5, \"top_p\": 0.5, \"num_predict\": 7, "
                "\"seed\": 42, \"num_ctx\": 128, \"stop\": [\"a\", \"bc\"], \"repeat_last_n\": -1}",
                &p, &ctx, err, sizeof err) == 0);
    CHECK(p.temperature == 0 && p.top_k == 5 && p.top_p == 0.5f && p.num_predict == 7);
    CHECK(p.seed == 42 && ctx == 128 && p.n_stop == 2 && p.repeat_last_n == -1);
    CHECK(apply("{\"num_predict\": -2}", &p, &ctx, err, sizeof err) == 0 && p.num_predict == -1);
    CHECK(apply("{}", &p, &ctx, err, sizeof err) == 0 && ctx == -7);
    CHECK(last_lo.num_gpu == -8 && last_lo.main_gpu == -9); /* untouched when not given */
    /* where the layers run: num_gpu -1 (as many as fit) .. 2^20, main_gpu 0 .. 1024 */
    CHECK(apply("{\"num_gpu\": -1, \"main_gpu\": 2}", &p, &ctx, err, sizeof err) == 0 &&
          last_lo.num_gpu == -1 && last_lo.main_gpu == 2 && ctx == -7);
    CHECK(apply("{\"num_gpu\": 999}", &p, &ctx, err, sizeof err) == 0 && last_lo.num_gpu == 999);
    CHECK(apply("{\"num_gpu\": 0}", &p, &ctx, err, sizeof err) == 0 && last_lo.num_gpu == 0);
    /* removed and unknown options: accepted, no effect */
    CHECK(apply("{\"numa\": true, \"tfs_z\": \"x\", \"use_mlock\": 1, \"whatever\": []}", &p, &ctx,
                err, sizeof err) == 0);
    static const struct { const char *json, *msg; } bad[] = {
        {"{\"temperature\": \"hot\"}", "option 'temperature' must be a number"},
        {"{\"top_k\": 2.5}", "option 'top_k' must be an integer"},
        {"{\"top_p\": 2}", "option 'top_p' is 2; it must be in [0, 1]"},
        {"{\"repeat_penalty\": 0}", "option 'repeat_penalty' is 0; it must be in (0, 100]"},
        {"{\"num_ctx\": 0}", "option 'num_ctx' is 0"},
        {"{\"num_predict\": -3}", "option 'num_predict' is -3"},
        {"{\"stop\": \"\"}", "option 'stop' must not be an empty string"},
        {"{\"stop\": [1]}", "option 'stop' must be an array of non-empty strings"},
        {"{\"stop\": {}}", "option 'stop' must be an array of strings"},
        {"{\"use_mmap\": 1}", "option 'use_mmap' must be true or false"},
        {"{\"num_gpu\": -2}", "option 'num_gpu' is -2; it must be in [-1, "},
        {"{\"num_gpu\": \"abc\"}", "option 'num_gpu' must be an integer"},
        {"{\"num_gpu\": 1.5}", "option 'num_gpu' must be an integer"},
        {"{\"main_gpu\": -1}", "option 'main_gpu' is -1; it must be in [0, 1024]"},
        {"{\"main_gpu\": 1025}", "option 'main_gpu' is 1025"},
        {"{\"num_thread\": 1e300}", "option 'num_thread' is 1e+300"},
        {"[1]", "field 'options' must be an object"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        int rc = apply(bad[i].json, &p, &ctx, err, sizeof err);
        CHECK_MSG(rc == -1 && strstr(err, bad[i].msg), "%s -> %d '%s'", bad[i].json, rc, err);
    }
}

static void test_keep_alive(void)
{
    static const struct { const char *json; double want; } good[] = {
        {"300", 300}, {"\"5m\"", 300}, {"\"1h30m\"", 5400}, {"\"-1\"", -1}, {"\"-1m\"", -60},
        {"\"0\"", 0}, {"0", 0}, {"\"1.5s\"", 1.5}, {"\"250ms\"", 0.25}, {"\"42\"", 42}};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        cJSON *v = cJSON_Parse(good[i].json);
        double s = -99;
        CHECK_MSG(serve_keep_alive_parse(v, &s) == 0 && s == good[i].want, "%s -> %g",
                  good[i].json, s);
        cJSON_Delete(v);
    }
    static const char *bad[] = {"\"abc\"", "\"5 m\"", "\"5x\"", "\"m\"", "\"\"", "true", "[]",
                                "\"1h-5m\""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cJSON *v = cJSON_Parse(bad[i]);
        double s;
        CHECK_MSG(!v || serve_keep_alive_parse(v, &s) == -1, "%s accepted", bad[i]);
        cJSON_Delete(v);
    }
}

static void test_json_text(void)
{
    cJSON *o = cJSON_CreateObject();
    /* U+2028, U+2029, U+0085, an invalid byte, a truncated sequence, an overlong '/',
       a surrogate, then plain UTF-8 that must pass unchanged */
    cJSON_AddStringToObject(o, "t", "a\xe2\x80\xa8" "b\xe2\x80\xa9" "c\xc2\x85" "d\xff" "e\xe2\x82"
                                    "f\xc0\xaf" "g\xed\xa0\x80" "h\xc3\xa9\xf0\x9f\x98\x80");
    char *s = serve_json_print(o);
    CHECK_MSG(s && !strcmp(s, "{\"t\":\"a\\u2028b\\u2029c\\u0085d\\ufffde\\ufffd\\ufffdf\\ufffd"
                              "\\ufffdg\\ufffd\\ufffd\\ufffdh\xc3\xa9\xf0\x9f\x98\x80\"}"),
              "%s", s ? s : "(null)");
    cJSON *back = s ? cJSON_Parse(s) : NULL; /* still valid JSON */
    CHECK(back != NULL);
    cJSON_Delete(back);
    free(s);
    cJSON_Delete(o);
}

static void test_prompts(void)
{
    llm_modelfile mf;
    memset(&mf, 0, sizeof mf);
    char *out = NULL, err[256];
    serve_message m[] = {{"system", "Be brief."}, {"user", "Hi"}, {"assistant", "Hello"},
                         {"user", "Why?"}};
    CHECK(serve_chat_prompt(&mf, m, 4, &out, err, sizeof err) == 0);
    CHECK_MSG(out && !strcmp(out, "system: Be brief.\nuser: Hi\nassistant: Hello\nuser: Why?\n"
                                  "assistant:"), "%s", out ? out : "(null)");
    free(out);
    mf.template_text = "{{ if .System }}<s>{{ .System }}</s>{{ end }}[U]{{ .Prompt }}[A]{{ .Response }}";
    CHECK(serve_chat_prompt(&mf, m, 4, &out, err, sizeof err) == 0);
    CHECK_MSG(out && !strcmp(out, "<s>Be brief.</s>[U]Hi[A]Hello[U]Why?[A]"), "%s",
              out ? out : "(null)");
    free(out);
    CHECK(serve_generate_prompt(&mf, NULL, "x", 0, &out, err, sizeof err) == 0 &&
          !strcmp(out, "[U]x[A]"));
    free(out);
    CHECK(serve_generate_prompt(&mf, NULL, "x", 1, &out, err, sizeof err) == 0 && !strcmp(out, "x"));
    free(out);
    mf.template_text = NULL;
    mf.system = "S";
    CHECK(serve_generate_prompt(&mf, NULL, "x", 0, &out, err, sizeof err) == 0 &&
          !strcmp(out, "S\n\nx"));
    free(out);
    /* no TEMPLATE, a GGUF whose chat template is ChatML: the model's own format, with the
     * Modelfile's SYSTEM when the request has none, and a tool result as a user turn */
    char path[] = "/tmp/test_serve_chatml_XXXXXX";
    int fd = mkstemp(path);
    llm_gguf_writer *w = llm_gguf_writer_new(3, 32);
    CHECK(fd >= 0 && w && llm_gguf_writer_add_str(w, "general.architecture", "llama") == 0 &&
          llm_gguf_writer_add_str(w, "tokenizer.chat_template",
                                  "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n"
                                  "{% endfor %}") == 0 &&
          llm_gguf_writer_save(w, path, err, sizeof err) == 0);
    llm_gguf_writer_free(w);
    mf.model_path = path;
    serve_message m2[] = {{"user", "Hi"}, {"tool", "42"}};
    CHECK(serve_chat_prompt(&mf, m2, 2, &out, err, sizeof err) == 0);
    CHECK_MSG(out && !strcmp(out, "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                                  "<|im_start|>user\n42<|im_end|>\n<|im_start|>assistant\n"),
              "%s", out ? out : "(null)");
    free(out);
    mf.model_path = NULL;
    if (fd >= 0) {
        close(fd);
        unlink(path);
    }
}

int main(void)
{
    test_options();
    test_keep_alive();
    test_json_text();
    test_prompts();
    return test_summary();
}
