/* geom.c — public entry points: input checks, reduction to an axis-aligned unit cube,
 * exact edge cases, dispatch to the closed forms (d <= 3), the orthant caps (4 <= d <= 10),
 * the corner series (near the farthest corner), the 2 + 2 split (d = 4) or the transform
 * method; the rounding allowance and the limits every result gets (geom_fill).
 *
 * Reduction: x ∈ R·[-a,a]^d  <=>  Rᵀx ∈ [-a,a]^d, and Rᵀ maps B(c, r) onto B(Rᵀc, r), so
 * V = vol([-a,a]^d ∩ B(Rᵀc, r)); the reflections u_i -> -u_i and permutations of the axes
 * leave the cube alone, so only the sorted |(Rᵀc)_i| / a matter, and V scales as a^d.
 */
#include "geom/geom_internal.h"
#include "so8/rotation.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *geom_strerror(int status)
{
    switch (status) {
    case GEOM_OK:
        return "ok";
    case GEOM_ERR_INVAL:
        return "invalid problem";
    case GEOM_ERR_NOCONV:
        return "the exact method did not reach its accuracy target";
    default:
        return "unknown geom status";
    }
}

/* Scaled values above this (in half-sides) are refused: their squares must stay finite. */
#define GEOM_MAX_SCALED 1e150

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int geom_problem_reduce(const geom_problem *p, double *cred, char *err, size_t errlen)
{
    if (!p || !cred) {
        so8t_err_set(err, errlen, "no problem given");
        return GEOM_ERR_INVAL;
    }
    int d = p->dim;
    if (d < 1 || d > GEOM_MAX_DIM) {
        so8t_err_set(err, errlen, "dimension must be between 1 and %d (got %d)", GEOM_MAX_DIM, d);
        return GEOM_ERR_INVAL;
    }
    double a = p->half_side, r = p->radius;
    if (!isfinite(a) || !(a > 0)) {
        so8t_err_set(err, errlen, "half-side a must be a finite number > 0 (got %g)", a);
        return GEOM_ERR_INVAL;
    }
    if (!isfinite(r) || !(r >= 0)) {
        so8t_err_set(err, errlen, "radius r must be a finite number >= 0 (got %g)", r);
        return GEOM_ERR_INVAL;
    }
    if (r / a > GEOM_MAX_SCALED) {
        so8t_err_set(err, errlen, "radius / half-side = %g is beyond the supported range (1e150)",
                     r / a);
        return GEOM_ERR_INVAL;
    }
    double c[GEOM_MAX_DIM];
    for (int i = 0; i < d; i++) {
        c[i] = p->center ? p->center[i] : 0;
        if (!isfinite(c[i])) {
            so8t_err_set(err, errlen, "centre coordinate %d is not finite (%g)", i + 1, c[i]);
            return GEOM_ERR_INVAL;
        }
    }
    if (p->rotation) {
        const double *R = p->rotation;
        if (so8_rotation_check(d, R, SO8_ROTATION_TOL, err, errlen))
            return GEOM_ERR_INVAL;
        /* c' = Rᵀ c */
        for (int j = 0; j < d; j++) {
            double s = 0;
            for (int i = 0; i < d; i++)
                s += R[i * d + j] * c[i];
            cred[j] = s;
        }
    } else {
        memcpy(cred, c, sizeof(double) * (size_t)d);
    }
    for (int i = 0; i < d; i++) {
        cred[i] = fabs(cred[i]) / a;
        if (!(cred[i] <= GEOM_MAX_SCALED)) {
            so8t_err_set(err, errlen,
                         "centre coordinate %d / half-side = %g is beyond the supported range (1e150)",
                         i + 1, cred[i]);
            return GEOM_ERR_INVAL;
        }
    }
    qsort(cred, (size_t)d, sizeof cred[0], cmp_double);
    return GEOM_OK;
}

/* Rounding allowance (relative) of a value handed over as a log: every log taken, every
 * log added (lsum: Σ |log| of the parts the method summed, e.g. the box widths of the
 * transform) and the final exp each round once, and an absolute error δ in a log is a
 * relative error δ in the value.  DBL_EPSILON = 2 ulp of 1 covers ~1 rounding per term. */
