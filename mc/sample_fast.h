/* sample_fast.h — specialised block evaluators for `hit`, `cond`, `ball` (volume and
 * surface), `radial`, `tilt`, `qmc` and the orientation average (hit, cond), giving
 * exactly the numbers of mc_block_eval (mc/sample.h) — the same hits, the same sum bits —
 * in a shape a GPU runs from registers (mc_fast_kind says which applies).
 *
 * Same stream, drawn without a state: the words of RNG block b are those of
 * curand_init(seed, b, 0) + curand4, i.e. Philox group g (g = 0, 1, ...) of block b is
 *     Philox4x32-10(counter = (g, 0, lo32 b, hi32 b), key = (lo32 seed, hi32 seed))
 * (mc/philox.h; tests/gpu_philox.c checks it against cuRAND's device stream). The round
 * keys key + r·(W0, W1) are the same for every thread, so they are computed once
 * (mc_fast_setup) and on the GPU live in constant memory: the key additions cost nothing.
 *
 * Same order: words are consumed strictly in stream order, sample after sample, each
 * sample its coordinates i = 0..m−1 (m = d for hit, d − 1 for cond), so a sample may
 * straddle two 4-word groups. With S = 4 / gcd(m, 4) samples (G = S·m/4 whole groups) as
 * one unit, the pattern repeats, and when d is a compile-time constant (the CUDA kernels
 * instantiate d ∈ {2, 3, 4, 8, ...}) every word index, coordinate index and centre offset
 * is a constant after unrolling: no buffer indexed at run time, no local memory.
 *
 * Same arithmetic: the reference coordinate is a·(2u − 1) with u = (x + 1)·2^-32. Every
 * step but the last multiplication is exact, and 2u − 1 = (x + 1 − 2^31)·2^-31, so
 *     a·(2u − 1) = fl(a·2^-31 · (x − (2^31 − 1)))
 * with x − (2^31 − 1) exact in double (an integer of at most 32 bits) and a·2^-31 exact
 * whenever it is a normal number: one rounding of the same real product, hence the same
 * bits — two double operations instead of six. mc_fast_setup refuses (returns 0) when
 * a·2^-31 is not exact (a < 2^-991 or not finite); the caller then keeps mc_block_eval.
 * Differences, squares, sums, the chord and the division are the reference's operations
 * in the reference's order (compiled without FMA contraction on both sides).
 *
 * Everything here is SO8T_HD: C11 for the CPU (tests/test_mc_blocks.c and
 * tests/test_mc_blocks2.c compare it with mc_block_eval for many d, seeds, blocks and
 * centres) and CUDA for mc/mc_cuda.cu.
 */
#ifndef SO8T_MC_SAMPLE_FAST_H
#define SO8T_MC_SAMPLE_FAST_H

#include <stdint.h>

#include "mc/philox.h"
#include "mc/sample.h"
#include "base/config.h"


/* Run constants shared by every block: plain data (GPU constant memory). */
typedef struct {
    uint32_t rk[20]; /* round keys: rk[2r] = k0 + r·W0, rk[2r+1] = k1 + r·W1 */
    double a2;       /* a·2^-31, exact */
    double two_a;    /* 2a, the cond denominator (the reference computes 2.0 * a) */
    double inv_two_a; /* 1/(2a) when that is an exact power of two, else 0 */
} mc_fast_consts;


/* Fills fc for kp. Returns 1 when the fast evaluators reproduce mc_block_eval for this
 * problem (method hit or cond, not the orientation average, cond needs d >= 2, a·2^-31
 * exact), 0 otherwise (fc is still filled). */
