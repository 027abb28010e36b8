/* so8t_args.c — /so8t/ requests as command lines: each endpoint's keys (the names of the
 * result JSON's fields) in a table with their type, range and the CLI option they become.
 * A key that is unknown, of the wrong type or out of range is refused here with a message
 * naming it (a 400), before anything runs; what only the command itself can judge (a
 * method that does not fit the quantity, ...) comes back as its usage message. */
#include "serve/so8t_api.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum {
    K_INT,    /* an integer number in [lo, hi] → "FLAG N" */
    K_NUM,    /* a finite number in [lo, hi] (lo_open: lo excluded) → "FLAG X" */
    K_FLAG,   /* true → "FLAG", false → nothing */
    K_CHOICE, /* one of `choices` → "FLAG VALUE", or choice_flags[i] when set */
    K_SEED,   /* an integer 0..2^53, or a string of decimal or 0x-hex digits → "FLAG S" */
    K_CENTER, /* a number (every coordinate) or an array of dim numbers → "--center a,b,..." */
    K_SAMPLES,/* like K_INT, capped by the server's limit (max_samples / max_rotations) */
    K_SECONDS,/* the request's time budget, capped by --max-seconds (no option) */
    K_STREAM, /* stream the reply (NDJSON) */
    K_RESULT, /* explain: the result object to explain (a temporary file) */
    K_MODEL   /* explain: "none" or a store model name */
} key_kind;

typedef struct {
    const char *key;
    key_kind kind;
    const char *flag;
    double lo, hi;
    int lo_open;
    const char *const *choices;
    const char *const *choice_flags; /* NULL: "FLAG VALUE" */
} key_spec;

static const char *const quantities[] = {"volume", "surface", "orient_avg", "complement", NULL};
static const char *const quantity_flags[] = {NULL, "--surface", "--orient-avg", "--complement"};
static const char *const exact_quantities[] = {"volume", "surface", "complement", NULL};
static const char *const exact_quantity_flags[] = {NULL, "--surface", "--complement"};
static const char *const methods[] = {"auto", "hit", "ball", "cond", "radial", "qmc", "tilt", NULL};
static const char *const backends[] = {"auto", "cpu", "cuda", NULL};
static const char *const rotations[] = {"none", "haar", NULL}; /* no file: the server's disk */
static const char *const precisions[] = {"double", "float", NULL};

/* the keys several endpoints take, each defined once */
#define KEY_SEED {"seed", K_SEED, "--seed", 0, 0, 0, NULL, NULL}
#define KEY_SECONDS {"seconds", K_SECONDS, NULL, 0, 0, 1, NULL, NULL}
#define KEY_BACKEND {"backend", K_CHOICE, "--backend", 0, 0, 0, backends, NULL}
#define KEY_SAMPLES(flag) {"samples", K_SAMPLES, flag, 1, 0, 0, NULL, NULL}
#define KEY_END {NULL, 0, NULL, 0, 0, 0, NULL, NULL}

#define PROBLEM_KEYS                                                                  \
    {"dim", K_INT, "--dim", 1, 128, 0, NULL, NULL},                                   \
    {"half_side", K_NUM, "--half-side", 0, 1e300, 1, NULL, NULL},                     \
    {"radius", K_NUM, "--radius", 0, 1e300, 0, NULL, NULL},                           \
    {"center", K_CENTER, "--center", -1e300, 1e300, 0, NULL, NULL},                   \
    {"rotation", K_CHOICE, "--rotation", 0, 0, 0, rotations, NULL},                   \
    KEY_SEED,                                                                         \
    KEY_SECONDS

static const key_spec volume_keys[] = {
    PROBLEM_KEYS,
    {"quantity", K_CHOICE, NULL, 0, 0, 0, quantities, quantity_flags},
    {"method", K_CHOICE, "--method", 0, 0, 0, methods, NULL},
    KEY_BACKEND,
    KEY_SAMPLES("--samples"),
    {"rel_err", K_NUM, "--rel-err", 0, 1, 1, NULL, NULL},
    {"replicates", K_INT, "--replicates", 2, 1024, 0, NULL, NULL},
    {"verify", K_FLAG, "--verify", 0, 0, 0, NULL, NULL},
    {"exact", K_FLAG, "--exact", 0, 0, 0, NULL, NULL},
    {"stream", K_STREAM, "--stream", 0, 0, 0, NULL, NULL},
    KEY_END};

