/* test_mc.c — the Monte Carlo engine on the CPU.
 *   - every estimator within 5 standard errors of the exact value (geom/, closed forms,
 *     tests/fixtures/ref_volumes.csv) over d in {1,2,3,4,5,8,12,16,32,64}: ball inside,
 *     crossing and containing the cube, off-centre, rotated, solid and surface, and the
 *     orientation average; and a deliberately wrong radius is detected;
 *   - identical counts / sums for 1, 2, 4 threads, for rel-err batches vs a fixed N, and
 *     for the fast buffered generator vs the plain cuRAND-model state;
 *   - Sobol' direction vectors equal to the real cuRAND library's (when linked).
 */
#include "geom/geom.h"
#include "mc/mc.h"
#include "mc/mc_internal.h"
#include "tests/support/mc_ref.h"
#include "so8/so8.h"
#include "tests/test.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef SO8T_HAVE_CURAND_HOST
#include <curand.h>
#endif

static double exact_of(mc_quantity q, int d, double a, double r, const double *c,
                       const double *R)
{
    geom_problem gp = {d, a, r, c, R};
    geom_result gr;
    char err[256];
    int st = q == MC_SURFACE ? geom_surface_exact(&gp, &gr, err, sizeof err)
                             : geom_volume_exact(&gp, &gr, err, sizeof err);
    if (st) {
        fprintf(stderr, "geom failed: %s\n", err);
        return NAN;
    }
    return gr.value;
}

static int run(mc_quantity q, int d, double a, double r, const double *c, const double *R,
               mc_method m, uint64_t n, uint64_t seed, int threads, mc_result *res)
{
    mc_problem p = {q, d, a, r, c, R};
    mc_options o = mc_test_options(m, MC_BACKEND_CPU, n, seed);
    o.threads = threads;
    char err[256];
    int st = mc_estimate(&p, &o, res, err, sizeof err);
    if (st)
        fprintf(stderr, "mc_estimate(%s): %s\n", mc_method_name(m), err);
    return st;
}

#define M_HIT (1 << MC_METHOD_HIT)
#define M_BALL (1 << MC_METHOD_BALL)
#define M_COND (1 << MC_METHOD_COND)
#define M_RADIAL (1 << MC_METHOD_RADIAL)
#define M_QMC (1 << MC_METHOD_QMC)
#define M_TILT (1 << MC_METHOD_TILT)
#define M_ALL (M_HIT | M_BALL | M_COND | M_RADIAL | M_QMC | M_TILT)

static int n_cases;

/* Every method in `mask` within 5 se of `exact`. */
static void check_case(const char *name, mc_quantity q, int d, double a, double r,
                       const double *c, const double *R, int mask, double exact)
{
    n_cases++;
    for (int m = MC_METHOD_HIT; m < MC_METHOD_COUNT_; m++) {
        if (!(mask & (1 << m)))
            continue;
        mc_result res;
        int st = run(q, d, a, r, c, R, (mc_method)m, 1u << 17, 1000 + (uint64_t)n_cases, 0, &res);
        CHECK_MSG(st == MC_OK, "%s / %s: status %d", name, mc_method_name((mc_method)m), st);
        if (st)
            continue;
        if (res.std_error <= 1e-12 * fabs(exact)) {
            /* zero-variance cases (d = 1 conditioning, containment) must be exact */
            CHECK_MSG(fabs(res.estimate - exact) <= 1e-9 * fabs(exact) + 1e-300,
                      "%s / %s: %.17g vs exact %.17g with se 0", name,
                      mc_method_name((mc_method)m), res.estimate, exact);
        } else {
            double z = (res.estimate - exact) / res.std_error;
            CHECK_MSG(fabs(z) <= 5, "%s / %s: est %.10g exact %.10g se %.3g z %.2f", name,
                      mc_method_name((mc_method)m), res.estimate, exact, res.std_error, z);
        }
    }
}

static void fill(double *c, int d, double v)
{
    for (int i = 0; i < d; i++)
        c[i] = v;
}

