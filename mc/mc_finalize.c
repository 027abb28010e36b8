/* mc_finalize.c — from the folded block sums to the estimate, its standard error, a 95 %
 * interval that holds what the arithmetic can promise, and the z-score against a reference.
 * The rules (docs/math.md, "Intervals and z-scores"):
 *
 *   counts (hit, ball)   Clopper–Pearson for k of n (mc_stats.c); k = 0 or k = n: the
 *                        one-sided rule-of-three bound 1 − 0.05^{1/n} ≈ 3/n;
 *   continuous           the effective count k = (Σy)²/Σy² of weight w = Σy²/Σy: the
 *                        Clopper–Pearson interval of k of n, times w. It has the sample's
 *                        mean and variance exactly and a binomial's skew, so a run where
 *                        few samples contribute (a vertex, a thin cap) is not judged by a
 *                        normal it does not follow; for many contributors it is mean ± 1.96 se;
 *   qmc                  ± t_{0.975, R−1} se (R replicates, Student t);
 *     zero spread        when the observed relative variance is below that of one unseen
 *                        outcome (p_u = 1 − 0.025^{1/n} ≈ 3.7/n), the variance is taken as
 *                        p_u · R², R the largest possible deviation of a per-sample value from
 *                        the mean (value_max − mean or mean): a value nobody saw may exist;
 *     no contribution    every per-sample value 0: [0, value_max · (1 − 0.05^{1/n})];
 *     deterministic      no random input at all (cond in d = 1, qmc in d <= 2): se = 0;
 *   rounding             every interval widens by rounding_bound on both sides: the summation
 *                        bound γ_1023 + 4u (plain sums of <= 1024 values per block, Neumaier
 *                        across blocks) plus an a-priori per-sample allowance, plus the
 *                        rounding of the scale e^{log_scale}.
 */
#include "mc/mc_internal.h"
#include "mc/mc_stats.h"

#include <float.h>
#include <math.h>
#include <string.h>

#define Z95 1.959963984540054
#define U (DBL_EPSILON / 2)

/* The largest possible per-sample value of the plan's estimator (sample.h's formulas). */
static double plan_value_max(const mc_plan *pl)
{
    const mc_kparams *kp = &pl->kp;
    if (pl->quantity != MC_VOLUME && pl->quantity != MC_SURFACE && pl->quantity != MC_ORIENT_AVG)
        /* another quantity (the complement): counts and a fraction of a line or square stay
           in [0, 1]; no bound is claimed for its other estimators' weights */
        return pl->count_based || pl->method == MC_METHOD_COND || pl->method == MC_METHOD_QMC
                   ? 1.0
                   : INFINITY;
    switch (pl->method) {
    case MC_METHOD_COND: return fmin(1.0, kp->r / kp->a); /* chord <= min(2a, 2h) over 2a */
    case MC_METHOD_RADIAL: {
        /* (ρ/r)^d with ρ <= min(r + |p − c|, the distance from p to the farthest corner) */
        double pc = sqrt(fmax(kp->pc2_minus_r2 + kp->r2, 0.0)), far = 0;
        for (int i = 0; i < kp->dim; i++)
            far += (kp->a + fabs(kp->point[i])) * (kp->a + fabs(kp->point[i]));
        double rho = fmin(kp->r + pc, sqrt(far));
        return kp->r > 0 ? exp(kp->dim * log(rho / kp->r)) : 1.0;
    }
    default: return 1.0; /* counts, qmc (area / (2a)^2), tilt (e^{θ(S − r²)}, S <= r²) */
    }
}

/* 1 when the per-sample value does not depend on any random number. */
static int plan_deterministic(const mc_plan *pl)
{
    return (pl->method == MC_METHOD_COND && pl->quantity == MC_VOLUME && pl->kp.dim == 1) ||
           (pl->method == MC_METHOD_QMC && pl->kp.dim <= 2);
}