/* Plain arithmetic: host and device even in mc/mc_cuda.cu (its host code calls it). */
SO8T_HOST_DEVICE int mc_fast_setup(const mc_kparams *kp, mc_fast_consts *fc)
{
    uint32_t k0 = (uint32_t)kp->seed, k1 = (uint32_t)(kp->seed >> 32);
    for (int r = 0; r < 10; r++) {
        fc->rk[2 * r] = k0 + (uint32_t)r * MC_PHILOX_W0;
        fc->rk[2 * r + 1] = k1 + (uint32_t)r * MC_PHILOX_W1;
    }
    const double dbl_min = 2.2250738585072014e-308;
    fc->a2 = kp->a * (1.0 / 2147483648.0);
    fc->two_a = 2.0 * kp->a;
    /* 2a = 2^k: x / 2a and x · 2^-k are the same real number, rounded once — the same
       bits, without the division (a = 1, the usual cube, is such a case) */
    fc->inv_two_a = 0.0;
    {
        double inv = 1.0 / fc->two_a;
        if (fc->two_a > 0 && inv >= dbl_min && inv <= 1e300 && inv * fc->two_a == 1.0) {
            double m = fc->two_a;
            while (m >= 2.0)
                m *= 0.5;
            while (m < 1.0)
                m *= 2.0;
            if (m == 1.0)
                fc->inv_two_a = inv;
        }
    }
    int exact = kp->a == kp->a && fc->a2 >= dbl_min && fc->a2 <= 1e300 &&
                fc->a2 * 2147483648.0 == kp->a;
    int method_ok = kp->method == MC_METHOD_HIT || (kp->method == MC_METHOD_COND && kp->dim >= 2);
    return exact && method_ok && kp->quantity != MC_ORIENT_AVG && kp->dim >= 1 &&
           kp->dim <= MC_KMAX_DIM;
}

/* Philox group g of RNG block (blo, bhi): the four words of curand4 call g. */
SO8T_HD void mc_fast_philox(const uint32_t *rk, uint32_t g, uint32_t blo, uint32_t bhi,
                            uint32_t out[4])
{
    uint32_t c[4];
    c[0] = g;
    c[1] = 0u;
    c[2] = blo;
    c[3] = bhi;
    SO8T_UNROLL
    for (int r = 0; r < 10; r++)
        mc_philox_round(c, rk[2 * r], rk[2 * r + 1]);
    out[0] = c[0];
    out[1] = c[1];
    out[2] = c[2];
    out[3] = c[3];
}

/* x − (2^31 − 1), exact, two ways: a u32 → f64 conversion then a subtraction, or (no
 * conversion instruction) the double with bits 0x43300000_x, which is 2^52 + x, minus
 * 2^52 + 2^31 − 1. Both are exact, so both give the same bits. */
SO8T_HD double mc_fast_centred_cvt(uint32_t x)
{
    return (double)x - 2147483647.0;
}

SO8T_HD double mc_fast_centred_bits(uint32_t x)
{
#if defined(__CUDA_ARCH__)
    return __hiloint2double(0x43300000, (int)x) - 4503601774854143.0;
#else
    union {
        uint64_t u;
        double f;
    } v;
    v.u = 0x4330000000000000ull | (uint64_t)x;
    return v.f - 4503601774854143.0;
#endif
}

/* Which of the two the kernels use (same bits; the choice is only speed). */
#ifndef MC_FAST_CENTRED
#define MC_FAST_CENTRED mc_fast_centred_cvt
#endif

/* The reference's mc_coord(x, a), bit for bit (header comment): a2 = a·2^-31. */
SO8T_HD double mc_fast_coord(uint32_t x, double a2)
{
    return a2 * MC_FAST_CENTRED(x);
}

/* Samples per repeating unit: S = 4 / gcd(m, 4) for m words per sample. */
SO8T_HD int mc_fast_unit_samples(int m)
{
    return (m & 3) == 0 ? 1 : (m & 1) == 0 ? 2 : 4;
}

/* A finished sample into the block's accumulators: with cond, its value y into sum and
 * sum_sq (y evaluated only then); without, its hit (0 or 1) into hits. */
#define MC_FAST_ADD_SAMPLE(hit, y)                                                     \
    do {                                                                               \
        if (cond) {                                                                    \
            double y_ = (y);                                                           \
            sum += y_;                                                                 \
            sum_sq += y_ * y_;                                                         \
        } else {                                                                       \
            hits += (hit);                                                             \
        }                                                                              \
    } while (0)

/* One word of a hit (cond = 0) or cond (cond = 1) sample: coordinate i of the m = d − cond
 * drawn ones; the m-th closes the sample: hit counts s <= r², cond adds the integral over
 * the last coordinate (mc_cond_value, the volume's chord or the complement's outside
 * pieces, as kp->quantity says). */
