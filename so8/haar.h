/* haar.h — one Haar-random rotation of SO(n) (n ≤ SO8_MAX_N) from a Philox state, the
 * same code on the CPU and inside CUDA kernels (SO8T_HD).
 *
 * Method: the subgroup algorithm (Diaconis & Shahshahani, Prob. Eng. Inf. Sci. 1:15–32,
 * 1987) with Householder steps, i.e. Stewart's product of reflectors (SIAM J. Numer. Anal.
 * 17(3):403–409, 1980):
 *     Q = G_n · G_{n−1} ⋯ G_2,   G_k = diag(I_{n−k}, H_k·D_k)
 * where, for a Gaussian x ∈ R^k (iid N(0,1)), H_k is the Householder reflector with
 * u = x + sgn(x₁)‖x‖e₁ and D_k = diag(−sgn(x₁), 1, …, 1). Then G_k e₁ = x/‖x‖ is uniform on
 * the sphere S^{k−1} and Q is Haar on O(n) given the last diagonal ±1 (R_1) is random.
 * det G_k = sgn(x₁), so det Q = Π sgn(x₁) is known without computing a determinant.
 * Determinant fix: R = Q·diag(1, …, 1, det Q), i.e. the last column is negated when
 * det Q = −1. This is Haar on SO(n): for g ∈ SO(n), det(gQ) = det Q, so the map
 * Q ↦ Q·diag(1,…,det Q) commutes with left translation by SO(n) and pushes the O(n) Haar
 * law to a left-invariant law on SO(n). (Choosing the sign of R_1 deterministically is the
 * same map.)
 *
 * Random stream (a contract: the CPU and the GPU, the batch APIs and so8_haar_double all
 * consume it the same way): the Gaussians come from mc/normal.h's mc_normal2_exact, one
 * curand4 block per pair, in the order x^(2) (2 values), x^(3) (3 values), …, x^(n); a
 * pair's second value carries over to the next vector, the last odd one is dropped.
 * n(n+1)/2 − 1 normals, ⌈(n(n+1)/2 − 1)/2⌉ Philox blocks (18 for n = 8).
 * Every operation is an IEEE basic operation (+ − × / sqrt) with no contraction
 * (gcc -ffp-contract=off, nvcc --fmad=false), so GPU and CPU give identical bits.
 */
#ifndef SO8T_SO8_HAAR_H
#define SO8T_SO8_HAAR_H

#include <math.h>
#include <stdint.h>

#include "mc/normal.h"
#include "mc/philox.h"
#include "so8/mat.h"
#include "base/config.h"

/* Scratch (doubles) so8_haar_from_state needs: SO8_HAAR_WORK(n) = n*n + n (it uses
 * n(n+1)/2 + 1 of them: the Gaussians). */
#define SO8_HAAR_WORK(n) ((n) * (n) + (n))
#define SO8_HAAR_MAX_PAIRS ((SO8_MAX_N * (SO8_MAX_N + 1) / 2) / 2)


/* z[0 .. 2·np) = the next np pairs of mc_normal2_exact(st), bit for bit, with st left as np
 * such calls leave it. From a block-aligned state (always ours) the Philox blocks are
 * computed first, as independent work the CPU can overlap, then transformed. */
SO8T_ALWAYS_INLINE SO8T_HD void so8_normals_exact(mc_philox_state *st, int np, double *z)
{
    if (st->state != 0 || np > SO8_HAAR_MAX_PAIRS) {
        for (int p = 0; p < np; p++)
            mc_normal2_exact(st, z + 2 * p);
        return;
    }
    uint32_t blk[4 * SO8_HAAR_MAX_PAIRS];
    for (int q = 0; q < 4; q++)
        blk[q] = st->output[q]; /* = Philox(ctr): the block the first curand4 returns */
    for (int p = 1; p < np; p++) {
        mc_philox_ctr_incr(st);
        mc_philox4x32_10(st->ctr, st->key, blk + 4 * p);
    }
    /* what curand4 leaves: counter one past the last block used, output refilled */
    if (np > 0) {
        mc_philox_ctr_incr(st);
        mc_philox_refill(st);
    }
    for (int p = 0; p < np; p++)
        mc_normal2_from_bits(blk[4 * p], blk[4 * p + 1], blk[4 * p + 2], blk[4 * p + 3],
                              z + 2 * p);
}

