/* test_so8_fast.c — so8_haar_fixed (so8/haar_fast.h, the evaluator the GPU kernels for
 * n ≤ SO8_FAST_MAX_N run) against the CPU sampler, bit for bit: n = 1 … 16, many seeds,
 * indices around and past 2^32 and up to 2^64 − 1, double output and the float output
 * (the double result rounded once). Two independent references: the OpenMP batch sampler
 * (so8_haar_batch_cpu, which takes the AVX2 path where the CPU has it) and the portable
 * header path (so8_householder_sample on a curand_init-style state). Companion checks: the
 * same comparison reports a deliberately wrong variant (no D_k sign fix, a neighbouring
 * index, a different seed) as different, and the wrong variant equals the library's own
 * non-Haar sampler, so the comparison is sensitive to the sign fix in the last bit. */
#include "so8/haar_fast.h"
#include "so8/so8.h"
#include "tests/test.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The portable reference: curand_init(seed, index, 0) then the header sampler. */
static void ref_header(int n, uint64_t seed, uint64_t index, double *R, int sign_fix)
{
    mc_philox_state st;
    double work[SO8_HAAR_WORK(SO8_MAX_N)];
    mc_philox_init(seed, index, 0, &st);
    so8_householder_sample(n, &st, R, work, sign_fix);
}

/* so8_haar_fixed with a literal n (as the kernels call it) for n ≤ 8, run-time n above. */
static void fixed(int n, uint64_t seed, uint64_t index, double *R, int sign_fix)
{
    switch (n) {
    case 1: so8_haar_fixed(1, seed, index, R, sign_fix); break;
    case 2: so8_haar_fixed(2, seed, index, R, sign_fix); break;
    case 3: so8_haar_fixed(3, seed, index, R, sign_fix); break;
    case 4: so8_haar_fixed(4, seed, index, R, sign_fix); break;
    case 5: so8_haar_fixed(5, seed, index, R, sign_fix); break;
    case 6: so8_haar_fixed(6, seed, index, R, sign_fix); break;
    case 7: so8_haar_fixed(7, seed, index, R, sign_fix); break;
    case 8: so8_haar_fixed(8, seed, index, R, sign_fix); break;
    default: so8_haar_fixed(n, seed, index, R, sign_fix); break;
    }
}

/* Rotations first … first+count−1 of seed: so8_haar_fixed against so8_haar_batch_cpu
 * (double and float) and the header reference; returns how many rotations differ. */
static long compare_range(int n, uint64_t seed, uint64_t first, uint64_t count, int sign_fix)
{
    const size_t nn = (size_t)n * (size_t)n;
    double *bd = malloc(count * nn * sizeof *bd);
    float *bf = malloc(count * nn * sizeof *bf);
    long bad = 0;
    if (!bd || !bf) {
        free(bd);
        free(bf);
        return -1;
    }
    if (so8_haar_batch_cpu(n, seed, first, count, SO8_DOUBLE, bd, 0) != SO8_OK ||
        so8_haar_batch_cpu(n, seed, first, count, SO8_FLOAT, bf, 0) != SO8_OK) {
        free(bd);
        free(bf);
        return -1;
    }
    for (uint64_t r = 0; r < count; r++) {
        double F[SO8_MAX_NN], H[SO8_MAX_NN];
        float Ff[SO8_MAX_NN];
        fixed(n, seed, first + r, F, sign_fix);
        ref_header(n, seed, first + r, H, 1);
        for (size_t k = 0; k < nn; k++)
            Ff[k] = (float)F[k];
        int differs = memcmp(F, bd + r * nn, nn * sizeof(double)) != 0 ||
                      memcmp(F, H, nn * sizeof(double)) != 0 ||
                      memcmp(Ff, bf + r * nn, nn * sizeof(float)) != 0;
        if (differs && bad < 2 && sign_fix)
            fprintf(stderr, "  n=%d seed=%llu index=%llu differs\n", n,
                    (unsigned long long)seed, (unsigned long long)(first + r));
        bad += differs;
    }
    free(bd);
    free(bf);
    return bad;
}

static void test_all_n(void)
{
    const uint64_t seeds[] = {0, 1, 20240601, 0xffffffffull, 0x100000000ull,
                              0xdeadbeefcafef00dull, UINT64_MAX};
    const uint64_t firsts[] = {0, 12345, 0xffffffffull - 40, (uint64_t)1 << 40,
                               UINT64_MAX - 63};
    for (int n = 1; n <= SO8_MAX_N; n++)
        for (size_t s = 0; s < sizeof seeds / sizeof seeds[0]; s++)
            for (size_t f = 0; f < sizeof firsts / sizeof firsts[0]; f++) {
                uint64_t count = n <= 8 ? 64 : 16;
                long bad = compare_range(n, seeds[s], firsts[f], count, 1);
                CHECK_MSG(bad == 0, "n=%d seed %llu first %llu: %ld of %llu rotations differ", n,
                          (unsigned long long)seeds[s], (unsigned long long)firsts[f], bad,
                          (unsigned long long)count);
            }
}

