/* result_check.c — a so8t result must be possible before it is explained (the rules are in
 * result_check.h).
 *
 * Limits, from the geometry (cube [-a, a]^d, ball of radius r, any centre and rotation):
 *   0 <= vol(Q ∩ B) <= min((2a)^d, π^(d/2) r^d / Γ(d/2 + 1)),
 *   0 <= area(∂B ∩ Q) <= 2 π^(d/2) r^(d−1) / Γ(d/2).
 * They are compared in logs, so that d = 128 or a = 1e300 cannot overflow. An unbiased
 * Monte Carlo estimate may exceed a limit by chance, so it gets 5 standard errors. */
#include "explain/result_check.h"

#include "llm/llm.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define REL_TOL 1e-6   /* JSON numbers are printed with 17 digits; derived ones agree to this */
#define SE_ALLOW 5.0   /* the project's agreement rule */
#define MAX_DIM 100000 /* beyond any so8t result; keeps lgamma and loops sane */

typedef struct {
    char *err;
    size_t errlen;
    const char *where; /* "" or "cases[3]: " */
    const char *kind;  /* "volume result", ... */
} ctx;

static int fail(const ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(const ctx *c, const char *fmt, ...)
{
    if (c->err && c->errlen) {
        char msg[400];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        snprintf(c->err, c->errlen, "%s: %s%s; refusing to explain a self-contradictory result",
                 c->kind, c->where, msg);
    }
    return LLM_ERR_FORMAT;
}

/* 0: absent or null; 1: a finite number in *v; -1: present with another type (or ±inf,
 * which cJSON makes of 1e999). */
static int get_num(const cJSON *o, const char *key, double *v)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!x || cJSON_IsNull(x))
        return 0;
    if (!cJSON_IsNumber(x) || !isfinite(x->valuedouble))
        return -1;
    *v = x->valuedouble;
    return 1;
}

/* Like get_num, but a wrong type is reported. */
static int want_num(const ctx *c, const cJSON *o, const char *key, double *v, int *have)
{
    int k = get_num(o, key, v);
    *have = k == 1;
    if (k < 0)
        return fail(c, "'%s' is not a finite number", key);
    return 0;
}

static int near_rel(double x, double y)
{
    return fabs(x - y) <= REL_TOL * fmax(fabs(x), fabs(y)) + 1e-300;
}

/* log of the geometric limits; NAN when not known. */
typedef struct {
    int have;          /* dim, half_side, radius all given and valid */
    double lcube, lball, lsphere;
} limits;

static int read_geometry(const ctx *c, const cJSON *o, limits *g)
{
    double d = 0, a = 1, r = 0;
    int hd, ha, hr;
    int rc;
    g->have = 0;
    g->lcube = g->lball = g->lsphere = NAN;
    if ((rc = want_num(c, o, "dim", &d, &hd)) || (rc = want_num(c, o, "half_side", &a, &ha)) ||
        (rc = want_num(c, o, "radius", &r, &hr)))
        return rc;
    if (hd && (d < 1 || d > MAX_DIM || d != floor(d)))
        return fail(c, "'dim' is %g; a dimension is a whole number from 1 to %d", d, MAX_DIM);
    if (ha && !(a > 0))
        return fail(c, "'half_side' is %g; the cube's half side must be > 0", a);
    if (hr && r < 0)
        return fail(c, "'radius' is %g; a radius cannot be negative", r);
    const cJSON *cen = cJSON_GetObjectItemCaseSensitive(o, "center");
    if (cen && !cJSON_IsNull(cen)) {
        if (!cJSON_IsArray(cen))
            return fail(c, "'center' is not an array of numbers");
        int n = 0;
        for (const cJSON *e = cen->child; e; e = e->next, n++)
            if (!cJSON_IsNumber(e) || !isfinite(e->valuedouble))
                return fail(c, "'center' element %d is not a finite number", n + 1);
        if (hd && n != (int)d)
            return fail(c, "'center' has %d coordinates but 'dim' is %g", n, d);
    }
    if (!hd || !hr)
        return 0;
    g->have = 1;
    g->lcube = d * log(2 * a);
    if (r > 0) {
        g->lball = (d / 2) * log(M_PI) + d * log(r) - lgamma(d / 2 + 1);
        g->lsphere = log(2.0) + (d / 2) * log(M_PI) + (d - 1) * log(r) - lgamma(d / 2);
    } else {
        g->lball = -INFINITY;
        g->lsphere = d > 1 ? -INFINITY : log(2.0); /* the 0-sphere of radius 0: 2 points */
    }
    return 0;
}