/* A-priori allowance for one per-sample value's rounding, as rel·|y| + abs (y units).
 * G = 1 + (|c| + r)/a: the operands of cond's chord endpoints c ± h and of qmc's corner
 * areas reach |c| + r + a, so their errors are absolute (a tiny chord keeps the error of its
 * endpoints): cond <= (4d + 32)·u·G (measured worst 0.4·u·G, tests/test_mc_rounding.c);
 * qmc's signed corner areas cancel (2e4·u·G²), and near a tangency (t/h → 1) asin's slope
 * turns the rounding u of t/h into up to √(2u) per strip: 8 strips of h²/2 over the 4a² of
 * the square give √(2u)·(r/a)² (measured worst 1.5e-9 at r/a = 1.3, bound 2.5e-8). radial raises a
 * ratio to the d-th power, tilt exponentiates θ(S − r²): relative errors (4d + 32)·u·G ×d
 * resp. × (1 + 2θr²). Counts: a token (4d + 32)·u relative for the points within rounding
 * of the boundary (their effect is statistical, far below se for any reachable N). */
static void plan_sample_allowance(const mc_plan *pl, double *rel, double *abs_y)
{
    const mc_kparams *kp = &pl->kp;
    double cmax = 0;
    for (int i = 0; i < kp->dim; i++)
        cmax = fmax(cmax, fabs(kp->center[i]));
    if (pl->quantity == MC_ORIENT_AVG)
        cmax = kp->center_norm;
    double g = 1 + (cmax + kp->r) / kp->a;
    double k = (4.0 * kp->dim + 32) * U;
    *rel = 0;
    *abs_y = 0;
    switch (pl->method) {
    case MC_METHOD_COND: *abs_y = k * g; break;
    case MC_METHOD_QMC:
        if (kp->dim == 1) { /* a chord, as cond */
            *abs_y = k * g;
        } else {
            double t = fmin(kp->r / kp->a, g);
            *abs_y = 2e4 * U * g * g + sqrt(2 * U) * t * t;
        }
        break;
    case MC_METHOD_RADIAL: *rel = k * g * kp->dim; break;
    case MC_METHOD_TILT: *rel = k * g * (1 + 2 * kp->tilt_theta * kp->r2); break;
    default: *rel = k; break;
    }
}

/* The effective count of the rarer side: the values themselves when the mean is below
 * value_max / 2 (few contributors), else the deficits M − y (few shortfalls: radial or cond
 * where the ball nearly covers the cube, whose rare low values skew the mean downwards).
 * k = (Σd)²/Σd² of weight w = Σd²/Σd; returns 0 when degenerate. */
static int effective_count(double n, double sum, double sum_sq, double vmax, int *deficit,
                           double *k, double *w)
{
    double s = sum, s2 = sum_sq;
    *deficit = isfinite(vmax) && sum > 0.5 * n * vmax;
    if (*deficit) {
        s = n * vmax - sum;
        s2 = n * vmax * vmax - 2 * vmax * sum + sum_sq;
    }
    if (!(s > 0) || !(s2 > 0))
        return 0;
    *k = fmin(s * s / s2, n);
    *w = s2 / s;
    return 1;
}

/* scale · m without the overflow of scale alone (a = 1e39 at d = 8 has (2a)^d = inf) */
static double scaled(double log_scale, double m)
{
    if (m == 0)
        return 0;
    double s = exp(log_scale);
    return isfinite(s) && s > 0 ? s * m : copysign(exp(log_scale + log(fabs(m))), m);
}

/* estimate / vol(ball) (or area of the sphere); NaN for the complement, which lies outside
 * the ball (the CLI omits it there) */
static double ball_fraction(const mc_plan *pl, double log_estimate)
{
    if (pl->quantity == MC_COMPLEMENT)
        return NAN;
    return pl->kp.r > 0 ? exp(log_estimate - pl->log_ball) : 0.0;
}