double geom_round_rel(int d, double a, double logv, double lsum)
{
    double la = fabs(d * log(a)), lu = isfinite(logv) ? fabs(logv) : 0;
    return DBL_EPSILON * (16 + 4.0 * d + 2 * lu + 2 * la + 2 * fabs(lu - la) + 2 * lsum +
                          2 * d * (M_LN2 + fabs(log(a))));
}

double geom_rs_rel(double r, double a, double rs)
{
    return fma(rs, a, -r) == 0 ? 0 : DBL_EPSILON / 2;
}

/* log (2a)^d, finite for every finite a > 0 (2a may overflow) */
static double log_cube(int d, double a)
{
    return d * (M_LN2 + log(a));
}

/* Fills value, error bounds and the fractions from the log of the value (logv), the
 * method's relative error (rel) and the rounding allowance of the log route (lsum, see
 * geom_round_rel), then enforces the limits 0 <= value <= min(cube, ball) (surface: <= the
 * sphere's area; complement: <= cube): a value beyond a limit is set to the limit and its
 * bound widened by the distance moved, so the interval still holds all it held. */
void geom_fill_whole_cube(geom_result *out, int d, double a)
{
    double v = pow(2 * a, d);
    int e;
    if (isfinite(v) && v > 0) {
        out->value = v;
        out->error_bound = frexp(2 * a, &e) == 0.5 ? 0 : v * DBL_EPSILON;
        out->rel_error_bound = out->error_bound / v;
    }
    out->fraction_of_cube = 1;
    out->log_fraction_of_cube = 0;
}

void geom_fill(geom_result *out, int d, double a, double r, int kind, double logv, double rel,
               double lsum, const char *method)
{
    const int surface = kind == GEOM_Q_SURFACE, comp = kind == GEOM_Q_COMPLEMENT;
    out->method = method;
    double lcube = log_cube(d, a);
    double lball = surface ? geom_sphere_log_area(d, r) : geom_ball_log_volume(d, r);
    if (isnan(logv)) {
        /* no value: say so, with no bound to rely on (the caller returns NOCONV) */
        out->value = out->log_value = NAN;
        out->error_bound = out->rel_error_bound = INFINITY;
        out->fraction_of_cube = out->log_fraction_of_cube = NAN;
        out->fraction_of_ball = out->log_fraction_of_ball = NAN;
        return;
    }
    double relb = isfinite(logv) ? rel + geom_round_rel(d, a, logv, lsum) : 0;
    /* limits, in logs (the values themselves may overflow) */
    double lim = surface ? lball : comp ? lcube : (lcube < lball ? lcube : lball);
    if (isfinite(logv) && logv > lim) {
        /* |v - lim| / v added to the relative bound: v(1 + rel) - lim <= lim (1 + relb') */
        double moved = -expm1(lim - logv); /* (v - lim) / v */
        relb = (relb + moved) / (1 - moved);
        logv = lim;
    }
    out->log_value = logv;
    out->value = exp(logv);
    /* the same limits on the value itself: exp of a log rounded up can pass them (d = 100,
     * log 2^100 = 69.314718055994533 gives 1.2676506002282317e30 > 2^100) */
    if (out->value > 0) {
        double cube = pow(2 * a, d), ball = exp(lball);
        double vlim = surface ? ball : comp || cube < ball ? cube : ball;
        if (isfinite(vlim) && out->value > vlim) {
            double moved = (out->value - vlim) / out->value;
            relb = (relb + moved) / (1 - moved);
            out->value = vlim;
        }
    }
    out->rel_error_bound = relb;
    if (isfinite(logv)) {
        double eb = out->value * relb;
        /* a value in (or below) the subnormal range keeps only an absolute accuracy */
        if (out->value < DBL_MIN)
            eb += DBL_TRUE_MIN + DBL_MIN * DBL_EPSILON;
        out->error_bound = eb;
    } else {
        out->error_bound = 0;
    }
    out->log_fraction_of_cube = logv - lcube;
    /* a volume's share of the cube is at most 1; a surface measure / (2a)^d is no share
       (it has the units of 1/length) and is reported as it is */
    if (!surface && out->log_fraction_of_cube > 0)
        out->log_fraction_of_cube = 0;
    out->fraction_of_cube = exp(out->log_fraction_of_cube);
    if (comp) {
        out->fraction_of_ball = out->log_fraction_of_ball = NAN;
    } else if (isfinite(lball)) {
        out->log_fraction_of_ball = logv - lball;
        if (out->log_fraction_of_ball > 0)
            out->log_fraction_of_ball = 0;
        out->fraction_of_ball = exp(out->log_fraction_of_ball);
    } else {
        /* degenerate ball (r = 0): the fraction of an empty measure is taken as 0 */
        out->log_fraction_of_ball = -INFINITY;
        out->fraction_of_ball = 0;
    }
}

