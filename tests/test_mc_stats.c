/* test_mc_stats.c — the distributions behind mc/'s intervals and z-scores (mc/mc_stats.c),
 * against independent values: binomial tails summed term by term (lgamma pmf), closed
 * forms (k = 0, k = n, I_x(a, 1) = x^a, Student ν = 1 is Cauchy), and published quantiles
 * (Φ^-1, Student t tables). */
#include "mc/mc_stats.h"
#include "tests/test.h"

#include <math.h>
#include <stdint.h>

/* P(X >= k) by summing the pmf (reference, independent of the continued fraction) */
static double binom_upper_sum(uint64_t k, uint64_t n, double p)
{
    double s = 0;
    for (uint64_t j = k; j <= n; j++)
        s += exp(lgamma((double)n + 1) - lgamma((double)j + 1) - lgamma((double)(n - j) + 1) +
                 (double)j * log(p) + (double)(n - j) * log1p(-p));
    return s;
}

static double binom_lower_sum(uint64_t k, uint64_t n, double p)
{
    double s = 0;
    for (uint64_t j = 0; j <= k; j++)
        s += exp(lgamma((double)n + 1) - lgamma((double)j + 1) - lgamma((double)(n - j) + 1) +
                 (double)j * log(p) + (double)(n - j) * log1p(-p));
    return s;
}