#define MC_FAST_CUBE_WORD(x)                                                           \
    do {                                                                               \
        double dx_ = mc_fast_coord((x), fc->a2) - c[i];                                \
        s += dx_ * dx_;                                                                \
        if (++i == m) {                                                                \
            MC_FAST_ADD_SAMPLE(s <= r2, mc_cond_value(kp, c[d - 1], s, fc->inv_two_a)); \
            s = 0.0;                                                                   \
            i = 0;                                                                     \
        }                                                                              \
    } while (0)

/* The same for the last block's tail: words after its last sample are drawn, unused. */
#define MC_FAST_CUBE_TAIL(x)                                                           \
    do {                                                                               \
        if (left) {                                                                    \
            MC_FAST_CUBE_WORD(x);                                                      \
            if (i == 0)                                                                \
                left--;                                                                \
        }                                                                              \
    } while (0)

/* hit (cond = 0: *hits) or cond (cond = 1, d >= 2: *sum, *sum_sq) for RNG block `block`, as
 * mc_block_eval. d = kp->dim; pass d and cond as compile-time constants to get the unrolled
 * form with the other branch folded away. */
SO8T_HD void mc_fast_cube_block(const mc_kparams *kp, const mc_fast_consts *fc, int d,
                                int cond, uint64_t block, uint32_t *hits_out,
                                double *sum_out, double *sum_sq_out)
{
    const double *c = kp->center;
    const double r2 = kp->r2;
    const int m = d - cond;
    const uint32_t blo = (uint32_t)block, bhi = (uint32_t)(block >> 32);
    const uint32_t n = mc_block_samples(kp, block);
    const int S = mc_fast_unit_samples(m), G = S * m / 4;
    const uint32_t units = n / (uint32_t)S;
    uint32_t hits = 0, g = 0;
    double sum = 0.0, sum_sq = 0.0;
    for (uint32_t u = 0; u < units; u++) {
        double s = 0.0;
        int i = 0;
        SO8T_UNROLL
        for (int q = 0; q < G; q++) {
            uint32_t w[4];
            mc_fast_philox(fc->rk, g + (uint32_t)q, blo, bhi, w);
            MC_FAST_CUBE_WORD(w[0]);
            MC_FAST_CUBE_WORD(w[1]);
            MC_FAST_CUBE_WORD(w[2]);
            MC_FAST_CUBE_WORD(w[3]);
        }
        g += (uint32_t)G;
    }
    /* the last block's n mod S samples (< 4): same order, words after the last sample
       unused */
    uint32_t left = n - units * (uint32_t)S;
    double s = 0.0;
    int i = 0;
    while (left) {
        uint32_t w[4];
        mc_fast_philox(fc->rk, g++, blo, bhi, w);
        MC_FAST_CUBE_TAIL(w[0]);
        MC_FAST_CUBE_TAIL(w[1]);
        MC_FAST_CUBE_TAIL(w[2]);
        MC_FAST_CUBE_TAIL(w[3]);
    }
    *hits_out = hits;
    *sum_out = sum;
    *sum_sq_out = sum_sq;
}

/* hit: the number of samples of RNG block `block` inside the ball — mc_block_eval's
 * acc->hits. */
SO8T_HD uint32_t mc_fast_hit_block(const mc_kparams *kp, const mc_fast_consts *fc, int d,
                                   uint64_t block)
{
    uint32_t hits;
    double s, s2;
    mc_fast_cube_block(kp, fc, d, 0, block, &hits, &s, &s2);
    return hits;
}

/* cond: mc_block_eval's acc->sum and acc->sum_sq for RNG block `block` (d >= 2). */
SO8T_HD void mc_fast_cond_block(const mc_kparams *kp, const mc_fast_consts *fc, int d,
                                uint64_t block, double *sum_out, double *sum_sq_out)
{
    uint32_t hits;
    mc_fast_cube_block(kp, fc, d, 1, block, &hits, sum_out, sum_sq_out);
}

