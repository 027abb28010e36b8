/* explain.c — so8t results in plain words (see explain.h for the pipeline and
 * explain/explain_internal.h for the files of each step): this file runs the attempts —
 * the prompt to the model through llm/'s public API and its one decode loop, the text
 * tidied, its cited facts substituted, every number checked — and falls back to the
 * template with the reason when no attempt passes.
 */
#include "explain/explain_internal.h"
#include "base/err.h"
#include "base/threads.h"
#include "llm/llm.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Cleans a generated text in place: cuts at the next "Facts:" block or blank line, drops
 * control characters, keeps at most 6 sentences and ends at the last full sentence.
 * Returns the number of sentences kept. */
static int tidy_text(char *s)
{
    static const char *cuts[] = {"\n\n", "Facts:", "Explanation:", "<end_of_turn>",
                                 "<|im_end|>", "<start_of_turn>"};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        char *p = strstr(s, cuts[i]);
        if (p)
            *p = '\0';
    }
    size_t j = 0;
    for (size_t i = 0; s[i]; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n' || c == '\t' || c == '\r')
            c = ' ';
        if (c < 0x20 || c == 0x7f)
            continue;
        if (c == ' ' && (j == 0 || s[j - 1] == ' '))
            continue;
        s[j++] = (char)c;
    }
    s[j] = '\0';
    /* sentence ends */
    int n = 0;
    size_t last_end = 0;
    for (size_t i = 0; s[i]; i++) {
        if ((s[i] == '.' || s[i] == '!' || s[i] == '?') &&
            (s[i + 1] == '\0' || s[i + 1] == ' ')) {
            n++;
            last_end = i + 1;
            if (n == 6)
                break;
        }
    }
    s[last_end] = '\0';
    while (last_end > 0 && s[last_end - 1] == ' ')
        s[--last_end] = '\0';
    return n;
}

/* The model behind the explanation: llm/'s decode loop (llm_generate) with the
 * explanation's limits. The stop strings are "\n\n" and "Facts:" (the end of one answer,
 * the start of an invented next example) plus a Modelfile's own. */
typedef struct {
    llm_model *model;
    llm_params params;
    const char **stops; /* "\n\n", "Facts:", then params.stop's strings */
} model_gen;

static void model_gen_free(model_gen *g)
{
    if (g->model)
        llm_model_free(g->model);
    free(g->stops);
    memset(g, 0, sizeof *g);
}

/* Sets g->params.stop to the explanation's stops followed by the ones already there. */
static int model_gen_set_stops(model_gen *g)
{
    int n = g->params.n_stop > 0 && g->params.stop ? g->params.n_stop : 0;
    g->stops = malloc((size_t)(n + 2) * sizeof *g->stops);
    if (!g->stops)
        return LLM_ERR_NOMEM;
    g->stops[0] = "\n\n";
    g->stops[1] = "Facts:";
    int k = 2;
    for (int i = 0; i < n; i++)
        if (g->params.stop[i] && g->params.stop[i][0])
            g->stops[k++] = g->params.stop[i];
    g->params.stop = g->stops;
    g->params.n_stop = k;
    return LLM_OK;
}

static int model_generate(void *user, const char *prompt, uint64_t seed, char **text,
                          char *err, size_t errlen)
{
    model_gen *g = user;
    llm_params p = g->params;
    p.seed = seed;
    if (p.num_predict <= 0)
        p.num_predict = 160;
    if (p.num_thread <= 0)
        p.num_thread = so8t_threads_default(); /* OMP_NUM_THREADS, capped */
    /* A prompt that leaves no room for an answer is an error, not an empty text. */
    const int n_ctx = llm_model_n_ctx(g->model);
    int n = llm_tokenize(g->model, prompt, -1, 1, NULL, 0);
    if (n <= 0) {
        so8t_err_set(err, errlen, "the prompt could not be tokenized");
        return n < 0 ? n : LLM_ERR_INVAL;
    }
    if (n + 8 >= n_ctx) {
        so8t_err_set(err, errlen, "the prompt has %d tokens; the context holds %d", n, n_ctx);
        return LLM_ERR_CTX;
    }
    llm_generation gen;
    int rc = llm_generate(g->model, prompt, &p, NULL, NULL, &gen, err, errlen);
    if (rc) {
        llm_generation_free(&gen);
        return rc;
    }
    *text = gen.text;
    gen.text = NULL;
    llm_generation_free(&gen);
    return *text ? LLM_OK : LLM_ERR_NOMEM;
}

void llm_explain_options_default(llm_explain_options *o)
{
    *o = (llm_explain_options){.seed = 1, .max_attempts = 3, .num_predict = 160,
                               .num_gpu = LLM_EXPLAIN_GPU_UNSET, .main_gpu = -1};
}

