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

/* Portable fill: structure-of-arrays loops (auto-vectorized where the compiler can). */
static void mc_cpu_rng_fill_scalar(const uint32_t key[2], const uint32_t sub[2],
                                   uint64_t first, uint32_t *out)
{
    /* MC_CPU_RNG_BLOCKS blocks from block index `first` into out, in stream order */
    uint32_t x[MC_CPU_RNG_BLOCKS], y[MC_CPU_RNG_BLOCKS], z[MC_CPU_RNG_BLOCKS],
        w[MC_CPU_RNG_BLOCKS];
    for (int i = 0; i < MC_CPU_RNG_BLOCKS; i++) {
        uint64_t k = first + (uint64_t)i;
        x[i] = (uint32_t)k;
        y[i] = (uint32_t)(k >> 32);
        z[i] = sub[0];
        w[i] = sub[1];
    }
    uint32_t k0 = key[0], k1 = key[1];
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
        out[4 * i + 0] = x[i];
        out[4 * i + 1] = y[i];
        out[4 * i + 2] = z[i];
        out[4 * i + 3] = w[i];
    }
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define MC_HAVE_AVX2_PATH 1

/* hi and lo 32 bits of the eight 32×32 products a_i·m (AVX2 multiplies even lanes only) */
__attribute__((target("avx2"))) static inline void mulhilo8(__m256i a, __m256i m, __m256i *hi,
                                                           __m256i *lo)
{
    __m256i pe = _mm256_mul_epu32(a, m);
    __m256i po = _mm256_mul_epu32(_mm256_srli_epi64(a, 32), m);
    *lo = _mm256_blend_epi32(pe, _mm256_slli_epi64(po, 32), 0xAA);
    *hi = _mm256_blend_epi32(_mm256_srli_epi64(pe, 32), po, 0xAA);
}

/* Explicit AVX2: eight Philox blocks per vector, the same arithmetic as mc_philox_round. */
__attribute__((target("avx2"))) static void mc_cpu_rng_fill_avx2(const uint32_t key[2],
                                                                 const uint32_t sub[2],
                                                                 uint64_t first, uint32_t *out)
{
    const __m256i m0 = _mm256_set1_epi32((int)MC_PHILOX_M0);
    const __m256i m1 = _mm256_set1_epi32((int)MC_PHILOX_M1);
    __m256i kx[10], ky[10];
    uint32_t k0 = key[0], k1 = key[1];
    for (int r = 0; r < 10; r++) {
        kx[r] = _mm256_set1_epi32((int)k0);
        ky[r] = _mm256_set1_epi32((int)k1);
        k0 += MC_PHILOX_W0;
        k1 += MC_PHILOX_W1;
    }
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    for (int g = 0; g < MC_CPU_RNG_BLOCKS; g += 8) {
        uint64_t kb = first + (uint64_t)g;
        __m256i x, y;
        if ((uint32_t)kb <= 0xFFFFFFFFu - 7u) {
            /* no carry into the high word within these eight: build in registers (a
               store-then-vector-load would stall store forwarding) */
            x = _mm256_add_epi32(lanes, _mm256_set1_epi32((int)(uint32_t)kb));
            y = _mm256_set1_epi32((int)(uint32_t)(kb >> 32));
        } else {
            uint32_t xs[8], ys[8];
            for (int i = 0; i < 8; i++) {
                uint64_t k = kb + (uint64_t)i;
                xs[i] = (uint32_t)k;
                ys[i] = (uint32_t)(k >> 32);
            }
            x = _mm256_loadu_si256((const __m256i *)xs);
            y = _mm256_loadu_si256((const __m256i *)ys);
        }
        __m256i z = _mm256_set1_epi32((int)sub[0]);
        __m256i w = _mm256_set1_epi32((int)sub[1]);
        for (int r = 0; r < 10; r++) {
            __m256i hi0, lo0, hi1, lo1;
            mulhilo8(x, m0, &hi0, &lo0);
            mulhilo8(z, m1, &hi1, &lo1);
            x = _mm256_xor_si256(_mm256_xor_si256(hi1, y), kx[r]);
            z = _mm256_xor_si256(_mm256_xor_si256(hi0, w), ky[r]);
            y = lo1;
            w = lo0;
        }
        /* 4×8 transpose to stream order x0 y0 z0 w0 x1 ... */
        __m256i xy_lo = _mm256_unpacklo_epi32(x, y), xy_hi = _mm256_unpackhi_epi32(x, y);
        __m256i zw_lo = _mm256_unpacklo_epi32(z, w), zw_hi = _mm256_unpackhi_epi32(z, w);
        __m256i b0 = _mm256_unpacklo_epi64(xy_lo, zw_lo); /* blocks 0, 4 */
        __m256i b1 = _mm256_unpackhi_epi64(xy_lo, zw_lo); /* blocks 1, 5 */
        __m256i b2 = _mm256_unpacklo_epi64(xy_hi, zw_hi); /* blocks 2, 6 */
        __m256i b3 = _mm256_unpackhi_epi64(xy_hi, zw_hi); /* blocks 3, 7 */
        uint32_t *o = out + 4 * g;
        _mm256_storeu_si256((__m256i *)(o + 0), _mm256_permute2x128_si256(b0, b1, 0x20));
        _mm256_storeu_si256((__m256i *)(o + 8), _mm256_permute2x128_si256(b2, b3, 0x20));
        _mm256_storeu_si256((__m256i *)(o + 16), _mm256_permute2x128_si256(b0, b1, 0x31));
        _mm256_storeu_si256((__m256i *)(o + 24), _mm256_permute2x128_si256(b2, b3, 0x31));
    }
}
#endif

