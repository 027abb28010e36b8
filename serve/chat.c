/* chat.c — turning a request into the prompt text the model continues.
 *
 * serve_chat_prompt: a Modelfile TEMPLATE renders each user turn (Ollama's pre-.Messages
 * templates worked so); without one, the model's own chat format from its GGUF
 * (llm/chat/: ChatML, Llama 3, Gemma, Phi-3), else a plain role-tagged transcript. */
#include "serve/internal.h"
#include "llm/chat/chat.h"
#include "base/strbuf.h"

#include <stdlib.h>
#include <string.h>

int serve_generate_prompt(const llm_modelfile *mf, const char *system, const char *prompt,
                          int raw, char **out, char *err, size_t errlen)
{
    *out = NULL;
    const char *sys = system ? system : mf->system;
    if (raw || (!mf->template_text && !sys)) {
        *out = strdup(prompt);
        return *out ? 0 : -1;
    }
    if (mf->template_text)
        return llm_template_render(mf->template_text, sys, prompt, NULL, 1, out, err, errlen)
                   ? -1 : 0;
    /* no TEMPLATE: a base model takes plain text, SYSTEM goes in front (as `so8t run`) */
    so8t_strbuf b = {0};
    so8t_strbuf_add(&b, "%s\n\n%s", sys, prompt);
    *out = so8t_strbuf_take(&b);
    return *out ? 0 : -1;
}

/* The model's own chat format (llm/chat/), recognised from the GGUF's tokenizer.chat_template
 * (read through a fresh mapping: the model may not be loaded yet). Returns 1 and sets *f when
 * the template is recognised; 0 when the file has none or an unknown one. */
static int model_chat_format(const llm_modelfile *mf, llm_chat_format *f)
{
    if (!mf->model_path)
        return 0;
    llm_gguf *g = NULL;
    char e[256];
    if (llm_gguf_open(mf->model_path, &g, e, sizeof e))
        return 0;
    const char *t = NULL;
    uint64_t len = 0;
    int ok = 0;
    if (!llm_gguf_get_str(g, "tokenizer.chat_template", &t, &len, e, sizeof e) && len < (1u << 24)) {
        char *tmpl = malloc(len + 1);
        if (tmpl) {
            memcpy(tmpl, t, len);
            tmpl[len] = 0;
            ok = llm_chat_format_detect(tmpl, f, NULL, 0);
            free(tmpl);
        }
    }
    llm_gguf_close(g);
    return ok;
}

/* Messages in the model's own format: tool results are shown to it as user turns, the
 * Modelfile's SYSTEM when the request has no system message. */
static int render_model_format(const llm_chat_format *f, const llm_modelfile *mf,
                               const serve_message *msgs, int n, char **out, char *err, size_t errlen)
{
    llm_chat_message *cm = calloc((size_t)n + 1, sizeof *cm);
    if (!cm)
        return -1;
    int k = 0, has_system = 0;
    for (int i = 0; i < n; i++)
        has_system |= !strcmp(msgs[i].role, "system");
    if (!has_system && mf->system && *mf->system)
        cm[k++] = (llm_chat_message){"system", mf->system};
    for (int i = 0; i < n; i++)
        cm[k++] = (llm_chat_message){strcmp(msgs[i].role, "tool") ? msgs[i].role : "user", msgs[i].content};
    int rc = llm_chat_render(f, cm, k, 1, out, err, errlen) ? -1 : 0;
    free(cm);
    return rc;
}

int serve_chat_prompt(const llm_modelfile *mf, const serve_message *msgs, int n, char **out,
                      char *err, size_t errlen)
{
    *out = NULL;
    llm_chat_format fmt;
    if (!mf->template_text && model_chat_format(mf, &fmt))
        return render_model_format(&fmt, mf, msgs, n, out, err, errlen);
    so8t_strbuf b = {0};
    so8t_strbuf_put(&b, "", 0);
    /* the system text: the last system message, else the Modelfile's SYSTEM */
    const char *sys = mf->system;
    for (int i = 0; i < n; i++)
        if (!strcmp(msgs[i].role, "system"))
            sys = msgs[i].content;
    if (mf->template_text) {
        int first = 1;
        for (int i = 0; i < n; i++) {
            if (strcmp(msgs[i].role, "user") && strcmp(msgs[i].role, "tool"))
                continue;
            const char *reply = NULL; /* the assistant's answer to this turn, if any */
            int last = 1;
            for (int k = i + 1; k < n; k++) {
                if (!strcmp(msgs[k].role, "assistant") && !reply)
                    reply = msgs[k].content;
                if (!strcmp(msgs[k].role, "user") || !strcmp(msgs[k].role, "tool")) {
                    last = 0;
                    break;
                }
            }
            char *turn = NULL;
            if (llm_template_render(mf->template_text, first ? sys : NULL, msgs[i].content,
                                    last ? NULL : reply, last, &turn, err, errlen)) {
                free(b.p);
                return -1;
            }
            so8t_strbuf_add(&b, "%s", turn);
            free(turn);
            first = 0;
        }
    } else {
        if (sys && *sys)
            so8t_strbuf_add(&b, "system: %s\n", sys);
        for (int i = 0; i < n; i++)
            if (strcmp(msgs[i].role, "system"))
                so8t_strbuf_add(&b, "%s: %s\n", msgs[i].role, msgs[i].content);
        so8t_strbuf_add(&b, "assistant:");
    }
    if (b.oom) {
        free(b.p);
        return -1;
    }
    *out = so8t_strbuf_take(&b);
    return 0;
}