static void test_against_exact(void)
{
    double c[64], R[16 * 16];
    /* d = 1..3 */
    fill(c, 1, 0);
    check_case("d1 inside", MC_VOLUME, 1, 1, 0.5, c, NULL, M_ALL, 1.0);
    c[0] = 0.7;
    check_case("d1 crossing", MC_VOLUME, 1, 1, 0.5, c, NULL, M_ALL, 0.8);
    fill(c, 2, 0);
    check_case("d2 r0.8 inside", MC_VOLUME, 2, 1, 0.8, c, NULL, M_ALL, 2.0106192982974677);
    check_case("d2 r1.2", MC_VOLUME, 2, 1, 1.2, c, NULL, M_ALL, 3.8036445231404326);
    check_case("d2 r1.5 contains", MC_VOLUME, 2, 1, 1.5, c, NULL, M_ALL, 4.0);
    c[0] = 0.5, c[1] = 0.25;
    check_case("d2 off-centre", MC_VOLUME, 2, 1, 1.0, c, NULL, M_ALL, 2.3107741270457533);
    fill(c, 3, 0);
    check_case("d3 r1.2", MC_VOLUME, 3, 1, 1.2, c, NULL, M_ALL, 6.3837162720944599);
    check_case("d3 r1.5", MC_VOLUME, 3, 1, 1.5, c, NULL, M_ALL, 7.9007215573560802);
    c[0] = 1.5;
    check_case("d3 cap (centre outside)", MC_VOLUME, 3, 1, 0.8, c, NULL, M_ALL,
               0.19792033717615697);
    /* d = 4, 5 (ref_volumes.csv values) */
    fill(c, 4, 0);
    check_case("d4 r1.5", MC_VOLUME, 4, 1, 1.5, c, NULL, M_ALL, 14.84191229542944);
    check_case("d4 a0.5 r0.8", MC_VOLUME, 4, 0.5, 0.8, c, NULL, M_ALL, 0.97302739643859805);
    fill(c, 5, 0);
    check_case("d5 r1.7", MC_VOLUME, 5, 1, 1.7, c, NULL, M_ALL, 30.686377295687689);
    /* d = 8 */
    fill(c, 8, 0);
    check_case("d8 r0.5 inside", MC_VOLUME, 8, 1, 0.5, c, NULL, M_ALL & ~M_HIT & ~M_COND & ~M_QMC,
               0.015854344243815501);
    check_case("d8 r1.5", MC_VOLUME, 8, 1, 1.5, c, NULL, M_ALL, 83.164051417189215);
    check_case("d8 r2.0", MC_VOLUME, 8, 1, 2.0, c, NULL, M_ALL, 239.68716796400077);
    check_case("d8 r3 contains", MC_VOLUME, 8, 1, 3.0, c, NULL, M_ALL, 256.0);
    c[0] = 1.5;
    check_case("d8 cap (centre outside)", MC_VOLUME, 8, 1, 1.0, c, NULL,
               M_BALL | M_RADIAL | M_TILT | M_COND | M_QMC, 0.23805727195253576);
    fill(c, 8, 0.3);
    c[0] = -0.6;
    check_case("d8 off-centre", MC_VOLUME, 8, 1, 1.6, c, NULL, M_ALL,
               exact_of(MC_VOLUME, 8, 1, 1.6, c, NULL));
    /* Haar rotations from so8/ (what `so8t volume --rotation haar` uses): the MC estimate of
       the rotated cube against geom/, which sees the rotation only through Rᵀc */
    CHECK(so8_haar_double(8, 77, 0, R) == 0);
    check_case("d8 rotated", MC_VOLUME, 8, 1, 1.6, c, R, M_ALL,
               exact_of(MC_VOLUME, 8, 1, 1.6, c, R));
    CHECK(so8_haar_double(8, 5, 3, R) == 0);
    check_case("d8 rotated, another R", MC_VOLUME, 8, 1, 1.6, c, R, M_ALL,
               exact_of(MC_VOLUME, 8, 1, 1.6, c, R));
    /* d = 12, 16, 32, 64: the tails need tilt / radial */
    fill(c, 12, 0.3);
    check_case("d12 off-centre r2", MC_VOLUME, 12, 1, 2.0, c, NULL, M_ALL,
               exact_of(MC_VOLUME, 12, 1, 2.0, c, NULL));
    fill(c, 16, 0);
    check_case("d16 r1.2 tiny", MC_VOLUME, 16, 1, 1.2, c, NULL, M_TILT | M_RADIAL | M_BALL,
               exact_of(MC_VOLUME, 16, 1, 1.2, c, NULL));
    check_case("d16 r2.4", MC_VOLUME, 16, 1, 2.4, c, NULL, M_ALL,
               exact_of(MC_VOLUME, 16, 1, 2.4, c, NULL));
    fill(c, 32, 0);
    check_case("d32 r3.3", MC_VOLUME, 32, 1, 3.3, c, NULL, M_ALL,
               exact_of(MC_VOLUME, 32, 1, 3.3, c, NULL));
    fill(c, 64, 0);
    check_case("d64 r3 (3.8e-9 of the cube)", MC_VOLUME, 64, 1, 3.0, c, NULL, M_TILT,
               exact_of(MC_VOLUME, 64, 1, 3.0, c, NULL));
    check_case("d64 r4.6", MC_VOLUME, 64, 1, 4.6, c, NULL, M_HIT | M_COND | M_QMC | M_TILT,
               exact_of(MC_VOLUME, 64, 1, 4.6, c, NULL));
    fill(c, 64, 1.0);
    check_case("d64 ball on a vertex r2 (1.7e-39)", MC_VOLUME, 64, 1, 2.0, c, NULL, M_TILT,
               exact_of(MC_VOLUME, 64, 1, 2.0, c, NULL));
    /* surface measure */
    fill(c, 8, 0);
    check_case("surface d2 r1.2", MC_SURFACE, 2, 1, 1.2, c, NULL, M_BALL,
               exact_of(MC_SURFACE, 2, 1, 1.2, c, NULL));
    check_case("surface d3 r1.2", MC_SURFACE, 3, 1, 1.2, c, NULL, M_BALL,
               exact_of(MC_SURFACE, 3, 1, 1.2, c, NULL));
    check_case("surface d4 r1.2 (3-sphere in the 4-cube)", MC_SURFACE, 4, 1, 1.2, c, NULL,
               M_BALL, exact_of(MC_SURFACE, 4, 1, 1.2, c, NULL));
    check_case("surface d8 r2", MC_SURFACE, 8, 1, 2.0, c, NULL, M_BALL,
               exact_of(MC_SURFACE, 8, 1, 2.0, c, NULL));
    fill(c, 4, 0.4);
    check_case("surface d4 off-centre", MC_SURFACE, 4, 1, 1.0, c, NULL, M_BALL,
               exact_of(MC_SURFACE, 4, 1, 1.0, c, NULL));
    printf("%d exact-value cases\n", n_cases);
    CHECK(n_cases >= 30);
}

