/* test_mc_blocks2.c — the specialised block evaluators for ball (volume and surface),
 * radial, tilt, qmc and the orientation average (hit, cond) of mc/sample_fast.h — what
 * the CUDA kernels run — against the generic mc_block_eval of mc/sample.h, on the CPU with the
 * plain-C Philox: identical hit counts and identical sum / sum_sq bits for d = 1..20, 32,
 * 64, three seeds (one with a non-zero high word), blocks 0..3 of a small run with a
 * partial last block, blocks past 2^32 (the counter's high word) and the partial last block
 * of a huge run, centres on the origin, off-centre inside and with one coordinate outside
 * the cube, two half-sides (2a a power of two or not), and for tilt two radii (uniform and
 * normal proposals), the complement's corner tilt (θ < 0) at two radii and the tilt's offset
 * form (a centre far out on a huge cube); qmc on blocks of several replicates and point ranges, including
 * points past 2^32.
 *
 * Companion checks (the comparison can fail): the same comparison must catch a ball
 * reference whose stream starts one word late, a radial reference with the interior point
 * moved by 1e-9, a tilt evaluator given a different θ, and an orientation evaluator whose
 * reader starts at the wrong word offset; and mc_fast_kind must route each problem to the
 * right evaluator (hit, cond and the orientation average with inexact a·2^-31 stay
 * generic).
 */
#include "mc/mc_internal.h"
#include "mc/sample_fast.h"
#include "tests/test.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

static int make_plan(mc_quantity q, int d, double a, double r, const double *c, mc_method m,
                     uint64_t seed, uint64_t samples, mc_plan *pl)
{
    mc_problem p = {q, d, a, r, c, NULL};
    char err[256];
    int st = mc_plan_build(&p, m, seed, 32, pl, err, sizeof err);
    if (st) {
        fprintf(stderr, "plan d=%d %s q=%d: %s\n", d, mc_method_name(m), (int)q, err);
        return st;
    }
    mc_plan_set_samples(pl, samples);
    return 0;
}

static int same_bits(double x, double y) { return memcmp(&x, &y, sizeof x) == 0; }

/* The direction vectors of the plan being compared (qmc). */
static const uint32_t (*qmc_sobol)[32];

/* Runs the specialised evaluator of `kind` on one block. */
static void fast_eval(int kind, const mc_kparams *kp, const mc_fast_consts *fc, uint64_t block,
                      mc_block_acc *out)
{
    int d = kp->dim;
    out->hits = 0;
    out->sum = out->sum_sq = 0.0;
    switch (kind) {
    case MC_FAST_BALL:
        out->hits = mc_fast_ball_block(kp, fc, d, block);
        break;
    case MC_FAST_RADIAL:
        mc_fast_radial_block(kp, fc, d, block, &out->sum, &out->sum_sq);
        break;
    case MC_FAST_TILT:
        mc_fast_tilt_block(kp, fc, d, block, &out->sum, &out->sum_sq);
        break;
    case MC_FAST_ORIENT_HIT:
        out->hits = mc_fast_orient_hit_block(kp, fc, d, block);
        break;
    case MC_FAST_ORIENT_COND:
        mc_fast_orient_cond_block(kp, fc, d, block, &out->sum, &out->sum_sq);
        break;
    case MC_FAST_QMC:
        mc_fast_qmc_block(kp, (const uint32_t(*)[32])qmc_sobol, d, block, &out->sum,
                          &out->sum_sq);
        break;
    default:
        break;
    }
}

static const char *kind_name(int kind)
{
    static const char *names[] = {"none", "hit", "cond", "ball", "radial", "tilt",
                                  "orient-hit", "orient-cond", "qmc"};
    return kind >= 0 && kind <= 8 ? names[kind] : "?";
}

static long n_compared[9], n_mismatch, n_trivial[9];