static void fill(geom_result *out, int d, double a, double r, int surface, double logv, double rel,
                 const char *method)
{
    geom_fill(out, d, a, r, surface ? GEOM_Q_SURFACE : GEOM_Q_VOLUME, logv, rel, 0, method);
}

/* Volume (surface = 0) or area (1) of the part of B_d(√t) beyond a hyperplane at distance h,
 * 0 <= h < √t: V_{d-1}(1) ∫_h^r (r² - y²)^{(d-1)/2} dy and its r-derivative, with
 * y = r - (r - h) v² so that the Gauss–Legendre integrand is smooth. */
static double cap_core(int d, double r, double e, int surface);

double geom_cap_measure(int d, double t, double h, int surface)
{
    double r = sqrt(t);
    return cap_core(d, r, (t - h * h) / (r + h) /* r - h without cancellation */, surface);
}

/* The same from r itself: r - h is exact when h <= r <= 2h (Sterbenz), where t = r² would
 * have rounded away the digits of a thin cap (r = 1 + 1e-8, h = 1: 5e-9 relative). */
static double cap_measure_r(int d, double r, double h, int surface)
{
    return cap_core(d, r, r - h, surface);
}

static double cap_core(int d, double r, double e, int surface)
{
    double gx[24], gw[24];
    geom_gl24(gx, gw);
    double sum = 0;
    for (int k = 0; k < 24; k++) {
        double v = 0.5 * (gx[k] + 1), q = 2 * r - e * v * v;
        double f = surface ? (d - 1) * r * 2 * pow(e, 0.5 * (d - 1)) * pow(v, d - 2) *
                                 pow(q, 0.5 * (d - 3))
                           : 2 * pow(e, 0.5 * (d + 1)) * pow(v, d) * pow(q, 0.5 * (d - 1));
        sum += 0.5 * gw[k] * f;
    }
    return exp(0.5 * (d - 1) * log(M_PI) - lgamma(0.5 * (d + 1))) * sum;
}

/* Measure of the part of B_d(√t) beyond two perpendicular hyperplanes at distances hi, hj
 * (volume, or with surface = 1 its r-derivative, the sphere's area there):
 *   ∫∫_{y1 > hi, y2 > hj} V_{d-2}(1) (t - y1² - y2²)_+^{(d-2)/2} dy1 dy2,
 * with y1 = Y - (Y - hi) v², Y = √(t - hj²), and y2 = R1 - (R1 - hj) w², R1 = √(t - y1²), so
 * both Gauss–Legendre integrands are smooth.  0 when hi² + hj² >= t.  d >= 3. */
