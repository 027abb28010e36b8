/* geom_transform.c — P(S <= t) and the density f_S(t) of S = Σ (U_i - c_i)², U_i ~ U[-1, 1],
 * by inverting the Laplace transform on a vertical line (Bromwich), for any dimension.
 *
 *   L(s) = E e^{-sS} = Π_i p_i(s),   p_i(s) = ½ ∫_{-1-c_i}^{1-c_i} e^{-s u²} du
 *        = (√π / 4√s) (erf(√s (1-c_i)) + erf(√s (1+c_i)))
 *   P(S <= t) = (1/2πi) ∫_{σ-i∞}^{σ+i∞} L(s) e^{st} / s ds     (σ > 0)
 *   1 - P     = -(same integral with σ < 0)       (the pole at 0 has residue 1)
 *   f_S(t)    = (1/2πi) ∫ L(s) e^{st} ds          (any σ)
 *
 * The trapezoid rule with step h in Im s equals, by Poisson summation, the periodised sum
 * Σ_j e^{-σ jT} G(t + jT), T = 2π/h, where G is the function being inverted (P, P - 1 or
 * f_S).  G is 0 or 1 outside [t_min, t_max], so T is chosen to make every j != 0 term either
 * exactly zero, exactly known (then subtracted), or below 1e-17 of the result.  σ is the
 * saddle point of log L(σ) + σt - log|σ| (or without the log for the density), which keeps
 * the integrand free of cancellation even for probabilities like 1e-300.  The tail in Im s
 * decays like |s|^{-d/2-1} and oscillates; it is cut with an erfc taper centred at K/2 and
 * K grows by 1.25 until three cuts agree.  Derivation: docs/math.md.
 * Factors use the Faddeeva function w(z) = e^{-z²} erfc(-iz) from libcerf (Johnson/Wuttke),
 * with a Taylor series or Gauss–Legendre rule where erf differences would cancel.
 */
#include "geom/geom_faddeeva.h"
#include "geom/geom_internal.h"

#include <cerf.h>
#include <complex.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GL_N 24
typedef struct {
    double x[GL_N], w[GL_N];
} gl_rule;

/* the nodes and weights: geom_gl24 (geom_special.c) */
static void gl_rule_init(gl_rule *g)
{
    geom_gl24(g->x, g->w);
}

/* A complex number stored as e^k · v (k real), so that huge factors never overflow. */
typedef struct {
    double k;
    double complex v;
} scaled;

static scaled scaled_add(scaled a, scaled b)
{
    if (a.v == 0)
        return b;
    if (b.v == 0)
        return a;
    scaled r;
    if (a.k >= b.k) {
        r.k = a.k;
        r.v = a.v + (b.k == a.k ? b.v : b.v * exp(b.k - a.k));
    } else {
        r.k = b.k;
        r.v = a.v * exp(a.k - b.k) + b.v;
    }
    return r;
}

/* |z|², and e^{-iθ} without the exp(0) of cexp */
static double norm2(double complex z)
{
    return creal(z) * creal(z) + cimag(z) * cimag(z);
}

static double complex expmi(double theta)
{
    return cos(theta) - I * sin(theta);
}

/* a / b by the conjugate, for b away from 0 and infinity (no scaling as in __divdc3) */
static double complex cdiv(double complex a, double complex b)
{
    double n = norm2(b);
    if (n > 1e-150 && n < 1e150)
        return a * conj(b) / n;
    return a / b;
}


/* J0(x) = ∫_0^x e^{-s u²} du, x >= 0.  ph: e^{-i Im(s) x²} when the caller has it (the node
 * loop carries it from node to node), else NULL. */
