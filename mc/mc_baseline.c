/* mc_baseline.c — the benchmark baseline: the hit-or-miss loop a user writes first
 * (scalar C, one thread, glibc's drand48_r per coordinate, test Σx² ≤ r² for the cube
 * [-1,1]^d and the ball B(0, r)). Kept in the library so 'so8t bench' and bench/bench_mc
 * time exactly the same code. Not used by any estimator. */
#include "mc/mc.h"

#include <stdlib.h>

uint64_t mc_baseline_drand48_hits(int d, double r, uint64_t n, long seed)
{
    struct drand48_data st;
    srand48_r(seed, &st);
    uint64_t hits = 0;
    for (uint64_t i = 0; i < n; i++) {
        double s = 0;
        for (int k = 0; k < d; k++) {
            double u;
            drand48_r(&st, &u);
            double x = 2 * u - 1;
            s += x * x;
        }
        if (s <= r * r)
            hits++;
    }
    return hits;
}