double geom_pair_cap_measure(int d, double t, double hi, double hj, int surface)
{
    if (!(hi * hi + hj * hj < t))
        return 0;
    double gx[24], gw[24];
    geom_gl24(gx, gw);
    double r = sqrt(t), Y = sqrt(t - hj * hj), p = surface ? 0.5 * (d - 4) : 0.5 * (d - 2);
    /* R1 = √(hj² + (Y - y1)(Y + y1)) is analytic in v but has branch points near
     * v* = hj / √(2r (Y - hi)): geometric panels towards v = 0 keep the rule accurate */
    double vstar = hj / sqrt(2 * r * (Y - hi) + 1e-300), sum = 0;
    double hi_v = 1;
    for (int panel = 0; panel < 40 && hi_v > 0; panel++) {
        double lo_v = hi_v / 3 < vstar / 10 ? 0 : hi_v / 3;
        for (int a = 0; a < 24; a++) {
            double v = lo_v + (hi_v - lo_v) * 0.5 * (gx[a] + 1);
            double dy = (Y - hi) * v * v; /* Y - y1 */
            double y1 = Y - dy;
            double R1 = sqrt(hj * hj + dy * (Y + y1)), e2 = dy * (Y + y1) / (R1 + hj); /* R1 - hj */
            double inner = 0;
            for (int b = 0; b < 24; b++) {
                double w = 0.5 * (gx[b] + 1), q = 2 * R1 - e2 * w * w;
                inner += 0.5 * gw[b] * pow(w, 2 * p + 1) * pow(q, p);
            }
            inner *= 2 * pow(e2, p + 1);
            sum += 0.5 * (hi_v - lo_v) * gw[a] * inner * 2 * (Y - hi) * v;
        }
        hi_v = lo_v;
    }
    double lv = 0.5 * (d - 2) * log(M_PI) - lgamma(0.5 * d); /* log V_{d-2}(1) */
    return exp(lv) * sum * (surface ? (d - 2) * r : 1);
}

/* The transform converges slowly when t = r² lies close to a break point of V: h² for the
 * distance h from the centre to a face, or h_f² + h_g² for an edge.  Such faces are moved out
 * of the sphere's reach, and V is recovered by inclusion–exclusion over the moved set M:
 *   V = W_M - Σ_{f ∈ M} C_f + Σ_{f < g ∈ M} C_fg,
 * W_M the transform on the enlarged box, C_f the cap beyond face f, C_fg the part beyond two
 * faces of different coordinates (both closed forms above).  Valid when every cap stays
 * inside the slabs that were not moved and no three moved faces are crossed together; faces
 * that break this are left in place.  Units a = 1; c sorted, >= 0.  Returns |M|; *corr gets
 * Σ C_f - Σ C_fg (to subtract from W_M). */
typedef struct {
    int coord;
    int side; /* 0: face at +1 (distance 1 - c), 1: face at -1 (distance 1 + c) */
    double h;
} geom_face;

static int move_near_faces(int d, const double *c, double t, int surface, double *x1, double *x2,
                           double *corr)
{
    geom_face f[2 * GEOM_MAX_DIM];
    int in[2 * GEOM_MAX_DIM] = {0};
    int nf = 0;
    const double near = 0.1 * t;
    for (int i = 0; i < d; i++)
        for (int side = 0; side < 2; side++) {
            double h = side == 0 ? 1 - c[i] : 1 + c[i];
            if (h > 0) {
                f[nf].coord = i;
                f[nf].side = side;
                f[nf].h = h;
                nf++;
            }
        }
    for (int a = 0; a < nf; a++) {
        if (fabs(t - f[a].h * f[a].h) < near)
            in[a] = 1;
        for (int b = a + 1; b < nf; b++)
            if (f[a].coord != f[b].coord &&
                fabs(t - f[a].h * f[a].h - f[b].h * f[b].h) < near)
                in[a] = in[b] = 1;
    }
    /* drop faces until the inclusion–exclusion is exact */
    for (int changed = 1; changed;) {
        changed = 0;
        for (int a = 0; a < nf; a++) {
            if (!in[a] || !(f[a].h * f[a].h < t))
                continue;
            double rho = sqrt(t - f[a].h * f[a].h);
            /* the cap's shadow (radius rho about the centre) must lie inside every other
             * slab that keeps its faces; a centre outside a slab (c_k >= 1) never allows it */
            for (int k = 0; k < d && in[a]; k++)
                if (k != f[a].coord && !(c[k] < 1)) {
                    in[a] = 0;
                    changed = 1;
                }
            for (int g = 0; g < nf && in[a]; g++)
                if (!in[g] && f[g].coord != f[a].coord && rho > f[g].h) {
                    in[a] = 0;
                    changed = 1;
                }
        }
        for (int a = 0; a < nf && !changed; a++)
            for (int b = a + 1; b < nf && !changed; b++)
                for (int e = b + 1; e < nf && !changed; e++) {
                    if (!in[a] || !in[b] || !in[e] || f[a].coord == f[b].coord ||
                        f[a].coord == f[e].coord || f[b].coord == f[e].coord)
                        continue;
                    if (f[a].h * f[a].h + f[b].h * f[b].h + f[e].h * f[e].h < t) {
                        in[a] = in[b] = in[e] = 0;
                        changed = 1;
                    }
                }
    }
    int moved = 0;
    double hnew = sqrt(1.25 * t + 0.1), sum = 0;
    for (int a = 0; a < nf; a++) {
        if (!in[a])
            continue;
        if (f[a].h * f[a].h < t)
            sum += geom_cap_measure(d, t, f[a].h, surface);
        for (int b = a + 1; b < nf; b++)
            if (in[b] && f[b].coord != f[a].coord)
                sum -= geom_pair_cap_measure(d, t, f[a].h, f[b].h, surface);
        double hn = hnew > f[a].h ? hnew : f[a].h;
        if (f[a].side == 0)
            x2[f[a].coord] = hn;
        else
            x1[f[a].coord] = -hn;
        moved++;
    }
    *corr = sum;
    return moved;
}

