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
 * The log and sin/cos(π·v) are those of mc/detmath.h.
 */
#ifndef SO8T_MC_NORMAL_H
#define SO8T_MC_NORMAL_H

#include <stdint.h>
#include <string.h>

#include "mc/detmath.h"
#include "mc/philox.h"
#include "so8t_hd.h"

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