static void test_wrong_radius_detected(void)
{
    /* the same test with the exact value of a 1% larger radius must fail (|z| > 5) */
    double c[8] = {0};
    double wrong = exact_of(MC_VOLUME, 8, 1, 1.515, c, NULL);
    for (int m = MC_METHOD_HIT; m < MC_METHOD_COUNT_; m++) {
        mc_result res;
        if (run(MC_VOLUME, 8, 1, 1.5, c, NULL, (mc_method)m, 1u << 17, 5, 0, &res))
            continue;
        double z = (res.estimate - wrong) / res.std_error;
        CHECK_MSG(fabs(z) > 5, "%s did not notice a 1%% radius error (z %.2f)",
                  mc_method_name((mc_method)m), z);
    }
}

static void test_orientation_average(void)
{
    /* d = 2: E_φ[area(Q ∩ B(|c|(cos φ, sin φ), r))] by the trapezoid rule over φ (the
       integrand is periodic and piecewise smooth), against the orientation-average MC */
    const double cn = 1.1, r = 0.9;
    const int K = 4096;
    double avg = 0;
    for (int k = 0; k < K; k++) {
        double ph = 2 * M_PI * k / K, cc[2] = {cn * cos(ph), cn * sin(ph)};
        avg += geom_volume_closed_form_d123(2, 1.0, r, cc);
    }
    avg /= K;
    double c[2] = {cn, 0};
    mc_result res;
    for (int m = MC_METHOD_HIT; m <= MC_METHOD_COND; m += MC_METHOD_COND - MC_METHOD_HIT) {
        CHECK(run(MC_ORIENT_AVG, 2, 1, r, c, NULL, (mc_method)m, 1u << 20, 9, 0, &res) == 0);
        CHECK_SIGMA(res.estimate, avg, res.std_error, 5);
        /* and a fixed orientation (the diagonal: a different number) is rejected */
        double diag[2] = {cn / sqrt(2.0), cn / sqrt(2.0)};
        double fixed = geom_volume_closed_form_d123(2, 1.0, r, diag);
        CHECK_MSG(fabs(res.estimate - fixed) / res.std_error > 5, "avg %.6g fixed %.6g se %.3g",
                  avg, fixed, res.std_error);
    }
    /* c = 0: every rotation gives the unrotated volume */
    double z[8] = {0};
    CHECK(run(MC_ORIENT_AVG, 8, 1, 1.5, z, NULL, MC_METHOD_COND, 1u << 17, 9, 0, &res) == 0);
    CHECK_SIGMA(res.estimate, 83.164051417189215, res.std_error, 5);
    /* and a method that does not apply is refused */
    CHECK(run(MC_ORIENT_AVG, 8, 1, 1.5, z, NULL, MC_METHOD_RADIAL, 1024, 9, 0, &res) ==
          MC_ERR_UNSUPPORTED);
    CHECK(run(MC_SURFACE, 8, 1, 1.5, z, NULL, MC_METHOD_HIT, 1024, 9, 0, &res) ==
          MC_ERR_UNSUPPORTED);
}

