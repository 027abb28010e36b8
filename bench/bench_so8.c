/* bench_so8.c — Haar SO(8) sampling throughput on the CPU: the OpenMP batch sampler
 * (so8_haar_batch_cpu, float and double) against a plain baseline in the same run; and,
 * when a CUDA device exists, the GPU: generation alone (so8_haar_cuda_time, CUDA events,
 * output left in device memory), the device-to-pinned-host copy alone, and the public
 * so8_haar_batch_cuda including the copy into (pageable, already touched) host memory.
 *
 * Baseline: what one would write first — one thread; 64 Gaussians per rotation from
 * cuRAND-style Box–Muller with the host libm (mc_philox_normal2_double, the same Philox
 * subsequence per rotation); modified Gram–Schmidt of the 8×8 Gaussian matrix (Q of QR with
 * positive R diagonal, which is Haar on O(8)); the last column negated when det < 0 (LU).
 *
 * Usage: bench_so8 [ROTATIONS_PER_RUN] [RUNS] [THREADS] [GPU_ROTATIONS]
 *        (defaults 200000 7 2 2097152)
 * Prints a Markdown table (median and min/max wall-clock rotations/s over the runs, and the
 * median rotations per CPU-second, which other load on the machine barely changes) and one
 * CSV line per case. Results are checked (orthogonality, det) so a broken
 * sampler cannot look fast.
 */
#include "so8/haar_fast.h"
#include "so8/so8.h"
#include "bench/bench_util.h"

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

/* The GPU rows: SO(8) double and float; cpu_rate is the CPU's T-thread float rate (for the
 * ratio column). Prints "GPU: none" and returns 0 without a device. */
static int gpu_bench(uint64_t count, int runs, double cpu_rate)
{
    if (so8_cuda_device_count() == 0) {
        printf("\nGPU: none (%s)\n", so8_cuda_compiled() ? "no CUDA device"
                                                          : "built without CUDA");
        return 0;
    }
    void *hb = malloc(count * 64 * sizeof(double));
    if (!hb) {
        fprintf(stderr, "bench_so8: out of memory (GPU buffer)\n");
        return 1;
    }
    memset(hb, 0, count * 64 * sizeof(double)); /* touch: time the copy, not page faults */
    printf("\nGPU SO(8), %llu rotations per run, %d runs (median rotations/s)\n\n",
           (unsigned long long)count, runs);
    printf("| case | double | float | float vs CPU T threads |\n|---|---:|---:|---:|\n");
    double gen[2] = {0, 0}, copy[2] = {0, 0}, api[2] = {0, 0};
    int bad = 0;
    for (int p = 0; p < 2; p++) {
        so8_precision prec = p == 0 ? SO8_DOUBLE : SO8_FLOAT;
        char err[256] = "";
        double g = 0, c = 0, rate[99];
        if (so8_haar_cuda_time(8, 1, 0, count, prec, runs, &g, &c, err, sizeof err) != SO8_OK) {
            fprintf(stderr, "bench_so8: GPU timing failed: %s\n", err);
            bad = 1;
            break;
        }
        gen[p] = (double)count / g;
        copy[p] = (double)count / c;
        for (int r = 0; r < runs; r++) {
            double t0 = now();
            if (so8_haar_batch_cuda(8, 1, 0, count, prec, hb, err, sizeof err) != SO8_OK) {
                fprintf(stderr, "bench_so8: GPU batch failed: %s\n", err);
                free(hb);
                return 1;
            }
            rate[r] = (double)count / (now() - t0);
        }
        qsort(rate, (size_t)runs, sizeof(double), bench_cmp_double);
        api[p] = runs % 2 ? rate[runs / 2] : 0.5 * (rate[runs / 2 - 1] + rate[runs / 2]);
        double w = 0.0;
        if (check(hb, prec, count, &w)) {
            fprintf(stderr, "bench_so8: GPU produced a non-rotation (orth %g)\n", w);
            bad = 1;
        }
    }
    printf("| generation only (device memory, best of runs) | %.4g | %.4g | %.2f× |\n", gen[0],
           gen[1], gen[1] / cpu_rate);
    printf("| device → pinned host copy only | %.4g | %.4g | — |\n", copy[0], copy[1]);
    printf("| so8_haar_batch_cuda (incl. copy to pageable host memory) | %.4g | %.4g | %.2f× |\n",
           api[0], api[1], api[1] / cpu_rate);
    printf("\n");
    const char *cases[3] = {"gpu_generation", "gpu_d2h_pinned_copy", "gpu_batch_api"};
    const double *vals[3] = {gen, copy, api};
    for (int c = 0; c < 3; c++)
        printf("csv,so8_sampling_gpu,%s,double,%.6g\ncsv,so8_sampling_gpu,%s,float,%.6g\n",
               cases[c], vals[c][0], cases[c], vals[c][1]);
    free(hb);
    return bad;
}

int main(int argc, char **argv)
{
    uint64_t count = argc > 1 ? strtoull(argv[1], NULL, 10) : 200000;
    int runs = argc > 2 ? atoi(argv[2]) : 7;
    int threads = argc > 3 ? atoi(argv[3]) : 2;
    uint64_t gpu_count = argc > 4 ? strtoull(argv[4], NULL, 10) : (uint64_t)1 << 21;
    if (count < 1000 || runs < 1 || runs > 99 || threads < 1 || gpu_count < 1000 ||
        gpu_count > ((uint64_t)1 << 26)) {
        fprintf(stderr, "usage: bench_so8 [ROTATIONS_PER_RUN>=1000] [RUNS 1..99] [THREADS>=1] "
                        "[GPU_ROTATIONS 1000..2^26]\n");
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
        qsort(rate[c], (size_t)runs, sizeof(double), bench_cmp_double);
        qsort(cpu_rate[c], (size_t)runs, sizeof(double), bench_cmp_double);
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
    if (gpu_bench(gpu_count, runs, res[4].median))
        bad = 1;
    return bad;
}
