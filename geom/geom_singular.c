/* geom_singular.c — the singular parts of P(S <= t) and f_S(t) at break points near t, in
 * closed form in both the s- and the t-domain, for subtraction from the Laplace inversion of
 * geom_transform.c (docs/math.md §4.6, "Break points near t: subtracting their singular
 * parts").
 *
 * Each factor p_i(s) = (1/len_i) ∫_{x1}^{x2} e^{-s u²} du splits (Re s > 0) into pieces: the
 * free line √(π/s) minus the tails E(h) = ∫_h^∞ e^{-su²} du beyond each face (distance h),
 * or, for a coordinate whose interval misses 0 (near end n, far end f), E(n) - E(f).  Expanding
 * the product gives one term per choice J of pieces; the term with k tails and m free lines is
 *
 *   T_J(s) = K_J e^{-s X_J} s^{-m/2} Π_{f∈J} e^{s h_f²} E(h_f),   X_J = Σ_{f∈J} h_f²,
 *
 * and its inverse is singular only at t = X_J.  Watson's lemma on
 * e^{s h²} E(h) = ∫_0^∞ e^{-sw} dw / (2√(h² + w)) gives the large-s expansion
 *
 *   e^{s h²} E(h) ~ Σ_n c_n(h) s^{-n-1},   c_n(h) = (-1)^n (2n-1)!! / (2^{n+1} h^{2n+1}),
 *
 * so T_J(s) ~ K_J e^{-sX} Σ_N B_N s^{-(N+q)}, q = k + m/2, whose inverse density is
 * K_J Σ_N B_N ε₊^{N+q-1}/Γ(N+q), ε = t - X.  The pure powers grow with ε, so their images
 * under the trapezoid rule's aliasing would be large; we subtract instead the damped
 *
 *   φ_J(ε) = e^{-βε} K_J Σ_{N<=N0} B'_N ε₊^{N+q-1}/Γ(N+q),    Φ_J(s) = K_J e^{-sX} Σ B'_N (s+β)^{-(N+q)},
 *
 * with B'_N chosen so that φ_J matches the first N0+1 terms of the expansion at X exactly
 * (B'_N/Γ(N+q) = Σ_j β^j/j! · B_{N-j}/Γ(N-j+q)).  L - Σ Φ_J is then smooth at X_J to order
 * N0 + q, and the inverse of Σ Φ_J, including every image t + jT of the trapezoid rule, is a
 * finite sum of incomplete gamma functions.  Valid on any contour Re s = σ > -β.
 *
 * A tail with a small h would need a steep β.  For densities on σ > 0, one such tail per term
 * is kept exact instead: Φ_J(s) = (damped series of the rest)·E(h; s), whose inverse is the
 * damped density convolved with the tail, ∫_h^{√ε} φ(ε - u²) du (Gauss–Legendre).  Which terms
 * are subtracted, and from which h on a tail counts as small, a node-count model decides per
 * value (geom_sing_create).
 */
#include "geom/geom_faddeeva.h"
#include "geom/geom_internal.h"

#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SG_N0 8       /* orders subtracted per break point (5 and 14 were no better) */
#define SG_NMAX SG_N0
#define SG_MAXTERMS 24 /* break points handled (the nearest ones) */
#define SG_CAND 256    /* break points looked at */
#define SG_MAXD 8      /* dimensions handled (geom_sing_create: d <= 7) */

typedef struct {
    double X;            /* break point of the expanded part (shifted frame) */
    double q;            /* k + m/2 (k: expanded tails) */
    double logK;         /* log |K_J| */
    int sign;            /* sign of K_J */
    double ex_h;         /* > 0: one more tail, beyond a face at this (small) distance, kept
                          * exact: E(ex_h; s) multiplies the damped series; the break point is
                          * X + ex_h² (surfaces, σ > 0 only) */
    double bp[SG_NMAX + 1]; /* B'_N */
    double lgam[SG_NMAX + 1]; /* lgamma(N + q) */
} sg_term;

