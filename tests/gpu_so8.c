/* gpu_so8.c — GPU Haar rotations (make gpu-check): equal to the CPU's bit for bit for
 * 2^20 + 777 rotations of SO(8) (double and float; requests large enough for the pipelined
 * copy path, with a partial last chunk and block) and for every n = 1 … 16 in both
 * precisions (n ≤ 8: the register kernel, above: the generic one), indices past 2^32; the
 * GPU output passes the Haar statistics; throughput lines for generation alone (CUDA
 * events), the pinned copy, and the public API including the copy into pageable memory.
 * Without a device: prints "SKIP: no CUDA device" and passes. */
#include "so8/haar_fast.h"
#include "so8/so8.h"
#include "tests/test.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

/* GPU vs CPU for rotations [first, first+total) in chunks; returns the number of rotations
 * whose bits differ (or −1 on an error). */
static long long compare(int n, uint64_t seed, uint64_t first, uint64_t total,
                         so8_precision prec, double *gpu_rate)
{
    const uint64_t chunk = total < 300001 ? total : 300001; /* not a multiple of anything */
    size_t per = (size_t)n * n * so8_precision_size(prec);
    char *g = malloc(chunk * per), *c = malloc(chunk * per);
    long long bad = 0;
    double tg = 0;
    if (!g || !c) {
        free(g);
        free(c);
        return -1;
    }
    for (uint64_t done = 0; done < total; done += chunk) {
        uint64_t len = total - done < chunk ? total - done : chunk;
        char err[256] = "";
        double t0 = omp_get_wtime();
        int rc = so8_haar_batch_cuda(n, seed, first + done, len, prec, g, err, sizeof err);
        tg += omp_get_wtime() - t0;
        if (rc != SO8_OK) {
            fprintf(stderr, "GPU batch failed: %s: %s\n", so8_strerror(rc), err);
            bad = -1;
            break;
        }
        so8_haar_batch_cpu(n, seed, first + done, len, prec, c, 0);
        for (uint64_t r = 0; r < len; r++)
            if (memcmp(g + r * per, c + r * per, per) != 0) {
                if (bad < 3)
                    fprintf(stderr, "n=%d rotation %llu differs\n", n,
                            (unsigned long long)(first + done + r));
                bad++;
            }
    }
    if (gpu_rate)
        *gpu_rate = tg > 0 ? (double)total / tg : 0;
    free(g);
    free(c);
    return bad;
}

