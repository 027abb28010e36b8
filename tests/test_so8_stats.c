/* test_so8_stats.c — the Haar statistics: exact references against independent tables,
 * every statistic passing for Haar samples of SO(3), SO(4), SO(8), SO(16) (10^5 each, fixed
 * seeds), and failing at the same thresholds for two deliberately non-Haar samplers. */
#include "so8/so8.h"
#include "tests/test.h"

#include <stdlib.h>
#include <string.h>

#define PI 3.14159265358979323846
#define N_SAMPLES 100000

/* E[tr^j], j = 0..16, from sources independent of the code under test:
 *  SO(8): the project notes on Haar SO(8) (haar_so8.md, not in this repository; exact rational computation, cross-checked);
 *  SO(3): Riordan numbers (OEIS A005043): tr = 1 + 2cos θ, the spin-1 character;
 *  SO(4): SO(4) = SU(2)×SU(2)/±1 and tr = χ(a)χ(b), so E[tr^{2k}] = Catalan(k)²;
 *  SO(2): E[(2cos θ)^{2k}] = C(2k, k);
 *  SO(16): Gaussian moments (j−1)!! for j < 16 (O(16) up to 2n = 32), +1 at j = 16 from
 *          the determinant (the ε tensor) — see docs/math.md. */
static const double so8_tab[17] = {1, 0, 1, 0, 3, 0, 15, 0, 106, 0, 981, 0, 11341, 0, 157872,
                                   0, 2564640};
static const double so3_tab[17] = {1, 0, 1, 1, 3, 6, 15, 36, 91, 232, 603, 1585, 4213, 11298,
                                   30537, 83097, 227475};
static const double so4_tab[17] = {1, 0, 1, 0, 4, 0, 25, 0, 196, 0, 1764, 0, 17424, 0, 184041,
                                   0, 2044900};
static const double so2_tab[17] = {1, 0, 2, 0, 6, 0, 20, 0, 70, 0, 252, 0, 924, 0, 3432, 0,
                                   12870};
static const double so16_tab[17] = {1, 0, 1, 0, 3, 0, 15, 0, 105, 0, 945, 0, 10395, 0, 135135,
                                    0, 2027026};

static void check_table(int n, const double *tab)
{
    int ok = 1;
    for (int j = 0; j <= 16; j++) {
        double v = so8_trace_moment_exact(n, j);
        if (v != tab[j]) {
            ok = 0;
            fprintf(stderr, "     SO(%d) E[tr^%d] = %.17g, want %.17g\n", n, j, v, tab[j]);
        }
    }
    CHECK_MSG(ok, "trace moments of SO(%d)", n);
}

static void test_exact_moments(void)
{
    check_table(2, so2_tab);
    check_table(3, so3_tab);
    check_table(4, so4_tab);
    check_table(8, so8_tab);
    check_table(16, so16_tab);
    /* every n: Gaussian below j = n, one more at j = n (E_SO = E_O + multiplicity of det) */
    for (int n = 2; n <= SO8_MAX_N; n++) {
        double dfact = 1;
        int ok = 1;
        for (int j = 1; j <= 16 && j <= n; j++) {
            double g = j % 2 ? 0 : dfact;
            if (j % 2 == 0)
                dfact *= j + 1;
            double want = g + (j == n ? 1 : 0);
            if (so8_trace_moment_exact(n, j) != want)
                ok = 0;
        }
        CHECK_MSG(ok, "SO(%d): E[tr^j] Gaussian for j < n and +1 at j = n", n);
    }
    CHECK(so8_trace_moment_exact(1, 5) == 1.0);
    CHECK(isnan(so8_trace_moment_exact(17, 2)));
    CHECK(isnan(so8_trace_moment_exact(8, 17)));
}

/* SO(3), independently: E[tr^j] = ∫_0^π (1 + 2cos θ)^j (1 − cos θ)/π dθ, the trapezoid rule
 * on the periodic extension is exact for these trigonometric polynomials. */
