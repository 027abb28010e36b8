/* mc_accum.c — the folded state of a run: block results added exactly (counts as 64-bit
 * integers, sums in mc_xsum.h), merged across threads, GPU chunks and MPI ranks, and packed
 * into 64-bit words for the team's sum and for checkpoints. */
#include "mc/mc_internal.h"

#include <stdint.h>

void mc_accum_init(mc_accum *acc, int nrep)
{
    acc->blocks = acc->hits = acc->samples = 0;
    mc_xsum_init(&acc->sum);
    mc_xsum_init(&acc->sum_sq);
    acc->nrep = nrep > 0 && nrep <= MC_QMC_MAX_REPLICATES ? nrep : 0;
    for (int i = 0; i < acc->nrep; i++) { /* the unused replicates stay untouched */
        mc_xsum_init(&acc->rep_sum[i]);
        acc->rep_n[i] = 0;
    }
}

void mc_accum_add(mc_accum *acc, const mc_plan *pl, uint64_t block, const mc_block_acc *b)
{
    uint64_t ns = mc_plan_samples_in(pl, block, block + 1);
    acc->blocks++;
    acc->hits += pl->quantity == MC_COMPLEMENT && pl->count_based ? ns - b->hits : b->hits;
    acc->samples += ns;
    if (pl->count_based)
        return; /* the count is the statistic; the block sums stay 0 */
    mc_xsum_add(&acc->sum, b->sum);
    mc_xsum_add(&acc->sum_sq, b->sum_sq);
    if (pl->kp.method == MC_METHOD_QMC && acc->nrep > 0) {
        int rep = (int)(block % (uint64_t)acc->nrep);
        mc_xsum_add(&acc->rep_sum[rep], b->sum);
        acc->rep_n[rep] += MC_BLOCK_SAMPLES;
    }
}

void mc_accum_add_sums(mc_accum *acc, const mc_plan *pl, uint64_t b0, uint64_t n,
                       const double *sum, const double *sum_sq, size_t stride)
{
    if (pl->kp.method == MC_METHOD_QMC && acc->nrep > 0) {
        for (uint64_t i = 0; i < n; i++) {
            mc_block_acc b = {0, sum[i * stride], sum_sq[i * stride]};
            mc_accum_add(acc, pl, b0 + i, &b);
        }
        return;
    }
    /* without the per-block bookkeeping: the GPU backend folds 2^18 blocks per chunk, in
       slices on the host's threads (exact sums merge in any grouping: the same bits) */
    enum { SLICES = 8 };
    if (n < (1u << 16)) {
        mc_xsum_add_array(&acc->sum, sum, n, stride);
        mc_xsum_add_array(&acc->sum_sq, sum_sq, n, stride);
    } else {
        mc_xsum ps[SLICES], pq[SLICES];
#pragma omp parallel for schedule(static, 1)
        for (int k = 0; k < SLICES; k++) {
            uint64_t lo = n * (uint64_t)k / SLICES, hi = n * (uint64_t)(k + 1) / SLICES;
            mc_xsum_init(&ps[k]);
            mc_xsum_init(&pq[k]);
            mc_xsum_add_array(&ps[k], sum + lo * stride, hi - lo, stride);
            mc_xsum_add_array(&pq[k], sum_sq + lo * stride, hi - lo, stride);
        }
        for (int k = 0; k < SLICES; k++) {
            mc_xsum_merge(&acc->sum, &ps[k]);
            mc_xsum_merge(&acc->sum_sq, &pq[k]);
        }
    }
    acc->blocks += n;
    acc->samples += mc_plan_samples_in(pl, b0, b0 + n);
}

void mc_accum_add_hits(mc_accum *acc, const mc_plan *pl, uint64_t b0, uint64_t b1,
                       uint64_t hits)
{
    uint64_t ns = mc_plan_samples_in(pl, b0, b1);
    acc->blocks += b1 - b0;
    /* the kernels count the samples inside; the complement's statistic is those outside */
    acc->hits += pl->quantity == MC_COMPLEMENT && pl->count_based ? ns - hits : hits;
    acc->samples += ns;
}

void mc_accum_merge(mc_accum *acc, const mc_accum *o)
{
    acc->blocks += o->blocks;
    acc->hits += o->hits;
    acc->samples += o->samples;
    mc_xsum_merge(&acc->sum, &o->sum);
    mc_xsum_merge(&acc->sum_sq, &o->sum_sq);
    for (int i = 0; i < acc->nrep && i < o->nrep; i++) {
        mc_xsum_merge(&acc->rep_sum[i], &o->rep_sum[i]);
        acc->rep_n[i] += o->rep_n[i];
    }
}

double mc_accum_sum(const mc_accum *acc) { return mc_xsum_round(&acc->sum); }
double mc_accum_sum_sq(const mc_accum *acc) { return mc_xsum_round(&acc->sum_sq); }
double mc_accum_rep_sum(const mc_accum *acc, int rep) { return mc_xsum_round(&acc->rep_sum[rep]); }

size_t mc_accum_words(int nrep)
{
    return 3 + 2 * (size_t)MC_XSUM_WORDS + (size_t)(nrep > 0 ? nrep : 0) * (MC_XSUM_WORDS + 1);
}

void mc_accum_pack(const mc_accum *acc, uint64_t *w)
{
    w[0] = acc->blocks;
    w[1] = acc->hits;
    w[2] = acc->samples;
    w += 3;
    mc_xsum_pack(&acc->sum, w);
    mc_xsum_pack(&acc->sum_sq, w + MC_XSUM_WORDS);
    w += 2 * MC_XSUM_WORDS;
    for (int i = 0; i < acc->nrep; i++, w += MC_XSUM_WORDS + 1) {
        mc_xsum_pack(&acc->rep_sum[i], w);
        w[MC_XSUM_WORDS] = acc->rep_n[i];
    }
}

int mc_accum_unpack(mc_accum *acc, int nrep, const uint64_t *w)
{
    mc_accum_init(acc, nrep);
    if (nrep != acc->nrep)
        return -1;
    acc->blocks = w[0];
    acc->hits = w[1];
    acc->samples = w[2];
    w += 3;
    if (mc_xsum_unpack(&acc->sum, w) || mc_xsum_unpack(&acc->sum_sq, w + MC_XSUM_WORDS))
        return -1;
    w += 2 * MC_XSUM_WORDS;
    for (int i = 0; i < acc->nrep; i++, w += MC_XSUM_WORDS + 1) {
        if (mc_xsum_unpack(&acc->rep_sum[i], w))
            return -1;
        acc->rep_n[i] = w[MC_XSUM_WORDS];
    }
    return 0;
}

