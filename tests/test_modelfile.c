/* test_modelfile.c — the Ollama-compatible Modelfile parser and the template subset. */
#include "llm/modelfile/modelfile.h"
#include "tests/test.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char err[512];

static int parse(const char *text, llm_modelfile *mf)
{
    err[0] = '\0';
    return llm_modelfile_parse(text, strlen(text), "MF", "/models/dir", mf, err, sizeof err);
}

/* Parses text expecting failure with `status`; the message must contain `needle`. */
static void expect_fail(const char *text, int status, const char *needle, int line)
{
    llm_modelfile mf;
    int rc = parse(text, &mf);
    CHECK_MSG(rc == status, "line %d: rc %d want %d (%s)", line, rc, status, err);
    CHECK_MSG(strstr(err, needle) != NULL, "line %d: '%s' not in '%s'", line, needle, err);
    CHECK(mf.from == NULL && mf.n_params == 0); /* left empty on failure */
    llm_modelfile_free(&mf);
}

static int has_warning(const llm_modelfile *mf, const char *needle)
{
    for (int i = 0; i < mf->n_warnings; i++)
        if (strstr(mf->warnings[i], needle))
            return 1;
    return 0;
}

static void test_directives(void)
{
    const char *text =
        "# a comment line\n"
        "FROM ./gemma.gguf\n"
        "  # indented comment\n"
        "parameter temperature 0.7\n"
        "Parameter stop \"<end_of_turn>\"\n"
        "PARAMETER stop <eos>\n"
        "SYSTEM \"\"\"You explain\n"
        "Monte Carlo results.\"\"\"\n"
        "TEMPLATE \"\"\"{{ if .System }}{{ .System }}\n"
        "{{ end }}Q: {{ .Prompt }}\n"
        "A: {{ .Response }}\"\"\"\n"
        "LICENSE first licence\n"
        "license \"\"\"second\n"
        "licence\"\"\"\n"
        "MESSAGE user What is 2+2?\n"
        "MESSAGE assistant \"4\"\n"
        "mEsSaGe system be brief\n";
    llm_modelfile mf;
    int rc = parse(text, &mf);
    CHECK_MSG(rc == 0, "%s", err);
    CHECK(mf.from && !strcmp(mf.from, "./gemma.gguf"));
    CHECK(mf.model_path && !strcmp(mf.model_path, "/models/dir/./gemma.gguf"));
    CHECK(mf.from_line == 2);
    CHECK(mf.system && !strcmp(mf.system, "You explain\nMonte Carlo results."));
    CHECK(mf.template_text && strstr(mf.template_text, "A: {{ .Response }}"));
    CHECK(mf.template_line == 9);
    CHECK(mf.n_licenses == 2);
    if (mf.n_licenses == 2) {
        CHECK(!strcmp(mf.licenses[0], "first licence"));
        CHECK(!strcmp(mf.licenses[1], "second\nlicence"));
    }
    CHECK(mf.n_messages == 3);
    if (mf.n_messages == 3) {
        CHECK(!strcmp(mf.messages[0].role, "user") &&
              !strcmp(mf.messages[0].content, "What is 2+2?"));
        CHECK(!strcmp(mf.messages[1].role, "assistant") && !strcmp(mf.messages[1].content, "4"));
        CHECK(!strcmp(mf.messages[2].role, "system") && mf.messages[2].line == 17);
    }
    CHECK(mf.n_params == 3);
    const llm_modelfile_param *t = llm_modelfile_param_find(&mf, "temperature");
    CHECK(t && t->type == LLM_MF_FLOAT && t->f == 0.7 && t->line == 4);
    int nstop = 0;
    for (int i = 0; i < mf.n_params; i++)
        if (!strcmp(mf.params[i].name, "stop")) {
            nstop++;
            CHECK(mf.params[i].type == LLM_MF_STRING);
        }
    CHECK(nstop == 2);
    const llm_modelfile_param *s = llm_modelfile_param_find(&mf, "stop");
    CHECK(s && !strcmp(s->s, "<eos>")); /* find returns the last one */
    CHECK(mf.n_warnings == 0);
    llm_modelfile_free(&mf);
    llm_modelfile_free(&mf); /* second free of a zeroed struct is fine */
    llm_modelfile_free(NULL);

    /* CRLF line ends, a BOM, absolute FROM, last SYSTEM wins. */
    rc = parse("\xEF\xBB\xBF"
               "FROM /abs/m.gguf\r\nSYSTEM one\r\nSYSTEM two  \r\nPARAMETER seed 42\r\n",
               &mf);
    CHECK_MSG(rc == 0, "%s", err);
    CHECK(mf.model_path && !strcmp(mf.model_path, "/abs/m.gguf"));
    CHECK(mf.system && !strcmp(mf.system, "two"));
    const llm_modelfile_param *sd = llm_modelfile_param_find(&mf, "seed");
    CHECK(sd && sd->i == 42 && sd->line == 4);
    llm_modelfile_free(&mf);

    /* No base dir: the path stays as written. */
    rc = llm_modelfile_parse("FROM m.gguf", 11, NULL, NULL, &mf, err, sizeof err);
    CHECK(rc == 0 && mf.model_path && !strcmp(mf.model_path, "m.gguf"));
    llm_modelfile_free(&mf);
}