static int mc_cpu_use_avx2(void)
{
#ifdef MC_HAVE_AVX2_PATH
    static int cached = -1;
    if (cached < 0)
        cached = __builtin_cpu_supports("avx2") ? 1 : 0;
    return cached;
#else
    return 0;
#endif
}

/* nblocks (a multiple of MC_CPU_RNG_BLOCKS) Philox blocks of stream (key, sub) from block
 * index `first`, in stream order. */
static void mc_philox_fill_blocks(const uint32_t key[2], const uint32_t sub[2], uint64_t first,
                                  int nblocks, uint32_t *out)
{
    for (int b = 0; b < nblocks; b += MC_CPU_RNG_BLOCKS) {
#ifdef MC_HAVE_AVX2_PATH
        if (mc_cpu_use_avx2())
            mc_cpu_rng_fill_avx2(key, sub, first + (uint64_t)b, out + 4 * b);
        else
#endif
            mc_cpu_rng_fill_scalar(key, sub, first + (uint64_t)b, out + 4 * b);
    }
}

static void mc_cpu_rng_fill(mc_cpu_rng *g)
{
    mc_philox_fill_blocks(g->key, g->sub, g->next_block, MC_CPU_RNG_BLOCKS, g->buf);
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
#include "mc/normal_avx2.h"

#include <omp.h>

#include "base/threads.h"
#include <stdlib.h>

/* ---- fast paths for the uniform-coordinate estimators (hit, cond) ----
 * Same words, same per-coordinate arithmetic (mc_coord) and the same order of additions
 * per sample as mc_sample_hit / mc_sample_cond, but samples are processed 64 at a time
 * with the coordinate loop outside, so the compiler vectorizes across samples.
 * tests/test_mc.c compares these blocks with the shared-header path bit for bit. */
#define MC_FAST_SAMPLES 64

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(SO8T_NO_CLONES)
__attribute__((target_clones("avx2", "default")))
#endif
static void fast_sums(const uint32_t *w, int n, int nw, const double *cpat, double a, double *s)
{
    /* pass 1, contiguous and vectorized: each word's (coordinate − centre)², with the
       centre pattern cpat[k] = c[k mod nw]. mc_coord computes a·(2u − 1) with
       u = (x + 1)·2^-32; here the same number is reached by another exact route:
       2u − 1 = (x − 2^31 + 1)·2^-31, where x − 2^31 = (double)(int32)(x ^ 2^31) (int32 →
       double has a vector instruction, u32 → double has none on AVX2), the +1 is exact
       (|value| < 2^31) and the power-of-two scaling moves into a' = a·2^-31 (exact), so
       a·(2u − 1) = (x − 2^31 + 1)·a' with a single rounding, bit for bit the same. */
    static _Thread_local double q[MC_FAST_SAMPLES * MC_KMAX_DIM];
    const double a_scaled = a * 0x1p-31;
    int nk = n * nw;
    for (int k = 0; k < nk; k++) {
        double t = (double)(int32_t)(w[k] ^ 0x80000000u) + 1.0;
        double dx = t * a_scaled - cpat[k];
        q[k] = dx * dx;
    }
    /* pass 2: per sample, the same order of additions as mc_sample_hit */
    for (int j = 0; j < n; j++) {
        const double *qj = q + j * nw;
        double sj = 0.0;
        for (int i = 0; i < nw; i++)
            sj += qj[i];
        s[j] = sj;
    }
}

/* cpat: the centre repeated, cpat[k] = c[k mod nw], MC_FAST_SAMPLES·nw entries */
static void fast_block(const mc_kparams *kp, const double *cpat, uint64_t block,
                       mc_block_acc *acc)
{
    /* a group of 64 samples reads 64·nw words = 16·nw Philox blocks (a multiple of 16):
       groups start on block boundaries of the stream, so they are generated directly */
    int nw = kp->method == MC_METHOD_HIT ? kp->dim : kp->dim - 1;
    int group_blocks = MC_FAST_SAMPLES * nw / 4;
    int fill_blocks = (group_blocks + MC_CPU_RNG_BLOCKS - 1) / MC_CPU_RNG_BLOCKS * MC_CPU_RNG_BLOCKS;
    static _Thread_local uint32_t w[(MC_FAST_SAMPLES * MC_KMAX_DIM / 4 + MC_CPU_RNG_BLOCKS) * 4];
    double s[MC_FAST_SAMPLES];
    uint64_t n = mc_block_samples(kp, block);
    const uint32_t key[2] = {(uint32_t)kp->seed, (uint32_t)(kp->seed >> 32)};
    const uint32_t sub[2] = {(uint32_t)block, (uint32_t)(block >> 32)};
    acc->hits = 0;
    acc->sum = acc->sum_sq = 0.0;
    uint64_t pblock = 0;
    for (uint64_t j0 = 0; j0 < n; j0 += MC_FAST_SAMPLES) {
        int m = (int)(n - j0 < MC_FAST_SAMPLES ? n - j0 : MC_FAST_SAMPLES);
        mc_philox_fill_blocks(key, sub, pblock, fill_blocks, w);
        pblock += (uint64_t)group_blocks;
        fast_sums(w, m, nw, cpat, kp->a, s);
        if (kp->method == MC_METHOD_HIT) {
            uint64_t h = 0;
            for (int j = 0; j < m; j++)
                h += s[j] <= kp->r2;
            acc->hits += h;
        } else {
            int d = kp->dim;
            const int comp = kp->quantity == MC_COMPLEMENT; /* outside pieces (sample.h) */
            for (int j = 0; j < m; j++) {
                double y = 0.0;
                if (comp)
                    y = s[j] >= kp->r2 ? 1.0
                                       : mc_chord_out(kp->center[d - 1], sqrt(kp->r2 - s[j]), kp->a) /
                                             (2.0 * kp->a);
                else if (s[j] < kp->r2)
                    y = mc_chord(kp->center[d - 1], sqrt(kp->r2 - s[j]), kp->a) / (2.0 * kp->a);
                acc->sum += y;
                acc->sum_sq += y * y;
            }
        }
    }
}

/* Test hook: the portable and the AVX2 fill agree on random keys/counters (0 = yes). */
long mc_cpu_fill_selftest(void)
{
    long bad = 0;
#ifdef MC_HAVE_AVX2_PATH
    if (!mc_cpu_use_avx2())
        return 0;
    uint32_t a[4 * MC_CPU_RNG_BLOCKS], b[4 * MC_CPU_RNG_BLOCKS];
    uint64_t x = 1;
    for (int t = 0; t < 200; t++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        uint32_t key[2] = {(uint32_t)x, (uint32_t)(x >> 32)};
        uint32_t sub[2] = {(uint32_t)(x >> 7), (uint32_t)(x >> 21)};
        /* random counters, small ones, and ones whose low word wraps inside a group */
        uint64_t first = t % 3 == 0   ? x >> 3
                         : t % 3 == 1 ? (uint64_t)t * 64
                                      : 0x1FFFFFFF0ull + (uint64_t)(t % 16);
        mc_cpu_rng_fill_scalar(key, sub, first, a);
        mc_cpu_rng_fill_avx2(key, sub, first, b);
        for (int i = 0; i < 4 * MC_CPU_RNG_BLOCKS; i++)
            bad += a[i] != b[i];
    }
#endif
    return bad;
}

#ifdef MC_HAVE_AVX2_PATH
/* hit, d a multiple of 4, AVX2: samples in SIMD lanes with no transposition. Sample j uses
 * Philox blocks j·(d/4) + q, q = 0 .. d/4 − 1, and coordinate 4q + c is word c of block q.
 * So eight samples' Philox blocks for one q, computed in the eight lanes of four vectors,
 * ARE coordinates 4q .. 4q+3 of those samples, lane by lane. The coordinate map is the
 * exact route of fast_sums, the squares are added in the same order (i = 0, 1, ...). */
__attribute__((target("avx2"))) static void soa_hit_block(const mc_kparams *kp,
                                                          uint64_t block, mc_block_acc *acc)
{
    const int d = kp->dim, nq = d / 4;
    const __m256i m0 = _mm256_set1_epi32((int)MC_PHILOX_M0);
    const __m256i m1 = _mm256_set1_epi32((int)MC_PHILOX_M1);
    const __m256i flip = _mm256_set1_epi32((int)0x80000000u);
    const __m256i zsub = _mm256_set1_epi32((int)(uint32_t)block);
    const __m256i wsub = _mm256_set1_epi32((int)(uint32_t)(block >> 32));
    const __m256d one = _mm256_set1_pd(1.0), as = _mm256_set1_pd(kp->a * 0x1p-31);
    const __m256d r2 = _mm256_set1_pd(kp->r2);
    __m256i kx[10], ky[10];
    uint32_t k0 = (uint32_t)kp->seed, k1 = (uint32_t)(kp->seed >> 32);
    for (int r = 0; r < 10; r++) {
        kx[r] = _mm256_set1_epi32((int)k0);
        ky[r] = _mm256_set1_epi32((int)k1);
        k0 += MC_PHILOX_W0;
        k1 += MC_PHILOX_W1;
    }
    uint64_t n = mc_block_samples(kp, block);
    uint64_t hits = 0;
    const __m256i lane_k = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
                                              _mm256_set1_epi32(nq));
    for (uint64_t j0 = 0; j0 < n; j0 += 8) {
        __m256d s_lo = _mm256_setzero_pd(), s_hi = _mm256_setzero_pd();
        /* two q's at a time: two independent Philox chains in flight hide the
           multiply latency (one chain alone leaves the core mostly waiting) */
        for (int q = 0; q < nq; q += 2) {
            int nv = q + 1 < nq ? 2 : 1;
            __m256i x[2], y[2], z[2], w[2];
            for (int v = 0; v < nv; v++) {
                /* counters (j0 + l)·nq + q + v for lanes l = 0..7, built in registers (a
                   store-then-vector-load would stall store forwarding); they stay below
                   1024·32, so the high word y is 0 */
                x[v] = _mm256_add_epi32(lane_k, _mm256_set1_epi32((int)(j0 * (uint64_t)nq) + q + v));
                y[v] = _mm256_setzero_si256();
                z[v] = zsub;
                w[v] = wsub;
            }
            x[1] = nv == 2 ? x[1] : x[0];
            y[1] = nv == 2 ? y[1] : y[0];
            z[1] = z[0];
            w[1] = w[0];
            for (int r = 0; r < 10; r++) {
                __m256i hi0a, lo0a, hi1a, lo1a, hi0b, lo0b, hi1b, lo1b;
                mulhilo8(x[0], m0, &hi0a, &lo0a);
                mulhilo8(x[1], m0, &hi0b, &lo0b);
                mulhilo8(z[0], m1, &hi1a, &lo1a);
                mulhilo8(z[1], m1, &hi1b, &lo1b);
                x[0] = _mm256_xor_si256(_mm256_xor_si256(hi1a, y[0]), kx[r]);
                x[1] = _mm256_xor_si256(_mm256_xor_si256(hi1b, y[1]), kx[r]);
                z[0] = _mm256_xor_si256(_mm256_xor_si256(hi0a, w[0]), ky[r]);
                z[1] = _mm256_xor_si256(_mm256_xor_si256(hi0b, w[1]), ky[r]);
                y[0] = lo1a;
                y[1] = lo1b;
                w[0] = lo0a;
                w[1] = lo0b;
            }
            for (int v = 0; v < nv; v++) {
                const __m256i comp[4] = {x[v], y[v], z[v], w[v]};
                for (int c = 0; c < 4; c++) {
                    __m256i u = _mm256_xor_si256(comp[c], flip);
                    __m256d ci = _mm256_set1_pd(kp->center[4 * (q + v) + c]);
                    __m256d t_lo =
                        _mm256_add_pd(_mm256_cvtepi32_pd(_mm256_castsi256_si128(u)), one);
                    __m256d t_hi =
                        _mm256_add_pd(_mm256_cvtepi32_pd(_mm256_extracti128_si256(u, 1)), one);
                    __m256d dx_lo = _mm256_sub_pd(_mm256_mul_pd(t_lo, as), ci);
                    __m256d dx_hi = _mm256_sub_pd(_mm256_mul_pd(t_hi, as), ci);
                    s_lo = _mm256_add_pd(s_lo, _mm256_mul_pd(dx_lo, dx_lo));
                    s_hi = _mm256_add_pd(s_hi, _mm256_mul_pd(dx_hi, dx_hi));
                }
            }
        }
        int mask = _mm256_movemask_pd(_mm256_cmp_pd(s_lo, r2, _CMP_LE_OQ)) |
                   (_mm256_movemask_pd(_mm256_cmp_pd(s_hi, r2, _CMP_LE_OQ)) << 4);
        uint64_t m = n - j0 < 8 ? n - j0 : 8;
        mask &= (1 << m) - 1;
        hits += (uint64_t)__builtin_popcount((unsigned)mask);
    }
    acc->hits = hits;
    acc->sum = acc->sum_sq = 0.0;
}
#endif

