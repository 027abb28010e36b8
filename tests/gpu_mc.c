/* gpu_mc.c — the CUDA backend against the OpenMP backend and the exact values: for
 * d in {1,2,3,4,5,7,8,16,32,64} (the templated fast kernels, the run-time-d fast kernels
 * and the generic kernel) and every method that applies, identical counts (or identical
 * sum bits) for the same seed and N, N with and without a partial last block, and the
 * GPU result within 5 standard errors of geom/'s exact value. Methods that do not apply to
 * a quantity are skipped silently. Extra cases: the orientation average off-centre and tilt
 * with normal proposals. Then a throughput section: big GPU runs of hit (d = 3, 8, 16,
 * 64), cond (d = 8), ball, radial, tilt (d = 8, 64), each checked against the exact value,
 * with samples/s printed (median of 3). Prints "SKIP: no CUDA device" where there is none
 * (after checking that asking for the GPU then fails cleanly). */
#include "geom/geom.h"
#include "mc/mc.h"
#include "tests/support/mc_ref.h"
#include "tests/test.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* the same hit count and sample count and the same bits of both sums */
static int same_statistic(const mc_result *a, const mc_result *b)
{
    return a->hits == b->hits && a->samples == b->samples &&
           memcmp(&a->sum, &b->sum, sizeof a->sum) == 0 &&
           memcmp(&a->sum_sq, &b->sum_sq, sizeof a->sum_sq) == 0;
}

static int est_n(mc_quantity q, int d, double r, const double *c, mc_method m, mc_backend be,
                 uint64_t samples, mc_result *res)
{
    mc_problem p = {q, d, 1.0, r, c, NULL};
    mc_options o = mc_test_options(m, be, samples, 2026);
    char err[256];
    int st = mc_estimate(&p, &o, res, err, sizeof err);
    if (st && st != MC_ERR_UNSUPPORTED) /* not applicable: skipped by the caller, silently */
        fprintf(stderr, "%s: %s\n", mc_method_name(m), err);
    return st;
}

static int est(mc_quantity q, int d, double r, const double *c, mc_method m, mc_backend be,
               mc_result *res)
{
    return est_n(q, d, r, c, m, be, 1u << 20, res);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* GPU throughput on big runs (the whole mc_estimate call: launch, reduction, host fold). */
static void throughput(void)
{
    static const struct {
        mc_method m;
        int d;
        double r;
        int log2n;
    } cases[] = {{MC_METHOD_HIT, 3, 1.2, 32},    {MC_METHOD_HIT, 8, 1.5, 32},
                 {MC_METHOD_HIT, 16, 2.4, 32},   {MC_METHOD_HIT, 64, 4.6, 32},
                 {MC_METHOD_COND, 8, 1.5, 32},   {MC_METHOD_BALL, 8, 1.5, 30},
                 {MC_METHOD_RADIAL, 8, 1.5, 30}, {MC_METHOD_TILT, 8, 0.8, 29},
                 {MC_METHOD_BALL, 64, 4.6, 28},  {MC_METHOD_RADIAL, 64, 4.6, 28},
                 {MC_METHOD_TILT, 64, 3.0, 27}};
    printf("\nGPU throughput (cube [-1,1]^d, centre 0), median of 3:\n");
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        double c[64] = {0};
        geom_problem gp = {cases[k].d, 1.0, cases[k].r, c, NULL};
        geom_result gr;
        char err[256];
        CHECK(geom_volume_exact(&gp, &gr, err, sizeof err) == 0);
        double rate[3];
        mc_result res;
        uint64_t n = 1ull << cases[k].log2n;
        for (int rep = 0; rep < 3; rep++) {
            CHECK(est_n(MC_VOLUME, cases[k].d, cases[k].r, c, cases[k].m, MC_BACKEND_CUDA, n,
                        &res) == 0);
            rate[rep] = res.samples_per_second;
        }
        qsort(rate, 3, sizeof rate[0], cmp_double);
        CHECK(res.samples == n);
        CHECK_SIGMA(res.estimate, gr.value, res.std_error, 5);
        printf("GPU %-6s d=%-3d %12.4g samples/s  (2^%d samples, %.4f s; estimate %.10g, exact "
               "%.10g, z %.2f)\n",
               mc_method_name(cases[k].m), cases[k].d, rate[1], cases[k].log2n,
               (double)n / rate[1], res.estimate, gr.value,
               (res.estimate - gr.value) / res.std_error);
    }
}

/* Cases the main loop does not reach: the orientation average with |c| > 0 (the random
 * centre then varies sample to sample) and tilt well below the median (θ large: normal
 * proposals; the main loop's radii give uniform proposals), in dimensions with a
 * compile-time kernel (3, 8, 16) and without (7, 64). GPU == CPU bit for bit; tilt also
 * within 5 se of the exact volume. */
