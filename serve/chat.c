/* chat.c — turning a request into the prompt text the model continues.
 *
 * serve_chat_prompt is the one function to point at llm/chat/'s chat templates when they
 * exist (the tokenizer engineer is adding them); until then a Modelfile TEMPLATE renders
 * each user turn (Ollama's pre-.Messages templates worked so), else a plain transcript. */
#include "serve/internal.h"
#include "llm/strbuf.h"

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
    llm_strbuf b = {0};
    llm_strbuf_add(&b, "%s\n\n%s", sys, prompt);
    *out = llm_strbuf_take(&b);
    return *out ? 0 : -1;
}

int serve_chat_prompt(const llm_modelfile *mf, const serve_message *msgs, int n, char **out,
                      char *err, size_t errlen)
{
    *out = NULL;
    llm_strbuf b = {0};
    llm_strbuf_put(&b, "", 0);
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
            llm_strbuf_add(&b, "%s", turn);
            free(turn);
            first = 0;
        }
    } else {
        if (sys && *sys)
            llm_strbuf_add(&b, "system: %s\n", sys);
        for (int i = 0; i < n; i++)
            if (strcmp(msgs[i].role, "system"))
                llm_strbuf_add(&b, "%s: %s\n", msgs[i].role, msgs[i].content);
        llm_strbuf_add(&b, "assistant:");
    }
    if (b.oom) {
        free(b.p);
        return -1;
    }
    *out = llm_strbuf_take(&b);
    return 0;
}