struct geom_sing {
    int n, n0;
    int surface;
    double beta, sigma, t;
    sg_term term[SG_MAXTERMS];
    /* the node sequence s_k = σ + ikh of geom_sing_next: per term the constant
     * sign·K_J e^{-σX_J}/e^{lnorm} and the phase e^{iτ_k(t - X_J)}, carried by recurrence */
    int k;
    double h;
    double amp[SG_MAXTERMS];
    double complex ph[SG_MAXTERMS], rot[SG_MAXTERMS];
    double glx[24], glw[24]; /* Gauss–Legendre on [-1, 1] for the exact tails */
};

/* ---- regularised incomplete gamma P(a, x), Q = 1 - P, a > 0, x >= 0 ---- */

/* Q(a, x) by its continued fraction (modified Lentz), for x >= a + 1. */
static double sg_gamma_q_cf(double a, double x)
{
    double b = x + 1 - a, c = 1e300, dd = 1 / b, h = dd;
    for (int i = 1; i < 500; i++) {
        double an = -i * (i - a);
        b += 2;
        dd = an * dd + b;
        if (fabs(dd) < 1e-300)
            dd = 1e-300;
        c = b + an / c;
        if (fabs(c) < 1e-300)
            c = 1e-300;
        dd = 1 / dd;
        double del = dd * c;
        h *= del;
        if (fabs(del - 1) < 1e-16)
            break;
    }
    return exp(a * log(x) - x - lgamma(a)) * h;
}

static double sg_gamma_p(double a, double x)
{
    if (!(x > 0))
        return 0;
    if (x >= a + 1)
        return 1 - sg_gamma_q_cf(a, x);
    /* series: P = x^a e^{-x}/Γ(a+1) Σ x^n / ((a+1)…(a+n)) */
    double term = 1, sum = 1;
    for (int n = 1; n < 500; n++) {
        term *= x / (a + n);
        sum += term;
        if (term < 1e-17 * sum)
            break;
    }
    return exp(a * log(x) - x - lgamma(a + 1)) * sum;
}

static double sg_gamma_q(double a, double x)
{
    if (!(x > 0))
        return 1;
    return x < a + 1 ? 1 - sg_gamma_p(a, x) : sg_gamma_q_cf(a, x);
}

/* ---- enumeration of the break points near t ---- */

typedef struct {
    int d;
    const double *a1, *a2;
    double t, lo, hi;  /* window for X */
    double h2min;      /* a tail with h² below this is small: kept exact (one per term, when
                        * allowed) or, else, the term cannot be subtracted */
    int allow_exact;
    double near_bad;   /* distance to t of the nearest break point we cannot subtract */
    double near_out;   /* ... of the nearest one left out for lack of room */
    int nfound;
    long visits; /* enumeration budget: the break points grow like 3^d */
    struct cand {
        double X, h[SG_MAXD];
        int k, m2, sign; /* tails, free half-lines (m2 = 2m: a coordinate with n = 0 gives 1) */
        double ex_h;     /* the exact tail's face distance, 0 if none */
        double dist;
    } *c;
    int cap;
} sg_enum;

