/* haar_cpu.c — Haar rotations on the CPU: one at a time, and OpenMP batches.
 *
 * Rotation i of a batch always uses Philox subsequence first_index + i of the seed, so the
 * output is the same for any thread count (static or dynamic schedule alike). The
 * deliberately non-Haar samplers used by the tests live here too.
 */
/* Speed without changing a bit: the Makefile builds this file with -O3 (unrolling,
 * if-conversion) and -fno-math-errno (sqrt's argument is never negative here; errno
 * handling is a branch that blocks vectorization). No fast-math, contraction stays off, so
 * results are unchanged; tests/test_so8.c checks them bit for bit against a plain
 * reference. */

#include "so8/so8.h"

#include <omp.h>

#include "base/threads.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

const char *so8_strerror(int status)
{
    switch (status) {
    case SO8_OK: return "ok";
    case SO8_ERR_INVAL: return "invalid argument";
    case SO8_ERR_NOMEM: return "out of memory";
    case SO8_ERR_NODEVICE: return "no CUDA device (or built without CUDA)";
    case SO8_ERR_CUDA: return "CUDA error";
    case SO8_ERR_NOTROT: return "not a rotation matrix";
    default: return "unknown so8 status";
    }
}

size_t so8_precision_size(so8_precision prec)
{
    return prec == SO8_DOUBLE ? sizeof(double) : prec == SO8_FLOAT ? sizeof(float) : 0;
}

/* Independent uniform angles in the coordinate planes (0,1), (2,3), …: a random point of
 * the maximal torus, NOT Haar (no conjugation, no angle repulsion). */
static void sample_torus(int n, mc_philox_state *st, double *R)
{
    so8_mat_identity(n, R);
    for (int p = 0; p + 1 < n; p += 2) {
        double u[2];
        mc_philox_uniform2_double(st, u);
        double th = 3.14159265358979323846 * (2.0 * u[0] - 1.0);
        double c = cos(th), s = sin(th);
        R[p * n + p] = c;
        R[p * n + p + 1] = -s;
        R[(p + 1) * n + p] = s;
        R[(p + 1) * n + p + 1] = c;
    }
}

#if defined(__GNUC__)
__attribute__((always_inline)) /* a small wrapper: keep it out of the call graph */
#endif
static inline void sample_one(so8_sampler sampler, int n, uint64_t seed, uint64_t index, double *R)
{
    mc_philox_state st;
    double work[SO8_HAAR_WORK(SO8_MAX_N)];
    mc_philox_init(seed, index, 0, &st);
    switch (sampler) {
    case SO8_SAMPLER_TORUS: sample_torus(n, &st, R); break;
    case SO8_SAMPLER_NOSIGNFIX: so8_householder_sample(n, &st, R, work, 0); break;
    default: so8_haar_from_state(n, &st, R, work); break;
    }
}

static int sampler_ok(so8_sampler s)
{
    return s == SO8_SAMPLER_HAAR || s == SO8_SAMPLER_TORUS || s == SO8_SAMPLER_NOSIGNFIX;
}


/* ---- x86-64 AVX2 path: 4 Philox blocks and 4 Box–Muller pairs per instruction ----
 *
 * The same integer and IEEE operations as so8_normals_exact / mc_normal2_from_bits
 * (haar.h), written with GNU vector types so that each operation runs on 4 lanes; no FMA
 * (the avx2 target does not enable it, and contraction is off). tests/test_so8.c checks the
 * result bit for bit against a plain scalar reference, whichever path the machine takes. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define SO8_HAVE_AVX2_PATH 1
typedef double v4d __attribute__((vector_size(32)));
typedef uint64_t v4u __attribute__((vector_size(32)));
typedef int64_t v4i __attribute__((vector_size(32)));

#define V4(x) {(x), (x), (x), (x)}

#include "mc/normal_avx2.h" /* mc_normal2_x4: the Box–Muller pairs, shared with mc/mc_cpu.c */

/* Philox4x32-10 of 4 counters (c0 + l, c1, c2, c3), l = 0..3; words in u64 lanes. */
__attribute__((target("avx2"))) static inline void philox_x4(uint32_t c0, uint32_t c1,
                                                             uint32_t c2, uint32_t c3,
                                                             uint32_t k0, uint32_t k1,
                                                             v4u out[4])
{
    const v4u lo = V4(0xffffffffull);
    const v4u m0 = V4((uint64_t)MC_PHILOX_M0), m1 = V4((uint64_t)MC_PHILOX_M1);
    v4u x = {(uint64_t)c0, (uint64_t)(uint32_t)(c0 + 1u), (uint64_t)(uint32_t)(c0 + 2u),
             (uint64_t)(uint32_t)(c0 + 3u)};
    v4u y = V4((uint64_t)c1), z = V4((uint64_t)c2), w = V4((uint64_t)c3);
    for (int r = 0; r < 10; r++) {
        v4u kk0 = V4((uint64_t)k0), kk1 = V4((uint64_t)k1);
        v4u p0 = (x & lo) * m0, p1 = (z & lo) * m1;
        v4u nx = (p1 >> 32) ^ y ^ kk0;
        v4u ny = p1 & lo;
        v4u nz = (p0 >> 32) ^ w ^ kk1;
        v4u nw = p0 & lo;
        x = nx;
        y = ny;
        z = nz;
        w = nw;
        k0 += MC_PHILOX_W0;
        k1 += MC_PHILOX_W1;
    }
    out[0] = x;
    out[1] = y;
    out[2] = z;
    out[3] = w;
}

