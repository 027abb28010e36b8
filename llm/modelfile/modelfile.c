/* modelfile.c — Ollama-compatible Modelfile parser and the Go-template subset (see
 * modelfile.h for the accepted format). The lexical rules follow Ollama's parser/parser.go:
 * instruction names are letters only and case-insensitive, parameter names are
 * [A-Za-z0-9_]+ and matched exactly, values are the trimmed rest of the line unless they
 * start with a quote. Every error names the source and line. */
#include "llm/modelfile/modelfile.h"
#include "so8t_err.h"
#include "llm/strbuf.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define MF_MAX_BYTES (1u << 20)

const char *llm_modelfile_strerror(int status)
{
    switch (status) {
    case LLM_MF_OK: return "ok";
    case LLM_MF_ERR_SYNTAX: return "malformed Modelfile";
    case LLM_MF_ERR_PARAM: return "bad parameter";
    case LLM_MF_ERR_UNSUPPORTED: return "not supported";
    case LLM_MF_ERR_IO: return "cannot read file";
    case LLM_MF_ERR_NOMEM: return "out of memory";
    default: return "unknown error";
    }
}

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
    {"num_gpu", LLM_MF_INT, 0, -1, I32},
    {"main_gpu", LLM_MF_INT, 1, 0, 1024},
    {"use_mmap", LLM_MF_BOOL, 1, 0, 1}, /* the runner always maps the file */
    {"use_mlock", LLM_MF_BOOL, 1, 0, 1},
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

/* ---- small helpers ---- */