static void sg_dfs(sg_enum *e, int i, double X, int k, int m2, int sign, int bad, double ex_h,
                   double *h)
{
    if (X > e->hi || --e->visits < 0)
        return;
    if (i == e->d) {
        if (k == 0 && ex_h == 0)
            return;
        double dist = fabs(X - e->t);
        if (bad) {
            if (dist < e->near_bad)
                e->near_bad = dist;
            return;
        }
        if (X < e->lo)
            return;
        struct cand cd;
        cd.X = X;
        memcpy(cd.h, h, sizeof(double) * (size_t)k);
        cd.k = k;
        cd.m2 = m2;
        cd.sign = sign;
        cd.ex_h = ex_h;
        cd.dist = dist;
        if (e->nfound < e->cap) {
            e->c[e->nfound++] = cd;
            return;
        }
        /* keep the nearest: replace the farthest */
        int w = 0;
        for (int j = 1; j < e->nfound; j++)
            if (e->c[j].dist > e->c[w].dist)
                w = j;
        double out = dist;
        if (e->c[w].dist > dist) {
            out = e->c[w].dist;
            e->c[w] = cd;
        }
        if (out < e->near_out)
            e->near_out = out;
        return;
    }
    double x1 = e->a1[i], x2 = e->a2[i];
    if (x2 > 0) {
        /* inside: free line, or a tail beyond either face (sign -1); a small one exact */
        sg_dfs(e, i + 1, X, k, m2 + 2, sign, bad, ex_h, h);
        double hs[2] = {x2, -x1};
        for (int j = 0; j < 2; j++) {
            double h2 = hs[j] * hs[j];
            if (h2 >= e->h2min) {
                h[k] = hs[j];
                sg_dfs(e, i + 1, X + h2, k + 1, m2, -sign, bad, ex_h, h);
            } else if (e->allow_exact && ex_h == 0 && hs[j] > 0) {
                sg_dfs(e, i + 1, X + h2, k, m2, -sign, bad, hs[j], h);
            } else {
                sg_dfs(e, i + 1, X + h2, k, m2, -sign, 1, ex_h, h);
            }
        }
    } else {
        /* outside: E(n) - E(f) with n = -x2 (the shift by n² is already made) */
        double n = -x2, f = -x1;
        if (n == 0) {
            sg_dfs(e, i + 1, X, k, m2 + 1, sign, bad, ex_h, h); /* E(0) = ½√(π/s) */
        } else {
            h[k] = n;
            sg_dfs(e, i + 1, X, k + 1, m2, sign, bad || n * n < e->h2min, ex_h, h);
        }
        h[k] = f;
        sg_dfs(e, i + 1, X + f * f - n * n, k + 1, m2, -sign, bad || f * f < e->h2min, ex_h, h);
    }
}

static int sg_cand_cmp(const void *pa, const void *pb)
{
    double a = ((const struct cand *)pa)->dist, b = ((const struct cand *)pb)->dist;
    return (a > b) - (a < b);
}