/* v (with allowance `slack`) must not exceed exp(llimit). */
static int over_limit(double v, double slack, double llimit)
{
    if (!isfinite(llimit) && llimit > 0)
        return 0;
    if (llimit > 709)
        return 0; /* the limit exceeds every double */
    return v > exp(llimit) * (1 + REL_TOL) + slack;
}

/* The log of a value that may have underflowed to 0: log(v), else the result's own log
 * field ("log_estimate" / "log_value") when it has one, else -inf. */
static double value_log(const cJSON *o, double v)
{
    double l;
    if (v > 0)
        return log(v);
    if (get_num(o, "log_estimate", &l) == 1 || get_num(o, "log_value", &l) == 1)
        return l;
    return -INFINITY;
}

/* `frac` (given as key) must be v / exp(llimit), within [0, 1 + slack / limit]. Compared in
 * logs; a fraction below the double range is 0 (r = 1e150 in 8 dimensions: 256 of a ball
 * of 1e1200), which is fine. */
static int check_fraction(const ctx *c, const cJSON *o, const char *key, double v, double slack,
                          double llimit, int bounded)
{
    double f;
    int have, rc;
    if ((rc = want_num(c, o, key, &f, &have)) || !have)
        return rc;
    if (f < 0)
        return fail(c, "'%s' is %g; a fraction cannot be negative", key, f);
    if (!isfinite(llimit))
        return 0;
    double lslack = slack > 0 ? log(slack) - llimit : -INFINITY;
    if (bounded && f > 1 + REL_TOL + (lslack > -700 ? exp(fmin(lslack, 700)) : 0))
        return fail(c, "'%s' is %.17g; it cannot exceed 1", key, f);
    double want = value_log(o, v) - llimit; /* log of the fraction the value gives */
    if (f > 1e-300 && want > -690) {
        if (fabs(log(f) - want) > REL_TOL)
            return fail(c, "'%s' is %.17g but the value / limit is %.17g", key, f, exp(want));
    } else if (f == 0 && want > -690) {
        return fail(c, "'%s' is 0 but the value / limit is %.6g", key, exp(want));
    } else if (f > 1e-300 && want == -INFINITY) {
        return fail(c, "'%s' is %.17g but the value is 0", key, f);
    }
    return 0;
}

static int is_quantity(const cJSON *o, const char *q)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, "quantity");
    return cJSON_IsString(x) ? !strcmp(x->valuestring, q) : !strcmp(q, "volume");
}

/* The value's limits and fraction fields, for a volume-like quantity. */
static int check_limits(const ctx *c, const cJSON *o, const limits *g, const char *vname,
                        double v, double slack, int fractions)
{
    int rc;
    if (!g->have)
        return 0;
    int surface = is_quantity(o, "surface"), complement = is_quantity(o, "complement");
    if (surface) {
        if (over_limit(v, slack, g->lsphere))
            return fail(c, "'%s' is %.17g, more than the whole sphere's area %.6g", vname, v,
                        exp(g->lsphere));
        if (!fractions || (rc = check_fraction(c, o, "fraction_of_ball", v, slack, g->lsphere, 1)))
            return fractions ? rc : 0;
        return check_fraction(c, o, "fraction_of_cube", v, slack, g->lcube, 0);
    }
    if (over_limit(v, slack, g->lcube))
        return fail(c, "'%s' is %.17g, more than the cube's volume %.6g", vname, v,
                    exp(g->lcube));
    if (!complement && over_limit(v, slack, g->lball))
        return fail(c, "'%s' is %.17g, more than the ball's volume %.6g", vname, v,
                    exp(g->lball));
    if (!fractions)
        return 0;
    if ((rc = check_fraction(c, o, "fraction_of_cube", v, slack, g->lcube, 1)))
        return rc;
    if (!complement)
        return check_fraction(c, o, "fraction_of_ball", v, slack, g->lball, 1);
    return 0;
}