static void test_param_types(void)
{
    const char *text = "FROM m.gguf\n"
                       "PARAMETER num_ctx 4096\n"
                       "PARAMETER num_batch 512\n"
                       "PARAMETER num_gpu 999\n"
                       "PARAMETER main_gpu 0\n"
                       "PARAMETER use_mmap true\n"
                       "PARAMETER use_mlock False\n"
                       "PARAMETER num_thread 2\n"
                       "PARAMETER num_keep 4\n"
                       "PARAMETER seed -1\n"
                       "PARAMETER num_predict -1\n"
                       "PARAMETER top_k 64\n"
                       "PARAMETER top_p 0.95\n"
                       "PARAMETER min_p 0.05\n"
                       "PARAMETER typical_p 1\n"
                       "PARAMETER repeat_last_n -1\n"
                       "PARAMETER temperature 1e-1\n"
                       "PARAMETER repeat_penalty 1.1\n"
                       "PARAMETER presence_penalty -0.5\n"
                       "PARAMETER frequency_penalty 0.25\n"
                       "PARAMETER stop \"Facts:\"\n"
                       "PARAMETER mirostat 2\n"
                       "PARAMETER mirostat_eta 0.1\n"
                       "PARAMETER mirostat_tau 5.0\n"
                       "PARAMETER penalize_newline 1\n"
                       "PARAMETER numa T\n"
                       "PARAMETER tfs_z 1.0\n"
                       "PARAMETER low_vram f\n"
                       "PARAMETER f16_kv TRUE\n"
                       "PARAMETER logits_all 0\n"
                       "PARAMETER vocab_only false\n";
    llm_modelfile mf;
    int rc = parse(text, &mf);
    CHECK_MSG(rc == 0, "%s", err);
    CHECK(mf.n_params == 30);
    struct {
        const char *name;
        llm_mf_type type;
        double v;
    } want[] = {
        {"num_ctx", LLM_MF_INT, 4096},       {"num_batch", LLM_MF_INT, 512},
        {"num_gpu", LLM_MF_INT, 999},        {"main_gpu", LLM_MF_INT, 0},
        {"use_mmap", LLM_MF_BOOL, 1},        {"use_mlock", LLM_MF_BOOL, 0},
        {"num_thread", LLM_MF_INT, 2},       {"num_keep", LLM_MF_INT, 4},
        {"seed", LLM_MF_INT, -1},            {"num_predict", LLM_MF_INT, -1},
        {"top_k", LLM_MF_INT, 64},           {"top_p", LLM_MF_FLOAT, 0.95},
        {"min_p", LLM_MF_FLOAT, 0.05},       {"typical_p", LLM_MF_FLOAT, 1},
        {"repeat_last_n", LLM_MF_INT, -1},   {"temperature", LLM_MF_FLOAT, 0.1},
        {"repeat_penalty", LLM_MF_FLOAT, 1.1}, {"presence_penalty", LLM_MF_FLOAT, -0.5},
        {"frequency_penalty", LLM_MF_FLOAT, 0.25}, {"mirostat", LLM_MF_INT, 2},
        {"mirostat_eta", LLM_MF_FLOAT, 0.1}, {"mirostat_tau", LLM_MF_FLOAT, 5},
        {"penalize_newline", LLM_MF_BOOL, 1}, {"numa", LLM_MF_BOOL, 1},
        {"tfs_z", LLM_MF_FLOAT, 1},          {"low_vram", LLM_MF_BOOL, 0},
        {"f16_kv", LLM_MF_BOOL, 1},          {"logits_all", LLM_MF_BOOL, 0},
        {"vocab_only", LLM_MF_BOOL, 0},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const llm_modelfile_param *p = llm_modelfile_param_find(&mf, want[i].name);
        CHECK_MSG(p != NULL, "%s missing", want[i].name);
        if (!p)
            continue;
        CHECK_MSG(p->type == want[i].type, "%s type", want[i].name);
        double got = p->type == LLM_MF_INT ? (double)p->i : p->type == LLM_MF_FLOAT ? p->f : p->b;
        CHECK_MSG(got == want[i].v, "%s = %g, want %g", want[i].name, got, want[i].v);
    }
    const llm_modelfile_param *st = llm_modelfile_param_find(&mf, "stop");
    CHECK(st && st->type == LLM_MF_STRING && !strcmp(st->s, "Facts:"));
    /* The no-effect ones: one warning each, naming the parameter and its line. */
    CHECK(has_warning(&mf, "MF:26: warning: parameter 'numa' has no effect"));
    CHECK(!has_warning(&mf, "'use_mlock'")); /* honoured: llm_model_set_memory */
    CHECK(has_warning(&mf, "'penalize_newline'"));
    CHECK(has_warning(&mf, "'tfs_z'"));
    CHECK(has_warning(&mf, "'low_vram'") && has_warning(&mf, "'f16_kv'") &&
          has_warning(&mf, "'logits_all'") && has_warning(&mf, "'vocab_only'"));
    CHECK(!has_warning(&mf, "'temperature'"));
    CHECK(!has_warning(&mf, "'mirostat'")); /* the sampler implements mirostat */
    llm_modelfile_free(&mf);

    CHECK(llm_modelfile_param_is_ignored("numa") == 1);
    CHECK(llm_modelfile_param_is_ignored("top_k") == 0);
    CHECK(llm_modelfile_param_is_ignored("bogus") == -1);

    /* numa on its own: accepted, one warning, even when repeated. */
    rc = parse("FROM m.gguf\nPARAMETER numa true\nPARAMETER numa false\n", &mf);
    CHECK_MSG(rc == 0, "%s", err);
    CHECK(mf.n_warnings == 1 && has_warning(&mf, "MF:2:") && has_warning(&mf, "'numa'"));
    llm_modelfile_free(&mf);
}