void mc_finalize(const mc_plan *pl, const mc_accum *acc, mc_result *out)
{
    double ls = pl->log_scale;
    double n = (double)acc->samples;
    out->method = pl->method;
    out->samples = acc->samples;
    out->count_based = pl->count_based;
    out->hits = pl->count_based ? acc->hits : 0;
    out->log_scale = ls;
    out->value_max = pl->count_based ? 1.0 : plan_value_max(pl);
    out->dof = INFINITY;
    out->se_floored = 0;
    out->ci_one_sided = 0;
    out->target_met = -1;
    out->ci_method = pl->count_based ? "clopper-pearson" : "effective-count";
    if (pl->trivial) {
        out->sum = out->sum_sq = 0;
        out->estimate = pl->trivial_value;
        out->std_error = 0;
        /* known without sampling, but through exp/log/lgamma: the interval is the value
           widened by their rounding, a few ulps of the log carried into the value (an exact
           0 — disjoint, r = 0 — has none) */
        out->rounding_bound = pl->trivial_value > 0 ? pl->trivial_value * 4 * DBL_EPSILON *
                                                          (fabs(pl->trivial_log) + 8)
                                                    : 0.0;
        out->ci95[0] = fmax(0.0, pl->trivial_value - out->rounding_bound);
        out->ci95[1] = pl->trivial_value + out->rounding_bound;
        out->ci_method = "exact";
        out->log_estimate = pl->trivial_log; /* keeps its digits when the value underflows */
        out->log_scale = 0;
        out->rel_error = out->rel_half_width = pl->trivial_value != 0 ? 0.0 : INFINITY;
        out->fraction_of_cube = exp(out->log_estimate - pl->log_cube);
        out->fraction_of_ball = ball_fraction(pl, out->log_estimate);
        return;
    }
    double mean = 0, se = 0, lo, hi, sum_err = 0;
    double vmax = out->value_max;
    double a_rel, a_abs;
    plan_sample_allowance(pl, &a_rel, &a_abs);
    if (pl->count_based) {
        out->sum = out->sum_sq = (double)acc->hits;
        mean = n > 0 ? (double)acc->hits / n : 0;
        se = n > 0 ? sqrt(mean * (1 - mean) / n) : INFINITY;
        mc_stat_binom_interval(acc->hits, acc->samples, 0.05, &lo, &hi);
        out->ci_one_sided = acc->hits == 0 || acc->hits == acc->samples;
    } else {
        double sum = mc_accum_sum(acc), sum_sq = mc_accum_sum_sq(acc);
        out->sum = sum;
        out->sum_sq = sum_sq;
        mean = n > 0 ? sum / n : 0;
        /* plain sums of <= 1024 values per block, exact across blocks (one rounding) */
        sum_err = (1023 * U / (1 - 1023 * U) + 4 * U) * fabs(mean);
        double rel_var; /* observed variance per sample / mean² */
        if (pl->kp.method == MC_METHOD_QMC) {
            /* the spread of the replicate means is the error estimate */
            int r = acc->nrep;
            double m = 0, v = 0;
            for (int i = 0; i < r; i++)
                m += mc_accum_rep_sum(acc, i) / (double)acc->rep_n[i];
            m /= r;
            for (int i = 0; i < r; i++) {
                double e = mc_accum_rep_sum(acc, i) / (double)acc->rep_n[i] - m;
                v += e * e;
            }
            mean = m;
            se = sqrt(v / (r - 1) / r);
            out->dof = r - 1;
            /* a spread the rounding explains is no spread: qmc's own variance may be
               far below one unseen outcome's worth, so only this counts as "none" */
            rel_var = se <= 2 * (a_rel * fabs(mean) + a_abs + sum_err) ? 0 : INFINITY;
        } else {
            double var = n > 1 ? (sum_sq - sum * sum / n) / (n - 1) : INFINITY;
            se = sqrt(fmax(var, 0.0) / n);
            rel_var = mean != 0 ? fmax(var, 0.0) / (mean * mean) : INFINITY;
        }
        int deficit = 0;
        double keff = 0, w = 0;
        double p_u = n > 0 ? -expm1(log(0.025) / n) : 1; /* one unseen outcome, 97.5 % */
        if (plan_deterministic(pl)) {
            se = 0;
            out->dof = INFINITY;
            out->ci_method = "rounding-only";
        } else if (mean == 0 && sum_sq == 0) {
            out->ci_one_sided = 1;
            out->ci_method = "rule-of-three";
        } else if (rel_var < p_u) {
            double range = fmax(mean, vmax - mean);
            se = range * sqrt(p_u / n);
            out->se_floored = 1;
            out->dof = INFINITY;
            out->ci_method = "rule-of-three";
        } else if (pl->kp.method == MC_METHOD_QMC) {
            out->ci_method = "student-t";
        }
        if (out->ci_one_sided) {
            lo = 0;
            hi = n > 0 ? vmax * -expm1(log(0.05) / n) : vmax;
            se = 0;
        } else if (!strcmp(out->ci_method, "effective-count") &&
                   effective_count(n, sum, sum_sq, vmax, &deficit, &keff, &w)) {
            mc_stat_binom_interval_real(keff, n, 0.05, &lo, &hi);
            if (deficit) {
                double t = lo;
                lo = vmax - hi * w;
                hi = vmax - t * w;
            } else {
                lo *= w;
                hi *= w;
            }
        } else {
            double q = isinf(out->dof) ? Z95 : mc_stat_student_quantile(0.05, out->dof);
            lo = mean - q * se;
            hi = mean + q * se;
        }
    }
    /* the rounding: per-sample allowance and summation (in mean units), then the scale */
    double rb_mean = a_rel * fabs(mean) + a_abs + sum_err;
    double est = scaled(ls, mean);
    double rb = scaled(ls, rb_mean) + fabs(est) * U * (8 + 4 * fabs(ls) + 2 * pl->kp.dim);
    if (pl->method == MC_METHOD_TILT)
        rb += fabs(est) * 64 * U * pl->kp.dim; /* log Z_i from erf/erfcx (libcerf) */
    out->estimate = est;
    out->std_error = scaled(ls, se);
    out->rounding_bound = rb;
    out->ci95[0] = fmax(0.0, scaled(ls, fmax(lo, 0.0)) - rb);
    out->ci95[1] = scaled(ls, hi) + rb;
    out->log_estimate = mean > 0 ? ls + log(mean) : -INFINITY;
    out->rel_error = est != 0 ? out->std_error / fabs(est) : INFINITY;
    out->rel_half_width =
        est != 0 ? fmax(out->ci95[1] - est, est - out->ci95[0]) / fabs(est) : INFINITY;
    out->fraction_of_cube = exp(out->log_estimate - pl->log_cube);
    out->fraction_of_ball = ball_fraction(pl, out->log_estimate);
}

