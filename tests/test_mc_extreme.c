/* test_mc_extreme.c — Monte Carlo at extreme scales and the complement quantity.
 *
 * 1. Huge cubes and tiny radii (a = 1e39 .. 1e300, r = 1e-300 .. 1e300): every method
 *    either answers — finite numbers, the right value (vol(B) exactly where the ball lies
 *    inside the cube; a log value with its digits where the value underflows) — or refuses
 *    with MC_ERR_UNSUPPORTED; never NaN, never a hang (the tilt at a = 1e300 looped on
 *    0·inf before). A ball of radius 1e-300 on a face or a corner of the unit cube: the
 *    estimators that sample it (ball, radial, tilt) get log(vol(B)/2) and log(vol(B)/2^d).
 * 2. The complement vol(Q \ B): hit, cond and the corner tilt within 5 se of independent
 *    values — d <= 3 closed forms (cube − volume, well conditioned there) with centres and a
 *    rotation, and at d = 64, r = 6 (2.2e-9 of the cube) a reference from a direct
 *    discretised convolution written here (ref_tail below), itself checked against
 *    cube − geom_volume_exact where that is well conditioned. Companions: a wrong radius
 *    fails the same 5-se test; the fast CPU paths count the same complement as the
 *    per-sample reference.
 */
#include "geom/geom.h"
#include "mc/mc.h"
#include "mc/mc_internal.h"
#include "tests/support/mc_ref.h"
#include "tests/test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int run(mc_quantity q, int d, double a, double r, const double *c, const double *R,
               mc_method m, uint64_t n, uint64_t seed, mc_result *res, char *err, size_t errlen)
{
    mc_problem p = {q, d, a, r, c, R};
    mc_options o = mc_test_options(m, MC_BACKEND_CPU, n, seed);
    return mc_estimate(&p, &o, res, err, errlen);
}

/* log vol(B_d(r)), written out here (not the code under test) */
static double log_ball(int d, double r)
{
    return 0.5 * d * log(M_PI) - lgamma(0.5 * d + 1.0) + d * log(r);
}

static int all_finite(const mc_result *r)
{
    return isfinite(r->estimate) && isfinite(r->std_error) && isfinite(r->ci95[0]) &&
           isfinite(r->ci95[1]) && !isnan(r->log_estimate) && !isnan(r->fraction_of_cube);
}

/* ---- 1. extreme scales ---- */

static void test_huge_cube_small_ball(void)
{
    /* the example: d = 8, a = 1e40, r = 1.5 — hit, cond and qmc printed -nan */
    double c[8] = {0};
    double want = exp(log_ball(8, 1.5));
    for (int m = MC_METHOD_HIT; m < MC_METHOD_COUNT_; m++) {
        for (int k = 0; k < 3; k++) {
            double a = k == 0 ? 1e40 : k == 1 ? 1e39 : 1e300;
            mc_result res;
            char err[512] = "";
            int st = run(MC_VOLUME, 8, a, 1.5, c, NULL, (mc_method)m, 1u << 13, 7, &res, err,
                         sizeof err);
            CHECK_MSG(st == MC_OK, "a=%g %s: %s", a, mc_method_name((mc_method)m), err);
            if (st)
                continue;
            CHECK_MSG(all_finite(&res), "a=%g %s: non-finite result %g ± %g", a,
                      mc_method_name((mc_method)m), res.estimate, res.std_error);
            double tol = res.std_error > 0 ? 5 * res.std_error : 1e-12 * want;
            CHECK_MSG(fabs(res.estimate - want) <= tol, "a=%g %s: %.17g, want vol(B) %.17g",
                      a, mc_method_name((mc_method)m), res.estimate, want);
            CHECK(res.ci95[0] <= res.estimate && res.estimate <= res.ci95[1]);
        }
    }
}

