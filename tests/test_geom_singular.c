/* test_geom_singular.c — the subtraction of singular parts at break points near t
 * (geom/geom_singular.c, docs/math.md §4.6).
 *
 *  1. The closed-form value of the subtracted part under the trapezoid rule, images
 *     included (geom_sing_value), against a brute-force trapezoid sum of its transform
 *     (geom_sing_node) over 2·10^5 nodes: density and distribution function, contours on
 *     both sides of 0, periods shorter than the support (images that matter).  A wrong
 *     period in the closed form must be caught.
 *  2. Exact values with the subtraction on and off agree (the subtraction is an identity:
 *     only the speed may change), over random problems next to break points (d = 5 volumes
 *     and surfaces, d = 6 surfaces: where it is used) — and the subtraction was really
 *     used in a good share of them.
 */
#include "geom/geom.h"
#include "geom/geom_faddeeva.h"
#include "geom/geom_internal.h"
#include "tests/support/test_rng.h"
#include "tests/test.h"

#include <cerf.h>
#include <complex.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>

static double brute(const geom_sing *g, double sig, double T, int nodes)
{
    double h = 2 * M_PI / T;
    double sum = 0.5 * creal(geom_sing_node(g, sig, 0));
    for (int k = 1; k < nodes; k++)
        sum += creal(geom_sing_node(g, sig + I * (k * h), 0));
    return h / M_PI * sum;
}

static void test_images(void)
{
    const double cs[5] = {0.1, -0.3, 0.25, 0.05, -0.15};
    double a1[5], a2[5];
    for (int i = 0; i < 5; i++) {
        double c = fabs(cs[i]);
        a1[i] = -1 - c;
        a2[i] = 1 - c;
    }
    /* t next to the two-face break point (1-0.1)² + (1-0.05)² */
    const double t = (0.81 + 0.9025) * (1 + 1e-4);
    const struct {
        int surface;
        double sig, T;
    } cases[] = {{1, 1.0, 2.0}, {0, 1.0, 2.0}, {0, -0.5, 2.0}, {1, -0.5, 2.0}, {1, 1.0, 0.7},
                 {0, 2.0, 1.1}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        geom_sing *g = geom_sing_create(5, a1, a2, t, cases[k].sig, cases[k].surface, 0.3,
                                        0.05 * t, 1.0);
        CHECK_MSG(g != NULL && geom_sing_count(g) > 0, "case %zu: nothing to subtract", k);
        if (!g)
            continue;
        /* the node normalisation is e^{σt} (and 1/|σ| for the distribution function) */
        double base = cases[k].sig * t - (cases[k].surface ? 0 : log(fabs(cases[k].sig)));
        double want = brute(g, cases[k].sig, cases[k].T, 200000);
        double got = geom_sing_value(g, cases[k].T, base);
        CHECK_MSG(fabs(got - want) <= 1e-9 * fabs(want), "case %zu: closed form %.15g, sum %.15g",
                  k, got, want);
        /* companion: the closed form at a wrong period must not pass */
        double wrong = geom_sing_value(g, 1.05 * cases[k].T, base);
        CHECK_MSG(fabs(wrong - want) > 1e-6 * fabs(want), "case %zu: wrong period not caught", k);
        /* the sequential nodes (phases by recurrence, as the transform uses them) equal the
         * direct ones */
        double h = 2 * M_PI / cases[k].T, dmax = 0, amax = 0;
        geom_sing_begin(g, h, 0);
        for (int n = 0; n < 3000; n++) {
            double complex a = geom_sing_node(g, cases[k].sig + I * (n * h), 0);
            double complex b = geom_sing_next(g);
            if (cabs(a - b) > dmax)
                dmax = cabs(a - b);
            if (cabs(a) > amax)
                amax = cabs(a);
        }
        CHECK_MSG(dmax <= 1e-13 * amax, "case %zu: sequential nodes off by %.2e of %.2e", k, dmax,
                  amax);
        geom_sing_free(g);
    }
}

/* A face 0.038 from the centre (a tail kept exact: its series would need β ≈ 6000) and a
 * centre outside one slab: the closed-form value of the subtracted part, images included,
 * against the brute-force trapezoid sum of its transform (surfaces, σ > 0). */
