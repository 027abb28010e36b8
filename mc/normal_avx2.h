/* normal_avx2.h — mc_normal2_from_bits (mc/normal.h) on 4 lanes with GNU vector types and
 * the AVX2 target: words (x0, x1, y0, y1) of 4 pairs → z0 = sin·s, z1 = cos·s, bit for bit the
 * scalar results (the same integer and IEEE operations, branch-free; no FMA: the avx2 target
 * does not enable it and contraction is off).  Used by the CPU Haar sampler (so8/haar_cpu.c)
 * and the CPU Gaussian estimators (mc/mc_cpu.c); tests/test_so8.c and tests/test_mc.c compare
 * both with the scalar code.  x86-64 GNU C only: MC_HAVE_NORMAL_AVX2 says whether it exists;
 * callers check the CPU at run time. */
#ifndef SO8T_MC_NORMAL_AVX2_H
#define SO8T_MC_NORMAL_AVX2_H

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define MC_HAVE_NORMAL_AVX2 1

#include "mc/detmath.h"
#include "mc/philox.h"

#include <stdint.h>

typedef double mc_v4d __attribute__((vector_size(32)));
typedef uint64_t mc_v4u __attribute__((vector_size(32)));
typedef int64_t mc_v4i __attribute__((vector_size(32)));
#define MC_V4(x) {(x), (x), (x), (x)}

__attribute__((target("avx2"))) static inline void mc_normal2_x4(mc_v4u x0, mc_v4u x1, mc_v4u y0,
                                                                 mc_v4u y1, mc_v4d *z0,
                                                                 mc_v4d *z1)
{
    const mc_v4u lo = MC_V4(0xffffffffull), magic = MC_V4(0x4330000000000000ull);
    const mc_v4d two52 = MC_V4(4503599627370496.0), two32 = MC_V4(4294967296.0);
    mc_v4u xlo = x0 ^ ((x1 << 21) & lo), xhi = x1 >> 11;
    mc_v4d zx = ((mc_v4d)(magic | xhi) - two52) * two32 + ((mc_v4d)(magic | xlo) - two52);
    mc_v4d u = zx * MC_2POW53_INV_DOUBLE + (MC_2POW53_INV_DOUBLE / 2.0);
    mc_v4u ylo = y0 ^ ((y1 << 21) & lo), yhi = y1 >> 11;
    mc_v4d zy = ((mc_v4d)(magic | yhi) - two52) * two32 + ((mc_v4d)(magic | ylo) - two52);
    mc_v4d v = zy * (MC_2POW53_INV_DOUBLE * 2.0) + MC_2POW53_INV_DOUBLE;
    /* log u */
    mc_v4u b = (mc_v4u)u;
    mc_v4u mb = (b & 0x000fffffffffffffull) | 0x3ff0000000000000ull;
    mc_v4u big = (mc_v4u)((mc_v4i)mb > (mc_v4i)MC_V4(0x3ff6a09e667f3bcdll)) & 1u;
    mc_v4d e = (mc_v4d)(magic | (((b >> 52) & 0x7ffu) + big)) - (4503599627370496.0 + 1023.0);
    mc_v4d m = (mc_v4d)mb * (mc_v4d)(0x3ff0000000000000ull - (big << 52));
    mc_v4d t = (m - 1.0) / (m + 1.0);
    mc_v4d t2 = t * t;
    mc_v4d p = MC_LOG_POLY(t2);
    mc_v4d log_m = 2.0 * t + 2.0 * t * (t2 * p);
    mc_v4d lg = (e * MC_LN2_HI + log_m) + e * MC_LN2_LO;
    mc_v4d s = __builtin_ia32_sqrtpd256(-2.0 * lg);
    /* sin(πv), cos(πv) */
    mc_v4d tt = v * 2.0;
    mc_v4i ys = (mc_v4i)(tt + 0.5);
    mc_v4i cnt = (ys >= 0x3ff0000000000000ll) + (ys >= 0x4000000000000000ll) +
              (ys >= 0x4008000000000000ll) + (ys >= 0x4010000000000000ll); /* −count */
    mc_v4u ni = (mc_v4u)(-cnt);
    mc_v4d nq = (mc_v4d)(magic | ni) - two52;
    mc_v4d r = (tt - nq) * 0.5;
    mc_v4d r2 = r * r;
    mc_v4d sn = MC_SINPI_POLY(r2) * r;
    mc_v4d k = MC_COSPI_POLY(r2);
    mc_v4u q = ni & 3u;
    mc_v4u odd = (mc_v4u)MC_V4(0) - (q & 1u);
    mc_v4u sb = (mc_v4u)sn, kb = (mc_v4u)k;
    mc_v4u ab = (kb & odd) | (sb & ~odd);
    mc_v4u cb = (sb & odd) | (kb & ~odd);
    mc_v4u sneg = (q >> 1) << 63;
    mc_v4u cneg = ((q ^ (q >> 1)) & 1u) << 63;
    *z0 = (mc_v4d)(ab ^ sneg) * s;
    *z1 = (mc_v4d)(cb ^ cneg) * s;
}

#endif
#endif
