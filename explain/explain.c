/* explain.c — so8t results in plain words (see explain.h for the pipeline).
 *
 * The facts are computed here from the result JSON; the template explanation and the
 * model prompt are both built from them, and the checker (numcheck.c) compares the model's
 * text with the same facts, so the model can only state what the result says.
 *
 * Geometry used in the facts (cube Q = [-a, a]^d, ball B of radius r centred at 0):
 *   vol(Q) = (2a)^d;  vol(B) = π^(d/2) r^d / Γ(d/2 + 1);  area(∂B) = 2 π^(d/2) r^(d−1) / Γ(d/2);
 *   faces at distance a from the centre, corners at a·√d. For a < r < a√d the ball pokes out
 *   through the 2d faces but misses the 2^d corners, where most of a high-dimensional cube's
 *   volume lies (a uniform point of Q has E|x|² = d a²/3, so |x| ≈ a√(d/3)).
 */
#include "explain/explain.h"
#include "so8t_err.h"
#include "llm/strbuf.h"

#include "llm/internal.h" /* sampler and model internals: explain is part of llm/ */
#include "llm/llm.h"
#include "explain/numcheck.h"
#include "explain/result_check.h"

#include <omp.h>

#include "so8t_threads.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_JSON_BYTES (16u << 20)
#define Z_AGREE 5.0 /* the project's rule: agreement within 5 standard errors */

/* ------------------------------------------------------------------------------------------
 * small utilities
 * ------------------------------------------------------------------------------------------ */


static char *dup_str(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s);
    char *p = malloc(n + 1);
    if (p)
        memcpy(p, s, n + 1);
    return p;
}

typedef struct {
    double *v;
    int n, cap;
    int oom;
} dvec;

static void dv_add(dvec *d, double x)
{
    if (d->oom || !isfinite(x))
        return;
    if (d->n == d->cap) {
        int c = d->cap ? 2 * d->cap : 64;
        double *q = realloc(d->v, (size_t)c * sizeof *q);
        if (!q) {
            d->oom = 1;
            return;
        }
        d->v = q;
        d->cap = c;
    }
    d->v[d->n++] = x;
}

/* ---- number formatting (every shown number must survive the checker's rounding rule) ---- */

/* `sig` significant digits, plain notation for 1e-4 <= |v| < 1e9, else 1.2e-15 style. */
static void fmt_sig(char *b, size_t n, double v, int sig)
{
    if (!isfinite(v)) {
        snprintf(b, n, "n/a");
        return;
    }
    if (v == 0) {
        snprintf(b, n, "0");
        return;
    }
    double av = fabs(v);
    int e = (int)floor(log10(av));
    if (e < -4 || e >= 9) {
        snprintf(b, n, "%.*e", sig - 1, v);
        /* "1.20e-15" → keep; strip a '+' and leading zeros of the exponent for reading */
        char *p = strchr(b, 'e');
        if (p) {
            char mant[48];
            int ex = atoi(p + 1);
            size_t ml = (size_t)(p - b) < sizeof mant - 1 ? (size_t)(p - b) : sizeof mant - 1;
            memcpy(mant, b, ml);
            mant[ml] = '\0';
            snprintf(b, n, "%se%d", mant, ex);
        }
        return;
    }
    int dec = sig - 1 - e;
    if (dec < 0)
        dec = 0;
    snprintf(b, n, "%.*f", dec, v);
}

/* Like fmt_sig, but without trailing zeros ("1", "1.5", "83.16398"). */
static void fmt_g(char *b, size_t n, double v, int sig)
{
    snprintf(b, n, "%.*g", sig, v);
    if (strchr(b, 'e') || !isfinite(v))
        fmt_sig(b, n, v, sig);
}

/* A whole count with thousands separators: 1000000 → "1,000,000". */
static void fmt_count(char *b, size_t n, double v)
{
    if (!isfinite(v) || v < 0 || v > 1e18) {
        fmt_sig(b, n, v, 6);
        return;
    }
    char raw[32];
    snprintf(raw, sizeof raw, "%.0f", floor(v + 0.5));
    size_t len = strlen(raw), j = 0;
    for (size_t i = 0; i < len && j + 2 < n; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            b[j++] = ',';
        b[j++] = raw[i];
    }
    b[j] = '\0';
}

/* estimate ± se with the estimate rounded where the 2-digit standard error ends. */
static void fmt_pm(char *b, size_t n, double est, double se)
{
    if (!(se > 0) || !isfinite(se)) {
        char e[48];
        fmt_sig(e, sizeof e, est, 6);
        snprintf(b, n, "%s", e);
        return;
    }
    int dec = 1 - (int)floor(log10(se));
    if (dec >= 0 && dec <= 12 && fabs(est) < 1e9 && fabs(est) >= 1e-4) {
        snprintf(b, n, "%.*f ± %.*f", dec, est, dec, se);
    } else {
        char e[48], s[48];
        int sig = 2 + (int)floor(log10(fabs(est) > 0 ? fabs(est) : se)) - (int)floor(log10(se));
        if (sig < 2)
            sig = 2;
        if (sig > 15)
            sig = 15;
        fmt_sig(e, sizeof e, est, sig);
        fmt_sig(s, sizeof s, se, 2);
        snprintf(b, n, "%s ± %s", e, s);
    }
}

/* v alone, rounded as fmt_pm would round it next to the standard error se (any se: 0,
 * inf and NaN included). */
static void fmt_at(char *b, size_t n, double v, double se)
{
    fmt_pm(b, n, v, se);
    char *pm = strstr(b, " ± ");
    if (pm)
        *pm = '\0';
}

/* Keeps only [A-Za-z0-9_.-], at most 31 bytes: JSON strings are hostile. */
static void clean_word(char *b, size_t n, const char *s)
{
    size_t j = 0;
    for (size_t i = 0; s && s[i] && j + 1 < n && j < 31; i++) {
        char c = s[i];
        if (isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.')
            b[j++] = c;
    }
    b[j] = '\0';
    if (j == 0)
        snprintf(b, n, "?");
}

/* ------------------------------------------------------------------------------------------
 * reading the result
 * ------------------------------------------------------------------------------------------ */

static int jnum(const cJSON *o, const char *key, double *v)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(x) || !isfinite(x->valuedouble))
        return 0;
    *v = x->valuedouble;
    return 1;
}

static int jbool(const cJSON *o, const char *key, int *v)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsBool(x))
        return 0;
    *v = cJSON_IsTrue(x);
    return 1;
}

static const char *jstr(const cJSON *o, const char *key)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(x) ? x->valuestring : NULL;
}

/* Every finite number anywhere in the JSON. */
static void collect_numbers(const cJSON *x, dvec *d, int depth)
{
    if (!x || depth > 64)
        return;
    if (cJSON_IsNumber(x)) {
        dv_add(d, x->valuedouble);
        return;
    }
    for (const cJSON *c = x->child; c; c = c->next)
        collect_numbers(c, d, depth + 1);
}

/* Everything the explanation of one result needs, read and derived once. */
typedef struct {
    llm_result_kind kind;
    char quantity[32];
    double dim, a, r;
    int have_geom;     /* dim, half_side, radius known */
    int centred;       /* centre known to be 0 (or absent) and no rotation */
    char method[32], backend[32];
    double samples, est, se, lo, hi, rel;
    int have_ci, have_rel;
    int have_exact, agrees; /* agrees: within 5 se, or (se = 0) equal up to rounding */
    double exact, z;
    int have_cpu, have_gpu, have_identical, identical;
    char gpu_why[128]; /* why the GPU did not run (from "gpu_unavailable"), or "" */
    double cpu_hits, gpu_hits, cpu_est, gpu_est;
    /* derived */
    double cube_vol, ball_vol, sphere_area, frac_cube, frac_ball, corner, n_corners, n_faces;
    int have_cube, have_ball;
    /* exact result */
    double value, error_bound, fraction_cube_json, fraction_ball_json;
    int have_error_bound, have_fc, have_fb;
    /* rotations */
    double max_orth, min_det, max_det, seed;
    int have_orth, have_det, have_seed;
    int n_tests, n_pass, pass, have_pass;
    double worst_z;
    char worst_name[48], failed_name[48];
    /* verify */
    int n_cases, n_cases_exact_ok, n_cases_exact, n_cases_ident, n_cases_ident_known;
    double verify_worst_z;
    llm_yesno_facts yn;
} result_info;

