/* geom_special.c — the formulas several geom/ files share, kept below them so that no two
 * files call each other: the log-measure of a ball and a sphere (Γ via lgamma) and the
 * 24-point Gauss–Legendre rule. (The Faddeeva function they also share is inline, in
 * geom_faddeeva.h, because the transform's inner loop calls it.)
 *   log vol(B_d(r)) = (d/2) log π − log Γ(d/2 + 1) + d log r
 *   log area(∂B_d(r)) = log 2 + (d/2) log π − log Γ(d/2) + (d − 1) log r
 */
#include "geom/geom_internal.h"

#include <math.h>

double geom_ball_log_volume(int d, double r)
{
    if (d < 1 || !(r >= 0))
        return NAN;
    if (r == 0)
        return -INFINITY;
    return 0.5 * d * log(M_PI) - lgamma(0.5 * d + 1) + d * log(r);
}

double geom_sphere_log_area(int d, double r)
{
    if (d < 1 || !(r >= 0))
        return NAN;
    if (d == 1)
        return M_LN2; /* the two points ±r */
    if (r == 0)
        return -INFINITY;
    return M_LN2 + 0.5 * d * log(M_PI) - lgamma(0.5 * d) + (d - 1) * log(r);
}

/* n-point Gauss–Legendre nodes and weights on [-1, 1], largest node first, by Newton on P_n
 * from z_i = cos(π(i + 3/4)/(n + 1/2)) for the non-negative half; the other half is its
 * mirror image (Newton from the mirrored start lands on the same bits: P_n has parity n and
 * every step commutes with negation). */
void geom_gauss_legendre(int n, double *xs, double *ws)
{
    for (int i = 0; i < (n + 1) / 2; i++) {
        double x = cos(M_PI * (i + 0.75) / (n + 0.5)), dp = 1;
        for (int it = 0; it < 100; it++) {
            double p0 = 1, p1 = x;
            for (int k = 2; k <= n; k++) {
                double p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k;
                p0 = p1;
                p1 = p2;
            }
            dp = n * (x * p1 - p0) / (x * x - 1);
            double dx = p1 / dp;
            x -= dx;
            if (fabs(dx) < 1e-16)
                break;
        }
        xs[i] = x;
        xs[n - 1 - i] = -x;
        ws[i] = ws[n - 1 - i] = 2 / ((1 - x * x) * dp * dp);
    }
}

void geom_gl24(double *xs, double *ws)
{
    geom_gauss_legendre(24, xs, ws);
}