geom_sing *geom_sing_create(int d, const double *a1, const double *a2, double t, double sigma,
                            int surface, double window, double h2min, double gamma)
{
    /* Where it pays (bench/bench_geom_singular.c, docs/performance.md): volumes up to d = 5,
     * surfaces up to d = 6.  Higher dimensions converge fast anyway (the integrand decays like
     * |s|^{-d/2}) and have many break points: volumes at d = 6, 7, 8 and surfaces at d = 7, 8
     * came out 0-25 % slower with it. */
    if (d > (surface ? 6 : 5) || d >= SG_MAXD || !(t > 0))
        return NULL;
    sg_enum e;
    e.d = d;
    e.a1 = a1;
    e.a2 = a2;
    e.t = t;
    e.lo = t * (1 - window);
    e.hi = t * (1 + window);
    e.near_bad = e.near_out = INFINITY;
    e.visits = 20000;
    /* Surfaces (σ > 0): a tail closer than √(h2min/25) is kept exact, one per term.  Else every
     * tail is expanded, and the thresholds below decide which terms are worth it. */
    e.allow_exact = surface && sigma > 0;
    e.h2min = e.allow_exact ? h2min / 25 : 0;
    e.nfound = 0;
    e.cap = SG_CAND;
    e.c = malloc(sizeof *e.c * SG_CAND);
    if (!e.c)
        return NULL;
    double hbuf[SG_MAXD];
    sg_dfs(&e, 0, 0.0, 0, 0, 1, 0, 0.0, hbuf);
    if (e.visits < 0 || e.nfound == 0) { /* not enumerated in full, or nothing near */
        free(e.c);
        return NULL;
    }
    /* nearest first; hm: the smallest tail h² of each term */
    qsort(e.c, (size_t)e.nfound, sizeof *e.c, sg_cand_cmp);
    double hm[SG_CAND];
    for (int j = 0; j < e.nfound; j++) {
        hm[j] = INFINITY;
        for (int f = 0; f < e.c[j].k; f++)
            if (e.c[j].h[f] * e.c[j].h[f] < hm[j])
                hm[j] = e.c[j].h[f] * e.c[j].h[f];
    }
    /* Worth it?  The rule needs about 23 T / δ nodes for a break point at distance δ from t
     * (docs/math.md §4.5).  After the subtraction δ is the nearest break point left, and the
     * damped parts vary on the scale 1/β, β = N0 / (smallest tail h² subtracted), which the
     * rule must resolve as well (≈ 2 T β nodes); each subtracted term adds about 2 % to the
     * cost of a node.  Terms with a tail closer than √θ are left in, for the θ (of h2min,
     * h2min/5, h2min/25) that gives the fewest nodes. */
    const int n0 = SG_N0, CAP = SG_MAXTERMS;
    /* the node count stops growing like 1/δ below δ ≈ 0.005 t: a break point that close
     * weighs little (measured: K ≈ 23 T / (0.005 t) for δ from 1e-5 t to 5e-3 t) */
    const double floor_d = 0.005 * t;
    double near_all = e.near_out < e.c[0].dist ? e.near_out : e.c[0].dist;
    if (e.near_bad < near_all)
        near_all = e.near_bad;
    double k_old = 23 / (near_all > floor_d ? near_all : floor_d), best_k = INFINITY, best_theta = 0, beta = 0;
    for (int it = 0; it < 3; it++) {
        double theta = h2min / (it == 0 ? 1 : it == 1 ? 5 : 25);
        double near_left = window * t < e.near_out ? window * t : e.near_out, hmin = INFINITY;
        if (e.near_bad < near_left)
            near_left = e.near_bad;
        int nsel = 0;
        for (int j = 0; j < e.nfound && e.c[j].dist < near_left; j++) {
            if (hm[j] >= theta && nsel < CAP) {
                nsel++;
                if (hm[j] < hmin)
                    hmin = hm[j];
            } else {
                near_left = e.c[j].dist;
            }
        }
        if (nsel == 0)
            continue;
        if (hmin > t) /* terms without expanded tails still need some damping (images) */
            hmin = t;
        double b = gamma * n0 / hmin, kn = 23 / (near_left > floor_d ? near_left : floor_d);
        if (b > kn)
            kn = b;
        kn *= 1 + 0.25 / d * nsel; /* a term costs ~50 ns, a node ~0.2 µs per coordinate */
        if (kn < best_k) {
            best_k = kn;
            best_theta = theta;
            beta = b;
        }
    }
    if (!(best_k < 0.7 * k_old)) {
        free(e.c);
        return NULL;
    }
    /* keep the chosen terms (nearest first, up to SG_MAXTERMS, up to the first one left in) */
    {
        int nsel = 0;
        double near_left = window * t < e.near_out ? window * t : e.near_out;
        if (e.near_bad < near_left)
            near_left = e.near_bad;
        for (int j = 0; j < e.nfound && e.c[j].dist < near_left; j++) {
            if (hm[j] >= best_theta && nsel < CAP)
                e.c[nsel++] = e.c[j];
            else
                near_left = e.c[j].dist;
        }
        e.nfound = nsel;
    }
    geom_sing *g = calloc(1, sizeof *g);
    if (!g) {
        free(e.c);
        return NULL;
    }
    double lenlog = 0;
    for (int i = 0; i < d; i++)
        lenlog += log(a2[i] - a1[i]);
    g->n0 = n0;
    g->beta = beta;
    geom_gl24(g->glx, g->glw);
    g->sigma = sigma;
    g->t = t;
    g->surface = surface;
    if (!(sigma > -0.5 * g->beta)) {
        free(e.c);
        free(g);
        return NULL;
    }
    for (int j = 0; j < e.nfound; j++) {
        sg_term *tm = &g->term[g->n++];
        const struct cand *cd = &e.c[j];
        tm->ex_h = cd->ex_h;
        tm->X = cd->X - cd->ex_h * cd->ex_h;
        /* m2 counts half-lines: a free line √(π/s) contributes s^{-1/2} and π^{1/2}; E(0)
         * contributes ½ π^{1/2} s^{-1/2} */
        int nfull = cd->m2 / 2, nhalf = cd->m2 % 2;
        tm->q = cd->k + 0.5 * (nfull + nhalf);
        tm->logK = 0.5 * (nfull + nhalf) * log(M_PI) - nhalf * M_LN2 - lenlog;
        tm->sign = cd->sign;
        /* B_N: product of the k series Σ c_n(h) s^{-n-1} (the s^{-1} of each is in q) */
        double B[SG_NMAX + 1] = {1};
        for (int f = 0; f < cd->k; f++) {
            double h = cd->h[f], cn[SG_NMAX + 1], nb[SG_NMAX + 1];
            cn[0] = 1 / (2 * h);
            for (int n = 1; n <= g->n0; n++)
                cn[n] = cn[n - 1] * (-(2.0 * n - 1) / (2 * h * h));
            for (int N = 0; N <= g->n0; N++) {
                double s = 0;
                for (int n = 0; n <= N; n++)
                    s += cn[n] * B[N - n];
                nb[N] = s;
            }
            memcpy(B, nb, sizeof(double) * (size_t)(g->n0 + 1));
        }
        /* B'_N / Γ(N+q) = Σ_j β^j/j! B_{N-j}/Γ(N-j+q) */
        for (int N = 0; N <= g->n0; N++) {
            double s = 0, bj = 1;
            for (int jj = 0; jj <= N; jj++) {
                if (jj > 0)
                    bj *= g->beta / jj;
                s += bj * B[N - jj] * exp(lgamma(N + tm->q) - lgamma(N - jj + tm->q));
            }
            tm->bp[N] = s;
            tm->lgam[N] = lgamma(N + tm->q);
        }
    }
    free(e.c);
    return g;
}

