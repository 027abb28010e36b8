/* test_mc_xsum.c — the exact accumulator (mc/mc_xsum.h) against Python's math.fsum on 120
 * committed sums (tests/fixtures/xsum_fsum.txt, tools/gen_xsum_fixture.py): the value in
 * every order, split into parts merged or packed and added as words (what the MPI sum
 * does), and the state a checkpoint stores. */
#include "mc/mc_xsum.h"
#include "tests/test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXV 512

static int same_bits(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

static void test_fixture(void)
{
    FILE *f = fopen("tests/fixtures/xsum_fsum.txt", "r");
    CHECK_MSG(f != NULL, "tests/fixtures/xsum_fsum.txt: cannot open (run from the repository)");
    if (!f)
        return;
    static char line[1 << 16];
    double v[MAXV];
    int cases = 0, bad_batch = 0, bad_fwd = 0, bad_rev = 0, bad_merge = 0, bad_words = 0;
    while (fgets(line, sizeof line, f)) {
        char *p = line, *end;
        double want = strtod(p, &end);
        int n = 0;
        for (p = end; n < MAXV; p = end) {
            double x = strtod(p, &end);
            if (end == p)
                break;
            v[n++] = x;
        }
        cases++;
        mc_xsum a, r, h1, h2;
        mc_xsum_init(&a), mc_xsum_init(&r), mc_xsum_init(&h1), mc_xsum_init(&h2);
        for (int i = 0; i < n; i++) {
            mc_xsum_add(&a, v[i]);
            mc_xsum_add(&r, v[n - 1 - i]);
            mc_xsum_add(i % 3 ? &h1 : &h2, v[i]);
        }
        bad_fwd += !same_bits(mc_xsum_round(&a), want);
        /* the batched path (the GPU fold), contiguous and strided (interleaved pairs) */
        static double pair[2 * MAXV];
        for (int i = 0; i < n; i++)
            pair[2 * i] = v[i], pair[2 * i + 1] = -1.0;
        mc_xsum b1, b2;
        mc_xsum_init(&b1), mc_xsum_init(&b2);
        mc_xsum_add_array(&b1, v, (size_t)n, 1);
        mc_xsum_add_array(&b2, pair, (size_t)n, 2);
        bad_batch += !same_bits(mc_xsum_round(&b1), want) || !same_bits(mc_xsum_round(&b2), want);
        bad_rev += !same_bits(mc_xsum_round(&r), want);
        uint64_t w1[MC_XSUM_WORDS], w2[MC_XSUM_WORDS];
        mc_xsum_pack(&h1, w1);
        mc_xsum_pack(&h2, w2);
        mc_xsum_merge(&h1, &h2);
        bad_merge += !same_bits(mc_xsum_round(&h1), want);
        for (int i = 0; i < MC_XSUM_WORDS; i++)
            w1[i] += w2[i]; /* what MPI_SUM on MPI_UINT64_T does */
        mc_xsum u;
        bad_words += mc_xsum_unpack(&u, w1) != 0 || !same_bits(mc_xsum_round(&u), want);
        if (cases <= 3 || !same_bits(mc_xsum_round(&a), want))
            if (!same_bits(mc_xsum_round(&a), want))
                fprintf(stderr, "case %d: %a, fsum %a\n", cases, mc_xsum_round(&a), want);
    }
    fclose(f);
    CHECK_MSG(cases == 120, "read %d cases, expected 120", cases);
    CHECK_MSG(bad_fwd == 0, "%d sums differ from fsum", bad_fwd);
    CHECK_MSG(bad_batch == 0, "%d batched sums differ from fsum", bad_batch);
    CHECK_MSG(bad_rev == 0, "%d reversed sums differ from fsum", bad_rev);
    CHECK_MSG(bad_merge == 0, "%d merged sums differ from fsum", bad_merge);
    CHECK_MSG(bad_words == 0, "%d sums of packed words differ from fsum", bad_words);
}

static void test_special(void)
{
    mc_xsum x;
    mc_xsum_init(&x);
    CHECK(same_bits(mc_xsum_round(&x), 0.0));
    mc_xsum_add(&x, 1.0);
    mc_xsum_add(&x, INFINITY);
    CHECK(mc_xsum_round(&x) == INFINITY);
    mc_xsum_add(&x, -INFINITY);
    CHECK(isnan(mc_xsum_round(&x)));
    mc_xsum_init(&x);
    mc_xsum_add(&x, 0x1.fffffffffffffp1023);
    mc_xsum_add(&x, 0x1.fffffffffffffp1023);
    CHECK(mc_xsum_round(&x) == INFINITY); /* beyond the range: overflows like a double */
    mc_xsum_add(&x, -0x1.fffffffffffffp1023);
    CHECK(mc_xsum_round(&x) == 0x1.fffffffffffffp1023); /* but exact inside */
    /* many additions: past the carry interval (2^30) is too slow here; the carry path
       is exercised by adding the largest limb pattern 3·2^20 times */
    mc_xsum_init(&x);
    for (int i = 0; i < 3 << 20; i++)
        mc_xsum_add(&x, 0x1.fffffffffffffp-1);
    CHECK(mc_xsum_round(&x) == (double)(3 << 20) * 0x1.fffffffffffffp-1);
    /* a corrupt packed state is refused */
    uint64_t w[MC_XSUM_WORDS] = {0};
    w[5] = 1ull << 63;
    CHECK(mc_xsum_unpack(&x, w) == -1);
}

/* the batched path on block-sum-like data (its fast branch) against one-by-one adds */
static void test_batch_fast_path(void)
{
    enum { NV = 300000 };
    static double v[NV];
    uint64_t s = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < NV; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        v[i] = (i % 7 ? 1.0 : -1.0) * (300.0 + (double)(s >> 11) * 0x1p-53 * 700.0);
    }
    mc_xsum a, b;
    mc_xsum_init(&a), mc_xsum_init(&b);
    for (int i = 0; i < NV; i++)
        mc_xsum_add(&a, v[i]);
    mc_xsum_add_array(&b, v, NV, 1);
    uint64_t wa[MC_XSUM_WORDS], wb[MC_XSUM_WORDS];
    mc_xsum_pack(&a, wa);
    mc_xsum_pack(&b, wb);
    CHECK_MSG(memcmp(wa, wb, sizeof wa) == 0, "batched fold differs from one-by-one");
}

int main(void)
{
    test_fixture();
    test_special();
    test_batch_fast_path();
    return test_summary();
}