/* ==== ball, radial, tilt and the orientation average ====
 *
 * These draw Gaussians (mc/normal.h: one normal pair per four consecutive words of the
 * stream, mc_words_normal2) and, for ball volumes, tilt and the orientation average, single
 * words in between, so a normal pair may start at any word of a Philox group. The reader
 * below keeps the current group in four scalars (never an array indexed at run time) and
 * the number of its words already used, pos ∈ 1..4 (4: none left). Four words always cost
 * exactly one new group, whatever pos: words pos..3 of the current group followed by words
 * 0..pos−1 of the next, which then becomes current, pos unchanged. Where pos is known at
 * compile time (surface and radial: always 4; ball volume: a unit of 4 samples returns to
 * 4; orientation average: a unit of S samples), the selects fold away; elsewhere they are a
 * few SEL instructions, still no local memory.
 *
 * The per-sample arithmetic is the reference's (mc_sample_ball, mc_sample_radial,
 * mc_sample_tilt, mc_random_center + mc_sample_hit / mc_sample_cond) operation for
 * operation; the only reordering is that the loops the reference runs over a stored
 * vector g (|g|², the ray/cube slab test, θ·(p − c), the radial exits) run as each
 * coordinate arrives — each accumulator still sees its terms in the order i = 0..d−1,
 * so every value has the same bits. */

/* Which specialised evaluator reproduces mc_block_eval for a problem. */
enum {
    MC_FAST_NONE = 0,
    MC_FAST_HIT = 1,
    MC_FAST_COND = 2,
    MC_FAST_BALL = 3,        /* volume or surface */
    MC_FAST_RADIAL = 4,
    MC_FAST_TILT = 5,
    MC_FAST_ORIENT_HIT = 6,  /* orientation average, hit */
    MC_FAST_ORIENT_COND = 7, /* orientation average, cond */
    MC_FAST_QMC = 8
};

/* Fills fc and returns the MC_FAST_* evaluator for kp, MC_FAST_NONE where only
 * mc_block_eval applies (hit, cond and the orientation average when a·2^-31 is not
 * exact). */
SO8T_HOST_DEVICE int mc_fast_kind(const mc_kparams *kp, mc_fast_consts *fc)
{
    if (mc_fast_setup(kp, fc))
        return kp->method == MC_METHOD_HIT ? MC_FAST_HIT : MC_FAST_COND;
    if (kp->dim < 1 || kp->dim > MC_KMAX_DIM)
        return MC_FAST_NONE;
    const double dbl_min = 2.2250738585072014e-308;
    int exact = kp->a == kp->a && fc->a2 >= dbl_min && fc->a2 <= 1e300 &&
                fc->a2 * 2147483648.0 == kp->a;
    if (kp->quantity == MC_ORIENT_AVG) {
        /* mc_block_eval: hit, otherwise cond, against a random centre */
        if (!exact)
            return MC_FAST_NONE;
        if (kp->method == MC_METHOD_HIT)
            return MC_FAST_ORIENT_HIT;
        return kp->method == MC_METHOD_COND ? MC_FAST_ORIENT_COND : MC_FAST_NONE;
    }
    switch (kp->method) {
    case MC_METHOD_BALL:
        return MC_FAST_BALL;
    case MC_METHOD_RADIAL:
        return MC_FAST_RADIAL;
    case MC_METHOD_TILT:
        return MC_FAST_TILT;
    case MC_METHOD_QMC:
        return kp->qmc_replicates >= 1 ? MC_FAST_QMC : MC_FAST_NONE;
    default:
        return MC_FAST_NONE;
    }
}

/* The word stream of one RNG block, from scalars (header comment above). */
typedef struct {
    uint32_t c0, c1, c2, c3; /* the current Philox group */
    uint32_t g;              /* index of the next group */
    uint32_t blo, bhi;       /* the block: counter words 2, 3 */
    int pos;                 /* words of the current group used: 1..4 */
} mc_fast_words;

SO8T_HD void mc_fw_init(mc_fast_words *fw, uint64_t block)
{
    fw->c0 = fw->c1 = fw->c2 = fw->c3 = 0u;
    fw->g = 0u;
    fw->blo = (uint32_t)block;
    fw->bhi = (uint32_t)(block >> 32);
    fw->pos = 4;
}

/* The next word (mc_words_next). */
SO8T_HD uint32_t mc_fw_next(mc_fast_words *fw, const uint32_t *rk)
{
    if (fw->pos == 4) {
        uint32_t w[4];
        mc_fast_philox(rk, fw->g++, fw->blo, fw->bhi, w);
        fw->c0 = w[0];
        fw->c1 = w[1];
        fw->c2 = w[2];
        fw->c3 = w[3];
        fw->pos = 0;
    }
    int p = fw->pos++;
    return p == 0 ? fw->c0 : p == 1 ? fw->c1 : p == 2 ? fw->c2 : fw->c3;
}