/* √(Σ v_i²) without overflow or underflow of the squares */
static double scaled_norm(const double *v, int n)
{
    double m = 0, s = 0;
    for (int i = 0; i < n; i++)
        if (fabs(v[i]) > m)
            m = fabs(v[i]);
    if (m == 0)
        return 0;
    for (int i = 0; i < n; i++)
        s += (v[i] / m) * (v[i] / m);
    return m * sqrt(s);
}

geom_case geom_exact_case(int d, const double *c, double rs)
{
    geom_case ec = {GEOM_CASE_NONE, 0};
    double out[GEOM_MAX_DIM], far[GEOM_MAX_DIM];
    int inside = 1, faces = 0;
    for (int i = 0; i < d; i++) {
        out[i] = c[i] > 1 ? c[i] - 1 : 0;
        far[i] = 1 + c[i];
        if (c[i] == 1 && rs <= 2)
            faces++; /* the face x_i = 1 through the centre; the other one out of reach */
        else if (!(rs <= 1 - c[i]))
            inside = 0;
    }
    if (inside) { /* (with rs = 0 from an underflow of r / a too: then every c_i <= 1) */
        ec.kind = GEOM_CASE_BALL_INSIDE;
        ec.faces = faces;
    } else if (scaled_norm(out, d) >= rs) {
        ec.kind = GEOM_CASE_DISJOINT;
    } else if (rs >= scaled_norm(far, d)) {
        ec.kind = GEOM_CASE_CUBE_INSIDE;
    }
    return ec;
}

#define GEOM_SINGLE_CAP_MAX_DIM 32

void geom_result_set_none(geom_result *out)
{
    out->value = out->log_value = out->error_bound = out->rel_error_bound = NAN;
    out->fraction_of_cube = out->log_fraction_of_cube = NAN;
    out->fraction_of_ball = out->log_fraction_of_ball = NAN;
    out->method = "none";
}

int geom_entry_begin(const geom_problem *p, geom_result *out, double *c, char *err,
                     size_t errlen)
{
    if (!out) {
        so8t_err_set(err, errlen, "no result buffer given");
        return GEOM_ERR_INVAL;
    }
    memset(out, 0, sizeof *out);
    int st = geom_problem_reduce(p, c, err, errlen);
    if (st != GEOM_OK)
        geom_result_set_none(out);
    return st;
}