static int same_result(const mc_result *a, const mc_result *b)
{
    return a->hits == b->hits && a->samples == b->samples &&
           memcmp(&a->sum, &b->sum, sizeof a->sum) == 0 &&
           memcmp(&a->estimate, &b->estimate, sizeof a->estimate) == 0;
}

static void test_determinism(void)
{
    double c[8] = {0.2, -0.1, 0, 0.3, 0, 0, 0.1, 0};
    struct {
        mc_quantity q;
        mc_method m;
    } runs[] = {{MC_VOLUME, MC_METHOD_HIT},    {MC_VOLUME, MC_METHOD_BALL},
                {MC_VOLUME, MC_METHOD_COND},   {MC_VOLUME, MC_METHOD_RADIAL},
                {MC_VOLUME, MC_METHOD_QMC},    {MC_VOLUME, MC_METHOD_TILT},
                {MC_SURFACE, MC_METHOD_BALL},  {MC_ORIENT_AVG, MC_METHOD_HIT},
                {MC_ORIENT_AVG, MC_METHOD_COND}};
    for (size_t k = 0; k < sizeof runs / sizeof runs[0]; k++) {
        mc_result r1, r2, r4;
        uint64_t n = 300000; /* not a multiple of the block size: a partial last block */
        int st = run(runs[k].q, 8, 1, 1.5, c, NULL, runs[k].m, n, 42, 1, &r1);
        st |= run(runs[k].q, 8, 1, 1.5, c, NULL, runs[k].m, n, 42, 2, &r2);
        st |= run(runs[k].q, 8, 1, 1.5, c, NULL, runs[k].m, n, 42, 4, &r4);
        CHECK(st == 0);
        CHECK_MSG(same_result(&r1, &r2) && same_result(&r1, &r4),
                  "%s: results differ between 1, 2 and 4 threads", mc_method_name(runs[k].m));
    }
    /* rel-err batches give the same as one fixed run of the final N */
    for (int m = MC_METHOD_HIT; m < MC_METHOD_COUNT_; m++) {
        mc_problem p = {MC_VOLUME, 8, 1, 1.5, c, NULL};
        mc_options o;
        mc_options_default(&o);
        o.method = (mc_method)m;
        o.backend = MC_BACKEND_CPU;
        o.rel_err = m == MC_METHOD_QMC ? 2e-4 : 5e-3;
        o.samples = 1ull << 26;
        o.seed = 3;
        mc_result batched, fixed;
        char err[256];
        CHECK(mc_estimate(&p, &o, &batched, err, sizeof err) == 0);
        CHECK_MSG(1.959963984540054 * batched.rel_error <= o.rel_err,
                  "%s: stopped at %.3g > %.3g", mc_method_name((mc_method)m),
                  1.959963984540054 * batched.rel_error, o.rel_err);
        o.rel_err = 0;
        o.samples = batched.samples;
        CHECK(mc_estimate(&p, &o, &fixed, err, sizeof err) == 0);
        CHECK_MSG(same_result(&batched, &fixed), "%s: batched %llu samples differ from fixed",
                  mc_method_name((mc_method)m), (unsigned long long)batched.samples);
    }
}

