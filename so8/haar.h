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
#include "so8t_hd.h"

/* Scratch (doubles) so8_haar_from_state needs: SO8_HAAR_WORK(n) = n*n + n (it uses
 * n(n+1)/2 + 1 of them: the Gaussians). */
#define SO8_HAAR_WORK(n) ((n) * (n) + (n))
#define SO8_HAAR_MAX_PAIRS ((SO8_MAX_N * (SO8_MAX_N + 1) / 2) / 2)

/* GNU C: inline the sampler into its callers, so that a caller compiled for a wider ISA
 * (haar_cpu.c's AVX2 clone) vectorizes it too. */
#if defined(__GNUC__) && !defined(__CUDACC__)
#define SO8_HAAR_INLINE __attribute__((always_inline))
#else
#define SO8_HAAR_INLINE
#endif

/* mc_normal2_from_bits (mc/normal.h, mc/detmath.h) rewritten without branches so the CPU
 * can run several pairs in SIMD lanes: the same IEEE operations in the same order, so the
 * same bits (tests/test_so8.c compares them on millions of inputs). Valid for the
 * v ∈ (0, 2] that the hq uniforms produce: the nearest integer of t = 2v ∈ (0, 4] is
 * trunc(t + 0.5), counted by comparisons instead of an int64 conversion. */
SO8_HAAR_INLINE SO8T_HD void so8_normal2_from_bits(uint32_t x0, uint32_t x1, uint32_t y0, uint32_t y1,
                                   double *out)
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
    double lg = (e * 6.93147180369123816490e-01 + log_m) + e * 1.90821492927058770002e-10;
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
    double sn = -2.2948428997269873e-08;
    sn = sn * r2 + 7.952054001475513e-07;
    sn = sn * r2 - 2.1915353447830217e-05;
    sn = sn * r2 + 0.00046630280576761255;
    sn = sn * r2 - 0.0073704309457143504;
    sn = sn * r2 + 0.08214588661112823;
    sn = sn * r2 - 0.5992645293207921;
    sn = sn * r2 + 2.5501640398773455;
    sn = sn * r2 - 5.16771278004997;
    sn = sn * r2 + 3.141592653589793;
    sn = sn * r;
    double k = -1.3878952462213771e-07;
    k = k * r2 + 4.303069587032947e-06;
    k = k * r2 - 0.0001046381049248457;
    k = k * r2 + 0.0019295743094039231;
    k = k * r2 - 0.02580689139001406;
    k = k * r2 + 0.2353306303588932;
    k = k * r2 - 1.3352627688545895;
    k = k * r2 + 4.0587121264167685;
    k = k * r2 - 4.934802200544679;
    k = k * r2 + 1.0;
    /* quadrant q = nq mod 4: (sin, cos) = (s,k), (k,−s), (−s,−k), (−k,s); negation is the
     * sign bit, so bit selects and xors reproduce it exactly */
    uint64_t q = ni & 3u;
    uint64_t odd = 0 - (q & 1u);                      /* all ones for q = 1, 3 */
    uint64_t sb = mc_double_bits(sn), kb = mc_double_bits(k);
    uint64_t ab = (kb & odd) | (sb & ~odd);
    uint64_t cb = (sb & odd) | (kb & ~odd);
    uint64_t sneg = (q >> 1) << 63;                   /* q = 2, 3 */
    uint64_t cneg = ((q ^ (q >> 1)) & 1u) << 63;      /* q = 1, 2 */
    double sin_v = mc_double_from_bits(ab ^ sneg);
    double cos_v = mc_double_from_bits(cb ^ cneg);
    out[0] = sin_v * s;
    out[1] = cos_v * s;
}

/* z[0 .. 2·np) = the next np pairs of mc_normal2_exact(st), bit for bit, with st left as np
 * such calls leave it. From a block-aligned state (always ours) the Philox blocks are
 * computed first, as independent work the CPU can overlap, then transformed. */
SO8_HAAR_INLINE SO8T_HD void so8_normals_exact(mc_philox_state *st, int np, double *z)
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
        so8_normal2_from_bits(blk[4 * p], blk[4 * p + 1], blk[4 * p + 2], blk[4 * p + 3],
                              z + 2 * p);
}

/* The Householder product above from the n(n+1)/2 − 1 normals z (z[0..1] = x^(2),
 * z[2..4] = x^(3), …; overwritten). sign_fix = 0 leaves out D_k (a deliberately wrong
 * sampler used only by the tests: G_k e₁ = −sgn(x₁)x/‖x‖ is not uniform on the sphere). */
SO8_HAAR_INLINE SO8T_HD void so8_householder_from_normals(int n, double *z, double *R,
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
SO8_HAAR_INLINE SO8T_HD void so8_householder_sample(int n, mc_philox_state *st, double *R,
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
