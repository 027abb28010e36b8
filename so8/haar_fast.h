/* haar_fast.h — the Haar sampler of so8/haar.h for a size n known at compile time, written
 * so that a CUDA kernel keeps everything in registers (SO8T_HD: the same code on the CPU).
 *
 * Same method, same random stream, same IEEE operations in the same order as
 * so8_haar_from_state (haar.h), so the same bits:
 *   - rotation `index` of `seed` reads the Philox blocks (p, 0, lo32 index, hi32 index),
 *     p = 0, 1, …, key (lo32 seed, hi32 seed) — exactly what curand4 returns from a state
 *     fresh from curand_init(seed, index, 0) (p < 2^32, so the counter never carries);
 *   - block p gives the pair mc_normal2_from_bits(block p) (= mc_normal2_exact);
 *   - the normals are taken in order x^(2), x^(3), …, x^(n), a pair's second value
 *     carrying over to the next vector (here they are drawn just before the step that uses
 *     them, instead of all at first: the values are the same);
 *   - the Householder step G_k on the lower-right k×k block, the D_k sign fix and the
 *     determinant fix exactly as so8_householder_from_normals.
 * What differs is only the shape of the code: every loop has a trip count fixed by n, and
 * under nvcc every loop is fully unrolled (SO8T_UNROLL), so that for a constant n all array
 * indices are compile-time constants and the arrays live in registers (no local memory).
 * Callers pass a literal n (the CUDA kernels are templated on it). For n > 8 the arrays
 * get large; the GPU uses this only for n ≤ SO8_FAST_MAX_N.
 *
 * tests/test_so8_fast.c compares so8_haar_fixed with so8_haar_batch_cpu bit for bit (many
 * seeds, indices past 2^32, n = 1 … 16, double and float output) and shows that the
 * comparison catches a deliberately wrong variant (sign_fix = 0).
 *
 * The extern "C" functions at the end are internal to so8t (tests and benchmarks): GPU
 * timing of the generation alone. They are implemented in so8/haar_cuda.cu, and in
 * so8/haar_fast_nocuda.c for CUDA=0 builds.
 */
#ifndef SO8T_SO8_HAAR_FAST_H
#define SO8T_SO8_HAAR_FAST_H

#include <stddef.h>
#include <stdint.h>

#include "so8/haar.h"
#include "so8/so8.h"
#include "base/config.h"

/* Largest n the GPU runs through so8_haar_fixed (register budget: n·n + 2n doubles). */
#define SO8_FAST_MAX_N 8


/* Philox4x32-10 block (p, 0, c2, c3) under key (k0, k1): mc/philox.h's bijection (inlined
 * and unrolled, it stays in registers). */
SO8T_ALWAYS_INLINE SO8T_HD void so8_fast_philox(uint32_t p, uint32_t c2, uint32_t c3,
                                             uint32_t k0, uint32_t k1, uint32_t out[4])
{
    const uint32_t ctr[4] = {p, 0u, c2, c3}, key[2] = {k0, k1};
    mc_philox4x32_10(ctr, key, out);
}

/* Rotation `index` of `seed` for SO(n), 1 ≤ n ≤ SO8_MAX_N, into R (n*n row-major): the
 * bits of so8_haar_double(n, seed, index, R). sign_fix = 0 leaves out D_k (the
 * deliberately wrong SO8_SAMPLER_NOSIGNFIX, for tests). Pass a compile-time constant n. */
SO8T_ALWAYS_INLINE SO8T_HD void so8_haar_fixed(const int n, uint64_t seed, uint64_t index,
                                            double *R, int sign_fix)
{
    const uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
    const uint32_t c2 = (uint32_t)index, c3 = (uint32_t)(index >> 32);
    double pair[2] = {0.0, 0.0};
    int have = 0;      /* unused values left in pair (0, 1; 2 right after a draw) */
    uint32_t blk = 0u; /* next Philox block */
    int det_sign = 1;
    SO8T_UNROLL
    for (int i = 0; i < n * n; i++)
        R[i] = (i % (n + 1) == 0) ? 1.0 : 0.0;
    SO8T_UNROLL
    for (int k = 2; k <= n; k++) {
        double x[SO8_MAX_N], wv[SO8_MAX_N];
        /* x^(k): the next k normals of the stream */
        SO8T_UNROLL
        for (int i = 0; i < k; i++) {
            if (have == 0) {
                uint32_t b[4];
                so8_fast_philox(blk, c2, c3, k0, k1, b);
                mc_normal2_from_bits(b[0], b[1], b[2], b[3], pair);
                blk++;
                have = 2;
            }
            x[i] = pair[2 - have];
            have--;
        }
        double nrm2 = 0.0;
        SO8T_UNROLL
        for (int i = 0; i < k; i++)
            nrm2 += x[i] * x[i];
        if (!(nrm2 > 0.0))
            continue; /* probability 0: G_k = I, as in so8_householder_from_normals */
        double nrm = sqrt(nrm2);
        double sgn = x[0] >= 0.0 ? 1.0 : -1.0;
        double ax0 = fabs(x[0]);
        x[0] = x[0] + sgn * nrm;
        double beta = 1.0 / (nrm * (nrm + ax0));
        const int o = n - k;
        if (sign_fix)
            R[o * n + o] = -sgn;
        SO8T_UNROLL
        for (int j = 0; j < k; j++)
            wv[j] = 0.0;
        SO8T_UNROLL
        for (int i = 0; i < k; i++) {
            SO8T_UNROLL
            for (int j = 0; j < k; j++)
                wv[j] += x[i] * R[(o + i) * n + o + j];
        }
        SO8T_UNROLL
        for (int j = 0; j < k; j++)
            wv[j] = beta * wv[j];
        SO8T_UNROLL
        for (int i = 0; i < k; i++) {
            SO8T_UNROLL
            for (int j = 0; j < k; j++)
                R[(o + i) * n + o + j] -= x[i] * wv[j];
        }
        if (sign_fix ? sgn < 0 : 1)
            det_sign = -det_sign;
    }
    if (det_sign < 0) {
        SO8T_UNROLL
        for (int i = 0; i < n; i++)
            R[i * n + (n - 1)] = -R[i * n + (n - 1)];
    }
}

/* 1 when so8_haar_batch_cuda runs SO(n) on the register-resident kernel (so8_haar_fixed),
 * 0 when on the generic one. */
SO8T_HD int so8_haar_fast_n(int n)
{
    return n >= 1 && n <= SO8_FAST_MAX_N;
}

#ifdef __cplusplus
extern "C" {
#endif

/* Internal (tests, benchmarks): times the GPU generation of `count` rotations of SO(n)
 * (rotations first_index … of seed) into device memory, without any copy to the host:
 * one warm-up launch, then the best of `reps` (≥ 1) timed launches (CUDA events).
 * *gen_seconds receives that best kernel time; *copy_seconds (may be NULL) the time of one
 * device-to-pinned-host copy of the result. Returns an so8_status (SO8_ERR_NODEVICE without
 * a device or without CUDA); err (may be NULL) gets a one-line detail. */
int so8_haar_cuda_time(int n, uint64_t seed, uint64_t first_index, uint64_t count,
                       so8_precision prec, int reps, double *gen_seconds,
                       double *copy_seconds, char *err, size_t err_len);

#ifdef __cplusplus
}
#endif

#endif /* SO8T_SO8_HAAR_FAST_H */
