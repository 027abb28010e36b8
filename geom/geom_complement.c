/* geom_complement.c — vol(Q \ B), the part of the cube outside the ball, with relative
 * accuracy: in high dimensions it is the tiny number (d = 64, r = 6: 2e-9 of the cube), and
 * (2a)^d - V keeps none of its digits there.
 *
 *   V <= half the cube      (2a)^d - V: condition V / ((2a)^d - V) <= 1, no digits lost;
 *   d = 1                   the two end pieces of the edge outside the interval, directly;
 *   d = 2                   ∫ (the column's length outside the disc) dx, the length written
 *                           as (y² + x² - ρ²) / (y + w) (no cancellation), tanh-sinh per
 *                           piece between break points;
 *   d = 3                   ∫ (the d = 2 outside area at height z) dz, the same way;
 *   near the far corner     the exact positive series of geom_series.c (any d);
 *   d >= 4                  the upper tail P(S > r²) of the transform (geom_transform.c),
 *                           whose contour then lies left of the pole at 0: the Bromwich
 *                           integral there is -P(S > t) itself, no 1 - P.
 * When the direct method fails, the better bounded of it and (2a)^d - V is kept, with the
 * bound of what was kept.  Derivation and bounds: docs/math.md, "The complement".
 */
#include "geom/geom_internal.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- d = 2, 3 ---- */

typedef struct {
    double xl, xh, yl, yh; /* the rectangle relative to the centre */
    double rho2;           /* ρ² of the disc */
    int mag;               /* 1: integrate the magnitudes of the rounded terms instead */
} c2_ctx;