static void test_exact_tail(void)
{
    const double c[4] = {-1.411125603300706, -0.32361704727683249, 0.96223331446419236,
                         -0.28415411469493912};
    double a1[4], a2[4], shift = 0;
    for (int i = 0; i < 4; i++) {
        double x1 = -1 - c[i], x2 = 1 - c[i];
        if (x1 + x2 > 0) {
            double tmp = -x1;
            x1 = -x2;
            x2 = tmp;
        }
        a1[i] = x1;
        a2[i] = x2;
        if (x2 < 0)
            shift += x2 * x2;
    }
    const double t = 2.0887555232100548 * 2.0887555232100548 - shift;
    const double sig[2] = {1.0, 0.5}, T[2] = {5, 8};
    for (int k = 0; k < 2; k++) {
        geom_sing *g = geom_sing_create(4, a1, a2, t, sig[k], 1, 0.3, 0.05 * t, 1.0);
        CHECK_MSG(g && geom_sing_exact_count(g) > 0, "no exact tail in the d = 4 case");
        if (!g)
            continue;
        double want = brute(g, sig[k], T[k], 200000), got = geom_sing_value(g, T[k], sig[k] * t);
        CHECK_MSG(fabs(got - want) <= 1e-9 * fabs(want), "exact tail, σ = %g: %.15g vs sum %.15g",
                  sig[k], got, want);
        geom_sing_free(g);
    }
    /* and the whole value, subtraction on and off (d = 4 through the transform directly) */
    double lon, loff, rel;
    char err[256];
    geom_opts off = {.no_singular = 1};
    CHECK(geom_transform_log_opts(4, 1.0, 2.0887555232100548, c, 1, NULL, &lon, &rel, err,
                                  sizeof err) == 0);
    CHECK(geom_transform_log_opts(4, 1.0, 2.0887555232100548, c, 1, &off, &loff, &rel, err,
                                  sizeof err) == 0);
    CHECK_MSG(fabs(lon - loff) < 1e-12, "d = 4 exact-tail case: on %.17g off %.17g", lon, loff);
}

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static double uniform(void) { return test_xorshift64(&rng); }

static void test_on_off(void)
{
    const int dims[3] = {5, 5, 6};
    int used = 0, total = 0;
    /* the transform path, which the orthant caps would replace */
    geom_opts on_opts = {.no_corners = 1}, off_opts = {.no_corners = 1, .no_singular = 1};
    double worst = 0;
    for (int q = 0; q < 3; q++)
        for (int j = 0; j < 12; j++) {
            int d = dims[q], surface = d > 5 ? 1 : j % 2; /* where it is used */
            double c[8], H = 0;
            for (int i = 0; i < d; i++)
                c[i] = 1.6 * uniform() - 0.8;
            if (j % 3 == 2) /* a face within 0.05 of the centre: exact tails */
                c[0] = (uniform() < 0.5 ? -1 : 1) * (0.95 + 0.049 * uniform());
            /* r² next to a random face / edge / corner break point */
            for (int i = 0; i < d; i++) {
                double u = uniform();
                if (u < 0.4) {
                    double h = u < 0.2 ? 1 - c[i] : 1 + c[i];
                    H += h * h;
                }
            }
            if (H == 0)
                H = (1 - c[0]) * (1 - c[0]);
            double r = sqrt(H * (1 + (uniform() < 0.5 ? -1 : 1) * pow(10, -2 - 3 * uniform())));
            geom_problem p = {d, 1.0, r, c, NULL};
            geom_result on, off;
            char err[256];
            int s1 = geom_exact_opts(&p, surface, &on_opts, &on, err, sizeof err);
            int n = on_opts.singular_terms;
            int s2 = geom_exact_opts(&p, surface, &off_opts, &off, err, sizeof err);
            CHECK(s1 == GEOM_OK && s2 == GEOM_OK);
            double dl = fabs(on.log_value - off.log_value);
            if (dl > worst)
                worst = dl;
            CHECK_MSG(dl <= 1e-12, "d=%d r=%.17g %s: on %.17g off %.17g", d, r,
                      surface ? "surface" : "volume", on.value, off.value);
            used += n > 0;
            total++;
        }
    printf("on/off: worst |Δ log value| %.2e; subtraction used in %d of %d\n", worst, used,
           total);
    CHECK_MSG(used >= total / 3, "the subtraction was used in only %d of %d problems", used,
              total);
}

/* geom_faddeeva_w's asymptotic branch (|ζ| >= 24) against libcerf's w_of_z, which the
 * branch replaces there: relative difference at 1e-14 over the upper half-plane annulus,
 * the real axis included; companion: the series cut after 2 terms is caught. */
static void test_faddeeva(void)
{
    double worst = 0, worst_cut = 0;
    for (int i = 0; i < 4000; i++) {
        double rad = 24 + 60 * uniform() * uniform(), th = M_PI * uniform();
        if (i % 10 == 0)
            th = i % 20 ? 0 : M_PI; /* the real axis */
        double complex z = rad * cexp(I * th);
        double complex ref = w_of_z(z), got = geom_faddeeva_w(z);
        double rel = cabs(got - ref) / cabs(ref);
        if (rel > worst)
            worst = rel;
        double complex q = 1 / (2 * z * z);
        double complex cut = I * (1 + q) / (sqrt(M_PI) * z);
        double relc = cabs(cut - ref) / cabs(ref);
        if (relc > worst_cut)
            worst_cut = relc;
    }
    printf("faddeeva: asymptotic branch vs libcerf, worst relative difference %.2e\n", worst);
    CHECK_MSG(worst < 1e-14, "worst %.2e", worst);
    CHECK_MSG(worst_cut > 1e-10, "a 2-term series should be visibly off (%.2e)", worst_cut);
}

int main(void)
{
    test_faddeeva();
    test_images();
    test_exact_tail();
    test_on_off();
    return test_summary();
}
