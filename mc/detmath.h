/* detmath.h — deterministic elementary functions: the same bits on the CPU and the GPU.
 *
 * libm (CPU) and CUDA's math library (GPU) are both accurate to an ulp or so but round
 * differently, so an estimator that calls log/exp/sin/pow on both sides can disagree in
 * rare samples. Everything here is built from IEEE basic operations (+, −, ×, /, sqrt,
 * exact scalings and bit manipulation), which gcc with -ffp-contract=off and nvcc with
 * --fmad=false evaluate identically. Accuracy: a few ulp (tests/test_philox.c,
 * tests/test_mc.c measure it), far below any statistical effect.
 *
 * log(x): x = m·2^e with m in [√½, √2); log m = 2·atanh(t), t = (m−1)/(m+1), |t| < 0.1716,
 *         odd series to t^25 (truncation < 1e-20 relative).
 * exp(x): x = k·ln2 + r, |r| ≤ ln2/2 (Cody–Waite split of ln2); Taylor series of e^r to
 *         degree 14 (truncation < 1e-17); scaling by 2^k through the exponent bits.
 * sin/cos(πv): 2v = n + 2r with n integer, |r| ≤ ¼ (exact steps); Taylor series of
 *         sin(πr), cos(πr) to degree 19/18 (truncation < 1e-19); quadrant from n mod 4.
 * ipow(x, n): binary powering, a fixed sequence of multiplications for each n.
 * atan(x): atan(x) = π/2 − atan(1/x) for x > 1, then two half-angle reductions
 *         atan(x) = 2·atan(x / (1 + √(1 + x²))) to |x| ≤ 0.2; odd Taylor series to x^27.
 * asin(x): atan(x/√(1−x²)) for |x| ≤ ½, π/2 − 2·asin(√((1−x)/2)) above (no cancellation).
 */
#ifndef SO8T_MC_DETMATH_H
#define SO8T_MC_DETMATH_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "base/config.h"

/* The bits of a double and back (memcpy is well defined in C and in CUDA device code). */
SO8T_HD uint64_t mc_double_bits(double x)
{
    uint64_t b;
    memcpy(&b, &x, sizeof b);
    return b;
}

SO8T_HD double mc_double_from_bits(uint64_t b)
{
    double x;
    memcpy(&x, &b, sizeof x);
    return x;
}

/* The polynomial cores, written once. They are expressions over any arithmetic type, so
 * the scalar functions below, the branch-free Box–Muller of mc/normal.h and its 4-lane
 * form (mc/normal_avx2.h, GNU vectors of doubles) evaluate the same IEEE operations in the
 * same order (Horner: p ← p·x + c, the first step c₀·x + c₁), hence the same bits. */
#define MC_HORNER_(p, x, c) ((p) * (x) + (c))
/* log: p(t²) with log m = 2t + 2t·(t²·p(t²)), t = (m − 1)/(m + 1): 1/3 + t²/5 + … + t²²/25 */
#define MC_LOG_POLY(t2)                                                                     \
    MC_HORNER_(MC_HORNER_(MC_HORNER_(MC_HORNER_(MC_HORNER_(MC_HORNER_(MC_HORNER_(        \
        MC_HORNER_(MC_HORNER_(MC_HORNER_(MC_HORNER_(1.0 / 25.0, t2, 1.0 / 23.0), t2,     \
        1.0 / 21.0), t2, 1.0 / 19.0), t2, 1.0 / 17.0), t2, 1.0 / 15.0), t2, 1.0 / 13.0),  \
        t2, 1.0 / 11.0), t2, 1.0 / 9.0), t2, 1.0 / 7.0), t2, 1.0 / 5.0), t2, 1.0 / 3.0)
/* e·ln2 with ln2 split so that e·MC_LN2_HI is exact for |e| < 2^11 */
#define MC_LN2_HI 6.93147180369123816490e-01
#define MC_LN2_LO 1.90821492927058770002e-10
/* sin(πr) = r·S(r²), cos(πr) = C(r²) for |r| ≤ ¼: coefficients (−1)^k π^(2k+1)/(2k+1)! and
 * (−1)^k π^(2k)/(2k)!, to degree 19 and 18 */
#define MC_SINPI_POLY(r2)                                                                   \
    MC_HORNER_(MC_HORNER_(MC_HORNER_(MC_HORNER_(MC_HORNER_(MC_HORNER_(MC_HORNER_(        \
        MC_HORNER_(MC_HORNER_(-2.2948428997269873e-08, r2, 7.952054001475513e-07), r2,   \
        -2.1915353447830217e-05), r2, 0.00046630280576761255), r2, -0.0073704309457143504),\
        r2, 0.08214588661112823), r2, -0.5992645293207921), r2, 2.5501640398773455), r2, \
        -5.16771278004997), r2, 3.141592653589793)
#define MC_COSPI_POLY(r2)                                                                   \
    MC_HORNER_(MC_HORNER_(MC_HORNER_(MC_HORNER_(MC_HORNER_(MC_HORNER_(MC_HORNER_(        \
        MC_HORNER_(MC_HORNER_(-1.3878952462213771e-07, r2, 4.303069587032947e-06), r2,   \
        -0.0001046381049248457), r2, 0.0019295743094039231), r2, -0.02580689139001406),   \
        r2, 0.2353306303588932), r2, -1.3352627688545895), r2, 4.0587121264167685), r2,  \
        -4.934802200544679), r2, 1.0)

