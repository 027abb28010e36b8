/* mc_internal.h — what the pieces of mc/ share: the plan (kernel parameters + host-side
 * constants), the in-order accumulator, and the backends' entry points. Not public. */
#ifndef SO8T_MC_INTERNAL_H
#define SO8T_MC_INTERNAL_H

#include "mc/mc.h"
#include "mc/sample.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    mc_kparams kp;
    uint32_t sobol[MC_KMAX_DIM][32]; /* direction vectors (qmc) */
    double log_scale;                /* estimate = exp(log_scale) · mean(y) */
    double log_cube;                 /* log (2a)^d */
    double log_ball;                 /* log |B_d(r)| (or sphere area for the surface) */
    int count_based;
    int trivial;                     /* 1: value known without sampling (disjoint, r = 0,
                                        or a containment at an extreme scale) */
    double trivial_value;            /* exp(trivial_log): 0 when it underflows */
    double trivial_log;              /* its natural log (keeps the digits of tiny values) */
    const char *trivial_reason;      /* why (a static string) */
    mc_method method;
    mc_quantity quantity;
} mc_plan;

/* Results of blocks [0, n) folded in block order — identical whoever computed them. */
typedef struct {
    uint64_t blocks, hits, samples;
    double sum, sum_c, sum_sq, sum_sq_c; /* Neumaier-compensated running sums */
    int nrep;
    double rep_sum[MC_QMC_MAX_REPLICATES], rep_sum_c[MC_QMC_MAX_REPLICATES];
    uint64_t rep_n[MC_QMC_MAX_REPLICATES];
} mc_accum;

int mc_plan_build(const mc_problem *p, mc_method method, uint64_t seed, int qmc_replicates,
                  mc_plan *plan, char *err, size_t errlen);
/* Sets N (rounded up to whole blocks per replicate for qmc); returns the block count. */
uint64_t mc_plan_set_samples(mc_plan *plan, uint64_t samples);

void mc_accum_init(mc_accum *acc, int nrep);
/* Folds block `block`'s result; blocks must arrive in increasing order. */
void mc_accum_add(mc_accum *acc, const mc_plan *plan, uint64_t block, const mc_block_acc *b);
/* n consecutive blocks b0, b0+1, ... with sums only (no hits), block i's at sum[i·stride] and
 * sum_sq[i·stride]: the same result, bit for bit, as n calls of mc_accum_add in block order. */
void mc_accum_add_sums(mc_accum *acc, const mc_plan *plan, uint64_t b0, uint64_t n,
                       const double *sum, const double *sum_sq, size_t stride);
/* Adds a total hit count for blocks [block_begin, block_end) of a count method. */
void mc_accum_add_hits(mc_accum *acc, const mc_plan *plan, uint64_t block_begin,
                       uint64_t block_end, uint64_t hits);
void mc_finalize(const mc_plan *plan, const mc_accum *acc, mc_result *out);
/* Samples covered by blocks [0, nblocks) of this plan. */
uint64_t mc_plan_samples_in(const mc_plan *plan, uint64_t block_begin, uint64_t block_end);

void mc_sobol_direction_vectors(int ndim, uint32_t v[][32]);
/* Test hook: mismatches between the portable and the AVX2 Philox fill (0 when equal
 * or when the CPU has no AVX2). */
long mc_cpu_fill_selftest(void);

/* Backends: evaluate blocks [block_begin, block_end) and fold them into acc in order. */
typedef void (*mc_progress_fn)(void *user, double fraction);
int mc_cpu_run(const mc_plan *plan, uint64_t block_begin, uint64_t block_end, int threads,
               mc_accum *acc, mc_progress_fn progress, void *user, double frac0,
               double frac1);
int mc_cuda_run(const mc_plan *plan, uint64_t block_begin, uint64_t block_end, int device,
                mc_accum *acc, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* SO8T_MC_INTERNAL_H */
