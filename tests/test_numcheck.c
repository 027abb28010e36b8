/* test_numcheck.c — the explanation checker: number reading, rounding-aware matching,
 * planted wrong numbers, yes/no contradictions. Expected values are written by hand. */
#include "explain/numcheck.h"
#include "tests/test.h"

#include <stdlib.h>
#include <string.h>

/* Reads text and expects exactly the given values (in order). */
static void expect_numbers(const char *text, int n, const double *vals, const double *tols,
                           int line)
{
    llm_number *x = NULL;
    int got = llm_numbers_find(text, &x);
    CHECK_MSG(got == n, "line %d: '%s': %d numbers, want %d", line, text, got, n);
    for (int i = 0; i < n && i < got; i++) {
        CHECK_MSG(fabs(x[i].value - vals[i]) <= 1e-12 * fabs(vals[i]) + 1e-300,
                  "line %d: '%s' #%d = %.17g want %.17g", line, text, i, x[i].value, vals[i]);
        if (tols)
            CHECK_MSG(fabs(x[i].tol - tols[i]) <= 1e-12 * tols[i],
                      "line %d: '%s' #%d tol %.17g want %.17g", line, text, i, x[i].tol, tols[i]);
    }
    free(x);
}

#define NUMS(text, ...)                                                                    \
    do {                                                                                   \
        const double v_[] = {__VA_ARGS__};                                                 \
        expect_numbers(text, (int)(sizeof v_ / sizeof v_[0]), v_, NULL, __LINE__);         \
    } while (0)

