/* mc_stats.h — the distributions behind the intervals and the z-scores of mc/ (host only).
 *
 *   regularized incomplete beta  I_x(a, b) = B(x; a, b) / B(a, b), by Lentz's continued
 *       fraction (Numerical Recipes §6.4; DLMF 8.17.22), returned as a logarithm so that
 *       tails of 1e-300 keep their digits;
 *   binomial tails               P(X >= k) = I_p(k, n−k+1),  P(X <= k) = I_{1−p}(n−k, k+1);
 *   Clopper–Pearson interval     the p with P(X >= k | p) = α/2 and P(X <= k | p) = α/2
 *       (Clopper & Pearson 1934), solved by bisection on log p or log(1−p);
 *   Student t tail               P(T > t) = ½ I_{ν/(ν+t²)}(ν/2, ½);
 *   normal quantile from a log tail: z with Φ(−z) = e^lp, Newton on log Φ(−z) (erfcx).
 *
 * The z-equivalent of a tail probability P is the z of a normal with the same tail, so a
 * check "|z| <= 5" has the false-alarm rate 2Φ(−5) = 5.7e-7 whatever the distribution.
 */
#ifndef SO8T_MC_STATS_H
#define SO8T_MC_STATS_H

#include <stdint.h>

/* log I_x(a, b), with y = 1 − x passed separately (no cancellation for x near 1). */
double mc_stat_log_ibeta(double x, double y, double a, double b);
/* log P(X >= k) and log P(X <= k) for X ~ Binomial(n, p), q = 1 − p. */
double mc_stat_binom_log_upper(uint64_t k, uint64_t n, double p, double q);
double mc_stat_binom_log_lower(uint64_t k, uint64_t n, double p, double q);
/* Two-sided equal-tailed interval for the proportion k/n at confidence 1 − alpha:
 * Clopper–Pearson while min(k, n−k) <= MC_STAT_CP_MAX, Wilson's score interval above
 * (there they agree to ~0.1 % of the half-width); k = 0 gives [0, 1 − (alpha)^{1/n}]
 * (one-sided, the rule of three at alpha = 0.05) and likewise k = n. */
#define MC_STAT_CP_MAX 100000u
void mc_stat_binom_interval(uint64_t k, uint64_t n, double alpha, double *lo, double *hi);
/* The same for real k and n (the incomplete beta's continuous extension of the tails), for
 * the effective counts of a weighted sum (mc_finalize.c). */
void mc_stat_binom_interval_real(double k, double n, double alpha, double *lo, double *hi);
/* z >= 0 with Φ(−z) = exp(log_tail); 0 for tails >= 1/2, +inf when log_tail = −inf. */
double mc_stat_z_from_log_tail(double log_tail);
/* Signed z-equivalent of observing k of n when the proportion is p0 (exact binomial
 * tails, the smaller side): |z| > 1.96 exactly when p0 is outside the Clopper–Pearson
 * 95 % interval. */
double mc_stat_binom_z(uint64_t k, uint64_t n, double p0);
double mc_stat_binom_z_real(double k, double n, double p0);
/* log P(T > t) for Student's t with nu degrees of freedom (t >= 0). */
double mc_stat_student_log_tail(double t, double nu);
/* The t with P(|T| > t) = alpha (two-sided quantile); 1.959964 as nu → ∞. */
double mc_stat_student_quantile(double alpha, double nu);
/* Signed z-equivalent of a Student t statistic with nu degrees of freedom. */
double mc_stat_student_z(double t, double nu);

#endif /* SO8T_MC_STATS_H */
