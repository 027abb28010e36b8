/* test_mc_intervals.c — the classes of issue 16 about what an MC result claims:
 *   1. auto with a zero-variance pilot: d = 64, r = 6 (the ball covers all but 2e-9 of the
 *      cube) picks an estimator that meets --rel-err 0.01 at once, not radial at 18 %;
 *   2. intervals that include the rounding of the sums (d = 1 qmc: 1.2999999999999756 ±
 *      8e-17 excluded 1.3); the z-score of a se = 0 result is 0 inside its rounding bound
 *      and infinite outside; cond/qmc/tilt with no contributing sample give a one-sided
 *      upper bound, not [0, 0];
 *   3. rare counts: 0..2 misses of the ball in the 16-cube (verify's row) are not 5-sigma
 *      events; the interval of k = n hits is one-sided and covers;
 *   4. --rel-err: target_met, both ways.
 * Exact values from geom/ (independent of mc/); a wrong exact value must fail each check.
 */
#include "geom/geom.h"
#include "mc/mc.h"
#include "tests/support/mc_ref.h"
#include "tests/test.h"

#include <string.h>

static double exact_of(mc_quantity q, int d, double r, const double *c, double *err_out)
{
    geom_problem gp = {d, 1.0, r, c, NULL};
    geom_result gr;
    char err[256];
    int st = q == MC_SURFACE ? geom_surface_exact(&gp, &gr, err, sizeof err)
                             : geom_volume_exact(&gp, &gr, err, sizeof err);
    CHECK(st == 0);
    if (err_out)
        *err_out = gr.error_bound;
    return st == 0 ? gr.value : NAN;
}

static mc_result run(mc_quantity q, int d, double r, const double *c, mc_method m, uint64_t n,
                     uint64_t seed, double rel_err)
{
    mc_problem p = {q, d, 1.0, r, c, NULL};
    mc_options o = mc_test_options(m, MC_BACKEND_CPU, n, seed);
    o.rel_err = rel_err;
    o.threads = 1;
    mc_result res;
    char err[256];
    int st = mc_estimate(&p, &o, &res, err, sizeof err);
    CHECK_MSG(st == MC_OK, "mc_estimate: %s", err);
    return res;
}

static int covers(const mc_result *r, double exact, double err)
{
    return r->ci95[0] <= exact + err && exact - err <= r->ci95[1];
}