static void test_errors(void)
{
    /* Unknown parameter: Ollama's wording plus our line number. */
    expect_fail("FROM m.gguf\n\nPARAMETER foo 1\n", LLM_MF_ERR_PARAM,
                "MF:3: unknown parameter 'foo'", __LINE__);
    expect_fail("FROM m.gguf\nPARAMETER Temperature 1\n", LLM_MF_ERR_PARAM,
                "did you mean 'temperature'", __LINE__);
    expect_fail("FROM m.gguf\nPARAMETER use_numa true\n", LLM_MF_ERR_PARAM,
                "unknown parameter 'use_numa'", __LINE__);
    /* Bad values, one per type. */
    expect_fail("FROM m.gguf\nPARAMETER num_ctx abc\n", LLM_MF_ERR_PARAM,
                "MF:2: PARAMETER num_ctx: invalid int value 'abc'", __LINE__);
    expect_fail("FROM m.gguf\nPARAMETER top_k 4.5\n", LLM_MF_ERR_PARAM, "invalid int value",
                __LINE__);
    expect_fail("FROM m.gguf\nPARAMETER seed 99999999999999999999\n", LLM_MF_ERR_PARAM,
                "invalid int value", __LINE__);
    expect_fail("FROM m.gguf\nPARAMETER temperature hot\n", LLM_MF_ERR_PARAM,
                "invalid float value 'hot'", __LINE__);
    expect_fail("FROM m.gguf\nPARAMETER temperature nan\n", LLM_MF_ERR_PARAM,
                "invalid float value", __LINE__);
    expect_fail("FROM m.gguf\nPARAMETER top_p inf\n", LLM_MF_ERR_PARAM, "invalid float value",
                __LINE__);
    expect_fail("FROM m.gguf\nPARAMETER use_mmap yes\n", LLM_MF_ERR_PARAM,
                "invalid bool value 'yes'", __LINE__);
    expect_fail("FROM m.gguf\nPARAMETER numa 2\n", LLM_MF_ERR_PARAM, "invalid bool value",
                __LINE__);
    /* Ranges. */
    expect_fail("FROM m.gguf\nPARAMETER top_p 1.5\n", LLM_MF_ERR_PARAM, "out of range", __LINE__);
    expect_fail("FROM m.gguf\nPARAMETER temperature -1\n", LLM_MF_ERR_PARAM, "out of range",
                __LINE__);
    expect_fail("FROM m.gguf\nPARAMETER mirostat 3\n", LLM_MF_ERR_PARAM, "out of range",
                __LINE__);
    expect_fail("FROM m.gguf\nPARAMETER num_ctx -5\n", LLM_MF_ERR_PARAM, "out of range",
                __LINE__);
    /* Structure. */
    expect_fail("PARAMETER temperature 1\nSYSTEM hi\n", LLM_MF_ERR_SYNTAX, "no FROM line",
                __LINE__);
    expect_fail("", LLM_MF_ERR_SYNTAX, "no FROM line", __LINE__);
    expect_fail("# only a comment\n", LLM_MF_ERR_SYNTAX, "no FROM line", __LINE__);
    expect_fail("FROM m.gguf\nFROBNICATE x\n", LLM_MF_ERR_SYNTAX,
                "MF:2: command must be one of", __LINE__);
    expect_fail("FROM m.gguf\n3DFROM x\n", LLM_MF_ERR_SYNTAX, "MF:2: command must be one of",
                __LINE__);
    expect_fail("FROM\n", LLM_MF_ERR_SYNTAX, "MF:1: FROM needs a value", __LINE__);
    expect_fail("FROM m.gguf\nSYSTEM   \n", LLM_MF_ERR_SYNTAX, "MF:2: SYSTEM needs a value",
                __LINE__);
    expect_fail("FROM m.gguf\nPARAMETER temperature\n", LLM_MF_ERR_SYNTAX,
                "PARAMETER temperature needs a value", __LINE__);
    expect_fail("FROM m.gguf\nPARAMETER top-k 3\n", LLM_MF_ERR_SYNTAX, "bad character",
                __LINE__);
    expect_fail("FROM m.gguf\nMESSAGE robot hello\n", LLM_MF_ERR_SYNTAX,
                "MF:2: message role must be one of", __LINE__);
    expect_fail("FROM m.gguf\nSYSTEM \"\"\"never closed\nmore\n", LLM_MF_ERR_SYNTAX,
                "MF:2: SYSTEM: unterminated \"\"\"", __LINE__);
    expect_fail("FROM m.gguf\nSYSTEM \"open quote\n", LLM_MF_ERR_SYNTAX, "unterminated \"",
                __LINE__);
    expect_fail("FROM m.gguf\nSYSTEM \"\"\"x\"\"\" trailing\n", LLM_MF_ERR_SYNTAX,
                "text after the closing", __LINE__);
    expect_fail("FROM a.gguf\nFROM b.gguf\n", LLM_MF_ERR_SYNTAX, "a second FROM", __LINE__);
    /* Refused directives. */
    expect_fail("FROM m.gguf\nADAPTER ./lora.gguf\n", LLM_MF_ERR_UNSUPPORTED,
                "MF:2: ADAPTER is not supported", __LINE__);
    expect_fail("FROM m.gguf\nDRAFT ./small.gguf\n", LLM_MF_ERR_UNSUPPORTED,
                "DRAFT is not supported", __LINE__);
    /* A TEMPLATE outside the subset is refused, not ignored. */
    expect_fail("FROM m.gguf\nTEMPLATE \"\"\"{{ range .Messages }}{{ .Content }}{{ end }}\"\"\"\n",
                LLM_MF_ERR_UNSUPPORTED, "MF:2: TEMPLATE line 1: '{{ range .Messages }}' is not "
                                        "supported",
                __LINE__);
    /* Hostile bytes. */
    {
        llm_modelfile mf;
        const char nul[] = "FROM m.gguf\nSYSTEM a\0b\n";
        int rc = llm_modelfile_parse(nul, sizeof nul - 1, "MF", ".", &mf, err, sizeof err);
        CHECK(rc == LLM_MF_ERR_SYNTAX && strstr(err, "NUL byte"));
        size_t big = (1u << 20) + 1;
        char *huge = malloc(big);
        if (huge) {
            memset(huge, '#', big);
            rc = llm_modelfile_parse(huge, big, "MF", ".", &mf, err, sizeof err);
            CHECK(rc == LLM_MF_ERR_SYNTAX && strstr(err, "too large"));
            free(huge);
        }
        /* Control bytes in a bad value are not echoed raw. */
        rc = parse("FROM m.gguf\nPARAMETER top_k 1\x1b[2J\n", &mf);
        CHECK(rc == LLM_MF_ERR_PARAM && !strchr(err, '\x1b'));
        /* Tiny error buffers are fine. */
        char tiny[8];
        rc = llm_modelfile_parse("FROM", 4, "MF", ".", &mf, tiny, sizeof tiny);
        CHECK(rc == LLM_MF_ERR_SYNTAX && strlen(tiny) < sizeof tiny);
        rc = llm_modelfile_parse("x", 1, "MF", ".", &mf, NULL, 0);
        CHECK(rc == LLM_MF_ERR_SYNTAX);
    }
}

