/* mpi_reduce.c — the per-round cost of so8t-mpi's reduction (bench/mpi_bench.sh builds it
 * with mpicc): one MPI_Allreduce (MPI_SUM, MPI_UINT64_T) of the state a round sums —
 * 3 control words + mc_accum_words(nrep): 146 words for every method but qmc, 2418 for qmc
 * with 32 replicates — plus the pack, unpack and merge each rank does around it.
 * Prints one line per state size: the median over 2000 rounds (after 200 warm-up rounds)
 * of the slowest rank's time. */
#include "mc/mc_internal.h"

#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    enum { WARM = 200, ROUNDS = 2000 };
    static const int nreps[2] = {0, 32};
    static mc_accum a, tot;
    for (int k = 0; k < 2; k++) {
        size_t n = 3 + mc_accum_words(nreps[k]);
        uint64_t *w = malloc(n * sizeof *w);
        double *t = malloc(ROUNDS * sizeof *t);
        mc_accum_init(&a, nreps[k]);
        mc_accum_init(&tot, nreps[k]);
        for (int i = 0; i < 1000; i++) { /* a realistic state: some sums in it */
            mc_xsum_add(&a.sum, 512.0 + i);
            mc_xsum_add(&a.sum_sq, 3e5 + i);
            for (int r = 0; r < nreps[k]; r++)
                mc_xsum_add(&a.rep_sum[r], 500.0 + r);
        }
        for (int it = 0; it < WARM + ROUNDS; it++) {
            MPI_Barrier(MPI_COMM_WORLD);
            double t0 = MPI_Wtime();
            memset(w, 0, 3 * sizeof *w);
            mc_accum_pack(&a, w + 3);
            MPI_Allreduce(MPI_IN_PLACE, w, (int)n, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
            mc_accum b;
            mc_accum_unpack(&b, nreps[k], w + 3);
            mc_accum_merge(&tot, &b);
            double dt = MPI_Wtime() - t0, mx;
            MPI_Reduce(&dt, &mx, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
            if (it >= WARM)
                t[it - WARM] = mx;
        }
        if (rank == 0) {
            qsort(t, ROUNDS, sizeof *t, cmp);
            printf("ranks %d  state %zu words (%s)  per round: median %.1f us, p90 %.1f us\n",
                   size, n, nreps[k] ? "qmc, 32 replicates" : "hit/ball/cond/radial/tilt",
                   t[ROUNDS / 2] * 1e6, t[ROUNDS * 9 / 10] * 1e6);
        }
        free(w);
        free(t);
    }
    MPI_Finalize();
    return 0;
}