static void derive_geometry(result_info *ri)
{
    double d = ri->dim, a = ri->a, r = ri->r;
    ri->have_cube = ri->have_ball = 0;
    if (!ri->have_geom || !(d >= 1) || d > 100000 || !(a > 0) || !(r >= 0))
        return;
    double lcube = d * log(2 * a);
    if (fabs(lcube) < 690) {
        ri->cube_vol = exp(lcube);
        ri->have_cube = 1;
    }
    double lball = (d / 2) * log(M_PI) + d * log(r) - lgamma(d / 2 + 1);
    double lsph = log(2.0) + (d / 2) * log(M_PI) + (d - 1) * log(r) - lgamma(d / 2);
    if (r > 0 && fabs(lball) < 690 && fabs(lsph) < 690) { /* r = 0: no ball to compare with */
        ri->ball_vol = exp(lball);
        ri->sphere_area = exp(lsph);
        ri->have_ball = 1;
    }
    ri->corner = a * sqrt(d);
    ri->n_faces = 2 * d;
    ri->n_corners = d < 1000 ? pow(2.0, d) : NAN;
}

static int read_volume_like(const cJSON *o, result_info *ri, char *err, size_t errlen)
{
    const char *q = jstr(o, "quantity");
    clean_word(ri->quantity, sizeof ri->quantity, q ? q : "volume");
    if (strcmp(ri->quantity, "volume") && strcmp(ri->quantity, "surface") &&
        strcmp(ri->quantity, "orient_avg") && strcmp(ri->quantity, "complement")) {
        so8t_err_set(err, errlen, "unknown quantity '%s' (expected volume, surface, orient_avg or complement)",
                ri->quantity);
        return LLM_ERR_FORMAT;
    }
    ri->have_geom = jnum(o, "dim", &ri->dim) && jnum(o, "radius", &ri->r);
    if (!jnum(o, "half_side", &ri->a))
        ri->a = 1;
    if (ri->have_geom && (ri->dim < 1 || ri->dim > 100000 || ri->dim != floor(ri->dim) ||
                          !(ri->r >= 0) || !(ri->a > 0)))
        ri->have_geom = 0;
    ri->centred = 1;
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(o, "center");
    if (cJSON_IsArray(c)) {
        for (const cJSON *e = c->child; e; e = e->next)
            if (!cJSON_IsNumber(e) || e->valuedouble != 0)
                ri->centred = 0;
    } else if (c && !cJSON_IsNull(c)) {
        ri->centred = 0;
    }
    /* "rotation": null, false, "none" or "identity" means the axis-aligned cube */
    const cJSON *rot = cJSON_GetObjectItemCaseSensitive(o, "rotation");
    if (rot && !cJSON_IsNull(rot) && !cJSON_IsFalse(rot) &&
        !(cJSON_IsString(rot) &&
          (!strcmp(rot->valuestring, "none") || !strcmp(rot->valuestring, "identity"))))
        ri->centred = 0;
    if (!strcmp(ri->quantity, "orient_avg"))
        ri->centred = 0;
    derive_geometry(ri);
    return LLM_OK;
}

static int read_volume(const cJSON *o, result_info *ri, char *err, size_t errlen)
{
    int rc = read_volume_like(o, ri, err, errlen);
    if (rc)
        return rc;
    if (!jnum(o, "estimate", &ri->est)) {
        so8t_err_set(err, errlen, "volume result: 'estimate' is missing or not a finite number");
        return LLM_ERR_FORMAT;
    }
    if (!jnum(o, "std_error", &ri->se) || ri->se < 0) {
        so8t_err_set(err, errlen, "volume result: 'std_error' is missing or not a number >= 0");
        return LLM_ERR_FORMAT;
    }
    if (!jnum(o, "samples", &ri->samples) || ri->samples < 0)
        ri->samples = NAN;
    const char *m = jstr(o, "method"), *b = jstr(o, "backend");
    clean_word(ri->method, sizeof ri->method, m ? m : "?");
    clean_word(ri->backend, sizeof ri->backend, b ? b : "?");
    const cJSON *ci = cJSON_GetObjectItemCaseSensitive(o, "ci95");
    ri->have_ci = cJSON_GetArraySize(ci) == 2 && cJSON_IsNumber(cJSON_GetArrayItem(ci, 0)) &&
                  cJSON_IsNumber(cJSON_GetArrayItem(ci, 1));
    if (ri->have_ci) {
        ri->lo = cJSON_GetArrayItem(ci, 0)->valuedouble;
        ri->hi = cJSON_GetArrayItem(ci, 1)->valuedouble;
        ri->have_ci = isfinite(ri->lo) && isfinite(ri->hi);
    }
    ri->have_rel = jnum(o, "rel_error", &ri->rel);
    ri->have_exact = jnum(o, "exact", &ri->exact);
    if (ri->have_exact && !jnum(o, "z", &ri->z))
        ri->z = ri->se > 0 ? (ri->est - ri->exact) / ri->se : ri->est == ri->exact ? 0 : NAN;
    if (ri->have_exact && isfinite(ri->z)) {
        ri->agrees = fabs(ri->z) <= Z_AGREE;
    } else if (ri->have_exact) {
        /* std_error 0 and a difference: only rounding of the sums can excuse it */
        double diff = fabs(ri->est - ri->exact);
        ri->agrees = (ri->have_ci && ri->lo <= ri->exact && ri->exact <= ri->hi) ||
                     diff <= 1e-9 * fmax(fabs(ri->est), fabs(ri->exact));
    }
    const cJSON *cpu = cJSON_GetObjectItemCaseSensitive(o, "cpu");
    const cJSON *gpu = cJSON_GetObjectItemCaseSensitive(o, "gpu");
    ri->have_cpu = cJSON_IsObject(cpu);
    ri->have_gpu = cJSON_IsObject(gpu);
    ri->cpu_hits = ri->gpu_hits = ri->cpu_est = ri->gpu_est = NAN;
    if (ri->have_cpu) {
        jnum(cpu, "hits", &ri->cpu_hits);
        jnum(cpu, "estimate", &ri->cpu_est);
    }
    if (ri->have_gpu) {
        jnum(gpu, "hits", &ri->gpu_hits);
        jnum(gpu, "estimate", &ri->gpu_est);
    }
    ri->have_identical = jbool(o, "identical", &ri->identical);
    /* Keep the backend's reason only when it is plain words (no digits: every number in
     * the explanation must come from the result). */
    const char *why = jstr(o, "gpu_unavailable");
    ri->gpu_why[0] = '\0';
    if (why && strlen(why) < sizeof ri->gpu_why) {
        int plain = 1;
        for (const char *q = why; *q; q++)
            if (!(isalpha((unsigned char)*q) || *q == ' ' || *q == '(' || *q == ')' ||
                  *q == ',' || *q == '-'))
                plain = 0;
        if (plain)
            snprintf(ri->gpu_why, sizeof ri->gpu_why, "%s", why);
    }
    if (ri->have_geom && ri->have_cube &&
        (!strcmp(ri->quantity, "volume") || !strcmp(ri->quantity, "complement")))
        ri->frac_cube = ri->est / ri->cube_vol;
    else if (ri->have_geom && ri->have_ball && !strcmp(ri->quantity, "surface"))
        ri->frac_cube = ri->est / ri->sphere_area; /* fraction of the sphere inside */
    else
        ri->frac_cube = NAN;
    ri->frac_ball = ri->have_ball && !strcmp(ri->quantity, "volume") ? ri->est / ri->ball_vol
                                                                     : NAN;
    ri->yn.exact_agrees = ri->have_exact ? ri->agrees : -1;
    ri->yn.backends_identical = ri->have_identical && ri->have_gpu ? ri->identical : -1;
    ri->yn.tests_pass = -1;
    return LLM_OK;
}

static int read_exact(const cJSON *o, result_info *ri, char *err, size_t errlen)
{
    int rc = read_volume_like(o, ri, err, errlen);
    if (rc)
        return rc;
    if (!jnum(o, "value", &ri->value)) {
        so8t_err_set(err, errlen, "exact result: 'value' is missing or not a finite number");
        return LLM_ERR_FORMAT;
    }
    ri->have_error_bound = jnum(o, "error_bound", &ri->error_bound);
    ri->have_fc = jnum(o, "fraction_of_cube", &ri->fraction_cube_json);
    ri->have_fb = jnum(o, "fraction_of_ball", &ri->fraction_ball_json);
    ri->yn.exact_agrees = ri->yn.backends_identical = ri->yn.tests_pass = -1;
    return LLM_OK;
}

