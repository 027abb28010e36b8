/* gpu_mc.c — the CUDA backend against the OpenMP backend and the exact values: for
 * d in {2,3,4,8,16,32} and every method, identical counts (or identical sum bits) for the
 * same seed and N, and both within 5 standard errors of geom/'s exact value. Prints
 * "SKIP: no CUDA device" where there is none (after checking that asking for the GPU then
 * fails cleanly). */
#include "geom/geom.h"
#include "mc/mc.h"
#include "tests/test.h"

#include <string.h>

static int est(mc_quantity q, int d, double r, const double *c, mc_method m, mc_backend be,
               mc_result *res)
{
    mc_problem p = {q, d, 1.0, r, c, NULL};
    mc_options o;
    mc_options_default(&o);
    o.method = m;
    o.backend = be;
    o.samples = 1u << 20;
    o.seed = 2026;
    char err[256];
    int st = mc_estimate(&p, &o, res, err, sizeof err);
    if (st)
        fprintf(stderr, "%s: %s\n", mc_method_name(m), err);
    return st;
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
    const int dims[] = {2, 3, 4, 8, 16, 32};
    const double radii[] = {1.2, 1.3, 1.5, 1.5, 2.4, 3.3};
    double c[32] = {0};
    printf("%-4s %-7s %-10s %22s %22s %10s %6s\n", "d", "quant", "method", "cpu", "gpu", "identical", "z");
    for (int k = 0; k < 6; k++) {
        int d = dims[k];
        for (int q = MC_VOLUME; q <= MC_ORIENT_AVG; q++) {
            double cc[32];
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
                int s1 = est((mc_quantity)q, d, radii[k], cc, (mc_method)m, MC_BACKEND_CPU, &rc);
                if (s1 == MC_ERR_UNSUPPORTED)
                    continue;
                int s2 = est((mc_quantity)q, d, radii[k], cc, (mc_method)m, MC_BACKEND_CUDA, &rg);
                CHECK(s1 == 0 && s2 == 0);
                if (s1 || s2)
                    continue;
                int same = rc.hits == rg.hits && memcmp(&rc.sum, &rg.sum, sizeof rc.sum) == 0;
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
    return test_summary();
}
