/* chat.c — chat formats (chat.h). Recognition is a table of substring markers tried in
 * order; rendering is one small function per format. No template code is run: the only
 * thing taken from a template's text is ChatML's default system message, and only when it
 * is a plain literal (no quotes, braces or escapes other than \n inside). */
#include "llm/chat/chat.h"
#include "base/strbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[] = {"plain", "chatml", "llama3", "gemma", "phi3"};

const char *llm_chat_kind_name(llm_chat_kind k)
{
    return (unsigned)k < sizeof kind_names / sizeof kind_names[0] ? kind_names[k] : "plain";
}

/* markers: every `all` substring present and no `none` substring; first row that fits wins
 * (llama.cpp's llm_chat_detect_template order for these formats) */
static const struct {
    llm_chat_kind kind;
    const char *all[2];
    const char *none[2];
} markers[] = {
    /* <|im_sep|> is Phi-4's and <end_of_utterance> SmolVLM's variant of ChatML: not this */
    {LLM_CHAT_CHATML, {"<|im_start|>", NULL}, {"<|im_sep|>", "<end_of_utterance>"}},
    {LLM_CHAT_PHI3, {"<|assistant|>", "<|end|>"}, {NULL, NULL}},
    {LLM_CHAT_GEMMA, {"<start_of_turn>", NULL}, {NULL, NULL}},
    {LLM_CHAT_LLAMA3, {"<|start_header_id|>", "<|end_header_id|>"}, {NULL, NULL}},
};

/* ChatML's default system message: a literal '<|im_start|>system\n' TEXT '<|im_end|>' where
 * TEXT is plain (Qwen2/2.5 and SmolLM2 templates write it so, in the branch taken when the
 * first message is not a system one) */
static void chatml_default_system(const char *t, char *out, size_t cap)
{
    static const char *const heads[] = {"<|im_start|>system\n", "<|im_start|>system\\n"};
    out[0] = 0;
    for (const char *p = t; *p; p++) {
        for (int h = 0; h < 2; h++) {
            size_t hl = strlen(heads[h]);
            if (strncmp(p, heads[h], hl) != 0)
                continue;
            const char *s = p + hl, *e = strstr(s, "<|im_end|>");
            if (!e || e == s)
                continue;
            size_t n = 0;
            int ok = 1;
            for (const char *q = s; q < e && ok; q++) {
                if (strchr("'\"{}+%", *q)) {
                    ok = 0;
                } else if (*q == '\\') {
                    ok = q[1] == 'n';
                    if (ok && n + 1 < cap)
                        out[n++] = '\n';
                    q++;
                } else if (n + 1 < cap) {
                    out[n++] = *q;
                } else {
                    ok = 0; /* longer than we keep: better none than a cut one */
                }
            }
            if (ok) {
                out[n] = 0;
                return;
            }
            out[0] = 0;
        }
    }
}

int llm_chat_format_detect(const char *tmpl, llm_chat_format *f, char *warn, size_t warnlen)
{
    memset(f, 0, sizeof *f);
    if (warn && warnlen)
        warn[0] = 0;
    if (!tmpl || !tmpl[0]) {
        if (warn)
            snprintf(warn, warnlen, "the model has no chat template (tokenizer.chat_template): using a plain "
                                    "'User:/Assistant:' format");
        return 0;
    }
    for (size_t i = 0; i < sizeof markers / sizeof markers[0]; i++) {
        int ok = 1;
        for (int k = 0; k < 2; k++) {
            if (markers[i].all[k] && !strstr(tmpl, markers[i].all[k]))
                ok = 0;
            if (markers[i].none[k] && strstr(tmpl, markers[i].none[k]))
                ok = 0;
        }
        if (!ok)
            continue;
        f->kind = markers[i].kind;
        if (f->kind == LLM_CHAT_CHATML)
            chatml_default_system(tmpl, f->default_system, sizeof f->default_system);
        if (f->kind == LLM_CHAT_LLAMA3)
            f->knowledge_date = strstr(tmpl, "Cutting Knowledge Date:") != NULL;
        return 1;
    }
    if (warn)
        snprintf(warn, warnlen, "the model's chat template is not one so8t knows (chatml, llama3, gemma, phi3): "
                                "using a plain 'User:/Assistant:' format");
    return 0;
}

/* ---- rendering ------------------------------------------------------------------------------ */

static int is_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

/* Python's str.strip() / Jinja's trim for ASCII whitespace */
static void put_trimmed(so8t_strbuf *b, const char *s)
{
    size_t n = strlen(s);
    while (n > 0 && is_space(s[n - 1]))
        n--;
    while (n > 0 && is_space(*s))
        s++, n--;
    so8t_strbuf_put(b, s, n);
}

static void render_chatml(const llm_chat_format *f, const llm_chat_message *m, int n, int gen, so8t_strbuf *b)
{
    if (f->default_system[0] && (n == 0 || strcmp(m[0].role, "system") != 0)) {
        so8t_strbuf_puts(b, "<|im_start|>system\n");
        so8t_strbuf_puts(b, f->default_system);
        so8t_strbuf_puts(b, "<|im_end|>\n");
    }
    for (int i = 0; i < n; i++) {
        so8t_strbuf_puts(b, "<|im_start|>");
        so8t_strbuf_puts(b, m[i].role);
        so8t_strbuf_puts(b, "\n");
        so8t_strbuf_puts(b, m[i].content);
        so8t_strbuf_puts(b, "<|im_end|>\n");
    }
    if (gen)
        so8t_strbuf_puts(b, "<|im_start|>assistant\n");
}

