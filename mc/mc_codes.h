/* mc_codes.h — the codes every part of mc/ agrees on, declared once: the quantities, the
 * methods and the block size. Plain C enums and a constant (no dependencies), so the public
 * header mc/mc.h and the host+device per-sample math (mc/sample.h, mc/sample_fast.h, the
 * CUDA kernels) use the very same names and values. */
#ifndef SO8T_MC_CODES_H
#define SO8T_MC_CODES_H

/* Samples per RNG block: block b uses Philox subsequence b. Part of the result's
 * definition (changing it changes every estimate). */
#define MC_BLOCK_SAMPLES 1024u

/* MC_COMPLEMENT: vol(RQ \ B), the part of the cube outside the ball, with relative
 * accuracy when it is tiny (methods hit: counts the samples outside; cond: the two outside
 * pieces of each line; tilt: importance sampling towards the corners). */
typedef enum { MC_VOLUME = 0, MC_SURFACE = 1, MC_ORIENT_AVG = 2, MC_COMPLEMENT = 3 } mc_quantity;

typedef enum {
    MC_METHOD_AUTO = 0,
    MC_METHOD_HIT,    /* uniform in the cube, test the ball (count) */
    MC_METHOD_BALL,   /* uniform in the ball (or on the sphere), test the cube (count) */
    MC_METHOD_COND,   /* d-1 uniform coordinates, the last integrated in closed form */
    MC_METHOD_RADIAL, /* uniform directions from an interior point, radius integrated */
    MC_METHOD_QMC,    /* randomized Sobol' (digital shifts) + conditioning */
    MC_METHOD_TILT,   /* exponentially tilted importance sampling, for tiny fractions */
    MC_METHOD_COUNT_
} mc_method;

#endif /* SO8T_MC_CODES_H */
