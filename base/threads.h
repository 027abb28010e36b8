/* threads.h — the OpenMP team size every so8t parallel region uses.
 *
 * OpenMP's default comes from OMP_NUM_THREADS unchecked: OMP_NUM_THREADS=100000 made
 * libgomp fail to create the team and crash (issue 16). The default is capped at the
 * largest count --threads accepts, so the environment cannot ask for more than the
 * command line can. Host-only, no state: include it where a parallel region starts. */
#ifndef SO8T_BASE_THREADS_H
#define SO8T_BASE_THREADS_H

#include <omp.h>

#define SO8T_MAX_THREADS 1024 /* the largest --threads any command accepts */

/* omp_get_max_threads() (OMP_NUM_THREADS, else the cores), within [1, SO8T_MAX_THREADS]. */
static inline int so8t_threads_default(void)
{
    int n = omp_get_max_threads();
    return n < 1 ? 1 : n > SO8T_MAX_THREADS ? SO8T_MAX_THREADS : n;
}

/* `requested` when > 0 (capped the same way), else the default. */
static inline int so8t_threads_resolve(int requested)
{
    if (requested <= 0)
        return so8t_threads_default();
    return requested > SO8T_MAX_THREADS ? SO8T_MAX_THREADS : requested;
}

/* Caps OpenMP's own default as well, for parallel regions without a num_threads clause
 * (llm/ matrix products, the CUDA path's host loops): call once at program start. */
static inline void so8t_threads_cap_default(void)
{
    if (omp_get_max_threads() > SO8T_MAX_THREADS)
        omp_set_num_threads(SO8T_MAX_THREADS);
}

#endif /* SO8T_BASE_THREADS_H */