static int read_rotations(const cJSON *o, result_info *ri, char *err, size_t errlen)
{
    if (!jnum(o, "dim", &ri->dim) || ri->dim < 1 || ri->dim > 4096)
        ri->dim = NAN;
    if (!jnum(o, "samples", &ri->samples))
        ri->samples = NAN;
    ri->have_seed = jnum(o, "seed", &ri->seed);
    const char *b = jstr(o, "backend");
    clean_word(ri->backend, sizeof ri->backend, b ? b : "?");
    ri->have_orth = jnum(o, "max_orthogonality_error", &ri->max_orth);
    ri->have_det = jnum(o, "min_det", &ri->min_det) && jnum(o, "max_det", &ri->max_det);
    const cJSON *tests = cJSON_GetObjectItemCaseSensitive(o, "tests");
    if (!cJSON_IsArray(tests)) {
        so8t_err_set(err, errlen, "rotations result: 'tests' is not an array");
        return LLM_ERR_FORMAT;
    }
    ri->worst_z = -1;
    ri->worst_name[0] = ri->failed_name[0] = '\0';
    for (const cJSON *t = tests->child; t; t = t->next) {
        if (!cJSON_IsObject(t))
            continue;
        ri->n_tests++;
        int p = 0;
        double z;
        const char *name = jstr(t, "name");
        if (jbool(t, "pass", &p) && p)
            ri->n_pass++;
        else if (!ri->failed_name[0])
            clean_word(ri->failed_name, sizeof ri->failed_name, name ? name : "?");
        if (jnum(t, "z", &z) && fabs(z) > ri->worst_z) {
            ri->worst_z = fabs(z);
            clean_word(ri->worst_name, sizeof ri->worst_name, name ? name : "?");
        }
    }
    ri->have_pass = jbool(o, "pass", &ri->pass);
    if (!ri->have_pass) {
        ri->pass = ri->n_tests > 0 && ri->n_pass == ri->n_tests;
        ri->have_pass = ri->n_tests > 0;
    }
    ri->yn.exact_agrees = ri->yn.backends_identical = -1;
    ri->yn.tests_pass = ri->have_pass ? ri->pass : -1;
    return LLM_OK;
}

static int read_verify(const cJSON *o, result_info *ri, char *err, size_t errlen)
{
    const cJSON *cases = cJSON_GetObjectItemCaseSensitive(o, "cases");
    if (!cJSON_IsArray(cases)) {
        so8t_err_set(err, errlen, "verify result: 'cases' is not an array");
        return LLM_ERR_FORMAT;
    }
    ri->verify_worst_z = -1;
    for (const cJSON *c = cases->child; c; c = c->next) {
        if (!cJSON_IsObject(c))
            continue;
        ri->n_cases++;
        double z, est, ex, se;
        int ident;
        if (!jnum(c, "z", &z) && jnum(c, "estimate", &est) && jnum(c, "exact", &ex) &&
            jnum(c, "std_error", &se) && se > 0)
            z = (est - ex) / se;
        else if (!jnum(c, "z", &z))
            z = NAN;
        if (isfinite(z)) {
            ri->n_cases_exact++;
            if (fabs(z) <= Z_AGREE)
                ri->n_cases_exact_ok++;
            if (fabs(z) > ri->verify_worst_z)
                ri->verify_worst_z = fabs(z);
        }
        if (jbool(c, "identical", &ident) && cJSON_IsObject(cJSON_GetObjectItem(c, "gpu"))) {
            ri->n_cases_ident_known++;
            ri->n_cases_ident += ident;
        }
    }
    ri->have_pass = jbool(o, "pass", &ri->pass);
    ri->yn.exact_agrees = ri->n_cases_exact ? ri->n_cases_exact_ok == ri->n_cases_exact : -1;
    ri->yn.backends_identical =
        ri->n_cases_ident_known ? ri->n_cases_ident == ri->n_cases_ident_known : -1;
    ri->yn.tests_pass = ri->have_pass ? ri->pass : -1;
    return LLM_OK;
}

/* Parses the JSON and reads it; *root must be freed with cJSON_Delete on success. */
static int read_result(const char *json_text, cJSON **root, result_info *ri, char *err,
                       size_t errlen)
{
    *root = NULL;
    memset(ri, 0, sizeof *ri);
    if (!json_text) {
        so8t_err_set(err, errlen, "no result text");
        return LLM_ERR_INVAL;
    }
    size_t len = strnlen(json_text, MAX_JSON_BYTES + 1);
    if (len > MAX_JSON_BYTES) {
        so8t_err_set(err, errlen, "result JSON is larger than %u bytes", MAX_JSON_BYTES);
        return LLM_ERR_FORMAT;
    }
    const char *end = NULL;
    cJSON *o = cJSON_ParseWithLengthOpts(json_text, len + 1, &end, 1); /* + 1: the NUL */
    if (!o) {
        size_t off = end && end >= json_text ? (size_t)(end - json_text) : 0;
        so8t_err_set(err, errlen, "the result is not valid JSON (error near byte %zu)", off);
        return LLM_ERR_FORMAT;
    }
    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        so8t_err_set(err, errlen, "the result must be a JSON object (the output of a so8t command "
                             "with --json)");
        return LLM_ERR_FORMAT;
    }
    int rc;
    if (cJSON_GetObjectItemCaseSensitive(o, "cases")) {
        ri->kind = LLM_RESULT_VERIFY;
        rc = read_verify(o, ri, err, errlen);
    } else if (cJSON_GetObjectItemCaseSensitive(o, "tests")) {
        ri->kind = LLM_RESULT_ROTATIONS;
        rc = read_rotations(o, ri, err, errlen);
    } else if (cJSON_GetObjectItemCaseSensitive(o, "estimate")) {
        ri->kind = LLM_RESULT_VOLUME;
        rc = read_volume(o, ri, err, errlen);
    } else if (cJSON_GetObjectItemCaseSensitive(o, "value")) {
        ri->kind = LLM_RESULT_EXACT;
        rc = read_exact(o, ri, err, errlen);
    } else {
        so8t_err_set(err, errlen,
                "not a so8t result: expected the --json output of 'so8t volume', 'exact', "
                "'rotations --stats' or 'verify' (no 'estimate', 'value', 'tests' or 'cases' "
                "field)");
        rc = LLM_ERR_FORMAT;
    }
    if (!rc)
        rc = llm_result_check(o, err, errlen); /* possible numbers only, see result_check.h */
    if (rc) {
        cJSON_Delete(o);
        return rc;
    }
    *root = o;
    return LLM_OK;
}

/* ------------------------------------------------------------------------------------------
 * facts, allowed numbers, template
 * ------------------------------------------------------------------------------------------ */

static void describe_body(llm_strbuf *b, const result_info *ri)
{
    char a[32], r[32];
    fmt_g(a, sizeof a, ri->a, 6);
    fmt_g(r, sizeof r, ri->r, 6);
    int d = (int)ri->dim;
    const char *centre = ri->centred ? "centred at 0" : "centred as given";
    if (!strcmp(ri->quantity, "surface"))
        llm_strbuf_add(b, "the surface measure of the sphere of radius %s (%s) inside the cube [-%s, %s]^%d",
               r, centre, a, a, d);
    else if (!strcmp(ri->quantity, "orient_avg"))
        llm_strbuf_add(b, "the volume of the randomly rotated cube [-%s, %s]^%d inside the ball of radius "
                  "%s, averaged over uniform (Haar) rotations",
               a, a, d, r);
    else
        llm_strbuf_add(b, "the volume of the part of the cube [-%s, %s]^%d %s the ball of radius %s "
                  "(%s)",
               a, a, d, !strcmp(ri->quantity, "complement") ? "outside" : "inside", r, centre);
}

/* "task: ..." without "the part of" wording: short, so the prompt stays small. */
static void describe_short(llm_strbuf *b, const result_info *ri)
{
    char a[32], r[32];
    fmt_g(a, sizeof a, ri->a, 6);
    fmt_g(r, sizeof r, ri->r, 6);
    int d = (int)ri->dim;
    const char *centre = ri->centred ? "" : " (centre off 0)";
    if (!strcmp(ri->quantity, "surface"))
        llm_strbuf_add(b, "surface of the sphere of radius %s%s inside the cube [-%s, %s]^%d", r, centre,
               a, a, d);
    else if (!strcmp(ri->quantity, "orient_avg"))
        llm_strbuf_add(b, "volume of the cube [-%s, %s]^%d inside the ball of radius %s, averaged over "
                  "random rotations of the cube",
               a, a, d, r);
    else
        llm_strbuf_add(b, "volume of the cube [-%s, %s]^%d %s the ball of radius %s%s", a, a, d,
                       !strcmp(ri->quantity, "complement") ? "outside" : "inside", r, centre);
}

static void add_corner_fact(llm_strbuf *f, const result_info *ri)
{
    char x[48], y[48];
    if (!ri->have_geom || !ri->centred)
        return;
    fmt_g(x, sizeof x, ri->a, 6);
    fmt_g(y, sizeof y, ri->corner, 3);
    llm_strbuf_add(f, "- distance to a face: %s\n- distance to a corner: %s\n", x, y);
}

/* The fact lines given to the model (and printed by --json). Same labels and order as the
 * worked examples, so that a small base model copies the right number. */