static int solve(const geom_problem *p, geom_result *out, char *err, size_t errlen, int surface,
                 geom_opts *o)
{
    double c[GEOM_MAX_DIM];
    int st = geom_entry_begin(p, out, c, err, errlen);
    if (st != GEOM_OK)
        return st;
    const int d = p->dim;
    const double a = p->half_side, r = p->radius, rs = r / a, t = rs * rs;
    const double la = log(a);
    if (err && errlen)
        err[0] = '\0';

    if (d == 1 && surface) {
        double v = geom_surface_closed_form_d123(1, 1.0, rs, c);
        fill(out, d, a, r, surface, log(v), 0, "exact-case");
        out->error_bound = 0; /* a count */
        if (r == 0) {
            out->fraction_of_ball = v;
            out->log_fraction_of_ball = log(v);
        }
        return GEOM_OK;
    }
    /* exact cases, decided on distances (rs and its square may underflow: a tiny ball, a huge
     * cube), never on t = rs² */
    geom_case ec = geom_exact_case(d, c, rs);
    if (r == 0 || ec.kind == GEOM_CASE_DISJOINT) {
        fill(out, d, a, r, surface, -INFINITY, 0, "exact-case");
        return GEOM_OK;
    }
    if (ec.kind == GEOM_CASE_BALL_INSIDE) {
        /* ball inside the (closed) cube, or centred on k faces it does not otherwise cross:
         * 2^-k of the ball (the faces through the centre cut it into orthants) */
        double lb = (surface ? geom_sphere_log_area(d, r) : geom_ball_log_volume(d, r)) -
                    ec.faces * M_LN2;
        fill(out, d, a, r, surface, lb, 0, "exact-case");
        out->log_fraction_of_ball = -ec.faces * M_LN2;
        out->fraction_of_ball = ldexp(1.0, -ec.faces);
        return GEOM_OK;
    }
    if (ec.kind == GEOM_CASE_CUBE_INSIDE) { /* cube inside the ball */
        if (surface) {
            /* outside the cube, or through its farthest corner only: measure 0 */
            fill(out, d, a, r, surface, -INFINITY, 0, "exact-case");
        } else {
            fill(out, d, a, r, surface, log_cube(d, a), 0, "exact-case");
            geom_fill_whole_cube(out, d, a);
        }
        return GEOM_OK;
    }
    {
        /* near the farthest corner: the exact positive series of the tail (geom_series.c),
         * where the transform's period choice is at its hardest (d = 128: no stable period)
         * and the closed forms' angle differences cancel (d = 2, 3 surface: 1e-4 off) */
        double lq, relq;
        if (geom_corner_series(d, c, rs, geom_rs_rel(r, a, rs), surface, &lq, &relq)) {
            double lv, rel;
            if (surface) {
                lv = d * M_LN2 + log(2 * rs) + lq;
                rel = relq;
            } else {
                double q = exp(lq);
                lv = d * M_LN2 + log1p(-q);
                rel = relq * q / (1 - q) + DBL_EPSILON;
            }
            lv += (surface ? d - 1 : d) * la;
            geom_fill(out, d, a, r, surface ? GEOM_Q_SURFACE : GEOM_Q_VOLUME, lv, rel, 0,
                      "corner-series");
            return GEOM_OK;
        }
    }
    if (d <= GEOM_SINGLE_CAP_MAX_DIM) {
        /* a single cap from outside: the centre beyond one face (c_i >= 1), the cap of the
         * ball on the cube's side inside every other slab and short of the opposite face.
         * Its measure by the smooth Gauss–Legendre rule of geom_cap_measure keeps its
         * relative accuracy; the closed forms' angle differences do not (r = 1 + 1e-8 from
         * (2, 0): 3e-8 off, and 1e-4 for the surface near a corner); the transform works
         * from t = r², which rounds away the cap's depth (d = 20, r = 1 + 1e-8: 5e-8 off,
         * within its bound of 2e-5; this rule: 1e-15).  Up to d = 32 the integrand (degree
         * ~d in v, smooth in q) is within GL24's reach (checked against mpmath at d = 32). */
        const int i = d - 1; /* c sorted: only the largest can be beyond its face */
        const double h = c[i] - 1;
        int single = h >= 0 && rs > h && c[i] - rs >= -1;
        double rho = single ? sqrt((rs - h) * (rs + h)) : 0;
        for (int j = 0; j < i && single; j++)
            if (!(c[j] + rho <= 1))
                single = 0;
        if (single) {
            double v = cap_measure_r(d, rs, h, surface);
            if (v > 0) {
                fill(out, d, a, r, surface, log(v) + (surface ? d - 1 : d) * la, 1e-14,
                     "single-cap");
                return GEOM_OK;
            }
        }
    }
    if (d <= 3) {
        /* closed forms in units a = 1, scaled back */
        double v = surface ? geom_surface_closed_form_d123(d, 1.0, rs, c)
                           : geom_volume_closed_form_d123(d, 1.0, rs, c);
        double lscale = (surface ? d - 1 : d) * la;
        double rel = d == 3 ? 1e-13 : 1e-14;
        /* their arcsines and angle differences round at the scale of the whole ball (sphere):
         * 8 ulp of that, relative to the value, for what is small after cancellation */
        double lscale_ball = surface ? geom_sphere_log_area(d, rs) : geom_ball_log_volume(d, rs);
        if (v > 0)
            rel += 8 * DBL_EPSILON * exp(lscale_ball - log(v));
        if (!(v > 0)) {
            fill(out, d, a, r, surface, -INFINITY, 0, "closed-form");
            out->error_bound = 1e-15 * exp(lscale) * (surface ? 2 * M_PI * rs : 8);
            return GEOM_OK;
        }
        fill(out, d, a, r, surface, log(v) + lscale, rel, "closed-form");
        return GEOM_OK;
    }
    if (d <= GEOM_CORNERS_MAX_DIM && !(o && o->no_corners)) {
        /* Orthant caps (geom_corners.c): cost ∝ the number of caps the ball reaches, not the
         * distance to a break point, which is what makes the transform slow for d = 5…8.  The
         * sum is an inclusion–exclusion; when it cancels too much (error estimate above 2e-12, as
         * for tiny fractions) or too many caps reach the ball, fall through. */
        double v, rel;
        if (geom_corner_sum(d, c, rs, surface, GEOM_CORNERS_MAX_TERMS(d), GEOM_CORNERS_MAX_REL, &v,
                            &rel, NULL) &&
            rel <= GEOM_CORNERS_MAX_REL) {
            fill(out, d, a, r, surface, log(v) + (surface ? d - 1 : d) * la, rel,
                 "orthant-caps");
            return GEOM_OK;
        }
    }
    if (d == 4) {
        /* 2 + 2 split (geom_closed.c): two closed forms under one 1-D integral, fast and
         * uniform near break points, where the transform is slow */
        double v = geom_measure_d4_split(1.0, rs, c, surface);
        if (v > 0) {
            fill(out, d, a, r, surface, log(v) + (surface ? 3 : 4) * la, 1e-13, "pair-split");
            return GEOM_OK;
        }
        /* v = 0 with t strictly between t_min and t_max cannot happen; fall through */
    }
    /* d >= 4: the transform, on a box whose faces near the sphere were moved away (below) */
    double x1[GEOM_MAX_DIM], x2[GEOM_MAX_DIM];
    double caps = 0;
    int moved = 0;
    for (int i = 0; i < d; i++) {
        x1[i] = -1 - c[i];
        x2[i] = 1 - c[i];
    }
    if (d <= 16)
        moved = move_near_faces(d, c, t, surface, x1, x2, &caps);
    {
        /* Faces beyond the sphere's reach (distance > r from the centre) do not change the
         * box ∩ ball: pull them in to distance H > r.  The support of S then ends at
         * Σ max(x1², x2²) <= d H² instead of Σ (1 + c_i)², which shortens the period T of
         * the transform (and with it the number of nodes, ∝ T) when r is small against the
         * cube, at the price of a break point at H², 0.1 t away from t.  Faces moved out by
         * move_near_faces are beyond reach too, so they may come in to H as well. */
        const double H = sqrt(1.1 * t); /* 1.1: best of 0.1, 0.25, 0.5, 1 in bench_geom */
        for (int i = 0; i < d; i++) {
            if (x2[i] > H)
                x2[i] = H;
            if (x1[i] < -H)
                x1[i] = -H;
        }
    }
    double lp, rel;
    st = geom_tf_log(d, x1, x2, t, surface, &lp, &rel, err, errlen, o);
    double lbox = 0, lsum = 0;
    for (int i = 0; i < d; i++) {
        lbox += log(x2[i] - x1[i]);
        lsum += fabs(log(x2[i] - x1[i])) + fabs(lbox);
    }
    double lv = lbox + lp; /* units a = 1 */
    if (surface)
        lv += log(2 * rs); /* A = |box| 2r f_S(r²) */
    if (moved && caps != 0) {
        double ext = exp(lv), v = ext - caps;
        if (!(v > 0)) {
            so8t_err_set(err, errlen, "internal: cap correction exceeds the value");
            st = GEOM_ERR_NOCONV;
            v = ext;
        }
        rel = (rel * ext + 1e-14 * fabs(caps)) / v;
        lv = log(v);
    }
    lv += (surface ? d - 1 : d) * la;
    geom_fill(out, d, a, r, surface ? GEOM_Q_SURFACE : GEOM_Q_VOLUME, lv, rel, lsum,
              "laplace-inversion");
    return st;
}

