/* haar_cpu.c — Haar rotations on the CPU: one at a time, and OpenMP batches.
 *
 * Rotation i of a batch always uses Philox subsequence first_index + i of the seed, so the
 * output is the same for any thread count (static or dynamic schedule alike). The
 * deliberately non-Haar samplers used by the tests live here too.
 */
/* Speed without changing a bit: -O3 (unrolling, if-conversion) and no errno for sqrt (its
 * argument is never negative here; errno handling is a branch that blocks vectorization).
 * No fast-math, contraction stays off, so results are unchanged; tests/test_so8.c checks
 * them bit for bit against a plain reference. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3", "-fno-math-errno")
#endif

#include "so8/so8.h"

#include <omp.h>
#include <stdint.h>
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
__attribute__((always_inline)) /* into each batch_range clone */
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

int so8_sample_double(so8_sampler sampler, int n, uint64_t seed, uint64_t index, double *R)
{
    if (n < 1 || n > SO8_MAX_N || !R || !sampler_ok(sampler))
        return SO8_ERR_INVAL;
    sample_one(sampler, n, seed, index, R);
    return SO8_OK;
}

int so8_haar_double(int n, uint64_t seed, uint64_t index, double *R)
{
    return so8_sample_double(SO8_SAMPLER_HAAR, n, seed, index, R);
}

/* Rotations [begin, end) of the batch. On x86-64 with GNU C there is an AVX2 clone, picked
 * at load time: the Box–Muller loop then runs 4 pairs per instruction (the same IEEE
 * operations, hence the same bits). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
__attribute__((target_clones("avx2", "default")))
#endif
static void batch_range(so8_sampler sampler, int n, uint64_t seed, uint64_t first,
                        int64_t begin, int64_t end, so8_precision prec, void *out)
{
    const size_t nn = (size_t)n * (size_t)n;
    for (int64_t i = begin; i < end; i++) {
        if (prec == SO8_DOUBLE) {
            sample_one(sampler, n, seed, first + (uint64_t)i, (double *)out + (size_t)i * nn);
        } else {
            double R[SO8_MAX_NN];
            float *o = (float *)out + (size_t)i * nn;
            sample_one(sampler, n, seed, first + (uint64_t)i, R);
            for (size_t k = 0; k < nn; k++)
                o[k] = (float)R[k];
        }
    }
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
    int nt = threads > 0 ? threads : omp_get_max_threads();
    if ((int64_t)nt > m)
        nt = (int)m;
    /* contiguous ranges per thread; rotation i is the same whoever computes it */
#pragma omp parallel num_threads(nt)
    {
        int t = omp_get_thread_num(), T = omp_get_num_threads();
        int64_t begin = m * t / T, end = m * (t + 1) / T;
        batch_range(sampler, n, seed, first_index, begin, end, prec, out);
    }
    return SO8_OK;
}

int so8_haar_batch_cpu(int n, uint64_t seed, uint64_t first_index, uint64_t count,
                       so8_precision prec, void *out, int threads)
{
    return so8_sample_batch_cpu(SO8_SAMPLER_HAAR, n, seed, first_index, count, prec, out,
                                threads);
}