void geom_sing_free(geom_sing *g) { free(g); }

int geom_sing_count(const geom_sing *g) { return g ? g->n : 0; }

int geom_sing_exact_count(const geom_sing *g)
{
    int n = 0;
    for (int j = 0; g && j < g->n; j++)
        n += g->term[j].ex_h > 0;
    return n;
}

/* Σ_J Φ_J(s) e^{iτ t} / e^{lnorm}, times σ/s for the distribution function (the
 * normalisation of geom_transform.c's nodes). */
/* E(h; s) = ∫_h^∞ e^{-su²} du, Re s > 0: ½√(π/s) minus the Taylor series of ∫_0^h when
 * |s|h² <= 2, else (√π/2√s) e^{-sh²} w(i√s h) (geom_faddeeva_w; Im(i√s h) >= 0). */
static double complex sg_tail_exact(double complex s, double h)
{
    double complex z = csqrt(s), pref = 0.886226925452758014 / z; /* √π/2 */
    double complex q = -s * h * h;
    if (creal(q) * creal(q) + cimag(q) * cimag(q) <= 4.0) {
        double complex term = h, sum = h;
        for (int n = 1; n < 80; n++) {
            term *= q * (1.0 / n);
            double complex add = term * (1.0 / (2 * n + 1));
            sum += add;
            if (creal(add) * creal(add) + cimag(add) * cimag(add) <
                1e-36 * (creal(sum) * creal(sum) + cimag(sum) * cimag(sum)))
                break;
        }
        return pref - sum;
    }
    return pref * cexp(q) * geom_faddeeva_w(I * z * h);
}

/* Σ_N B'_N y^N by Horner, y = 1/(s + β). */
static double complex sg_series(const sg_term *tm, int n0, double complex y)
{
    double complex p = tm->bp[n0];
    for (int N = n0 - 1; N >= 0; N--)
        p = p * y + tm->bp[N];
    return p;
}