static int extra_cases(void)
{
    const int dims[] = {3, 7, 8, 16, 64};
    int compared = 0;
    for (int k = 0; k < 5; k++) {
        int d = dims[k];
        double c[64];
        for (int i = 0; i < d; i++)
            c[i] = 0.5 / sqrt((double)d) * (i % 2 ? 1.0 : -1.0) + 0.05 * (i % 3);
        double rmed = sqrt(d / 3.0);
        for (int j = 0; j < 3; j++) {
            mc_quantity q = j < 2 ? MC_ORIENT_AVG : MC_VOLUME;
            mc_method m = j == 0 ? MC_METHOD_HIT : j == 1 ? MC_METHOD_COND : MC_METHOD_TILT;
            double r = j < 2 ? rmed : 0.5 * rmed;
            uint64_t n = (1u << 18) + (k % 2 ? 333u : 0u);
            mc_result rc, rg;
            int s1 = est_n(q, d, r, c, m, MC_BACKEND_CPU, n, &rc);
            int s2 = est_n(q, d, r, c, m, MC_BACKEND_CUDA, n, &rg);
            CHECK(s1 == 0 && s2 == 0);
            if (s1 || s2)
                continue;
            compared++;
            int same = same_statistic(&rc, &rg);
            printf("%-4d %-7s %-10s %22.15g %22.15g %10s\n", d,
                   q == MC_VOLUME ? "volume" : "orient|c|", mc_method_name(m), rc.estimate,
                   rg.estimate, same ? "yes" : "NO");
            CHECK_MSG(same, "extra d %d %s: cpu hits %llu sum %.17g, gpu hits %llu sum %.17g", d,
                      mc_method_name(m), (unsigned long long)rc.hits, rc.sum,
                      (unsigned long long)rg.hits, rg.sum);
            if (q == MC_VOLUME) {
                geom_problem gp = {d, 1.0, r, c, NULL};
                geom_result gr;
                char err[256];
                CHECK(geom_volume_exact(&gp, &gr, err, sizeof err) == 0);
                CHECK_SIGMA(rg.estimate, gr.value, rg.std_error, 5);
            }
        }
    }
    return compared;
}

int main(void)
{
    if (mc_cuda_device_count() == 0) {
        mc_result r;
        CHECK(est(MC_VOLUME, 3, 1.0, NULL, MC_METHOD_HIT, MC_BACKEND_CUDA, &r) == MC_ERR_NODEVICE);
        printf("SKIP: no CUDA device\n");
        return test_summary();
    }
    char dev[200];
    mc_cuda_device_describe(0, dev, sizeof dev);
    printf("device: %s\n", dev);
    const int dims[] = {1, 2, 3, 4, 5, 7, 8, 16, 32, 64};
    const double radii[] = {0.9, 1.2, 1.3, 1.5, 1.4, 1.6, 1.5, 2.4, 3.3, 4.6};
    const int ndims = (int)(sizeof dims / sizeof dims[0]);
    int compared = 0;
    double c[64] = {0};
    printf("%-4s %-7s %-10s %22s %22s %10s %6s\n", "d", "quant", "method", "cpu", "gpu", "identical", "z");
    for (int k = 0; k < ndims; k++) {
        int d = dims[k];
        /* every other dimension: N with a partial last block (N mod 1024 = 333) */
        uint64_t n = (1u << 20) + (k % 2 ? 333u : 0u);
        for (int q = MC_VOLUME; q <= MC_ORIENT_AVG; q++) {
            double cc[64];
            for (int i = 0; i < d; i++)
                cc[i] = q == MC_ORIENT_AVG ? (i == 0 ? 0.0 : 0.0) : 0.1 * (i % 3);
            if (q == MC_ORIENT_AVG)
                memcpy(cc, c, sizeof cc); /* c = 0: equals the unrotated volume */
            geom_problem gp = {d, 1.0, radii[k], cc, NULL};
            geom_result gr;
            char err[256];
            int gst = q == MC_SURFACE ? geom_surface_exact(&gp, &gr, err, sizeof err)
                                      : geom_volume_exact(&gp, &gr, err, sizeof err);
            CHECK(gst == 0);
            for (int m = MC_METHOD_HIT; m < MC_METHOD_COUNT_; m++) {
                mc_result rc, rg;
                int s1 = est_n((mc_quantity)q, d, radii[k], cc, (mc_method)m, MC_BACKEND_CPU, n,
                               &rc);
                if (s1 == MC_ERR_UNSUPPORTED)
                    continue;
                int s2 = est_n((mc_quantity)q, d, radii[k], cc, (mc_method)m, MC_BACKEND_CUDA, n,
                               &rg);
                CHECK(s1 == 0 && s2 == 0);
                if (s1 || s2)
                    continue;
                compared++;
                int same = same_statistic(&rc, &rg);
                double z = rg.std_error > 0 ? (rg.estimate - gr.value) / rg.std_error : 0;
                printf("%-4d %-7s %-10s %22.15g %22.15g %10s %6.2f\n", d,
                       q == MC_VOLUME ? "volume" : q == MC_SURFACE ? "surface" : "orient",
                       mc_method_name((mc_method)m), rc.estimate, rg.estimate, same ? "yes" : "NO", z);
                CHECK_MSG(same, "d %d %s: cpu hits %llu sum %.17g, gpu hits %llu sum %.17g", d,
                          mc_method_name((mc_method)m), (unsigned long long)rc.hits, rc.sum,
                          (unsigned long long)rg.hits, rg.sum);
                if (rg.std_error > 1e-12 * gr.value)
                    CHECK_SIGMA(rg.estimate, gr.value, rg.std_error, 5);
                else
                    CHECK_REL(rg.estimate, gr.value, 1e-9);
            }
        }
    }
    printf("%d GPU/CPU comparisons\n", compared);
    CHECK(compared >= 9 * ndims); /* 6 volume + 1 surface + 2 orientation methods per d */
    CHECK(extra_cases() == 15);
    throughput();
    return test_summary();
}
