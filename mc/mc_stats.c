/* mc_stats.c — incomplete beta, binomial and Student tails, Clopper–Pearson, normal
 * quantiles from log tails (formulas and references in mc_stats.h). */
#include "mc/mc_stats.h"

#include <cerf.h>
#include <math.h>
#include <stddef.h>

#define LOG_SQRT_2PI 0.91893853320467274178

#define LENTZ_TINY 1e-300

/* One step of Lentz's method with partial numerator aa: updates C and D (kept away from 0)
 * and returns the factor C·D the convergent is multiplied by. */
static double lentz_step(double aa, double *c, double *d)
{
    double dd = 1 + aa * *d;
    if (fabs(dd) < LENTZ_TINY)
        dd = LENTZ_TINY;
    double cc = 1 + aa / *c;
    if (fabs(cc) < LENTZ_TINY)
        cc = LENTZ_TINY;
    *d = 1 / dd;
    *c = cc;
    return *d * cc;
}

/* Lentz's continued fraction for I_x(a, b) (NR betacf); converges quickly for
 * x < (a+1)/(a+b+2), in O(sqrt(min(a, b))) terms for large parameters. */
static double ibeta_cf(double x, double a, double b)
{
    const double eps = 1e-16;
    double qab = a + b, qap = a + 1, qam = a - 1;
    double c = 1, d = 1 - qab * x / qap;
    if (fabs(d) < LENTZ_TINY)
        d = LENTZ_TINY;
    d = 1 / d;
    double h = d;
    for (long m = 1; m <= 20000000L; m++) {
        double m2 = 2.0 * (double)m, mm = (double)m;
        h *= lentz_step(mm * (b - mm) * x / ((qam + m2) * (a + m2)), &c, &d);
        double del = lentz_step(-(a + mm) * (qab + mm) * x / ((a + m2) * (qap + m2)), &c, &d);
        h *= del;
        if (fabs(del - 1) < eps)
            break;
    }
    return h;
}

/* log of x^a y^b / (a B(a, b)) · CF */
static double log_ibeta_direct(double x, double y, double a, double b)
{
    double lfront = a * log(x) + b * log(y) - (lgamma(a) + lgamma(b) - lgamma(a + b));
    return lfront + log(ibeta_cf(x, a, b)) - log(a);
}

double mc_stat_log_ibeta(double x, double y, double a, double b)
{
    if (!(x > 0))
        return -INFINITY;
    if (!(y > 0))
        return 0.0;
    if (x < (a + 1) / (a + b + 2))
        return log_ibeta_direct(x, y, a, b);
    double lc = log_ibeta_direct(y, x, b, a); /* the other side, not tiny here */
    return lc >= 0 ? -INFINITY : log1p(-exp(lc));
}

/* the tails for real k and n (the incomplete beta's continuous extension: the effective
   counts of mc_finalize.c are not integers) */
static double log_upper(double k, double n, double p, double q)
{
    if (k <= 0)
        return 0.0;
    if (k > n)
        return -INFINITY;
    return mc_stat_log_ibeta(p, q, k, n - k + 1.0);
}

static double log_lower(double k, double n, double p, double q)
{
    if (k >= n)
        return 0.0;
    return mc_stat_log_ibeta(q, p, n - k, k + 1.0);
}

double mc_stat_binom_log_upper(uint64_t k, uint64_t n, double p, double q)
{
    return log_upper((double)k, (double)n, p, q);
}

double mc_stat_binom_log_lower(uint64_t k, uint64_t n, double p, double q)
{
    return log_lower((double)k, (double)n, p, q);
}

/* log Φ(−z) for z >= 0 */
static double log_normal_tail(double z)
{
    if (z < 5)
        return log(0.5 * erfc(z / M_SQRT2));
    return log(0.5 * erfcx(z / M_SQRT2)) - 0.5 * z * z;
}

double mc_stat_z_from_log_tail(double lp)
{
    if (isnan(lp))
        return NAN;
    if (lp >= log(0.5))
        return 0.0;
    if (lp == -INFINITY)
        return INFINITY;
    /* start right of the root (log Φ(−z) is concave, so Newton then converges from the
       right without overshooting) */
    double t = -2.0 * lp;
    double z = sqrt(t) + 1.0;
    for (int it = 0; it < 100; it++) {
        double lt = log_normal_tail(z);
        double ratio = exp(-0.5 * z * z - LOG_SQRT_2PI - lt); /* φ(z)/Φ(−z) */
        double step = (lt - lp) / ratio;                      /* −f/f' */
        z += step;
        if (z < 0)
            z = 0;
        if (fabs(step) <= 1e-15 * fmax(1.0, z))
            break;
    }
    return z;
}