static scaled j0_int(double complex s, double complex z, double complex pref, double x,
                     const double complex *ph, const double *ex)
{
    double complex q = -s * x * x;
    if (norm2(q) <= 4.0) {
        double complex term = x, sum = x;
        for (int n = 1; n < 80; n++) {
            term *= q * (1.0 / n);
            double complex add = term * (1.0 / (2 * n + 1));
            sum += add;
            if (norm2(add) < 1e-36 * norm2(sum))
                break;
        }
        scaled r = {0, sum};
        return r;
    }
    /* erf(zx) = 1 - e^{-s x²} w(i z x);  Im(i z x) = x Re z >= 0, where w is bounded. */
    scaled g = {-creal(s) * x * x, 0};
    g.v = ph ? *ph : expmi(cimag(s) * x * x);
    scaled one = {0, pref};
    if (g.k < -45)
        return one; /* e^{-σx²} < 3e-20: erfc part below rounding */
    double complex w = geom_faddeeva_w(I * z * x);
    if (ex) {
        /* scaled_add(one, e) with exp(∓σx²) = *ex precomputed by the node loop */
        scaled r = {g.k <= 0 ? 0 : g.k, 0};
        r.v = g.k <= 0 ? pref - pref * g.v * w * *ex : pref * *ex - pref * g.v * w;
        return r;
    }
    scaled e = {g.k, -pref * g.v * w};
    return scaled_add(one, e);
}

/* e^{s x1²} ∫_{x1}^{x2} e^{-s u²} du, 0 <= x1 < x2.  The factor e^{-s x1²} is left out (the
 * caller shifts t by x1²), so a far-away interval loses no phase accuracy. */
static scaled band_int(double complex s, double complex z, double complex pref, double x1,
                       double x2, const gl_rule *gl, const double complex *ph)
{
    double w2 = (x2 - x1) * (x2 + x1); /* x2² - x1² */
    if (norm2(s) * w2 * w2 <= 4.0) {
        /* ∫ e^{-s (u - x1)(u + x1)} du: the exponent varies by at most 2. */
        double half = 0.5 * (x2 - x1), mid = 0.5 * (x2 + x1);
        double complex sum = 0;
        for (int i = 0; i < GL_N; i++) {
            double u = mid + half * gl->x[i];
            sum += gl->w[i] * cexp(-s * ((u - x1) * (u + x1)));
        }
        scaled r = {0, sum * half};
        return r;
    }
    /* (√π/2z)(erfc(z x1) - erfc(z x2)) e^{s x1²}, erfc(zx) = e^{-s x²} w(i z x). */
    scaled a = {0, pref * geom_faddeeva_w(I * z * x1)};
    double k2 = -creal(s) * w2;
    if (k2 < -45)
        return a; /* the far end is below rounding */
    scaled b = {k2, -pref * (ph ? *ph : expmi(cimag(s) * w2)) * geom_faddeeva_w(I * z * x2)};
    return scaled_add(a, b);
}

/* p(s) = (1 / (x2 - x1)) ∫_{x1}^{x2} e^{-s u²} du as scaled (x1 + x2 <= 0, x1 < x2), times
 * e^{s x2²} when x2 < 0 (the interval's nearest point to 0; the caller shifts t by it);
 * z = √s, pref = √π / 2z.  For the cube coordinate with |c| = c: [x1, x2] = [-1-c, 1-c]. */
static scaled factor(double complex s, double complex z, double complex pref, double x1,
                     double x2, const gl_rule *gl, const double complex *ph, const double *ex)
{
    scaled r;
    if (x2 > 0)
        r = scaled_add(j0_int(s, z, pref, x2, ph, ex),
                       j0_int(s, z, pref, -x1, ph ? ph + 1 : NULL, ex ? ex + 1 : NULL));
    else
        r = band_int(s, z, pref, -x2, -x1, gl, ph);
    r.v /= (x2 - x1);
    return r;
}

/* ---------------------------------------------------------------------------------- */

typedef struct {
    int ng;
    double x1[GEOM_MAX_DIM], x2[GEOM_MAX_DIM]; /* distinct intervals, x1 + x2 <= 0 */
    int m[GEOM_MAX_DIM];                       /* their multiplicities */
    gl_rule gl;
} tf_ctx;

/* log L(s) (any branch): the factors are multiplied as scaled numbers and one log taken. */
static double complex tf_logL(const tf_ctx *x, double complex s)
{
    if (s == 0)
        return 0;
    double complex z = csqrt(s);
    double complex pref = cdiv(0.5 * sqrt(M_PI), z);
    double k = 0;
    double complex v = 1, extra = 0;
    for (int g = 0; g < x->ng; g++) {
        scaled f = factor(s, z, pref, x->x1[g], x->x2[g], &x->gl, NULL, NULL);
        if (x->m[g] == 1) {
            k += f.k;
            v *= f.v;
        } else {
            extra += x->m[g] * (f.k + clog(f.v));
        }
        double mag = fabs(creal(v)) + fabs(cimag(v));
        if (mag > 1e100 || mag < 1e-100) {
            if (mag == 0)
                return -INFINITY;
            double l = log(mag);
            k += l;
            v /= mag;
        }
    }
    return k + clog(v) + extra;
}