/* length of the column {x} × [yl, yh] outside the disc */
static double c2_column(double x, void *vp)
{
    const c2_ctx *q = vp;
    double w2 = q->rho2 - x * x;
    double w = w2 > 0 ? sqrt(w2) : 0;
    if (!(w2 > 0) || !(w > q->yl) || !(-w < q->yh))
        return q->mag ? 0 : q->yh - q->yl; /* the column misses the disc: exact */
    double out = 0;
    if (q->yh > w) /* yh - w = (yh² - w²) / (yh + w), yh > w >= 0 */
        out += q->mag ? (q->yh * q->yh + x * x + q->rho2) / (q->yh + w)
                      : (q->yh * q->yh + x * x - q->rho2) / (q->yh + w);
    if (q->yl < -w) /* -w - yl = (yl² - w²) / (w - yl) */
        out += q->mag ? (q->yl * q->yl + x * x + q->rho2) / (w - q->yl)
                      : (q->yl * q->yl + x * x - q->rho2) / (w - q->yl);
    return out;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Area of [xl, xh] × [yl, yh] (relative to the centre) outside the disc of radius √rho2;
 * *err gets an error bound (quadrature differences and rounding). */
static double comp2_area(double xl, double xh, double yl, double yh, double rho2, double *err)
{
    *err = 0;
    if (!(rho2 > 0))
        return (xh - xl) * (yh - yl);
    double bp[8];
    int nb = 0;
    bp[nb++] = xl;
    bp[nb++] = xh;
    double rho = sqrt(rho2);
    const double cand[3] = {rho, yh * yh < rho2 ? sqrt(rho2 - yh * yh) : -1,
                            yl * yl < rho2 ? sqrt(rho2 - yl * yl) : -1};
    for (int i = 0; i < 3; i++)
        for (int s = -1; s <= 1; s += 2) {
            double x = s * cand[i];
            if (cand[i] >= 0 && x > xl && x < xh)
                bp[nb++] = x;
        }
    qsort(bp, (size_t)nb, sizeof bp[0], cmp_double);
    c2_ctx q = {xl, xh, yl, yh, rho2, 0};
    double total = 0, e = 0, mag = 0;
    for (int i = 0; i + 1 < nb; i++) {
        if (!(bp[i + 1] > bp[i]))
            continue;
        double ei;
        q.mag = 0;
        total += geom_ts_integrate(c2_column, &q, bp[i], bp[i + 1], 1e-15, &ei);
        e += ei;
        q.mag = 1;
        mag += geom_ts_integrate(c2_column, &q, bp[i], bp[i + 1], 1e-3, NULL);
    }
    /* each column length rounds ~4 times in its magnitude; the rule adds ~1 ulp of the sum */
    *err = 2 * e + 8 * DBL_EPSILON * mag + 4 * DBL_EPSILON * total;
    return total;
}

typedef struct {
    double xl, xh, yl, yh, zl, zh, r;
    double err; /* Σ of the inner error bounds times the outer weights (approximately) */
} c3_ctx;

static double c3_slice(double z, void *vp)
{
    c3_ctx *q = vp;
    double rho2 = (q->r - z) * (q->r + z);
    double e;
    double v = comp2_area(q->xl, q->xh, q->yl, q->yh, rho2 > 0 ? rho2 : 0, &e);
    /* the inner bound, absolute, is carried as a worst case over the slices (times the
     * height below) */
    if (e > q->err)
        q->err = e;
    return v;
}

/* Volume of [-1,1]^3 outside B(c, rs) (units a = 1), c sorted, >= 0; *rel its relative
 * error bound.  d = 2: the area. */
static double comp_d23(int d, const double *c, double rs, double *rel)
{
    double xl = -1 - c[0], xh = 1 - c[0], yl = -1 - c[1], yh = 1 - c[1];
    if (d == 2) {
        double e, v = comp2_area(xl, xh, yl, yh, rs * rs, &e);
        *rel = v > 0 ? e / v : INFINITY;
        return v;
    }
    c3_ctx q = {xl, xh, yl, yh, -1 - c[2], 1 - c[2], rs, 0};
    /* break points in z: where the slice's disc reaches an edge line or a corner of the
     * square, and z = ±r */
    double bp[24];
    int nb = 0;
    bp[nb++] = q.zl;
    bp[nb++] = q.zh;
    const double xs[2] = {xl, xh}, ys[2] = {yl, yh};
    double qs[12];
    int nq = 0;
    qs[nq++] = 0;
    for (int i = 0; i < 2; i++) {
        qs[nq++] = xs[i] * xs[i];
        qs[nq++] = ys[i] * ys[i];
        for (int j = 0; j < 2; j++)
            qs[nq++] = xs[i] * xs[i] + ys[j] * ys[j];
    }
    for (int i = 0; i < nq; i++) {
        double h2 = rs * rs - qs[i];
        if (!(h2 >= 0))
            continue;
        double z = sqrt(h2);
        if (z > q.zl && z < q.zh)
            bp[nb++] = z;
        if (-z > q.zl && -z < q.zh)
            bp[nb++] = -z;
    }
    qsort(bp, (size_t)nb, sizeof bp[0], cmp_double);
    double total = 0, e = 0;
    for (int i = 0; i + 1 < nb; i++) {
        if (!(bp[i + 1] > bp[i]))
            continue;
        double ei;
        total += geom_ts_integrate(c3_slice, &q, bp[i], bp[i + 1], 1e-14, &ei);
        e += ei;
    }
    *rel = total > 0 ? (2 * e + 4 * DBL_EPSILON * total + (q.zh - q.zl) * q.err) / total
                     : INFINITY;
    return total;
}

/* --------------------------------------------------------------- the entry ---- */

int geom_complement_exact(const geom_problem *p, geom_result *out, char *err, size_t errlen)
{
    double c[GEOM_MAX_DIM];
    int st = geom_entry_begin(p, out, c, err, errlen);
    if (st != GEOM_OK)
        return st;
    if (err && errlen)
        err[0] = '\0';
    const int d = p->dim;
    const double a = p->half_side, r = p->radius, rs = r / a, la = log(a);
    const double lcube = d * (M_LN2 + la);
    geom_case ec = geom_exact_case(d, c, rs);
    if (r == 0 || ec.kind == GEOM_CASE_DISJOINT) {
        geom_fill(out, d, a, r, GEOM_Q_COMPLEMENT, lcube, 0, 0, "exact-case");
        geom_fill_whole_cube(out, d, a);
        return GEOM_OK;
    }
    if (ec.kind == GEOM_CASE_CUBE_INSIDE) {
        geom_fill(out, d, a, r, GEOM_Q_COMPLEMENT, -INFINITY, 0, 0, "exact-case");
        return GEOM_OK;
    }
    if (d == 1) {
        /* the pieces of [-1, 1] left and right of [c - rs, c + rs] (c >= 0, not disjoint) */
        double left = (1 + c[0]) - rs, right = (1 - c[0]) - rs;
        double v = (left > 0 ? left : 0) + (right > 0 ? right : 0);
        geom_fill(out, d, a, r, GEOM_Q_COMPLEMENT, log(v) + la, 4 * DBL_EPSILON, 0,
                  "complement-closed-form");
        return GEOM_OK;
    }
    if (ec.kind == GEOM_CASE_BALL_INSIDE) {
        /* cube - ball / 2^k: the ball is at most π/4 of the cube (d >= 2), condition <= 3.7 */
        double lb = geom_ball_log_volume(d, r) - ec.faces * M_LN2;
        double lf = lb - lcube;
        double f = exp(lf);
        double lv = lcube + log1p(-f);
        double rel = geom_round_rel(d, a, lb, 0) * f / (1 - f);
        geom_fill(out, d, a, r, GEOM_Q_COMPLEMENT, lv, rel, 0, "exact-case");
        return GEOM_OK;
    }
    {
        double lq, relq;
        if (geom_corner_series(d, c, rs, geom_rs_rel(r, a, rs), 0, &lq, &relq)) {
            geom_fill(out, d, a, r, GEOM_Q_COMPLEMENT, lq + lcube, relq, 0, "corner-series");
            return GEOM_OK;
        }
    }
    /* the volume first: where it is at most half the cube, the cube minus it is as good */
    geom_result vol;
    char verr[256] = "";
    int vst = geom_volume_exact(p, &vol, verr, sizeof verr);
    double lf = vol.log_fraction_of_cube, f = exp(lf);
    /* (2a)^d - V: relative bound rel_V f / (1 - f) */
    double lv_sub = lf < 0 ? lcube + log(-expm1(lf)) : -INFINITY;
    double rel_sub = lf < 0 ? vol.rel_error_bound * f / -expm1(lf) : INFINITY;
    if (!isfinite(rel_sub) && vol.rel_error_bound > 0)
        rel_sub = INFINITY;
    if (lf <= -M_LN2 && vst == GEOM_OK) {
        geom_fill(out, d, a, r, GEOM_Q_COMPLEMENT, lv_sub, rel_sub, 0, "one-minus-volume");
        return GEOM_OK;
    }
    double lv = NAN, rel = INFINITY;
    const char *method;
    char derr[256] = "";
    int dst = GEOM_OK;
    if (d <= 3) {
        double v = comp_d23(d, c, rs, &rel);
        double rsr = geom_rs_rel(r, a, rs);
        if (rsr > 0 && v > 0) /* rs = r / a rounded: the value moves by rs·A / v times that */
            rel += rsr * rs * geom_surface_closed_form_d123(d, 1.0, rs, c) / v;
        lv = v > 0 ? log(v) + d * la : -INFINITY;
        method = "complement-closed-form";
    } else {
        double x1[GEOM_MAX_DIM], x2[GEOM_MAX_DIM], lq;
        for (int i = 0; i < d; i++) {
            x1[i] = -1 - c[i];
            x2[i] = 1 - c[i];
        }
        dst = geom_tf_log_tail(d, x1, x2, rs * rs, &lq, &rel, derr, sizeof derr);
        lv = lq + lcube;
        method = "complement-transform";
    }
    if (!(rel <= rel_sub) || !isfinite(lv) || lv != lv) {
        if (rel_sub < INFINITY || !(rel < INFINITY)) {
            lv = lv_sub;
            rel = rel_sub;
            method = "one-minus-volume";
            dst = vst;
            memcpy(derr, verr, sizeof derr);
        }
    }
    if (lv == -INFINITY || isnan(lv) || !(rel < INFINITY)) {
        /* neither method has a value with a finite relative bound (the volume rounds to the
         * cube, the direct method failed): what is known is 0 <= complement <= (2a)^d - V(1 -
         * rel_V), reported as that interval's midpoint and half-width, log from it */
        double cube = exp(lcube), hi = cube - vol.value * (1 - vol.rel_error_bound);
        if (!(hi >= 0))
            hi = 0;
        geom_fill(out, d, a, r, GEOM_Q_COMPLEMENT, hi > 0 ? log(hi / 2) : -INFINITY, 0, 0,
                  "one-minus-volume");
        out->error_bound = hi / 2;
        out->rel_error_bound = hi > 0 ? 1 : 0;
        so8t_err_set(err, errlen, "complement: %s; only 0 <= value <= %.3g is known",
                     derr[0] ? derr : "the methods did not reach their accuracy target", hi);
        return GEOM_ERR_NOCONV;
    }
    geom_fill(out, d, a, r, GEOM_Q_COMPLEMENT, lv, rel, 2 * d * (M_LN2 + fabs(la)), method);
    if (dst != GEOM_OK || !(out->rel_error_bound <= 1e-9)) {
        so8t_err_set(err, errlen, "complement: %s (relative error bound %.1e)",
                     derr[0] ? derr : "the methods did not reach their accuracy target",
                     out->rel_error_bound);
        return GEOM_ERR_NOCONV;
    }
    return GEOM_OK;
}
