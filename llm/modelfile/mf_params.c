/* mf_params.c — the PARAMETER table of Modelfiles (Ollama's api.Options names, types and
 * the names it dropped), value parsing as Go's strconv does it, and applying the values to
 * llm_params. */
#include "llm/modelfile/modelfile.h"
#include "llm/modelfile/mf_internal.h"
#include "base/err.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* ---- the parameter table ---- */

typedef struct {
    const char *name;
    llm_mf_type type;
    int ignored;     /* accepted for compatibility only; warn "no effect" */
    double lo, hi;   /* allowed range (ints and floats) */
} param_spec;

#define I32 2147483647.0
static const param_spec param_specs[] = {
    {"num_ctx", LLM_MF_INT, 0, 0, 16777216},
    {"num_batch", LLM_MF_INT, 1, 0, I32},
    {"num_gpu", LLM_MF_INT, 0, -1, I32},  /* llm_model_offload: layers on the GPU */
    {"main_gpu", LLM_MF_INT, 0, 0, 1024}, /* llm_model_offload: the CUDA device */
    {"use_mmap", LLM_MF_BOOL, 0, 0, 1},  /* false: weights copied (llm_model_set_memory) */
    {"use_mlock", LLM_MF_BOOL, 0, 0, 1}, /* true: weights locked in RAM */
    {"num_thread", LLM_MF_INT, 0, 0, 4096},
    {"num_keep", LLM_MF_INT, 1, -1, I32},
    {"seed", LLM_MF_INT, 0, -9.2233720368547758e18, 9.2233720368547758e18},
    {"num_predict", LLM_MF_INT, 0, -2, I32},
    {"top_k", LLM_MF_INT, 0, -1, I32},
    {"top_p", LLM_MF_FLOAT, 0, 0, 1},
    {"min_p", LLM_MF_FLOAT, 0, 0, 1},
    {"typical_p", LLM_MF_FLOAT, 0, 0, 1},
    {"repeat_last_n", LLM_MF_INT, 0, -1, I32},
    {"temperature", LLM_MF_FLOAT, 0, 0, 1e6},
    {"repeat_penalty", LLM_MF_FLOAT, 0, 0, 1e6},
    {"presence_penalty", LLM_MF_FLOAT, 0, -1e6, 1e6},
    {"frequency_penalty", LLM_MF_FLOAT, 0, -1e6, 1e6},
    {"stop", LLM_MF_STRING, 0, 0, 0},
    {"mirostat", LLM_MF_INT, 0, 0, 2},
    {"mirostat_eta", LLM_MF_FLOAT, 0, 0, 1e6},
    {"mirostat_tau", LLM_MF_FLOAT, 0, 0, 1e6},
    {"penalize_newline", LLM_MF_BOOL, 1, 0, 1},
    {"numa", LLM_MF_BOOL, 1, 0, 1},
    /* Dropped by Ollama long ago; still accepted here so old Modelfiles load. */
    {"tfs_z", LLM_MF_FLOAT, 1, -1e6, 1e6},
    {"low_vram", LLM_MF_BOOL, 1, 0, 1},
    {"f16_kv", LLM_MF_BOOL, 1, 0, 1},
    {"logits_all", LLM_MF_BOOL, 1, 0, 1},
    {"vocab_only", LLM_MF_BOOL, 1, 0, 1},
};
#define N_PARAM_SPECS (sizeof param_specs / sizeof param_specs[0])

static const param_spec *spec_find(const char *name)
{
    for (size_t i = 0; i < N_PARAM_SPECS; i++)
        if (!strcmp(param_specs[i].name, name))
            return &param_specs[i];
    return NULL;
}

int llm_modelfile_param_is_ignored(const char *name)
{
    const param_spec *sp = name ? spec_find(name) : NULL;
    return sp ? sp->ignored : -1;
}


