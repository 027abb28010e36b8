/* bench_util.h — what every benchmark here times with: the clocks, and the median of a
 * sample of timings. Header-only (the benchmarks link libso8t.a and nothing else). */
#ifndef SO8T_BENCH_UTIL_H
#define SO8T_BENCH_UTIL_H

#include <stdlib.h>
#include <time.h>

/* Seconds on clock `id`. */
static inline double bench_clock(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Wall-clock seconds (monotonic). */
static inline double bench_now(void) { return bench_clock(CLOCK_MONOTONIC); }

/* CPU seconds of the calling thread: robust to other load on the machine. */
static inline double bench_thread_cpu_now(void) { return bench_clock(CLOCK_THREAD_CPUTIME_ID); }

/* qsort's ascending order of doubles. */
static inline int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of v[0..n) (n >= 1); sorts v. */
static inline double bench_median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, bench_cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

#endif /* SO8T_BENCH_UTIL_H */