static double tf_logL_real(const tf_ctx *x, double sig)
{
    return creal(tf_logL(x, sig));
}

/* d/dσ of log L(σ) + σ t - k log|σ|, by a central difference. */
static double tf_dphi(const tf_ctx *x, double sig, double t, double k)
{
    double dl = 1e-5 * fabs(sig);
    double d = (tf_logL_real(x, sig + dl) - tf_logL_real(x, sig - dl)) / (2 * dl);
    return d + t - k / sig;
}

/* Root of dphi on the side sign (+1 / -1); the derivative is increasing in σ. */
static double tf_saddle(const tf_ctx *x, double t, double k, int sign, double gap)
{
    /* log|σ| within e^{±40} of the natural scale 1 / gap (gap: distance from t to the end
     * of the support on the side the contour leans to) */
    double y0 = -log(gap > 1e-300 ? gap : 1e-300);
    double lo = y0 - 40, hi = y0 + 40;
    /* for sign > 0: dphi(e^y) increasing in y; for sign < 0: dphi(-e^y) decreasing in y */
    for (int it = 0; it < 60 && hi - lo > 1e-3; it++) {
        double y = 0.5 * (lo + hi);
        double dv = tf_dphi(x, sign * exp(y), t, k);
        if ((sign > 0) == (dv > 0))
            hi = y;
        else
            lo = y;
    }
    return sign * exp(0.5 * (lo + hi));
}

/* Taper w(k/K) = ½ erfc(13 (k/K - ½)): 1 - 1e-19 at k = 0, 1e-19 at k = K.  In t it
 * convolves the inverted function with sinc(τ_c t)·exp(-(t τ_w)²/4), τ_w = Kh/13, so the
 * cut error from a break point at distance δ from t falls like exp(-(δ τ_w)²/4). */
static double taper(double xk)
{
    return 0.5 * erfc(13.0 * (xk - 0.5));
}

#define TF_KMIN 32
#define TF_KPLAIN 2048
#define TF_KMAX (1 << 17)

/* The phases e^{-iτ_k x²} of every square the factors need (two per interval that contains
 * 0, one per band) and e^{iτ_k t}, carried from node k to k + 1 by one complex
 * multiplication each instead of a sincos: nodes are visited in order.  Every 16th node
 * they are recomputed directly, so the rounding of the recurrence stays below ~1e-15. */
typedef struct {
    int n, k;
    double h;
    double sq[2 * GEOM_MAX_DIM + 1];
    double ex[2 * GEOM_MAX_DIM + 1]; /* exp(-|σ sq|): the same at every node */
    double complex ph[2 * GEOM_MAX_DIM + 1], rot[2 * GEOM_MAX_DIM + 1];
} tf_phases;

static void tf_phases_init(tf_phases *p, const tf_ctx *x, double sig, double h, double t)
{
    p->n = 0;
    p->k = 0;
    p->h = h;
    for (int g = 0; g < x->ng; g++) {
        if (x->x2[g] > 0) {
            p->sq[p->n++] = x->x2[g] * x->x2[g];
            p->sq[p->n++] = x->x1[g] * x->x1[g];
        } else {
            double a = -x->x2[g], b = -x->x1[g];
            p->sq[p->n++] = (b - a) * (b + a);
        }
    }
    p->sq[p->n++] = -t; /* last: e^{+iτt} */
    for (int i = 0; i < p->n; i++) {
        p->ph[i] = 1;
        p->rot[i] = expmi(h * p->sq[i]);
        p->ex[i] = exp(-fabs(sig * p->sq[i]));
    }
}

static void tf_phases_next(tf_phases *p)
{
    p->k++;
    if (p->k % 16 == 0) {
        double tau = p->k * p->h;
        for (int i = 0; i < p->n; i++)
            p->ph[i] = expmi(tau * p->sq[i]);
    } else {
        for (int i = 0; i < p->n; i++)
            p->ph[i] *= p->rot[i];
    }
}