/* samples, hits: whole numbers, 0 <= hits <= samples. */
static int check_counts(const ctx *c, const cJSON *o, double se)
{
    double n = 0, h = 0;
    int hn, hh, rc;
    if ((rc = want_num(c, o, "samples", &n, &hn)) || (rc = want_num(c, o, "hits", &h, &hh)))
        return rc;
    if (hn && (n < 0 || n != floor(n)))
        return fail(c, "'samples' is %g; a sample count is a whole number >= 0", n);
    if (hn && n == 0 && se > 0)
        return fail(c, "'samples' is 0 but the standard error is %g (only a value known "
                       "without sampling has none)", se);
    if (hh && (h < 0 || h != floor(h)))
        return fail(c, "'hits' is %g; a hit count is a whole number >= 0", h);
    if (hh && hn && h > n)
        return fail(c, "'hits' is %.17g, more than the %.17g samples", h, n);
    return 0;
}

/* One Monte Carlo estimate: a volume result, a verify case, or its cpu/gpu part. */
static int check_estimate(const ctx *c, const cJSON *o, const limits *g, int top)
{
    double est = 0, se = 0, v;
    int have, rc;
    if ((rc = want_num(c, o, "estimate", &est, &have)))
        return rc;
    if (!have)
        return top ? fail(c, "'estimate' is missing") : 0;
    if ((rc = want_num(c, o, "std_error", &se, &have)))
        return rc;
    if (!have && top)
        return fail(c, "'std_error' is missing");
    if (se < 0)
        return fail(c, "'std_error' is %g; it cannot be negative", se);
    if (est < 0)
        return fail(c, "'estimate' is %g; a volume or area cannot be negative", est);
    if ((rc = check_counts(c, o, se)))
        return rc;
    const cJSON *ci = cJSON_GetObjectItemCaseSensitive(o, "ci95");
    if (!ci) { /* a verify case: its estimate and z are the GPU's when it ran, else the CPU's */
        const cJSON *gpu = cJSON_GetObjectItemCaseSensitive(o, "gpu");
        const cJSON *part = cJSON_IsObject(gpu) ? gpu : cJSON_GetObjectItemCaseSensitive(o, "cpu");
        ci = cJSON_IsObject(part) ? cJSON_GetObjectItemCaseSensitive(part, "ci95") : NULL;
    }
    double l = 0, h = 0;
    int have_ci = 0;
    if (ci && !cJSON_IsNull(ci)) {
        const cJSON *lo = cJSON_GetArrayItem(ci, 0), *hi = cJSON_GetArrayItem(ci, 1);
        if (!cJSON_IsArray(ci) || cJSON_GetArraySize(ci) != 2 || !cJSON_IsNumber(lo) ||
            !cJSON_IsNumber(hi) || !isfinite(lo->valuedouble) || !isfinite(hi->valuedouble))
            return fail(c, "'ci95' is not a pair of finite numbers [lo, hi]");
        l = lo->valuedouble;
        h = hi->valuedouble;
        have_ci = 1;
        double tol = REL_TOL * fmax(fabs(est), se);
        if (l > h)
            return fail(c, "'ci95' is [%.17g, %.17g]: its ends are in the wrong order", l, h);
        if (est < l - tol || est > h + tol)
            return fail(c, "'ci95' [%.17g, %.17g] does not contain the estimate %.17g", l, h,
                        est);
    }
    if ((rc = want_num(c, o, "rel_error", &v, &have)))
        return rc;
    if (have && (v < 0 || (est > 0 && !near_rel(v, se / est))))
        return fail(c, "'rel_error' is %.17g but std_error / estimate is %.17g", v,
                    est > 0 ? se / est : NAN);
    if ((rc = check_limits(c, o, g, "estimate", est, SE_ALLOW * se, 1)))
        return rc;
    double ex, z;
    int hex, hz;
    if ((rc = want_num(c, o, "exact", &ex, &hex)) || (rc = want_num(c, o, "z", &z, &hz)))
        return rc;
    if (hex && ex < 0)
        return fail(c, "'exact' is %g; a volume or area cannot be negative", ex);
    if (hex && (rc = check_limits(c, o, g, "exact", ex, 0, 0)))
        return rc;
    if (hz && !hex)
        return fail(c, "'z' is given without the 'exact' value it compares with");
    if (hz) {
        /* z = (estimate − exact) / std_error (docs/json.md), or a z from the interval's
         * own statistics (binomial tails for counts, Student t, a rounding allowance):
         * then |z| <= 1.96 exactly when ci95 holds the exact value. Either form is taken;
         * a z that follows from neither, has the wrong sign, or says "agrees" (|z| <= 5)
         * where the exact value lies beyond 5 standard errors and 6 of the interval's
         * half-widths (the 5-sigma bound of a rare count is up to 5 of them) is refused. */
        double dev = est - ex, slack = 1e-9 * fmax(fabs(est), fabs(ex));
        int in_ci = have_ci && l - slack <= ex && ex <= h + slack;
        int strict = se > 0 && fabs(z - dev / se) <= REL_TOL * (1 + fabs(dev / se));
        int by_ci = have_ci && (in_ci ? fabs(z) <= 1.96 * (1 + REL_TOL) + 1e-9
                                      : fabs(z) >= 1.96 * (1 - REL_TOL));
        int sign_ok = z == 0 || (z > 0) == (dev > 0);
        double hw = dev > 0 ? est - l : h - est; /* the half-width towards the exact value */
        int near = fabs(dev) <= SE_ALLOW * se * (1 + REL_TOL) + slack ||
                   (have_ci && fabs(dev) <= 6 * hw + slack);
        if (!strict && !by_ci)
            return fail(c, "'z' is %.17g but (estimate − exact) / std_error is %.17g%s", z,
                        se > 0 ? dev / se : copysign(INFINITY, dev),
                        !have_ci ? ""
                        : in_ci  ? " and ci95 holds the exact value (|z| <= 1.96)"
                                 : " and ci95 does not hold the exact value (|z| > 1.96)");
        if (!sign_ok)
            return fail(c, "'z' is %.17g but the estimate %.17g is %s the exact value %.17g", z,
                        est, dev > 0 ? "above" : "below", ex);
        if (fabs(z) <= SE_ALLOW && !near)
            return fail(c, "'z' is %.17g (agreement) but the estimate %.17g ± %.3g is %.3g away "
                           "from the exact value %.17g",
                        z, est, se, fabs(dev), ex);
    }
    return 0;
}