static void test_tiny_ball(void)
{
    /* r = 1e-300: r² underflows; the ball is inside the cube ("do not overlap" before) */
    double c[8] = {0};
    double lw = log_ball(8, 1e-300);
    for (int m = MC_METHOD_HIT; m < MC_METHOD_COUNT_; m++) {
        mc_result res;
        char err[512] = "";
        int st = run(MC_VOLUME, 8, 1.0, 1e-300, c, NULL, (mc_method)m, 1u << 12, 3, &res, err,
                     sizeof err);
        CHECK_MSG(st == MC_OK, "%s: %s", mc_method_name((mc_method)m), err);
        if (st)
            continue;
        CHECK(all_finite(&res));
        CHECK_MSG(fabs(res.log_estimate - lw) <= 1e-12 * fabs(lw), "%s: log %.17g want %.17g",
                  mc_method_name((mc_method)m), res.log_estimate, lw);
    }
    /* the same ball on a face (half inside) and at a corner (2^-d inside), d = 2 and 8:
       the methods that sample it keep the log value's digits */
    for (int k = 0; k < 2; k++) {
        int d = k ? 8 : 2;
        double cc[8] = {0};
        for (int i = 0; i < (k ? d : 1); i++)
            cc[i] = 1.0;
        double lv = log_ball(d, 1e-300) - (k ? d : 1) * log(2.0);
        const mc_method ms[] = {MC_METHOD_BALL, MC_METHOD_RADIAL, MC_METHOD_TILT};
        for (int j = 0; j < 3; j++) {
            mc_result res;
            char err[512] = "";
            int st = run(MC_VOLUME, d, 1.0, 1e-300, cc, NULL, ms[j], 1u << 15, 11, &res, err,
                         sizeof err);
            CHECK_MSG(st == MC_OK, "corner d=%d %s: %s", d, mc_method_name(ms[j]), err);
            if (st)
                continue;
            /* relative error of the value = error of its log; se from the run itself */
            double rel = res.rel_error;
            CHECK_MSG(isfinite(res.log_estimate) && fabs(res.log_estimate - lv) <= 5 * rel + 1e-12,
                      "d=%d %s: log %.12g want %.12g (rel. se %.3g)", d, mc_method_name(ms[j]),
                      res.log_estimate, lv, rel);
        }
    }
}

static void test_never_nan(void)
{
    /* a grid of scales × every method: MC_OK with finite numbers, or a refusal */
    const double as[] = {1e-300, 1e-100, 1.0, 1e39, 1e100, 1e300};
    const double rs[] = {0.0, 1e-300, 1e-100, 1.5, 1e100, 1e300};
    int answered = 0, refused = 0;
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 6; j++)
            for (int q = 0; q < 2; q++)
                for (int m = MC_METHOD_HIT; m < MC_METHOD_COUNT_; m++) {
                    double c[8];
                    for (int k = 0; k < 8; k++)
                        c[k] = (k & 1) ? 0.5 * as[i] : 0.0; /* on and off the axes */
                    mc_result res;
                    char err[512] = "";
                    int st = run(q ? MC_COMPLEMENT : MC_VOLUME, 8, as[i], rs[j], c, NULL,
                                 (mc_method)m, 2048, 5, &res, err, sizeof err);
                    if (st == MC_ERR_UNSUPPORTED) {
                        refused++;
                        CHECK(err[0] != 0);
                        continue;
                    }
                    CHECK_MSG(st == MC_OK, "a=%g r=%g q=%d %s: status %d %s", as[i], rs[j], q,
                              mc_method_name((mc_method)m), st, err);
                    if (st)
                        continue;
                    answered++;
                    CHECK_MSG(all_finite(&res) && res.estimate >= 0,
                              "a=%g r=%g q=%d %s: %g ± %g [%g, %g] log %g", as[i], rs[j], q,
                              mc_method_name((mc_method)m), res.estimate, res.std_error,
                              res.ci95[0], res.ci95[1], res.log_estimate);
                }
    CHECK(answered > 200 && refused > 20);
}

static void test_beyond_double(void)
{
    /* values beyond the double range are refused, not inf or NaN */
    double c[8] = {0};
    mc_result res;
    char err[512] = "";
    CHECK(run(MC_VOLUME, 8, 1e300, 1e300, c, NULL, MC_METHOD_BALL, 1024, 1, &res, err,
              sizeof err) == MC_ERR_UNSUPPORTED);
    CHECK(strstr(err, "double") != NULL);
    /* d = 128, a = 300: (2a)^d = e^818 overflows, the ball (r = 100) is inside: exact */
    double c128[128] = {0};
    CHECK(run(MC_VOLUME, 128, 300, 100, c128, NULL, MC_METHOD_HIT, 1024, 1, &res, err,
              sizeof err) == MC_OK);
    CHECK_REL(res.log_estimate, log_ball(128, 100), 1e-13);
}