/* ---- the Gaussian estimators (ball, radial, orientation average) with 4 Box–Muller pairs
 * per instruction ----
 * Same words and same operations as mc_sample_ball / mc_sample_radial / mc_random_center +
 * mc_sample_hit or mc_sample_cond: a sample reads its normals as (d+1)/2 pairs of 4 words,
 * then its other words (ball volume 1, orientation d or d − 1); pairs are computed 4 at a time
 * by mc_normal2_x4 (bit for bit mc_normal2_from_bits), the rest per sample by the shared
 * mc_ball_test / mc_radial_value or the word-array twins of mc_sample_hit / mc_sample_cond.
 * Samples go in groups of GAUSS_GROUP, whose words may start anywhere in a Philox block. */
#if defined(MC_HAVE_AVX2_PATH) && defined(MC_HAVE_NORMAL_AVX2)
#define MC_HAVE_GAUSS_PATH 1
#define GAUSS_GROUP 16

__attribute__((target("avx2"))) static void gauss_pairs(const uint32_t *w, int wps, int np_s,
                                                        int m, double *g)
{
    /* pair q of sample j: words w[j·wps + 4q + 0..3]; normals into g[j·2np_s + 2q, +1] */
    const int total = m * np_s;
    for (int p0 = 0; p0 < total; p0 += 4) {
        mc_v4u x0, x1, y0, y1;
        for (int l = 0; l < 4; l++) {
            int p = p0 + l < total ? p0 + l : total - 1;
            const uint32_t *q = w + (p / np_s) * wps + 4 * (p % np_s);
            x0[l] = q[0];
            x1[l] = q[1];
            y0[l] = q[2];
            y1[l] = q[3];
        }
        mc_v4d z0, z1;
        mc_normal2_x4(x0, x1, y0, y1, &z0, &z1);
        for (int l = 0; l < 4 && p0 + l < total; l++) {
            g[2 * (p0 + l)] = z0[l];
            g[2 * (p0 + l) + 1] = z1[l];
        }
    }
}