/* rs = r / a rounds unless the division is exact, and every method works from rs: the value
 * moves by (d log V / d log r) times that relative error, which is large for a thin cap from
 * outside or near the far corner (r = 1.00000001e100 at a = 1e100, centre 2e100: 2e-8).  The
 * log-derivative is measured by a second solve at r (1 + 2^-26) (methods' errors ~1e-13 cost
 * ~1e-5 of it, harmless) and twice its product with the rounding is added to the bound. */
static void widen_for_rs(const geom_problem *p, geom_result *out, int surface, geom_opts *o)
{
    if (!p || !out || !isfinite(out->log_value) || !strcmp(out->method, "exact-case"))
        return;
    double rs = p->radius / p->half_side, rel = geom_rs_rel(p->radius, p->half_side, rs);
    if (rel == 0)
        return;
    geom_problem q = *p;
    geom_result o2;
    q.radius = p->radius * (1 + 0x1p-26);
    solve(&q, &o2, NULL, 0, surface, o);
    double cond = fabs(o2.log_value - out->log_value) / 0x1p-26;
    double add = isfinite(cond) ? 2 * cond * rel : 1;
    if (add > 1)
        add = 1;
    if (add > 0) {
        out->rel_error_bound += add;
        out->error_bound += out->value * add;
    }
}