/* Many rotations of the first-class sizes, a run that crosses index 2^32. */
static void test_many(void)
{
    const int ns[] = {3, 4, 8, 16};
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
        int n = ns[i];
        uint64_t count = n == 16 ? 4000 : 40000;
        long bad = compare_range(n, 977, ((uint64_t)1 << 32) - count / 2, count, 1);
        CHECK_MSG(bad == 0, "n=%d: %ld of %llu rotations differ across index 2^32", n, bad,
                  (unsigned long long)count);
        bad = compare_range(n, 31337, 0, count, 1);
        CHECK_MSG(bad == 0, "n=%d: %ld of %llu rotations differ", n, bad,
                  (unsigned long long)count);
    }
}

/* The comparison must see a wrong variant. */
static void test_wrong_variants(void)
{
    for (int n = 3; n <= 16; n += (n < 8 ? 1 : 8)) {
        const uint64_t count = 2000;
        /* no sign fix: a rotation is unchanged only when all n − 1 steps have x₁ ≥ 0
         * (probability 2^−(n−1)), so about (1 − 2^−(n−1))·count differ; ask for half */
        long bad = compare_range(n, 5, 100, count, 0);
        double expect = (double)count * (1.0 - ldexp(1.0, -(n - 1)));
        CHECK_MSG(bad > expect / 2, "n=%d: sign_fix=0 differs in only %ld of %llu", n, bad,
                  (unsigned long long)count);
        /* … and it is exactly the library's non-Haar sampler, so the flag is what differs */
        long same = 0;
        for (uint64_t r = 0; r < 200; r++) {
            double F[SO8_MAX_NN], S[SO8_MAX_NN];
            fixed(n, 5, 100 + r, F, 0);
            so8_sample_double(SO8_SAMPLER_NOSIGNFIX, n, 5, 100 + r, S);
            same += memcmp(F, S, (size_t)n * n * sizeof(double)) == 0;
        }
        CHECK_MSG(same == 200, "n=%d: sign_fix=0 equals SO8_SAMPLER_NOSIGNFIX for %ld of 200", n,
                  same);
        /* a neighbouring index and a different seed give other matrices */
        double A[SO8_MAX_NN], B[SO8_MAX_NN], C[SO8_MAX_NN];
        fixed(n, 5, ((uint64_t)1 << 32) + 7, A, 1);
        so8_haar_double(n, 5, ((uint64_t)1 << 32) + 8, B);
        so8_haar_double(n, 6, ((uint64_t)1 << 32) + 7, C);
        CHECK(memcmp(A, B, (size_t)n * n * sizeof(double)) != 0);
        CHECK(memcmp(A, C, (size_t)n * n * sizeof(double)) != 0);
        /* the index's high word matters: 2^32 + 7 is not 7 */
        so8_haar_double(n, 5, 7, B);
        CHECK(memcmp(A, B, (size_t)n * n * sizeof(double)) != 0);
    }
}

/* The results are rotations (guards against a comparison of two equally broken paths). */
static void test_is_rotation(void)
{
    for (int n = 2; n <= 8; n++) {
        double worst = 0.0, min_det = 2.0;
        for (uint64_t r = 0; r < 500; r++) {
            double R[SO8_MAX_NN];
            fixed(n, 99, r * 7919, R, 1);
            double e = so8_mat_orth_error(n, R), d = so8_mat_det(n, R);
            if (e > worst)
                worst = e;
            if (d < min_det)
                min_det = d;
        }
        CHECK_MSG(worst < 1e-14, "n=%d orthogonality error %g", n, worst);
        CHECK_NEAR(min_det, 1.0, 1e-13);
    }
    CHECK(so8_haar_fast_n(8) && so8_haar_fast_n(3) && !so8_haar_fast_n(16) && !so8_haar_fast_n(0));
}

/* The CUDA=0 timing stub (or, with a device, a real timing) behaves. */
static void test_timing_entry(void)
{
    double g = -1, c = -1;
    char err[128] = "";
    int rc = so8_haar_cuda_time(8, 1, 0, 1000, SO8_DOUBLE, 1, &g, &c, err, sizeof err);
    if (so8_cuda_device_count() == 0) {
        CHECK(rc == SO8_ERR_NODEVICE);
        CHECK(err[0] != '\0');
    } else {
        CHECK(rc == SO8_OK);
        CHECK(g > 0 && c > 0);
    }
}

int main(void)
{
    test_all_n();
    test_many();
    test_wrong_variants();
    test_is_rotation();
    test_timing_entry();
    return test_summary();
}