static void build_facts(llm_strbuf *f, const result_info *ri)
{
    char x[128], y[128];
    switch (ri->kind) {
    case LLM_RESULT_VOLUME:
        llm_strbuf_add(f, "- task: ");
        if (ri->have_geom)
            describe_short(f, ri);
        else
            llm_strbuf_add(f, "%s", ri->quantity);
        llm_strbuf_add(f, "\n");
        fmt_count(x, sizeof x, ri->samples);
        if (isfinite(ri->samples))
            llm_strbuf_add(f, "- samples: %s\n", x);
        fmt_pm(x, sizeof x, ri->est, ri->se);
        llm_strbuf_add(f, "- estimate: %s\n", x);
        if (ri->have_gpu && ri->have_cpu && ri->have_identical) {
            fmt_count(x, sizeof x, ri->gpu_hits);
            fmt_count(y, sizeof y, ri->cpu_hits);
            llm_strbuf_add(f, "- GPU hits: %s\n- CPU hits: %s\n- identical: %s\n", x, y,
                   ri->identical ? "yes" : "no");
        } else if (ri->have_cpu) {
            llm_strbuf_add(f, "- GPU: not run\n");
        }
        if (ri->have_exact) {
            fmt_g(x, sizeof x, ri->exact, 8);
            fmt_sig(y, sizeof y, fabs(ri->z), 2);
            llm_strbuf_add(f, "- exact value: %s\n", x);
            if (isfinite(ri->z))
                llm_strbuf_add(f, "- standard errors away: %s\n", y);
            llm_strbuf_add(f, "- agrees: %s\n", ri->agrees ? "yes" : "no");
        }
        if (isfinite(ri->frac_cube)) {
            fmt_sig(x, sizeof x, 100 * ri->frac_cube, 3);
            llm_strbuf_add(f, "- %s: %s%%\n",
                   !strcmp(ri->quantity, "surface") ? "fraction of the sphere inside the cube"
                                                    : "fraction of the cube",
                   x);
        }
        add_corner_fact(f, ri);
        break;
    case LLM_RESULT_EXACT:
        llm_strbuf_add(f, "- task: exact ");
        if (ri->have_geom)
            describe_short(f, ri);
        else
            llm_strbuf_add(f, "%s", ri->quantity);
        llm_strbuf_add(f, "\n");
        fmt_g(x, sizeof x, ri->value, 10);
        llm_strbuf_add(f, "- value: %s\n", x);
        if (ri->have_error_bound) {
            fmt_sig(x, sizeof x, ri->error_bound, 2);
            llm_strbuf_add(f, "- error bound: %s\n", x);
        }
        if (!strcmp(ri->quantity, "surface")) {
            if (ri->have_ball) {
                fmt_sig(x, sizeof x, 100 * ri->value / ri->sphere_area, 3);
                llm_strbuf_add(f, "- fraction of the sphere inside the cube: %s%%\n", x);
            }
        } else if (ri->have_fc) {
            fmt_sig(x, sizeof x, 100 * ri->fraction_cube_json, 3);
            llm_strbuf_add(f, "- fraction of the cube: %s%%\n", x);
        }
        add_corner_fact(f, ri);
        break;
    case LLM_RESULT_ROTATIONS:
        fmt_count(x, sizeof x, ri->samples);
        if (!isfinite(ri->samples)) /* not in the result */
            snprintf(x, sizeof x, "some");
        if (isfinite(ri->dim))
            llm_strbuf_add(f, "- task: %s random rotations in %d dimensions, SO(%d)\n", x, (int)ri->dim,
                   (int)ri->dim);
        else
            llm_strbuf_add(f, "- task: %s random rotations\n", x);
        if (ri->have_orth) {
            fmt_sig(x, sizeof x, ri->max_orth, 2);
            llm_strbuf_add(f, "- orthogonality error: %s\n", x);
        }
        llm_strbuf_add(f, "- tests of uniformity: %d\n- tests passed: %d\n", ri->n_tests, ri->n_pass);
        if (ri->worst_z >= 0) {
            fmt_sig(x, sizeof x, ri->worst_z, 2);
            llm_strbuf_add(f, "- worst deviation: %s\n", x);
        }
        break;
    case LLM_RESULT_VERIFY:
        llm_strbuf_add(f, "- task: so8t verify, checks of GPU, CPU and exact values\n");
        llm_strbuf_add(f, "- cases: %d\n", ri->n_cases);
        if (ri->n_cases_exact) {
            llm_strbuf_add(f, "- agreeing with the exact value: %d of %d\n", ri->n_cases_exact_ok,
                   ri->n_cases_exact);
            fmt_sig(x, sizeof x, ri->verify_worst_z, 2);
            llm_strbuf_add(f, "- largest standard errors away: %s\n", x);
        }
        if (ri->n_cases_ident_known)
            llm_strbuf_add(f, "- identical GPU and CPU counts: %d of %d\n", ri->n_cases_ident,
                   ri->n_cases_ident_known);
        else
            llm_strbuf_add(f, "- GPU: not run\n");
        if (ri->have_pass)
            llm_strbuf_add(f, "- passed: %s\n", ri->pass ? "yes" : "no");
        break;
    }
}

/* The geometry sentence (volume and exact results centred at 0). */
static void geometry_sentence(llm_strbuf *t, const result_info *ri, double frac)
{
    char a[32], r[32], c[32], p[32], n[32];
    if (!ri->have_geom || !isfinite(frac))
        return;
    if (ri->r == 0) {
        llm_strbuf_add(t, " A ball of radius 0 is a single point, so the overlap has no %s: "
                          "the value is exactly 0.",
                       !strcmp(ri->quantity, "surface") ? "area" : "volume");
        return;
    }
    int d = (int)ri->dim;
    fmt_g(a, sizeof a, ri->a, 6);
    fmt_g(r, sizeof r, ri->r, 6);
    fmt_g(c, sizeof c, ri->corner, 3);
    fmt_sig(p, sizeof p, 100 * frac, 3);
    if (!strcmp(ri->quantity, "complement")) { /* the part of the cube outside the ball */
        if (ri->centred && ri->r >= ri->corner)
            llm_strbuf_add(t, " The ball contains the whole cube (its corners are at distance "
                              "%s), so no part of the cube lies outside it.",
                           c);
        else if (ri->centred && ri->r > ri->a)
            llm_strbuf_add(t, " The part outside the ball is %s%% of the cube: it lies out in "
                              "the corners, beyond distance %s from the centre (the corners "
                              "are at distance %s).",
                           p, r, c);
        else
            llm_strbuf_add(t, " The part outside the ball is %s%% of the cube.", p);
        return;
    }
    if (!strcmp(ri->quantity, "surface")) {
        fmt_count(n, sizeof n, ri->n_faces);
        /* "Only" when under half of the sphere is inside (near r = a most of it is) */
        if (ri->centred && ri->r > ri->a && ri->r < ri->corner)
            llm_strbuf_add(t, " %s%s%% of the sphere's surface lies inside the cube: a sphere of "
                      "radius %s pokes out through all %s faces of the cube (at distance %s) "
                      "while staying short of its corners (at distance %s).",
                   frac < 0.5 ? "Only " : "", p, r, n, a, c);
        else
            llm_strbuf_add(t, " %s%% of the sphere's surface lies inside the cube.", p);
        return;
    }
    if (!ri->centred) {
        llm_strbuf_add(t, " The overlap fills %s%% of the cube.", p);
        return;
    }
    /* The corner sentences state the high-dimensional effect; they are true only where it
     * is there: the inscribed ball fills under half the cube from d = 4 on (52 % at d = 3,
     * 79 % at d = 2, all of it at d = 1), and a bigger ball leaves "much" outside only while
     * it fills under half. Elsewhere a plain sentence. */
    double lin = (d / 2.0) * log(M_PI) - lgamma(d / 2.0 + 1) - d * log(2.0);
    if (ri->r <= ri->a && (!(lin < log(0.5)) || ri->r < 0.5 * ri->a)) /* a small ball is small */
        llm_strbuf_add(t, " The ball fits inside the cube, so the overlap is the whole ball: %s%% of "
                          "the cube.",
                       p);
    else if (ri->r <= ri->a)
        llm_strbuf_add(t, " The ball fits inside the cube, so the overlap is the whole ball, yet it fills "
                  "only %s%% of the cube: in %d dimensions most of a cube's volume sits out "
                  "towards its corners (at distance %s), far from the centre.",
               p, d, c);
    else if (ri->r < ri->corner) {
        if (isfinite(ri->n_corners) && ri->n_corners < 1e15)
            fmt_count(n, sizeof n, ri->n_corners);
        else
            snprintf(n, sizeof n, "2^%d", d);
        llm_strbuf_add(t, " The overlap fills %s%% of the cube: the ball reaches past the cube's faces "
                  "(at distance %s) but not its %s corners (at distance %s)",
               p, a, n, c);
        if (frac < 0.5)
            llm_strbuf_add(t, ", and in %d dimensions much of a cube's volume lies out in those "
                              "corners",
                           d);
        llm_strbuf_add(t, ".");
    } else
        llm_strbuf_add(t, " The ball contains the whole cube (its corners are at distance %s), so the "
                  "overlap is the cube itself: %s%% of it.",
               c, p);
}

