/* bench_mc_xsum.c — the cost of the exact block fold (mc/mc_xsum.h) against the Neumaier
 * compensated sum it replaced: ns per added block sum, on 2^22 block sums shaped like a
 * continuous estimator's (positive, within a few binades), median of 5. The GPU backend
 * folds 2 values per block on the host, so this bounds the blocks/s one host core folds. */
#include "mc/mc_xsum.h"
#include "bench/bench_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define N (1u << 22)

static void neumaier(double *s, double *c, double x)
{
    double t = *s + x;
    if (fabs(*s) >= fabs(x))
        *c += (*s - t) + x;
    else
        *c += (x - t) + *s;
    *s = t;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(void)
{
    double *v = malloc(sizeof(double) * N);
    if (!v)
        return 1;
    uint64_t st = 88172645463325252ull;
    for (unsigned i = 0; i < N; i++) {
        st ^= st << 13, st ^= st >> 7, st ^= st << 17;
        v[i] = 300.0 + 400.0 * (double)(st >> 11) * 0x1p-53; /* a block sum of 1024 y's */
    }
    double tx[5], tn[5], ta[5], sink = 0;
    for (int r = 0; r < 5; r++) {
        double t0 = bench_now();
        mc_xsum x;
        mc_xsum_init(&x);
        for (unsigned i = 0; i < N; i++)
            mc_xsum_add(&x, v[i]);
        sink += mc_xsum_round(&x);
        double t1 = bench_now();
        mc_xsum y;
        mc_xsum_init(&y);
        mc_xsum_add_array(&y, v, N, 1);
        sink += mc_xsum_round(&y);
        if (mc_xsum_round(&y) != mc_xsum_round(&x))
            printf("add_array differs from add!\n");
        double t15 = bench_now();
        double s = 0, c = 0;
        for (unsigned i = 0; i < N; i++)
            neumaier(&s, &c, v[i]);
        sink += s + c;
        double t2 = bench_now();
        tx[r] = (t1 - t0) / N * 1e9;
        tn[r] = (t2 - t15) / N * 1e9;
        ta[r] = (t15 - t1) / N * 1e9;
    }
    qsort(tx, 5, sizeof *tx, cmp);
    qsort(tn, 5, sizeof *tn, cmp);
    qsort(ta, 5, sizeof *ta, cmp);
    printf("fold of %u block sums, median of 5: exact one by one (mc_xsum_add) %.2f ns/add, "
           "exact batched (mc_xsum_add_array, the GPU path) %.2f ns/add, Neumaier %.2f ns/add; "
           "batched / Neumaier %.2f (checksum %.6g)\n", N, tx[2], ta[2], tn[2], ta[2] / tn[2], sink);
    free(v);
    return 0;
}
