/* normal.h — Gaussian variates that are bit-identical on the CPU and the GPU.
 *
 * cuRAND's device normals use __sincosf / logf / sincospi, which no CPU libm reproduces
 * bit for bit. Every so8t estimator or sampler that must give the *same* result on both
 * backends (ball sampling, radial directions, Haar rotations) takes its Gaussians from
 * here instead: Box–Muller on exactly the inputs of cuRAND's curand_normal2_double
 * (u, v from the 53-bit "hq" uniforms of one curand4 block), with log and sin/cos(π·v)
 * evaluated by our own polynomials that use only +, −, ×, / and exact scalings — IEEE
 * correctly-rounded operations that gcc (-ffp-contract=off) and nvcc (--fmad=false)
 * evaluate identically. Accuracy: a few ulp against libm (tests/test_philox.c measures
 * it), far below any statistical effect; consumes the stream exactly like
 * curand_normal2_double (one curand4 per pair).
 *
 * The log and sin/cos(π·v) series are those of mc/detmath.h (MC_LOG_POLY, MC_SINPI_POLY,
 * MC_COSPI_POLY), shared with the 4-lane form in mc/normal_avx2.h.
 */
#ifndef SO8T_MC_NORMAL_H
#define SO8T_MC_NORMAL_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "mc/detmath.h"
#include "mc/philox.h"
#include "base/config.h"

/* Box–Muller on the inputs of cuRAND's _curand_box_muller_double (u, v from the 53-bit "hq"
 * pairs: u ∈ (0, 1], v ∈ (0, 2]), z = √(−2 log u)·(sin πv, cos πv), with mc/detmath.h's
 * log and sin/cos(π·) series. Written without branches (the same IEEE operations as
 * mc_exact_log and mc_exact_sincospi, so the same bits — tests/test_so8.c checks millions
 * of inputs), so that the CPU runs several pairs in SIMD lanes (so8/haar_cpu.c's AVX2 clone;
 * mc/normal_avx2.h is the explicit 4-lane form) and the GPU runs no divergent code.
 * Valid for the v ∈ (0, 2] the hq uniforms produce: the nearest integer of t = 2v ∈ (0, 4]
 * is trunc(t + 0.5), counted by comparisons instead of an int64 conversion. */
SO8T_ALWAYS_INLINE SO8T_HD void mc_normal2_from_bits(uint32_t x0, uint32_t x1, uint32_t y0,
                                                     uint32_t y1, double out[2])
{
    /* zx = x0 ^ (x1 << 21) < 2^53 as a double, exactly, without an int64 conversion (none
     * exists in SIMD form before AVX-512): hi·2^32 + lo, each part by the 2^52 trick */
    const double two52 = 4503599627370496.0, two32 = 4294967296.0;
    uint64_t xlo = (uint64_t)(x0 ^ (uint32_t)(x1 << 21)), xhi = (uint64_t)(x1 >> 11);
    double zx = (mc_double_from_bits(0x4330000000000000ull | xhi) - two52) * two32 +
                (mc_double_from_bits(0x4330000000000000ull | xlo) - two52);
    double u = zx * MC_2POW53_INV_DOUBLE + (MC_2POW53_INV_DOUBLE / 2.0);
    uint64_t ylo = (uint64_t)(y0 ^ (uint32_t)(y1 << 21)), yhi = (uint64_t)(y1 >> 11);
    double zy = (mc_double_from_bits(0x4330000000000000ull | yhi) - two52) * two32 +
                (mc_double_from_bits(0x4330000000000000ull | ylo) - two52);
    double v = zy * (MC_2POW53_INV_DOUBLE * 2.0) + MC_2POW53_INV_DOUBLE;
    /* log u. Comparisons of positive doubles are done on their bits (the same order) and
     * every choice is a bit select, so the loop has no branch and no FP compare. */
    uint64_t b = mc_double_bits(u);
    uint64_t mb = (b & 0x000fffffffffffffull) | 0x3ff0000000000000ull;
    uint64_t big = (uint64_t)((int64_t)mb > (int64_t)0x3ff6a09e667f3bcdll); /* m > √2 (as double) */
    /* e = biased exponent − 1023 + big, again by the 2^52 trick (exact small integers) */
    double e = mc_double_from_bits(0x4330000000000000ull | (((b >> 52) & 0x7ff) + big)) -
               (two52 + 1023.0);
    double m = mc_double_from_bits(mb) *
               mc_double_from_bits(0x3ff0000000000000ull - (big << 52)); /* 0.5 or 1 */
    double t = (m - 1.0) / (m + 1.0);
    double t2 = t * t;
    double log_m = 2.0 * t + 2.0 * t * (t2 * MC_LOG_POLY(t2));
    double lg = (e * MC_LN2_HI + log_m) + e * MC_LN2_LO;
    double s = sqrt(-2.0 * lg);
    /* sin(πv), cos(πv) */
    double tt = v * 2.0;
    uint64_t yb = mc_double_bits(tt + 0.5); /* y ∈ (0.5, 4.5]: nq = trunc(y) by counting */
    int64_t ys = (int64_t)yb; /* positive: signed order = double order */
    uint64_t ni = (uint64_t)(ys >= 0x3ff0000000000000ll) + (uint64_t)(ys >= 0x4000000000000000ll) +
                  (uint64_t)(ys >= 0x4008000000000000ll) + (uint64_t)(ys >= 0x4010000000000000ll);
    double nq = mc_double_from_bits(0x4330000000000000ull | ni) - two52;
    double r = (tt - nq) * 0.5;
    double r2 = r * r;
    double sn = MC_SINPI_POLY(r2) * r;
    double k = MC_COSPI_POLY(r2);
    /* quadrant q = nq mod 4: (sin, cos) = (s,k), (k,−s), (−s,−k), (−k,s); negation is the
     * sign bit, so bit selects and xors reproduce it exactly */
    uint64_t q = ni & 3u;
    uint64_t odd = 0 - (q & 1u);                      /* all ones for q = 1, 3 */
    uint64_t sb = mc_double_bits(sn), kb = mc_double_bits(k);
    uint64_t ab = (kb & odd) | (sb & ~odd);
    uint64_t cb = (sb & odd) | (kb & ~odd);
    uint64_t sneg = (q >> 1) << 63;                   /* q = 2, 3 */
    uint64_t cneg = ((q ^ (q >> 1)) & 1u) << 63;      /* q = 1, 2 */
    out[0] = mc_double_from_bits(ab ^ sneg) * s;
    out[1] = mc_double_from_bits(cb ^ cneg) * s;
}

/* Two standard normals from the next curand4 block of the stream (same consumption as
 * curand_normal2_double); identical bits on CPU and GPU. */
SO8T_HD void mc_normal2_exact(mc_philox_state *st, double out[2])
{
    uint32_t r[4];
    mc_philox_next4(st, r);
    mc_normal2_from_bits(r[0], r[1], r[2], r[3], out);
}

#endif /* SO8T_MC_NORMAL_H */