static void build_template(llm_strbuf *t, const result_info *ri)
{
    char x[128], y[128], z[128];
    switch (ri->kind) {
    case LLM_RESULT_VOLUME:
        fmt_count(x, sizeof x, ri->samples);
        llm_strbuf_add(t, "so8t estimated ");
        if (ri->have_geom)
            describe_body(t, ri);
        else
            llm_strbuf_add(t, "a %s", ri->quantity);
        if (ri->samples == 0) /* known without sampling (e.g. disjoint bodies) */
            llm_strbuf_add(t, " without random samples, because the value is known exactly "
                              "(method %s, backend %s).",
                           ri->method, ri->backend);
        else if (isfinite(ri->samples))
            llm_strbuf_add(t, " from %s random samples (method %s, backend %s).", x,
                           ri->method, ri->backend);
        else
            llm_strbuf_add(t, " by random sampling (method %s, backend %s).", ri->method,
                           ri->backend);
        fmt_pm(x, sizeof x, ri->est, ri->se);
        if (ri->se > 0)
            llm_strbuf_add(t, " The estimate is %s, where ± is one standard error", x);
        else
            llm_strbuf_add(t, " The estimate is %s, with a standard error of 0", x);
        if (ri->have_ci) {
            fmt_at(y, sizeof y, ri->lo, ri->se);
            fmt_at(z, sizeof z, ri->hi, ri->se);
            llm_strbuf_add(t, "; the 95%% interval runs from %s to %s", y, z);
        }
        llm_strbuf_add(t, ".");
        if (ri->have_gpu && ri->have_cpu && ri->have_identical) {
            fmt_count(x, sizeof x, ri->gpu_hits);
            fmt_count(y, sizeof y, ri->cpu_hits);
            if (ri->identical)
                llm_strbuf_add(t, " The GPU and the CPU counted identical numbers of hits (%s), as they "
                          "must, since both draw their random numbers from one seed.",
                       x);
            else
                llm_strbuf_add(t, " The GPU counted %s hits and the CPU %s: the counts are not "
                          "identical, although both draw their random numbers from one seed, "
                          "so one backend has a bug.",
                       x, y);
        } else if (ri->have_cpu) {
            llm_strbuf_add(t, " The GPU was not run (%s), so the CPU alone computed the estimate.",
                   ri->gpu_why[0] ? ri->gpu_why : "no CUDA device here");
        }
        if (ri->have_exact) {
            fmt_g(x, sizeof x, ri->exact, 8);
            fmt_sig(y, sizeof y, fabs(ri->z), 2);
            fmt_sig(z, sizeof z, fabs(ri->est - ri->exact), 2);
            if ((!isfinite(ri->z) || ri->se == 0) && ri->agrees)
                llm_strbuf_add(t, " The exact value is %s; the estimate, with a standard error of "
                                  "0, equals it up to the rounding of its sums, so they agree.",
                               x);
            else if (!isfinite(ri->z))
                llm_strbuf_add(t, " The exact value is %s, and the estimate, with a standard error "
                                  "of 0, differs from it by %s, so it does not agree with it.",
                               x, z);
            else if (ri->agrees)
                llm_strbuf_add(t, " The exact value is %s, %s standard errors away, so the estimate "
                          "agrees with it (the check allows 5).",
                       x, y);
            else
                llm_strbuf_add(t, " The exact value is %s, %s standard errors away, so the estimate does "
                          "not agree with it: that many standard errors means a bug, not bad "
                          "luck.",
                       x, y);
        }
        geometry_sentence(t, ri, ri->frac_cube);
        break;
    case LLM_RESULT_EXACT:
        llm_strbuf_add(t, "so8t computed ");
        if (ri->have_geom)
            describe_body(t, ri);
        else
            llm_strbuf_add(t, "a %s", ri->quantity);
        fmt_g(x, sizeof x, ri->value, 10);
        llm_strbuf_add(t, " deterministically: it is %s", x);
        if (ri->have_error_bound) {
            fmt_sig(y, sizeof y, ri->error_bound, 2);
            llm_strbuf_add(t, ", with an error bound of %s", y);
        }
        llm_strbuf_add(t, ".");
        llm_strbuf_add(t, " This is a reference value, not a random estimate, so it has no statistical "
                  "uncertainty; Monte Carlo runs are checked against it.");
        if (ri->have_fb && !strcmp(ri->quantity, "volume")) {
            fmt_sig(x, sizeof x, 100 * ri->fraction_ball_json, 3);
            if (ri->fraction_ball_json == 0 && ri->value > 0) /* below the double range */
                llm_strbuf_add(t, " It is a vanishing part of the ball's volume (less than "
                                  "1e-300 of it).");
            else
                llm_strbuf_add(t, " It contains %s%% of the ball's volume.", x);
        }
        if (!strcmp(ri->quantity, "surface"))
            geometry_sentence(t, ri, ri->have_ball ? ri->value / ri->sphere_area : NAN);
        else
            geometry_sentence(t, ri, ri->have_fc     ? ri->fraction_cube_json
                                     : ri->have_cube ? ri->value / ri->cube_vol
                                                     : NAN);
        break;
    case LLM_RESULT_ROTATIONS:
        fmt_count(x, sizeof x, ri->samples);
        if (!isfinite(ri->samples)) /* not in the result */
            snprintf(x, sizeof x, "some");
        if (isfinite(ri->dim))
            llm_strbuf_add(t, "so8t drew %s uniformly random (Haar) rotations of SO(%d) on the %s "
                      "backend.",
                   x, (int)ri->dim, ri->backend);
        else
            llm_strbuf_add(t, "so8t drew %s uniformly random (Haar) rotations on the %s backend.", x,
                   ri->backend);
        if (ri->have_orth) {
            fmt_sig(x, sizeof x, ri->max_orth, 2);
            llm_strbuf_add(t, " Every matrix is a proper rotation to rounding error: the largest "
                      "orthogonality error is %s",
                   x);
            if (ri->have_det) {
                snprintf(y, sizeof y, "%.17g", ri->min_det);
                snprintf(z, sizeof z, "%.17g", ri->max_det);
                llm_strbuf_add(t, " and the determinants lie between %s and %s", y, z);
            }
            llm_strbuf_add(t, ".");
        }
        if (ri->pass)
            llm_strbuf_add(t, " All %d statistical tests of the Haar distribution passed", ri->n_tests);
        else
            llm_strbuf_add(t, " Only %d of %d statistical tests of the Haar distribution passed; %s "
                      "failed, so the sampler is not uniform",
                   ri->n_pass, ri->n_tests, ri->failed_name[0] ? ri->failed_name : "one");
        if (ri->worst_z >= 0) {
            fmt_sig(x, sizeof x, ri->worst_z, 2);
            llm_strbuf_add(t, "; the largest |z| is %s (%s)", x, ri->worst_name);
        }
        llm_strbuf_add(t, ".");
        llm_strbuf_add(t, " Uniform rotations treat every direction alike, which is what averaging a "
                  "volume over all orientations of the cube needs.");
        break;
    case LLM_RESULT_VERIFY:
        llm_strbuf_add(t, "so8t verify ran %d cases, each comparing the GPU, the CPU and the exact "
                  "value.",
               ri->n_cases);
        if (ri->n_cases_exact) {
            fmt_sig(x, sizeof x, ri->verify_worst_z, 2);
            if (ri->n_cases_exact_ok == ri->n_cases_exact)
                llm_strbuf_add(t, " Every estimate agrees with its exact value within 5 standard errors "
                          "(the largest |z| is %s).",
                       x);
            else
                llm_strbuf_add(t, " %d of %d estimates are within 5 standard errors of the exact value; "
                          "the others do not agree (largest |z| %s).",
                       ri->n_cases_exact_ok, ri->n_cases_exact, x);
        }
        if (ri->n_cases_ident_known) {
            if (ri->n_cases_ident == ri->n_cases_ident_known)
                llm_strbuf_add(t, " The GPU and CPU hit counts were identical in all %d cases that ran "
                          "on both.",
                       ri->n_cases_ident_known);
            else
                llm_strbuf_add(t, " The GPU and CPU hit counts differ in %d of %d cases, which points "
                          "to a bug.",
                       ri->n_cases_ident_known - ri->n_cases_ident, ri->n_cases_ident_known);
        } else {
            llm_strbuf_add(t, " The GPU was not run (no CUDA device here), so only the CPU was "
                      "checked.");
        }
        if (ri->have_pass)
            llm_strbuf_add(t, ri->pass ? " Overall the suite passed." : " Overall the suite failed.");
        break;
    }
}