/* so8_normals_exact for a fresh, block-aligned state whose low counter word does not wrap
 * within the np + 1 blocks (always true after mc_philox_init(seed, index, 0)); else the
 * header version. Pairs are done 4 at a time; the tail lanes compute unused blocks. */
__attribute__((target("avx2"))) static void normals_avx2(mc_philox_state *st, int np,
                                                         double *z, int keep_state)
{
    if (st->state != 0 || st->ctr[0] > 0xffffffffu - (uint32_t)(np + 4) ||
        np > SO8_HAAR_MAX_PAIRS) {
        so8_normals_exact(st, np, z);
        return;
    }
    for (int p = 0; p < np; p += 4) {
        v4u blk[4];
        v4d z0, z1;
        philox_x4(st->ctr[0] + (uint32_t)p, st->ctr[1], st->ctr[2], st->ctr[3], st->key[0],
                  st->key[1], blk);
        mc_normal2_x4(blk[0], blk[1], blk[2], blk[3], &z0, &z1);
        for (int l = 0; l < 4 && p + l < np; l++) {
            z[2 * (p + l)] = z0[l];
            z[2 * (p + l) + 1] = z1[l];
        }
    }
    if (keep_state) { /* the state as np curand4 calls leave it */
        st->ctr[0] += (uint32_t)np;
        mc_philox_refill(st);
    }
}

/* so8_householder_from_normals for n = 8 with whole rows in AVX2 registers: the same IEEE
 * operations per entry in the same order (each wv[j] sums over i in order; multiply and
 * subtract stay separate: no FMA), so the same bits. Rows o.. are still exactly 0 left of
 * column o at step k, so treating all 8 columns leaves those entries +0 — as the block-only
 * loop does. tests/test_so8.c compares the batch with a plain reference bit for bit. */
__attribute__((target("avx2"))) static void householder8_avx2(double *z, double *R,
                                                              int sign_fix)
{
    so8_mat_identity(8, R);
    int det_sign = 1;
    for (int k = 2; k <= 8; k++) {
        double *x = z + (k * (k - 1) / 2 - 1);
        double nrm2 = 0.0;
        for (int i = 0; i < k; i++)
            nrm2 += x[i] * x[i];
        if (!(nrm2 > 0.0))
            continue;
        double nrm = sqrt(nrm2);
        double sgn = x[0] >= 0.0 ? 1.0 : -1.0;
        double ax0 = fabs(x[0]);
        x[0] = x[0] + sgn * nrm;
        double beta = 1.0 / (nrm * (nrm + ax0));
        int o = 8 - k;
        if (sign_fix)
            R[o * 8 + o] = -sgn;
        v4d w_lo = {0.0, 0.0, 0.0, 0.0}, w_hi = w_lo, r_lo, r_hi;
        for (int i = 0; i < k; i++) {
            const double xi = x[i];
            memcpy(&r_lo, R + (o + i) * 8, sizeof r_lo);
            memcpy(&r_hi, R + (o + i) * 8 + 4, sizeof r_hi);
            w_lo = w_lo + xi * r_lo;
            w_hi = w_hi + xi * r_hi;
        }
        w_lo = beta * w_lo;
        w_hi = beta * w_hi;
        for (int i = 0; i < k; i++) {
            const double xi = x[i];
            double *row = R + (o + i) * 8;
            memcpy(&r_lo, row, sizeof r_lo);
            memcpy(&r_hi, row + 4, sizeof r_hi);
            r_lo = r_lo - xi * w_lo;
            r_hi = r_hi - xi * w_hi;
            memcpy(row, &r_lo, sizeof r_lo);
            memcpy(row + 4, &r_hi, sizeof r_hi);
        }
        if (sign_fix ? sgn < 0 : 1)
            det_sign = -det_sign;
    }
    if (det_sign < 0)
        for (int i = 0; i < 8; i++)
            R[i * 8 + 7] = -R[i * 8 + 7];
}