/* Natural log of a positive, finite, normal double (our inputs are in [2^-54, 1]). */
SO8T_HD double mc_exact_log(double x)
{
    uint64_t b = mc_double_bits(x);
    int e = (int)((b >> 52) & 0x7ff) - 1023;
    double m = mc_double_from_bits((b & 0x000fffffffffffffull) | 0x3ff0000000000000ull);
    if (m > 1.4142135623730951) { /* keep m in [√½, √2) so |t| is small */
        m *= 0.5;
        e += 1;
    }
    double t = (m - 1.0) / (m + 1.0);
    double t2 = t * t;
    double log_m = 2.0 * t + 2.0 * t * (t2 * MC_LOG_POLY(t2));
    return ((double)e * MC_LN2_HI + log_m) + (double)e * MC_LN2_LO;
}

/* sin(π·v) and cos(π·v) for finite v of moderate size (ours: (0, 2]). */
SO8T_HD void mc_exact_sincospi(double v, double *sin_out, double *cos_out)
{
    double t = v * 2.0;                 /* exact */
    double n = (double)(int64_t)(t >= 0 ? t + 0.5 : t - 0.5); /* nearest integer */
    double r = (t - n) * 0.5;           /* exact: |r| ≤ 1/4 */
    double r2 = r * r;
    double s = MC_SINPI_POLY(r2) * r;
    double k = MC_COSPI_POLY(r2);
    int q = (int)((int64_t)n & 3);
    switch (q) {
    case 0: *sin_out = s; *cos_out = k; break;
    case 1: *sin_out = k; *cos_out = -s; break;
    case 2: *sin_out = -s; *cos_out = -k; break;
    default: *sin_out = -k; *cos_out = s; break;
    }
}

/* e^x for x <= 709; returns 0 below about -745 (no subnormal results are needed here). */
SO8T_HD double mc_exact_exp(double x)
{
    if (x < -745.0)
        return 0.0;
    if (x > 709.0)
        x = 709.0;
    const double INV_LN2 = 1.4426950408889634;
    double kf = (double)(int64_t)(x * INV_LN2 + (x >= 0 ? 0.5 : -0.5));
    double r = (x - kf * MC_LN2_HI) - kf * MC_LN2_LO;
    double p = 1.0 / 87178291200.0; /* 1/14! */
    p = p * r + 1.0 / 6227020800.0;
    p = p * r + 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    int k = (int)kf;
    /* 2^k in two exact halves so k down to -1074 never builds a subnormal directly */
    int k1 = k / 2, k2 = k - k1;
    double s1 = mc_double_from_bits((uint64_t)(k1 + 1023) << 52);
    double s2 = mc_double_from_bits((uint64_t)(k2 + 1023) << 52);
    return p * s1 * s2;
}

/* x^n for integer n >= 0 by binary powering. */
SO8T_HD double mc_ipow(double x, int n)
{
    double result = 1.0, base = x;
    while (n > 0) {
        if (n & 1)
            result *= base;
        base *= base;
        n >>= 1;
    }
    return result;
}

/* atan(x) for finite x. */
SO8T_HD double mc_exact_atan(double x)
{
    const double PI_2 = 1.5707963267948966;
    double sign = 1.0;
    if (x < 0) {
        x = -x;
        sign = -1.0;
    }
    int inverted = x > 1.0;
    if (inverted)
        x = 1.0 / x;
    /* two half-angle steps: |x| ≤ 1 → ≤ 0.4142 → ≤ 0.1989 */
    x = x / (1.0 + sqrt(1.0 + x * x));
    x = x / (1.0 + sqrt(1.0 + x * x));
    double x2 = x * x;
    double p = 1.0 / 27.0;
    p = p * x2 - 1.0 / 25.0;
    p = p * x2 + 1.0 / 23.0;
    p = p * x2 - 1.0 / 21.0;
    p = p * x2 + 1.0 / 19.0;
    p = p * x2 - 1.0 / 17.0;
    p = p * x2 + 1.0 / 15.0;
    p = p * x2 - 1.0 / 13.0;
    p = p * x2 + 1.0 / 11.0;
    p = p * x2 - 1.0 / 9.0;
    p = p * x2 + 1.0 / 7.0;
    p = p * x2 - 1.0 / 5.0;
    p = p * x2 + 1.0 / 3.0;
    double a = 4.0 * (x - x * x2 * p); /* undo the two halvings */
    if (inverted)
        a = PI_2 - a;
    return sign * a;
}

/* asin(x) for x in [-1, 1]. */
SO8T_HD double mc_exact_asin(double x)
{
    const double PI_2 = 1.5707963267948966;
    double sign = 1.0;
    if (x < 0) {
        x = -x;
        sign = -1.0;
    }
    if (x >= 1.0)
        return sign * PI_2;
    if (x <= 0.5)
        return sign * mc_exact_atan(x / sqrt((1.0 - x) * (1.0 + x)));
    double t = sqrt((1.0 - x) * 0.5); /* ≤ 1/2 */
    return sign * (PI_2 - 2.0 * mc_exact_atan(t / sqrt((1.0 - t) * (1.0 + t))));
}

#endif /* SO8T_MC_DETMATH_H */
