/* mc_internal.h — what the pieces of mc/ share: the plan (kernel parameters + host-side
 * constants), the in-order accumulator, and the backends' entry points. Not public. */
#ifndef SO8T_MC_INTERNAL_H
#define SO8T_MC_INTERNAL_H

#include "mc/mc.h"
#include "mc/sample.h"
#include "mc/mc_xsum.h"

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

/* Results of a set of blocks — identical whoever computed them and in whatever order or
 * grouping they were added: counts are integers, sums exact (mc_xsum.h) and rounded once
 * when read. Two accumulators of disjoint block sets merge exactly (threads, GPU chunks,
 * MPI ranks, a resumed checkpoint). */
typedef struct {
    uint64_t blocks, hits, samples;
    mc_xsum sum, sum_sq;
    int nrep;
    mc_xsum rep_sum[MC_QMC_MAX_REPLICATES];
    uint64_t rep_n[MC_QMC_MAX_REPLICATES];
} mc_accum;

int mc_plan_build(const mc_problem *p, mc_method method, uint64_t seed, int qmc_replicates,
                  mc_plan *plan, char *err, size_t errlen);
/* Sets N (rounded up to whole blocks per replicate for qmc); returns the block count. */
uint64_t mc_plan_set_samples(mc_plan *plan, uint64_t samples);

void mc_accum_init(mc_accum *acc, int nrep);
/* Adds block `block`'s result (any order). */
void mc_accum_add(mc_accum *acc, const mc_plan *plan, uint64_t block, const mc_block_acc *b);
/* n consecutive blocks b0, b0+1, ... with sums only (no hits), block i's at sum[i·stride] and
 * sum_sq[i·stride]: the same state as n calls of mc_accum_add. */
void mc_accum_add_sums(mc_accum *acc, const mc_plan *plan, uint64_t b0, uint64_t n,
                       const double *sum, const double *sum_sq, size_t stride);
/* Adds a total hit count for blocks [block_begin, block_end) of a count method. */
void mc_accum_add_hits(mc_accum *acc, const mc_plan *plan, uint64_t block_begin,
                       uint64_t block_end, uint64_t hits);
/* acc += other (disjoint block sets), exactly. */
void mc_accum_merge(mc_accum *acc, const mc_accum *other);
/* The sums, each rounded once from its exact value. */
double mc_accum_sum(const mc_accum *acc);
double mc_accum_sum_sq(const mc_accum *acc);
double mc_accum_rep_sum(const mc_accum *acc, int rep);
/* The state as 64-bit words (mc_accum_words(nrep) of them): the words of several
 * accumulators added as unsigned integers are the words of their merge (an MPI_SUM of
 * MPI_UINT64_T; checkpoints store them too). unpack returns 0, or -1 for words no
 * accumulator has (a corrupt input). */
size_t mc_accum_words(int nrep);
void mc_accum_pack(const mc_accum *acc, uint64_t *w);
int mc_accum_unpack(mc_accum *acc, int nrep, const uint64_t *w);
void mc_finalize(const mc_plan *plan, const mc_accum *acc, mc_result *out);
/* Samples covered by blocks [0, nblocks) of this plan. */
uint64_t mc_plan_samples_in(const mc_plan *plan, uint64_t block_begin, uint64_t block_end);

/* Checkpoints (mc/mc_state.c). Where a run stands: the batch in progress (its sample
 * count: the whole N, or the --rel-err batch), the blocks [0, blocks_done) folded into acc,
 * and the method auto resolved. */
typedef struct {
    mc_method resolved;
    uint64_t batch_samples, blocks_done;
    mc_accum acc;
} mc_state;
/* Writes the state for (p, o) to path atomically: a temporary file in the same folder,
 * fsync, rename, fsync of the folder. 0, or MC_ERR_STATE with a message. */
int mc_state_save(const char *path, const mc_problem *p, const mc_options *o,
                  const mc_state *s, char *err, size_t errlen);
/* Reads path and checks it belongs to (p, o) with `resolved` as the method and `nrep`
 * replicates: 0 with *s filled, or MC_ERR_STATE with a message naming the differing
 * field, or saying the file is truncated, corrupt or not a checkpoint. */
int mc_state_load(const char *path, const mc_problem *p, const mc_options *o,
                  mc_method resolved, int nrep, mc_state *s, char *err, size_t errlen);

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