static void compare_block(const mc_plan *pl, int want_kind, uint64_t block)
{
    mc_fast_consts fc;
    int kind = mc_fast_kind(&pl->kp, &fc);
    CHECK(kind == want_kind);
    if (kind != want_kind)
        return;
    mc_block_acc ref, got;
    mc_block_eval(&pl->kp, (const uint32_t(*)[32])pl->sobol, block, &ref);
    qmc_sobol = (const uint32_t(*)[32])pl->sobol;
    fast_eval(kind, &pl->kp, &fc, block, &got);
    uint32_t n = mc_block_samples(&pl->kp, block);
    n_compared[kind]++;
    int counts = kind == MC_FAST_BALL || kind == MC_FAST_ORIENT_HIT;
    if (counts ? (ref.hits == 0 || ref.hits == n) : !(ref.sum > 0 && ref.sum_sq < ref.sum))
        n_trivial[kind]++;
    if (got.hits != ref.hits || !same_bits(got.sum, ref.sum) ||
        !same_bits(got.sum_sq, ref.sum_sq)) {
        n_mismatch++;
        fprintf(stderr,
                "%s q=%d d=%d seed=%llu block=%llu n=%u: fast %llu %.17g %.17g, reference "
                "%llu %.17g %.17g\n",
                kind_name(kind), pl->kp.quantity, pl->kp.dim, (unsigned long long)pl->kp.seed,
                (unsigned long long)block, n, (unsigned long long)got.hits, got.sum,
                got.sum_sq, (unsigned long long)ref.hits, ref.sum, ref.sum_sq);
    }
}

/* One problem: blocks 0..3 of a 4-block run (last one partial), then blocks of a run past
 * 2^32 blocks with its partial end. */
static void compare_problem(mc_quantity q, int d, double a, double r, const double *c,
                            mc_method m, uint64_t seed, uint64_t tail, int kind, int salt)
{
    mc_plan pl;
    if (make_plan(q, d, a, r, c, m, seed, 4 * 1024 - (tail ? 1024 - tail : 0), &pl)) {
        CHECK(0);
        return;
    }
    for (uint64_t b = 0; b < 4; b++)
        compare_block(&pl, kind, b);
    uint64_t far = (1ull << 32) + 5 + (uint64_t)salt;
    mc_plan_set_samples(&pl, (far + 1) * 1024 - tail);
    compare_block(&pl, kind, 11 + (uint64_t)salt * 1000);
    compare_block(&pl, kind, far);
}

/* qmc: whole blocks only; R = 32 replicates interleaved. Blocks of the first and of
 * later replicates and points, of a run with 4 blocks per replicate, then of one with
 * 2^36 points per replicate (k0 past 2^32). */
static void compare_qmc(int d, double a, double r, const double *c, uint64_t seed, int salt)
{
    mc_plan pl;
    if (make_plan(MC_VOLUME, d, a, r, c, MC_METHOD_QMC, seed, 4 * 1024 * 32, &pl)) {
        CHECK(0);
        return;
    }
    const uint64_t blocks[] = {0, 1, 31, 32, 33 + (uint64_t)(salt % 30), 127};
    for (int k = 0; k < 6; k++)
        compare_block(&pl, MC_FAST_QMC, blocks[k]);
    mc_plan_set_samples(&pl, (1ull << 36) * 32);
    compare_block(&pl, MC_FAST_QMC, (1ull << 30) + 3 + (uint64_t)salt); /* k0 ≈ 2^35 */
}

