/* mc_xsum.h — an exactly rounded, order-independent sum of doubles (a "superaccumulator").
 *
 * Why: the continuous estimators' block sums must give the same bits whoever adds them and
 * in whatever grouping — threads, GPU chunks, MPI ranks, a run resumed from a checkpoint.
 * Every finite double is an integer multiple of 2^-1074, so the accumulator keeps the exact
 * sum as a fixed-point integer in 67 signed 64-bit limbs of 32 bits each (bit 0 = 2^-1074;
 * the spare 32 bits of each limb absorb 2^30 additions before carries must be propagated).
 * Integer addition is associative, so two accumulators merge exactly, and the value read
 * out is the exact sum rounded once to the nearest double (ties to even), like Python's
 * math.fsum. Infinities and NaNs are counted (the value is then ±inf or NaN).
 *
 * Cost: one add is a bit split, a 128-bit shift and three limb additions (measured in
 * bench/bench_mc_xsum.c and docs/performance.md). */
#ifndef SO8T_MC_XSUM_H
#define SO8T_MC_XSUM_H

#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MC_XSUM_LIMBS 67
/* words of a packed accumulator: the limbs, then the counts of NaN, +inf, -inf */
#define MC_XSUM_WORDS (MC_XSUM_LIMBS + 3)

/* gcc, clang and nvcc (host) have 128-bit integers; __extension__ keeps -Wpedantic quiet */
__extension__ typedef unsigned __int128 mc_u128;

typedef struct {
    int64_t limb[MC_XSUM_LIMBS]; /* limb i weighs 2^(32 i − 1074) */
    uint64_t nan, pinf, ninf;    /* non-finite inputs seen */
    uint32_t adds;               /* additions since the last carry propagation */
} mc_xsum;

static inline void mc_xsum_init(mc_xsum *x) { memset(x, 0, sizeof *x); }

void mc_xsum_normalize(mc_xsum *x); /* propagates carries: limbs 0..65 in [0, 2^32) */

static inline void mc_xsum_add(mc_xsum *x, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    int be = (int)((bits >> 52) & 0x7ff);
    uint64_t m = bits & 0xfffffffffffffull;
    if (be == 0x7ff) {
        if (m)
            x->nan++;
        else if (bits >> 63)
            x->ninf++;
        else
            x->pinf++;
        return;
    }
    int p = 0; /* the position of m's bit 0 above 2^-1074 */
    if (be) {
        m |= 1ull << 52;
        p = be - 1;
    }
    if (!m)
        return;
    int i = p >> 5;
    mc_u128 w = (mc_u128)m << (p & 31);
    int64_t lo = (int64_t)((uint64_t)w & 0xffffffffu), mid = (int64_t)((uint64_t)(w >> 32) & 0xffffffffu),
            hi = (int64_t)(uint64_t)(w >> 64);
    if (bits >> 63) {
        x->limb[i] -= lo;
        x->limb[i + 1] -= mid;
        x->limb[i + 2] -= hi;
    } else {
        x->limb[i] += lo;
        x->limb[i + 1] += mid;
        x->limb[i + 2] += hi;
    }
    if (++x->adds >= (1u << 30))
        mc_xsum_normalize(x);
}

/* Adds v[0], v[stride], ..., v[(n−1)·stride]: the same state as n calls of mc_xsum_add,
 * faster when the values span few binades (a continuous estimator's block sums, which the
 * GPU backend folds 2^18 at a time): they are then added as 128-bit integers first. */
void mc_xsum_add_array(mc_xsum *x, const double *v, size_t n, size_t stride);

/* The exact sum rounded to the nearest double (ties to even); ±inf beyond the range. */
double mc_xsum_round(const mc_xsum *x);
/* x += y, exactly. */
void mc_xsum_merge(mc_xsum *x, const mc_xsum *y);
/* To and from MC_XSUM_WORDS 64-bit words (normalized limbs in two's complement, then the
 * counts): words of several accumulators added as unsigned integers (mod 2^64) are the
 * words of their exact sum, for up to 2^31 accumulators — what an MPI_SUM of MPI_UINT64_T
 * computes. unpack returns 0, or -1 when a limb is out of its range (a corrupt input). */
void mc_xsum_pack(const mc_xsum *x, uint64_t *w);
int mc_xsum_unpack(mc_xsum *x, const uint64_t *w);

#ifdef __cplusplus
}
#endif

#endif /* SO8T_MC_XSUM_H */