static const key_spec exact_keys[] = {
    PROBLEM_KEYS,
    {"quantity", K_CHOICE, NULL, 0, 0, 0, exact_quantities, exact_quantity_flags},
    KEY_END};

static const key_spec verify_keys[] = {
    {"quick", K_FLAG, "--quick", 0, 0, 0, NULL, NULL},
    KEY_SAMPLES("--samples"),
    KEY_SEED,
    KEY_BACKEND,
    KEY_SECONDS,
    KEY_END};

static const key_spec rotations_keys[] = {
    KEY_SAMPLES("-n"),
    {"dim", K_INT, "--dim", 2, 16, 0, NULL, NULL},
    KEY_SEED,
    {"first", K_INT, "--first", 0, 9007199254740992.0, 0, NULL, NULL},
    KEY_BACKEND,
    {"precision", K_CHOICE, "--precision", 0, 0, 0, precisions, NULL},
    KEY_SECONDS,
    KEY_END};

static const key_spec explain_keys[] = {
    {"result", K_RESULT, NULL, 0, 0, 0, NULL, NULL},
    {"model", K_MODEL, "--model", 0, 0, 0, NULL, NULL},
    KEY_SEED,
    {"attempts", K_INT, "--attempts", 1, 10, 0, NULL, NULL},
    {"max_tokens", K_INT, "--max-tokens", 1, 1024, 0, NULL, NULL},
    {"num_gpu", K_INT, "--num-gpu", -1, 1 << 20, 0, NULL, NULL},  /* layers on the GPU */
    {"main_gpu", K_INT, "--main-gpu", 0, 1024, 0, NULL, NULL},
    {"stream", K_STREAM, NULL, 0, 0, 0, NULL, NULL},
    KEY_SECONDS,
    KEY_END};

typedef struct {
    const char *name;
    const key_spec *keys;
    const char *const *fixed; /* the command and the options every request gets */
} endpoint;

static const char *const volume_fixed[] = {"volume", "--json", NULL};
static const char *const exact_fixed[] = {"exact", "--json", NULL};
static const char *const verify_fixed[] = {"verify", "--json", NULL};
static const char *const rotations_fixed[] = {"rotations", "--stats", "--json", NULL};
static const char *const explain_fixed[] = {"explain", "--json", NULL};

static const endpoint endpoints[] = {
    {"volume", volume_keys, volume_fixed},
    {"exact", exact_keys, exact_fixed},
    {"verify", verify_keys, verify_fixed},
    {"rotations", rotations_keys, rotations_fixed},
    {"explain", explain_keys, explain_fixed},
};

static int push(so8t_api_cmd *c, const char *s)
{
    if (c->argc + 1 >= SO8T_API_MAX_ARGS)
        return -1;
    char *d = strdup(s);
    if (!d)
        return -1;
    c->argv[c->argc++] = d;
    c->argv[c->argc] = NULL;
    return 0;
}

static int push_num(so8t_api_cmd *c, double v, int integer)
{
    char buf[64];
    if (integer)
        snprintf(buf, sizeof buf, "%.0f", v);
    else
        snprintf(buf, sizeof buf, "%.17g", v); /* round-trips: the CLI reads the same double */
    return push(c, buf);
}

void so8t_api_cmd_free(so8t_api_cmd *c)
{
    for (int i = 0; i < c->argc; i++)
        free(c->argv[i]);
    c->argc = 0;
    free(c->input);
    c->input = NULL;
}

static int is_integer(double v)
{
    return isfinite(v) && v == floor(v);
}

/* A store model name: letters, digits and ._:- only (no path: the server's files are not
 * the client's to name). */
