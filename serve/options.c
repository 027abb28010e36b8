/* options.c — an Ollama request's "options" object onto llm_params: every key checked for
 * its type and range, a bad one is a 400 that names it (Ollama answers 500 there). */
#include "serve/internal.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

enum { OPT_INT, OPT_FLOAT, OPT_BOOL, OPT_STOP, OPT_LOAD, OPT_SEED, OPT_REMOVED };

typedef struct {
    const char *name;
    int kind;
    double lo, hi;   /* inclusive range (OPT_INT / OPT_FLOAT) */
    int lo_open;     /* lo itself is refused */
    size_t offset;   /* into llm_params (OPT_LOAD: serve_load_opts); SIZE_MAX: no effect */
} opt_def;

#define P(f) offsetof(llm_params, f)
#define L(f) offsetof(serve_load_opts, f)
#define NONE ((size_t)-1)
static const opt_def opts[] = {
    {"num_ctx", OPT_LOAD, 1, 1 << 20, 0, L(num_ctx)},
    {"num_predict", OPT_INT, -2, 1 << 20, 0, P(num_predict)},
    {"temperature", OPT_FLOAT, 0, 100, 0, P(temperature)},
    {"top_k", OPT_INT, 0, 1 << 24, 0, P(top_k)},
    {"top_p", OPT_FLOAT, 0, 1, 0, P(top_p)},
    {"min_p", OPT_FLOAT, 0, 1, 0, P(min_p)},
    {"typical_p", OPT_FLOAT, 0, 1, 1, P(typical_p)},
    {"seed", OPT_SEED, -9007199254740992.0, 9007199254740992.0, 0, NONE},
    {"stop", OPT_STOP, 0, 0, 0, NONE},
    {"repeat_penalty", OPT_FLOAT, 0, 100, 1, P(repeat_penalty)},
    {"repeat_last_n", OPT_INT, -1, 1 << 20, 0, P(repeat_last_n)},
    {"presence_penalty", OPT_FLOAT, -100, 100, 0, P(presence_penalty)},
    {"frequency_penalty", OPT_FLOAT, -100, 100, 0, P(frequency_penalty)},
    {"num_thread", OPT_INT, 0, 1024, 0, P(num_thread)},
    {"mirostat", OPT_INT, 0, 2, 0, P(mirostat)},
    {"mirostat_tau", OPT_FLOAT, 0, 100, 1, P(mirostat_tau)},
    {"mirostat_eta", OPT_FLOAT, 0, 10, 1, P(mirostat_eta)},
    /* where the layers run (llm_model_offload): -1 as many as fit, 0 the CPU */
    {"num_gpu", OPT_LOAD, -1, 1 << 20, 0, L(num_gpu)},
    {"main_gpu", OPT_LOAD, 0, 1024, 0, L(main_gpu)},
    /* Ollama's runner hints: type-checked, no effect */
    {"num_keep", OPT_INT, -1, 1 << 20, 0, NONE},
    {"num_batch", OPT_INT, 1, 1 << 20, 0, NONE},
    {"use_mmap", OPT_BOOL, 0, 0, 0, NONE},
    /* removed from Ollama (PRs #6186, #10574, #10581, #8308, #7875) but still sent by
       clients (ollama-python's Options declares them): accepted, ignored */
    {"numa", OPT_REMOVED, 0, 0, 0, NONE},
    {"low_vram", OPT_REMOVED, 0, 0, 0, NONE},
    {"f16_kv", OPT_REMOVED, 0, 0, 0, NONE},
    {"logits_all", OPT_REMOVED, 0, 0, 0, NONE},
    {"vocab_only", OPT_REMOVED, 0, 0, 0, NONE},
    {"use_mlock", OPT_REMOVED, 0, 0, 0, NONE},
    {"embedding_only", OPT_REMOVED, 0, 0, 0, NONE},
    {"tfs_z", OPT_REMOVED, 0, 0, 0, NONE},
    {"penalize_newline", OPT_REMOVED, 0, 0, 0, NONE},
};
#define N_OPTS (sizeof opts / sizeof opts[0])

static int fail(char *err, size_t errlen, const char *name, const char *what)
{
    snprintf(err, errlen, "option '%s' %s", name, what);
    return -1;
}