/* The next four words (four mc_words_next calls): one new group, pos unchanged. */
SO8T_HD void mc_fw_next4(mc_fast_words *fw, const uint32_t *rk, uint32_t out[4])
{
    uint32_t n[4];
    mc_fast_philox(rk, fw->g++, fw->blo, fw->bhi, n);
    const int p = fw->pos;
    out[0] = p == 1 ? fw->c1 : p == 2 ? fw->c2 : p == 3 ? fw->c3 : n[0];
    out[1] = p == 1 ? fw->c2 : p == 2 ? fw->c3 : p == 3 ? n[0] : n[1];
    out[2] = p == 1 ? fw->c3 : p == 2 ? n[0] : p == 3 ? n[1] : n[2];
    out[3] = p == 1 ? n[0] : p == 2 ? n[1] : p == 3 ? n[2] : n[3];
    fw->c0 = n[0];
    fw->c1 = n[1];
    fw->c2 = n[2];
    fw->c3 = n[3];
}

/* Two normals (mc_words_normal2). */
SO8T_HD void mc_fw_normal2(mc_fast_words *fw, const uint32_t *rk, double z[2])
{
    uint32_t w[4];
    mc_fw_next4(fw, rk, w);
    mc_normal2_from_bits(w[0], w[1], w[2], w[3], z);
}

/* One ball sample (mc_sample_ball). */
SO8T_HD int mc_fast_ball_sample(const mc_kparams *kp, const uint32_t *rk, int d, int surface,
                                mc_fast_words *fw)
{
    const double *c = kp->center;
    const double a = kp->a;
    double n2 = 0.0, lo = 0.0, hi = INFINITY;
    int miss = 0;
    for (int i = 0; i < d; i += 2) {
        double z[2];
        mc_fw_normal2(fw, rk, z);
        n2 += z[0] * z[0];
        mc_slab_step(c[i], z[0], a, &lo, &hi, &miss);
        if (i + 1 < d) {
            n2 += z[1] * z[1];
            mc_slab_step(c[i + 1], z[1], a, &lo, &hi, &miss);
        }
    }
    double n = sqrt(n2);
    double u = surface ? 0.0 : mc_uniform_double_from_u32(mc_fw_next(fw, rk));
    if (miss || !(hi >= lo))
        return 0;
    return mc_ball_accept(kp, d, surface, lo, hi, n, u);
}

/* ball: mc_block_eval's acc->hits for RNG block `block` (volume or surface). */
SO8T_HD uint32_t mc_fast_ball_block(const mc_kparams *kp, const mc_fast_consts *fc, int d,
                                    uint64_t block)
{
    const uint32_t n = mc_block_samples(kp, block);
    mc_fast_words fw;
    mc_fw_init(&fw, block);
    uint32_t hits = 0, j = 0;
    if (kp->quantity == MC_SURFACE) {
        /* 4·⌈d/2⌉ words a sample: every sample starts on a group (pos = 4) */
        for (; j < n; j++)
            hits += (uint32_t)mc_fast_ball_sample(kp, fc->rk, d, 1, &fw);
        return hits;
    }
    /* volume: 4·⌈d/2⌉ + 1 words a sample, so 4 samples return to pos = 4 */
    for (; j + 4 <= n; j += 4) {
        fw.pos = 4; /* true already; says so to the compiler */
        SO8T_UNROLL
        for (int k = 0; k < 4; k++)
            hits += (uint32_t)mc_fast_ball_sample(kp, fc->rk, d, 0, &fw);
    }
    for (; j < n; j++)
        hits += (uint32_t)mc_fast_ball_sample(kp, fc->rk, d, 0, &fw);
    return hits;
}

/* One radial sample (mc_sample_radial). */
SO8T_HD double mc_fast_radial_sample(const mc_kparams *kp, const uint32_t *rk, int d,
                                     mc_fast_words *fw)
{
    const double a = kp->a;
    double n2 = 0.0, s = INFINITY, bg = 0.0;
    for (int i = 0; i < d; i += 2) {
        double z[2];
        mc_fw_normal2(fw, rk, z);
        for (int k = 0; k < 2 && i + k < d; k++) {
            double g = z[k];
            n2 += g * g;
            mc_radial_step(a, kp->point[i + k], kp->center[i + k], g, &s, &bg);
        }
    }
    return mc_radial_finish(kp, s, sqrt(n2), bg, d);
}

