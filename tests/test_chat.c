/* test_chat.c — chat formats against outside oracles (tests/fixtures/llamacpp_ref/chat.json,
 * tools/chat_fixtures.py): llama.cpp's llama_chat_apply_template and the real templates of
 * SmolLM2, Qwen2.5, Phi-3.5, Llama 3.2 and Gemma 2 rendered by jinja2. Where the fixture has
 * the template's text, the format is recognised from it (never executed); then the rendered
 * bytes must be identical. Also: recognition markers, the plain fallback and its warning,
 * refused roles. */
#include "llm/chat/chat.h"
#include "tests/support/testmodel.h"
#include "tests/support/json_fixture.h"
#include "tests/test.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FIX "tests/fixtures/llamacpp_ref/chat.json"

static void test_oracle(void)
{
    char *js = test_file_slurp(FIX);
    CHECK_MSG(js != NULL, "cannot read %s", FIX);
    cJSON *root = js ? cJSON_Parse(js) : NULL;
    CHECK(root != NULL);
    if (!root) {
        free(js);
        return;
    }
    const cJSON *templates = cJSON_GetObjectItem(root, "templates");
    int n = 0, good = 0;
    for (const cJSON *c = cJSON_GetObjectItem(root, "cases")->child; c; c = c->next) {
        const char *fmt = cJSON_GetObjectItem(c, "format")->valuestring;
        const cJSON *tn = cJSON_GetObjectItem(c, "template");
        llm_chat_format f;
        memset(&f, 0, sizeof f);
        if (cJSON_IsString(tn)) {
            char warn[256];
            int rec = llm_chat_format_detect(cJSON_GetObjectItem(templates, tn->valuestring)->valuestring, &f,
                                             warn, sizeof warn);
            CHECK_MSG(rec == 1 && !strcmp(llm_chat_kind_name(f.kind), fmt), "template %s: recognised as %s",
                      tn->valuestring, llm_chat_kind_name(f.kind));
        } else if (!strcmp(fmt, "llama3.1")) {
            f.kind = LLM_CHAT_LLAMA3;
            f.knowledge_date = 1;
        } else {
            f.kind = !strcmp(fmt, "chatml") ? LLM_CHAT_CHATML
                   : !strcmp(fmt, "llama3") ? LLM_CHAT_LLAMA3
                   : !strcmp(fmt, "gemma") ? LLM_CHAT_GEMMA : LLM_CHAT_PHI3;
        }
        llm_chat_message msgs[8];
        int k = 0;
        for (const cJSON *m = cJSON_GetObjectItem(c, "messages")->child; m && k < 8; m = m->next, k++)
            msgs[k] = (llm_chat_message){cJSON_GetObjectItem(m, "role")->valuestring,
                                         cJSON_GetObjectItem(m, "content")->valuestring};
        char *out = NULL, err[256];
        int rc = llm_chat_render(&f, msgs, k, 1, &out, err, sizeof err);
        const char *want = cJSON_GetObjectItem(c, "expected")->valuestring;
        int ok = rc == 0 && out && !strcmp(out, want);
        CHECK_MSG(ok, "%s (%s), %d messages:\n  got  [%s]\n  want [%s]", fmt,
                  cJSON_GetObjectItem(c, "oracle")->valuestring, k, out ? out : err, want);
        good += ok;
        n++;
        free(out);
    }
    printf("chat: %d/%d renderings identical to llama.cpp's / jinja2's\n", good, n);
    CHECK(n >= 30);
    cJSON_Delete(root);
    free(js);
}