static void build_allowed(dvec *d, const cJSON *root, const result_info *ri, const char *facts)
{
    collect_numbers(root, d, 0);
    /* derived values and the constants the explanation may name */
    dv_add(d, 95);
    dv_add(d, Z_AGREE);
    if (ri->have_geom) {
        dv_add(d, ri->dim);
        dv_add(d, ri->dim - 1);
        dv_add(d, 2 * ri->a);
        dv_add(d, ri->corner);
        dv_add(d, ri->n_faces);
        dv_add(d, ri->n_corners);
        if (ri->have_cube)
            dv_add(d, ri->cube_vol);
        if (ri->have_ball) {
            dv_add(d, ri->ball_vol);
            dv_add(d, ri->sphere_area);
        }
    }
    dv_add(d, ri->frac_cube);
    dv_add(d, 1 - ri->frac_cube);
    dv_add(d, ri->frac_ball);
    if (ri->have_exact) {
        dv_add(d, ri->z);
        dv_add(d, ri->est - ri->exact);
    }
    if (ri->kind == LLM_RESULT_ROTATIONS) {
        dv_add(d, ri->n_tests);
        dv_add(d, ri->n_pass);
        dv_add(d, ri->n_tests - ri->n_pass);
        dv_add(d, ri->worst_z);
    }
    if (ri->kind == LLM_RESULT_VERIFY) {
        dv_add(d, ri->n_cases);
        dv_add(d, ri->n_cases_exact);
        dv_add(d, ri->n_cases_exact_ok);
        dv_add(d, ri->n_cases_ident);
        dv_add(d, ri->n_cases_ident_known);
        dv_add(d, ri->verify_worst_z);
    }
    /* every number as shown in the facts (roundings of the above, but also "2^8" etc.) */
    llm_number *nums = NULL;
    int n = llm_numbers_find(facts, &nums);
    for (int i = 0; i < n; i++)
        dv_add(d, nums[i].value);
    if (n < 0)
        d->oom = 1;
    free(nums);
}

/* ------------------------------------------------------------------------------------------
 * prompts
 * ------------------------------------------------------------------------------------------ */

/* The worked examples cite facts by name in brackets ("[estimate]"); the model does the
 * same and so8t puts the fact's value in. A small base model copies numbers badly but
 * names well, so this keeps every number exact; numbers it writes itself are still
 * checked. The example numbers are real: [-1, 1]^3 ∩ B(0, 1.2) has volume
 * π(4/3·1.2³ − 2·0.2²·3.4) = 6.3837163 (six caps cut off), 79.8% of the cube. */
static const char *const INSTRUCTION =
    "so8t results, each explained in 3 to 5 plain sentences. A fact is cited by its name in "
    "brackets, like [estimate].";

static const char *const EXAMPLE_ROTATIONS =
    "Facts:\n"
    "- task: 100,000 random rotations in 4 dimensions, SO(4)\n"
    "- orthogonality error: 8.9e-16\n"
    "- tests of uniformity: 4\n"
    "- tests passed: 4\n"
    "- worst deviation: 1.3\n"
    "Explanation: so8t drew [task]. Each one is a proper rotation up to rounding: its "
    "orthogonality error is at most [orthogonality error]. All [tests of uniformity] tests of "
    "uniformity passed, the worst [worst deviation] standard errors from its expected value. "
    "So the rotations treat every direction alike, as averaging over orientations "
    "requires.\n";

/* The worked example for a volume or exact result, built to have the same fact names
 * as the target (GPU run or not, exact value or not, agreeing or not, volume or surface,
 * corners or not), so that a copied sentence cites facts that exist and stays true.
 * Example numbers (d = 3, r = 1.2, six caps of height 0.2 cut off the ball):
 *   volume  π(4/3·1.2³ − 2·0.2²·3.4) = 6.3837163, 79.8% of the cube (8);
 *   surface 4π·1.2² − 6·2π·1.2·0.2 = 9.0477868, 50.0% of the sphere (18.095574);
 *   MC: 10^6 samples, se 0.0032 (volume) / 0.0027 (surface). */
static char *build_example(llm_result_kind k, const char *facts)
{
    int surface = strstr(facts, "- task: surface") || strstr(facts, "- task: exact surface");
    int gpu_lines = strstr(facts, "- GPU hits:") != NULL;
    int gpu_none = strstr(facts, "- GPU: not run") != NULL;
    int ident_no = strstr(facts, "- identical: no") != NULL;
    int exact = strstr(facts, "- exact value:") != NULL;
    int agree_no = strstr(facts, "- agrees: no") != NULL;
    int corner = strstr(facts, "- distance to a corner:") != NULL;
    int frac = strstr(facts, "- fraction of the") != NULL;
    int eb = strstr(facts, "- error bound:") != NULL;
    const char *what = surface ? "surface of the sphere of radius 1.2 inside the cube [-1, 1]^3"
                               : "volume of the cube [-1, 1]^3 inside the ball of radius 1.2";
    const char *fname = surface ? "fraction of the sphere inside the cube" : "fraction of the cube";
    llm_strbuf b = {0};
    llm_strbuf_add(&b, "Facts:\n");
    if (k == LLM_RESULT_EXACT) {
        llm_strbuf_add(&b, "- task: exact %s\n- value: %s\n", what, surface ? "9.047786842" : "6.383716272");
        if (eb)
            llm_strbuf_add(&b, "- error bound: 1.0e-12\n");
    } else {
        llm_strbuf_add(&b, "- task: %s\n- samples: 1,000,000\n- estimate: %s\n", what,
               surface ? (agree_no ? "9.0712 ± 0.0027" : "9.0495 ± 0.0027")
                       : (agree_no ? "6.4125 ± 0.0032" : "6.3860 ± 0.0032"));
        if (gpu_lines)
            llm_strbuf_add(&b, "- GPU hits: %s\n- CPU hits: 798,248\n- identical: %s\n",
                   ident_no ? "798,311" : "798,248", ident_no ? "no" : "yes");
        else if (gpu_none)
            llm_strbuf_add(&b, "- GPU: not run\n");
        if (exact)
            llm_strbuf_add(&b, "- exact value: %s\n- standard errors away: %s\n- agrees: %s\n",
                   surface ? "9.0477868" : "6.3837163",
                   surface ? (agree_no ? "8.7" : "0.63") : (agree_no ? "9.0" : "0.71"),
                   agree_no ? "no" : "yes");
    }
    if (frac)
        llm_strbuf_add(&b, "- %s: %s\n", fname, surface ? "50.0%" : "79.8%");
    if (corner)
        llm_strbuf_add(&b, "- distance to a face: 1\n- distance to a corner: 1.73\n");
    llm_strbuf_add(&b, "Explanation:");
    if (k == LLM_RESULT_EXACT) {
        llm_strbuf_add(&b, " so8t computed the [task] without random numbers: it is [value]%s.",
               eb ? ", with an error bound of [error bound]" : "");
        llm_strbuf_add(&b, " This reference value has no statistical uncertainty, so Monte Carlo runs "
                   "are checked against it.");
    } else {
        llm_strbuf_add(&b, " With [samples] random points, so8t estimated the [task] as [estimate].");
        if (gpu_lines && !ident_no)
            llm_strbuf_add(&b, " The GPU and the CPU counted the same [GPU hits] hits, as they must "
                       "with one seed.");
        else if (gpu_lines)
            llm_strbuf_add(&b, " The GPU counted [GPU hits] hits but the CPU [CPU hits]: the counts "
                       "differ, which with one seed means a bug in one backend.");
        else if (gpu_none)
            llm_strbuf_add(&b, " There was no GPU, so the CPU computed it alone.");
        if (exact && !agree_no)
            llm_strbuf_add(&b, " The exact value [exact value] is only [standard errors away] standard "
                       "errors away, so the estimate agrees with it.");
        else if (exact)
            llm_strbuf_add(&b, " The exact value [exact value] is [standard errors away] standard errors "
                       "away, far more than chance allows, so the estimate does not agree with "
                       "it.");
    }
    if (frac && surface)
        llm_strbuf_add(&b, " Only [%s] of the sphere lies inside the cube%s", fname,
               corner ? ": it pokes out through the faces at distance [distance to a face] but "
                        "stays short of the corners at distance [distance to a corner]."
                      : ".");
    else if (frac)
        llm_strbuf_add(&b, " The overlap fills [%s] of the cube%s", fname,
               corner ? ": the ball pokes out through the faces at distance [distance to a "
                        "face] but misses the corners at distance [distance to a corner]."
                      : ".");
    llm_strbuf_add(&b, "\n");
    return llm_strbuf_take(&b);
}