/* ---- 2. the complement ---- */

/* P(Σ_{i<d} t_i² > x), t_i uniform on [0, 1], by a discretised convolution under an
 * exponential tilt (written for this test, shares nothing with mc/): with weight e^{λt²},
 * P = Z^d e^{−λx} E_λ[e^{−λ(S−x)} 1{S > x}], Z = ∫_0^1 e^{λt²} dt; the tilted law of s = t²
 * is put on the grid s = jh by cell (mass and mean kept: each cell's mass split between its
 * two ends), the d-fold convolution formed by repeated squaring (d a power of two) and the
 * functional summed with grid point j standing for [jh − h/2, jh + h/2]. Error O(h²). */
static long double ref_tail(int d, double x, int cells_per_unit, double *lambda_out)
{
    const int n = cells_per_unit;
    const long double h = 1.0L / n;
    /* λ with E_λ[t²] = x/d (bisection; Simpson on t, smooth) */
    double lo = 0, hi = 50;
    for (int it = 0; it < 100; it++) {
        double lam = 0.5 * (lo + hi);
        long double z = 0, m = 0;
        const int K = 4000;
        for (int k = 0; k <= K; k++) {
            long double t = (long double)k / K, w = (k == 0 || k == K) ? 1 : (k & 1) ? 4 : 2;
            long double f = expl(lam * t * t);
            z += w * f;
            m += w * f * t * t;
        }
        if (m / z < x / d)
            lo = lam;
        else
            hi = lam;
    }
    const long double lam = 0.5 * (lo + hi);
    *lambda_out = (double)lam;
    /* the one-coordinate law on the grid */
    long double *p = calloc((size_t)n + 1, sizeof *p);
    long double z = 0;
    for (int k = 0; k < n; k++) {
        /* ∫ e^{λt²} and ∫ t² e^{λt²} over t in [√(kh), √((k+1)h)]: Simpson, 16 pieces */
        long double t0 = sqrtl(k * h), t1 = sqrtl((k + 1) * h), m0 = 0, m1 = 0;
        for (int j = 0; j <= 16; j++) {
            long double t = t0 + (t1 - t0) * j / 16, w = (j == 0 || j == 16) ? 1 : (j & 1) ? 4 : 2;
            long double f = expl(lam * t * t);
            m0 += w * f;
            m1 += w * f * t * t;
        }
        m0 *= (t1 - t0) / 48;
        m1 *= (t1 - t0) / 48;
        long double frac = (m1 / m0 - k * h) / h;
        p[k] += m0 * (1 - frac);
        p[k + 1] += m0 * frac;
        z += m0;
    }
    for (int k = 0; k <= n; k++)
        p[k] /= z;
    /* d-fold convolution by squaring */
    size_t len = (size_t)n + 1;
    for (int have = 1; have < d; have *= 2) {
        size_t nl = 2 * len - 1;
        long double *q = calloc(nl, sizeof *q);
        for (size_t i = 0; i < len; i++) {
            if (p[i] == 0)
                continue;
            for (size_t j = 0; j < len; j++)
                q[i + j] += p[i] * p[j];
        }
        free(p);
        p = q;
        len = nl;
    }
    /* grid point j stands for s in [jh − h/2, jh + h/2]: the part of that above x */
    long double e = 0;
    for (size_t j = 0; j < len; j++) {
        long double s = j * h, part = (s + 0.5L * h - x) / h;
        if (part <= 0)
            continue;
        e += p[j] * (part >= 1 ? expl(-lam * (s - x)) : part);
    }
    free(p);
    return powl(z, d) * expl(-lam * x) * e;
}

static void check_z(const char *what, const mc_result *res, double exact, int want_pass)
{
    double z = (res->estimate - exact) / res->std_error;
    if (want_pass)
        CHECK_MSG(res->std_error > 0 && fabs(z) <= 5, "%s: est %.10g exact %.10g se %.3g z %.2f",
                  what, res->estimate, exact, res->std_error, z);
    else
        CHECK_MSG(!(fabs(z) <= 5), "%s (companion, must fail): est %.10g exact %.10g z %.2f",
                  what, res->estimate, exact, z);
}