static int check_volume(const ctx *c0, const cJSON *o)
{
    limits g;
    int rc;
    if ((rc = read_geometry(c0, o, &g)) || (rc = check_estimate(c0, o, &g, 1)))
        return rc;
    /* the backends' own results (with --verify) */
    static const char *const parts[] = {"cpu", "gpu"};
    double hits[2];
    int have_hits[2] = {0, 0};
    for (int i = 0; i < 2; i++) {
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(o, parts[i]);
        if (!p || cJSON_IsNull(p))
            continue;
        char where[64];
        snprintf(where, sizeof where, "%s%s.", c0->where, parts[i]);
        ctx c = *c0;
        c.where = where;
        if (!cJSON_IsObject(p))
            return fail(c0, "'%s' is not an object", parts[i]);
        limits none = {0, NAN, NAN, NAN};
        if ((rc = check_estimate(&c, p, &none, 0)))
            return rc;
        int hh;
        if ((rc = want_num(&c, p, "hits", &hits[i], &hh)))
            return rc;
        have_hits[i] = hh;
    }
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(o, "identical");
    if (id && !cJSON_IsNull(id) && !cJSON_IsBool(id))
        return fail(c0, "'identical' is not true, false or null");
    if (cJSON_IsTrue(id) && have_hits[0] && have_hits[1] && hits[0] != hits[1])
        return fail(c0, "'identical' is true but the CPU counted %.17g hits and the GPU %.17g",
                    hits[0], hits[1]);
    return 0;
}

static int check_exact(const ctx *c, const cJSON *o)
{
    limits g;
    double v, eb = 0;
    int have, heb, rc;
    if ((rc = read_geometry(c, o, &g)) || (rc = want_num(c, o, "value", &v, &have)))
        return rc;
    if (!have)
        return fail(c, "'value' is missing");
    if ((rc = want_num(c, o, "error_bound", &eb, &heb)))
        return rc;
    if (v < 0)
        return fail(c, "'value' is %g; a volume or area cannot be negative", v);
    if (heb && eb < 0)
        return fail(c, "'error_bound' is %g; a bound cannot be negative", eb);
    return check_limits(c, o, &g, "value", v, heb ? eb : 0, 1);
}

