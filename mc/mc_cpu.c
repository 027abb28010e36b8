/* mc_cpu.c — the OpenMP backend.
 *
 * Blocks are evaluated in parallel (any thread may take any block) into a chunk buffer,
 * then folded in block order, so the result does not depend on the thread count or the
 * chunk size.
 *
 * Speed: the per-sample math is mc/sample.h, the same as on the GPU; only the source of
 * the words differs. Here they come from a buffered generator that computes 64 Philox
 * blocks at a time in structure-of-arrays loops the compiler vectorizes (AVX2 when the
 * CPU has it, chosen at run time by target_clones), instead of one block per call. The
 * words are the same: block k of subsequence b is Philox((k, 0, b_lo, b_hi), key), which
 * is exactly the stream curand_init(seed, b, 0) produces (tests/test_mc.c checks it).
 */
#include <stdint.h>

#include "mc/philox.h"

#define MC_CPU_RNG_BLOCKS 64

typedef struct {
    uint32_t key[2];
    uint32_t sub[2];
    uint64_t next_block; /* Philox block index of the next refill */
    uint32_t buf[4 * MC_CPU_RNG_BLOCKS];
    int pos;
} mc_cpu_rng;

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(SO8T_NO_CLONES)
__attribute__((target_clones("avx2", "default")))
#endif
static void mc_cpu_rng_fill(mc_cpu_rng *g)
{
    uint32_t x[MC_CPU_RNG_BLOCKS], y[MC_CPU_RNG_BLOCKS], z[MC_CPU_RNG_BLOCKS],
        w[MC_CPU_RNG_BLOCKS];
    for (int i = 0; i < MC_CPU_RNG_BLOCKS; i++) {
        uint64_t k = g->next_block + (uint64_t)i;
        x[i] = (uint32_t)k;
        y[i] = (uint32_t)(k >> 32);
        z[i] = g->sub[0];
        w[i] = g->sub[1];
    }
    uint32_t k0 = g->key[0], k1 = g->key[1];
    for (int r = 0; r < 10; r++) {
        for (int i = 0; i < MC_CPU_RNG_BLOCKS; i++) {
            uint64_t p0 = (uint64_t)MC_PHILOX_M0 * x[i];
            uint64_t p1 = (uint64_t)MC_PHILOX_M1 * z[i];
            uint32_t nx = (uint32_t)(p1 >> 32) ^ y[i] ^ k0;
            uint32_t nz = (uint32_t)(p0 >> 32) ^ w[i] ^ k1;
            y[i] = (uint32_t)p1;
            w[i] = (uint32_t)p0;
            x[i] = nx;
            z[i] = nz;
        }
        k0 += MC_PHILOX_W0;
        k1 += MC_PHILOX_W1;
    }
    for (int i = 0; i < MC_CPU_RNG_BLOCKS; i++) {
        g->buf[4 * i + 0] = x[i];
        g->buf[4 * i + 1] = y[i];
        g->buf[4 * i + 2] = z[i];
        g->buf[4 * i + 3] = w[i];
    }
    g->next_block += MC_CPU_RNG_BLOCKS;
    g->pos = 0;
}

static inline void mc_cpu_rng_init(uint64_t seed, uint64_t sub, mc_cpu_rng *g)
{
    g->key[0] = (uint32_t)seed;
    g->key[1] = (uint32_t)(seed >> 32);
    g->sub[0] = (uint32_t)sub;
    g->sub[1] = (uint32_t)(sub >> 32);
    g->next_block = 0;
    g->pos = 4 * MC_CPU_RNG_BLOCKS;
}

static inline void mc_cpu_rng_next4(mc_cpu_rng *g, uint32_t w[4])
{
    if (g->pos == 4 * MC_CPU_RNG_BLOCKS)
        mc_cpu_rng_fill(g);
    w[0] = g->buf[g->pos];
    w[1] = g->buf[g->pos + 1];
    w[2] = g->buf[g->pos + 2];
    w[3] = g->buf[g->pos + 3];
    g->pos += 4;
}

#define MC_RNG_STATE mc_cpu_rng
#define MC_RNG_INIT(seed, sub, st) mc_cpu_rng_init((seed), (sub), (st))
#define MC_RNG_NEXT4(st, w) mc_cpu_rng_next4((st), (w))

#include "mc/mc_internal.h"

#include <omp.h>
#include <stdlib.h>

#define MC_CPU_CHUNK_BLOCKS 8192u /* 8M samples: progress granularity and buffer size */

int mc_cpu_run(const mc_plan *pl, uint64_t b0, uint64_t b1, int threads, mc_accum *acc,
               mc_progress_fn progress, void *user, double frac0, double frac1)
{
    mc_block_acc *buf = malloc(sizeof *buf * MC_CPU_CHUNK_BLOCKS);
    if (!buf)
        return MC_ERR_NOMEM;
    int nt = threads > 0 ? threads : omp_get_max_threads();
    for (uint64_t c0 = b0; c0 < b1; c0 += MC_CPU_CHUNK_BLOCKS) {
        uint64_t c1 = c0 + MC_CPU_CHUNK_BLOCKS < b1 ? c0 + MC_CPU_CHUNK_BLOCKS : b1;
        long long n = (long long)(c1 - c0);
#pragma omp parallel for schedule(dynamic, 4) num_threads(nt)
        for (long long i = 0; i < n; i++)
            mc_block_eval(&pl->kp, (const uint32_t(*)[32])pl->sobol, c0 + (uint64_t)i, &buf[i]);
        for (long long i = 0; i < n; i++)
            mc_accum_add(acc, pl, c0 + (uint64_t)i, &buf[i]);
        if (progress)
            progress(user, frac0 + (frac1 - frac0) * (double)(c1 - b0) / (double)(b1 - b0));
    }
    free(buf);
    return MC_OK;
}