static void test_so3_quadrature(void)
{
    int ok = 1;
    for (int j = 0; j <= 16; j++) {
        const int M = 64;
        double s = 0;
        for (int k = 0; k < M; k++) {
            double th = 2 * PI * k / M;
            s += pow(1 + 2 * cos(th), j) * (1 - cos(th));
        }
        s /= M;
        if (fabs(s - so8_trace_moment_exact(3, j)) > 1e-9 * (1 + s))
            ok = 0;
    }
    CHECK(ok);
}

static void test_cdfs(void)
{
    for (double th = 0.05; th < PI; th += 0.1) {
        /* the notes' SO(8) CDF */
        double g8 = (8 * th + sin(2 * th) + 0.5 * sin(4 * th) + sin(6 * th) / 3) / (8 * PI);
        CHECK_NEAR(so8_angle_cdf(8, th), g8, 1e-14);
        CHECK_NEAR(so8_angle_cdf(3, th), (th - sin(th)) / PI, 1e-14);
        CHECK_NEAR(so8_angle_cdf(2, th), th / PI, 1e-14);
    }
    /* density = derivative of the CDF, against R₁ of the notes for SO(2m) and SO(2m+1) */
    for (int n = 4; n <= 16; n += 3) {
        int m = n / 2, ok = 1;
        for (double th = 0.1; th < 3.1; th += 0.2) {
            double h = 1e-5;
            double dens = (so8_angle_cdf(n, th + h) - so8_angle_cdf(n, th - h)) / (2 * h) * m;
            double r1 = n % 2 == 0 ? (2 * m - 1 + sin((2 * m - 1) * th) / sin(th)) / (2 * PI)
                                   : (2 * m - sin(2 * m * th) / sin(th)) / (2 * PI);
            if (fabs(dens - r1) > 1e-6)
                ok = 0;
        }
        CHECK_MSG(ok, "angle density of SO(%d)", n);
    }
    for (double x = -0.95; x < 1; x += 0.1) {
        CHECK_NEAR(so8_entry_cdf(2, x), 0.5 + asin(x) / PI, 1e-14);
        CHECK_NEAR(so8_entry_cdf(3, x), (x + 1) / 2, 1e-14);
        CHECK_NEAR(so8_entry_cdf(5, x), (2 + 3 * x - x * x * x) / 4, 1e-14);
        /* n = 8: density ∝ (1−x²)^{5/2}, normaliser 5π/16 */
        double h = 1e-5;
        double d = (so8_entry_cdf(8, x + h) - so8_entry_cdf(8, x - h)) / (2 * h);
        CHECK_NEAR(d, pow(1 - x * x, 2.5) / (5 * PI / 16), 1e-6);
    }
    CHECK(so8_entry_cdf(8, -1) == 0 && so8_entry_cdf(8, 1) == 1);
    CHECK(so8_angle_cdf(8, 0) == 0 && so8_angle_cdf(8, PI) == 1);
    CHECK(isnan(so8_entry_cdf(1, 0.5)) && isnan(so8_angle_cdf(8, NAN)));
}

/* Samples a batch and returns its report. */
static int run_stats(so8_sampler smp, int n, uint64_t seed, so8_precision prec, uint64_t count,
                     int threads, so8_stats_report *rep)
{
    size_t esz = so8_precision_size(prec);
    void *buf = malloc(count * (size_t)n * n * esz);
    so8_stats *s = NULL;
    int rc = -1;
    if (!buf)
        return -1;
    if (so8_sample_batch_cpu(smp, n, seed, 0, count, prec, buf, 0) != SO8_OK)
        goto out;
    if (so8_stats_create(n, prec, &s) != SO8_OK)
        goto out;
    /* two adds, to exercise streaming */
    uint64_t half = count / 3;
    if (so8_stats_add(s, buf, prec, half, threads) != SO8_OK ||
        so8_stats_add(s, (const char *)buf + half * (size_t)n * n * esz, prec, count - half,
                      threads) != SO8_OK)
        goto out;
    rc = so8_stats_report_get(s, rep);
out:
    so8_stats_free(s);
    free(buf);
    return rc;
}