/* one block folded alone: its sums read back exactly (count methods keep only the count) */
static int same_block_sums(const mc_plan *pl, const mc_accum *acc, const mc_block_acc *ref)
{
    if (pl->count_based)
        return 1;
    return mc_accum_sum(acc) == ref->sum && mc_accum_sum_sq(acc) == ref->sum_sq;
}

/* two accumulators hold the same exact state (their packed words) */
static int same_state(const mc_accum *a, const mc_accum *b)
{
    size_t n = mc_accum_words(a->nrep);
    uint64_t *wa = malloc(n * 8), *wb = malloc(n * 8);
    int same = a->nrep == b->nrep && wa && wb;
    if (same) {
        mc_accum_pack(a, wa);
        mc_accum_pack(b, wb);
        same = memcmp(wa, wb, n * 8) == 0;
    }
    free(wa), free(wb);
    return same;
}

static void test_fast_generator_matches_reference(void)
{
    CHECK_MSG(mc_cpu_fill_selftest() == 0, "AVX2 Philox fill differs from the portable one");
    /* the buffered, vectorized CPU generator against the plain cuRAND-model state */
    double c[8] = {0.2, -0.1, 0, 0.3, 0, 0, 0.1, 0};
    mc_problem p = {MC_VOLUME, 8, 1, 1.5, c, NULL};
    for (int m = MC_METHOD_HIT; m < MC_METHOD_COUNT_; m++) {
        mc_plan pl;
        char err[256];
        CHECK(mc_plan_build(&p, (mc_method)m, 99, 8, &pl, err, sizeof err) == 0);
        mc_plan_set_samples(&pl, 64 * MC_BLOCK_SAMPLES);
        int ok = 1;
        for (uint64_t b = 0; b < 5; b++) {
            mc_accum acc;
            mc_accum_init(&acc, pl.kp.qmc_replicates);
            mc_cpu_run(&pl, b, b + 1, 1, &acc, NULL, NULL, 0, 0);
            mc_block_acc ref;
            mc_cpu_block_reference(&pl, b, &ref);
            ok &= acc.hits == ref.hits && same_block_sums(&pl, &acc, &ref);
        }
        CHECK_MSG(ok, "%s: fast generator differs from the reference state",
                  mc_method_name((mc_method)m));
    }
}

/* The CPU's vector-lane Gaussian path (ball volume and surface, radial, the orientation
 * average with hit and cond: pairs 4 at a time,
 * groups of samples starting anywhere in a Philox block) against the plain per-sample code,
 * bit for bit, over dimensions 1..64, off-centre problems, partial last blocks and block
 * indices past 2^32; companion: a different seed must change the result. */