static int model_name_ok(const char *s)
{
    if (!*s || strlen(s) > 200 || s[0] == '.' || s[0] == '-')
        return 0;
    for (const char *p = s; *p; p++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-", *p))
            return 0;
    return 1;
}

static int check_key(const key_spec *k, const cJSON *v, const so8t_api_limits *lim,
                     so8t_api_cmd *c, char *err, size_t errlen)
{
    const char *name = k->key;
    switch (k->kind) {
    case K_INT:
    case K_SAMPLES: {
        double hi = k->kind == K_SAMPLES ? (double)(c->is_rotations ? lim->max_rotations
                                                                    : lim->max_samples)
                                         : k->hi;
        if (!cJSON_IsNumber(v) || !is_integer(v->valuedouble)) {
            snprintf(err, errlen, "'%s' must be an integer", name);
            return -1;
        }
        if (v->valuedouble < k->lo || v->valuedouble > hi) {
            if (k->kind == K_SAMPLES && v->valuedouble > hi)
                snprintf(err, errlen, "'%s' is %.17g; this server allows at most %.0f per "
                                      "request (so8t serve --max-%s)",
                         name, v->valuedouble, hi, c->is_rotations ? "rotations" : "samples");
            else
                snprintf(err, errlen, "'%s' is %.17g; it must be in [%.0f, %.0f]", name,
                         v->valuedouble, k->lo, hi);
            return -1;
        }
        if (k->kind == K_SAMPLES)
            c->samples = v->valuedouble;
        return push(c, k->flag) || push_num(c, v->valuedouble, 1);
    }
    case K_NUM:
        if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble)) {
            snprintf(err, errlen, "'%s' must be a number", name);
            return -1;
        }
        if ((k->lo_open ? v->valuedouble <= k->lo : v->valuedouble < k->lo) ||
            v->valuedouble > k->hi) {
            snprintf(err, errlen, "'%s' is %.17g; it must be in %c%g, %g]", name,
                     v->valuedouble, k->lo_open ? '(' : '[', k->lo, k->hi);
            return -1;
        }
        return push(c, k->flag) || push_num(c, v->valuedouble, 0);
    case K_SECONDS:
        if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble <= 0) {
            snprintf(err, errlen, "'%s' must be a number of seconds > 0", name);
            return -1;
        }
        if (v->valuedouble > lim->max_seconds) {
            snprintf(err, errlen, "'%s' is %g; this server allows at most %g s per request "
                                  "(so8t serve --max-seconds)",
                     name, v->valuedouble, lim->max_seconds);
            return -1;
        }
        c->seconds = v->valuedouble;
        return 0;
    case K_FLAG:
    case K_STREAM:
        if (!cJSON_IsBool(v)) {
            snprintf(err, errlen, "'%s' must be true or false", name);
            return -1;
        }
        if (k->kind == K_STREAM)
            c->stream = cJSON_IsTrue(v);
        return cJSON_IsTrue(v) && k->flag ? push(c, k->flag) : 0;
    case K_CHOICE: {
        if (!cJSON_IsString(v)) {
            snprintf(err, errlen, "'%s' must be a string", name);
            return -1;
        }
        for (int i = 0; k->choices[i]; i++)
            if (!strcmp(v->valuestring, k->choices[i])) {
                if (k->choice_flags)
                    return k->choice_flags[i] ? push(c, k->choice_flags[i]) : 0;
                return push(c, k->flag) || push(c, k->choices[i]);
            }
        char list[256] = "";
        for (int i = 0; k->choices[i]; i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "",
                     k->choices[i]);
        snprintf(err, errlen, "'%s' must be one of %s", name, list);
        return -1;
    }
    case K_SEED:
        if (cJSON_IsNumber(v)) {
            if (!is_integer(v->valuedouble) || v->valuedouble < 0 ||
                v->valuedouble > 9007199254740992.0) {
                snprintf(err, errlen, "'%s' must be an integer in [0, 2^53] (larger seeds as "
                                      "a string of digits)", name);
                return -1;
            }
            return push(c, k->flag) || push_num(c, v->valuedouble, 1);
        }
        if (cJSON_IsString(v)) {
            const char *s = v->valuestring;
            int hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
            const char *d = hex ? s + 2 : s;
            size_t n = strlen(d);
            int ok = n > 0 && n <= (hex ? 16u : 20u);
            for (size_t i = 0; ok && i < n; i++)
                ok = hex ? !!strchr("0123456789abcdefABCDEF", d[i]) : d[i] >= '0' && d[i] <= '9';
            if (ok) /* the CLI checks the 64-bit range */
                return push(c, k->flag) || push(c, s);
        }
        snprintf(err, errlen, "'%s' must be an integer (or a string of decimal or 0x-hex "
                              "digits)", name);
        return -1;
    case K_CENTER: {
        char buf[128 * 26 + 8];
        size_t at = 0;
        if (cJSON_IsNumber(v) && isfinite(v->valuedouble)) {
            snprintf(buf, sizeof buf, "%.17g", v->valuedouble);
        } else if (cJSON_IsArray(v) && cJSON_GetArraySize(v) >= 1 && cJSON_GetArraySize(v) <= 128) {
            const cJSON *x;
            buf[0] = '\0';
            cJSON_ArrayForEach(x, v) {
                if (!cJSON_IsNumber(x) || !isfinite(x->valuedouble) ||
                    fabs(x->valuedouble) > 1e300) {
                    snprintf(err, errlen, "'%s' must hold finite numbers", name);
                    return -1;
                }
                at += (size_t)snprintf(buf + at, sizeof buf - at, "%s%.17g", at ? "," : "",
                                       x->valuedouble);
            }
        } else {
            snprintf(err, errlen, "'%s' must be a number or an array of 1 to 128 numbers", name);
            return -1;
        }
        return push(c, k->flag) || push(c, buf);
    }
    case K_RESULT:
        if (!cJSON_IsObject(v)) {
            snprintf(err, errlen, "'%s' must be a result object (so8t volume/exact/rotations/"
                                  "verify --json)", name);
            return -1;
        }
        free(c->input);
        c->input = cJSON_PrintUnformatted(v);
        return c->input ? 0 : -1;
    case K_MODEL:
        if (!cJSON_IsString(v) || !model_name_ok(v->valuestring)) {
            snprintf(err, errlen, "'%s' must be \"none\" (the template) or the name of a "
                                  "model of the server's store", name);
            return -1;
        }
        return push(c, k->flag) || push(c, v->valuestring);
    }
    return -1;
}