static void test_complement_closed_forms(void)
{
    /* d <= 3: cube − closed-form volume (the complement is not small here) */
    const double th = 0.7;
    const double R2[4] = {cos(th), -sin(th), sin(th), cos(th)};
    struct {
        int d;
        double r, c[3];
        const double *R;
    } cs[] = {{1, 0.6, {0.7}, NULL},
              {2, 1.2, {0, 0}, NULL},
              {2, 0.9, {0.4, -0.8}, R2},
              {3, 1.5, {0.3, -0.2, 0.6}, NULL},
              {3, 1.65, {0, 0, 0}, NULL}};
    const mc_method ms[] = {MC_METHOD_HIT, MC_METHOD_COND, MC_METHOD_TILT, MC_METHOD_AUTO};
    for (size_t k = 0; k < sizeof cs / sizeof cs[0]; k++) {
        /* the closed form takes the centre in the cube's frame: c' = Rᵀc */
        double cf[3];
        for (int i = 0; i < cs[k].d; i++) {
            cf[i] = 0;
            for (int j = 0; j < cs[k].d; j++)
                cf[i] += (cs[k].R ? cs[k].R[j * cs[k].d + i] : (i == j)) * cs[k].c[j];
        }
        double exact = pow(2.0, cs[k].d) - geom_volume_closed_form_d123(cs[k].d, 1.0, cs[k].r, cf);
        for (int j = 0; j < 4; j++) {
            if (ms[j] == MC_METHOD_COND && cs[k].d < 2)
                continue;
            mc_result res;
            char err[512] = "", what[96];
            int st = run(MC_COMPLEMENT, cs[k].d, 1.0, cs[k].r, cs[k].c, cs[k].R, ms[j], 1u << 16,
                         40 + k, &res, err, sizeof err);
            snprintf(what, sizeof what, "complement d=%d r=%g %s", cs[k].d, cs[k].r,
                     mc_method_name(ms[j]));
            CHECK_MSG(st == MC_OK, "%s: %s", what, err);
            if (st)
                continue;
            if (cs[k].d == 1 && ms[j] != MC_METHOD_HIT && res.std_error == 0) {
                CHECK_REL(res.estimate, exact, 1e-12);
                continue;
            }
            check_z(what, &res, exact, 1);
            CHECK(isnan(res.fraction_of_ball));
            CHECK_REL(res.fraction_of_cube, res.estimate / pow(2.0, cs[k].d), 1e-12);
        }
    }
    /* companion: the radius 2 % too large must be caught */
    double c0[3] = {0};
    double exact = 8.0 - geom_volume_closed_form_d123(3, 1.0, 1.65, c0);
    mc_result res;
    char err[512];
    CHECK(run(MC_COMPLEMENT, 3, 1.0, 1.65 * 1.02, c0, NULL, MC_METHOD_COND, 1u << 16, 9, &res,
              err, sizeof err) == MC_OK);
    check_z("complement r + 2%", &res, exact, 0);
    /* the complement's unsupported methods say so */
    for (int m = MC_METHOD_BALL; m <= MC_METHOD_QMC; m++) {
        if (m == MC_METHOD_COND)
            continue;
        err[0] = 0;
        CHECK(run(MC_COMPLEMENT, 3, 1.0, 1.5, c0, NULL, (mc_method)m, 1024, 1, &res, err,
                  sizeof err) == MC_ERR_UNSUPPORTED);
        CHECK(strstr(err, "complement") != NULL);
    }
}