static void test_detect(void)
{
    llm_chat_format f;
    char warn[256];
    CHECK(llm_chat_format_detect("{{ '<|start_header_id|>' + r + '<|end_header_id|>' }}", &f, warn, sizeof warn) == 1 &&
          f.kind == LLM_CHAT_LLAMA3 && !f.knowledge_date && !warn[0]);
    CHECK(llm_chat_format_detect("{{'<start_of_turn>' + role}}", &f, warn, sizeof warn) == 1 && f.kind == LLM_CHAT_GEMMA);
    CHECK(llm_chat_format_detect("<|user|> <|assistant|> <|end|>", &f, warn, sizeof warn) == 1 && f.kind == LLM_CHAT_PHI3);
    /* Phi-4's ChatML variant and an unknown template: plain, with a warning */
    CHECK(llm_chat_format_detect("<|im_start|>{{ role }}<|im_sep|>", &f, warn, sizeof warn) == 0 &&
          f.kind == LLM_CHAT_PLAIN && strstr(warn, "plain"));
    CHECK(llm_chat_format_detect("{% for m in messages %}### {{ m.content }}{% endfor %}", &f, warn, sizeof warn) == 0 &&
          strstr(warn, "not one so8t knows"));
    CHECK(llm_chat_format_detect(NULL, &f, warn, sizeof warn) == 0 && strstr(warn, "no chat template"));
    /* a default system message only when it is a plain literal */
    CHECK(llm_chat_format_detect("{{ '<|im_start|>system\\nBe {{ x }}<|im_end|>' }}", &f, warn, sizeof warn) == 1 &&
          f.kind == LLM_CHAT_CHATML && !f.default_system[0]);
    CHECK(llm_chat_format_detect("{{ '<|im_start|>system\\nHi there.<|im_end|>' }}", &f, warn, sizeof warn) == 1 &&
          !strcmp(f.default_system, "Hi there."));
}

static void test_plain_and_refusals(void)
{
    llm_chat_format f = {0};
    llm_chat_message m[3] = {{"system", "Sys."}, {"user", "Q?"}, {"assistant", "A."}};
    char *out, err[256];
    CHECK(llm_chat_render(&f, m, 3, 1, &out, err, sizeof err) == 0);
    CHECK(out && !strcmp(out, "Sys.\n\nUser: Q?\nAssistant: A.\nAssistant:"));
    free(out);
    CHECK(!strcmp(llm_chat_stop_strings(&f)[0], "\nUser:"));
    f.kind = LLM_CHAT_CHATML;
    CHECK(llm_chat_stop_strings(&f)[0] == NULL);
    llm_chat_message bad[1] = {{"tool", "x"}};
    CHECK(llm_chat_render(&f, bad, 1, 1, &out, err, sizeof err) == LLM_ERR_INVAL && out == NULL);
    CHECK_MSG(strstr(err, "'tool'") != NULL, "%s", err);
    llm_chat_message none[1] = {{"user", NULL}};
    CHECK(llm_chat_render(&f, none, 1, 1, &out, err, sizeof err) == LLM_ERR_INVAL);
    /* no messages: just the assistant's opening */
    CHECK(llm_chat_render(&f, NULL, 0, 1, &out, err, sizeof err) == 0 && !strcmp(out, "<|im_start|>assistant\n"));
    free(out);
}

/* the call explain uses: a model's own format (the tiny test model's template is Gemma's) */
static void test_model_prompt(void)
{
    char path[] = "/tmp/so8t_chat_XXXXXX", err[512], warn[256];
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    close(fd);
    llm_model *m = NULL;
    CHECK(llm_test_model_write(path, "gemma3", LLM_TYPE_Q8_0, 1, err, sizeof err) == LLM_OK);
    CHECK_MSG(llm_model_load(path, 64, &m, err, sizeof err) == LLM_OK, "%s", err);
    char *out = NULL;
    if (m) {
        CHECK(llm_chat_prompt(m, "Sys.", " Why? ", &out, warn, sizeof warn) == LLM_OK && !warn[0]);
        CHECK(out && !strcmp(out, "<start_of_turn>user\nSys.\n\nWhy?<end_of_turn>\n<start_of_turn>model\n"));
        free(out);
        CHECK(llm_chat_prompt(m, NULL, "Q", &out, warn, sizeof warn) == LLM_OK);
        CHECK(out && !strcmp(out, "<start_of_turn>user\nQ<end_of_turn>\n<start_of_turn>model\n"));
        free(out);
    }
    /* no model: the plain format, with its note */
    CHECK(llm_chat_prompt(NULL, "S", "Q", &out, warn, sizeof warn) == LLM_OK && warn[0]);
    CHECK(out && !strcmp(out, "S\n\nUser: Q\nAssistant:"));
    free(out);
    llm_model_free(m);
    unlink(path);
}

int main(void)
{
    test_model_prompt();
    test_oracle();
    test_detect();
    test_plain_and_refusals();
    return test_summary();
}