static const so8_test *row(const so8_stats_report *rep, const char *name)
{
    for (int i = 0; i < rep->n_tests; i++)
        if (!strcmp(rep->tests[i].name, name))
            return &rep->tests[i];
    return NULL;
}

static void print_failures(const so8_stats_report *rep)
{
    for (int i = 0; i < rep->n_tests; i++)
        if (!rep->tests[i].pass)
            fprintf(stderr, "     %-16s expected %.6g value %.6g se %.3g z %.2f\n",
                    rep->tests[i].name, rep->tests[i].expected, rep->tests[i].value,
                    rep->tests[i].std_error, rep->tests[i].z);
}

static void test_haar_passes(void)
{
    const int dims[4] = {3, 4, 8, 16};
    for (int d = 0; d < 4; d++) {
        int n = dims[d];
        so8_stats_report rep;
        CHECK(run_stats(SO8_SAMPLER_HAAR, n, 2024 + (uint64_t)n, SO8_DOUBLE, N_SAMPLES, 0,
                        &rep) == SO8_OK);
        CHECK(rep.samples == N_SAMPLES && rep.dim == n && rep.n_tests == 16);
        CHECK_MSG(rep.pass, "Haar SO(%d) failed a statistic", n);
        if (!rep.pass)
            print_failures(&rep);
        CHECK(rep.max_orthogonality_error < 1e-14);
        CHECK(rep.min_det > 1 - 1e-13 && rep.max_det < 1 + 1e-13);
        const so8_test *t8 = row(&rep, "trace_moment_8");
        CHECK(t8 && t8->expected == so8_trace_moment_exact(n, 8));
        CHECK(row(&rep, "eigen_angle_ks") && row(&rep, "entry_ks_00") &&
              row(&rep, "entry_sq_0_last"));
    }
}

/* The same statistics, same thresholds, on wrong samplers: each must fail. */
static void test_non_haar_fails(void)
{
    const int dims[4] = {3, 4, 8, 16};
    for (int d = 0; d < 4; d++) {
        int n = dims[d];
        so8_stats_report rep;
        /* torus: E[tr²] = n, not 1; entries arcsine or 0/1 */
        CHECK(run_stats(SO8_SAMPLER_TORUS, n, 7, SO8_DOUBLE, N_SAMPLES, 0, &rep) == SO8_OK);
        CHECK_MSG(!rep.pass, "torus sampler passed for SO(%d)", n);
        const so8_test *t = row(&rep, "trace_moment_2");
        CHECK(t && !t->pass);
        t = row(&rep, "eigen_angle_ks");
        CHECK_MSG(t && !t->pass, "SO(%d) eigen-angle KS missed the torus sampler", n);
        t = row(&rep, "entry_ks_00");
        CHECK(t && !t->pass);
        /* orthogonal with det +1: the deterministic rows still pass */
        CHECK(row(&rep, "orthogonality")->pass && row(&rep, "det")->pass);
        /* Householder without the sign fix: E[tr] is far from 0, R₀₀ is never positive */
        CHECK(run_stats(SO8_SAMPLER_NOSIGNFIX, n, 7, SO8_DOUBLE, N_SAMPLES, 0, &rep) ==
              SO8_OK);
        CHECK_MSG(!rep.pass, "no-sign-fix sampler passed for SO(%d)", n);
        t = row(&rep, "trace_moment_1");
        CHECK(t && !t->pass);
        t = row(&rep, "entry_ks_00");
        CHECK(t && !t->pass);
        t = row(&rep, "eigen_angle_ks");
        CHECK(t && !t->pass);
    }
}

/* Float data: same statistics pass with the float tolerance; results independent of
 * thread count and of how the stream is split. */
