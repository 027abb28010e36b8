/* test_mc_blocks.c — the specialised block evaluators of mc/sample_fast.h (what the CUDA
 * hit/cond kernels run) against the generic mc_block_eval of mc/sample.h, on the CPU with
 * the plain-C Philox: identical hit counts and identical sum bits for d = 1..20, 32, 64,
 * 100, 128, several seeds (including ones with a non-zero high word), block indices
 * (including ones past 2^32, where the counter's high word matters), centres on and off
 * the origin, several half-sides, and partial last blocks (N mod 1024 = 1023, 1022, 1021,
 * 3, 1), for the volume and for the complement's cond (the outside pieces). Companion checks: a reference that is one word out of step, and a centre 1e-9
 * off, must both be caught by the same comparison.
 */
#include "mc/mc_internal.h"
#include "mc/sample_fast.h"
#include "tests/test.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* A problem's plan with N samples; returns 0 when the plan was built. */
static int make_plan(mc_quantity q, int d, double a, double r, const double *c, mc_method m,
                     uint64_t seed, uint64_t samples, mc_plan *pl)
{
    mc_problem p = {q, d, a, r, c, NULL};
    char err[256];
    int st = mc_plan_build(&p, m, seed, 32, pl, err, sizeof err);
    if (st) {
        fprintf(stderr, "plan d=%d %s: %s\n", d, mc_method_name(m), err);
        return st;
    }
    mc_plan_set_samples(pl, samples);
    return 0;
}

/* The generic hit sample, but with the stream started `skip` words late (the companion:
 * a deliberately wrong evaluator the comparison must catch). */
static uint64_t hit_block_shifted(const mc_kparams *kp, uint64_t block, int skip)
{
    mc_words w;
    mc_words_init(&w, kp->seed, block);
    for (int k = 0; k < skip; k++)
        (void)mc_words_next(&w);
    uint64_t n = kp->samples - block * MC_BLOCK_SAMPLES;
    if (n > MC_BLOCK_SAMPLES)
        n = MC_BLOCK_SAMPLES;
    uint64_t hits = 0;
    for (uint64_t j = 0; j < n; j++)
        hits += (uint64_t)mc_sample_hit(kp, kp->center, &w);
    return hits;
}

static int same_bits(double x, double y) { return memcmp(&x, &y, sizeof x) == 0; }

static long n_compared, n_mismatch, n_trivial;

/* Compares one block of a hit or cond plan; counts mismatches (reported, not aborted). */
static void compare_block(const mc_plan *pl, uint64_t block)
{
    mc_fast_consts fc;
    int ok = mc_fast_setup(&pl->kp, &fc);
    CHECK(ok);
    if (!ok)
        return;
    mc_block_acc ref;
    mc_block_eval(&pl->kp, pl->sobol, block, &ref);
    uint32_t n = mc_block_samples(&pl->kp, block);
    int d = pl->kp.dim;
    n_compared++;
    if (pl->kp.method == MC_METHOD_HIT) {
        uint32_t h = mc_fast_hit_block(&pl->kp, &fc, d, block);
        if (ref.hits == 0 || ref.hits == n)
            n_trivial++;
        if (h != ref.hits) {
            n_mismatch++;
            fprintf(stderr, "hit d=%d seed=%llu block=%llu n=%u: fast %u, reference %llu\n", d,
                    (unsigned long long)pl->kp.seed, (unsigned long long)block, n, h,
                    (unsigned long long)ref.hits);
        }
    } else {
        double s, s2;
        mc_fast_cond_block(&pl->kp, &fc, d, block, &s, &s2);
        if (!(ref.sum > 0 && ref.sum < (double)n))
            n_trivial++;
        if (!same_bits(s, ref.sum) || !same_bits(s2, ref.sum_sq)) {
            n_mismatch++;
            fprintf(stderr,
                    "cond d=%d seed=%llu block=%llu n=%u: fast %.17g %.17g, reference %.17g "
                    "%.17g\n",
                    d, (unsigned long long)pl->kp.seed, (unsigned long long)block, n, s, s2,
                    ref.sum, ref.sum_sq);
        }
    }
}