__attribute__((target("avx2"))) static void sample_one_avx2(so8_sampler sampler, int n,
                                                            uint64_t seed, uint64_t index,
                                                            double *R)
{
    if (sampler == SO8_SAMPLER_TORUS) {
        sample_one(sampler, n, seed, index, R);
        return;
    }
    /* mc_philox_init(seed, index, 0) without its two Philox evaluations: the blocks are
     * computed from the counter and key below, and the state is dropped afterwards. */
    mc_philox_state st;
    double work[SO8_HAAR_WORK(SO8_MAX_N)];
    memset(&st, 0, sizeof st);
    st.key[0] = (uint32_t)seed;
    st.key[1] = (uint32_t)(seed >> 32);
    st.ctr[2] = (uint32_t)index;
    st.ctr[3] = (uint32_t)(index >> 32);
    const int nz = n * (n + 1) / 2 - 1;
    const int fix = sampler == SO8_SAMPLER_HAAR;
    normals_avx2(&st, (nz + 1) / 2, work, 0);
    if (n == 8) /* the first-class case: whole rows in registers */
        householder8_avx2(work, R, fix);
    else
        so8_householder_from_normals(n, work, R, fix);
}
#endif

/* Rotations [begin, end) of the batch; `fast` selects the AVX2 path. */
static void batch_range(so8_sampler sampler, int n, uint64_t seed, uint64_t first,
                        int64_t begin, int64_t end, so8_precision prec, void *out, int fast)
{
    const size_t nn = (size_t)n * (size_t)n;
    for (int64_t i = begin; i < end; i++) {
        double R[SO8_MAX_NN];
        double *dst = prec == SO8_DOUBLE ? (double *)out + (size_t)i * nn : R;
#ifdef SO8_HAVE_AVX2_PATH
        if (fast)
            sample_one_avx2(sampler, n, seed, first + (uint64_t)i, dst);
        else
#endif
            sample_one(sampler, n, seed, first + (uint64_t)i, dst);
        if (prec == SO8_FLOAT) {
            float *o = (float *)out + (size_t)i * nn;
            for (size_t k = 0; k < nn; k++)
                o[k] = (float)R[k];
        }
    }
    (void)fast;
}

/* 1 when the AVX2 path can run; SO8T_NO_AVX2=1 forces the portable path (for tests).
 * Decided once; the atomic makes the lazy initialisation race-free. */
static int use_fast_path(void)
{
#ifdef SO8_HAVE_AVX2_PATH
    static _Atomic int cached = -1;
    int v = cached;
    if (v < 0) {
        const char *env = getenv("SO8T_NO_AVX2");
        __builtin_cpu_init();
        v = (env && *env && *env != '0') ? 0 : __builtin_cpu_supports("avx2") ? 1 : 0;
        cached = v;
    }
    return v;
#else
    return 0;
#endif
}

int so8_sample_double(so8_sampler sampler, int n, uint64_t seed, uint64_t index, double *R)
{
    if (n < 1 || n > SO8_MAX_N || !R || !sampler_ok(sampler))
        return SO8_ERR_INVAL;
    batch_range(sampler, n, seed, index, 0, 1, SO8_DOUBLE, R, use_fast_path());
    return SO8_OK;
}

int so8_haar_double(int n, uint64_t seed, uint64_t index, double *R)
{
    return so8_sample_double(SO8_SAMPLER_HAAR, n, seed, index, R);
}

int so8_sample_batch_cpu(so8_sampler sampler, int n, uint64_t seed, uint64_t first_index,
                         uint64_t count, so8_precision prec, void *out, int threads)
{
    size_t esz = so8_precision_size(prec);
    if (n < 1 || n > SO8_MAX_N || esz == 0 || !sampler_ok(sampler) || threads < 0)
        return SO8_ERR_INVAL;
    if (count == 0)
        return SO8_OK;
    if (!out || count > SIZE_MAX / ((size_t)n * (size_t)n * esz) || count > (uint64_t)INT64_MAX)
        return SO8_ERR_INVAL;
    const int64_t m = (int64_t)count;
    int nt = so8t_threads_resolve(threads); /* OMP_NUM_THREADS capped */
    if ((int64_t)nt > m)
        nt = (int)m;
    const int fast = use_fast_path();
    /* contiguous ranges per thread; rotation i is the same whoever computes it */
#pragma omp parallel num_threads(nt)
    {
        int t = omp_get_thread_num(), T = omp_get_num_threads();
        int64_t begin = m * t / T, end = m * (t + 1) / T;
        batch_range(sampler, n, seed, first_index, begin, end, prec, out, fast);
    }
    return SO8_OK;
}

int so8_haar_batch_cpu(int n, uint64_t seed, uint64_t first_index, uint64_t count,
                       so8_precision prec, void *out, int threads)
{
    return so8_sample_batch_cpu(SO8_SAMPLER_HAAR, n, seed, first_index, count, prec, out,
                                threads);
}