static void test_complement_tiny(void)
{
    /* the reference integrator against an independent value where the subtraction keeps
       its digits: d = 8, r = 2.2 (complement ≈ 8 % of the cube) */
    {
        double lam, c[8] = {0};
        long double t1 = ref_tail(8, 2.2 * 2.2, 256, &lam);
        geom_problem gp = {8, 1.0, 2.2, c, NULL};
        geom_result gr;
        char err[256];
        CHECK(geom_volume_exact(&gp, &gr, err, sizeof err) == 0);
        double want = 1.0 - gr.value / 256.0;
        CHECK_MSG(fabsl(t1 - want) <= 1e-5 * want, "reference d=8: %.12Lg vs geom %.12g", t1,
                  want);
        printf("reference check, d = 8, r = 2.2: convolution %.12Lg, 1 − geom/cube %.12g\n", t1,
               want);
    }
    /* d = 64, r = 6: P(S > 36) ≈ 2.2e-9 of the cube */
    double lam;
    long double p1 = ref_tail(64, 36.0, 64, &lam), p2 = ref_tail(64, 36.0, 128, &lam);
    double ref = (double)(p2 + (p2 - p1) / 3); /* Richardson on the O(h²) error */
    double ref_err = fabs((double)(p2 - p1));   /* a generous bound on what is left */
    printf("d = 64, r = 6: complement fraction %.10g (h = 1/64: %.10Lg, 1/128: %.10Lg), "
           "λ = %.6g\n", ref, p1, p2, lam);
    CHECK(ref > 1e-9 && ref < 5e-9);
    CHECK(ref_err < 1e-3 * ref);
    double c[64] = {0};
    double cube = ldexp(1.0, 64);
    mc_result res;
    char err[512] = "";
    int st = run(MC_COMPLEMENT, 64, 1.0, 6.0, c, NULL, MC_METHOD_TILT, 1u << 16, 2026, &res,
                 err, sizeof err);
    CHECK_MSG(st == MC_OK, "tilt: %s", err);
    if (st == MC_OK) {
        check_z("complement d=64 r=6 tilt", &res, ref * cube, 1);
        CHECK(res.rel_error < 0.05);
        CHECK_REL(res.log_estimate, log(res.estimate), 1e-12);
        printf("  corner tilt: %.6g of the cube ± %.2g %% (2^16 samples)\n",
               res.fraction_of_cube, 100 * res.rel_error);
    }
    /* companion: r = 6.05 changes the complement by ~30 %: the same test must fail */
    st = run(MC_COMPLEMENT, 64, 1.0, 6.05, c, NULL, MC_METHOD_TILT, 1u << 16, 2026, &res, err,
             sizeof err);
    CHECK(st == MC_OK);
    if (st == MC_OK)
        check_z("complement d=64 r=6.05 vs r=6", &res, ref * cube, 0);
    /* hit and cond see nothing there: estimate 0, honest about it (no NaN) */
    st = run(MC_COMPLEMENT, 64, 1.0, 6.0, c, NULL, MC_METHOD_HIT, 1u << 14, 1, &res, err,
             sizeof err);
    CHECK(st == MC_OK && res.hits == 0 && res.estimate == 0 && all_finite(&res));
}

/* The CPU's fast paths (vector hit, cond) count the same complement as the per-sample
 * reference: outside = block size − inside for hit, the outside pieces for cond. */
static void test_complement_cpu_paths(void)
{
    double c[12];
    for (int i = 0; i < 12; i++)
        c[i] = 0.25 * sin(1.3 * i);
    for (int m = 0; m < 2; m++) {
        mc_problem p = {MC_COMPLEMENT, 12, 1.0, 1.9, c, NULL};
        mc_plan pl;
        char err[256];
        CHECK(mc_plan_build(&p, m ? MC_METHOD_COND : MC_METHOD_HIT, 77, 8, &pl, err,
                            sizeof err) == 0);
        mc_plan_set_samples(&pl, 5 * MC_BLOCK_SAMPLES - 17);
        int ok = 1, mixed = 0;
        for (uint64_t b = 0; b < 5; b++) {
            mc_accum acc;
            mc_accum_init(&acc, 0);
            mc_cpu_run(&pl, b, b + 1, 1, &acc, NULL, NULL, 0, 0);
            mc_block_acc ref;
            mc_cpu_block_reference(&pl, b, &ref);
            uint64_t n = mc_plan_samples_in(&pl, b, b + 1);
            if (m == 0) {
                ok &= acc.hits == n - ref.hits; /* the reference counts the inside */
                mixed += ref.hits > 0 && ref.hits < n;
            } else {
                ok &= mc_accum_sum(&acc) == ref.sum && mc_accum_sum_sq(&acc) == ref.sum_sq;
                mixed += ref.sum > 0 && ref.sum < (double)n;
            }
        }
        CHECK_MSG(ok, "complement %s: the CPU fast path differs from the reference",
                  m ? "cond" : "hit");
        CHECK(mixed == 5);
    }
}

int main(void)
{
    test_huge_cube_small_ball();
    test_tiny_ball();
    test_never_nan();
    test_beyond_double();
    test_complement_closed_forms();
    test_complement_tiny();
    test_complement_cpu_paths();
    return test_summary();
}