double mc_result_z(const mc_result *r, double exact, double exact_err)
{
    if (!isfinite(exact) || !isfinite(r->estimate))
        return NAN;
    double allow = r->rounding_bound + (isfinite(exact_err) ? fabs(exact_err) : 0.0);
    double dev = r->estimate - exact;
    if (fabs(dev) <= allow)
        return 0.0;
    double sign = dev > 0 ? 1.0 : -1.0;
    if (r->count_based || r->ci_one_sided) {
        /* the proportion p0 the reference implies (within the allowance), nearest to the
           observation; no contribution counts as 0 of n with P(y > 0) >= mean / value_max */
        double unit = scaled(r->log_scale, r->count_based ? 1.0 : r->value_max);
        uint64_t k = r->count_based ? r->hits : 0;
        double p0 = (exact + sign * allow) / unit;
        if (r->ci_one_sided && !r->count_based && p0 > 1)
            p0 = 1;
        return mc_stat_binom_z(k, r->samples, p0);
    }
    if (r->std_error == 0)
        return sign * INFINITY;
    int deficit;
    double keff, w, n = (double)r->samples;
    if (r->ci_method && !strcmp(r->ci_method, "effective-count") &&
        effective_count(n, r->sum, r->sum_sq, r->value_max, &deficit, &keff, &w)) {
        /* k effective samples (or shortfalls) of weight w: their binomial tail */
        double ref = exact + sign * allow; /* the reference moved toward the estimate */
        if (!deficit)
            return mc_stat_binom_z_real(keff, n, ref / scaled(r->log_scale, w));
        double top = scaled(r->log_scale, r->value_max);
        return -mc_stat_binom_z_real(keff, n, (top - ref) / scaled(r->log_scale, w));
    }
    double t = sign * (fabs(dev) - allow) / r->std_error;
    return isinf(r->dof) ? t : mc_stat_student_z(t, r->dof);
}
