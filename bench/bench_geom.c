/* bench_geom.c — time per exact value (geom_volume_exact / geom_surface_exact) by dimension.
 *
 * For each d, N problems from a fixed seed: centres uniform in [-1, 1]^d, [-1.5, 1.5]^d or
 * [0, 0.5]^d (in turn), radii uniform in sqrt(d/3)·[0.3, 1.7] — the range where the answer is
 * neither 0 nor the whole cube.  CPU time of the calling thread per value: median, 90th
 * percentile, max; plus the number of values over 10 ms and of non-converged ones.
 * --near: radii next to a break point instead, t = r² = H (1 ± 10^-u), u uniform in [2, 6],
 * H = Σ_{i ∈ S} h_i² over a random set S of faces (each axis in S with probability ½, one of
 * its two faces h = 1 ∓ c_i at random), where the transform converges slowest.
 *
 * Usage: bench_geom [N] [--surface] [--near] [--slow] [--dims 5,6,8]   (default N = 100, all
 * dims; --slow lists each value over 10 ms with its method and problem on stderr)
 * Prints a Markdown table, then one CSV line per dimension:
 *   csv,quantity,d,n,median_ms,p90_ms,max_ms,over_10ms,noconv
 */
#include "bench/geom_problems.h"
#include "geom/geom.h"
#include "tests/support/test_rng.h"
#include "bench/bench_util.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t state = 0x2545F4914F6CDD1Dull;
static double uniform(void) { return test_xorshift64star(&state); }

int main(int argc, char **argv)
{
    int n = 100, surface = 0, near = 0, slow = 0;
    const char *only = NULL; /* comma-separated list of dimensions to run */
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--dims") && i + 1 < argc)
            only = argv[++i];
        else if (!strcmp(argv[i], "--surface"))
            surface = 1;
        else if (!strcmp(argv[i], "--near"))
            near = 1;
        else if (!strcmp(argv[i], "--slow"))
            slow = 1;
        else if (atoi(argv[i]) > 0)
            n = atoi(argv[i]);
        else {
            fprintf(stderr, "usage: bench_geom [N] [--surface] [--near] [--slow] [--dims 5,6,8]\n");
            return 2;
        }
    }
    const int dims[] = {2, 3, 4, 5, 6, 7, 8, 10, 12, 16, 24, 32, 48, 64, 96, 128};
    const int nd = (int)(sizeof dims / sizeof dims[0]);
    double *ms = malloc(sizeof(double) * (size_t)n);
    char lines[32][160];
    if (!ms)
        return 1;
    printf("| d | values | median ms | p90 ms | max ms | > 10 ms | not converged |\n");
    printf("|---|---|---|---|---|---|---|\n");
    int shown[32] = {0};
    for (int k = 0; k < nd; k++) {
        int d = dims[k], over = 0, noconv = 0;
        double c[GEOM_MAX_DIM];
        if (only) {
            int want = 0;
            for (const char *q = only; *q;) {
                char *end;
                long v = strtol(q, &end, 10);
                if (end == q)
                    break;
                if (v == d)
                    want = 1;
                q = *end == ',' ? end + 1 : end;
            }
            if (!want) {
                /* draw the same random numbers, so the other dimensions get the same problems */
                for (int j = 0; j < n; j++) {
                    for (int i = 0; i < d + 1; i++)
                        (void)uniform();
                    if (near) {
                        for (int i = 0; i < d + 2; i++)
                            (void)uniform();
                    }
                }
                continue;
            }
        }
        shown[k] = 1;
        for (int j = 0; j < n; j++) {
            double r = bench_geom_problem(d, j, near, uniform, c);
            geom_problem p = {d, 1.0, r, c, NULL};
            geom_result res;
            char err[256];
            double t0 = bench_thread_cpu_now();
            int st = surface ? geom_surface_exact(&p, &res, err, sizeof err)
                             : geom_volume_exact(&p, &res, err, sizeof err);
            ms[j] = 1e3 * (bench_thread_cpu_now() - t0);
            if (st != GEOM_OK)
                noconv++;
            if (ms[j] > 10) {
                over++;
                if (slow) { /* the problem and what computed it (stderr) */
                    fprintf(stderr, "slow: d=%d j=%d %.1f ms %s r=%.17g c=", d, j, ms[j],
                            res.method, r);
                    for (int i = 0; i < d; i++)
                        fprintf(stderr, "%s%.17g", i ? "," : "", c[i]);
                    fprintf(stderr, "\n");
                }
            }
        }
        qsort(ms, (size_t)n, sizeof ms[0], bench_cmp_double);
        double med = ms[n / 2], p90 = ms[(n * 9) / 10 < n ? (n * 9) / 10 : n - 1], mx = ms[n - 1];
        printf("| %d | %d | %.2f | %.2f | %.2f | %d | %d |\n", d, n, med, p90, mx, over, noconv);
        snprintf(lines[k], sizeof lines[k], "csv,%s%s,%d,%d,%.3f,%.3f,%.3f,%d,%d",
                 surface ? "surface" : "volume", near ? "_near" : "", d, n, med, p90, mx, over,
                 noconv);
    }
    for (int k = 0; k < nd; k++)
        if (shown[k])
            printf("%s\n", lines[k]);
    free(ms);
    return 0;
}
