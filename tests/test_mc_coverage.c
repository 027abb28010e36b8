/* test_mc_coverage.c — the coverage sweep: do the 95 % intervals cover 95 % of the time, and
 * is |z| > 5 as rare as promised? Many (d, r, centre, method) cells × seeds, small N per
 * run, exact values from geom/ in-process. For each run: miss = the exact value outside
 * ci95 (by more than geom's error bound), and |z| = |mc_result_z| > 5.
 *
 * Asserted (binomial tests at strict levels, so a correct build never flakes — the seeds are
 * fixed, so the outcome is deterministic anyway):
 *   per cell       misses not above 5 % at level 1e-7 (catches a cell whose interval is
 *                  wrong, e.g. d = 1 qmc, whose rounding the old interval ignored);
 *   per method and overall   misses not above 5 % at level 1e-6, and, over the cells
 *                  with a sampling error, not below 5 % at 1e-6 (intervals not absurdly wide);
 *   |z| > 5        no more than a normal's 5.7e-7 rate allows at level 1e-6.
 * The table printed here is recorded in docs/coverage.md.
 */
#include "geom/geom.h"
#include "mc/mc.h"
#include "mc/mc_stats.h"
#include "tests/support/mc_ref.h"
#include "tests/test.h"

#include <stdlib.h>
#include <string.h>

#define SEEDS 80
#define N_SAMPLES 4096u

typedef struct {
    mc_quantity q;
    int dim;
    double r;
    double c_all, c_first; /* every coordinate; coordinate 1 (NAN: same) */
} cell_problem;

static const cell_problem problems[] = {
    /* d = 1: deterministic cond / qmc; the qmc example */
    {MC_VOLUME, 1, 0.8, 0.5, NAN},
    {MC_VOLUME, 1, 0.6, 0.0, NAN},
    {MC_VOLUME, 1, 0.5, 1.4, NAN},     /* a sliver: a small chord keeps its endpoints' error */
    /* d = 2: deterministic qmc */
    {MC_VOLUME, 2, 1.2, 0.0, NAN},
    {MC_VOLUME, 2, 0.8, 0.5, NAN},
    {MC_VOLUME, 2, 0.7, 0.0, 1.5},
    /* the disc tangent to the face x = 1: qmc's asin(t/h) near 1 errs by 1.5e-9 */
    {MC_VOLUME, 2, 1.3355784881094372, 0.0060297434711966691, -0.33557848810943697},
    {MC_VOLUME, 3, 0.8, 0.0, 1.5},     /* a cap, centre outside */
    {MC_VOLUME, 3, 1.5, 0.2, NAN},
    {MC_VOLUME, 3, 1.74, 0.0, NAN},    /* contains all but the corners: rare misses */
    {MC_VOLUME, 5, 1.7, 0.0, NAN},
    {MC_VOLUME, 5, 2.3, 0.0, NAN},     /* all but 1e-3 of the cube */
    {MC_VOLUME, 5, 2.5, 0.0, NAN},     /* contains the cube: no miss possible */
    {MC_VOLUME, 8, 1.5, 0.0, NAN},
    {MC_VOLUME, 8, 1.6, 0.2, -0.5},
    {MC_VOLUME, 8, 0.6, 0.0, NAN},     /* the ball inside the cube */
    {MC_VOLUME, 8, 1.2, 1.0, NAN},     /* on a vertex: 1e-4 of the cube */
    {MC_SURFACE, 4, 1.2, 0.0, NAN},
    {MC_SURFACE, 3, 1.6, 0.0, NAN},    /* the sphere barely outside the faces: rare misses */
    {MC_ORIENT_AVG, 8, 1.5, 0.0, NAN},
    {MC_ORIENT_AVG, 3, 1.2, 0.0, NAN},
};
#define N_PROBLEMS (sizeof problems / sizeof problems[0])

/* P(X >= k), P(X <= k) for X ~ Binomial(n, p) */
static double binom_sf(uint64_t k, uint64_t n, double p)
{
    return exp(mc_stat_binom_log_upper(k, n, p, 1 - p));
}
static double binom_cdf(uint64_t k, uint64_t n, double p)
{
    return exp(mc_stat_binom_log_lower(k, n, p, 1 - p));
}