int main(void)
{
    /* normal quantiles from log tails */
    CHECK_NEAR(mc_stat_z_from_log_tail(log(0.025)), 1.959963984540054, 1e-12);
    CHECK_NEAR(mc_stat_z_from_log_tail(log(2.866515718791939e-7)), 5.0, 1e-10);
    CHECK_NEAR(mc_stat_z_from_log_tail(log(7.619853024160527e-24)), 10.0, 1e-10);
    CHECK_NEAR(mc_stat_z_from_log_tail(log(4.906713927148187e-198)), 30.0, 1e-9);
    CHECK_NEAR(mc_stat_z_from_log_tail(-1e6), 1414.2078, 1e-3); /* z²/2 + log(z√2π) = 1e6 */
    CHECK(mc_stat_z_from_log_tail(log(0.6)) == 0);
    CHECK(isinf(mc_stat_z_from_log_tail(-INFINITY)));

    /* incomplete beta closed forms */
    CHECK_NEAR(exp(mc_stat_log_ibeta(0.3, 0.7, 1, 1)), 0.3, 1e-14);
    CHECK_NEAR(exp(mc_stat_log_ibeta(0.3, 0.7, 5, 1)), pow(0.3, 5), 1e-15);
    CHECK_NEAR(exp(mc_stat_log_ibeta(0.9, 0.1, 1, 7)), 1 - pow(0.1, 7), 1e-14);

    /* binomial tails against term-by-term sums */
    static const struct { uint64_t k, n; double p; } bt[] = {
        {2, 65536, 1e-5}, {0, 65536, 1e-5}, {10, 100, 0.3}, {60, 100, 0.3}, {1, 1, 0.5},
        {500, 1000, 0.5}, {700, 2000, 0.3}, {3, 50000, 1e-6}, {2000, 2000, 0.999},
        {1990, 2000, 0.999}, {40, 2000, 1e-3}};
    for (size_t i = 0; i < sizeof bt / sizeof bt[0]; i++) {
        double up = exp(mc_stat_binom_log_upper(bt[i].k, bt[i].n, bt[i].p, 1 - bt[i].p));
        double lo = exp(mc_stat_binom_log_lower(bt[i].k, bt[i].n, bt[i].p, 1 - bt[i].p));
        CHECK_REL(up, binom_upper_sum(bt[i].k, bt[i].n, bt[i].p), 1e-9);
        CHECK_REL(lo, binom_lower_sum(bt[i].k, bt[i].n, bt[i].p), 1e-9);
    }

    /* Clopper–Pearson: closed forms at the ends, the defining tail equations inside */
    double lo, hi;
    mc_stat_binom_interval(0, 1000, 0.05, &lo, &hi);
    CHECK(lo == 0);
    CHECK_REL(hi, 1 - pow(0.05, 1.0 / 1000), 1e-12); /* ≈ 3/n: the rule of three */
    mc_stat_binom_interval(1000, 1000, 0.05, &lo, &hi);
    CHECK(hi == 1);
    CHECK_REL(1 - lo, 1 - pow(0.05, 1.0 / 1000), 1e-9);
    static const struct { uint64_t k, n; } ci[] = {{2, 65536}, {1, 10}, {37, 100}, {65534, 65536},
                                                  {5, 2000}};
    for (size_t i = 0; i < sizeof ci / sizeof ci[0]; i++) {
        mc_stat_binom_interval(ci[i].k, ci[i].n, 0.05, &lo, &hi);
        CHECK(lo < (double)ci[i].k / (double)ci[i].n && (double)ci[i].k / (double)ci[i].n < hi);
        CHECK_REL(binom_upper_sum(ci[i].k, ci[i].n, lo), 0.025, 1e-6);
        CHECK_REL(binom_lower_sum(ci[i].k, ci[i].n, hi), 0.025, 1e-6);
    }
    /* published: k = 2, n = 65536: [3.696e-6, 1.1024e-4] (qbeta(0.025, 2, 65535) etc.) */
    mc_stat_binom_interval(2, 65536, 0.05, &lo, &hi);
    CHECK_REL(lo * 65536, 0.2422, 2e-3);
    CHECK_REL(hi * 65536, 7.2247, 2e-3);
    /* Wilson above the Clopper–Pearson range: still brackets, close to Wald there */
    mc_stat_binom_interval(2000000, 4000000, 0.05, &lo, &hi);
    CHECK_NEAR(hi - 0.5, 1.959964 * sqrt(0.25 / 4e6), 1e-8);

    /* the binomial z: consistent with the interval; the Wald failure case is not a failure */
    mc_stat_binom_interval(2, 65536, 0.05, &lo, &hi);
    CHECK_NEAR(fabs(mc_stat_binom_z(2, 65536, lo)), 1.959964, 1e-4);
    CHECK_NEAR(fabs(mc_stat_binom_z(2, 65536, hi)), 1.959964, 1e-4);
    CHECK(mc_stat_binom_z(2, 65536, hi) < 0 && mc_stat_binom_z(2, 65536, lo) > 0);
    /* 0 misses where 4 are expected: Wald says z = inf, the exact tail e^-4 = 0.018 says 2.09 */
    double z0 = mc_stat_binom_z(0, 65536, 4.0 / 65536);
    CHECK(z0 < -2.0 && z0 > -2.2);
    /* 3 misses where 0.1 are expected: P = 1.5e-4, z ≈ 3.6 (the score test says 9.2) */
    double z3 = mc_stat_binom_z(3, 65536, 0.1 / 65536);
    CHECK(z3 > 3.4 && z3 < 3.8);
    CHECK(mc_stat_binom_z(5, 10, 0.5) == 0);

    /* Student t: published two-sided 95 % quantiles, Cauchy tails */
    CHECK_NEAR(mc_stat_student_quantile(0.05, 1), 12.706204736174698, 1e-8);
    CHECK_NEAR(mc_stat_student_quantile(0.05, 2), 4.302652729749464, 1e-9);
    CHECK_NEAR(mc_stat_student_quantile(0.05, 31), 2.039513446396408, 1e-9);
    CHECK_NEAR(mc_stat_student_quantile(0.05, INFINITY), 1.959963984540054, 1e-12);
    CHECK_NEAR(exp(mc_stat_student_log_tail(3.0, 1)), 0.5 - atan(3.0) / M_PI, 1e-14);
    /* t = 5 with 31 degrees of freedom is only a 3.9-sigma event */
    CHECK_NEAR(mc_stat_student_z(5.0, 31), 4.16, 0.3);
    CHECK_NEAR(mc_stat_student_z(-2.039513446396408, 31), -1.959963984540054, 1e-8);
    return test_summary();
}