double complex geom_sing_node(const geom_sing *g, double complex s, double lnorm)
{
    double complex sb = s + g->beta, lsb = clog(sb), y = 1 / sb;
    double tau = cimag(s), sig = creal(s);
    double complex acc = 0;
    for (int j = 0; j < g->n; j++) {
        const sg_term *tm = &g->term[j];
        double complex p = sg_series(tm, g->n0, y);
        double complex e = tm->logK - sig * tm->X - lnorm - tm->q * lsb +
                           I * (tau * (g->t - tm->X));
        double complex v = tm->sign * cexp(e) * p;
        if (tm->ex_h > 0)
            v *= sg_tail_exact(s, tm->ex_h);
        acc += v;
    }
    if (!g->surface)
        acc *= g->sigma / s;
    return acc;
}

void geom_sing_begin(geom_sing *g, double h, double lnorm)
{
    g->k = 0;
    g->h = h;
    for (int j = 0; j < g->n; j++) {
        const sg_term *tm = &g->term[j];
        g->amp[j] = tm->sign * exp(tm->logK - g->sigma * tm->X - lnorm);
        g->ph[j] = 1;
        g->rot[j] = cexp(I * (h * (g->t - tm->X)));
    }
}

double complex geom_sing_next(geom_sing *g)
{
    double tau = g->k * g->h;
    double complex s = g->sigma + I * tau, sb = s + g->beta;
    double complex y = 1 / sb, ry = 1 / csqrt(sb);
    /* (s+β)^{-q} for q = n or n + ½ (q = k + m/2), from powers of y */
    double complex ypow[SG_MAXD + 2];
    ypow[0] = 1;
    int qmax = 0;
    for (int j = 0; j < g->n; j++)
        if ((int)g->term[j].q > qmax)
            qmax = (int)g->term[j].q;
    for (int i = 1; i <= qmax; i++)
        ypow[i] = ypow[i - 1] * y;
    double complex acc = 0;
    for (int j = 0; j < g->n; j++) {
        const sg_term *tm = &g->term[j];
        double complex p = sg_series(tm, g->n0, y);
        int qi = (int)tm->q;
        double complex yq = tm->q > qi ? ypow[qi] * ry : ypow[qi];
        double complex v = g->amp[j] * g->ph[j] * yq * p;
        if (tm->ex_h > 0)
            v *= sg_tail_exact(s, tm->ex_h);
        acc += v;
    }
    if (!g->surface)
        acc *= g->sigma / s;
    /* advance: exact every 16th node, else one multiplication */
    g->k++;
    if (g->k % 16 == 0) {
        for (int j = 0; j < g->n; j++)
            g->ph[j] = cexp(I * (g->k * g->h * (g->t - g->term[j].X)));
    } else {
        for (int j = 0; j < g->n; j++)
            g->ph[j] *= g->rot[j];
    }
    return acc;
}

/* ψ(x): the inverse of Σ Φ_J (/s) at x — density, or distribution function (σ > 0), or
 * distribution function minus total mass (σ < 0) — scaled by e^{-lnorm}. */
/* The damped density of term tm at ε (over e^{lnorm}), without its sign. */
static double sg_phi(const geom_sing *g, const sg_term *tm, double eps, double lnorm)
{
    if (!(eps > 0))
        return 0;
    double s = 0, le = log(eps);
    for (int N = 0; N <= g->n0; N++)
        s += tm->bp[N] * exp((N + tm->q - 1) * le - tm->lgam[N] - g->beta * eps + tm->logK - lnorm);
    return s;
}

/* ∫_{h}^{√ε} φ(ε - u²) du: the damped density convolved with the exact tail beyond h.  φ is
 * negligible beyond ε_c = (N0 + q + 50)/β (e^{-βε} times powers), so only u from
 * √max(ε - ε_c, h²) to U = √ε counts; with u = U - L w² there, the endpoint power (U - u)^{q-1}
 * becomes a polynomial in w and e^{-β(U² - u²)} a Gaussian in w of width ~1/√55: two 24-point
 * Gauss–Legendre panels on w ∈ [0, 1]. */
