/* result_read.c — a so8t result's JSON read into an explain_result: the kind (volume,
 * exact, rotations, verify) from its fields, every number checked for type and sense (an
 * impossible estimate or a z that does not follow from it is refused, naming the field),
 * and the geometry derived once. JSON is hostile input: sizes, depths and strings bounded. */
#include "explain/explain_internal.h"
#include "explain/result_check.h"
#include "base/err.h"
#include "llm/llm.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
void explain_collect_numbers(const cJSON *x, explain_dvec *d, int depth)
{
    if (!x || depth > 64)
        return;
    if (cJSON_IsNumber(x)) {
        explain_dvec_add(d, x->valuedouble);
        return;
    }
    for (const cJSON *c = x->child; c; c = c->next)
        explain_collect_numbers(c, d, depth + 1);
}


static void derive_geometry(explain_result *ri)
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

static int read_volume_like(const cJSON *o, explain_result *ri, char *err, size_t errlen)
{
    const char *q = jstr(o, "quantity");
    explain_clean_word(ri->quantity, sizeof ri->quantity, q ? q : "volume");
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

static int read_volume(const cJSON *o, explain_result *ri, char *err, size_t errlen)
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
    explain_clean_word(ri->method, sizeof ri->method, m ? m : "?");
    explain_clean_word(ri->backend, sizeof ri->backend, b ? b : "?");
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
        ri->agrees = fabs(ri->z) <= EXPLAIN_Z_AGREE;
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

static int read_exact(const cJSON *o, explain_result *ri, char *err, size_t errlen)
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

static int read_rotations(const cJSON *o, explain_result *ri, char *err, size_t errlen)
{
    if (!jnum(o, "dim", &ri->dim) || ri->dim < 1 || ri->dim > 4096)
        ri->dim = NAN;
    if (!jnum(o, "samples", &ri->samples))
        ri->samples = NAN;
    ri->have_seed = jnum(o, "seed", &ri->seed);
    const char *b = jstr(o, "backend");
    explain_clean_word(ri->backend, sizeof ri->backend, b ? b : "?");
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
            explain_clean_word(ri->failed_name, sizeof ri->failed_name, name ? name : "?");
        if (jnum(t, "z", &z) && fabs(z) > ri->worst_z) {
            ri->worst_z = fabs(z);
            explain_clean_word(ri->worst_name, sizeof ri->worst_name, name ? name : "?");
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

static int read_verify(const cJSON *o, explain_result *ri, char *err, size_t errlen)
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
            if (fabs(z) <= EXPLAIN_Z_AGREE)
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
int explain_result_read(const char *json_text, cJSON **root, explain_result *ri, char *err,
                       size_t errlen)
{
    *root = NULL;
    memset(ri, 0, sizeof *ri);
    if (!json_text) {
        so8t_err_set(err, errlen, "no result text");
        return LLM_ERR_INVAL;
    }
    size_t len = strnlen(json_text, EXPLAIN_MAX_JSON_BYTES + 1);
    if (len > EXPLAIN_MAX_JSON_BYTES) {
        so8t_err_set(err, errlen, "result JSON is larger than %u bytes", EXPLAIN_MAX_JSON_BYTES);
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
