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
 * log(u): u = m·2^e with m in [√½, √2); log m = 2·atanh(t), t = (m−1)/(m+1), |t| < 0.1716,
 *         series t + t³/3 + … to t^25 (truncation < 1e-20 relative).
 * sin/cos(πv): v·2 = n + 2r with n integer, |r| ≤ ¼ (exact steps); Taylor series of
 *         sin(πr), cos(πr) to degree 19/18 (truncation < 1e-19); quadrant from n mod 4.
 */
#ifndef SO8T_MC_NORMAL_H
#define SO8T_MC_NORMAL_H

#include <stdint.h>
#include <string.h>

#include "mc/philox.h"
#include "so8t_hd.h"

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
    /* 2·(1 + t²/3 + t⁴/5 + … + t²⁴/25), Horner from the top. */
    double p = 1.0 / 25.0;
    p = p * t2 + 1.0 / 23.0;
    p = p * t2 + 1.0 / 21.0;
    p = p * t2 + 1.0 / 19.0;
    p = p * t2 + 1.0 / 17.0;
    p = p * t2 + 1.0 / 15.0;
    p = p * t2 + 1.0 / 13.0;
    p = p * t2 + 1.0 / 11.0;
    p = p * t2 + 1.0 / 9.0;
    p = p * t2 + 1.0 / 7.0;
    p = p * t2 + 1.0 / 5.0;
    p = p * t2 + 1.0 / 3.0;
    double log_m = 2.0 * t + 2.0 * t * (t2 * p);
    /* e·ln2 with ln2 split so e·LN2_HI is exact for |e| < 2^11. */
    const double LN2_HI = 6.93147180369123816490e-01;
    const double LN2_LO = 1.90821492927058770002e-10;
    return ((double)e * LN2_HI + log_m) + (double)e * LN2_LO;
}

/* sin(π·v) and cos(π·v) for finite v of moderate size (ours: (0, 2]). */
SO8T_HD void mc_exact_sincospi(double v, double *sin_out, double *cos_out)
{
    double t = v * 2.0;                 /* exact */
    double n = (double)(int64_t)(t >= 0 ? t + 0.5 : t - 0.5); /* nearest integer */
    double r = (t - n) * 0.5;           /* exact: |r| ≤ 1/4 */
    double r2 = r * r;
    /* sin(πr) = r·(c1 + c3 r² + …), cos(πr) = 1 + c2 r² + …; c_k = (−1)^… π^k / k!. */
    double s = -2.2948428997269873e-08;   /* -pi^19/19! */
    s = s * r2 + 7.952054001475513e-07; /* +pi^17/17! */
    s = s * r2 - 2.1915353447830217e-05;/* -pi^15/15! */
    s = s * r2 + 0.00046630280576761255;/* +pi^13/13! */
    s = s * r2 - 0.0073704309457143504;/* -pi^11/11! */
    s = s * r2 + 0.08214588661112823;   /* +pi^9/9! */
    s = s * r2 - 0.5992645293207921;   /* -pi^7/7! */
    s = s * r2 + 2.5501640398773455;    /* +pi^5/5! */
    s = s * r2 - 5.16771278004997;     /* -pi^3/3! */
    s = s * r2 + 3.141592653589793;     /* +pi^1/1! */
    s = s * r;
    double k = -1.3878952462213771e-07;   /* -pi^18/18! */
    k = k * r2 + 4.303069587032947e-06; /* +pi^16/16! */
    k = k * r2 - 0.0001046381049248457;/* -pi^14/14! */
    k = k * r2 + 0.0019295743094039231; /* +pi^12/12! */
    k = k * r2 - 0.02580689139001406;  /* -pi^10/10! */
    k = k * r2 + 0.2353306303588932;    /* +pi^8/8! */
    k = k * r2 - 1.3352627688545895;   /* -pi^6/6! */
    k = k * r2 + 4.0587121264167685;    /* +pi^4/4! */
    k = k * r2 - 4.934802200544679;    /* -pi^2/2! */
    k = k * r2 + 1.0;                   /* +pi^0/0! */
    int q = (int)((int64_t)n & 3);
    switch (q) {
    case 0: *sin_out = s; *cos_out = k; break;
    case 1: *sin_out = k; *cos_out = -s; break;
    case 2: *sin_out = -s; *cos_out = -k; break;
    default: *sin_out = -k; *cos_out = s; break;
    }
}

/* Box–Muller on the inputs of cuRAND's _curand_box_muller_double, with our exact-on-both-
 * sides log and sincospi. */
SO8T_HD void mc_normal2_from_bits(uint32_t x0, uint32_t x1, uint32_t y0, uint32_t y1,
                                  double out[2])
{
    uint64_t zx = (uint64_t)x0 ^ ((uint64_t)x1 << (53 - 32));
    double u = (double)zx * MC_2POW53_INV_DOUBLE + (MC_2POW53_INV_DOUBLE / 2.0);
    uint64_t zy = (uint64_t)y0 ^ ((uint64_t)y1 << (53 - 32));
    double v = (double)zy * (MC_2POW53_INV_DOUBLE * 2.0) + MC_2POW53_INV_DOUBLE;
    double s = sqrt(-2.0 * mc_exact_log(u));
    double sn, cs;
    mc_exact_sincospi(v, &sn, &cs);
    out[0] = sn * s;
    out[1] = cs * s;
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