double mc_stat_binom_z_real(double k, double n, double p0)
{
    if (!(n > 0) || isnan(p0) || isnan(k))
        return NAN;
    if (p0 <= 0)
        return k <= 0 ? 0.0 : INFINITY;
    if (p0 >= 1)
        return k >= n ? 0.0 : -INFINITY;
    double q0 = 1.0 - p0;
    double lu = log_upper(k, n, p0, q0);
    double ll = log_lower(k, n, p0, q0);
    return lu < ll ? mc_stat_z_from_log_tail(lu) : -mc_stat_z_from_log_tail(ll);
}

double mc_stat_binom_z(uint64_t k, uint64_t n, double p0)
{
    return mc_stat_binom_z_real((double)k, (double)n, p0);
}

/* p and 1 − p from the log-odds t, each with full relative accuracy */
static void logit_pq(double t, double *p, double *q)
{
    if (t < 0) {
        double e = exp(t);
        *p = e / (1 + e);
        *q = 1 / (1 + e);
    } else {
        double e = exp(-t);
        *p = 1 / (1 + e);
        *q = e / (1 + e);
    }
}

/* Bisection on the log-odds for the p where the tail (upper: P(X >= k), increasing in p;
   lower: P(X <= k), decreasing) equals e^target. */
static double cp_solve(double k, double n, double target, int upper, double *q_out)
{
    double phat = k / n;
    double t0 = log(phat) - log1p(-phat);
    double lo = upper ? -745.0 : t0, hi = upper ? t0 : 745.0;
    double p = phat, q = 1 - phat;
    for (int it = 0; it < 200; it++) {
        double mid = 0.5 * (lo + hi);
        if (mid == lo || mid == hi)
            break;
        logit_pq(mid, &p, &q);
        double f = upper ? log_upper(k, n, p, q) : log_lower(k, n, p, q);
        int above = f > target; /* tail too big */
        if (upper == above)
            hi = mid;
        else
            lo = mid;
    }
    logit_pq(0.5 * (lo + hi), &p, &q);
    if (q_out)
        *q_out = q;
    return p;
}

void mc_stat_binom_interval(uint64_t k, uint64_t n, double alpha, double *lo, double *hi)
{
    mc_stat_binom_interval_real((double)k, (double)n, alpha, lo, hi);
}

void mc_stat_binom_interval_real(double k, double n, double alpha, double *lo, double *hi)
{
    if (!(n > 0)) {
        *lo = 0;
        *hi = 1;
        return;
    }
    double nn = n;
    if (k <= 0) {
        *lo = 0;
        *hi = -expm1(log(alpha) / nn);
        return;
    }
    if (k >= n) {
        *lo = exp(log(alpha) / nn);
        *hi = 1;
        return;
    }
    double m = fmin(k, n - k);
    if (m > MC_STAT_CP_MAX) {
        double z = mc_stat_z_from_log_tail(log(0.5 * alpha));
        double p = k / nn;
        double den = 1 + z * z / nn;
        double mid = (p + z * z / (2 * nn)) / den;
        double half = z * sqrt(p * (1 - p) / nn + z * z / (4 * nn * nn)) / den;
        *lo = fmax(0.0, mid - half);
        *hi = fmin(1.0, mid + half);
        return;
    }
    double target = log(0.5 * alpha);
    *lo = cp_solve(k, n, target, 1, NULL);
    *hi = cp_solve(k, n, target, 0, NULL);
}

double mc_stat_student_log_tail(double t, double nu)
{
    if (t <= 0)
        return log(0.5);
    if (isinf(nu))
        return log_normal_tail(t);
    double t2 = t * t;
    return log(0.5) + mc_stat_log_ibeta(nu / (nu + t2), t2 / (nu + t2), 0.5 * nu, 0.5);
}

double mc_stat_student_quantile(double alpha, double nu)
{
    double target = log(0.5 * alpha);
    if (isinf(nu))
        return mc_stat_z_from_log_tail(target);
    double lo = -40.0, hi = 700.0; /* log t */
    for (int it = 0; it < 200; it++) {
        double mid = 0.5 * (lo + hi);
        if (mid == lo || mid == hi)
            break;
        if (mc_stat_student_log_tail(exp(mid), nu) > target)
            lo = mid;
        else
            hi = mid;
    }
    return exp(0.5 * (lo + hi));
}

double mc_stat_student_z(double t, double nu)
{
    if (isnan(t))
        return NAN;
    double z = mc_stat_z_from_log_tail(mc_stat_student_log_tail(fabs(t), nu));
    return t < 0 ? -z : z;
}