int llm_modelfile_apply(llm_modelfile *mf, llm_params *p, char *note, size_t notelen)
{
    if (note && notelen)
        note[0] = '\0';
    if (!mf || !p)
        return LLM_MF_OK;
    int n_stop = 0;
    for (int i = 0; i < mf->n_params; i++) {
        const llm_modelfile_param *q = &mf->params[i];
        const char *n = q->name;
        float f = (float)q->f;
        int iv = q->i > 2147483647 ? 2147483647 : q->i < -2147483647 ? -2147483647 : (int)q->i;
        if (!strcmp(n, "num_ctx"))
            p->num_ctx = iv;
        else if (!strcmp(n, "num_thread"))
            p->num_thread = iv;
        else if (!strcmp(n, "seed"))
            p->seed = (uint64_t)q->i;
        else if (!strcmp(n, "num_predict"))
            p->num_predict = iv < 0 ? -1 : iv;
        else if (!strcmp(n, "top_k"))
            p->top_k = iv;
        else if (!strcmp(n, "top_p"))
            p->top_p = f;
        else if (!strcmp(n, "min_p"))
            p->min_p = f;
        else if (!strcmp(n, "typical_p"))
            p->typical_p = f;
        else if (!strcmp(n, "repeat_last_n"))
            p->repeat_last_n = iv;
        else if (!strcmp(n, "temperature"))
            p->temperature = f;
        else if (!strcmp(n, "repeat_penalty"))
            p->repeat_penalty = f;
        else if (!strcmp(n, "presence_penalty"))
            p->presence_penalty = f;
        else if (!strcmp(n, "frequency_penalty"))
            p->frequency_penalty = f;
        else if (!strcmp(n, "mirostat"))
            p->mirostat = iv;
        else if (!strcmp(n, "mirostat_tau"))
            p->mirostat_tau = f;
        else if (!strcmp(n, "mirostat_eta"))
            p->mirostat_eta = f;
        else if (!strcmp(n, "stop"))
            n_stop++;
        /* num_gpu and main_gpu are not llm_params: the caller passes them to
           llm_model_offload after loading (llm_modelfile_param_find) */
    }
    if (n_stop > 0) {
        free(mf->stop_list);
        mf->stop_list = malloc((size_t)n_stop * sizeof *mf->stop_list);
        mf->n_stop_list = 0;
        if (!mf->stop_list)
            return LLM_MF_ERR_NOMEM;
        for (int i = 0; i < mf->n_params; i++)
            if (!strcmp(mf->params[i].name, "stop"))
                mf->stop_list[mf->n_stop_list++] = mf->params[i].s;
        p->stop = mf->stop_list;
        p->n_stop = mf->n_stop_list;
    }
    return LLM_MF_OK;
}


/* ---- parameter values ---- */

static int parse_bool_go(const char *s, int *out)
{
    static const char *t[] = {"1", "t", "T", "TRUE", "true", "True"};
    static const char *f[] = {"0", "f", "F", "FALSE", "false", "False"};
    for (size_t i = 0; i < 6; i++) {
        if (!strcmp(s, t[i])) {
            *out = 1;
            return 0;
        }
        if (!strcmp(s, f[i])) {
            *out = 0;
            return 0;
        }
    }
    return -1;
}

static int parse_int64(const char *s, int64_t *out)
{
    if (!*s || isspace((unsigned char)*s))
        return -1;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end || errno == ERANGE)
        return -1;
    *out = (int64_t)v;
    return 0;
}