static double sg_phi_tail(const geom_sing *g, const sg_term *tm, double eps, double lnorm)
{
    double U = sqrt(eps > 0 ? eps : 0);
    double ec = (g->n0 + tm->q + 50) / g->beta, lo2 = eps - ec;
    double lo = lo2 > tm->ex_h * tm->ex_h ? sqrt(lo2) : tm->ex_h;
    double L = U - lo;
    if (!(L > 0))
        return 0;
    double sum = 0;
    for (int panel = 0; panel < 2; panel++)
        for (int i = 0; i < 24; i++) {
            double w = 0.25 + 0.5 * panel + 0.25 * g->glx[i];
            double lw2 = L * w * w;
            double e = lw2 * (2 * U - lw2); /* U² - u² */
            sum += 0.25 * g->glw[i] * 2 * L * w * sg_phi(g, tm, e, lnorm);
        }
    return sum;
}

static double sg_psi(const geom_sing *g, double x, double lnorm)
{
    double acc = 0;
    for (int j = 0; j < g->n; j++) {
        const sg_term *tm = &g->term[j];
        double eps = x - tm->X;
        double s = 0;
        if (tm->ex_h > 0) { /* surfaces with σ > 0 only */
            acc += tm->sign * sg_phi_tail(g, tm, eps, lnorm);
            continue;
        }
        if (g->surface) {
            if (!(eps > 0))
                continue;
            for (int N = 0; N <= g->n0; N++)
                s += tm->bp[N] * exp((N + tm->q - 1) * log(eps) - lgamma(N + tm->q) -
                                     g->beta * eps + tm->logK - lnorm);
        } else if (g->sigma > 0) {
            if (!(eps > 0))
                continue;
            for (int N = 0; N <= g->n0; N++)
                s += tm->bp[N] * exp(-(N + tm->q) * log(g->beta) + tm->logK - lnorm) *
                     sg_gamma_p(N + tm->q, g->beta * eps);
        } else {
            for (int N = 0; N <= g->n0; N++)
                s -= tm->bp[N] * exp(-(N + tm->q) * log(g->beta) + tm->logK - lnorm) *
                     sg_gamma_q(N + tm->q, g->beta * (eps > 0 ? eps : 0));
        }
        acc += tm->sign * s;
    }
    return acc;
}

/* The exact value of the trapezoid rule with period T applied to Σ Φ_J:
 * Σ_j e^{-σ jT} ψ(t + jT), over e^{lnorm}, with the sign convention of the caller's value
 * (for σ < 0 the distribution function's value is 1 - P, so ψ's sign flips). */
double geom_sing_value(const geom_sing *g, double T, double lnorm)
{
    double sig = g->sigma, total = sg_psi(g, g->t, lnorm);
    double xmin = INFINITY;
    for (int j = 0; j < g->n; j++)
        if (g->term[j].X < xmin)
            xmin = g->term[j].X;
    /* images below: ψ is 0 (or -M for σ < 0) once t - jT < min X */
    for (int j = 1; j < 10000; j++) {
        double x = g->t - j * T, w = exp(sig * j * T);
        if (x < xmin) {
            if (!g->surface && sig < 0) {
                double M = sg_psi(g, xmin, lnorm); /* = -M */
                double r = exp(-fabs(sig) * T);
                total += M * r * pow(r, j - 1) / (1 - r);
            }
            break;
        }
        total += w * sg_psi(g, x, lnorm);
    }
    /* images above */
    double prev = INFINITY;
    for (int j = 1; j < 10000; j++) {
        double x = g->t + j * T;
        double v = exp(-sig * j * T) * sg_psi(g, x, lnorm);
        total += v;
        if (fabs(v) < 1e-20 * (fabs(total) + 1e-300) && fabs(prev) < 1e-20 * (fabs(total) + 1e-300))
            break;
        prev = v;
    }
    if (!g->surface && sig < 0)
        total = -total;
    return total;
}