void llm_explanation_free(llm_explanation *e)
{
    if (!e)
        return;
    free(e->text);
    free(e->model);
    free(e->reason);
    for (int i = 0; i < e->n_unverified; i++)
        free(e->unverified[i]);
    free(e->unverified);
    for (int k = 0; k < e->n_attempts; k++) {
        llm_explain_attempt *a = &e->attempts[k];
        free(a->text);
        for (int i = 0; i < a->n_unverified; i++)
            free(a->unverified[i]);
        free(a->unverified);
        for (int i = 0; i < a->n_contradictions; i++)
            free(a->contradictions[i]);
        free(a->contradictions);
        free(a->problem);
    }
    free(e->attempts);
    free(e->facts);
    free(e->prompt);
    memset(e, 0, sizeof *e);
}

static int file_exists(const char *p)
{
    struct stat st;
    return p && stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

int llm_explain_default_model(char *buf, size_t len)
{
    static const char *rel = "models/gemma-3-270m-q4_k_m.gguf";
    const char *env = getenv("SO8T_MODEL");
    if (!buf || len == 0)
        return 0;
    if (env && *env) {
        snprintf(buf, len, "%s", env);
        return 1;
    }
    if (file_exists(rel)) {
        snprintf(buf, len, "%s", rel);
        return 1;
    }
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *s = strrchr(exe, '/');
        if (s) {
            *s = '\0';
            s = strrchr(exe, '/');
            if (s) {
                *s = '\0';
                char cand[4200];
                snprintf(cand, sizeof cand, "%s/%s", exe, rel);
                if (file_exists(cand) && strlen(cand) < len) {
                    snprintf(buf, len, "%s", cand);
                    return 1;
                }
            }
        }
    }
    return 0;
}

/* Moves the check report's lists into the attempt. */
static void take_report(llm_explain_attempt *a, llm_check_report *r)
{
    a->unverified = r->unverified;
    a->n_unverified = r->n_unverified;
    a->contradictions = r->contradictions;
    a->n_contradictions = r->n_contradictions;
    r->unverified = r->contradictions = NULL;
    r->n_unverified = r->n_contradictions = 0;
}

static int prepare(const char *json_text, cJSON **root, explain_result *ri, char **facts,
                   char **tmpl, explain_dvec *allowed, char *err, size_t errlen)
{
    int rc = explain_result_read(json_text, root, ri, err, errlen);
    if (rc)
        return rc;
    so8t_strbuf f = {0}, t = {0};
    explain_facts_build(&f, ri);
    explain_template_build(&t, ri);
    *facts = so8t_strbuf_take(&f);
    *tmpl = so8t_strbuf_take(&t);
    if (!*facts || !*tmpl) {
        free(*facts);
        free(*tmpl);
        cJSON_Delete(*root);
        return LLM_ERR_NOMEM;
    }
    if (allowed) {
        explain_allowed_build(allowed, *root, ri, *facts);
        if (allowed->oom) {
            free(*facts);
            free(*tmpl);
            cJSON_Delete(*root);
            return LLM_ERR_NOMEM;
        }
    }
    return LLM_OK;
}

int llm_explain_template(const char *json_text, char **text, char **facts, char *err,
                         size_t errlen)
{
    cJSON *root;
    explain_result ri;
    char *f = NULL, *t = NULL;
    if (!text) {
        so8t_err_set(err, errlen, "no output pointer");
        return LLM_ERR_INVAL;
    }
    *text = NULL;
    int rc = prepare(json_text, &root, &ri, &f, &t, NULL, err, errlen);
    if (rc)
        return rc;
    cJSON_Delete(root);
    *text = t;
    if (facts)
        *facts = f;
    else
        free(f);
    return LLM_OK;
}

int llm_explain_allowed_numbers(const char *json_text, double **vals, char *err, size_t errlen)
{
    cJSON *root;
    explain_result ri;
    char *f = NULL, *t = NULL;
    explain_dvec d = {0};
    *vals = NULL;
    int rc = prepare(json_text, &root, &ri, &f, &t, &d, err, errlen);
    if (rc)
        return rc;
    cJSON_Delete(root);
    free(f);
    free(t);
    *vals = d.v;
    return d.n;
}

static int set_fallback(llm_explanation *out, const char *tmpl, const char *reason)
{
    so8t_strbuf b = {0};
    so8t_strbuf_add(&b, "%s\n(No language model was used: %s.)", tmpl, reason);
    out->text = so8t_strbuf_take(&b);
    out->fallback = 1;
    out->reason = so8t_strdup(reason);
    free(out->model);
    out->model = NULL;
    return out->text && out->reason ? LLM_OK : LLM_ERR_NOMEM;
}