/* The worked example for a verify result, with the same GPU facts as the target. */
static char *build_verify_example(const char *facts)
{
    int gpu = strstr(facts, "- identical GPU and CPU counts:") != NULL;
    llm_strbuf b = {0};
    llm_strbuf_add(&b, "Facts:\n- task: so8t verify, checks of GPU, CPU and exact values\n- cases: 12\n"
               "- agreeing with the exact value: 12 of 12\n- largest standard errors away: "
               "2.9\n%s- passed: yes\n",
           gpu ? "- identical GPU and CPU counts: 12 of 12\n" : "- GPU: not run\n");
    llm_strbuf_add(&b, "Explanation: so8t ran [cases] verification cases. In [agreeing with the exact "
               "value] cases the estimate agrees with the exact value, the worst being [largest "
               "standard errors away] standard errors away. %s\n",
           gpu ? "The GPU and the CPU counts were identical in [identical GPU and CPU counts] "
                 "cases, as one seed requires."
               : "There was no GPU, so only the CPU was checked.");
    return llm_strbuf_take(&b);
}

/* Lower-case word w (n bytes) without a plural 's', for comparing names. */
static size_t word_stem(const char *w, size_t n, char *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < cap; i++)
        out[k++] = (char)tolower((unsigned char)w[i]);
    if (k > 3 && out[k - 1] == 's')
        k--;
    out[k] = '\0';
    return k;
}

/* 1 when the fact name (nl bytes) contains the stem as a word. */
static int name_has_stem(const char *name, size_t nl, const char *stem)
{
    size_t i = 0;
    while (i < nl) {
        while (i < nl && !isalpha((unsigned char)name[i]))
            i++;
        size_t b = i;
        while (i < nl && isalpha((unsigned char)name[i]))
            i++;
        char w[64];
        if (i > b && word_stem(name + b, i - b, w, sizeof w) && !strcmp(w, stem))
            return 1;
    }
    return 0;
}

/* A citation is misattributed when the words just before it, in the same clause, name
 * another fact: "the largest orthogonality error is [largest standard errors away]".
 * Only words of 5+ letters count. Writes the distinctive word into `word`. */
static int citation_misattributed(const char *clause, size_t cl, const char *name, size_t nl,
                                  const char *facts, char *word, size_t wcap)
{
    size_t i = 0;
    while (i < cl) {
        while (i < cl && !isalpha((unsigned char)clause[i]))
            i++;
        size_t b = i;
        while (i < cl && isalpha((unsigned char)clause[i]))
            i++;
        char stem[64];
        if (i - b < 5 || word_stem(clause + b, i - b, stem, sizeof stem) < 5)
            continue;
        if (name_has_stem(name, nl, stem))
            continue;
        /* does another fact's name have it? */
        for (const char *f = facts; f && *f;) {
            const char *eol = strchr(f, '\n');
            const char *colon = strstr(f, ": ");
            if (f[0] == '-' && f[1] == ' ' && colon && (!eol || colon < eol) &&
                name_has_stem(f + 2, (size_t)(colon - f - 2), stem)) {
                snprintf(word, wcap, "%.*s", (int)(i - b), clause + b);
                return 1;
            }
            f = eol ? eol + 1 : NULL;
        }
    }
    return 0;
}

/* Replaces every [name] that names a fact ("- name: value" line) with its value. A
 * bracket that looks like a name (letters, spaces, '-', '|') but names no fact is an
 * error (*bad gets it); other brackets ("[-1, 1]^8") stay as written. Returns a malloc'd
 * text or NULL when out of memory. */
static char *substitute_facts(const char *text, const char *facts, char *bad, size_t badlen)
{
    llm_strbuf o = {0};
    llm_strbuf_add(&o, "%s", "");
    if (bad && badlen)
        bad[0] = '\0';
    const char *p = text;
    while (*p) {
        const char *lb = strchr(p, '[');
        const char *rb = lb ? strchr(lb + 1, ']') : NULL;
        if (!lb || !rb || rb - lb > 60) {
            if (lb && (!rb || rb - lb > 60)) {
                llm_strbuf_add(&o, "%.*s", (int)(lb + 1 - p), p);
                p = lb + 1;
                continue;
            }
            llm_strbuf_add(&o, "%s", p);
            break;
        }
        llm_strbuf_add(&o, "%.*s", (int)(lb - p), p);
        size_t nl = (size_t)(rb - lb - 1);
        const char *name = lb + 1;
        int wordy = nl > 0;
        for (size_t i = 0; i < nl; i++)
            if (!isalpha((unsigned char)name[i]) && name[i] != ' ' && name[i] != '-' &&
                name[i] != '|')
                wordy = 0;
        const char *val = NULL;
        size_t vl = 0;
        if (wordy) {
            /* find "\n- name: " (or at the start) */
            for (const char *f = facts; f && *f;) {
                const char *eol = strchr(f, '\n');
                size_t ll = eol ? (size_t)(eol - f) : strlen(f);
                if (ll > nl + 4 && f[0] == '-' && f[1] == ' ' &&
                    !strncasecmp(f + 2, name, nl) && f[2 + nl] == ':' && f[3 + nl] == ' ') {
                    val = f + 4 + nl;
                    vl = ll - 4 - nl;
                    break;
                }
                f = eol ? eol + 1 : NULL;
            }
        }
        if (val) {
            /* the words before it in its clause (back to a punctuation mark or the previous
             * citation) must not name a different fact */
            const char *cb = lb;
            while (cb > p && !strchr(".,;:!?", cb[-1]))
                cb--;
            char w[64];
            if (bad && badlen && !bad[0] &&
                citation_misattributed(cb, (size_t)(lb - cb), name, nl, facts, w, sizeof w))
                snprintf(bad, badlen, "cites [%.*s] right after '%s', which names another fact",
                         (int)(nl < 60 ? nl : 60), name, w);
            llm_strbuf_add(&o, "%.*s", (int)vl, val);
        } else {
            if (wordy && bad && badlen && !bad[0])
                snprintf(bad, badlen, "cites [%.*s], which is not a fact of this result",
                         (int)(nl < 60 ? nl : 60), name);
            llm_strbuf_add(&o, "%.*s", (int)(rb + 1 - lb), lb);
        }
        p = rb + 1;
    }
    return llm_strbuf_take(&o);
}

typedef enum { STYLE_COMPLETION, STYLE_GEMMA_CHAT, STYLE_CHATML, STYLE_MODELFILE } prompt_style;

static char *build_prompt_with(prompt_style style, const llm_modelfile *mf, const char *ex,
                               const char *facts);

static char *build_prompt(prompt_style style, const llm_modelfile *mf, llm_result_kind kind,
                          const char *facts)
{
    char *ex = kind == LLM_RESULT_ROTATIONS ? dup_str(EXAMPLE_ROTATIONS)
               : kind == LLM_RESULT_VERIFY  ? build_verify_example(facts)
                                            : build_example(kind, facts);
    if (!ex)
        return NULL;
    char *r = build_prompt_with(style, mf, ex, facts);
    free(ex);
    return r;
}

static char *build_prompt_with(prompt_style style, const llm_modelfile *mf, const char *ex,
                               const char *facts)
{
    llm_strbuf b = {0};
    const char *system = mf && mf->system ? mf->system : INSTRUCTION;
    if (style == STYLE_COMPLETION) {
        llm_strbuf_add(&b, "%s\n\n%s\nFacts:\n%sExplanation:", system, ex, facts);
        return llm_strbuf_take(&b);
    }
    /* Chat styles: the worked example goes in the user turn, then the facts. */
    llm_strbuf u = {0};
    llm_strbuf_add(&u, "Explain this so8t result in 3 to 5 sentences. Cite each number by its fact "
               "name in brackets, like [estimate], and write no other numbers.\n\nHere is an "
               "example.\n%s\nNow the result to explain.\nFacts:\n%sExplanation:",
           ex, facts);
    char *user = llm_strbuf_take(&u);
    if (!user)
        return NULL;
    if (style == STYLE_MODELFILE) {
        char *out = NULL;
        char terr[256];
        if (llm_template_render(mf->template_text, system, user, NULL, 1, &out, terr,
                                sizeof terr)) {
            free(user);
            return NULL;
        }
        free(user);
        return out;
    }
    if (style == STYLE_GEMMA_CHAT) {
        /* Gemma has no system role: the system text leads the first user turn. */
        int first_user = 1;
        if (mf)
            for (int i = 0; i < mf->n_messages; i++) {
                int is_user = !strcmp(mf->messages[i].role, "user");
                if (!is_user && strcmp(mf->messages[i].role, "assistant"))
                    continue;
                llm_strbuf_add(&b, "<start_of_turn>%s\n", is_user ? "user" : "model");
                if (is_user && first_user) {
                    llm_strbuf_add(&b, "%s\n\n", system);
                    first_user = 0;
                }
                llm_strbuf_add(&b, "%s<end_of_turn>\n", mf->messages[i].content);
            }
        llm_strbuf_add(&b, "<start_of_turn>user\n");
        if (first_user)
            llm_strbuf_add(&b, "%s\n\n", system);
        llm_strbuf_add(&b, "%s<end_of_turn>\n<start_of_turn>model\n", user);
    } else {
        llm_strbuf_add(&b, "<|im_start|>system\n%s<|im_end|>\n", system);
        if (mf)
            for (int i = 0; i < mf->n_messages; i++)
                llm_strbuf_add(&b, "<|im_start|>%s\n%s<|im_end|>\n", mf->messages[i].role,
                       mf->messages[i].content);
        llm_strbuf_add(&b, "<|im_start|>user\n%s<|im_end|>\n<|im_start|>assistant\n", user);
    }
    free(user);
    return llm_strbuf_take(&b);
}

