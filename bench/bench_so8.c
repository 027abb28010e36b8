/* bench_so8.c — Haar SO(8) sampling throughput on the CPU: the OpenMP batch sampler
 * (so8_haar_batch_cpu, float and double) against a plain baseline in the same run.
 *
 * Baseline: what one would write first — one thread; 64 Gaussians per rotation from
 * cuRAND-style Box–Muller with the host libm (mc_philox_normal2_double, the same Philox
 * subsequence per rotation); modified Gram–Schmidt of the 8×8 Gaussian matrix (Q of QR with
 * positive R diagonal, which is Haar on O(8)); the last column negated when det < 0 (LU).
 *
 * Usage: bench_so8 [ROTATIONS_PER_RUN] [RUNS] [THREADS]   (defaults 200000 7 2)
 * Prints a Markdown table (median and min/max wall-clock rotations/s over the runs, and the
 * median rotations per CPU-second, which other load on the machine barely changes) and one
 * CSV line per case. Results are checked (orthogonality, det) so a broken
 * sampler cannot look fast.
 */
#include "so8/so8.h"

#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    return omp_get_wtime();
}

/* CPU seconds used by the whole process (all threads): robust to other load. */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* One baseline rotation into R (8×8 row-major). */
static void baseline_rotation(uint64_t seed, uint64_t index, double *R)
{
    const int n = 8;
    double A[64];
    mc_philox_state st;
    mc_philox_init(seed, index, 0, &st);
    for (int i = 0; i < 64; i += 2)
        mc_philox_normal2_double(&st, A + i);
    /* modified Gram–Schmidt on the columns of A */
    for (int j = 0; j < n; j++) {
        for (int p = 0; p < j; p++) {
            double d = 0.0;
            for (int i = 0; i < n; i++)
                d += A[i * n + p] * A[i * n + j];
            for (int i = 0; i < n; i++)
                A[i * n + j] -= d * A[i * n + p];
        }
        double s = 0.0;
        for (int i = 0; i < n; i++)
            s += A[i * n + j] * A[i * n + j];
        s = 1.0 / sqrt(s);
        for (int i = 0; i < n; i++)
            A[i * n + j] *= s;
    }
    if (so8_mat_det(n, A) < 0)
        for (int i = 0; i < n; i++)
            A[i * n + n - 1] = -A[i * n + n - 1];
    memcpy(R, A, sizeof A);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct {
    const char *name;
    double median, lo, hi, cpu_median;
} result;

static int check(const void *buf, so8_precision prec, uint64_t count, double *worst)
{
    double w = 0.0;
    for (uint64_t r = 0; r < count; r += 997) {
        double D[64];
        if (prec == SO8_DOUBLE)
            memcpy(D, (const double *)buf + r * 64, sizeof D);
        else
            so8_matf_to_double(8, (const float *)buf + r * 64, D);
        double e = so8_mat_orth_error(8, D);
        if (e > w)
            w = e;
        if (so8_mat_det(8, D) < 0.5)
            return -1;
    }
    *worst = w;
    return w < (prec == SO8_DOUBLE ? 1e-13 : 1e-5) ? 0 : -1;
}

int main(int argc, char **argv)
{
    uint64_t count = argc > 1 ? strtoull(argv[1], NULL, 10) : 200000;
    int runs = argc > 2 ? atoi(argv[2]) : 7;
    int threads = argc > 3 ? atoi(argv[3]) : 2;
    if (count < 1000 || runs < 1 || runs > 99 || threads < 1) {
        fprintf(stderr, "usage: bench_so8 [ROTATIONS_PER_RUN>=1000] [RUNS 1..99] [THREADS>=1]\n");
        return 2;
    }
    double *buf = malloc(count * 64 * sizeof *buf);
    if (!buf) {
        fprintf(stderr, "bench_so8: out of memory\n");
        return 1;
    }
    enum { NCASE = 5 };
    const char *names[NCASE] = {"baseline: libm Box-Muller + Gram-Schmidt, double, 1 thread",
                                "so8_haar_batch_cpu double, 1 thread",
                                "so8_haar_batch_cpu float, 1 thread",
                                "so8_haar_batch_cpu double, T threads",
                                "so8_haar_batch_cpu float, T threads"};
    double rate[NCASE][99], cpu_rate[NCASE][99];
    int bad = 0;
    for (int run = 0; run < runs; run++) {
        /* interleave the cases so that load changes hit all of them alike */
        for (int c = 0; c < NCASE; c++) {
            so8_precision prec = (c == 2 || c == 4) ? SO8_FLOAT : SO8_DOUBLE;
            int th = c >= 3 ? threads : 1;
            uint64_t m = c == 0 ? count / 4 : count; /* the baseline is slower */
            double t0 = now(), c0 = cpu_now();
            if (c == 0) {
                for (uint64_t i = 0; i < m; i++)
                    baseline_rotation(1, i, buf + i * 64);
            } else if (so8_haar_batch_cpu(8, 1, 0, m, prec, buf, th) != SO8_OK) {
                fprintf(stderr, "bench_so8: sampler failed\n");
                return 1;
            }
            double dt = now() - t0, dc = cpu_now() - c0;
            rate[c][run] = (double)m / dt;
            cpu_rate[c][run] = (double)m / dc;
            double w = 0.0;
            if (check(buf, prec, m, &w)) {
                fprintf(stderr, "bench_so8: case %d produced a non-rotation (orth %g)\n", c, w);
                bad = 1;
            }
        }
    }
    result res[NCASE];
    for (int c = 0; c < NCASE; c++) {
        qsort(rate[c], (size_t)runs, sizeof(double), cmp_double);
        qsort(cpu_rate[c], (size_t)runs, sizeof(double), cmp_double);
        res[c].cpu_median = runs % 2 ? cpu_rate[c][runs / 2]
                                     : 0.5 * (cpu_rate[c][runs / 2 - 1] + cpu_rate[c][runs / 2]);
        res[c].name = names[c];
        res[c].median = runs % 2 ? rate[c][runs / 2]
                                 : 0.5 * (rate[c][runs / 2 - 1] + rate[c][runs / 2]);
        res[c].lo = rate[c][0];
        res[c].hi = rate[c][runs - 1];
    }
    printf("SO(8) Haar sampling, %llu rotations per run (baseline %llu), %d runs, T = %d\n\n",
           (unsigned long long)count, (unsigned long long)(count / 4), runs, threads);
    printf("| case | median rotations/s (wall) | min | max | vs baseline | rotations per CPU-second |"
           " vs baseline (CPU) |\n|---|---:|---:|---:|---:|---:|---:|\n");
    for (int c = 0; c < NCASE; c++)
        printf("| %s | %.4g | %.4g | %.4g | %.2f× | %.4g | %.2f× |\n", res[c].name, res[c].median,
               res[c].lo, res[c].hi, res[c].median / res[0].median, res[c].cpu_median,
               res[c].cpu_median / res[0].cpu_median);
    printf("\n");
    for (int c = 0; c < NCASE; c++)
        printf("csv,so8_sampling,%d,%s,%.6g,%.6g,%.6g\n", c, c >= 3 ? "T" : "1", res[c].median,
               res[c].lo, res[c].hi);
    free(buf);
    return bad;
}
