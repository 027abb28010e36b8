/* bench_geom_singular.c — what the subtraction of singular parts (geom/geom_singular.c) buys:
 * the same problems solved with it off (A) and on (B), interleaved, CPU time of the thread.
 *
 * Problems as in bench_geom: centres uniform in [-1,1]^d, [-1.5,1.5]^d or [0,0.5]^d in turn,
 * radii sqrt(d/3)·[0.3, 1.7] ("random"), or r² = H(1 ± 10^-u), u in [2, 6], next to a random
 * face/edge/corner break point H ("near").  Per row: total ms off/on, values over 10 ms,
 * and the largest |Δ log value| between the two (the subtraction is an identity).
 *
 * Usage: bench_geom_singular [N]   (default N = 100 problems per row)
 */
#include "bench/geom_problems.h"
#include "geom/geom.h"
#include "geom/geom_internal.h"
#include "tests/support/test_rng.h"
#include "bench/bench_util.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static uint64_t state = 88172645463325252ull;
static double uniform(void) { return test_xorshift64(&state); }

static double solve(int surface, const geom_problem *p, geom_opts *o, double *logv)
{
    geom_result res;
    char err[256];
    double t0 = bench_thread_cpu_now();
    int st = geom_exact_opts(p, surface, o, &res, err, sizeof err);
    double ms = 1e3 * (bench_thread_cpu_now() - t0);
    *logv = st == GEOM_OK ? res.log_value : NAN;
    return ms;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 100;
    if (n < 1) {
        fprintf(stderr, "usage: bench_geom_singular [N]\n");
        return 2;
    }
    printf("| d | quantity | problems | off: total ms | off: > 10 ms | on: total ms | on: > 10 ms "
           "| on / off | max |Δ log| |\n|---|---|---|---|---|---|---|---|---|\n");
    const int dims[4] = {5, 6, 7, 8};
    for (int k = 0; k < 4; k++)
        for (int surface = 0; surface < 2; surface++)
            for (int near = 0; near < 2; near++) {
                int d = dims[k], over_a = 0, over_b = 0;
                double ta = 0, tb = 0, worst = 0;
                for (int j = 0; j < n; j++) {
                    double c[8];
                    double r = bench_geom_problem(d, j, near, uniform, c);
                    geom_problem p = {d, 1.0, r, c, NULL};
                    double la, lb;
                    geom_opts off = {.no_singular = 1};
                    double ma = solve(surface, &p, &off, &la);
                    double mb = solve(surface, &p, NULL, &lb);
                    ta += ma;
                    tb += mb;
                    over_a += ma > 10;
                    over_b += mb > 10;
                    double dl = la == lb ? 0 : fabs(la - lb); /* equal -inf: 0 */
                    if (dl > worst || isnan(dl))
                        worst = dl;
                }
                printf("| %d | %s %s | %d | %.0f | %d | %.0f | %d | %.2f | %.1e |\n", d,
                       surface ? "surface" : "volume", near ? "near" : "random", n, ta, over_a, tb,
                       over_b, tb / ta, worst);
                fflush(stdout);
            }
    return 0;
}