/* The hit / cond test of the orientation average against the random centre cc, reading its
 * words from an array: the arithmetic of mc_sample_hit / mc_sample_cond (mc/sample.h), which
 * read the same words from the stream one at a time (tests/test_mc.c compares the two). */
static double orient_sum_words(const mc_kparams *kp, const double *cc, const uint32_t *w, int m)
{
    double s = 0.0;
    for (int i = 0; i < m; i++) {
        double dx = mc_coord(w[i], kp->a) - cc[i];
        s += dx * dx;
    }
    return s;
}

static void gauss_block(const mc_kparams *kp, uint64_t block, mc_block_acc *acc)
{
    const int d = kp->dim, np_s = (d + 1) / 2;
    const int orient = kp->quantity == MC_ORIENT_AVG;
    const int ball = !orient && kp->method == MC_METHOD_BALL;
    /* words after the normals: ball volume 1 (the radius), orientation hit d, cond d − 1 */
    const int extra = orient ? (kp->method == MC_METHOD_HIT ? d : d - 1)
                             : (ball && kp->quantity != MC_SURFACE);
    const int wps = 4 * np_s + extra;
    /* words of one group plus up to 3 skipped at its start, in whole fills */
    enum { GMAX_W = GAUSS_GROUP * (4 * ((MC_KMAX_DIM + 1) / 2) + MC_KMAX_DIM) + 3 };
    static _Thread_local uint32_t w[(GMAX_W / 4 + 1 + MC_CPU_RNG_BLOCKS) * 4];
    static _Thread_local double g[GAUSS_GROUP * 2 * ((MC_KMAX_DIM + 1) / 2)];
    double cc[MC_KMAX_DIM];
    uint64_t n = mc_block_samples(kp, block);
    const uint32_t key[2] = {(uint32_t)kp->seed, (uint32_t)(kp->seed >> 32)};
    const uint32_t sub[2] = {(uint32_t)block, (uint32_t)(block >> 32)};
    acc->hits = 0;
    acc->sum = acc->sum_sq = 0.0;
    for (uint64_t j0 = 0; j0 < n; j0 += GAUSS_GROUP) {
        int m = (int)(n - j0 < GAUSS_GROUP ? n - j0 : GAUSS_GROUP);
        uint64_t o = j0 * (uint64_t)wps; /* word offset of the group in the block's stream */
        int skip = (int)(o % 4), nwords = m * wps + skip;
        int nblocks = (nwords + 3) / 4;
        nblocks = (nblocks + MC_CPU_RNG_BLOCKS - 1) / MC_CPU_RNG_BLOCKS * MC_CPU_RNG_BLOCKS;
        mc_philox_fill_blocks(key, sub, o / 4, nblocks, w);
        const uint32_t *ws = w + skip;
        gauss_pairs(ws, wps, np_s, m, g);
        for (int j = 0; j < m; j++) {
            const double *gj = g + (size_t)j * 2 * np_s;
            const uint32_t *rest = ws + (size_t)j * wps + 4 * np_s; /* words after the normals */
            double n2 = 0;
            for (int i = 0; i < d; i++)
                n2 += gj[i] * gj[i];
            double nrm = sqrt(n2);
            if (orient) {
                /* mc_random_center: c' = |c|·g/|g| */
                mc_orient_center(kp, d, gj, nrm, cc);
                if (kp->method == MC_METHOD_HIT) {
                    acc->hits += (uint64_t)(orient_sum_words(kp, cc, rest, d) <= kp->r2);
                } else {
                    double y = mc_cond_value(kp, cc[d - 1], orient_sum_words(kp, cc, rest, d - 1), 0.0);
                    acc->sum += y;
                    acc->sum_sq += y * y;
                }
            } else if (ball) {
                acc->hits += (uint64_t)mc_ball_test(kp, gj, nrm, extra ? rest[0] : 0u);
            } else {
                double y = mc_radial_value(kp, gj, nrm);
                acc->sum += y;
                acc->sum_sq += y * y;
            }
        }
    }
}
#endif