static void test_reading(void)
{
    NUMS("The estimate is 0.4731.", 0.4731);
    NUMS("with 1,000,000 samples", 1000000);
    NUMS("1,000 and 12,345,678 and 1,00", 1000, 12345678, 1, 0); /* "1,00" is not a group */
    NUMS("1e6 samples, 2.5E-3 error", 1e6, 2.5e-3);
    NUMS("1.2 × 10^-3 and 3.4×10⁻⁵ and 5 x 10^2", 1.2e-3, 3.4e-5, 500);
    NUMS("10^6 rotations and 10⁶ more and 2^30", 1e6, 1e6, 1073741824.0);
    NUMS("10^(-3)", 1e-3);
    NUMS("3 million samples, 2.5 thousand", 3e6, 2500);
    NUMS("47.3 % of the cube, 12 percent", 47.3, 12);
    NUMS("[-1, 1]^8 and B(0, 1.5)", 1, 1, 8, 0, 1.5);
    NUMS("the 3-sphere in an 8-dimensional cube", 3, 8);
    NUMS("z = -0.74, or −0.74", 0.74, 0.74);
    NUMS(".5 and 5. and 5.", 0.5, 5, 5);
    /* Tolerances: half a unit in the last written digit. */
    {
        const double v[] = {0.4731, 256, 1.2e-3, 1e6, 3e6, 1073741824.0};
        const double t[] = {0.00005, 0.5, 0.05e-3, 0.5e6, 0.5e6, 0.5};
        expect_numbers("0.4731 256 1.2e-3 10^6 3 million 2^30", 6, v, t, __LINE__);
    }
    /* Hostile text: empty, long digit runs, lone signs, truncated UTF-8. */
    llm_number *x = NULL;
    CHECK(llm_numbers_find("", &x) == 0 && x == NULL);
    CHECK(llm_numbers_find(NULL, &x) == 0);
    char big[5000];
    memset(big, '9', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    int n = llm_numbers_find(big, &x);
    CHECK(n == 1 && x && isinf(x[0].value));
    free(x);
    n = llm_numbers_find("1\xC3", &x);
    CHECK(n == 1);
    free(x);
    n = llm_numbers_find("10\xE2\x81", &x);
    CHECK(n == 1 && x && x[0].value == 10);
    free(x);
    n = llm_numbers_find("5 ^ ^- e- e+ 1e 1e+ ×10^", &x);
    CHECK(n == 4);
    free(x);
}

static int passes(const char *text, const double *allowed, int n)
{
    llm_check_report r;
    CHECK(llm_text_check(text, allowed, n, NULL, &r) == 0);
    int ok = r.n_unverified == 0;
    llm_check_report_free(&r);
    return ok;
}

static void test_matching(void)
{
    /* A result: estimate 79.87654, se 0.01234, dim 8, half_side 1, radius 1.5, exact
     * 79.8812, samples 1e6, fraction 0.31201773, z -0.3752. */
    const double res[] = {79.87654, 0.01234, 8, 1, 1.5, 79.8812, 1e6, 0.31201773, -0.3752, 95};
    const int nr = (int)(sizeof res / sizeof res[0]);
    /* Correct roundings pass. */
    CHECK(passes("The estimate is 79.88 ± 0.012, from 1,000,000 samples.", res, nr));
    CHECK(passes("About 79.9 (exact 79.881), z = -0.38.", res, nr));
    CHECK(passes("That is 31.2% of the cube [-1, 1]^8, a ball of radius 1.5.", res, nr));
    CHECK(passes("It fills 31 percent; 10^6 samples; 1e6; 80.", res, nr));
    CHECK(passes("z is -0.375 and the 95% interval holds.", res, nr));
    CHECK(passes("No numbers at all.", res, nr));
    /* Planted wrong numbers fail, and are named. */
    const char *bad[] = {
        "The estimate is 79.86 ± 0.012.",   /* off in the last shown digit */
        "The estimate is 78.88.",           /* wrong */
        "It fills 32.2% of the cube.",      /* wrong percentage */
        "It used 2,000,000 samples.",       /* wrong count */
        "A 9-dimensional cube.",            /* wrong dimension */
        "The exact value is 79.8815.",      /* more digits than true */
        "z = 3.75",                         /* factor-10 slip */
        "1.2 × 10^-1 is the error.",        /* wrong exponent */
    };
    const char *bad_num[] = {"79.86", "78.88", "32.2%", "2,000,000", "9", "79.8815", "3.75",
                             "1.2 × 10^-1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        llm_check_report r;
        CHECK(llm_text_check(bad[i], res, nr, NULL, &r) == 0);
        CHECK_MSG(r.n_unverified == 1, "'%s': %d unverified", bad[i], r.n_unverified);
        if (r.n_unverified == 1)
            CHECK_MSG(!strcmp(r.unverified[0], bad_num[i]), "'%s' reported '%s'", bad[i],
                      r.unverified[0]);
        llm_check_report_free(&r);
    }
    /* Several wrong numbers, one repeated: each reported once. */
    llm_check_report r;
    CHECK(llm_text_check("7 and 7 and 12.5 and 79.88", res, nr, NULL, &r) == 0);
    CHECK(r.n_unverified == 2 && r.n_numbers == 4);
    llm_check_report_free(&r);
    /* Nothing allowed: every number is unverified; non-finite allowed values are skipped. */
    const double inf_only[] = {INFINITY, NAN};
    CHECK(!passes("1", inf_only, 2));
    CHECK(!passes("0", NULL, 0));
    /* Numbers too large for a double read as inf with an infinite tolerance: they must match
     * nothing (they matched every value before). */
    const char *huge[] = {"The estimate is 1e400.", "It is 10^999.", "About 10⁹⁹⁹.",
                          "2^5000 samples.", "0e400 hits."};
    for (size_t i = 0; i < sizeof huge / sizeof huge[0]; i++)
        CHECK_MSG(!passes(huge[i], res, nr), "'%s' passed the check", huge[i]);
}

static int contradictions(const char *text, int exact, int ident, int tests)
{
    llm_yesno_facts f = {exact, ident, tests};
    llm_check_report r;
    CHECK(llm_text_check(text, NULL, 0, &f, &r) == 0);
    int n = r.n_contradictions;
    llm_check_report_free(&r);
    return n;
}

static void test_yesno(void)
{
    /* Agreeing result. */
    CHECK(contradictions("The GPU and CPU counts are identical. The estimate agrees with the "
                         "exact value.", 1, 1, -1) == 0);
    CHECK(contradictions("The estimate does not agree with the exact value.", 1, 1, -1) == 1);
    CHECK(contradictions("The GPU and CPU results differ.", 1, 1, -1) == 1);
    CHECK(contradictions("GPU and CPU disagree.", 1, 1, -1) == 1);
    CHECK(contradictions("There is no sign that GPU and CPU disagree.", 1, 1, -1) == 0);
    CHECK(contradictions("Everything is consistent.", 1, 1, -1) == 0);
    CHECK(contradictions("The results are inconsistent.", 1, 1, -1) == 1);
    CHECK(contradictions("The value 0.5 is consistent. It doesn't match.", 1, 1, -1) == 1);
    /* Disagreeing with the exact value, backends identical. */
    CHECK(contradictions("The estimate agrees with the exact value.", 0, 1, -1) == 1);
    CHECK(contradictions("The estimate is inconsistent with the exact value.", 0, 1, -1) == 0);
    CHECK(contradictions("GPU and CPU gave identical counts.", 0, 1, -1) == 0);
    CHECK(contradictions("All results agree.", 0, 1, -1) == 1);
    CHECK(contradictions("GPU, CPU and exact value all agree.", 0, 1, -1) == 1);
    /* Tests. */
    CHECK(contradictions("All tests passed.", -1, -1, 1) == 0);
    CHECK(contradictions("Two tests failed.", -1, -1, 1) == 1);
    CHECK(contradictions("None of the tests failed.", -1, -1, 1) == 0);
    CHECK(contradictions("The tests passed.", -1, -1, 0) == 1);
    CHECK(contradictions("Only 3 of 4 tests passed.", -1, -1, 0) == 0);
    CHECK(contradictions("Only 3 of 4 tests passed.", -1, -1, 1) == 1);
    CHECK(contradictions("All 4 tests passed, the worst only 1.9 standard errors away.", -1, -1,
                         1) == 0);
    CHECK(contradictions("It is only 0.14 standard errors away, so it agrees with the exact "
                         "value.", 1, -1, -1) == 0);
    /* Unknown facts are never contradicted; unrelated sentences are ignored. */
    CHECK(contradictions("They do not agree.", -1, -1, -1) == 0);
    CHECK(contradictions("No GPU was found, so it ran on the CPU.", 1, 1, 1) == 0);
    /* Decimal points do not split sentences; the flagged sentence is returned. */
    {
        llm_yesno_facts f = {1, 1, -1};
        llm_check_report r;
        CHECK(llm_text_check("It is 0.47. The exact value 0.48 does not match.\nok", NULL, 0, &f,
                             &r) == 0);
        CHECK(r.n_contradictions == 1 && r.n_contradictions == 1 &&
              !strcmp(r.contradictions[0], "The exact value 0.48 does not match."));
        llm_check_report_free(&r);
    }
}

int main(void)
{
    /* Numbers glued to words are not read. */
    llm_number *x = NULL;
    CHECK(llm_numbers_find("SO8 and gemma3 and ci95 and x_2 are words", &x) == 0);
    free(x);
    CHECK(llm_numbers_find("v1.2.3", &x) == 0);
    free(x);
    test_reading();
    test_matching();
    test_yesno();
    return test_summary();
}