/* One tilt sample (mc_sample_tilt with mc_tilt_dx): rejection, so the word count is
 * data-dependent and pos is known only at run time. */
SO8T_HD double mc_fast_tilt_sample(const mc_kparams *kp, const uint32_t *rk, int d,
                                   mc_fast_words *fw)
{
    double s = 0.0, z0 = 0.0, z1 = 0.0;
    int zh = 0;
    for (int i = 0; i < d; i++) {
        double dxr = 0.0;
        MC_TILT_DX(kp, i, mc_fw_next(fw, rk), mc_fw_normal2(fw, rk, zz_), z0, z1, zh, dxr);
        s += dxr * dxr;
    }
    return mc_tilt_weight(kp, s);
}

/* radial (tilt = 0) or tilt (tilt = 1): mc_block_eval's acc->sum and acc->sum_sq for RNG
 * block `block`, the samples' values summed in order (tilt a constant: one branch folds). */
SO8T_HD void mc_fast_sum_block(const mc_kparams *kp, const mc_fast_consts *fc, int d, int tilt,
                               uint64_t block, double *sum_out, double *sum_sq_out)
{
    const uint32_t n = mc_block_samples(kp, block);
    mc_fast_words fw;
    mc_fw_init(&fw, block);
    double sum = 0.0, sum_sq = 0.0;
    for (uint32_t j = 0; j < n; j++) {
        double y = tilt ? mc_fast_tilt_sample(kp, fc->rk, d, &fw)
                        : mc_fast_radial_sample(kp, fc->rk, d, &fw);
        sum += y;
        sum_sq += y * y;
    }
    *sum_out = sum;
    *sum_sq_out = sum_sq;
}

SO8T_HD void mc_fast_radial_block(const mc_kparams *kp, const mc_fast_consts *fc, int d,
                                  uint64_t block, double *sum_out, double *sum_sq_out)
{
    mc_fast_sum_block(kp, fc, d, 0, block, sum_out, sum_sq_out);
}

SO8T_HD void mc_fast_tilt_block(const mc_kparams *kp, const mc_fast_consts *fc, int d,
                                uint64_t block, double *sum_out, double *sum_sq_out)
{
    mc_fast_sum_block(kp, fc, d, 1, block, sum_out, sum_sq_out);
}

/* One orientation-average sample (mc_random_center, then mc_sample_hit or mc_sample_cond
 * against that centre): returns the hit (0/1) or the cond value. The centre is a vector of
 * d doubles that must be complete before the first coordinate is tested; with d a
 * compile-time constant it lives in registers (the CUDA kernels instantiate d ≤ 16). */
SO8T_HD double mc_fast_orient_sample(const mc_kparams *kp, const mc_fast_consts *fc, int d,
                                     int cond, mc_fast_words *fw)
{
    double cc[MC_KMAX_DIM];
    double n2 = 0.0;
    for (int i = 0; i < d; i += 2) {
        double z[2];
        mc_fw_normal2(fw, fc->rk, z);
        cc[i] = z[0];
        if (i + 1 < d)
            cc[i + 1] = z[1];
    }
    for (int i = 0; i < d; i++)
        n2 += cc[i] * cc[i];
    mc_orient_center(kp, d, cc, sqrt(n2), cc);
    const int m = cond ? d - 1 : d;
    double s = 0.0;
    for (int i = 0; i < m; i++) {
        double dx = mc_fast_coord(mc_fw_next(fw, fc->rk), fc->a2) - cc[i];
        s += dx * dx;
    }
    if (!cond)
        return s <= kp->r2 ? 1.0 : 0.0;
    return mc_cond_value(kp, cc[d - 1], s, fc->inv_two_a);
}

/* Orientation average, hit (cond = 0: *hits) or cond (cond = 1: *sum, *sum_sq) for RNG block
 * `block`, as mc_block_eval. A sample uses 4·⌈d/2⌉ + m words (m = d or d − 1), so S samples
 * (S from m) return to pos = 4; with cond a constant the other branch folds away. */