static int gauss_path_applies(const mc_kparams *kp)
{
#ifdef MC_HAVE_GAUSS_PATH
    if (!mc_cpu_use_avx2())
        return 0;
    if (kp->quantity == MC_ORIENT_AVG)
        return kp->method == MC_METHOD_HIT || (kp->method == MC_METHOD_COND && kp->dim >= 2);
    return kp->method == MC_METHOD_BALL || kp->method == MC_METHOD_RADIAL;
#else
    (void)kp;
    return 0;
#endif
}

static int soa_hit_applies(const mc_kparams *kp)
{
#ifdef MC_HAVE_AVX2_PATH
    /* the complement's hit counts the same inside samples (mc_accum_add turns them round) */
    return mc_cpu_use_avx2() &&
           (kp->quantity == MC_VOLUME || kp->quantity == MC_COMPLEMENT) &&
           kp->method == MC_METHOD_HIT &&
           kp->dim % 4 == 0 && kp->a >= 0x1p-960;
#else
    (void)kp;
    return 0;
#endif
}

/* The fast path generates whole groups of words, possibly past the block's last sample;
   nothing after that sample uses the stream, so the results agree with the generic path. */
static int fast_path_applies(const mc_kparams *kp)
{
    /* a ≥ 2^-960 keeps a·2^-31 a normal number, so the scaling in fast_sums is exact */
    return (kp->quantity == MC_VOLUME || kp->quantity == MC_COMPLEMENT) &&
           kp->a >= 0x1p-960 &&
           (kp->method == MC_METHOD_HIT || (kp->method == MC_METHOD_COND && kp->dim >= 2));
}