static int set_one(const opt_def *d, const cJSON *v, llm_params *p, const char **stops,
                   serve_load_opts *lo, char *err, size_t errlen)
{
    char what[160];
    if (d->kind == OPT_REMOVED || cJSON_IsNull(v))
        return 0;
    if (d->kind == OPT_BOOL) {
        if (!cJSON_IsBool(v))
            return fail(err, errlen, d->name, "must be true or false");
        return 0;
    }
    if (d->kind == OPT_STOP) {
        const cJSON *x;
        int n = 0;
        if (cJSON_IsString(v)) { /* OpenAI's form; Ollama wants an array */
            if (!v->valuestring[0])
                return fail(err, errlen, d->name, "must not be an empty string");
            stops[0] = v->valuestring;
            p->stop = stops;
            p->n_stop = 1;
            return 0;
        }
        if (!cJSON_IsArray(v))
            return fail(err, errlen, d->name, "must be an array of strings");
        cJSON_ArrayForEach(x, v) {
            if (!cJSON_IsString(x) || !x->valuestring[0])
                return fail(err, errlen, d->name, "must be an array of non-empty strings");
            if (n == SERVE_MAX_STOP) {
                snprintf(what, sizeof what, "has more than %d strings", SERVE_MAX_STOP);
                return fail(err, errlen, d->name, what);
            }
            stops[n++] = x->valuestring;
        }
        /* [] = no extra stop strings: keep the Modelfile's (Ollama issue #3629) */
        if (n) {
            p->stop = stops;
            p->n_stop = n;
        }
        return 0;
    }
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
        return fail(err, errlen, d->name, d->kind == OPT_FLOAT ? "must be a number"
                                                                : "must be an integer");
    double x = v->valuedouble;
    if (d->kind != OPT_FLOAT && x != floor(x))
        return fail(err, errlen, d->name, "must be an integer");
    if (x < d->lo || x > d->hi || (d->lo_open && x == d->lo)) {
        snprintf(what, sizeof what, "is %g; it must be in %c%g, %g]", x, d->lo_open ? '(' : '[',
                 d->lo, d->hi);
        return fail(err, errlen, d->name, what);
    }
    switch (d->kind) {
    case OPT_LOAD: {
        int iv = (int)x;
        memcpy((char *)lo + d->offset, &iv, sizeof iv);
        return 0;
    }
    case OPT_SEED:
        if (x < 0) { /* Ollama: -1 = random */
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            p->seed = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20);
        } else {
            p->seed = (uint64_t)x;
        }
        return 0;
    case OPT_INT:
        if (d->offset != NONE) {
            int iv = (int)x;
            if (!strcmp(d->name, "num_predict") && iv == -2)
                iv = -1; /* Ollama's "fill the context" */
            memcpy((char *)p + d->offset, &iv, sizeof iv);
        }
        return 0;
    case OPT_FLOAT:
        if (d->offset != NONE) {
            float fv = (float)x;
            memcpy((char *)p + d->offset, &fv, sizeof fv);
        }
        return 0;
    }
    return 0;
}

int serve_option_set(const char *name, const cJSON *v, llm_params *p, const char **stops,
                     serve_load_opts *lo, char *err, size_t errlen)
{
    for (size_t i = 0; i < N_OPTS; i++)
        if (!strcmp(opts[i].name, name))
            return set_one(&opts[i], v, p, stops, lo, err, errlen);
    return 0; /* unknown: ignored, as Ollama does */
}

int serve_options_apply(const cJSON *o, llm_params *p, const char **stops, serve_load_opts *lo,
                        char *err, size_t errlen)
{
    if (!o || cJSON_IsNull(o))
        return 0;
    if (!cJSON_IsObject(o)) {
        snprintf(err, errlen, "field 'options' must be an object");
        return -1;
    }
    const cJSON *x;
    cJSON_ArrayForEach(x, o) {
        if (x->string && serve_option_set(x->string, x, p, stops, lo, err, errlen))
            return -1;
    }
    return 0;
}

/* Go's time.ParseDuration subset: [-]N(.N)?(h|m|s|ms|us|µs|ns) repeated. */
static int go_duration(const char *s, double *out)
{
    double sign = 1, total = 0;
    if (*s == '-' || *s == '+') {
        sign = *s == '-' ? -1 : 1;
        s++;
    }
    if (!*s)
        return -1;
    if (!strcmp(s, "0")) {
        *out = 0;
        return 0;
    }
    while (*s) {
        char *end;
        if (!((*s >= '0' && *s <= '9') || *s == '.'))
            return -1;
        double v = strtod(s, &end);
        if (end == s || !isfinite(v))
            return -1;
        s = end;
        static const struct { const char *u; double scale; } units[] = {
            {"ns", 1e-9}, {"us", 1e-6}, {"\xc2\xb5s", 1e-6}, {"ms", 1e-3}, {"h", 3600},
            {"m", 60}, {"s", 1}};
        size_t k;
        for (k = 0; k < sizeof units / sizeof units[0]; k++) {
            size_t l = strlen(units[k].u);
            if (!strncmp(s, units[k].u, l)) {
                total += v * units[k].scale;
                s += l;
                break;
            }
        }
        if (k == sizeof units / sizeof units[0])
            return -1;
    }
    *out = sign * total;
    return 0;
}

int serve_keep_alive_parse(const cJSON *v, double *seconds)
{
    if (cJSON_IsNumber(v) && isfinite(v->valuedouble)) {
        *seconds = v->valuedouble; /* Ollama: a number is seconds */
        return 0;
    }
    if (cJSON_IsString(v) && strlen(v->valuestring) < 64) {
        char *end;
        double x = strtod(v->valuestring, &end);
        if (end != v->valuestring && !*end && isfinite(x)) { /* "300": seconds */
            *seconds = x;
            return 0;
        }
        return go_duration(v->valuestring, seconds);
    }
    return -1;
}
