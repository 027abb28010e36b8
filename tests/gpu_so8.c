/* gpu_so8.c — GPU Haar rotations (make gpu-check): equal to the CPU's bit for bit for
 * 2^20 rotations of SO(8) (double and float) and for SO(3), SO(16); the GPU output passes
 * the Haar statistics. Without a device: prints "SKIP: no CUDA device" and passes. */
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
    const uint64_t chunk = 1u << 18;
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
        return test_summary();
    }
    double rate = 0;
    long long bad = compare(8, 20240601, 0, 1u << 20, SO8_DOUBLE, &rate);
    CHECK_MSG(bad == 0, "SO(8) double: %lld of 2^20 rotations differ from the CPU", bad);
    printf("GPU SO(8) double: %.4g rotations/s (including the copy to the host)\n", rate);
    bad = compare(8, 20240601, 5000000, 1u << 18, SO8_FLOAT, &rate);
    CHECK_MSG(bad == 0, "SO(8) float: %lld rotations differ", bad);
    bad = compare(3, 77, 0, 100000, SO8_DOUBLE, NULL);
    CHECK_MSG(bad == 0, "SO(3): %lld rotations differ", bad);
    bad = compare(16, 77, (uint64_t)1 << 40, 100000, SO8_DOUBLE, NULL);
    CHECK_MSG(bad == 0, "SO(16): %lld rotations differ", bad);

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
    return test_summary();
}