static void test_gauss_path_matches_reference(void)
{
    const int dims[] = {1, 2, 3, 5, 8, 13, 16, 33, 64};
    int ok = 1, cases = 0, differ = 0, eligible = 0;
    for (size_t q = 0; q < sizeof dims / sizeof dims[0]; q++) {
        int d = dims[q];
        double c[64];
        for (int i = 0; i < d; i++)
            c[i] = 0.3 * sin(1.7 * i + 0.4);
        for (int v = 0; v < 5; v++) {
            /* ball volume, ball surface, radial, orientation average with hit and with cond */
            mc_method m = v < 2 ? MC_METHOD_BALL : v == 2 ? MC_METHOD_RADIAL
                        : v == 3 ? MC_METHOD_HIT : MC_METHOD_COND;
            mc_quantity qt = v == 1 ? MC_SURFACE : v >= 3 ? MC_ORIENT_AVG : MC_VOLUME;
            mc_problem p = {qt, d, 1, 0.95 * sqrt((double)d), c, NULL};
            mc_plan pl;
            char err[256];
            if (mc_plan_build(&p, m, 4242 + (uint64_t)d, 8, &pl, err, sizeof err) != 0)
                continue; /* e.g. radial without an interior point */
            uint64_t big = (1ull << 33) + 5;
            mc_plan_set_samples(&pl, (big + 1) * MC_BLOCK_SAMPLES + 77); /* partial last */
            const uint64_t blocks[3] = {0, 3, big + 1};
            for (int k = 0; k < 3; k++) {
                mc_accum acc;
                mc_accum_init(&acc, pl.kp.qmc_replicates);
                mc_cpu_run(&pl, blocks[k], blocks[k] + 1, 1, &acc, NULL, NULL, 0, 0);
                mc_block_acc ref;
                mc_cpu_block_reference(&pl, blocks[k], &ref);
                ok &= acc.hits == ref.hits && same_block_sums(&pl, &acc, &ref);
                cases++;
                /* companion: another seed, same block */
                mc_plan pl2 = pl;
                pl2.kp.seed ^= 1;
                mc_block_acc other;
                mc_cpu_block_reference(&pl2, blocks[k], &other);
                uint64_t nb = mc_plan_samples_in(&pl, blocks[k], blocks[k] + 1);
                /* seed-sensitive: not every sample 0 or every sample 1 (y ∈ [0, 1]) */
                int counts = m == MC_METHOD_BALL || m == MC_METHOD_HIT;
                double tot = counts ? (double)ref.hits : ref.sum;
                if (tot > 0 && tot < (double)nb) {
                    eligible++;
                    differ += other.hits != ref.hits || other.sum != ref.sum;
                }
            }
        }
    }
    CHECK_MSG(ok, "the vector Gaussian path differs from the per-sample code");
    CHECK_MSG(cases >= 100, "only %d cases ran", cases);
    CHECK_MSG(eligible >= 30 && differ >= eligible * 9 / 10,
              "a different seed changed only %d of %d blocks", differ, eligible);
}

/* The batch fold of the GPU backend against block-by-block folding: same bits, for cond
 * (plain) and qmc (replicate sums); a reversed order must differ. */
static void test_batch_fold(void)
{
    double c[8] = {0.2, -0.1, 0, 0.3, 0, 0, 0.1, 0};
    mc_problem p = {MC_VOLUME, 8, 1, 1.5, c, NULL};
    const mc_method ms[2] = {MC_METHOD_COND, MC_METHOD_QMC};
    enum { NB = 70000 }; /* past 2^16: the sliced, threaded fold */
    static double sum[NB], sum_sq[NB];
    uint64_t x = 12345;
    for (int i = 0; i < NB; i++) { /* sums of very different sizes: compensation matters */
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        sum[i] = (double)(x >> 11) * 0x1.0p-53 * pow(10, (int)(x % 9) - 4);
        sum_sq[i] = sum[i] * sum[i] * 1.5;
    }
    for (int k = 0; k < 2; k++) {
        mc_plan pl;
        char err[256];
        CHECK(mc_plan_build(&p, ms[k], 7, 8, &pl, err, sizeof err) == 0);
        mc_plan_set_samples(&pl, (uint64_t)(NB + 50) * MC_BLOCK_SAMPLES - 100);
        mc_accum a, b, r;
        mc_accum_init(&a, pl.kp.qmc_replicates);
        mc_accum_init(&b, pl.kp.qmc_replicates);
        mc_accum_init(&r, pl.kp.qmc_replicates);
        for (int i = 0; i < NB; i++) {
            mc_block_acc blk = {0, sum[i], sum_sq[i]};
            mc_accum_add(&a, &pl, 10 + (uint64_t)i, &blk);
            mc_block_acc rb = {0, sum[NB - 1 - i], sum_sq[NB - 1 - i]};
            mc_accum_add(&r, &pl, 10 + (uint64_t)i, &rb);
        }
        static double inter[2 * NB]; /* the GPU's interleaved (sum, sum_sq) layout */
        for (int i = 0; i < NB; i++) {
            inter[2 * i] = sum[i];
            inter[2 * i + 1] = sum_sq[i];
        }
        mc_accum_add_sums(&b, &pl, 10, 1000, sum, sum_sq, 1);
        mc_accum_add_sums(&b, &pl, 1010, NB - 1000, inter + 2000, inter + 2001, 2);
        CHECK_MSG(same_state(&a, &b), "%s: batch fold differs from block-by-block",
                  mc_method_name(ms[k]));
        /* the fold is exact, so the order of the blocks does not matter (a reversed order
           gives the same bits: ranks and checkpoints rely on it) ... */
        CHECK_MSG(mc_accum_sum(&a) == mc_accum_sum(&r) && mc_accum_sum_sq(&a) == mc_accum_sum_sq(&r),
                  "%s: the fold depends on the order of the blocks", mc_method_name(ms[k]));
        /* ... and it is the exactly rounded sum: ((2^53 + 1) - 2^53) needs every bit */
        mc_accum e;
        mc_accum_init(&e, 0);
        mc_block_acc big = {0, 0x1p53, 0}, one = {0, 1.0, 0}, neg = {0, -0x1p53, 0};
        mc_accum_add(&e, &pl, 1, &big);
        mc_accum_add(&e, &pl, 2, &one);
        mc_accum_add(&e, &pl, 3, &neg);
        CHECK_MSG(mc_accum_sum(&e) == 1.0, "%s: 2^53 + 1 - 2^53 = %g, not 1",
                  mc_method_name(ms[k]), mc_accum_sum(&e));
        /* companion: one block's value changed by one ulp changes the packed state */
        mc_block_acc blk = {0, nextafter(sum[5], 1.0), sum_sq[5]};
        mc_accum ch;
        mc_accum_init(&ch, pl.kp.qmc_replicates);
        for (int i = 0; i < NB; i++) {
            mc_block_acc bb = {0, sum[i], sum_sq[i]};
            mc_accum_add(&ch, &pl, 10 + (uint64_t)i, i == 5 ? &blk : &bb);
        }
        CHECK_MSG(!same_state(&a, &ch), "%s: a one-ulp change of one block was not seen",
                  mc_method_name(ms[k]));
    }
}