int main(void)
{
    const int dims[] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13,
                        14, 15, 16, 17, 18, 19, 20, 32, 64, 100, 128};
    const int ndims = (int)(sizeof dims / sizeof dims[0]);
    const uint64_t seeds[] = {2026u, 0xfedcba9876543210ull, 1u};
    const double halves[] = {1.0, 0.75, 3.0}; /* 2a a power of two (multiplication) or not */
    /* N mod 1024 of the run: the last block's size is 1024 or this */
    const uint64_t tails[] = {0, 1023, 1022, 1021, 3, 1};

    for (int k = 0; k < ndims; k++) {
        int d = dims[k];
        for (int cc = 0; cc < 3; cc++) {
            double a = halves[cc];
            double c[MC_KMAX_DIM];
            double c2 = 0;
            for (int i = 0; i < d; i++) {
                /* on the origin, off-centre inside, one coordinate outside the cube */
                c[i] = cc == 0 ? 0.0 : cc == 1 ? 0.3 * a * sin(1.7 * i + 0.4)
                                                : (i == d - 1 ? 1.2 * a : -0.2 * a);
                c2 += c[i] * c[i];
            }
            /* a radius near the median of |x − c|: about half the samples inside */
            double r = sqrt(d * a * a / 3.0 + c2);
            /* m = 2: the complement's cond (the two outside pieces of each line) */
            for (int m = 0; m < 3; m++) {
                mc_method meth = m ? MC_METHOD_COND : MC_METHOD_HIT;
                if (meth == MC_METHOD_COND && d < 2)
                    continue;
                uint64_t seed = seeds[(k + cc + m) % 3];
                const uint64_t tail = tails[(k + 2 * cc + m) % 6];
                /* a small run: blocks 0..3, the last one partial */
                mc_plan pl;
                if (make_plan(m == 2 ? MC_COMPLEMENT : MC_VOLUME, d, a, r, c, meth, seed,
                              4 * 1024 - (tail ? 1024 - tail : 0), &pl)) {
                    CHECK(0);
                    continue;
                }
                for (uint64_t b = 0; b < 4; b++)
                    compare_block(&pl, b);
                /* a huge run: blocks past 2^32 (counter high word), and its partial end */
                uint64_t far = (1ull << 32) + 5 + (uint64_t)k;
                mc_plan_set_samples(&pl, (far + 1) * 1024 - tail);
                compare_block(&pl, 7 + (uint64_t)(cc * 1000));
                compare_block(&pl, far - 1);
                compare_block(&pl, far);
            }
        }
    }
    printf("compared %ld blocks: %ld mismatches, %ld with all or no samples inside\n",
           n_compared, n_mismatch, n_trivial);
    CHECK(n_compared > 500);
    CHECK(n_mismatch == 0);
    /* the comparisons mean something: most blocks are neither all in nor all out */
    CHECK(n_trivial * 10 < n_compared);

    /* the coordinate map: both exact forms of x − (2^31 − 1), times a·2^-31, equal the
       reference mc_coord bit for bit, at the ends and on a spread of words */
    {
        const double as[] = {1.0, 0.75, 3.0, 1e-200, 7.123456789e100};
        long bad = 0, n = 0;
        for (int k = 0; k < 5; k++) {
            mc_kparams kp;
            memset(&kp, 0, sizeof kp);
            kp.a = as[k];
            mc_fast_consts fc;
            mc_fast_setup(&kp, &fc);
            uint32_t x = 0;
            for (long j = 0; j < 200000; j++) {
                x = j < 8 ? (uint32_t[]){0u, 1u, 2u, 0x7ffffffeu, 0x7fffffffu, 0x80000000u,
                                         0xfffffffeu, 0xffffffffu}[j]
                          : x * 2654435761u + 0x9e3779b9u;
                double ref = mc_coord(x, kp.a);
                double f1 = fc.a2 * mc_fast_centred_cvt(x);
                double f2 = fc.a2 * mc_fast_centred_bits(x);
                bad += !same_bits(f1, ref) || !same_bits(f2, ref) ||
                       !same_bits(mc_fast_coord(x, fc.a2), ref);
                n++;
            }
        }
        CHECK(n == 1000000);
        /* the cond denominator: a multiplication exactly when 2a is a power of two */
        const double pa[] = {1.0, 0.5, 0.25, 64.0, 0.75, 3.0, 1e-200};
        const int pow2[] = {1, 1, 1, 1, 0, 0, 0};
        for (int k = 0; k < 7; k++) {
            mc_kparams kq;
            memset(&kq, 0, sizeof kq);
            kq.a = pa[k];
            mc_fast_consts fq;
            mc_fast_setup(&kq, &fq);
            CHECK((fq.inv_two_a != 0.0) == pow2[k]);
            double x = 0.123456789 * pa[k];
            CHECK(same_bits(mc_over_two_a(x, pa[k], fq.inv_two_a), x / (2.0 * pa[k])));
        }
        CHECK(bad == 0);
        /* companion: a map with a one-unit offset (x − 2^31) is caught */
        long caught = 0;
        for (uint32_t x = 1; x < 1000; x++)
            caught += !same_bits((1.0 / 2147483648.0) * ((double)x - 2147483648.0),
                                 mc_coord(x, 1.0));
        CHECK(caught == 999);
    }

    /* where the fast path must refuse */
    {
        mc_plan pl;
        mc_fast_consts fc;
        double c[8] = {0};
        CHECK(make_plan(MC_VOLUME, 8, 1.0, 1.5, c, MC_METHOD_HIT, 1, 1024, &pl) == 0);
        CHECK(mc_fast_setup(&pl.kp, &fc) == 1);
        CHECK(make_plan(MC_ORIENT_AVG, 8, 1.0, 1.5, c, MC_METHOD_HIT, 1, 1024, &pl) == 0);
        CHECK(mc_fast_setup(&pl.kp, &fc) == 0);
        CHECK(make_plan(MC_VOLUME, 8, 1.0, 1.5, c, MC_METHOD_BALL, 1, 1024, &pl) == 0);
        CHECK(mc_fast_setup(&pl.kp, &fc) == 0);
        CHECK(make_plan(MC_VOLUME, 8, 1.0, 1.5, c, MC_METHOD_RADIAL, 1, 1024, &pl) == 0);
        CHECK(mc_fast_setup(&pl.kp, &fc) == 0);
        /* a·2^-31 subnormal: not exact, keep the generic path (an ordinary radius: a tiny
           one would make the plan scale every length by 2^-ilogb(r)) */
        CHECK(make_plan(MC_VOLUME, 8, 1e-300, 1.0, c, MC_METHOD_HIT, 1, 1024, &pl) == 0);
        CHECK(mc_fast_setup(&pl.kp, &fc) == 0);
        /* a tiny but still exact: the fast path applies and agrees */
        CHECK(make_plan(MC_VOLUME, 3, 1e-200, 1.1e-200, c, MC_METHOD_HIT, 9, 3000, &pl) == 0);
        CHECK(mc_fast_setup(&pl.kp, &fc) == 1);
        long before = n_mismatch;
        for (uint64_t b = 0; b < 3; b++)
            compare_block(&pl, b);
        CHECK(n_mismatch == before);
    }

    /* companion 1: a reference one word out of step disagrees with the fast count, in
       every dimension class (d mod 4 = 0..3) */
    {
        int caught = 0, tried = 0;
        for (int d = 2; d <= 9; d++) {
            mc_plan pl;
            double c[16] = {0};
            if (make_plan(MC_VOLUME, d, 1.0, sqrt(d / 3.0), c, MC_METHOD_HIT, 2026, 4096, &pl))
                continue;
            mc_fast_consts fc;
            mc_fast_setup(&pl.kp, &fc);
            uint64_t good = hit_block_shifted(&pl.kp, 1, 0);
            uint64_t bad = hit_block_shifted(&pl.kp, 1, 1);
            uint32_t fast = mc_fast_hit_block(&pl.kp, &fc, d, 1);
            tried++;
            CHECK(good == fast); /* the test's own reference, unshifted, agrees */
            caught += bad != fast;
        }
        CHECK(tried == 8);
        CHECK(caught == tried);
    }
    /* companion 2: a centre 1e-9 off changes the cond sum bits (the values stay close) */
    {
        double c[8] = {0.1, 0.2, 0.3, 0.1, 0.2, 0.3, 0.1, 0.2}, c1[8];
        memcpy(c1, c, sizeof c);
        c1[3] += 1e-9;
        mc_plan p0, p1;
        CHECK(make_plan(MC_VOLUME, 8, 1.0, 1.5, c, MC_METHOD_COND, 5, 1024, &p0) == 0);
        CHECK(make_plan(MC_VOLUME, 8, 1.0, 1.5, c1, MC_METHOD_COND, 5, 1024, &p1) == 0);
        mc_fast_consts fc;
        mc_fast_setup(&p1.kp, &fc);
        mc_block_acc ref;
        mc_block_eval(&p0.kp, (const uint32_t(*)[32])p0.sobol, 0, &ref);
        double s, s2;
        mc_fast_cond_block(&p1.kp, &fc, 8, 0, &s, &s2);
        CHECK(!same_bits(s, ref.sum));
        CHECK(fabs(s - ref.sum) < 1e-6 * ref.sum); /* ... while the values are close */
    }
    return test_summary();
}