/* ------------------------------------------------------------------------------------------
 * generation and checking
 * ------------------------------------------------------------------------------------------ */

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

/* Generation with the prompt evaluated once: every attempt samples from the same prompt
 * state (saved logits, KV cache positions [0, n_prompt)) and only its own tokens are
 * evaluated. That is valid while no sliding-window layer wraps its ring buffer
 * (n_prompt + tokens <= n_swa); otherwise each attempt evaluates the prompt again. */
typedef struct {
    llm_model *model;
    llm_params params;
    char *prompt;       /* the prompt whose state is cached */
    int *toks;
    int n_toks;
    float *logits0;     /* logits after the prompt */
    int cache_ok;
} model_gen;

static void model_gen_free(model_gen *g)
{
    free(g->prompt);
    free(g->toks);
    free(g->logits0);
    if (g->model)
        llm_model_free(g->model);
    memset(g, 0, sizeof *g);
}

static int ends_with_stop(const char *text, const llm_params *p)
{
    if (strstr(text, "\n\n") || strstr(text, "Facts:"))
        return 1;
    for (int i = 0; i < p->n_stop; i++)
        if (p->stop[i] && p->stop[i][0] && strstr(text, p->stop[i]))
            return 1;
    return 0;
}

static int model_generate(void *user, const char *prompt, uint64_t seed, char **text,
                          char *err, size_t errlen)
{
    model_gen *g = user;
    llm_model *m = g->model;
    llm_params p = g->params;
    p.seed = seed;
    omp_set_num_threads(so8t_threads_resolve(p.num_thread)); /* OMP_NUM_THREADS capped */
    const int n_vocab = llm_model_n_vocab(m), n_ctx = llm_model_n_ctx(m);
    int max_gen = p.num_predict > 0 ? p.num_predict : 160;
    int rc;
    int fresh = !g->prompt || strcmp(g->prompt, prompt);
    if (fresh) {
        free(g->prompt);
        free(g->toks);
        free(g->logits0);
        g->prompt = NULL;
        g->toks = NULL;
        g->logits0 = NULL;
        int n = llm_tokenize(m, prompt, -1, 1, NULL, 0);
        if (n <= 0) {
            so8t_err_set(err, errlen, "the prompt could not be tokenized");
            return n < 0 ? n : LLM_ERR_INVAL;
        }
        if (n + 8 >= n_ctx) {
            so8t_err_set(err, errlen, "the prompt has %d tokens; the context holds %d", n, n_ctx);
            return LLM_ERR_CTX;
        }
        g->toks = malloc((size_t)n * sizeof *g->toks);
        g->logits0 = malloc((size_t)n_vocab * sizeof *g->logits0);
        g->prompt = dup_str(prompt);
        if (!g->toks || !g->logits0 || !g->prompt)
            return LLM_ERR_NOMEM;
        llm_tokenize(m, prompt, -1, 1, g->toks, n);
        g->n_toks = n;
    }
    if (max_gen > n_ctx - g->n_toks)
        max_gen = n_ctx - g->n_toks;
    if (fresh || !g->cache_ok) {
        if ((rc = llm_model_eval(m, g->toks, g->n_toks, 0, g->logits0, err, errlen)))
            return rc;
        g->cache_ok = m->n_swa <= 0 || g->n_toks + max_gen <= m->n_swa;
    }
    float *logits = malloc((size_t)n_vocab * sizeof *logits);
    llm_sampler *smp = llm_sampler_new(&p, n_vocab, n_ctx);
    llm_strbuf out = {0};
    llm_strbuf_add(&out, "%s", "");
    rc = LLM_OK;
    if (!logits || !smp || out.oom) {
        rc = LLM_ERR_NOMEM;
        goto done;
    }
    memcpy(logits, g->logits0, (size_t)n_vocab * sizeof *logits);
    for (int i = 0; i < g->n_toks; i++)
        llm_sampler_accept(smp, g->toks[i]);
    int pos = g->n_toks;
    for (int k = 0; k < max_gen; k++) {
        int tok = llm_sampler_sample(smp, logits);
        if (llm_token_is_eog(m, tok))
            break;
        llm_sampler_accept(smp, tok);
        char piece[256];
        int pl = llm_token_to_piece(m, tok, 0, piece, sizeof piece);
        if (pl > 0) {
            if (pl > (int)sizeof piece - 1)
                pl = (int)sizeof piece - 1;
            llm_strbuf_add(&out, "%.*s", pl, piece);
        }
        if (out.oom) {
            rc = LLM_ERR_NOMEM;
            goto done;
        }
        if (ends_with_stop(out.p, &p) || k + 1 == max_gen || pos + 1 >= n_ctx)
            break;
        if ((rc = llm_model_eval(m, &tok, 1, pos, logits, err, errlen)))
            goto done;
        pos++;
    }
done:
    free(logits);
    if (smp)
        llm_sampler_free(smp);
    if (rc) {
        free(out.p);
        return rc;
    }
    *text = llm_strbuf_take(&out);
    return *text ? 0 : LLM_ERR_NOMEM;
}

void llm_explain_options_default(llm_explain_options *o)
{
    memset(o, 0, sizeof *o);
    o->seed = 1;
    o->max_attempts = 3;
    o->num_predict = 160;
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

static int prepare(const char *json_text, cJSON **root, result_info *ri, char **facts,
                   char **tmpl, dvec *allowed, char *err, size_t errlen)
{
    int rc = read_result(json_text, root, ri, err, errlen);
    if (rc)
        return rc;
    llm_strbuf f = {0}, t = {0};
    build_facts(&f, ri);
    build_template(&t, ri);
    *facts = llm_strbuf_take(&f);
    *tmpl = llm_strbuf_take(&t);
    if (!*facts || !*tmpl) {
        free(*facts);
        free(*tmpl);
        cJSON_Delete(*root);
        return LLM_ERR_NOMEM;
    }
    if (allowed) {
        build_allowed(allowed, *root, ri, *facts);
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
    result_info ri;
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
    result_info ri;
    char *f = NULL, *t = NULL;
    dvec d = {0};
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
    llm_strbuf b = {0};
    llm_strbuf_add(&b, "%s\n(No language model was used: %s.)", tmpl, reason);
    out->text = llm_strbuf_take(&b);
    out->fallback = 1;
    out->reason = dup_str(reason);
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
    result_info ri;
    char *facts = NULL, *tmpl = NULL;
    dvec allowed = {0};
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
    prompt_style style = STYLE_COMPLETION;
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
                static const char *const stops[] = {"\n\n", "Facts:"};
                mg.params.stop = stops;
                mg.params.n_stop = 2;
                if (mf)
                    llm_modelfile_apply((llm_modelfile *)mf, &mg.params, NULL, 0);
                if (opt.num_thread > 0)
                    mg.params.num_thread = opt.num_thread;
                gen = model_generate;
                gen_user = &mg;
                const char *ct = llm_model_chat_template(mg.model);
                if (ct && strstr(ct, "<start_of_turn>"))
                    style = STYLE_GEMMA_CHAT;
                else if (ct && strstr(ct, "<|im_start|>"))
                    style = STYLE_CHATML;
            }
        }
    }
    if (gen && mf && mf->template_text)
        style = STYLE_MODELFILE;

    if (gen) {
        out->prompt = build_prompt(style, mf, ri.kind, facts);
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
                llm_strbuf pb = {0};
                llm_strbuf_add(&pb, "generation failed: %s", gerr[0] ? gerr : "no text");
                a->problem = llm_strbuf_take(&pb);
                break; /* a runner error will not go away with another seed */
            }
            int n_sent = tidy_text(text);
            char unknown[200];
            char *sub = substitute_facts(text, facts, unknown, sizeof unknown);
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
                a->problem = dup_str(n_sent == 0 ? "no complete sentence"
                                                 : "only one sentence");
            else if (unknown[0]) {
                a->problem = dup_str(unknown);
            }
            if (!a->problem && a->n_unverified == 0 && a->n_contradictions == 0)
                accepted = k;
            /* Greedy decoding gives the same text for every seed. */
            if (accepted < 0 && mg.model && mg.params.temperature <= 0)
                break;
        }
        if (accepted >= 0) {
            out->text = dup_str(out->attempts[accepted].text);
            out->model = dup_str(model_name);
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