static void test_shared_math(void)
{
    /* the deterministic atan/asin/exp against libm, and the disc-in-square area of the
       qmc estimator against geom/'s closed form for d = 2 */
    double worst_atan = 0, worst_asin = 0, worst_exp = 0, worst_area = 0;
    mc_philox_state s;
    mc_philox_init(31, 0, 0, &s);
    for (int i = 0; i < 200000; i++) {
        double u = mc_philox_uniform_double(&s), v = mc_philox_uniform_double(&s);
        double x = (u - 0.5) * 40.0 * v;
        worst_atan = fmax(worst_atan, fabs(mc_exact_atan(x) - atan(x)) / fabs(atan(x)));
        double y = 2 * u - 1;
        worst_asin = fmax(worst_asin, fabs(mc_exact_asin(y) - asin(y)) / fmax(fabs(asin(y)), 1e-300));
        double e = -700.0 * v;
        worst_exp = fmax(worst_exp, fabs(mc_exact_exp(e) - exp(e)) / exp(e));
        if (i < 20000) {
            double c[2] = {3 * (u - 0.5), 3 * (v - 0.5)}, h = 2.0 * mc_philox_uniform_double(&s);
            double ref = geom_volume_closed_form_d123(2, 1.0, h, c);
            worst_area = fmax(worst_area, fabs(mc_disc_square(c[0], c[1], h, 1.0) - ref) /
                                              fmax(ref, 1e-3));
        }
    }
    printf("detmath vs libm: atan %.3g, asin %.3g, exp %.3g (relative); disc-in-square "
           "area vs geom %.3g\n", worst_atan, worst_asin, worst_exp, worst_area);
    CHECK(worst_atan < 1e-15);
    CHECK(worst_asin < 4e-15); /* a few ulp: the x > ½ branch doubles an atan */
    CHECK(worst_exp < 1e-15);
    CHECK(worst_area < 5e-12);
    CHECK(mc_exact_asin(1.0) == 1.5707963267948966 && mc_exact_asin(0.0) == 0.0);
    CHECK(mc_disc_square(0, 0, 10.0, 1.0) == 4.0); /* square inside the disc */
    CHECK(mc_disc_square(5, 0, 1.0, 1.0) == 0.0);  /* disjoint */
}