int main(void)
{
    uint64_t runs_m[MC_METHOD_COUNT_] = {0}, miss_m[MC_METHOD_COUNT_] = {0};
    uint64_t z5_m[MC_METHOD_COUNT_] = {0};
    uint64_t runs = 0, misses = 0, z5 = 0, runs_se = 0, misses_se = 0;
    int cells = 0;
    printf("%-34s %-7s %6s %6s %6s\n", "cell", "method", "runs", "miss", "|z|>5");
    for (size_t k = 0; k < N_PROBLEMS; k++) {
        const cell_problem *cp = &problems[k];
        double center[8];
        for (int i = 0; i < cp->dim; i++)
            center[i] = cp->c_all;
        if (!isnan(cp->c_first))
            center[0] = cp->c_first;
        geom_problem g = {cp->dim, 1.0, cp->r, center, NULL};
        geom_result gr;
        char err[256];
        int gs = cp->q == MC_SURFACE ? geom_surface_exact(&g, &gr, err, sizeof err)
                                     : geom_volume_exact(&g, &gr, err, sizeof err);
        CHECK(gs == 0);
        if (gs)
            continue;
        mc_problem p = {cp->q, cp->dim, 1.0, cp->r, center, NULL};
        for (int m = MC_METHOD_HIT; m < MC_METHOD_COUNT_; m++) {
            uint64_t cm = 0, cz = 0, cr = 0;
            for (uint64_t seed = 1; seed <= SEEDS; seed++) {
                mc_options o;
                o = mc_test_options((mc_method)m, MC_BACKEND_CPU, N_SAMPLES, 1000 * k + seed);
                o.threads = 1; /* small runs: a parallel region costs more than it saves */
                mc_result r;
                int st = mc_estimate(&p, &o, &r, err, sizeof err);
                if (st == MC_ERR_UNSUPPORTED)
                    break;
                CHECK(st == MC_OK);
                int miss = r.ci95[0] > gr.value + gr.error_bound ||
                           r.ci95[1] < gr.value - gr.error_bound;
                double z = mc_result_z(&r, gr.value, gr.error_bound);
                cr++;
                cm += miss;
                cz += !(fabs(z) <= 5);
                if (!(fabs(z) <= 5))
                    printf("  |z| > 5: seed %llu: estimate %.10g ± %.3g [%.10g, %.10g], exact "
                           "%.10g, z = %.2f\n", (unsigned long long)o.seed, r.estimate,
                           r.std_error, r.ci95[0], r.ci95[1], gr.value, z);
                if (r.std_error > 0) {
                    runs_se++;
                    misses_se += miss;
                }
            }
            if (!cr)
                continue;
            cells++;
            char name[64];
            snprintf(name, sizeof name, "%s d=%d r=%g c=%g%s", cp->q == MC_SURFACE ? "surf"
                                                               : cp->q == MC_ORIENT_AVG ? "orient"
                                                                                        : "vol",
                     cp->dim, cp->r, cp->c_all, isnan(cp->c_first) ? "" : " c1");
            if (!isnan(cp->c_first))
                snprintf(name + strlen(name), sizeof name - strlen(name), "=%g", cp->c_first);
            printf("%-34s %-7s %6llu %6llu %6llu%s\n", name, mc_method_name((mc_method)m),
                   (unsigned long long)cr, (unsigned long long)cm, (unsigned long long)cz,
                   binom_sf(cm, cr, 0.05) > 1e-7 ? "" : "   <- miscalibrated");
            CHECK_MSG(binom_sf(cm, cr, 0.05) > 1e-7, "cell %s, %s: %llu of %llu intervals miss",
                      name, mc_method_name((mc_method)m), (unsigned long long)cm,
                      (unsigned long long)cr);
            runs_m[m] += cr;
            miss_m[m] += cm;
            z5_m[m] += cz;
            runs += cr;
            misses += cm;
            z5 += cz;
        }
    }
    printf("\nper method:\n%-7s %6s %6s %8s %6s\n", "method", "runs", "miss", "rate", "|z|>5");
    for (int m = MC_METHOD_HIT; m < MC_METHOD_COUNT_; m++) {
        if (!runs_m[m])
            continue;
        printf("%-7s %6llu %6llu %7.2f%% %6llu\n", mc_method_name((mc_method)m),
               (unsigned long long)runs_m[m], (unsigned long long)miss_m[m],
               100.0 * (double)miss_m[m] / (double)runs_m[m], (unsigned long long)z5_m[m]);
        CHECK_MSG(binom_sf(miss_m[m], runs_m[m], 0.05) > 1e-6, "method %s misses too often",
                  mc_method_name((mc_method)m));
        CHECK(binom_sf(z5_m[m], runs_m[m], 5.733031e-7) > 1e-6);
    }
    printf("all     %6llu %6llu %7.2f%% %6llu   (%d cells x %d seeds, N = %u)\n",
           (unsigned long long)runs, (unsigned long long)misses,
           100.0 * (double)misses / (double)runs, (unsigned long long)z5, cells, SEEDS,
           N_SAMPLES);
    printf("runs with a sampling error (se > 0): %llu, miss rate %.2f%%\n",
           (unsigned long long)runs_se, 100.0 * (double)misses_se / (double)runs_se);
    CHECK(binom_sf(misses, runs, 0.05) > 1e-6);
    CHECK(binom_cdf(misses_se, runs_se, 0.05) > 1e-6);
    CHECK(binom_sf(z5, runs, 5.733031e-7) > 1e-6);
    return test_summary();
}