int so8t_api_cmd_build(const char *name, const cJSON *req, const so8t_api_limits *lim,
                       so8t_api_cmd *c, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    const endpoint *ep = NULL;
    for (size_t i = 0; i < sizeof endpoints / sizeof endpoints[0]; i++)
        if (!strcmp(endpoints[i].name, name))
            ep = &endpoints[i];
    if (!ep) {
        snprintf(err, errlen, "no endpoint /so8t/%s", name);
        return -1;
    }
    c->is_rotations = !strcmp(name, "rotations");
    c->is_explain = !strcmp(name, "explain");
    c->seconds = lim->max_seconds;
    if (push(c, "so8t"))
        goto nomem;
    for (int i = 0; ep->fixed[i]; i++)
        if (push(c, ep->fixed[i]))
            goto nomem;
    const cJSON *v;
    cJSON_ArrayForEach(v, req) {
        const key_spec *k = NULL;
        for (int i = 0; ep->keys[i].key; i++)
            if (!strcmp(ep->keys[i].key, v->string))
                k = &ep->keys[i];
        if (!k) {
            char list[512] = "";
            for (int i = 0; ep->keys[i].key; i++)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
                         i ? ", " : "", ep->keys[i].key);
            snprintf(err, errlen, "unknown key '%.64s' for /so8t/%s (known: %s)", v->string,
                     name, list);
            so8t_api_cmd_free(c);
            return -1;
        }
        for (const cJSON *w = req->child; w != v; w = w->next)
            if (!strcmp(w->string, v->string)) {
                snprintf(err, errlen, "key '%s' given twice", v->string);
                so8t_api_cmd_free(c);
                return -1;
            }
        err[0] = '\0';
        if (check_key(k, v, lim, c, err, errlen)) {
            if (!err[0])
                goto nomem;
            so8t_api_cmd_free(c);
            return -1;
        }
    }
    if (c->is_explain && !c->input) {
        snprintf(err, errlen, "'result' is missing: the result object to explain");
        so8t_api_cmd_free(c);
        return -1;
    }
    if (c->is_rotations && c->samples == 0) {
        snprintf(err, errlen, "'samples' is missing: the number of rotations");
        so8t_api_cmd_free(c);
        return -1;
    }
    return 0;
nomem:
    snprintf(err, errlen, "out of memory");
    so8t_api_cmd_free(c);
    return -2;
}