static void test_bad_input(void)
{
    double c[3] = {0, 0, NAN};
    mc_result res;
    CHECK(run(MC_VOLUME, 0, 1, 1, NULL, NULL, MC_METHOD_HIT, 10, 1, 0, &res) == MC_ERR_INVAL);
    CHECK(run(MC_VOLUME, 3, 0, 1, NULL, NULL, MC_METHOD_HIT, 10, 1, 0, &res) == MC_ERR_INVAL);
    CHECK(run(MC_VOLUME, 3, 1, -1, NULL, NULL, MC_METHOD_HIT, 10, 1, 0, &res) == MC_ERR_INVAL);
    CHECK(run(MC_VOLUME, 3, 1, 1, c, NULL, MC_METHOD_HIT, 10, 1, 0, &res) == MC_ERR_INVAL);
    double refl[4] = {1, 0, 0, -1}, skew[4] = {1, 0.1, 0, 1};
    CHECK(run(MC_VOLUME, 2, 1, 1, NULL, refl, MC_METHOD_HIT, 10, 1, 0, &res) == MC_ERR_INVAL);
    CHECK(run(MC_VOLUME, 2, 1, 1, NULL, skew, MC_METHOD_HIT, 10, 1, 0, &res) == MC_ERR_INVAL);
    /* the GPU backend without a device is a clear error, not a crash */
    if (mc_cuda_device_count() == 0) {
        mc_problem p = {MC_VOLUME, 3, 1, 1, NULL, NULL};
        mc_options o;
        mc_options_default(&o);
        o.backend = MC_BACKEND_CUDA;
        char err[256] = "";
        CHECK(mc_estimate(&p, &o, &res, err, sizeof err) == MC_ERR_NODEVICE && err[0]);
    }
    /* disjoint and r = 0: exactly zero */
    double far[3] = {5, 0, 0};
    CHECK(run(MC_VOLUME, 3, 1, 1, far, NULL, MC_METHOD_RADIAL, 1000, 1, 0, &res) == 0 &&
          res.estimate == 0);
    CHECK(run(MC_VOLUME, 3, 1, 0, NULL, NULL, MC_METHOD_TILT, 1000, 1, 0, &res) == 0 &&
          res.estimate == 0);
}

static void test_sobol_vectors(void)
{
    static uint32_t v[MC_MAX_DIM][32];
    mc_sobol_direction_vectors(MC_MAX_DIM, v);
    /* structural facts of any Sobol' table: v_j = m_j·2^(31−j) with m_j odd, so the
       lowest set bit of v_j is bit 31 − j; dimension 0 is van der Corput (m_j = 1) */
    int ok = 1;
    for (int d = 0; d < MC_MAX_DIM; d++)
        for (int j = 0; j < 32; j++)
            ok &= ((v[d][j] >> (31 - j)) & 1u) == 1u &&
                  (j == 31 || (v[d][j] & ((1u << (31 - j)) - 1u)) == 0);
    for (int j = 0; j < 32; j++)
        ok &= v[0][j] == 1u << (31 - j);
    CHECK(ok);
#ifdef SO8T_HAVE_CURAND_HOST
    curandDirectionVectors32_t *ref = NULL;
    CHECK(curandGetDirectionVectors32(&ref, CURAND_DIRECTION_VECTORS_32_JOEKUO6) ==
          CURAND_STATUS_SUCCESS);
    long bad = 0;
    for (int d = 0; ref && d < MC_MAX_DIM; d++)
        for (int j = 0; j < 32; j++)
            bad += ref[d][j] != v[d][j];
    CHECK_MSG(bad == 0, "%ld direction numbers differ from cuRAND's JOEKUO6", bad);
#else
    printf("SKIP: cuRAND host library not linked; Sobol' vectors not compared with it\n");
#endif
    /* RQMC + conditioning beats plain MC by a wide margin at the same N (d = 8, r = 1.5:
       the project notes (mc_methods.md) measured ~700x in variance) */
    double c[8] = {0};
    mc_result q, h;
    CHECK(run(MC_VOLUME, 8, 1, 1.5, c, NULL, MC_METHOD_QMC, 1u << 18, 4, 0, &q) == 0);
    CHECK(run(MC_VOLUME, 8, 1, 1.5, c, NULL, MC_METHOD_HIT, 1u << 18, 4, 0, &h) == 0);
    CHECK_MSG(h.std_error > 5 * q.std_error, "qmc se %.3g vs hit se %.3g", q.std_error,
              h.std_error);
}

int main(void)
{
    test_bad_input();
    test_shared_math();
    test_sobol_vectors();
    test_fast_generator_matches_reference();
    test_batch_fold();
    test_gauss_path_matches_reference();
    test_determinism();
    test_against_exact();
    test_wrong_radius_detected();
    test_orientation_average();
    return test_summary();
}
