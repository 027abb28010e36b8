/* test_mc_rounding.c — the per-sample rounding allowances of mc/mc_finalize.c measured:
 * cond's chord (sample.h mc_chord) and qmc's disc-in-square area (mc_disc_square) in
 * double against the same formulas in long double (64-bit significand: 2^11 times finer),
 * over random centres / radii and near-tangent radii, where asin(t/h) → π/2 amplifies the
 * rounding of t/h (up to √(2u) there: a 1.5e-9 error at cx = −0.3356, h = 1 − cx, against
 * a 50-digit mpmath value). The allowance is absolute in y units: cond (4d + 32)·u·G,
 * qmc 2e4·u·G² + √(2u)·min(r/a, G)² with G = 1 + (|c| + r)/a; the worst ratio of the
 * measured error to it must stay below 1. */
#include "mc/sample.h"
#include "tests/test.h"

#include <math.h>
#include <stdlib.h>

#define U 1.1102230246251565e-16

static long double strip_l(long double t, long double h)
{
    if (t >= h)
        return h * h * 0.78539816339744830961566084581987572L;
    return 0.5L * (t * sqrtl((h - t) * (h + t)) + h * h * asinl(t / h));
}

static long double quadrant_l(long double X, long double Y, long double h)
{
    if (X >= h && Y >= h)
        return h * h * 0.78539816339744830961566084581987572L;
    if (X > h)
        X = h;
    if (Y > h)
        Y = h;
    if (X * X + Y * Y <= h * h)
        return X * Y;
    long double x0 = sqrtl((h - Y) * (h + Y));
    if (x0 > X)
        x0 = X;
    return Y * x0 + (strip_l(X, h) - strip_l(x0, h));
}

static long double corner_l(long double X, long double Y, long double h)
{
    long double q = quadrant_l(fabsl(X), fabsl(Y), h);
    return ((X < 0) != (Y < 0)) ? -q : q;
}

static long double disc_square_l(long double cx, long double cy, long double h, long double a)
{
    long double x1 = -a - cx, x2 = a - cx, y1 = -a - cy, y2 = a - cy;
    long double s = corner_l(x2, y2, h) - corner_l(x1, y2, h) - corner_l(x2, y1, h) +
                    corner_l(x1, y1, h);
    return s > 0 ? s : 0;
}

static double unif(void) { return rand() / (double)RAND_MAX; }

int main(void)
{
    srand(12345);
    double worst_chord = 0, worst_area = 0, worst_abs = 0;
    for (int i = 0; i < 400000; i++) {
        /* cond, d = 1: y = |[c − h, c + h] ∩ [−1, 1]| / 2, centres up to 3000 */
        double c = 6 * (unif() - 0.5) * pow(10, 3 * unif());
        double r = fabs(c) + 3 * (unif() - 0.5);
        if (r > 0) {
            double y = mc_chord(c, sqrt(r * r), 1.0) / 2.0;
            long double h = sqrtl((long double)r * r), lo = c - h, hi = c + h;
            if (lo < -1)
                lo = -1;
            if (hi > 1)
                hi = 1;
            long double ref = hi > lo ? (hi - lo) / 2 : 0;
            double g = 1 + fabs(c) + r;
            worst_chord = fmax(worst_chord, (double)(fabsl(y - ref) / (U * g)));
        }
        /* qmc: y = area / 4, random and near-tangent (h ≈ 1 − cx) discs */
        double cx = 3 * (unif() - 0.5), cy = 3 * (unif() - 0.5), h = 2 * unif();
        if (i % 2)
            h = (1 - cx) * (1 + pow(10, -16 * unif()));
        double ya = mc_disc_square(cx, cy, h, 1.0) / 4;
        long double ra = disc_square_l(cx, cy, h, 1.0L) / 4;
        double g = 1 + fmax(fabs(cx), fabs(cy)) + h;
        double t = fmin(h, g);
        double allow = 2e4 * U * g * g + sqrt(2 * U) * t * t;
        worst_area = fmax(worst_area, (double)(fabsl(ya - ra) / allow));
        worst_abs = fmax(worst_abs, (double)fabsl(ya - ra));
    }
    printf("per-sample rounding, worst: chord %.3g u·G (allowance 36), disc-in-square %.3g "
           "(absolute, y units) = %.3g of its allowance\n", worst_chord, worst_abs, worst_area);
    CHECK(worst_chord < 36);
    CHECK(worst_area < 1);
    CHECK(worst_abs > 1e-12); /* the reference does see the near-tangent error */
    return test_summary();
}