/* F_k = L(s_k) e^{i k h t} / L(σ) (× σ / s_k for the distribution function), s_k = σ + ikh;
 * ph holds the phases of node k. */
static double complex tf_node(const tf_ctx *x, double sig, double lsig, double h,
                              const tf_phases *ph, int surface, int k)
{
    double tau = k * h;
    double complex s = sig + I * tau;
    double complex z = csqrt(s);
    double complex pref = cdiv(0.5 * sqrt(M_PI), z);
    double kk = -lsig;
    double complex v = 1;
    int j = 0;
    for (int g = 0; g < x->ng; g++) {
        scaled f = factor(s, z, pref, x->x1[g], x->x2[g], &x->gl, ph->ph + j, ph->ex + j);
        j += x->x2[g] > 0 ? 2 : 1;
        for (int m = 0; m < x->m[g]; m++) {
            kk += f.k;
            v *= f.v;
            /* renormalised inside the loop: 128 equal factors of 1e-3 would underflow to 0
             * (d = 128 near the corner: every node 0, "no stable period") */
            double mag = fabs(creal(v)) + fabs(cimag(v));
            if (mag > 1e100 || mag < 1e-100) {
                if (mag == 0)
                    return 0;
                kk += log(mag);
                v /= mag;
            }
        }
    }
    double complex r = kk < -745 ? 0 : exp(kk) * v * ph->ph[ph->n - 1];
    if (!surface)
        r *= cdiv(sig, s);
    return r;
}

/* Sum of the tapered trapezoid terms F_0/2 + Σ_{k>=1} w(k/K) Re F_k, and of |terms|. */
static void tf_tapered(const double complex *F, int K, double *sum, double *abssum)
{
    double s = 0.5 * creal(F[0]), a = 0.5 * sqrt(norm2(F[0])); /* |F_k| <= ~1: no overflow */
    for (int k = 1; k < K; k++) {
        double w = taper((double)k / K);
        s += w * creal(F[k]);
        a += w * sqrt(norm2(F[k]));
    }
    *sum = s;
    *abssum = a;
}

/* want_tail = 1 (distribution function only): *log_out = log P(S > t), taken straight from
 * the contour left of the pole when that is the side chosen (no 1 - P). */
