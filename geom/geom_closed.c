/* geom_closed.c — closed forms for d <= 3 and an independent recursive quadrature.
 *
 * d = 1: |[-a, a] ∩ [c - r, c + r]|.
 * d = 2: ∫ chord(x) dx over x ∈ [-a, a] ∩ [c1 - r, c1 + r], where the chord
 *        [-a, a] ∩ [c2 - w, c2 + w], w = √(r² - (x - c1)²), is a fixed combination of w and
 *        constants between the break points w = |±a - c2|, and ∫ w dx has the closed form
 *        r² G(u/r), G(v) = (v √(1 - v²) + asin v) / 2.
 * d = 3: ∫ A2(ρ(z)) dz, ρ(z) = √(r² - (z - c3)²), with A2 the d = 2 closed form, by a
 *        tanh-sinh rule on each piece between break points (where ρ equals the distance
 *        from (c1, c2) to an edge line or a corner of the square), which handles the
 *        square-root end-point behaviour.
 * Surface: d = 1 counts the points c ± r in [-a, a]; d = 2 is r × (angle of the circle
 *        inside the square, from the sorted crossing angles); d = 3 is r ∫ Θ(z) dz with
 *        Θ(z) the angle of the circle at height z inside the square (Archimedes: the
 *        sphere's area between heights z and z + dz is 2πr dz).
 * Recursive quadrature: V_n(R) = ∫ V_{n-1}(√(R² - (x - c_n)²)) dx with nested tanh-sinh
 *        rules split at all break points (sums of squared face distances), down to the d = 1
 *        chord; it shares no code path with the closed forms above except the tanh-sinh rule.
 * Tanh-sinh (double-exponential) quadrature: Takahasi & Mori (1974).
 */
#include "geom/geom_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- tanh-sinh ---- */

typedef double (*ts_fn)(double x, void *ctx);

/* ∫_A^B f by tanh-sinh, halving the step until two levels (from level 3 on) agree to
 * rel_tol relative or abs_tol absolute. */
static double ts_integrate_tol_d(ts_fn f, void *ctx, double A, double B, double rel_tol,
                                 double abs_tol, int max_level, double *diff_out);

static double ts_integrate_tol(ts_fn f, void *ctx, double A, double B, double rel_tol,
                               double abs_tol, int max_level)
{
    return ts_integrate_tol_d(f, ctx, A, B, rel_tol, abs_tol, max_level, NULL);
}

double geom_ts_integrate(double (*f)(double x, void *ctx), void *ctx, double A, double B,
                         double rel_tol, double *err_out)
{
    double diff = 0;
    double v = ts_integrate_tol_d(f, ctx, A, B, rel_tol, 0, 8, &diff);
    if (err_out)
        *err_out = diff;
    return v;
}

/* Σ w_k f(x_k) over the nodes t = k h, k = k0, k0 + step, … <= k1 (x = mid + half·tanh(π/2
 * sinh t), w = π/2 cosh t / cosh²(π/2 sinh t)); nodes that round onto an end are left out. */
static double ts_nodes_sum(ts_fn f, void *ctx, double A, double B, double h, int k0, int k1,
                           int step)
{
    const double half = 0.5 * (B - A), mid = 0.5 * (A + B);
    double sum = 0;
    for (int k = k0; k <= k1; k += step) {
        double t = k * h, u = 0.5 * M_PI * sinh(t);
        double cu = cosh(u);
        double w = 0.5 * M_PI * cosh(t) / (cu * cu);
        double xr = tanh(u);
        double x = mid + half * xr;
        if (x <= A || x >= B)
            continue;
        sum += w * f(x, ctx);
    }
    return sum;
}