static int parse_double(const char *s, double *out)
{
    if (!*s || isspace((unsigned char)*s))
        return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno == ERANGE || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

static int add_param(llm_modelfile *mf, const char *src, int line, const char *name,
                     const char *value, char *err, size_t errlen)
{
    const param_spec *sp = spec_find(name);
    char ex[64];
    if (!sp) {
        /* Ollama matches parameter names exactly; say so when only the case differs. */
        for (size_t i = 0; i < N_PARAM_SPECS; i++)
            if (!strcasecmp(param_specs[i].name, name)) {
                so8t_err_set(err, errlen, "%s:%d: unknown parameter '%s' (did you mean '%s'?)", src,
                        line, name, param_specs[i].name);
                return LLM_MF_ERR_PARAM;
            }
        so8t_err_set(err, errlen, "%s:%d: unknown parameter '%s'", src, line, name);
        return LLM_MF_ERR_PARAM;
    }
    llm_modelfile_param p;
    memset(&p, 0, sizeof p);
    p.name = sp->name;
    p.type = sp->type;
    p.line = line;
    llm_mf_excerpt(value, ex, sizeof ex);
    switch (sp->type) {
    case LLM_MF_INT:
        if (parse_int64(value, &p.i)) {
            so8t_err_set(err, errlen, "%s:%d: PARAMETER %s: invalid int value '%s'", src, line,
                    sp->name, ex);
            return LLM_MF_ERR_PARAM;
        }
        if ((double)p.i < sp->lo || (double)p.i > sp->hi) {
            so8t_err_set(err, errlen, "%s:%d: PARAMETER %s: %s is out of range [%.0f, %.0f]", src,
                    line, sp->name, ex, sp->lo, sp->hi);
            return LLM_MF_ERR_PARAM;
        }
        break;
    case LLM_MF_FLOAT:
        if (parse_double(value, &p.f)) {
            so8t_err_set(err, errlen, "%s:%d: PARAMETER %s: invalid float value '%s'", src, line,
                    sp->name, ex);
            return LLM_MF_ERR_PARAM;
        }
        if (p.f < sp->lo || p.f > sp->hi) {
            so8t_err_set(err, errlen, "%s:%d: PARAMETER %s: %s is out of range [%g, %g]", src, line,
                    sp->name, ex, sp->lo, sp->hi);
            return LLM_MF_ERR_PARAM;
        }
        break;
    case LLM_MF_BOOL:
        if (parse_bool_go(value, &p.b)) {
            so8t_err_set(err, errlen, "%s:%d: PARAMETER %s: invalid bool value '%s' (use true or false)",
                    src, line, sp->name, ex);
            return LLM_MF_ERR_PARAM;
        }
        break;
    case LLM_MF_STRING:
        if (!*value) {
            so8t_err_set(err, errlen, "%s:%d: PARAMETER %s: empty value", src, line, sp->name);
            return LLM_MF_ERR_PARAM;
        }
        p.s = llm_mf_dup_n(value, strlen(value));
        if (!p.s)
            return LLM_MF_ERR_NOMEM;
        break;
    }
    llm_modelfile_param *a = realloc(mf->params, ((size_t)mf->n_params + 1) * sizeof *a);
    if (!a) {
        free(p.s);
        return LLM_MF_ERR_NOMEM;
    }
    mf->params = a;
    mf->params[mf->n_params++] = p;
    if (sp->ignored) {
        /* One warning per parameter name, however often it repeats. */
        int seen = 0;
        for (int i = 0; i < mf->n_params - 1; i++)
            if (mf->params[i].name == sp->name)
                seen = 1;
        if (!seen) {
            char *w = llm_mf_dup_printf("%s:%d: warning: parameter '%s' has no effect in so8t "
                                 "(accepted for compatibility with Ollama Modelfiles)",
                                 src, line, sp->name);
            if (!w || llm_mf_push_ptr(&mf->warnings, &mf->n_warnings, w)) {
                free(w);
                return LLM_MF_ERR_NOMEM;
            }
        }
    }
    return LLM_MF_OK;
}

int llm_modelfile_param_add(llm_modelfile *mf, const char *source, int line, const char *name,
                            const char *value, char *err, size_t errlen)
{
    if (!mf || !name || !value) {
        so8t_err_set(err, errlen, "%s: no parameter", source ? source : "Modelfile");
        return LLM_MF_ERR_PARAM;
    }
    return add_param(mf, source ? source : "Modelfile", line, name, value, err, errlen);
}

