/* test_philox.c — mc/philox.h against three independent references:
 *   1. Random123's published known answers (kat_vectors) and Debian's librandom123-dev
 *      implementation on a million random (counter, key) pairs;
 *   2. stream values from an independent model of cuRAND's device API
 *      (the project notes on cuRAND (philox_curand.md §8, not in this repository));
 *   3. the real cuRAND library on the CPU (curandCreateGeneratorHost, PHILOX4_32_10):
 *      its output interleaves 4-word blocks of subsequences 0..65535 of the seed, so
 *      block j is block j/65536 of subsequence j%65536 — words and uniforms must match
 *      bit for bit, normals within the bound stated in docs/design.md.
 * Plus skip-ahead consistency and the exact-on-both-sides normals of mc/normal.h.
 */
#include "mc/normal.h"
#include "mc/philox.h"
#include "tests/test.h"

#include <stdint.h>
#include <stdlib.h>

#include <Random123/philox.h>

#ifdef SO8T_HAVE_CURAND_HOST
#include <curand.h>
#endif

static void test_known_answers(void)
{
    /* Random123 tests/kat_vectors, philox4x32 R=10 */
    static const uint32_t kat[4][10] = {
        {0, 0, 0, 0, 0, 0, 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
        {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0x408f276d,
         0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
        {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, 0xd16cfe09,
         0x94fdcceb, 0x5001e420, 0x24126ea1},
        /* counter (1,0,0,0), key 0: appears in several unrelated test suites */
        {1, 0, 0, 0, 0, 0, 0xf8e4cca4, 0x5cb200db, 0xb1a574eb, 0x097eff67},
    };
    for (int i = 0; i < 4; i++) {
        uint32_t out[4];
        mc_philox4x32_10(kat[i], kat[i] + 4, out);
        CHECK_MSG(out[0] == kat[i][6] && out[1] == kat[i][7] && out[2] == kat[i][8] &&
                      out[3] == kat[i][9],
                  "KAT %d: got %08x %08x %08x %08x", i, out[0], out[1], out[2], out[3]);
    }
}

/* splitmix64: a simple, independent source of test inputs */
static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void test_random123_agreement(void)
{
    uint64_t sm = 42;
    long mismatches = 0;
    for (int i = 0; i < 1000000; i++) {
        uint64_t a = splitmix64(&sm), b = splitmix64(&sm), c = splitmix64(&sm);
        philox4x32_ctr_t ctr = {{(uint32_t)a, (uint32_t)(a >> 32), (uint32_t)b,
                                 (uint32_t)(b >> 32)}};
        philox4x32_key_t key = {{(uint32_t)c, (uint32_t)(c >> 32)}};
        philox4x32_ctr_t ref = philox4x32_R(10, ctr, key);
        uint32_t out[4];
        mc_philox4x32_10(ctr.v, key.v, out);
        if (out[0] != ref.v[0] || out[1] != ref.v[1] || out[2] != ref.v[2] ||
            out[3] != ref.v[3])
            mismatches++;
    }
    CHECK_MSG(mismatches == 0, "%ld of 1e6 blocks differ from Random123", mismatches);
}

static void test_stream_reference_values(void)
{
    /* the project notes on cuRAND (philox_curand.md §8, not in this repository) (independent Python model of the device API) */
    static const uint32_t s0[8] = {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8,
                                   0xf8e4cca4, 0x5cb200db, 0xb1a574eb, 0x097eff67};
    static const uint32_t s1234[8] = {0x2090b348, 0xda7cf0ab, 0x4401906f, 0xcbca470e,
                                      0x9eeede35, 0x1cbe137c, 0xfa277093, 0x147edd50};
    static const uint32_t sbig[8] = {0x6c572861, 0x1d96aaf0, 0x46313ed5, 0x0230693d,
                                     0x27913a71, 0x7a2b75ff, 0x6c8b5960, 0x0b99b1db};
    mc_philox_state s;
    int ok = 1;
    mc_philox_init(0, 0, 0, &s);
    for (int i = 0; i < 8; i++)
        ok &= mc_philox_next(&s) == s0[i];
    CHECK_MSG(ok, "seed 0 stream");
    ok = 1;
    mc_philox_init(1234, 0, 0, &s);
    for (int i = 0; i < 8; i++)
        ok &= mc_philox_next(&s) == s1234[i];
    CHECK_MSG(ok, "seed 1234 stream");
    ok = 1;
    mc_philox_init(0x123456789ABCDEF0ull, 3, 10, &s);
    for (int i = 0; i < 8; i++)
        ok &= mc_philox_next(&s) == sbig[i];
    CHECK_MSG(ok, "seed 0x123456789ABCDEF0, subsequence 3, offset 10");

    /* uniforms, with their bit patterns from the notes */
    union { float f; uint32_t u; } cv;
    static const uint32_t u0_bits[4] = {0x3ecc4fd2, 0x3f6169c6, 0x3f3c57ac, 0x3f1b00dc};
    mc_philox_init(0, 0, 0, &s);
    ok = 1;
    for (int i = 0; i < 4; i++) {
        cv.f = mc_philox_uniform(&s);
        ok &= cv.u == u0_bits[i];
    }
    CHECK_MSG(ok, "curand_uniform x4, seed 0");
    static const uint32_t u1234_bits[4] = {0x3e0242cd, 0x3f5a7cf1, 0x3e880321, 0x3f4bca47};
    float u4[4];
    mc_philox_init(1234, 0, 0, &s);
    mc_philox_uniform4(&s, u4);
    ok = 1;
    for (int i = 0; i < 4; i++) {
        cv.f = u4[i];
        ok &= cv.u == u1234_bits[i];
    }
    CHECK_MSG(ok, "curand_uniform4, seed 1234");
    double d2[2];
    mc_philox_init(0, 0, 0, &s);
    mc_philox_next4(&s, (uint32_t[4]){0}); /* skip block 0: the notes' value is block 1 */
    mc_philox_init(0, 0, 0, &s);
    mc_philox_uniform2_double(&s, d2);
    /* notes: curand_uniform2_double(seed 0) = 0.88052026840093833, 0.60548199590756147 */
    CHECK(d2[0] == 0.88052026840093833 && d2[1] == 0.60548199590756147);

    /* the extremes of the float map: 0 -> 2^-33, and the top 128 words -> exactly 1.0f */
    CHECK(mc_uniform_from_u32(0) == 0x1p-33f);
    CHECK(mc_uniform_from_u32(0xffffffffu) == 1.0f);
    CHECK(mc_uniform_from_u32(0xffffff7fu) < 1.0f && mc_uniform_from_u32(0xffffff80u) == 1.0f);
    CHECK(mc_uniform_double_from_u32(0) == 0x1p-32 && mc_uniform_double_from_u32(0xffffffffu) == 1.0);
}

static void test_skipahead(void)
{
    /* (subsequence, offset) reach the same words as stepping one by one */
    static const uint64_t offsets[] = {0, 1, 2, 3, 4, 5, 7, 8, 13, 1000, 4097};
    int ok = 1;
    for (uint64_t sub = 0; sub < 3; sub++) {
        mc_philox_state walk;
        mc_philox_init(77, sub, 0, &walk);
        uint32_t stream[4200];
        for (int i = 0; i < 4200; i++)
            stream[i] = mc_philox_next(&walk);
        for (size_t k = 0; k < sizeof offsets / sizeof offsets[0]; k++) {
            mc_philox_state s;
            mc_philox_init(77, sub, offsets[k], &s);
            for (int i = 0; i < 8; i++)
                ok &= mc_philox_next(&s) == stream[offsets[k] + (uint64_t)i];
            /* skipahead on a state mid-block */
            mc_philox_init(77, sub, 3, &s);
            mc_philox_skipahead(&s, offsets[k]);
            ok &= mc_philox_next(&s) == stream[3 + offsets[k]];
        }
    }
    CHECK_MSG(ok, "init offset / skipahead agree with sequential stepping");

    /* curand4 at every alignment equals four curand() calls */
    ok = 1;
    for (int a = 0; a < 4; a++) {
        mc_philox_state s1, s2;
        mc_philox_init(5, 9, (uint64_t)a, &s1);
        mc_philox_init(5, 9, (uint64_t)a, &s2);
        for (int rep = 0; rep < 3; rep++) {
            uint32_t r[4];
            mc_philox_next4(&s1, r);
            for (int i = 0; i < 4; i++)
                ok &= r[i] == mc_philox_next(&s2);
        }
    }
    CHECK_MSG(ok, "curand4 == 4 x curand at every alignment");

    /* skipahead_sequence(n) == init with subsequence n; large offsets carry into ctr.y */
    mc_philox_state a, b;
    mc_philox_init(11, 0, 0, &a);
    mc_philox_skipahead_sequence(&a, 123456789012ull);
    mc_philox_init(11, 123456789012ull, 0, &b);
    CHECK(mc_philox_next(&a) == mc_philox_next(&b));
    mc_philox_init(11, 2, 4ull * 0xffffffffull, &a); /* block 2^32 - 1 */
    mc_philox_init(11, 2, 4ull * 0xfffffffeull, &b);
    mc_philox_skipahead(&b, 4);
    CHECK(a.ctr[0] == 0xffffffffu && a.ctr[1] == 0 && mc_philox_next(&a) == mc_philox_next(&b));
    mc_philox_ctr_incr(&a);
    CHECK(a.ctr[0] == 0 && a.ctr[1] == 1 && a.ctr[2] == 2);
}

static void test_exact_normals(void)
{
    /* mc/normal.h against libm Box–Muller on the same inputs: a few ulp */
    mc_philox_state s;
    double max_abs = 0, max_log_rel = 0, max_sc = 0;
    mc_philox_init(2024, 0, 0, &s);
    double sum = 0, sum2 = 0;
    const int n = 200000;
    for (int i = 0; i < n; i++) {
        uint32_t r[4];
        mc_philox_next4(&s, r);
        double ours[2], ref[2];
        mc_normal2_from_bits(r[0], r[1], r[2], r[3], ours);
        mc_box_muller_double(r[0], r[1], r[2], r[3], ref);
        for (int k = 0; k < 2; k++) {
            double d = fabs(ours[k] - ref[k]);
            if (d > max_abs)
                max_abs = d;
            sum += ours[k];
            sum2 += ours[k] * ours[k];
        }
        double u = mc_uniform_double_hq(r[0], r[1]);
        double lr = fabs(mc_exact_log(u) - log(u)) / fabs(log(u));
        if (lr > max_log_rel)
            max_log_rel = lr;
        double v = mc_uniform_double_hq(r[2], r[3]) * 2.0, sn, cs;
        mc_exact_sincospi(v, &sn, &cs);
        double e = fmax(fabs(sn - sin(v * M_PI)), fabs(cs - cos(v * M_PI)));
        if (e > max_sc)
            max_sc = e;
    }
    printf("exact normals vs libm: max |diff| %.3g, log rel %.3g, sincospi abs %.3g\n",
           max_abs, max_log_rel, max_sc);
    CHECK(max_abs < 1e-13);
    CHECK(max_log_rel < 4e-16);
    CHECK(max_sc < 1e-15); /* libm's sin(v·π) itself carries ~v·π·2^-53 from rounding v·π */
    /* and they are standard normal: mean 0 ± 5σ, variance 1 ± 5σ (σ² of x² is 2) */
    double mean = sum / (2.0 * n), var = sum2 / (2.0 * n) - mean * mean;
    CHECK_SIGMA(mean, 0.0, 1.0 / sqrt(2.0 * n), 5);
    CHECK_SIGMA(var, 1.0, sqrt(2.0 / (2.0 * n)), 5);
    /* exact special points */
    double sn, cs;
    mc_exact_sincospi(0.5, &sn, &cs);
    CHECK(sn == 1.0 && cs == 0.0);
    mc_exact_sincospi(2.0, &sn, &cs);
    CHECK(sn == 0.0 && cs == 1.0);
    CHECK(mc_exact_log(1.0) == 0.0);
    CHECK_REL(mc_exact_log(0x1p-54), -54 * M_LN2, 1e-16);
}

#ifdef SO8T_HAVE_CURAND_HOST
/* The real library's host generator: block j = block j/65536 of subsequence j%65536. */
#define CURAND_HOST_SUBSEQS 65536u

static void stream_block(uint64_t seed, uint64_t j, uint32_t out[4])
{
    mc_philox_state s;
    mc_philox_init(seed, j % CURAND_HOST_SUBSEQS, 4 * (j / CURAND_HOST_SUBSEQS), &s);
    mc_philox_next4(&s, out);
}

/* Seed and rewind: the generator keeps its offset across re-seeding otherwise. */
static int reseed(curandGenerator_t g, uint64_t seed)
{
    return curandSetPseudoRandomGeneratorSeed(g, seed) == CURAND_STATUS_SUCCESS &&
           curandSetGeneratorOffset(g, 0) == CURAND_STATUS_SUCCESS;
}


/* The state cuRAND's host generator draws double i from (doubles: 4 per subsequence and
 * round, from its next 2 blocks): subsequence (i/4) % 65536, block 2·((i/4)/65536) + (i%4)/2. */
static void host_double_state(uint64_t seed, size_t i, mc_philox_state *s)
{
    uint64_t grp = i / 4;
    mc_philox_init(seed, grp % CURAND_HOST_SUBSEQS,
                   4 * (2 * (grp / CURAND_HOST_SUBSEQS) + (i % 4) / 2), s);
}

static void test_curand_host(void)
{
    curandGenerator_t g;
    if (curandCreateGeneratorHost(&g, CURAND_RNG_PSEUDO_PHILOX4_32_10) != CURAND_STATUS_SUCCESS) {
        printf("SKIP: curandCreateGeneratorHost failed\n");
        CHECK_MSG(0, "cuRAND host generator could not be created");
        return;
    }
    const uint64_t seeds[] = {1234, 0, 0xdeadbeefcafef00dull};
    /* 65536*4*2 words: the second pass crosses into block 1 of every subsequence */
    const size_t n = (size_t)CURAND_HOST_SUBSEQS * 4 * 2 + 4096;
    uint32_t *w = malloc(n * sizeof *w);
    float *f = malloc(n * sizeof *f);
    double *d = malloc(n * sizeof *d);
    for (size_t si = 0; si < sizeof seeds / sizeof seeds[0]; si++) {
        uint64_t seed = seeds[si];
        long bad_words = 0, bad_unif = 0;
        CHECK(reseed(g, seed));
        CHECK(curandGenerate(g, w, n) == CURAND_STATUS_SUCCESS);
        for (size_t j = 0; j < n / 4; j++) {
            uint32_t b[4];
            stream_block(seed, j, b);
            for (int k = 0; k < 4; k++)
                bad_words += b[k] != w[4 * j + (size_t)k];
        }
        CHECK_MSG(bad_words == 0, "seed %llu: %ld words differ", (unsigned long long)seed,
                  bad_words);
        CHECK(reseed(g, seed));
        CHECK(curandGenerateUniform(g, f, n) == CURAND_STATUS_SUCCESS);
        for (size_t j = 0; j < n; j++)
            bad_unif += mc_uniform_from_u32(w[j]) != f[j];
        CHECK_MSG(bad_unif == 0, "seed %llu: %ld uniforms differ", (unsigned long long)seed,
                  bad_unif);
    }
    /* normals (float): the host library's Box–Muller vs ours on the same words */
    CHECK(reseed(g, 1234));
    CHECK(curandGenerate(g, w, n) == CURAND_STATUS_SUCCESS);
    CHECK(reseed(g, 1234));
    CHECK(curandGenerateNormal(g, f, n, 0.0f, 1.0f) == CURAND_STATUS_SUCCESS);
    double max_f = 0;
    for (size_t j = 0; j + 1 < n; j += 2) {
        float v[2];
        mc_box_muller_float(w[j], w[j + 1], v);
        max_f = fmax(max_f, fmax(fabs(v[0] - f[j]), fabs(v[1] - f[j + 1])));
    }
    /* doubles: each subsequence gives 4 doubles per round from its next 2 blocks
     * (curand_uniform4_double style), so double i comes from subsequence (i/4) % 65536,
     * block 2·((i/4)/65536) + (i%4)/2, half i%2 of that block. */
    CHECK(reseed(g, 1234));
    CHECK(curandGenerateNormalDouble(g, d, n, 0.0, 1.0) == CURAND_STATUS_SUCCESS);
    double max_d = 0;
    long bad_ud = 0;
    for (size_t i = 0; i < n; i += 2) {
        mc_philox_state s;
        host_double_state(1234, i, &s);
        double v[2];
        mc_philox_normal2_double(&s, v);
        max_d = fmax(max_d, fmax(fabs(v[0] - d[i]), fabs(v[1] - d[i + 1])));
    }
    CHECK(reseed(g, 1234));
    CHECK(curandGenerateUniformDouble(g, d, n) == CURAND_STATUS_SUCCESS);
    for (size_t i = 0; i < n; i += 2) {
        mc_philox_state s;
        host_double_state(1234, i, &s);
        double v[2];
        mc_philox_uniform2_double(&s, v);
        bad_ud += (v[0] != d[i]) + (v[1] != d[i + 1]);
    }
    printf("cuRAND host: float normals max |diff| %.3g, double normals max |diff| %.3g, "
           "uniform-double mismatches %ld\n", max_f, max_d, bad_ud);
    CHECK(max_f < 2e-6);  /* float Box–Muller, |z| < 6.7: a few float ulp */
    CHECK(max_d < 1e-13); /* double Box–Muller: a few double ulp */
    CHECK(bad_ud == 0);
    free(w);
    free(f);
    free(d);
    curandDestroyGenerator(g);
}
#endif

int main(void)
{
    test_known_answers();
    test_random123_agreement();
    test_stream_reference_values();
    test_skipahead();
    test_exact_normals();
#ifdef SO8T_HAVE_CURAND_HOST
    test_curand_host();
#else
    printf("SKIP: cuRAND host library not found; comparison with the real library not run\n");
#endif
    return test_summary();
}