static void test_other_directives(void)
{
    llm_modelfile mf;
    int rc = parse("FROM m.gguf\nREQUIRES 0.6.0\nRENDERER gemma3\nPARSER gemma3\n", &mf);
    CHECK_MSG(rc == 0, "%s", err);
    CHECK(mf.n_warnings == 3 && has_warning(&mf, "MF:2: warning: REQUIRES has no effect"));
    llm_modelfile_free(&mf);
}

static void test_template(void)
{
    char *out = NULL;
    const char *t = "{{ if .System }}<sys>{{ .System }}</sys>\n{{ end }}"
                    "<user>{{ .Prompt }}</user>\n<model>{{ .Response }}</model>";
    CHECK(llm_template_check(t, err, sizeof err) == 0);
    CHECK(llm_template_render(t, "S", "P", "R", 0, &out, err, sizeof err) == 0);
    CHECK(out && !strcmp(out, "<sys>S</sys>\n<user>P</user>\n<model>R</model>"));
    free(out);
    CHECK(llm_template_render(t, NULL, "P", NULL, 1, &out, err, sizeof err) == 0);
    CHECK(out && !strcmp(out, "<user>P</user>\n<model>"));
    free(out);

    /* else / else if, $.X, comments and trim markers. */
    const char *t2 = "{{- if .System -}}  A {{ else if $.Prompt }}B{{ else }}C{{ end -}}\n\n"
                     "{{/* a comment */}}[{{ .Prompt }}]";
    CHECK(llm_template_render(t2, "s", "p", NULL, 0, &out, err, sizeof err) == 0);
    CHECK_MSG(out && !strcmp(out, "A [p]"), "got '%s'", out ? out : "(null)");
    free(out);
    CHECK(llm_template_render(t2, "", "p", NULL, 0, &out, err, sizeof err) == 0);
    CHECK_MSG(out && !strcmp(out, "B[p]"), "got '%s'", out ? out : "(null)");
    free(out);
    CHECK(llm_template_render(t2, "", "", NULL, 0, &out, err, sizeof err) == 0);
    CHECK_MSG(out && !strcmp(out, "C[]"), "got '%s'", out ? out : "(null)");
    free(out);
    /* Nested ifs: the inner one only prints when the outer does. */
    const char *t3 = "{{ if .System }}{{ if .Prompt }}both{{ else }}sys{{ end }}{{ else }}"
                     "{{ if .Prompt }}prompt{{ end }}{{ end }}";
    const char *cases[4][3] = {
        {"s", "p", "both"}, {"s", "", "sys"}, {"", "p", "prompt"}, {"", "", ""}};
    for (int i = 0; i < 4; i++) {
        CHECK(llm_template_render(t3, cases[i][0], cases[i][1], NULL, 0, &out, err, sizeof err) ==
              0);
        CHECK_MSG(out && !strcmp(out, cases[i][2]), "case %d got '%s'", i, out ? out : "");
        free(out);
    }
    /* Ollama's gemma3 template shape renders. */
    const char *gemma = "<start_of_turn>user\n{{ if .System }}{{ .System }}\n\n{{ end }}"
                        "{{ .Prompt }}<end_of_turn>\n<start_of_turn>model\n{{ .Response }}"
                        "<end_of_turn>\n";
    CHECK(llm_template_render(gemma, "Be exact.", "Explain.", NULL, 1, &out, err, sizeof err) ==
          0);
    CHECK(out && !strcmp(out, "<start_of_turn>user\nBe exact.\n\nExplain.<end_of_turn>\n"
                              "<start_of_turn>model\n"));
    free(out);

    /* Refusals and syntax errors, with the action named. */
    struct {
        const char *t;
        int rc;
        const char *needle;
    } bad[] = {
        {"{{ range .Messages }}x{{ end }}", LLM_MF_ERR_UNSUPPORTED, "'{{ range .Messages }}'"},
        {"{{ .Messages }}", LLM_MF_ERR_UNSUPPORTED, "'{{ .Messages }}'"},
        {"{{ .Prompt | trim }}", LLM_MF_ERR_UNSUPPORTED, "not supported"},
        {"{{ if and .System .Prompt }}x{{ end }}", LLM_MF_ERR_UNSUPPORTED, "not supported"},
        {"{{ template \"x\" }}", LLM_MF_ERR_UNSUPPORTED, "not supported"},
        {"a\nb\n{{ .Tools }}", LLM_MF_ERR_UNSUPPORTED, "TEMPLATE line 3"},
        {"{{ if .System }}x", LLM_MF_ERR_SYNTAX, "no matching {{ end }}"},
        {"x{{ end }}", LLM_MF_ERR_SYNTAX, "'end' without"},
        {"{{ else }}", LLM_MF_ERR_SYNTAX, "'else' without"},
        {"{{ if .System }}a{{ else }}b{{ else }}c{{ end }}", LLM_MF_ERR_SYNTAX, "'else' without"},
        {"{{ .Prompt ", LLM_MF_ERR_SYNTAX, "without a closing"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        int rc = llm_template_check(bad[i].t, err, sizeof err);
        CHECK_MSG(rc == bad[i].rc, "bad[%zu] rc %d (%s)", i, rc, err);
        CHECK_MSG(strstr(err, bad[i].needle) != NULL, "bad[%zu]: '%s' not in '%s'", i,
                  bad[i].needle, err);
        out = (char *)1;
        CHECK(llm_template_render(bad[i].t, "s", "p", "r", 0, &out, err, sizeof err) == bad[i].rc);
        CHECK(out == NULL);
    }
    /* Deep nesting is refused, not a stack overflow. */
    {
        size_t n = 200;
        char *deep = malloc(n * 32 + 1);
        if (deep) {
            deep[0] = '\0';
            for (size_t i = 0; i < n; i++)
                strcat(deep, "{{ if .System }}");
            for (size_t i = 0; i < n; i++)
                strcat(deep, "{{ end }}");
            CHECK(llm_template_check(deep, err, sizeof err) == LLM_MF_ERR_SYNTAX);
            free(deep);
        }
    }
}

static void test_load_file(void)
{
    char dir[] = "/tmp/so8t_mf_XXXXXX";
    if (!mkdtemp(dir)) {
        CHECK(0);
        return;
    }
    char path[256];
    snprintf(path, sizeof path, "%s/Modelfile", dir);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f)
        return;
    fputs("FROM ./model.gguf\nPARAMETER top_k 10\n", f);
    fclose(f);
    llm_modelfile mf;
    int rc = llm_modelfile_load(path, &mf, err, sizeof err);
    CHECK_MSG(rc == 0, "%s", err);
    char want[300];
    snprintf(want, sizeof want, "%s/./model.gguf", dir);
    CHECK(mf.model_path && !strcmp(mf.model_path, want));
    llm_modelfile_free(&mf);
    unlink(path);
    rc = llm_modelfile_load(path, &mf, err, sizeof err);
    CHECK(rc == LLM_MF_ERR_IO && strstr(err, "cannot open"));
    rc = llm_modelfile_load(dir, &mf, err, sizeof err); /* a directory */
    CHECK(rc == LLM_MF_ERR_IO || rc == LLM_MF_ERR_SYNTAX);
    rmdir(dir);
}

int main(void)
{
    test_directives();
    test_param_types();
    test_errors();
    test_other_directives();
    test_template();
    test_load_file();
    return test_summary();
}