int llm_explain_result_json(const char *json_text, const llm_explain_options *opt_in,
                            llm_explanation *out, char *err, size_t errlen)
{
    if (!out) {
        so8t_err_set(err, errlen, "no output struct");
        return LLM_ERR_INVAL;
    }
    memset(out, 0, sizeof *out);
    llm_explain_options opt;
    if (opt_in)
        opt = *opt_in;
    else
        llm_explain_options_default(&opt);
    if (opt.max_attempts <= 0)
        opt.max_attempts = 3;
    if (opt.max_attempts > 50)
        opt.max_attempts = 50;
    if (opt.num_predict <= 0)
        opt.num_predict = 160;

    cJSON *root;
    explain_result ri;
    char *facts = NULL, *tmpl = NULL;
    explain_dvec allowed = {0};
    int rc = prepare(json_text, &root, &ri, &facts, &tmpl, &allowed, err, errlen);
    if (rc)
        return rc;
    cJSON_Delete(root);
    out->kind = ri.kind;
    out->facts = facts;

    const llm_modelfile *mf = opt.modelfile;
    const char *path = mf && mf->model_path ? mf->model_path : opt.model_path;
    int forced_none = path && !strcmp(path, "none");
    if (forced_none)
        path = NULL;

    model_gen mg;
    memset(&mg, 0, sizeof mg);
    llm_explain_generate_fn gen = opt.generate;
    void *gen_user = opt.generate_user;
    explain_prompt_style style = EXPLAIN_STYLE_COMPLETION;
    llm_chat_format chat;
    memset(&chat, 0, sizeof chat);
    char reason[1024];
    reason[0] = '\0';
    const char *model_name = opt.generate ? (opt.generator_name ? opt.generator_name
                                                                : "custom generator")
                                          : path;

    if (!gen) {
        if (forced_none) {
            snprintf(reason, sizeof reason, "the template was asked for (model 'none')");
        } else if (!path) {
            snprintf(reason, sizeof reason,
                     "no model given; use --model F.gguf, set SO8T_MODEL or run 'make model'");
        } else if (!file_exists(path)) {
            struct stat st;
            int there = stat(path, &st) == 0;
            snprintf(reason, sizeof reason, "the model file %.800s %s%s", path,
                     !there               ? "does not exist"
                     : S_ISDIR(st.st_mode) ? "is a directory, not a GGUF file"
                                           : "is not a regular file",
                     mf    ? " (Modelfile FROM must name a GGUF file; Ollama model names are not "
                             "supported)"
                     : !there ? " (run 'make model' to fetch the default one)"
                              : "");
        } else {
            char lerr[512] = "";
            llm_params_default(&mg.params);
            int num_ctx = 2048;
            if (mf) {
                const llm_modelfile_param *nc = llm_modelfile_param_find(mf, "num_ctx");
                if (nc)
                    num_ctx = (int)nc->i;
            }
            int lrc = llm_model_load(path, num_ctx, &mg.model, lerr, sizeof lerr);
            /* num_gpu / main_gpu: the option, else the Modelfile's, else the CPU; without a
               GPU 0 layers and a note (never an error); one that does not fit: the template */
            const llm_modelfile_param *ng = mf ? llm_modelfile_param_find(mf, "num_gpu") : NULL;
            const llm_modelfile_param *dg = mf ? llm_modelfile_param_find(mf, "main_gpu") : NULL;
            out->num_gpu = opt.num_gpu != LLM_EXPLAIN_GPU_UNSET ? opt.num_gpu : ng ? (int)ng->i : 0;
            const int main_gpu = opt.main_gpu >= 0 ? opt.main_gpu : dg ? (int)dg->i : 0;
            if (lrc == LLM_OK && out->num_gpu != 0)
                lrc = llm_model_offload(mg.model, out->num_gpu, main_gpu, lerr, sizeof lerr);
            llm_model_gpu_status(lrc == LLM_OK ? mg.model : NULL, &out->gpu);
            if (lrc) {
                snprintf(reason, sizeof reason, "the model %.400s could not be loaded: %.500s",
                         path, lerr);
            } else {
                /* Grounded text wants little randomness; a Modelfile may override. */
                mg.params.temperature = 0.3f;
                mg.params.top_k = 40;
                mg.params.top_p = 0.9f;
                mg.params.repeat_penalty = 1.05f;
                mg.params.num_predict = opt.num_predict;
                mg.params.num_thread = opt.num_thread;
                if (mf)
                    llm_modelfile_apply((llm_modelfile *)mf, &mg.params, NULL, 0);
                if (opt.num_thread > 0)
                    mg.params.num_thread = opt.num_thread;
                if (model_gen_set_stops(&mg)) {
                    rc = LLM_ERR_NOMEM;
                    goto done;
                }
                gen = model_generate;
                gen_user = &mg;
                /* an instruct model (one with a chat template we recognise) is asked in its
                 * own chat format; an unknown template falls back to the completion prompt */
                if (llm_chat_format_detect(llm_model_chat_template(mg.model), &chat, NULL, 0))
                    style = EXPLAIN_STYLE_CHAT;
            }
        }
    }
    if (gen && mf && mf->template_text)
        style = EXPLAIN_STYLE_MODELFILE;

    if (gen) {
        out->prompt = explain_prompt_build(style, &chat, mf, ri.kind, facts);
        if (!out->prompt) {
            rc = LLM_ERR_NOMEM;
            goto done;
        }
        out->attempts = calloc((size_t)opt.max_attempts, sizeof *out->attempts);
        if (!out->attempts) {
            rc = LLM_ERR_NOMEM;
            goto done;
        }
        int accepted = -1;
        for (int k = 0; k < opt.max_attempts && accepted < 0; k++) {
            llm_explain_attempt *a = &out->attempts[out->n_attempts++];
            a->seed = opt.seed + (uint64_t)k;
            char gerr[512] = "";
            char *text = NULL;
            int grc = gen(gen_user, out->prompt, a->seed, &text, gerr, sizeof gerr);
            if (grc || !text) {
                free(text);
                so8t_strbuf pb = {0};
                so8t_strbuf_add(&pb, "generation failed: %s", gerr[0] ? gerr : "no text");
                a->problem = so8t_strbuf_take(&pb);
                break; /* a runner error will not go away with another seed */
            }
            int n_sent = tidy_text(text);
            char unknown[200];
            char *sub = explain_facts_substitute(text, facts, unknown, sizeof unknown);
            free(text);
            if (!sub) {
                rc = LLM_ERR_NOMEM;
                goto done;
            }
            text = sub;
            a->text = text;
            llm_check_report rep;
            if (llm_text_check(text, allowed.v, allowed.n, &ri.yn, &rep)) {
                rc = LLM_ERR_NOMEM;
                goto done;
            }
            take_report(a, &rep);
            llm_check_report_free(&rep);
            if (n_sent < 2)
                a->problem = so8t_strdup(n_sent == 0 ? "no complete sentence"
                                                 : "only one sentence");
            else if (unknown[0]) {
                a->problem = so8t_strdup(unknown);
            }
            if (!a->problem && a->n_unverified == 0 && a->n_contradictions == 0)
                accepted = k;
            /* Greedy decoding gives the same text for every seed. */
            if (accepted < 0 && mg.model && mg.params.temperature <= 0)
                break;
        }
        if (accepted >= 0) {
            out->text = so8t_strdup(out->attempts[accepted].text);
            out->model = so8t_strdup(model_name);
            if (!out->text || !out->model)
                rc = LLM_ERR_NOMEM;
            goto done;
        }
        /* Say why, with the first problem found. */
        const llm_explain_attempt *a = &out->attempts[out->n_attempts - 1];
        if (a->problem && !a->text)
            snprintf(reason, sizeof reason, "the model %.300s failed: %.600s", model_name,
                     a->problem);
        else {
            int n = out->n_attempts;
            const llm_explain_attempt *w = NULL;
            for (int k = 0; k < n && !w; k++)
                if (out->attempts[k].n_unverified || out->attempts[k].n_contradictions)
                    w = &out->attempts[k];
            if (w && w->n_unverified)
                snprintf(reason, sizeof reason,
                         "the model's text failed the check %d time%s (for example it wrote "
                         "'%.60s', which is not in the result)",
                         n, n == 1 ? "" : "s", w->unverified[0]);
            else if (w)
                snprintf(reason, sizeof reason,
                         "the model's text failed the check %d time%s (for example '%.150s' "
                         "contradicts the result)",
                         n, n == 1 ? "" : "s", w->contradictions[0]);
            else
                snprintf(reason, sizeof reason,
                         "the model's text failed the check %d time%s (%.100s)", n,
                         n == 1 ? "" : "s", a->problem ? a->problem : "rejected");
        }
    }
    rc = set_fallback(out, tmpl, reason);
done:
    model_gen_free(&mg);
    /* unverified numbers of the final text: none for the template (it is built from the
     * facts), and none for an accepted model text (it passed the check). */
    free(tmpl);
    free(allowed.v);
    if (rc)
        llm_explanation_free(out);
    return rc;
}
