/* bench_mc.c — Monte Carlo throughput and time-to-accuracy, against a named baseline in
 * the same run.
 *
 * Baseline: the hit-or-miss loop a user writes first — scalar C, one thread, drand48_r
 * for each coordinate (glibc's reentrant 48-bit LCG), test Σx² <= r².
 *
 * Measured (median of --reps runs each):
 *   1. samples/s at d = 3, 8, 16, 64 for every method on the CPU backend (all cores) and,
 *      when a GPU is present, the CUDA backend;
 *   2. time to reach a 95 % half-width / estimate of 1e-4 on [-1,1]^8 ∩ B(0, 1.5) for every
 *      method (so8t's --rel-err loop, real runs); for the baseline, the time is its measured
 *      samples/s divided into the samples its own measured variance needs (running it for
 *      real takes about a minute; --baseline-full does).
 * Output: a table on stdout and CSV rows in --csv FILE.
 */
#include "mc/mc.h"
#include "bench/bench_util.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static FILE *csv;

static void csv_row(const char *what, const char *method, const char *backend, int d,
                    double value, const char *unit)
{
    if (csv)
        fprintf(csv, "%s,%s,%s,%d,%.6g,%s\n", what, method, backend, d, value, unit);
}

int main(int argc, char **argv)
{
    int reps = 3, full = 0;
    double target = 1e-4;
    const char *csv_path = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--reps") && i + 1 < argc)
            reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--csv") && i + 1 < argc)
            csv_path = argv[++i];
        else if (!strcmp(argv[i], "--baseline-full"))
            full = 1;
        else if (!strcmp(argv[i], "--target") && i + 1 < argc)
            target = atof(argv[++i]);
        else {
            fprintf(stderr, "usage: bench_mc [--reps N] [--csv FILE] [--target 1e-4] [--baseline-full]\n");
            return 2;
        }
    }
    if (reps < 1)
        reps = 1;
    if (csv_path) {
        csv = fopen(csv_path, "w");
        if (!csv) {
            perror(csv_path);
            return 1;
        }
        fprintf(csv, "measure,method,backend,dim,value,unit\n");
    }
    int gpus = mc_cuda_device_count();
    printf("bench_mc: %d OpenMP threads, %d CUDA device(s), median of %d runs\n",
           omp_get_max_threads(), gpus, reps);

    /* ---- baseline ---- */
    const double r8 = 1.5, exact8 = 83.164051417189215;
    double base_rate[4];
    const int dims[4] = {3, 8, 16, 64};
    const double radius_for[4] = {1.2, 1.5, 2.4, 4.6};
    for (int k = 0; k < 4; k++) {
        double t[16];
        unsigned long long n = dims[k] >= 16 ? 2000000ull : 8000000ull;
        for (int rep = 0; rep < reps; rep++) {
            double t0 = bench_now();
            volatile uint64_t h = mc_baseline_drand48_hits(dims[k], radius_for[k], n, 1 + rep);
            (void)h;
            t[rep] = (double)n / (bench_now() - t0);
        }
        base_rate[k] = bench_median(t, reps);
        csv_row("samples_per_second", "baseline-drand48", "cpu-1thread", dims[k], base_rate[k], "1/s");
    }

    /* ---- samples/s per method and backend ---- */
    printf("\n%-8s %-4s %14s %14s %14s\n", "method", "d", "cpu samples/s", "gpu samples/s",
           "cpu/baseline");
    for (int k = 0; k < 4; k++) {
        printf("%-8s %-4d %14.4g %14s %14s\n", "baseline", dims[k], base_rate[k], "-", "1");
        for (int m = MC_METHOD_HIT; m < MC_METHOD_COUNT_; m++) {
            double c[64] = {0};
            mc_problem p = {MC_VOLUME, dims[k], 1.0, radius_for[k], c, NULL};
            double rate[2] = {0, 0};
            for (int be = 0; be < (gpus ? 2 : 1); be++) {
                double t[16];
                for (int rep = 0; rep < reps; rep++) {
                    mc_options o;
                    mc_options_default(&o);
                    o.method = (mc_method)m;
                    o.backend = be ? MC_BACKEND_CUDA : MC_BACKEND_CPU;
                    o.seed = 10 + (uint64_t)rep;
                    /* sized to take roughly a second on this machine's CPU */
                    o.samples = be ? (1ull << 30) : (dims[k] <= 8 ? (1ull << 24) : (1ull << 22));
                    if (m == MC_METHOD_BALL || m == MC_METHOD_RADIAL || m == MC_METHOD_TILT)
                        o.samples >>= (be ? 0 : 3);
                    mc_result res;
                    char err[256];
                    if (mc_estimate(&p, &o, &res, err, sizeof err)) {
                        fprintf(stderr, "%s: %s\n", mc_method_name((mc_method)m), err);
                        t[rep] = 0;
                        continue;
                    }
                    t[rep] = res.samples_per_second;
                }
                rate[be] = bench_median(t, reps);
                csv_row("samples_per_second", mc_method_name((mc_method)m), be ? "cuda" : "cpu",
                        dims[k], rate[be], "1/s");
            }
            char g[32] = "-";
            if (gpus)
                snprintf(g, sizeof g, "%.4g", rate[1]);
            printf("%-8s %-4d %14.4g %14s %14.3g\n", mc_method_name((mc_method)m), dims[k],
                   rate[0], g, rate[0] / base_rate[k]);
        }
    }

    /* ---- time to a 1e-4 relative 95 % half-width on [-1,1]^8 ∩ B(0, 1.5) ---- */
    printf("\ntime to a 95%% half-width of %.0e x estimate, d = 8, r = 1.5 (exact %.6f)\n",
           target, exact8);
    /* baseline: N needed from its own variance p(1-p)/p^2 at the exact p */
    double p8 = exact8 / 256.0;
    double n_need = 1.959963984540054 * 1.959963984540054 * (1 - p8) / p8 / (target * target);
    double base_time = n_need / base_rate[1];
    if (full) {
        double t0 = bench_now();
        uint64_t h = mc_baseline_drand48_hits(8, r8, (uint64_t)n_need, 7);
        base_time = bench_now() - t0;
        printf("  baseline ran %.3g samples for real: estimate %.6f\n", n_need, 256.0 * (double)h / n_need);
    }
    printf("%-8s %-8s %14s %14s %12s %10s\n", "method", "backend", "seconds", "samples",
           "estimate", "speed-up");
    printf("%-8s %-8s %14.4g %14.4g %12s %10s   (%s)\n", "baseline", "cpu-1t", base_time, n_need,
           "-", "1", full ? "measured" : "= samples needed / measured samples/s");
    csv_row("seconds_to_rel_err", "baseline-drand48", "cpu-1thread", 8, base_time, "s");
    for (int be = 0; be < (gpus ? 2 : 1); be++)
        for (int m = MC_METHOD_HIT; m < MC_METHOD_COUNT_; m++) {
            double c[8] = {0};
            mc_problem p = {MC_VOLUME, 8, 1.0, r8, c, NULL};
            double t[16], est = 0, ns = 0;
            for (int rep = 0; rep < reps; rep++) {
                mc_options o;
                mc_options_default(&o);
                o.method = (mc_method)m;
                o.backend = be ? MC_BACKEND_CUDA : MC_BACKEND_CPU;
                o.rel_err = target;
                o.samples = 1ull << 36;
                o.seed = 100 + (uint64_t)rep;
                mc_result res;
                char err[256];
                /* the slow estimators would need minutes at 1e-4 on 2 cores: skip those
                   whose projected time (from a pilot) is over 120 s */
                mc_options pilot = o;
                pilot.rel_err = 0;
                pilot.samples = 1u << 20;
                if (mc_estimate(&p, &pilot, &res, err, sizeof err)) {
                    t[rep] = NAN;
                    continue;
                }
                double need = res.samples * pow(1.959963984540054 * res.rel_error / target, 2);
                if (need / res.samples_per_second > 120) {
                    t[rep] = need / res.samples_per_second;
                    est = NAN;
                    ns = need;
                    continue;
                }
                if (mc_estimate(&p, &o, &res, err, sizeof err)) {
                    t[rep] = NAN;
                    continue;
                }
                t[rep] = res.seconds;
                est = res.estimate;
                ns = (double)res.samples;
            }
            double tm = bench_median(t, reps);
            printf("%-8s %-8s %14.4g %14.4g %12.6f %10.3g%s\n", mc_method_name((mc_method)m),
                   be ? "cuda" : "cpu", tm, ns, est, base_time / tm,
                   isnan(est) ? "   (projected from a 2^20 pilot; > 120 s)" : "");
            csv_row("seconds_to_rel_err", mc_method_name((mc_method)m), be ? "cuda" : "cpu", 8, tm,
                    "s");
        }
    if (csv)
        fclose(csv);
    return 0;
}