int main(void)
{
    if (so8_cuda_device_count() == 0) {
        printf("SKIP: no CUDA device\n");
        double R[64];
        /* without a device the entry point must say so, not crash */
        CHECK(so8_haar_batch_cuda(8, 1, 0, 1, SO8_DOUBLE, R, NULL, 0) == SO8_ERR_NODEVICE);
        double g = 0;
        CHECK(so8_haar_cuda_time(8, 1, 0, 1, SO8_DOUBLE, 1, &g, NULL, NULL, 0) ==
              SO8_ERR_NODEVICE);
        return test_summary();
    }
    double rate = 0;
    long long bad = compare(8, 20240601, 0, (1u << 20) + 777, SO8_DOUBLE, &rate);
    CHECK_MSG(bad == 0, "SO(8) double: %lld of 2^20+777 rotations differ from the CPU", bad);
    printf("GPU SO(8) double: %.4g rotations/s (API incl. copy, 300001 per call, first touch)\n",
           rate);
    bad = compare(8, 20240601, 5000000, (1u << 20) + 777, SO8_FLOAT, &rate);
    CHECK_MSG(bad == 0, "SO(8) float: %lld rotations differ", bad);
    /* every n, both precisions, small (one launch) and pipelined requests, index ≥ 2^32 */
    for (int n = 1; n <= SO8_MAX_N; n++)
        for (int p = 0; p < 2; p++) {
            so8_precision prec = p ? SO8_DOUBLE : SO8_FLOAT;
            uint64_t cnt = n <= 8 ? 100003 : 20011;
            bad = compare(n, 77 + (uint64_t)n, ((uint64_t)1 << 32) - 5000, cnt, prec, NULL);
            CHECK_MSG(bad == 0, "SO(%d) %s (%s kernel): %lld rotations differ", n,
                      p ? "double" : "float", so8_haar_fast_n(n) ? "register" : "generic", bad);
        }
    bad = compare(16, 77, (uint64_t)1 << 40, 100000, SO8_DOUBLE, NULL);
    CHECK_MSG(bad == 0, "SO(16): %lld rotations differ", bad);

    /* throughput: generation alone (device memory, CUDA events) and the copies */
    for (int p = 1; p >= 0; p--) {
        so8_precision prec = p ? SO8_DOUBLE : SO8_FLOAT;
        const uint64_t M = (uint64_t)1 << 21;
        double gen = 0, copy = 0;
        char err[256] = "";
        int rc = so8_haar_cuda_time(8, 1, 0, M, prec, 5, &gen, &copy, err, sizeof err);
        CHECK_MSG(rc == SO8_OK, "so8_haar_cuda_time: %s", err);
        if (rc == SO8_OK && gen > 0 && copy > 0)
            printf("GPU SO(8) %s: generation %.4g rotations/s (device only, %llu rotations); "
                   "D2H pinned copy %.4g rotations/s (%.3g GB/s)\n",
                   p ? "double" : "float", (double)M / gen, (unsigned long long)M,
                   (double)M / copy, (double)M * 64 * so8_precision_size(prec) / copy * 1e-9);
        /* the public API into an already-touched pageable buffer */
        char *hb = malloc(M * 64 * so8_precision_size(prec));
        if (hb) {
            memset(hb, 0, M * 64 * so8_precision_size(prec));
            double t0 = omp_get_wtime();
            rc = so8_haar_batch_cuda(8, 1, 0, M, prec, hb, err, sizeof err);
            double t1 = omp_get_wtime();
            CHECK_MSG(rc == SO8_OK, "so8_haar_batch_cuda: %s", err);
            printf("GPU SO(8) %s: so8_haar_batch_cuda %.4g rotations/s (incl. copy to pageable "
                   "host memory, %llu rotations)\n",
                   p ? "double" : "float", (double)M / (t1 - t0), (unsigned long long)M);
        }
        free(hb);
    }

    /* Haar statistics of GPU output, SO(8), 10^6 rotations */
    const uint64_t N = 1000000;
    double *buf = malloc(N * 64 * sizeof *buf);
    so8_stats *s = NULL;
    CHECK(buf != NULL);
    if (buf && so8_stats_create(8, SO8_DOUBLE, &s) == SO8_OK) {
        char err[256] = "";
        CHECK(so8_haar_batch_cuda(8, 4242, 0, N, SO8_DOUBLE, buf, err, sizeof err) == SO8_OK);
        so8_stats_add(s, buf, SO8_DOUBLE, N, 0);
        so8_stats_report rep;
        CHECK(so8_stats_report_get(s, &rep) == SO8_OK);
        CHECK(rep.pass);
        for (int i = 0; i < rep.n_tests; i++)
            if (!rep.tests[i].pass)
                fprintf(stderr, "  %s: value %g expected %g z %.2f\n", rep.tests[i].name,
                        rep.tests[i].value, rep.tests[i].expected, rep.tests[i].z);
    }
    so8_stats_free(s);
    free(buf);
    /* bad arguments */
    CHECK(so8_haar_batch_cuda(0, 1, 0, 1, SO8_DOUBLE, NULL, NULL, 0) == SO8_ERR_INVAL);
    double one[64];
    CHECK(so8_haar_batch_cuda(17, 1, 0, 1, SO8_DOUBLE, one, NULL, 0) == SO8_ERR_INVAL);
    double g = 0;
    CHECK(so8_haar_cuda_time(8, 1, 0, 0, SO8_DOUBLE, 1, &g, NULL, NULL, 0) == SO8_ERR_INVAL);
    return test_summary();
}