/* "pass": true with a part that says "pass": false. */
static int check_pass(const ctx *c, const cJSON *o, const cJSON *arr, const char *what)
{
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(o, "pass");
    if (p && !cJSON_IsNull(p) && !cJSON_IsBool(p))
        return fail(c, "'pass' is not true or false");
    int i = 0;
    for (const cJSON *t = arr->child; t; t = t->next, i++) {
        const cJSON *tp = cJSON_GetObjectItemCaseSensitive(t, "pass");
        if (tp && !cJSON_IsNull(tp) && !cJSON_IsBool(tp))
            return fail(c, "%s[%d].pass is not true or false", what, i);
        if (cJSON_IsTrue(p) && cJSON_IsFalse(tp))
            return fail(c, "'pass' is true but %s[%d] failed", what, i);
    }
    return 0;
}

static int check_rotations(const ctx *c, const cJSON *o)
{
    double v, lo = 0, hi = 0;
    int have, hlo, hhi, rc;
    if ((rc = want_num(c, o, "dim", &v, &have)))
        return rc;
    if (have && (v < 1 || v > MAX_DIM || v != floor(v)))
        return fail(c, "'dim' is %g; a dimension is a whole number from 1 to %d", v, MAX_DIM);
    if ((rc = want_num(c, o, "samples", &v, &have)))
        return rc;
    if (have && (v < 1 || v != floor(v)))
        return fail(c, "'samples' is %g; a sample count is a whole number >= 1", v);
    if ((rc = want_num(c, o, "max_orthogonality_error", &v, &have)))
        return rc;
    if (have && v < 0)
        return fail(c, "'max_orthogonality_error' is %g; an error size cannot be negative", v);
    if ((rc = want_num(c, o, "min_det", &lo, &hlo)) || (rc = want_num(c, o, "max_det", &hi, &hhi)))
        return rc;
    if (hlo && hhi && lo > hi)
        return fail(c, "'min_det' %.17g is larger than 'max_det' %.17g", lo, hi);
    const cJSON *tests = cJSON_GetObjectItemCaseSensitive(o, "tests");
    int i = 0;
    for (const cJSON *t = cJSON_IsArray(tests) ? tests->child : NULL; t; t = t->next, i++) {
        char where[48];
        snprintf(where, sizeof where, "tests[%d].", i);
        ctx tc = *c;
        tc.where = where;
        if (cJSON_IsObject(t) && ((rc = want_num(&tc, t, "z", &v, &have)) ||
                                  (rc = want_num(&tc, t, "std_error", &v, &have))))
            return rc;
        if (cJSON_IsObject(t) && have && v < 0)
            return fail(&tc, "'std_error' is %g; it cannot be negative", v);
    }
    return cJSON_IsArray(tests) ? check_pass(c, o, tests, "tests") : 0;
}

static int check_verify(const ctx *c, const cJSON *o)
{
    const cJSON *cases = cJSON_GetObjectItemCaseSensitive(o, "cases");
    int i = 0, rc;
    for (const cJSON *k = cJSON_IsArray(cases) ? cases->child : NULL; k; k = k->next, i++) {
        if (!cJSON_IsObject(k))
            continue;
        char where[48];
        snprintf(where, sizeof where, "cases[%d].", i);
        ctx kc = *c;
        kc.where = where;
        if (cJSON_GetObjectItemCaseSensitive(k, "estimate") && (rc = check_volume(&kc, k)))
            return rc;
    }
    return cJSON_IsArray(cases) ? check_pass(c, o, cases, "cases") : 0;
}

int llm_result_check(const cJSON *o, char *err, size_t errlen)
{
    ctx c = {err, errlen, "", "result"};
    if (!cJSON_IsObject(o))
        return 0; /* the reader says what is wrong with it */
    if (cJSON_GetObjectItemCaseSensitive(o, "cases")) {
        c.kind = "verify result";
        return check_verify(&c, o);
    }
    if (cJSON_GetObjectItemCaseSensitive(o, "tests")) {
        c.kind = "rotations result";
        return check_rotations(&c, o);
    }
    if (cJSON_GetObjectItemCaseSensitive(o, "estimate")) {
        c.kind = "volume result";
        return check_volume(&c, o);
    }
    if (cJSON_GetObjectItemCaseSensitive(o, "value")) {
        c.kind = "exact result";
        return check_exact(&c, o);
    }
    return 0;
}