int main(void)
{
    const int dims[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 32,
                        64};
    const int ndims = (int)(sizeof dims / sizeof dims[0]);
    const uint64_t seeds[] = {2026u, 0xfedcba9876543210ull, 1u};
    const double halves[] = {1.0, 0.75, 1.0};
    const uint64_t tails[] = {0, 1023, 1022, 1021, 3, 1};

    for (int k = 0; k < ndims; k++) {
        int d = dims[k];
        for (int cc = 0; cc < 3; cc++) {
            double a = halves[cc];
            double c[MC_KMAX_DIM];
            double c2 = 0;
            for (int i = 0; i < d; i++) {
                c[i] = cc == 0 ? 0.0 : cc == 1 ? 0.3 * a * sin(1.7 * i + 0.4)
                                                : (i == d - 1 ? 1.2 * a : -0.2 * a);
                c2 += c[i] * c[i];
            }
            /* ball / radial: a radius where the ball sticks out of the cube but a sizeable
               part of it is inside; hit-type: near the median of |x − c| */
            double rb = a * (1.0 + 0.4 * (sqrt((double)d) - 1.0));
            double rh = sqrt(d * a * a / 3.0 + c2);
            uint64_t seed = seeds[(k + cc) % 3];
            int salt = k * 3 + cc;
#define TAIL(j) tails[(k + 2 * cc + (j)) % 6]
            compare_problem(MC_VOLUME, d, a, rb, c, MC_METHOD_BALL, seed, TAIL(0), MC_FAST_BALL,
                            salt);
            compare_problem(MC_SURFACE, d, a, rb, c, MC_METHOD_BALL, seeds[(k + cc + 1) % 3],
                            TAIL(1), MC_FAST_BALL, salt);
            compare_problem(MC_VOLUME, d, a, rb, c, MC_METHOD_RADIAL, seeds[(k + cc + 2) % 3],
                            TAIL(2), MC_FAST_RADIAL, salt);
            /* tilt: just below the median (small θ > 0: uniform proposals), and well below
               it (large θ: normal proposals) */
            compare_problem(MC_VOLUME, d, a, 0.92 * rh, c, MC_METHOD_TILT, seed, TAIL(3),
                            MC_FAST_TILT, salt);
            compare_problem(MC_VOLUME, d, a, 0.4 * rh, c, MC_METHOD_TILT, seeds[(k + 1) % 3],
                            TAIL(4), MC_FAST_TILT, salt);
            /* the complement's corner tilt (θ < 0, uniform proposals accepted with
               e^{|θ|(dx² − max)}, weight 1{S > r²}): just above the median and well above
               (d <= 20, two blocks: a rejection sampler with several proposals per
               coordinate) */
            if (d <= 20 && k % 2 == 0) {
                mc_plan pl;
                uint64_t far = (1ull << 32) + 7 + (uint64_t)salt;
                if (make_plan(MC_COMPLEMENT, d, a, (cc == 1 ? 1.3 : 1.05) * rh, c, MC_METHOD_TILT,
                              seeds[(k + 2) % 3], (far + 1) * 1024 - TAIL(5), &pl) == 0) {
                    compare_block(&pl, MC_FAST_TILT, 3 + (uint64_t)salt);
                    compare_block(&pl, MC_FAST_TILT, far);
                } else {
                    CHECK(0);
                }
            }
            /* orientation average: |c| as the centre's norm (the origin for cc = 0) */
            compare_problem(MC_ORIENT_AVG, d, a, rh, c, MC_METHOD_HIT, seed, TAIL(5),
                            MC_FAST_ORIENT_HIT, salt);
            compare_problem(MC_ORIENT_AVG, d, a, rh, c, MC_METHOD_COND, seeds[(k + 2) % 3],
                            TAIL(0), MC_FAST_ORIENT_COND, salt);
            compare_qmc(d, a, rh, c, seeds[(k + cc + 1) % 3], salt);
#undef TAIL
        }
    }
    long total = 0;
    for (int kind = MC_FAST_BALL; kind <= MC_FAST_QMC; kind++) {
        printf("%-11s compared %4ld blocks, %3ld trivial (all or no samples in / zero sum)\n",
               kind_name(kind), n_compared[kind], n_trivial[kind]);
        total += n_compared[kind];
        /* every evaluator ran, and its comparisons mean something */
        CHECK(n_compared[kind] >= 100);
        CHECK(n_trivial[kind] * 4 < n_compared[kind]);
    }
    printf("compared %ld blocks: %ld mismatches\n", total, n_mismatch);
    CHECK(n_mismatch == 0);

    /* the tilt cases used both proposal kinds somewhere */
    {
        int seen_normal = 0, seen_uniform = 0;
        for (int d = 2; d <= 16; d += 7) {
            double c[16] = {0};
            c[0] = 0.5;
            for (int f = 0; f < 2; f++) {
                mc_plan pl;
                double rh = sqrt(d / 3.0 + 0.25);
                if (make_plan(MC_VOLUME, d, 1.0, (f ? 0.4 : 0.92) * rh, c, MC_METHOD_TILT, 3,
                              1024, &pl))
                    continue;
                for (int i = 0; i < d; i++) {
                    seen_normal |= pl.kp.tilt_normal[i] != 0;
                    seen_uniform |= pl.kp.tilt_normal[i] == 0;
                }
            }
        }
        CHECK(seen_normal && seen_uniform);
    }

    /* the tilt's offset form (tilt_normal = 2: a centre 2^24 σ out, on the face of a huge
       cube, where c + σz would lose σz's digits) and the corner tilt's θ < 0 */
    {
        int seen_offsets = 0, seen_corner = 0, seen_weak = 0;
        long before = n_mismatch;
        for (int d = 1; d <= 9; d += 4) {
            double c[16] = {0};
            c[0] = 0x1p24;
            mc_plan pl;
            if (make_plan(MC_VOLUME, d, 0x1p24, 1.5, c, MC_METHOD_TILT, 5, 4096, &pl) == 0) {
                seen_offsets |= pl.kp.tilt_normal[0] == 2;
                for (uint64_t b = 0; b < 4; b++)
                    compare_block(&pl, MC_FAST_TILT, b);
            }
            /* the corner tilt strong (chord-envelope proposals, tilt_normal = 3) and weak
               (uniform proposals) */
            double c0[16] = {0};
            if (make_plan(MC_COMPLEMENT, d, 1.0, 1.2 * sqrt(d / 3.0), c0, MC_METHOD_TILT, 5,
                          1024, &pl) == 0)
                seen_corner |= pl.kp.tilt_theta < 0 && pl.kp.tilt_normal[0] == 3;
            if (make_plan(MC_COMPLEMENT, d, 1.0, 1.01 * sqrt(d / 3.0), c0, MC_METHOD_TILT, 5,
                          1024, &pl) == 0)
                seen_weak |= pl.kp.tilt_theta < 0 && pl.kp.tilt_normal[0] == 0;
        }
        CHECK(seen_offsets && seen_corner && seen_weak);
        CHECK(n_mismatch == before);
    }

    /* routing: which problems take which evaluator */
    {
        mc_plan pl;
        mc_fast_consts fc;
        double c[8] = {0.1, 0, 0, 0, 0, 0, 0, 0};
        CHECK(make_plan(MC_VOLUME, 8, 1.0, 1.5, c, MC_METHOD_HIT, 1, 1024, &pl) == 0);
        CHECK(mc_fast_kind(&pl.kp, &fc) == MC_FAST_HIT);
        CHECK(make_plan(MC_VOLUME, 8, 1.0, 1.5, c, MC_METHOD_COND, 1, 1024, &pl) == 0);
        CHECK(mc_fast_kind(&pl.kp, &fc) == MC_FAST_COND);
        CHECK(make_plan(MC_VOLUME, 8, 1.0, 1.5, c, MC_METHOD_QMC, 1, 1024, &pl) == 0);
        CHECK(mc_fast_kind(&pl.kp, &fc) == MC_FAST_QMC);
        CHECK(make_plan(MC_VOLUME, 8, 1.0, 1.5, c, MC_METHOD_BALL, 1, 1024, &pl) == 0);
        CHECK(mc_fast_kind(&pl.kp, &fc) == MC_FAST_BALL);
        CHECK(mc_fast_setup(&pl.kp, &fc) == 0); /* the hit/cond gate is unchanged */
        /* a·2^-31 subnormal: ball does not use it (fast), the orientation average does.
           (An ordinary radius: with r tiny too, the plan would scale both by 2^-ilogb(r).) */
        CHECK(make_plan(MC_VOLUME, 3, 1e-300, 1.0, c, MC_METHOD_BALL, 1, 1024, &pl) == 0);
        CHECK(mc_fast_kind(&pl.kp, &fc) == MC_FAST_BALL);
        CHECK(make_plan(MC_ORIENT_AVG, 3, 1e-300, 1.0, c, MC_METHOD_HIT, 1, 1024, &pl) == 0);
        CHECK(mc_fast_kind(&pl.kp, &fc) == MC_FAST_NONE);
        /* ... and the fast ball agrees there too */
        CHECK(make_plan(MC_VOLUME, 3, 1e-300, 1.0, c, MC_METHOD_BALL, 1, 3000, &pl) == 0);
        long before = n_mismatch;
        for (uint64_t b = 0; b < 3; b++)
            compare_block(&pl, MC_FAST_BALL, b);
        CHECK(n_mismatch == before);
    }

    /* companion 1: a ball reference one word late disagrees (volume, every d mod 4; a
       count can agree by chance, so over 4 blocks) */
    {
        int caught = 0, tried = 0;
        for (int d = 2; d <= 9; d++) {
            mc_plan pl;
            double c[16] = {0};
            if (make_plan(MC_VOLUME, d, 1.0, 1.0 + 0.4 * (sqrt((double)d) - 1.0), c,
                          MC_METHOD_BALL, 2026, 4096, &pl))
                continue;
            mc_fast_consts fc;
            mc_fast_kind(&pl.kp, &fc);
            int same = 1, differs = 0;
            for (uint64_t blk = 0; blk < 4; blk++) {
                uint64_t good = 0, bad = 0;
                for (int skip = 0; skip < 2; skip++) {
                    mc_words w;
                    mc_words_init(&w, pl.kp.seed, blk);
                    for (int s = 0; s < skip; s++)
                        (void)mc_words_next(&w);
                    double g[MC_KMAX_DIM];
                    uint64_t h = 0;
                    for (int j = 0; j < 1024; j++)
                        h += (uint64_t)mc_sample_ball(&pl.kp, &w, g);
                    *(skip ? &bad : &good) = h;
                }
                uint32_t fast = mc_fast_ball_block(&pl.kp, &fc, d, blk);
                same &= good == fast;
                differs |= bad != fast;
            }
            tried++;
            CHECK(same); /* the test's own reference, unshifted, agrees */
            caught += differs;
        }
        CHECK(tried == 8);
        CHECK(caught == tried);
    }
    /* companion 2: radial with the interior point moved by 1e-9 changes the sum bits */
    {
        double c[8] = {0.1, 0.2, 0.3, 0.1, 0.2, 0.3, 0.1, 0.2};
        mc_plan p0;
        CHECK(make_plan(MC_VOLUME, 8, 1.0, 1.7, c, MC_METHOD_RADIAL, 5, 1024, &p0) == 0);
        mc_block_acc ref, got;
        mc_block_eval(&p0.kp, (const uint32_t(*)[32])p0.sobol, 0, &ref);
        mc_fast_consts fc;
        CHECK(mc_fast_kind(&p0.kp, &fc) == MC_FAST_RADIAL);
        p0.kp.point[3] += 1e-9;
        fast_eval(MC_FAST_RADIAL, &p0.kp, &fc, 0, &got);
        CHECK(!same_bits(got.sum, ref.sum));
        CHECK(fabs(got.sum - ref.sum) < 1e-6 * ref.sum);
    }
    /* companion 3: tilt with θ one part in 1e12 off changes the sum bits */
    {
        double c[8] = {0.4, 0.2, 0.3, 0.1, 0.2, 0.3, 0.1, 0.2};
        mc_plan p0;
        CHECK(make_plan(MC_VOLUME, 8, 1.0, 1.0, c, MC_METHOD_TILT, 5, 4096, &p0) == 0);
        mc_block_acc ref, got;
        mc_block_eval(&p0.kp, (const uint32_t(*)[32])p0.sobol, 2, &ref);
        mc_fast_consts fc;
        CHECK(mc_fast_kind(&p0.kp, &fc) == MC_FAST_TILT);
        fast_eval(MC_FAST_TILT, &p0.kp, &fc, 2, &got);
        CHECK(same_bits(got.sum, ref.sum));
        p0.kp.tilt_theta *= 1.0 + 1e-12;
        fast_eval(MC_FAST_TILT, &p0.kp, &fc, 2, &got);
        CHECK(!same_bits(got.sum, ref.sum));
    }
    /* companion 4: an orientation reader started at the wrong word offset (pos = 1: the
       stream shifted by three words) is caught, for hit and cond */
    {
        double c[5] = {0.3, 0.1, 0.2, 0.0, 0.1};
        for (int m = 0; m < 2; m++) {
            mc_plan p0;
            CHECK(make_plan(MC_ORIENT_AVG, 5, 1.0, 1.3, c, m ? MC_METHOD_COND : MC_METHOD_HIT, 9,
                            1024, &p0) == 0);
            mc_block_acc ref;
            mc_block_eval(&p0.kp, (const uint32_t(*)[32])p0.sobol, 0, &ref);
            mc_fast_consts fc;
            mc_fast_kind(&p0.kp, &fc);
            mc_fast_words fw;
            mc_fw_init(&fw, 0);
            fw.pos = 1; /* wrong: words 1..3 of a zero group come first */
            double sum = 0, hits = 0;
            for (int j = 0; j < 1024; j++) {
                double y = mc_fast_orient_sample(&p0.kp, &fc, 5, m, &fw);
                sum += y;
                hits += y != 0.0;
            }
            if (m)
                CHECK(!same_bits(sum, ref.sum));
            else
                CHECK((uint64_t)hits != ref.hits);
        }
    }
    return test_summary();
}