int main(void)
{
    double c0[64] = {0};

    /* 1. auto at d = 64, r = 6: a pilot without a miss is nearly exact, not useless */
    {
        double xe, x = exact_of(MC_VOLUME, 64, 6.0, c0, &xe);
        mc_result r = run(MC_VOLUME, 64, 6.0, c0, MC_METHOD_AUTO, 1u << 22, 1, 0.01);
        printf("d=64 r=6 auto: %s, %llu samples, rel half-width %.3g: %s\n",
               mc_method_name(r.method), (unsigned long long)r.samples, r.rel_half_width,
               r.auto_reason);
        CHECK(r.method != MC_METHOD_RADIAL);
        CHECK(r.target_met == 1);
        CHECK(r.rel_half_width <= 0.01);
        CHECK(r.samples <= (1u << 19)); /* the first batch */
        CHECK(covers(&r, x, xe));
        CHECK(fabs(mc_result_z(&r, x, xe)) <= 5);
        CHECK(strstr(r.auto_reason, "rule of three") != NULL);
        CHECK(fabs(r.fraction_of_cube - 1) < 1e-4); /* not the 1.04 radial gave */
    }

    /* 2a. rounding: d = 1 qmc and cond are exact but for rounding; the interval holds it */
    {
        double c[1] = {0.5};
        double x = exact_of(MC_VOLUME, 1, 0.8, c, NULL);
        CHECK(x == 1.3);
        static const mc_method ms[] = {MC_METHOD_QMC, MC_METHOD_COND};
        for (int i = 0; i < 2; i++) {
            mc_result r = run(MC_VOLUME, 1, 0.8, c, ms[i], 1u << 20, 1, 0);
            CHECK(r.rounding_bound > 0 && r.rounding_bound < 1e-9);
            CHECK(covers(&r, 1.3, 0));
            CHECK(mc_result_z(&r, 1.3, 0) == 0);            /* within the rounding bound */
            CHECK(!covers(&r, 1.3 * (1 + 1e-9), 0));        /* but it is a real bound */
            CHECK(fabs(mc_result_z(&r, 1.3 * (1 + 1e-9), 0)) > 5);
        }
        /* d = 2 qmc: deterministic too (both coordinates integrated) */
        double c2[2] = {0.5, 0.5};
        double x2e, x2 = exact_of(MC_VOLUME, 2, 0.8, c2, &x2e);
        mc_result r2 = run(MC_VOLUME, 2, 0.8, c2, MC_METHOD_QMC, 1u << 18, 3, 0);
        CHECK(covers(&r2, x2, x2e));
        CHECK(fabs(mc_result_z(&r2, x2, x2e)) <= 5);
        CHECK(fabs(mc_result_z(&r2, x2 * (1 + 1e-6), 0)) > 5); /* its bound is √(2u)·(r/a)² */
    }

    /* 2b. no contributing sample: a one-sided upper bound that covers the exact value */
    {
        double c[3] = {1.5, 0, 0}; /* a cap 1e-6 deep */
        double x = exact_of(MC_VOLUME, 3, 0.500001, c, NULL);
        CHECK(x > 0);
        static const mc_method ms[] = {MC_METHOD_COND, MC_METHOD_QMC, MC_METHOD_HIT};
        for (int i = 0; i < 3; i++) {
            mc_result r = run(MC_VOLUME, 3, 0.500001, c, ms[i], 4096, 7, 0);
            CHECK(r.estimate == 0);
            CHECK(r.ci_one_sided == 1);
            CHECK(r.ci95[0] == 0 && r.ci95[1] > 0);
            CHECK(r.ci95[1] >= x);
            CHECK(r.ci95[1] <= 8.0 * 4.0 / (double)r.samples); /* ~3/n of the cube, not more */
            CHECK(fabs(mc_result_z(&r, x, 0)) <= 2);
            CHECK(mc_result_z(&r, 8.0 * 5.0 / (double)r.samples, 0) < -1.96); /* too big */
        }
        /* tilt with a tiny intersection at d = 64: nothing contributes in 1024 samples? then
           the bound must still be above the truth */
        double cv[64];
        for (int i = 0; i < 64; i++)
            cv[i] = 1.0;
        double xv = exact_of(MC_VOLUME, 64, 2.0, cv, NULL);
        mc_result rv = run(MC_VOLUME, 64, 2.0, cv, MC_METHOD_TILT, 1024, 1, 0);
        CHECK(covers(&rv, xv, 0) || fabs(mc_result_z(&rv, xv, 0)) <= 5);
    }

    /* 3. rare counts: the ball in the 16-cube (r = 1.2) misses the cube rarely; seeds with
       0..2 misses in 2^16 samples failed verify under the Wald rule */
    {
        double xe, x = exact_of(MC_VOLUME, 16, 1.2, c0, &xe);
        int seen_few = 0;
        for (uint64_t seed = 1; seed <= 40; seed++) {
            mc_result r = run(MC_VOLUME, 16, 1.2, c0, MC_METHOD_BALL, 1u << 16, seed, 0);
            uint64_t misses = r.samples - r.hits;
            seen_few += misses <= 2;
            CHECK_MSG(fabs(mc_result_z(&r, x, xe)) <= 5, "seed %llu: %llu misses, z %.2f",
                      (unsigned long long)seed, (unsigned long long)misses,
                      mc_result_z(&r, x, xe));
            if (misses == 0) {
                CHECK(r.ci_one_sided == 1);
                CHECK(covers(&r, x, xe));
            }
        }
        CHECK(seen_few > 0); /* the test exercises the rare case */
        /* and a wrong radius is still caught */
        mc_result r = run(MC_VOLUME, 16, 1.2, c0, MC_METHOD_BALL, 1u << 16, 1, 0);
        CHECK(fabs(mc_result_z(&r, exact_of(MC_VOLUME, 16, 1.19, c0, NULL), 0)) > 5);
        /* all hits: a one-sided interval that holds the exact (just below the cube) */
        double c3[3] = {0, 0, 0};
        double x3 = exact_of(MC_VOLUME, 3, 1.73, c3, NULL); /* corners 2e-4 outside */
        mc_result h = run(MC_VOLUME, 3, 1.73, c3, MC_METHOD_HIT, 1024, 2, 0);
        if (h.hits == h.samples) {
            CHECK(h.ci_one_sided == 1);
            CHECK(covers(&h, x3, 0));
        }
        CHECK(fabs(mc_result_z(&h, x3, 0)) <= 5);
    }

    /* 4. --rel-err: met and not met */
    {
        double c[3] = {0.2, 0, 0};
        mc_result met = run(MC_VOLUME, 3, 1.2, c, MC_METHOD_HIT, 1u << 22, 1, 0.05);
        CHECK(met.target_met == 1 && met.rel_half_width <= 0.05);
        mc_result missed = run(MC_VOLUME, 3, 1.2, c, MC_METHOD_HIT, 1u << 14, 1, 1e-4);
        CHECK(missed.target_met == 0 && missed.rel_half_width > 1e-4);
        CHECK(missed.samples == 1u << 14);
        mc_result none = run(MC_VOLUME, 3, 1.2, c, MC_METHOD_HIT, 1u << 14, 1, 0);
        CHECK(none.target_met == -1);
    }
    return test_summary();
}