static char *dup_n(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

static char *dup_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *dup_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *p = malloc((size_t)n + 1);
    if (!p)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

/* Grows a pointer array by one slot; returns 0 or -1. */
static int push_ptr(char ***arr, int *n, char *p)
{
    char **a = realloc(*arr, ((size_t)*n + 1) * sizeof **arr);
    if (!a)
        return -1;
    a[*n] = p;
    *arr = a;
    (*n)++;
    return 0;
}

/* A short, printable excerpt of a value for messages (hostile input: no control bytes). */
static void excerpt(const char *s, char *buf, size_t cap)
{
    size_t j = 0;
    for (size_t i = 0; s[i] && j + 4 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        buf[j++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
        if (i >= 40) {
            buf[j++] = '.';
            buf[j++] = '.';
            buf[j++] = '.';
            break;
        }
    }
    buf[j] = '\0';
}

void llm_modelfile_free(llm_modelfile *mf)
{
    if (!mf)
        return;
    free(mf->from);
    free(mf->model_path);
    free(mf->system);
    free(mf->template_text);
    for (int i = 0; i < mf->n_licenses; i++)
        free(mf->licenses[i]);
    free(mf->licenses);
    for (int i = 0; i < mf->n_messages; i++) {
        free(mf->messages[i].role);
        free(mf->messages[i].content);
    }
    free(mf->messages);
    for (int i = 0; i < mf->n_params; i++)
        free(mf->params[i].s);
    free(mf->params);
    for (int i = 0; i < mf->n_warnings; i++)
        free(mf->warnings[i]);
    free(mf->warnings);
    free(mf->stop_list);
    memset(mf, 0, sizeof *mf);
}

const llm_modelfile_param *llm_modelfile_param_find(const llm_modelfile *mf, const char *name)
{
    if (!mf || !name)
        return NULL;
    for (int i = mf->n_params - 1; i >= 0; i--)
        if (!strcmp(mf->params[i].name, name))
            return &mf->params[i];
    return NULL;
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
        else if (!strcmp(n, "num_gpu") && q->i != 0 && note && notelen)
            snprintf(note, notelen,
                     "Modelfile line %d: PARAMETER num_gpu %lld accepted, but so8t's model "
                     "runner has no CUDA path yet: the model runs on the CPU",
                     q->line, (long long)q->i);
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
    excerpt(value, ex, sizeof ex);
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
        p.s = dup_n(value, strlen(value));
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
            char *w = dup_printf("%s:%d: warning: parameter '%s' has no effect in so8t "
                                 "(accepted for compatibility with Ollama Modelfiles)",
                                 src, line, sp->name);
            if (!w || push_ptr(&mf->warnings, &mf->n_warnings, w)) {
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

/* ---- the lexer ---- */

typedef struct {
    const char *s;
    size_t n, i;
    int line;
} lexer;

static int at_end(const lexer *lx) { return lx->i >= lx->n; }
static int is_sp(char c) { return c == ' ' || c == '\t'; }
static int is_nl(char c) { return c == '\n' || c == '\r'; }

/* Advances over one newline (\n, \r\n or \r) and counts it. */
static void eat_newline(lexer *lx)
{
    if (lx->s[lx->i] == '\r' && lx->i + 1 < lx->n && lx->s[lx->i + 1] == '\n')
        lx->i++;
    lx->i++;
    lx->line++;
}

/* Reads a value starting at the current position (after the instruction name and its
 * blank). On success *out is malloc'd. */
static int read_value(lexer *lx, const char *src, const char *what, char **out, char *err,
                      size_t errlen)
{
    int start_line = lx->line;
    while (!at_end(lx) && is_sp(lx->s[lx->i]))
        lx->i++;
    if (lx->n - lx->i >= 3 && !memcmp(lx->s + lx->i, "\"\"\"", 3)) {
        lx->i += 3;
        size_t b = lx->i;
        for (;;) {
            if (at_end(lx)) {
                so8t_err_set(err, errlen, "%s:%d: %s: unterminated \"\"\" (no closing \"\"\")", src,
                        start_line, what);
                return LLM_MF_ERR_SYNTAX;
            }
            if (lx->n - lx->i >= 3 && !memcmp(lx->s + lx->i, "\"\"\"", 3))
                break;
            if (is_nl(lx->s[lx->i]))
                eat_newline(lx);
            else
                lx->i++;
        }
        size_t e = lx->i;
        lx->i += 3;
        /* Ollama stops a value only at a closing quote followed by the end of the line. */
        while (!at_end(lx) && is_sp(lx->s[lx->i]))
            lx->i++;
        if (!at_end(lx) && !is_nl(lx->s[lx->i])) {
            so8t_err_set(err, errlen, "%s:%d: %s: text after the closing \"\"\"", src, lx->line, what);
            return LLM_MF_ERR_SYNTAX;
        }
        *out = dup_n(lx->s + b, e - b);
        return *out ? LLM_MF_OK : LLM_MF_ERR_NOMEM;
    }
    if (!at_end(lx) && lx->s[lx->i] == '"') {
        /* "quoted": ends at a quote that is followed only by blanks up to the line end;
         * may span lines, like Ollama's. */
        lx->i++;
        size_t b = lx->i;
        for (;;) {
            if (at_end(lx)) {
                so8t_err_set(err, errlen, "%s:%d: %s: unterminated \" (no closing quote at a line end)",
                        src, start_line, what);
                return LLM_MF_ERR_SYNTAX;
            }
            char c = lx->s[lx->i];
            if (c == '"') {
                size_t j = lx->i + 1;
                while (j < lx->n && is_sp(lx->s[j]))
                    j++;
                if (j >= lx->n || is_nl(lx->s[j])) {
                    *out = dup_n(lx->s + b, lx->i - b);
                    lx->i = j;
                    return *out ? LLM_MF_OK : LLM_MF_ERR_NOMEM;
                }
                lx->i++;
            } else if (is_nl(c)) {
                eat_newline(lx);
            } else {
                lx->i++;
            }
        }
    }
    size_t b = lx->i;
    while (!at_end(lx) && !is_nl(lx->s[lx->i]))
        lx->i++;
    size_t e = lx->i;
    while (e > b && is_sp(lx->s[e - 1]))
        e--;
    if (e == b) {
        so8t_err_set(err, errlen, "%s:%d: %s needs a value", src, start_line, what);
        return LLM_MF_ERR_SYNTAX;
    }
    *out = dup_n(lx->s + b, e - b);
    return *out ? LLM_MF_OK : LLM_MF_ERR_NOMEM;
}

/* Reads a word of the given class, which must be followed by a blank. */
static int read_word(lexer *lx, int allow_digits_underscore, char *buf, size_t cap)
{
    size_t k = 0;
    while (!at_end(lx)) {
        char c = lx->s[lx->i];
        int ok = isalpha((unsigned char)c) ||
                 (allow_digits_underscore && (isdigit((unsigned char)c) || c == '_'));
        if (!ok)
            break;
        if (k + 1 < cap)
            buf[k] = c;
        k++;
        lx->i++;
    }
    if (k + 1 > cap)
        k = cap - 1;
    buf[k] = '\0';
    return (int)k;
}

static char *resolve_path(const char *from, const char *base_dir)
{
    if (from[0] == '/')
        return dup_n(from, strlen(from));
    if (from[0] == '~' && (from[1] == '/' || from[1] == '\0')) {
        const char *home = getenv("HOME");
        if (home && *home)
            return dup_printf("%s%s", home, from + 1);
    }
    if (!base_dir || !*base_dir || !strcmp(base_dir, "."))
        return dup_n(from, strlen(from));
    size_t bl = strlen(base_dir);
    return dup_printf("%s%s%s", base_dir, base_dir[bl - 1] == '/' ? "" : "/", from);
}

static int add_warning(llm_modelfile *mf, char *w)
{
    if (!w || push_ptr(&mf->warnings, &mf->n_warnings, w)) {
        free(w);
        return LLM_MF_ERR_NOMEM;
    }
    return LLM_MF_OK;
}

static int parse_body(lexer *lx, const char *src, const char *base_dir, llm_modelfile *mf,
                      char *err, size_t errlen)
{
    char word[64], pname[64];
    for (;;) {
        while (!at_end(lx) && (is_sp(lx->s[lx->i]) || is_nl(lx->s[lx->i]))) {
            if (is_nl(lx->s[lx->i]))
                eat_newline(lx);
            else
                lx->i++;
        }
        if (at_end(lx))
            break;
        if (lx->s[lx->i] == '#') {
            while (!at_end(lx) && !is_nl(lx->s[lx->i]))
                lx->i++;
            continue;
        }
        int line = lx->line;
        int k = read_word(lx, 0, word, sizeof word);
        if (k == 0 || at_end(lx) || !is_sp(lx->s[lx->i])) {
            if (k > 0 && (at_end(lx) || is_nl(lx->s[lx->i]))) {
                so8t_err_set(err, errlen, "%s:%d: %s needs a value", src, line, word);
                return LLM_MF_ERR_SYNTAX;
            }
            so8t_err_set(err, errlen,
                    "%s:%d: command must be one of \"from\", \"license\", \"template\", "
                    "\"system\", \"adapter\", \"parameter\", or \"message\"",
                    src, line);
            return LLM_MF_ERR_SYNTAX;
        }
        for (char *p = word; *p; p++)
            *p = (char)tolower((unsigned char)*p);

        char *val = NULL;
        int rc;
        if (!strcmp(word, "parameter")) {
            while (!at_end(lx) && is_sp(lx->s[lx->i]))
                lx->i++;
            int pk = read_word(lx, 1, pname, sizeof pname);
            if (pk == 0) {
                so8t_err_set(err, errlen, "%s:%d: PARAMETER needs a name and a value", src, line);
                return LLM_MF_ERR_SYNTAX;
            }
            if (at_end(lx) || !is_sp(lx->s[lx->i])) {
                if (at_end(lx) || is_nl(lx->s[lx->i]))
                    so8t_err_set(err, errlen, "%s:%d: PARAMETER %s needs a value", src, line, pname);
                else
                    so8t_err_set(err, errlen, "%s:%d: PARAMETER: bad character after '%s'", src,
                            line, pname);
                return LLM_MF_ERR_SYNTAX;
            }
            rc = read_value(lx, src, pname, &val, err, errlen);
            if (rc)
                return rc;
            rc = add_param(mf, src, line, pname, val, err, errlen);
            free(val);
            if (rc)
                return rc;
        } else if (!strcmp(word, "message")) {
            while (!at_end(lx) && is_sp(lx->s[lx->i]))
                lx->i++;
            int rk = read_word(lx, 0, pname, sizeof pname);
            if (rk == 0 || (strcmp(pname, "system") && strcmp(pname, "user") &&
                            strcmp(pname, "assistant"))) {
                so8t_err_set(err, errlen,
                        "%s:%d: message role must be one of \"system\", \"user\", or "
                        "\"assistant\"",
                        src, line);
                return LLM_MF_ERR_SYNTAX;
            }
            if (at_end(lx) || !is_sp(lx->s[lx->i])) {
                so8t_err_set(err, errlen, "%s:%d: MESSAGE %s needs a text", src, line, pname);
                return LLM_MF_ERR_SYNTAX;
            }
            rc = read_value(lx, src, "MESSAGE", &val, err, errlen);
            if (rc)
                return rc;
            llm_modelfile_message *a =
                realloc(mf->messages, ((size_t)mf->n_messages + 1) * sizeof *a);
            char *role = dup_n(pname, strlen(pname));
            if (!a || !role) {
                if (a)
                    mf->messages = a;
                free(role);
                free(val);
                return LLM_MF_ERR_NOMEM;
            }
            mf->messages = a;
            mf->messages[mf->n_messages].role = role;
            mf->messages[mf->n_messages].content = val;
            mf->messages[mf->n_messages].line = line;
            mf->n_messages++;
        } else if (!strcmp(word, "from") || !strcmp(word, "system") ||
                   !strcmp(word, "template") || !strcmp(word, "license") ||
                   !strcmp(word, "adapter") || !strcmp(word, "draft") ||
                   !strcmp(word, "requires") || !strcmp(word, "renderer") ||
                   !strcmp(word, "parser")) {
            char upper[16];
            size_t wl = strlen(word);
            for (size_t q = 0; q <= wl && q < sizeof upper; q++)
                upper[q] = (char)toupper((unsigned char)word[q]);
            upper[sizeof upper - 1] = '\0';
            rc = read_value(lx, src, upper, &val, err, errlen);
            if (rc)
                return rc;
            if (!strcmp(word, "from")) {
                if (mf->from) {
                    so8t_err_set(err, errlen,
                            "%s:%d: a second FROM (first on line %d); so8t runs one model", src,
                            line, mf->from_line);
                    free(val);
                    return LLM_MF_ERR_SYNTAX;
                }
                mf->from = val;
                mf->from_line = line;
                mf->model_path = resolve_path(val, base_dir);
                if (!mf->model_path)
                    return LLM_MF_ERR_NOMEM;
            } else if (!strcmp(word, "system")) {
                free(mf->system);
                mf->system = val;
            } else if (!strcmp(word, "template")) {
                char terr[256];
                rc = llm_template_check(val, terr, sizeof terr);
                if (rc) {
                    so8t_err_set(err, errlen, "%s:%d: %s", src, line, terr);
                    free(val);
                    return rc;
                }
                free(mf->template_text);
                mf->template_text = val;
                mf->template_line = line;
            } else if (!strcmp(word, "license")) {
                if (push_ptr(&mf->licenses, &mf->n_licenses, val)) {
                    free(val);
                    return LLM_MF_ERR_NOMEM;
                }
            } else if (!strcmp(word, "adapter") || !strcmp(word, "draft")) {
                so8t_err_set(err, errlen,
                        "%s:%d: %s is not supported by so8t (LoRA adapters and draft models "
                        "are not implemented); remove the line or merge the adapter first",
                        src, line, upper);
                free(val);
                return LLM_MF_ERR_UNSUPPORTED;
            } else {
                free(val);
                rc = add_warning(mf, dup_printf("%s:%d: warning: %s has no effect in so8t "
                                                "(ignored)",
                                                src, line, upper));
                if (rc)
                    return rc;
            }
        } else {
            so8t_err_set(err, errlen,
                    "%s:%d: command must be one of \"from\", \"license\", \"template\", "
                    "\"system\", \"adapter\", \"parameter\", or \"message\" (got '%s')",
                    src, line, word);
            return LLM_MF_ERR_SYNTAX;
        }
    }
    if (!mf->from) {
        so8t_err_set(err, errlen, "%s: no FROM line (a Modelfile must name its model: FROM path.gguf)",
                src);
        return LLM_MF_ERR_SYNTAX;
    }
    return LLM_MF_OK;
}

int llm_modelfile_parse(const char *text, size_t len, const char *source, const char *base_dir,
                        llm_modelfile *mf, char *err, size_t errlen)
{
    const char *src = source ? source : "Modelfile";
    if (!mf) {
        so8t_err_set(err, errlen, "%s: no output struct", src);
        return LLM_MF_ERR_SYNTAX;
    }
    memset(mf, 0, sizeof *mf);
    if (!text) {
        so8t_err_set(err, errlen, "%s: no text", src);
        return LLM_MF_ERR_SYNTAX;
    }
    if (len > MF_MAX_BYTES) {
        so8t_err_set(err, errlen, "%s: %zu bytes is too large for a Modelfile (limit %u)", src, len,
                MF_MAX_BYTES);
        return LLM_MF_ERR_SYNTAX;
    }
    if (memchr(text, '\0', len)) {
        so8t_err_set(err, errlen, "%s: contains a NUL byte (not a text file?)", src);
        return LLM_MF_ERR_SYNTAX;
    }
    lexer lx = {text, len, 0, 1};
    if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3))
        lx.i = 3; /* UTF-8 byte order mark */
    int rc = parse_body(&lx, src, base_dir, mf, err, errlen);
    if (rc)
        llm_modelfile_free(mf);
    return rc;
}

int llm_modelfile_load(const char *path, llm_modelfile *mf, char *err, size_t errlen)
{
    if (mf)
        memset(mf, 0, sizeof *mf);
    if (!path || !mf) {
        so8t_err_set(err, errlen, "no Modelfile path");
        return LLM_MF_ERR_IO;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        so8t_err_set(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return LLM_MF_ERR_IO;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) { /* fopen opens folders too */
        fclose(f);
        so8t_err_set(err, errlen, "%s: is a directory, not a Modelfile", path);
        return LLM_MF_ERR_IO;
    }
    char *buf = malloc(MF_MAX_BYTES + 1);
    if (!buf) {
        fclose(f);
        return LLM_MF_ERR_NOMEM;
    }
    size_t n = fread(buf, 1, MF_MAX_BYTES + 1, f);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        so8t_err_set(err, errlen, "%s: read error (is it a directory?)", path);
        free(buf);
        return LLM_MF_ERR_IO;
    }
    char *dir = NULL;
    const char *slash = strrchr(path, '/');
    if (slash)
        dir = dup_n(path, (size_t)(slash - path) + (slash == path ? 1 : 0));
    int rc = llm_modelfile_parse(buf, n, path, dir ? dir : ".", mf, err, errlen);
    free(dir);
    free(buf);
    return rc;
}

/* ---- the Go-template subset ---- */

enum { T_TEXT, T_VAR, T_IF, T_ELSEIF, T_ELSE, T_END };
enum { V_SYSTEM, V_PROMPT, V_RESPONSE };

typedef struct {
    int kind;
    int var;
    const char *text; /* T_TEXT */
    size_t len;
    int line;
} tnode;

static int var_lookup(const char *s, size_t n, int *var)
{
    if (n > 0 && s[0] == '$') {
        s++;
        n--;
    }
    static const char *names[] = {".System", ".Prompt", ".Response"};
    for (int i = 0; i < 3; i++)
        if (strlen(names[i]) == n && !memcmp(s, names[i], n)) {
            *var = i;
            return 0;
        }
    return -1;
}

/* Splits the template into nodes; trim markers are applied to the neighbouring text. */
static int template_lex(const char *t, tnode **out, int *nout, char *err, size_t errlen)
{
    tnode *nodes = NULL;
    int n = 0, cap = 0, line = 1;
    size_t i = 0, len = strlen(t);
    int trim_next = 0;
    while (i <= len) {
        const char *open = strstr(t + i, "{{");
        size_t tb = i, te = open ? (size_t)(open - t) : len;
        if (trim_next)
            while (tb < te && isspace((unsigned char)t[tb]))
                tb++;
        size_t ab = te + 2;
        int trim_prev = open && (t[ab] == '-') && (isspace((unsigned char)t[ab + 1]));
        if (trim_prev)
            while (te > tb && isspace((unsigned char)t[te - 1]))
                te--;
        if (n + 2 > cap) {
            cap = cap ? cap * 2 : 16;
            tnode *a = realloc(nodes, (size_t)cap * sizeof *a);
            if (!a) {
                free(nodes);
                return LLM_MF_ERR_NOMEM;
            }
            nodes = a;
        }
        if (te > tb)
            nodes[n++] = (tnode){T_TEXT, 0, t + tb, te - tb, line};
        for (size_t q = i; q < (open ? (size_t)(open - t) : len); q++)
            if (t[q] == '\n')
                line++;
        if (!open)
            break;
        const char *close = strstr(t + ab, "}}");
        if (!close) {
            so8t_err_set(err, errlen, "TEMPLATE line %d: '{{' without a closing '}}'", line);
            free(nodes);
            return LLM_MF_ERR_SYNTAX;
        }
        size_t cb = ab + (trim_prev ? 1 : 0), ce = (size_t)(close - t);
        trim_next = ce > cb && t[ce - 1] == '-' && ce - 1 > cb && isspace((unsigned char)t[ce - 2]);
        if (trim_next)
            ce--;
        while (cb < ce && isspace((unsigned char)t[cb]))
            cb++;
        while (ce > cb && isspace((unsigned char)t[ce - 1]))
            ce--;
        const char *a = t + cb;
        size_t al = ce - cb;
        char shown[64];
        size_t sl = al < 40 ? al : 40;
        for (size_t q = 0; q < sl; q++)
            shown[q] = (a[q] == '\n' || a[q] == '\r' || a[q] == '\t') ? ' ' : a[q];
        shown[sl] = '\0';
        if (al > 40)
            strcat(shown, "...");
        tnode nd = {T_TEXT, 0, NULL, 0, line};
        int var;
        if (al >= 4 && !memcmp(a, "/*", 2) && !memcmp(a + al - 2, "*/", 2)) {
            nd.kind = -1; /* comment */
        } else if (!var_lookup(a, al, &var)) {
            nd.kind = T_VAR;
            nd.var = var;
        } else if (al > 3 && !memcmp(a, "if", 2) && isspace((unsigned char)a[2])) {
            size_t k = 3;
            while (k < al && isspace((unsigned char)a[k]))
                k++;
            if (var_lookup(a + k, al - k, &var))
                goto unsupported;
            nd.kind = T_IF;
            nd.var = var;
        } else if (al > 8 && !memcmp(a, "else", 4) && isspace((unsigned char)a[4])) {
            size_t k = 5;
            while (k < al && isspace((unsigned char)a[k]))
                k++;
            if (al - k < 4 || memcmp(a + k, "if", 2) || !isspace((unsigned char)a[k + 2]))
                goto unsupported;
            k += 3;
            while (k < al && isspace((unsigned char)a[k]))
                k++;
            if (var_lookup(a + k, al - k, &var))
                goto unsupported;
            nd.kind = T_ELSEIF;
            nd.var = var;
        } else if (al == 4 && !memcmp(a, "else", 4)) {
            nd.kind = T_ELSE;
        } else if (al == 3 && !memcmp(a, "end", 3)) {
            nd.kind = T_END;
        } else {
            goto unsupported;
        }
        if (nd.kind >= 0)
            nodes[n++] = nd;
        for (const char *q = t + ab; q < close; q++)
            if (*q == '\n')
                line++;
        i = (size_t)(close - t) + 2;
        continue;
    unsupported:
        so8t_err_set(err, errlen,
                "TEMPLATE line %d: '{{ %s }}' is not supported by so8t's template engine "
                "(supported: {{ .System }}, {{ .Prompt }}, {{ .Response }}, "
                "{{ if .X }} ... {{ else }} ... {{ end }}); write the template with those, or "
                "drop TEMPLATE to use the model's own format",
                line, shown);
        free(nodes);
        return LLM_MF_ERR_UNSUPPORTED;
    }
    /* Nesting check. */
    int depth = 0;
    int else_seen[64] = {0};
    for (int k = 0; k < n; k++) {
        switch (nodes[k].kind) {
        case T_IF:
            if (depth >= 63) {
                so8t_err_set(err, errlen, "TEMPLATE line %d: 'if' nested too deeply", nodes[k].line);
                free(nodes);
                return LLM_MF_ERR_SYNTAX;
            }
            else_seen[++depth] = 0;
            break;
        case T_ELSEIF:
        case T_ELSE:
            if (depth == 0 || else_seen[depth]) {
                so8t_err_set(err, errlen, "TEMPLATE line %d: 'else' without a matching 'if'",
                        nodes[k].line);
                free(nodes);
                return LLM_MF_ERR_SYNTAX;
            }
            if (nodes[k].kind == T_ELSE)
                else_seen[depth] = 1;
            break;
        case T_END:
            if (depth == 0) {
                so8t_err_set(err, errlen, "TEMPLATE line %d: 'end' without a matching 'if'",
                        nodes[k].line);
                free(nodes);
                return LLM_MF_ERR_SYNTAX;
            }
            depth--;
            break;
        default:
            break;
        }
    }
    if (depth != 0) {
        so8t_err_set(err, errlen, "TEMPLATE: an 'if' has no matching {{ end }}");
        free(nodes);
        return LLM_MF_ERR_SYNTAX;
    }
    *out = nodes;
    *nout = n;
    return LLM_MF_OK;
}

int llm_template_check(const char *tmpl, char *err, size_t errlen)
{
    tnode *nodes = NULL;
    int n = 0;
    if (!tmpl) {
        so8t_err_set(err, errlen, "TEMPLATE: no text");
        return LLM_MF_ERR_SYNTAX;
    }
    int rc = template_lex(tmpl, &nodes, &n, err, errlen);
    free(nodes);
    return rc;
}


int llm_template_render(const char *tmpl, const char *system, const char *prompt,
                        const char *response, int stop_at_response, char **out, char *err,
                        size_t errlen)
{
    if (!out) {
        so8t_err_set(err, errlen, "TEMPLATE: no output pointer");
        return LLM_MF_ERR_SYNTAX;
    }
    *out = NULL;
    tnode *nodes = NULL;
    int n = 0;
    if (!tmpl) {
        so8t_err_set(err, errlen, "TEMPLATE: no text");
        return LLM_MF_ERR_SYNTAX;
    }
    int rc = template_lex(tmpl, &nodes, &n, err, errlen);
    if (rc)
        return rc;
    const char *vals[3] = {system ? system : "", prompt ? prompt : "",
                           response ? response : ""};
    /* Per nesting level: is this level printing, and has a branch of it been taken. */
    int active[65], taken[65], depth = 0;
    active[0] = 1;
    taken[0] = 1;
    llm_strbuf b = {NULL, 0, 0, 0};
    if (llm_strbuf_put(&b, "", 0))
        goto nomem;
    for (int k = 0; k < n; k++) {
        const tnode *nd = &nodes[k];
        int parent = depth > 0 ? active[depth - 1] : 1;
        switch (nd->kind) {
        case T_TEXT:
            if (active[depth] && llm_strbuf_put(&b, nd->text, nd->len))
                goto nomem;
            break;
        case T_VAR:
            if (!active[depth])
                break;
            if (nd->var == V_RESPONSE && stop_at_response)
                goto done;
            if (llm_strbuf_put(&b, vals[nd->var], strlen(vals[nd->var])))
                goto nomem;
            break;
        case T_IF:
            depth++;
            parent = active[depth - 1];
            active[depth] = parent && vals[nd->var][0] != '\0';
            taken[depth] = active[depth];
            break;
        case T_ELSEIF:
            active[depth] = parent && !taken[depth] && vals[nd->var][0] != '\0';
            taken[depth] |= active[depth];
            break;
        case T_ELSE:
            active[depth] = parent && !taken[depth];
            taken[depth] = 1;
            break;
        case T_END:
            depth--;
            break;
        }
    }
done:
    free(nodes);
    *out = b.p;
    return LLM_MF_OK;
nomem:
    free(nodes);
    free(b.p);
    so8t_err_set(err, errlen, "TEMPLATE: out of memory");
    return LLM_MF_ERR_NOMEM;
}