int geom_exact_opts(const geom_problem *p, int surface, geom_opts *o, geom_result *out,
                    char *err, size_t errlen)
{
    int st = solve(p, out, err, errlen, surface, o);
    if (st != GEOM_ERR_INVAL)
        widen_for_rs(p, out, surface, o);
    return st;
}

int geom_volume_exact(const geom_problem *p, geom_result *out, char *err, size_t errlen)
{
    return geom_exact_opts(p, 0, NULL, out, err, errlen);
}

int geom_surface_exact(const geom_problem *p, geom_result *out, char *err, size_t errlen)
{
    return geom_exact_opts(p, 1, NULL, out, err, errlen);
}

int geom_transform_log(int d, double a, double r, const double *c, int surface,
                       double *log_out, double *rel_err, char *err, size_t errlen)
{
    return geom_transform_log_opts(d, a, r, c, surface, NULL, log_out, rel_err, err, errlen);
}

int geom_transform_log_opts(int d, double a, double r, const double *c, int surface,
                            geom_opts *o, double *log_out, double *rel_err, char *err,
                            size_t errlen)
{
    double cred[GEOM_MAX_DIM];
    geom_problem p = {d, a, r, c, NULL};
    if (!log_out || !rel_err) {
        so8t_err_set(err, errlen, "no output given");
        return GEOM_ERR_INVAL;
    }
    int st = geom_problem_reduce(&p, cred, err, errlen);
    if (st != GEOM_OK)
        return st;
    double rs = r / a, x1[GEOM_MAX_DIM], x2[GEOM_MAX_DIM];
    for (int i = 0; i < d; i++) {
        x1[i] = -1 - cred[i];
        x2[i] = 1 - cred[i];
    }
    st = geom_tf_log(d, x1, x2, rs * rs, surface, log_out, rel_err, err, errlen, o);
    if (surface)
        *log_out -= 2 * log(a);
    return st;
}