#define MC_CPU_CHUNK_BLOCKS 8192u /* 8M samples: progress granularity and buffer size */

int mc_cpu_run(const mc_plan *pl, uint64_t b0, uint64_t b1, int threads, mc_accum *acc,
               mc_progress_fn progress, void *user, double frac0, double frac1)
{
    mc_block_acc *buf = malloc(sizeof *buf * MC_CPU_CHUNK_BLOCKS);
    if (!buf)
        return MC_ERR_NOMEM;
    int nt = so8t_threads_resolve(threads); /* OMP_NUM_THREADS capped */
    const int soa = soa_hit_applies(&pl->kp);
    const int fast = !soa && fast_path_applies(&pl->kp);
    const int gauss = !soa && !fast && gauss_path_applies(&pl->kp);
    double *cpat = NULL;
    if (fast) {
        int nw = pl->kp.method == MC_METHOD_HIT ? pl->kp.dim : pl->kp.dim - 1;
        cpat = malloc(sizeof(double) * MC_FAST_SAMPLES * (size_t)nw);
        if (!cpat) {
            free(buf);
            return MC_ERR_NOMEM;
        }
        for (int k = 0; k < MC_FAST_SAMPLES * nw; k++)
            cpat[k] = pl->kp.center[k % nw];
    }
    for (uint64_t c0 = b0; c0 < b1; c0 += MC_CPU_CHUNK_BLOCKS) {
        uint64_t c1 = c0 + MC_CPU_CHUNK_BLOCKS < b1 ? c0 + MC_CPU_CHUNK_BLOCKS : b1;
        long long n = (long long)(c1 - c0);
#pragma omp parallel for schedule(dynamic, 4) num_threads(nt)
        for (long long i = 0; i < n; i++) {
#ifdef MC_HAVE_AVX2_PATH
            if (soa)
                soa_hit_block(&pl->kp, c0 + (uint64_t)i, &buf[i]);
            else
#endif
#ifdef MC_HAVE_GAUSS_PATH
            if (gauss)
                gauss_block(&pl->kp, c0 + (uint64_t)i, &buf[i]);
            else
#endif
            if (fast)
                fast_block(&pl->kp, cpat, c0 + (uint64_t)i, &buf[i]);
            else
                mc_block_eval(&pl->kp, (const uint32_t(*)[32])pl->sobol, c0 + (uint64_t)i,
                              &buf[i]);
        }
        for (long long i = 0; i < n; i++)
            mc_accum_add(acc, pl, c0 + (uint64_t)i, &buf[i]);
        if (progress)
            progress(user, frac0 + (frac1 - frac0) * (double)(c1 - b0) / (double)(b1 - b0));
    }
    free(buf);
    free(cpat);
    return MC_OK;
}