static double ts_integrate_tol_d(ts_fn f, void *ctx, double A, double B, double rel_tol,
                                 double abs_tol, int max_level, double *diff_out)
{
    if (diff_out)
        *diff_out = 0;
    if (!(B > A))
        return 0;
    const double half = 0.5 * (B - A);
    const double tmax = 3.2; /* weights below ~1e-40 beyond */
    double h = 0.5;
    /* level 0: t = k h for all k */
    double sum = ts_nodes_sum(f, ctx, A, B, h, -(int)(tmax / h), (int)(tmax / h), 1);
    double est = sum * h * half;
    for (int level = 1; level <= max_level; level++) {
        h *= 0.5;
        int kmax = (int)(tmax / h);
        /* the new nodes: odd multiples of the halved step */
        sum += ts_nodes_sum(f, ctx, A, B, h, -kmax + ((kmax & 1) ? 0 : 1), kmax, 2);
        double nest = sum * h * half;
        double diff = fabs(nest - est);
        est = nest;
        if (diff_out)
            *diff_out = diff;
        if (level >= 3 && (diff <= rel_tol * fabs(est) || diff <= abs_tol))
            break;
    }
    return est;
}

static double ts_integrate(ts_fn f, void *ctx, double A, double B, double rel_tol, int max_level)
{
    return ts_integrate_tol(f, ctx, A, B, rel_tol, 0, max_level);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* ------------------------------------------------------------------ d = 1, 2 ---- */

static double vol_d1(double a, double r, double c)
{
    double lo = c - r > -a ? c - r : -a, hi = c + r < a ? c + r : a;
    return hi > lo ? hi - lo : 0;
}

/* ∫_{u0}^{u1} √(r² - u²) du */
static double int_w(double r, double u0, double u1)
{
    double v0 = u0 / r, v1 = u1 / r;
    if (v0 < -1)
        v0 = -1;
    if (v1 > 1)
        v1 = 1;
    double g0 = 0.5 * (v0 * sqrt(fmax(0, (1 - v0) * (1 + v0))) + asin(v0));
    double g1 = 0.5 * (v1 * sqrt(fmax(0, (1 - v1) * (1 + v1))) + asin(v1));
    return r * r * (g1 - g0);
}

/* In coordinates relative to the centre (u = x - c1), so that a small disc far from the
 * origin keeps its relative accuracy: a - c1 and a - c2 are exact near a face (Sterbenz). */
static double vol_d2(double a, double r, double c1, double c2)
{
    if (!(r > 0))
        return 0;
    double ul = -a - c1 > -r ? -a - c1 : -r, ur = a - c1 < r ? a - c1 : r;
    if (!(ur > ul))
        return 0;
    double bp[16];
    int nb = 0;
    bp[nb++] = ul;
    bp[nb++] = ur;
    const double hs[2] = {fabs(a - c2), fabs(a + c2)};
    for (int i = 0; i < 2; i++) {
        double hh = hs[i];
        if (hh > 0 && hh < r) {
            double u = sqrt((r - hh) * (r + hh));
            double us[2] = {-u, u};
            for (int j = 0; j < 2; j++)
                if (us[j] > ul && us[j] < ur)
                    bp[nb++] = us[j];
        }
    }
    qsort(bp, (size_t)nb, sizeof bp[0], cmp_double);
    const double up = a - c2, dn = a + c2; /* room above and below the centre */
    double total = 0;
    for (int i = 0; i + 1 < nb; i++) {
        double u0 = bp[i], u1 = bp[i + 1];
        if (!(u1 > u0))
            continue;
        double um = 0.5 * (u0 + u1);
        double wm = sqrt(fmax(0, (r - um) * (r + um)));
        int top_w = wm <= up, bot_w = wm <= dn;
        /* chord = (top_w ? w : up) + (bot_w ? w : dn) */
        double chord = (top_w ? wm : up) + (bot_w ? wm : dn);
        if (!(chord > 0))
            continue;
        double cst = (top_w ? 0 : up) + (bot_w ? 0 : dn);
        double piece = cst * (u1 - u0);
        int nw = top_w + bot_w;
        if (nw)
            piece += nw * int_w(r, u0, u1);
        total += piece;
    }
    return total;
}

/* Angle of the circle about (c1, c2) with radius rho inside [-a, a]². */
static double angle_d2(double a, double rho, double c1, double c2)
{
    if (!(rho > 0))
        return (fabs(c1) <= a && fabs(c2) <= a) ? 2 * M_PI : 0;
    double th[20];
    int n = 0;
    th[n++] = 0;
    th[n++] = 2 * M_PI;
    const double xs[2] = {a - c1, -a - c1}, ys[2] = {a - c2, -a - c2};
    for (int i = 0; i < 2; i++) {
        double q = xs[i] / rho;
        if (q > -1 && q < 1) {
            double al = acos(q);
            th[n++] = al;
            th[n++] = 2 * M_PI - al;
        }
        q = ys[i] / rho;
        if (q > -1 && q < 1) {
            double al = asin(q);
            th[n++] = al < 0 ? al + 2 * M_PI : al;
            th[n++] = M_PI - al;
        }
    }
    qsort(th, (size_t)n, sizeof th[0], cmp_double);
    double total = 0;
    for (int i = 0; i + 1 < n; i++) {
        double t0 = th[i], t1 = th[i + 1];
        if (!(t1 > t0))
            continue;
        double tm = 0.5 * (t0 + t1);
        double x = rho * cos(tm), y = rho * sin(tm); /* relative to the centre */
        if (x <= a - c1 && x >= -a - c1 && y <= a - c2 && y >= -a - c2)
            total += t1 - t0;
    }
    return total;
}

/* ------------------------------------------------------------------- d = 3 ---- */

typedef struct {
    double a, r, c1, c2, c3;
    int surface;
} d3_ctx;

static double d3_integrand(double z, void *vctx)
{
    const d3_ctx *x = vctx;
    double u = z - x->c3;
    double rho = sqrt(fmax(0, (x->r - u) * (x->r + u)));
    return x->surface ? angle_d2(x->a, rho, x->c1, x->c2) : vol_d2(x->a, rho, x->c1, x->c2);
}

static double d3_integrate(double a, double r, const double *c, int surface)
{
    if (!(r > 0))
        return 0;
    d3_ctx x = {a, r, c[0], c[1], c[2], surface};
    double zl = c[2] - r > -a ? c[2] - r : -a, zr = c[2] + r < a ? c[2] + r : a;
    if (!(zr > zl))
        return 0;
    /* break points: ρ equals a distance from (c1, c2) to an edge line or a corner */
    double dist[12];
    int nd = 0;
    const double ex[2] = {a - c[0], -a - c[0]}, ey[2] = {a - c[1], -a - c[1]};
    for (int i = 0; i < 2; i++) {
        dist[nd++] = fabs(ex[i]);
        dist[nd++] = fabs(ey[i]);
        for (int j = 0; j < 2; j++)
            dist[nd++] = hypot(ex[i], ey[j]);
    }
    double bp[2 * 12 + 2];
    int nb = 0;
    bp[nb++] = zl;
    bp[nb++] = zr;
    for (int i = 0; i < nd; i++) {
        double hh = dist[i];
        if (hh > 0 && hh < r) {
            double u = sqrt((r - hh) * (r + hh));
            double zs[2] = {c[2] - u, c[2] + u};
            for (int j = 0; j < 2; j++)
                if (zs[j] > zl && zs[j] < zr)
                    bp[nb++] = zs[j];
        }
    }
    qsort(bp, (size_t)nb, sizeof bp[0], cmp_double);
    double total = 0;
    for (int i = 0; i + 1 < nb; i++)
        if (bp[i + 1] > bp[i])
            total += ts_integrate(d3_integrand, &x, bp[i], bp[i + 1], 1e-15, 7);
    return surface ? r * total : total;
}

static int problem_ok(int d, double a, double r, const double *c)
{
    if (!(a > 0) || !isfinite(a) || !(r >= 0) || !isfinite(r) || !c)
        return 0;
    for (int i = 0; i < d; i++)
        if (!isfinite(c[i]))
            return 0;
    return 1;
}

double geom_volume_closed_form_d123(int d, double a, double r, const double *c)
{
    if (d < 1 || d > 3 || !problem_ok(d, a, r, c))
        return NAN;
    if (d == 1)
        return vol_d1(a, r, c[0]);
    if (d == 2)
        return vol_d2(a, r, c[0], c[1]);
    return d3_integrate(a, r, c, 0);
}

double geom_surface_closed_form_d123(int d, double a, double r, const double *c)
{
    if (d < 1 || d > 3 || !problem_ok(d, a, r, c))
        return NAN;
    if (d == 1) {
        if (r == 0)
            return fabs(c[0]) <= a ? 1 : 0;
        return (fabs(c[0] - r) <= a) + (fabs(c[0] + r) <= a);
    }
    if (!(r > 0))
        return 0;
    if (d == 2)
        return r * angle_d2(a, r, c[0], c[1]);
    return d3_integrate(a, r, c, 1);
}

/* ----------------------------------------------------------- d = 4 by 2 + 2 ---- */

/* Squared distances from (c1, c2) at which the disc ∩ square area or the arc angle of
 * [-a, a]² changes form: 0, the edge lines, the corners (and so the nearest and farthest
 * points of the square).  Returns the count (<= 9). */
static int pair_breaks(double a, double c1, double c2, double *out)
{
    const double ex[2] = {a - c1, -a - c1}, ey[2] = {a - c2, -a - c2};
    int n = 0;
    out[n++] = 0;
    for (int i = 0; i < 2; i++) {
        out[n++] = ex[i] * ex[i];
        out[n++] = ey[i] * ey[i];
        for (int j = 0; j < 2; j++)
            out[n++] = ex[i] * ex[i] + ey[j] * ey[j];
    }
    return n;
}

/* Range [lo, hi] of the squared distance from (c1, c2) to points of the square. */
static void pair_range(double a, double c1, double c2, double *lo, double *hi)
{
    double g1 = fabs(c1) > a ? fabs(c1) - a : 0, g2 = fabs(c2) > a ? fabs(c2) - a : 0;
    double f1 = fabs(c1) + a, f2 = fabs(c2) + a;
    *lo = g1 * g1 + g2 * g2;
    *hi = f1 * f1 + f2 * f2;
}

#ifndef D4_TOL
#define D4_TOL 1e-15
#endif

typedef struct {
    double a, t, cA[2], cB[2];
    int surface;
} d4_ctx;

static double d4_integrand(double u, void *vctx)
{
    const d4_ctx *x = vctx;
    double w = x->t - u;
    if (!(u > 0) || !(w > 0))
        return 0;
    double thA = angle_d2(x->a, sqrt(u), x->cA[0], x->cA[1]);
    if (thA == 0)
        return 0;
    double rb = sqrt(w);
    return x->surface ? 0.25 * thA * angle_d2(x->a, rb, x->cB[0], x->cB[1])
                      : 0.5 * thA * vol_d2(x->a, rb, x->cB[0], x->cB[1]);
}

double geom_measure_d4_split(double a, double r, const double *c, int surface)
{
    if (!problem_ok(4, a, r, c))
        return NAN;
    if (!(r > 0))
        return 0;
    d4_ctx x = {a, r * r, {c[0], c[1]}, {c[2], c[3]}, surface};
    double loA, hiA, loB, hiB;
    pair_range(a, c[0], c[1], &loA, &hiA);
    pair_range(a, c[2], c[3], &loB, &hiB);
    double ulo = loA > x.t - hiB ? loA : x.t - hiB, uhi = hiA < x.t - loB ? hiA : x.t - loB;
    /* volume: for u < t - hiB the B-square lies inside its disc (area 4a²), and the A part
     * integrates to the disc ∩ square area in closed form (all of it, 16a⁴, when the ball
     * holds the whole cube) */
    double closed = 0;
    if (!surface && x.t - hiB > loA)
        closed = 4 * a * a * vol_d2(a, sqrt(x.t - hiB), c[0], c[1]);
    if (!(uhi > ulo))
        return closed;
    double bA[9], bB[9], bp[20];
    int nA = pair_breaks(a, c[0], c[1], bA), nB = pair_breaks(a, c[2], c[3], bB), nb = 0;
    bp[nb++] = ulo;
    bp[nb++] = uhi;
    for (int i = 0; i < nA; i++)
        if (bA[i] > ulo && bA[i] < uhi)
            bp[nb++] = bA[i];
    for (int i = 0; i < nB; i++) {
        double u = x.t - bB[i];
        if (u > ulo && u < uhi)
            bp[nb++] = u;
    }
    qsort(bp, (size_t)nb, sizeof bp[0], cmp_double);
    /* a rough total (one level-0 rule per panel) sets an absolute tolerance, so that
     * panels carrying a tiny share of the value stop refining at the rounding level of the
     * total instead of their own */
    double rough = 0;
    for (int i = 0; i + 1 < nb; i++)
        if (bp[i + 1] > bp[i])
            rough += ts_integrate_tol(d4_integrand, &x, bp[i], bp[i + 1], 1, 0, 0);
    double abs_tol = D4_TOL * fabs(rough);
    double total = 0;
    for (int i = 0; i + 1 < nb; i++)
        if (bp[i + 1] > bp[i])
            total += ts_integrate_tol(d4_integrand, &x, bp[i], bp[i + 1], 1e-15, abs_tol, 7);
    total += closed;
    return surface ? 2 * r * total : total;
}

/* ------------------------------------------------------ recursive quadrature ---- */

typedef struct {
    int n;      /* dimension of the current level */
    double a;
    const double *c;
    double R2;  /* squared radius at this level */
    double tol;
} rq_ctx;

static double rq_volume(int n, double a, const double *c, double R2, double tol);
static _Thread_local int use_d2;

static double rq_integrand(double x, void *vctx)
{
    const rq_ctx *q = vctx;
    double u = x - q->c[q->n - 1];
    double rho2 = q->R2 - u * u;
    if (!(rho2 > 0))
        return 0;
    return rq_volume(q->n - 1, q->a, q->c, rho2, q->tol);
}

/* squared distances at which V_n(√R2) has a break point: sums over subsets of coordinates
 * of (±a - c_i)² (over-complete; extra splits are harmless). */
static int rq_breaks(int n, double a, const double *c, double *out, int max)
{
    int cnt = 1;
    out[0] = 0;
    for (int i = 0; i < n; i++) {
        double d1 = (a - c[i]) * (a - c[i]), d2 = (a + c[i]) * (a + c[i]);
        int m = cnt;
        for (int j = 0; j < m && cnt + 2 <= max; j++) {
            out[cnt++] = out[j] + d1;
            out[cnt++] = out[j] + d2;
        }
    }
    return cnt;
}

static double rq_volume(int n, double a, const double *c, double R2, double tol)
{
    if (!(R2 > 0))
        return 0;
    double R = sqrt(R2);
    if (n == 1)
        return vol_d1(a, R, c[0]);
    if (n == 2 && use_d2)
        return vol_d2(a, R, c[0], c[1]);
    double cn = c[n - 1];
    double xl = cn - R > -a ? cn - R : -a, xr = cn + R < a ? cn + R : a;
    if (!(xr > xl))
        return 0;
    double br[256];
    int nbr = rq_breaks(n - 1, a, c, br, 256);
    double *bp = malloc(sizeof(double) * (size_t)(2 * nbr + 2));
    if (!bp)
        return NAN;
    int nb = 0;
    bp[nb++] = xl;
    bp[nb++] = xr;
    for (int i = 0; i < nbr; i++) {
        double h2 = br[i];
        if (h2 > 0 && h2 < R2) {
            double u = sqrt(R2 - h2);
            double xs[2] = {cn - u, cn + u};
            for (int j = 0; j < 2; j++)
                if (xs[j] > xl && xs[j] < xr)
                    bp[nb++] = xs[j];
        }
    }
    qsort(bp, (size_t)nb, sizeof bp[0], cmp_double);
    rq_ctx q = {n, a, c, R2, tol};
    double total = 0;
    int maxlev = n <= 2 ? 7 : (n == 3 ? 5 : 4);
    for (int i = 0; i + 1 < nb; i++)
        if (bp[i + 1] > bp[i])
            total += ts_integrate(rq_integrand, &q, bp[i], bp[i + 1], tol, maxlev);
    free(bp);
    return total;
}

double geom_volume_recursive_quadrature(int d, double a, double r, const double *c, double tol)
{
    if (d < 1 || d > 5 || !problem_ok(d, a, r, c))
        return NAN;
    if (!(tol > 0))
        tol = 1e-12;
    use_d2 = d >= 4; /* d <= 3: down to chords, independent of the closed forms */
    return rq_volume(d, a, c, r * r, tol);
}