/* The Householder product above from the n(n+1)/2 − 1 normals z (z[0..1] = x^(2),
 * z[2..4] = x^(3), …; overwritten). sign_fix = 0 leaves out D_k (a deliberately wrong
 * sampler used only by the tests: G_k e₁ = −sgn(x₁)x/‖x‖ is not uniform on the sphere). */
SO8T_ALWAYS_INLINE SO8T_HD void so8_householder_from_normals(int n, double *z, double *R,
                                                          int sign_fix)
{
    double wv[SO8_MAX_N];
    int det_sign = 1;
    so8_mat_identity(n, R);
    for (int k = 2; k <= n; k++) {
        double *x = z + (k * (k - 1) / 2 - 1); /* x^(k): the next k normals */
        double nrm2 = 0.0;
        for (int i = 0; i < k; i++)
            nrm2 += x[i] * x[i];
        if (!(nrm2 > 0.0))
            continue; /* probability 0 (all-zero draw): G_k = I, the same on every backend */
        double nrm = sqrt(nrm2);
        double sgn = x[0] >= 0.0 ? 1.0 : -1.0;
        /* u = x + sgn‖x‖e₁ (stored over x); uᵀu = 2‖x‖(‖x‖ + |x₁|) */
        double ax0 = fabs(x[0]);
        x[0] = x[0] + sgn * nrm;
        double beta = 1.0 / (nrm * (nrm + ax0)); /* 2 / uᵀu */
        int o = n - k;
        /* Block B = R[o.., o..] is diag(1, X); D_k makes its first entry −sgn. */
        if (sign_fix)
            R[o * n + o] = -sgn;
        /* B ← B − u (β uᵀB); row-wise loops (each wv[j] still sums over i in order) */
        for (int j = 0; j < k; j++)
            wv[j] = 0.0;
        for (int i = 0; i < k; i++) {
            const double xi = x[i];
            const double *row = R + (o + i) * n + o;
            for (int j = 0; j < k; j++)
                wv[j] += xi * row[j];
        }
        for (int j = 0; j < k; j++)
            wv[j] = beta * wv[j];
        for (int i = 0; i < k; i++) {
            const double xi = x[i];
            double *row = R + (o + i) * n + o;
            for (int j = 0; j < k; j++)
                row[j] -= xi * wv[j];
        }
        if (sign_fix ? sgn < 0 : 1)
            det_sign = -det_sign; /* det G_k = sgn(x₁), or −1 for a bare reflector */
    }
    if (det_sign < 0)
        for (int i = 0; i < n; i++)
            R[i * n + (n - 1)] = -R[i * n + (n - 1)];
}

/* Draw the normals from st, then the Householder product. */
SO8T_ALWAYS_INLINE SO8T_HD void so8_householder_sample(int n, mc_philox_state *st, double *R,
                                                    double *work, int sign_fix)
{
    const int nz = n * (n + 1) / 2 - 1; /* normals used */
    const int np = (nz + 1) / 2;        /* curand4 blocks */
    so8_normals_exact(st, np, work);
    so8_householder_from_normals(n, work, R, sign_fix);
}

/* Draws a Haar rotation of SO(n), 1 ≤ n ≤ SO8_MAX_N, into R (n*n row-major, det +1), from
 * the stream of st (advanced past the blocks used). work: SO8_HAAR_WORK(n) doubles. */
SO8T_HD void so8_haar_from_state(int n, mc_philox_state *st, double *R, double *work)
{
    so8_householder_sample(n, st, R, work, 1);
}

#endif /* SO8T_SO8_HAAR_H */