static void test_float_and_threads(void)
{
    so8_stats_report a, b;
    CHECK(run_stats(SO8_SAMPLER_HAAR, 8, 99, SO8_FLOAT, 20000, 1, &a) == SO8_OK);
    CHECK(run_stats(SO8_SAMPLER_HAAR, 8, 99, SO8_FLOAT, 20000, 2, &b) == SO8_OK);
    CHECK(a.pass);
    CHECK(a.max_orthogonality_error > 1e-9 && a.max_orthogonality_error < 1e-5);
    CHECK(memcmp(&a, &b, sizeof a) == 0);
    /* a double-precision accumulator rejects float-level orthogonality */
    so8_stats *s;
    CHECK(so8_stats_create(8, SO8_DOUBLE, &s) == SO8_OK);
    float *f = malloc(1000 * 64 * sizeof *f);
    if (f && s) {
        so8_haar_batch_cpu(8, 5, 0, 1000, SO8_FLOAT, f, 0);
        CHECK(so8_stats_add(s, f, SO8_FLOAT, 1000, 0) == SO8_OK);
        so8_stats_report r;
        CHECK(so8_stats_report_get(s, &r) == SO8_OK);
        CHECK(!row(&r, "orthogonality")->pass);
    }
    free(f);
    so8_stats_free(s);
    /* argument checks */
    CHECK(so8_stats_create(1, SO8_DOUBLE, &s) == SO8_ERR_INVAL && s == NULL);
    CHECK(so8_stats_create(17, SO8_DOUBLE, &s) == SO8_ERR_INVAL);
    CHECK(so8_stats_create(8, SO8_DOUBLE, NULL) == SO8_ERR_INVAL);
    CHECK(so8_stats_create(8, SO8_DOUBLE, &s) == SO8_OK);
    so8_stats_report r;
    CHECK(so8_stats_report_get(s, &r) == SO8_ERR_INVAL); /* no samples yet */
    CHECK(so8_stats_add(s, NULL, SO8_DOUBLE, 5, 0) == SO8_ERR_INVAL);
    so8_stats_free(s);
    so8_stats_free(NULL);
}

/* A non-orthogonal matrix, and one with det −1, are caught by the deterministic rows. */
static void test_deterministic_rows(void)
{
    double R[3 * 64];
    so8_haar_batch_cpu(8, 1, 0, 3, SO8_DOUBLE, R, 1);
    so8_stats *s;
    so8_stats_report rep;
    CHECK(so8_stats_create(8, SO8_DOUBLE, &s) == SO8_OK);
    for (int i = 0; i < 8; i++)
        R[64 + i * 8 + 7] = -R[64 + i * 8 + 7]; /* det −1 */
    R[128] *= 1.0 + 1e-9;                       /* not orthogonal */
    so8_stats_add(s, R, SO8_DOUBLE, 3, 1);
    so8_stats_report_get(s, &rep);
    CHECK(!row(&rep, "orthogonality")->pass);
    CHECK(!row(&rep, "det")->pass);
    CHECK_NEAR(rep.min_det, -1.0, 1e-12);
    CHECK(!rep.pass);
    so8_stats_free(s);
    /* hostile data: NaN and inf entries are counted as failures, never crash */
    CHECK(so8_stats_create(8, SO8_DOUBLE, &s) == SO8_OK);
    so8_haar_batch_cpu(8, 1, 0, 3, SO8_DOUBLE, R, 1);
    R[5] = NAN;
    R[64 + 9] = INFINITY;
    CHECK(so8_stats_add(s, R, SO8_DOUBLE, 3, 1) == SO8_OK);
    CHECK(so8_stats_report_get(s, &rep) == SO8_OK);
    CHECK(!rep.pass && !row(&rep, "orthogonality")->pass);
    so8_stats_free(s);
}

int main(void)
{
    test_exact_moments();
    test_so3_quadrature();
    test_cdfs();
    test_haar_passes();
    test_non_haar_fails();
    test_float_and_threads();
    test_deterministic_rows();
    return test_summary();
}