static int tf_log_impl(int d, const double *ix1, const double *ix2, double t, int surface,
                       int want_tail, double *log_out, double *rel_err, char *err, size_t errlen,
                       geom_opts *o)
{
    tf_ctx *x = malloc(sizeof *x);
    double complex *F = NULL;
    int status = GEOM_OK;
    if (!x) {
        so8t_err_set(err, errlen, "out of memory");
        return GEOM_ERR_INVAL;
    }
    /* group equal intervals (after the reflection u -> -u that makes x1 + x2 <= 0) */
    double tshift_parts[GEOM_MAX_DIM], ra1[GEOM_MAX_DIM], ra2[GEOM_MAX_DIM];
    geom_sing *sg = NULL;
    x->ng = 0;
    double tmin = 0, tmax = 0, mu = 0;
    for (int i = 0; i < d; i++) {
        double a1 = ix1[i], a2 = ix2[i];
        if (a1 + a2 > 0) {
            double tmp = -a1;
            a1 = -a2;
            a2 = tmp;
        }
        ra1[i] = a1;
        ra2[i] = a2;
        int g = 0;
        while (g < x->ng && !(x->x1[g] == a1 && x->x2[g] == a2))
            g++;
        if (g < x->ng) {
            x->m[g]++;
        } else {
            x->x1[g] = a1;
            x->x2[g] = a2;
            x->m[g] = 1;
            x->ng++;
        }
        double lo = a2 > 0 ? 0 : a2; /* a1 < a2, a1 + a2 <= 0: |a2| is the nearest end */
        tmin += lo * lo;
        tshift_parts[i] = lo * lo;
        tmax += a1 * a1;
        mu += (a1 * a1 + a1 * a2 + a2 * a2) / 3.0;
    }
    gl_rule_init(&x->gl);
    /* Work with S - t_min (the factors leave out e^{-s x_near²} for intervals away from 0):
     * t, t_min, t_max and the mean all move by t_min. */
    double shift = 0;
    {
        for (int i = 0; i < d; i++)
            shift += tshift_parts[i];
        t -= shift;
        tmax -= shift;
        mu -= shift;
        tmin = 0;
    }
    if (!(t > tmin)) {
        *log_out = want_tail ? 0 : -INFINITY;
        *rel_err = 0;
        goto done;
    }
    if (!(t < tmax)) {
        *log_out = surface || want_tail ? -INFINITY : 0;
        *rel_err = 0;
        goto done;
    }

    /* Saddle point and side. */
    double sig, phi;
    int complement = 0;
    if (surface) {
        if (t == mu) {
            sig = 0;
        } else {
            sig = t < mu ? tf_saddle(x, t, 0, 1, t - tmin) : tf_saddle(x, t, 0, -1, tmax - t);
        }
        phi = tf_logL_real(x, sig) + sig * t;
    } else {
        double sp = tf_saddle(x, t, 1, 1, t - tmin), sm = tf_saddle(x, t, 1, -1, tmax - t);
        double pp = tf_logL_real(x, sp) + sp * t - log(sp);
        double pm = tf_logL_real(x, sm) + sm * t - log(-sm);
        if (pm < pp) {
            complement = 1;
            sig = sm;
            phi = pm;
        } else {
            sig = sp;
            phi = pp;
        }
    }
    /* chernoff: log of an upper bound on the probability of the side we compute */
    double lchern = tf_logL_real(x, sig) + sig * t;
    /* Break points near t: subtract their singular parts (geom_singular.c) when that cuts
     * the node count.  Parameters (window 0.3 t, tails h² >= 0.05 t, β = 8/h²_min): the best
     * of a small grid in bench_geom --near. */
    if (!(o && o->no_singular) && fabs(lchern) < 300)
        sg = geom_sing_create(d, ra1, ra2, t, sig, surface, 0.3, 0.05 * t, 1.0);
    if (o)
        o->singular_terms = geom_sing_count(sg);
    double asig = fabs(sig);

    /* Period T: the near shift (towards the body) must leave the support, the far shift
     * must leave it too (then its value is exact) or be negligible. */
    double near_gap = sig < 0 ? tmax - t : t - tmin;
    double far_gap = sig < 0 ? t - tmin : tmax - t;
    /* density bound for the neglected far shifts: f_S <= π / (L_a L_b) for any two
     * coordinates (the arc of a circle inside a rectangle is at most 2π) */
    double lfmax = INFINITY;
    if (surface && d >= 2) {
        double l1 = 0, l2 = 0;
        for (int g = 0; g < x->ng; g++) {
            double L = x->x2[g] - x->x1[g];
            for (int m = 0; m < x->m[g] && m < 2; m++) {
                if (L > l1) {
                    l2 = l1;
                    l1 = L;
                } else if (L > l2) {
                    l2 = L;
                }
            }
        }
        lfmax = log(M_PI / (l1 * l2));
    }
    double margin = 1e-300; /* the factors 1.02 below keep every shift strictly outside */
    int extra = 0;
    F = malloc(sizeof *F * TF_KMAX);
    if (!F) {
        so8t_err_set(err, errlen, "out of memory");
        status = GEOM_ERR_INVAL;
        goto done;
    }
    for (int attempt = 0; attempt < 4; attempt++) {
        double T, corr_log = -INFINITY; /* log of the known far-shift sum to subtract */
        double negl_log = -INFINITY;    /* log bound on a neglected far-shift sum */
        double Tnear = 1.02 * near_gap + margin;
        if (surface) {
            /* far shifts: outside the support (exactly 0) or below e^{-40} of the result */
            double Texact = 1.02 * far_gap + margin;
            double Tnegl = asig > 0 && isfinite(lfmax) ? (lfmax - lchern + 40 + extra) / asig
                                                        : INFINITY;
            T = Texact < Tnegl ? Texact : Tnegl;
            if (T < Tnear)
                T = Tnear;
            if (T < 1.02 * far_gap + margin) {
                double e = -asig * T;
                negl_log = lfmax + e - log1p(-exp(e));
            }
        } else {
            double Texact = 1.02 * far_gap + margin;
            double need = -lchern + 7 + extra;
            if (asig > 0 && Texact < need / asig)
                Texact = need / asig;
            double Tnegl = asig > 0 ? (-lchern + 40 + extra) / asig : INFINITY;
            T = Texact < Tnegl ? Texact : Tnegl;
            if (T < Tnear)
                T = Tnear;
            double e = -asig * T;
            if (T >= 1.02 * far_gap + margin)
                corr_log = e - log1p(-exp(e));
            else
                negl_log = e - log1p(-exp(e));
        }
        double h = 2 * M_PI / T;
        double lsig = tf_logL_real(x, sig);
        double base = lsig + sig * t - (surface ? 0 : log(asig));
        double sgval = sg ? geom_sing_value(sg, T, base) : 0;
        /* Terms F_k, normalised by the value at k = 0 (F_0 = 1). */
        int K = TF_KMIN, have = 0, done_ok = 0, tapered = 0;
        double prev = NAN, prev_diff = INFINITY, est = 0, est_abs = 0, diff = INFINITY;
        /* Nodes are added one at a time.  Fast decay (d large): stop as soon as 16 terms in
         * a row are negligible, with the plain sum.  Slowly decaying oscillatory tail
         * (d small): at checkpoints K = 32, 40, 50, ... (x1.25) compare tapered sums. */
        double p_re = 0, p_abs = 0, run_max = 0;
        int quiet = 0, next_cp = TF_KMIN, early_checked = 0, restart = 0;
        tf_phases *phs = malloc(sizeof *phs);
        if (!phs) {
            so8t_err_set(err, errlen, "out of memory");
            status = GEOM_ERR_INVAL;
            goto done;
        }
        tf_phases_init(phs, x, sig, h, t);
        if (sg)
            geom_sing_begin(sg, h, lsig);
        for (int k = 0; k < TF_KMAX && !done_ok; k++, tf_phases_next(phs)) {
            F[k] = tf_node(x, sig, lsig, h, phs, surface, k);
            if (sg)
                F[k] -= geom_sing_next(sg);
            double m = sqrt(norm2(F[k])), wk = k == 0 ? 0.5 : 1;
            p_re += wk * creal(F[k]);
            p_abs += wk * m;
            if (m < 1e-18 * p_abs) {
                if (m > run_max)
                    run_max = m;
                if (++quiet >= 16) {
                    est = p_re;
                    est_abs = p_abs;
                    diff = (k + 1) * run_max;
                    tapered = 0;
                    done_ok = 1;
                    break;
                }
            } else {
                quiet = 0;
                run_max = 0;
            }
            K = k + 1;
            if (K == next_cp) {
                /* checkpoints grow by 1.25: the cut error falls like a Gaussian in K, so the
                 * previous checkpoint's error bounds this one's with a wide margin */
                next_cp = K + K / 4;
                tf_tapered(F, K, &est, &est_abs);
                tapered = 1;
                if (!isnan(prev)) {
                    /* three checkpoints in a row must agree: one agreeing pair can be a
                     * coincidence of an oscillating error */
                    double d_new = fabs(est - prev);
                    diff = d_new > prev_diff ? d_new : prev_diff;
                    prev_diff = d_new;
                    if (diff <= 1e-13 * fabs(est) + 1e-300) {
                        done_ok = 1;
                        break;
                    }
                    /* Once the sum is good to 1e-3, the period checks made after the loop
                     * (below) can be made now: when one clearly fails (by a factor e beyond
                     * its limit), restart with the same larger period that the late check
                     * would choose, instead of summing to 1e-13 first. */
                    if (!early_checked && diff <= 1e-3 * fabs(est)) {
                        early_checked = 1;
                        double vr = (h / M_PI) * est + sgval;
                        if (corr_log > -INFINITY)
                            vr -= exp(corr_log - base);
                        if (vr > 0) {
                            double lr = base + log(vr);
                            if (negl_log > -INFINITY && negl_log > lr - 36 + 1) {
                                extra += (int)(negl_log - lr) + 40;
                                restart = 1;
                                break;
                            }
                            if (corr_log > -INFINITY && corr_log > lr + log(1e-3) + 1) {
                                extra += (int)(corr_log - lr) + 8;
                                restart = 1;
                                break;
                            }
                        }
                    }
                }
                prev = est;
            }
        }
        free(phs);
        (void)have;
        if (restart)
            continue;
        double scale = h / M_PI; /* est holds half the symmetric sum */
        double val = scale * est + sgval; /* value / e^{base} */
        if (corr_log > -INFINITY)
            val -= exp(corr_log - base);
        if (!(val > 0)) {
            /* cancellation with the aliasing correction: raise T and retry */
            extra += 20;
            continue;
        }
        double lv = base + log(val);
        if (negl_log > -INFINITY && negl_log > lv - 36) {
            extra += (int)(negl_log - lv) + 40;
            continue;
        }
        if (corr_log > -INFINITY && corr_log > lv + 1e-3 * 0 + log(1e-3)) {
            extra += (int)(corr_log - lv) + 8;
            continue;
        }
        /* With the taper (criterion 2), the last checkpoint differences understate the error
         * next to a break point, where convergence is algebraic and the error oscillates:
         * against independent values (docs/math.md §4.9) the difference was exceeded up to
         * 11×, so it counts 12× there.  (The stopping rule is unchanged.) */
        double rel = (tapered ? 12 : 1) * (diff / fabs(est)) + 2e-16 * (40 + 2 * d) * est_abs / fabs(est);
        if (negl_log > -INFINITY)
            rel += exp(negl_log - lv);
        /* t, its shift and the support's ends each round (~1 ulp of t + shift), and the
         * value moves with t like e^{σt}: the condition |σ| (t + shift); and the value is
         * e^{log L(σ) + σt} with both exponents ~ |σ| t_max and cancelling (near the far
         * corner at d = 128: ±5e4 for a log value of -735), each the sum of d factor logs
         * that round by ~1 ulp of themselves: 8 ulp of their size, a bound on the 7.5 ulp
         * seen against the corner series there */
        rel += 8 * DBL_EPSILON * (fabs(lsig) + asig * (fabs(t) + shift + fabs(tmax)));
        /* the internal target is 1e-13; the promise (and the status) is 1e-11 */
        if (!done_ok && !(rel <= 1e-11))
            status = GEOM_ERR_NOCONV;
        if (want_tail && complement) {
            /* lv = log(1 - P) = log P(S > t), as wanted */
            *log_out = lv;
            *rel_err = rel;
        } else if (want_tail) {
            /* lv = log P: 1 - P loses digits as P -> 1 (condition P / (1 - P)) */
            double p = exp(lv), q = -expm1(lv);
            *log_out = q > 0 ? log(q) : -INFINITY;
            *rel_err = q > 0 ? (rel * p + 2e-16) / q : INFINITY;
        } else if (complement) {
            /* lv = log(1 - P) */
            double q = exp(lv);
            *log_out = q < 0.5 ? log1p(-q) : log(-expm1(lv));
            double pval = exp(*log_out);
            *rel_err = pval > 0 ? rel * q / pval : INFINITY;
        } else {
            *log_out = lv;
            *rel_err = rel;
        }
        if (status == GEOM_ERR_NOCONV)
            so8t_err_set(err, errlen,
                         "transform inversion did not converge (d = %d, %d terms); "
                         "estimate has relative error about %.1e",
                         d, TF_KMAX, *rel_err);
        goto done;
    }
    so8t_err_set(err, errlen, "transform inversion: could not choose a stable period (d = %d)", d);
    status = GEOM_ERR_NOCONV;
    *log_out = NAN;
    *rel_err = INFINITY;
done:
    (void)phi;
    geom_sing_free(sg);
    free(F);
    free(x);
    return status;
}

int geom_tf_log(int d, const double *ix1, const double *ix2, double t, int surface,
                double *log_out, double *rel_err, char *err, size_t errlen, geom_opts *o)
{
    return tf_log_impl(d, ix1, ix2, t, surface, 0, log_out, rel_err, err, errlen, o);
}

int geom_tf_log_tail(int d, const double *x1, const double *x2, double t, double *log_out,
                     double *rel_err, char *err, size_t errlen)
{
    return tf_log_impl(d, x1, x2, t, 0, 1, log_out, rel_err, err, errlen, NULL);
}