SO8T_HD void mc_fast_orient_block(const mc_kparams *kp, const mc_fast_consts *fc, int d,
                                  int cond, uint64_t block, uint32_t *hits_out,
                                  double *sum_out, double *sum_sq_out)
{
    const uint32_t n = mc_block_samples(kp, block);
    const int S = mc_fast_unit_samples(cond ? d - 1 : d);
    mc_fast_words fw;
    mc_fw_init(&fw, block);
    uint32_t hits = 0, j = 0;
    double sum = 0.0, sum_sq = 0.0;
    for (; j + (uint32_t)S <= n; j += (uint32_t)S) {
        fw.pos = 4;
        SO8T_UNROLL
        for (int k = 0; k < S; k++) {
            double y = mc_fast_orient_sample(kp, fc, d, cond, &fw);
            MC_FAST_ADD_SAMPLE(y != 0.0, y);
        }
    }
    for (; j < n; j++) {
        double y = mc_fast_orient_sample(kp, fc, d, cond, &fw);
        MC_FAST_ADD_SAMPLE(y != 0.0, y);
    }
    *hits_out = hits;
    *sum_out = sum;
    *sum_sq_out = sum_sq;
}

/* Orientation average, hit: mc_block_eval's acc->hits. */
SO8T_HD uint32_t mc_fast_orient_hit_block(const mc_kparams *kp, const mc_fast_consts *fc,
                                          int d, uint64_t block)
{
    uint32_t hits;
    double s, s2;
    mc_fast_orient_block(kp, fc, d, 0, block, &hits, &s, &s2);
    return hits;
}

/* Orientation average, cond: mc_block_eval's acc->sum and acc->sum_sq. */
SO8T_HD void mc_fast_orient_cond_block(const mc_kparams *kp, const mc_fast_consts *fc, int d,
                                       uint64_t block, double *sum_out, double *sum_sq_out)
{
    uint32_t hits;
    mc_fast_orient_block(kp, fc, d, 1, block, &hits, sum_out, sum_sq_out);
}

/* ==== qmc ====
 * Block b holds points [j·K, (j+1)·K) of replicate b mod R (j = b / R), shifted by d − 2
 * words of the stream of (qmc_shift_seed, replicate). The shifted point x moves from point
 * k to k + 1 by one XOR per coordinate (direction vector of the lowest zero bit of k, read
 * from the table at a run-time index: on the GPU a constant-memory load, not local
 * memory); with d a compile-time constant x lives in registers. The per-point arithmetic
 * is mc_block_eval's, in its order. */
SO8T_HD void mc_fast_qmc_block(const mc_kparams *kp, const uint32_t (*sobol_v)[32], int d,
                               uint64_t block, double *sum_out, double *sum_sq_out)
{
    const uint64_t R = (uint64_t)kp->qmc_replicates;
    const uint64_t rep = block % R;
    const uint64_t k0 = (block / R) * MC_BLOCK_SAMPLES;
    uint64_t k1 = k0 + MC_BLOCK_SAMPLES;
    if (k1 > kp->qmc_points)
        k1 = kp->qmc_points;
    const int nd = d >= 2 ? d - 2 : 0;
    /* the shifts' round keys (another key than the run's: computed here, 20 additions) */
    uint32_t rk[20];
    {
        uint32_t q0 = (uint32_t)kp->qmc_shift_seed, q1 = (uint32_t)(kp->qmc_shift_seed >> 32);
        SO8T_UNROLL
        for (int r = 0; r < 10; r++) {
            rk[2 * r] = q0 + (uint32_t)r * MC_PHILOX_W0;
            rk[2 * r + 1] = q1 + (uint32_t)r * MC_PHILOX_W1;
        }
    }
    mc_fast_words fw;
    mc_fw_init(&fw, rep);
    uint32_t x[MC_KMAX_DIM];
    for (int i = 0; i < nd; i++) {
        uint32_t shift = mc_fw_next(&fw, rk);
        x[i] = mc_sobol_point(sobol_v[i], k0) ^ shift;
    }
    double sum = 0.0, sum_sq = 0.0;
    for (uint64_t k = k0; k < k1; k++) {
        double y = mc_qmc_value(kp, x, nd, d);
        sum += y;
        sum_sq += y * y;
        mc_qmc_advance(x, nd, sobol_v, k);
    }
    *sum_out = sum;
    *sum_sq_out = sum_sq;
}

#endif /* SO8T_MC_SAMPLE_FAST_H */