static void render_llama3(const llm_chat_format *f, const llm_chat_message *m, int n, int gen, so8t_strbuf *b)
{
    int i = 0;
    if (f->knowledge_date) {
        /* Llama 3.1+: the system header always comes first (the date a template without
         * strftime_now uses) */
        so8t_strbuf_puts(b, "<|start_header_id|>system<|end_header_id|>\n\n"
                           "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n");
        if (n > 0 && !strcmp(m[0].role, "system"))
            put_trimmed(b, m[i++].content);
        so8t_strbuf_puts(b, "<|eot_id|>");
    }
    for (; i < n; i++) {
        so8t_strbuf_puts(b, "<|start_header_id|>");
        so8t_strbuf_puts(b, m[i].role);
        so8t_strbuf_puts(b, "<|end_header_id|>\n\n");
        put_trimmed(b, m[i].content);
        so8t_strbuf_puts(b, "<|eot_id|>");
    }
    if (gen)
        so8t_strbuf_puts(b, "<|start_header_id|>assistant<|end_header_id|>\n\n");
}

static void render_gemma(const llm_chat_message *m, int n, int gen, so8t_strbuf *b)
{
    so8t_strbuf sys = {0};
    for (int i = 0; i < n; i++) {
        if (!strcmp(m[i].role, "system")) {
            put_trimmed(&sys, m[i].content);
            continue;
        }
        int model = !strcmp(m[i].role, "assistant");
        so8t_strbuf_puts(b, model ? "<start_of_turn>model\n" : "<start_of_turn>user\n");
        if (sys.n > 0 && !model) {
            so8t_strbuf_put(b, sys.p, sys.n);
            so8t_strbuf_puts(b, "\n\n");
            sys.n = 0;
        }
        put_trimmed(b, m[i].content);
        so8t_strbuf_puts(b, "<end_of_turn>\n");
    }
    free(sys.p);
    if (gen)
        so8t_strbuf_puts(b, "<start_of_turn>model\n");
}

static void render_phi3(const llm_chat_message *m, int n, int gen, so8t_strbuf *b)
{
    for (int i = 0; i < n; i++) {
        if (!strcmp(m[i].role, "system") && !m[i].content[0])
            continue;
        so8t_strbuf_puts(b, "<|");
        so8t_strbuf_puts(b, m[i].role);
        so8t_strbuf_puts(b, "|>\n");
        so8t_strbuf_puts(b, m[i].content);
        so8t_strbuf_puts(b, "<|end|>\n");
    }
    if (gen)
        so8t_strbuf_puts(b, "<|assistant|>\n");
}

static void render_plain(const llm_chat_message *m, int n, int gen, so8t_strbuf *b)
{
    for (int i = 0; i < n; i++) {
        if (!strcmp(m[i].role, "system")) {
            so8t_strbuf_puts(b, m[i].content);
            so8t_strbuf_puts(b, "\n\n");
            continue;
        }
        so8t_strbuf_puts(b, !strcmp(m[i].role, "user") ? "User: " : "Assistant: ");
        so8t_strbuf_puts(b, m[i].content);
        so8t_strbuf_puts(b, "\n");
    }
    if (gen)
        so8t_strbuf_puts(b, "Assistant:");
}

static int sys_oom(so8t_strbuf *b)
{
    if (!b->oom)
        return 0;
    free(b->p);
    memset(b, 0, sizeof *b);
    return 1;
}

int llm_chat_render(const llm_chat_format *f, const llm_chat_message *m, int n, int gen, char **out,
                    char *err, size_t errlen)
{
    *out = NULL;
    if (!f || n < 0 || (n > 0 && !m)) {
        snprintf(err, errlen, "chat: invalid arguments");
        return LLM_ERR_INVAL;
    }
    for (int i = 0; i < n; i++) {
        if (!m[i].role || (strcmp(m[i].role, "system") && strcmp(m[i].role, "user") &&
                           strcmp(m[i].role, "assistant"))) {
            snprintf(err, errlen, "chat: message %d has role '%.32s' (must be system, user or assistant)", i + 1,
                     m[i].role ? m[i].role : "(none)");
            return LLM_ERR_INVAL;
        }
        if (!m[i].content) {
            snprintf(err, errlen, "chat: message %d (%s) has no content", i + 1, m[i].role);
            return LLM_ERR_INVAL;
        }
    }
    so8t_strbuf b = {0};
    switch (f->kind) {
    case LLM_CHAT_CHATML: render_chatml(f, m, n, gen, &b); break;
    case LLM_CHAT_LLAMA3: render_llama3(f, m, n, gen, &b); break;
    case LLM_CHAT_GEMMA: render_gemma(m, n, gen, &b); break;
    case LLM_CHAT_PHI3: render_phi3(m, n, gen, &b); break;
    default: render_plain(m, n, gen, &b); break;
    }
    if (sys_oom(&b) || !(*out = so8t_strbuf_take(&b))) {
        snprintf(err, errlen, "chat: out of memory");
        return LLM_ERR_NOMEM;
    }
    return LLM_OK;
}

const char *const *llm_chat_stop_strings(const llm_chat_format *f)
{
    static const char *const plain[] = {"\nUser:", NULL};
    static const char *const none[] = {NULL};
    return f && f->kind == LLM_CHAT_PLAIN ? plain : none;
}

int llm_chat_prompt(const llm_model *m, const char *system, const char *user, char **out, char *warn,
                    size_t warnlen)
{
    llm_chat_format f;
    llm_chat_format_detect(m ? llm_model_chat_template(m) : NULL, &f, warn, warnlen);
    llm_chat_message msgs[2];
    int n = 0;
    if (system && system[0])
        msgs[n++] = (llm_chat_message){"system", system};
    msgs[n++] = (llm_chat_message){"user", user ? user : ""};
    char err[128];
    return llm_chat_render(&f, msgs, n, 1, out, err, sizeof err);
}
