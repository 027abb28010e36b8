/* geom_corners.c — V and A as a signed sum of orthant caps, each inverted on a contour around
 * the branch cut (docs/math.md §4.9).
 *
 * Per coordinate (units a = 1, centre distance c_i >= 0), the transform of u² over the slab is
 *     ∫_{-1-c}^{1-c} e^{-su²} du = √(π/s) − E(1 − c) − E(1 + c)     (c < 1)
 *                                = E(c − 1) − E(c + 1)               (c >= 1)
 * with E(h; s) = ∫_h^∞ e^{-su²} du.  Multiplying out the d factors gives terms
 * ± (π/s)^{m/2} Π_{f∈J} E(h_f; s): the transform of the measure-density of |x|² over the orthant
 * cap ℝ^m × Π_{f∈J} [h_f, ∞).  It vanishes below X_J = Σ_{f∈J} h_f², and after the factor
 * e^{-s X_J} is taken out the rest, G_J(s) = (π/s)^{m/2} Π e^{s h_f²} E(h_f; s), is analytic off
 * (−∞, 0] and decays like a power of 1/s in every direction.  So g_J(ε) (ε = t − X_J > 0) is the
 * Bromwich integral of e^{sε} G_J(s) on a parabola wrapped around the cut (Talbot's idea; the
 * parabola and its parameters of Weideman & Trefethen 2007, tuned here), which converges
 * geometrically in the node count whatever ε is.  That is the point: the transform of
 * geom_transform.c needs O(1/δ) nodes for a break point X_J at distance δ from t, here such a
 * term is one more term, evaluated on a contour scaled to its own ε.
 *
 *     V = Σ_J ± M_J(t − X_J)  (M_J: the cap's volume, G_J/s),   A = 2r Σ_J ± g_J(t − X_J).
 *
 * The sum is an inclusion–exclusion and can cancel; its condition Σ|terms| / |Σ terms| is known
 * after the fact and enters the error bound, and the caller falls back to the transform when
 * the bound is poor or there are too many terms.
 *
 * Terms are sorted by ε and inverted in bins ε ∈ (ε_hi/2, ε_hi] that share one contour, so the
 * Faddeeva function is evaluated once per face and node of a bin, not per term. */
#include "geom/geom_faddeeva.h"
#include "geom/geom_internal.h"

#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The contour: s(u) = μ (1 + iu)², u = k·step/n for k = -n..n (the negative half by symmetry,
 * since G(s̄) = conj G(s)), μ = mu·n/ε_hi for the bin (ε_hi/bin, ε_hi].  The parameters are the
 * best of a scan (n 28…34, step 2.5…2.8, mu 0.22…0.28, bin 1.8…2) on s^{-q} over a bin; the test
 * measures both shapes within geom_corner_term_rel's claims (more nodes only add rounding, a
 * larger μ too, a wider bin loses digits at its lower end).  The second shape (other nodes,
 * other bins, as accurate) gives a second value whose difference from the first measures the
 * actual error (geom_corner_sum). */
typedef struct {
    int n;
    double step, mu, bin;
} cn_shape;
static const cn_shape CN_SHAPES[2] = {{34, 2.6, 0.24, 2.0}, {32, 2.6, 0.24, 1.8}};
enum {
    CN_NODES_MAX = 34,
    CN_MAX_DIM = 10,
    CN_PHASE = 8, /* e^{sε} exact every CN_PHASE nodes, a recurrence between (term_sum) */
};
/* rounding of a term: this × Σ |node contributions| (each carries a few ulp: libcerf's w, the
 * products, the phase recurrence) */
#define CN_ROUND 4e-16

/* Relative inversion error of one term, by its decay order q (G_J ~ s^{-q}: q = m/2 + |J|, +1 for
 * the volume; index q2 = 2q): the worst measured over ε in a bin, for s^{-q} and for a tail times
 * a power, both contour shapes, in tests/test_geom_corners.c, where it must cover the measured
 * error together with the rounding part (CN_ROUND); with room of 1.5–2.5×.  d >= 4 has q >= 2
 * (d >= 5: q >= 2.5), d <= 10 q <= 11.  Large q loses to rounding: the contour's values grow like
 * Γ(q)/(μ₀n)^q against the result. */
double geom_corner_term_rel(int q2)
{
    /* q = ½, 1, 3/2, 2, 5/2 */
    static const double low[5] = {5e-12, 5e-13, 8e-14, 4e-14, 8e-15};
    if (q2 < 1)
        q2 = 1;
    if (q2 <= 5)
        return low[q2 - 1];
    if (q2 <= 19) /* q = 3 … 9.5 */
        return 5e-15;
    if (q2 <= 21) /* q = 10, 10.5 */
        return 1.5e-14;
    if (q2 == 22) /* q = 11 */
        return 5e-14;
    return 2e-12; /* q > 11: not measured (d <= 10 never has it) */
}

typedef struct {
    double x, xlo; /* break point X_J = x + xlo (double-double: ε = t − X_J keeps its digits when
                    * the sphere barely reaches the corner, where the value goes like ε^{d/2}) */
    float sign;    /* ±1 */
    unsigned char m, nf;
    unsigned char face[CN_MAX_DIM];
} cn_term;

typedef struct {
    int d, max_terms, nterms, overflow;
    double t, tlo, h[2 * CN_MAX_DIM], h2[2 * CN_MAX_DIM], h2lo[2 * CN_MAX_DIM];
    double minrest[CN_MAX_DIM + 1]; /* smallest X the coordinates i.. can still add */
    /* per coordinate: pieces (face index or -1 for the free line, sign) */
    int npieces[CN_MAX_DIM], piece_face[CN_MAX_DIM][3];
    double piece_sign[CN_MAX_DIM][3];
    cn_term *terms;
} cn_ctx;

/* a + b = s + e exactly (Knuth's TwoSum) */
static double two_sum(double a, double b, double *e)
{
    double s = a + b, bb = s - a;
    *e = (a - (s - bb)) + (b - bb);
    return s;
}

static void enumerate(cn_ctx *cx, int i, double x, double xlo, double sign, int m, int nf,
                      unsigned char *faces)
{
    if (cx->overflow || !(x + cx->minrest[i] < cx->t))
        return;
    if (i == cx->d) {
        if (cx->nterms == cx->max_terms) {
            cx->overflow = 1;
            return;
        }
        cn_term *tm = &cx->terms[cx->nterms++];
        tm->x = x;
        tm->xlo = xlo;
        tm->sign = (float)sign;
        tm->m = (unsigned char)m;
        tm->nf = (unsigned char)nf;
        memcpy(tm->face, faces, (size_t)nf);
        return;
    }
    for (int p = 0; p < cx->npieces[i]; p++) {
        int f = cx->piece_face[i][p];
        double s = sign * cx->piece_sign[i][p];
        if (f < 0) {
            enumerate(cx, i + 1, x, xlo, s, m + 1, nf, faces);
        } else {
            double e, xs = two_sum(x, cx->h2[f], &e);
            faces[nf] = (unsigned char)f;
            enumerate(cx, i + 1, xs, xlo + cx->h2lo[f] + e, s, m, nf + 1, faces);
        }
    }
}

static int by_x(const void *a, const void *b)
{
    double xa = ((const cn_term *)a)->x, xb = ((const cn_term *)b)->x;
    return (xa > xb) - (xa < xb);
}

/* e^{s h²} E(h; s) = (√π / 2√s) w(i √s h) */
static double complex tail_scaled(double h, double complex s)
{
    double complex z = csqrt(s);
    double complex v = 0.88622692545275801365 / z; /* √π/2 */
    return h > 0 ? v * geom_faddeeva_w(I * z * h) : v;
}

/* t − X_J */
static double eps_of(const cn_ctx *cx, const cn_term *tm)
{
    return (cx->t - tm->x) + (cx->tlo - tm->xlo);
}

/* face distance h = a ± c as hi + lo exactly, and h² as a double-double */
static void set_face(cn_ctx *cx, int f, double a, double b)
{
    double lo, h = two_sum(a, b, &lo);
    double p = h * h;
    cx->h[f] = h;
    cx->h2[f] = p;
    cx->h2lo[f] = fma(h, h, -p) + 2 * h * lo;
}

/* The nodes of one bin: s_k and the weights (h μ/π)(1 + iu_k) of the trapezoid rule on
 * (1/2πi) ∫ e^{sε} G(s) ds, doubled for k > 0 (the mirrored node). */
typedef struct {
    int n;
    double mu, h;
    double complex s[CN_NODES_MAX + 1], wgt[CN_NODES_MAX + 1];
} cn_contour;

static void contour_for(const cn_shape *sh, double eps_hi, cn_contour *ct)
{
    ct->n = sh->n;
    ct->h = sh->step / sh->n;
    ct->mu = sh->mu * sh->n / eps_hi;
    for (int k = 0; k <= ct->n; k++) {
        double u = k * ct->h;
        ct->s[k] = ct->mu * (1 + I * u) * (1 + I * u);
        ct->wgt[k] = (k ? 2 : 1) * ct->h * ct->mu / M_PI * (1 + I * u);
    }
}

/* Σ_k Re(e^{s_k ε} v_k), v_k = weight × G(s_k); *sabs gets Σ |each real part| (the rounding
 * scale).  E_k = e^{s_k ε} = e^{a(1 + iu_k)²} with a = με and u_k = kh: consecutive ratios are
 * R_k = E_{k+1}/E_k = e^{2iah − ah²(2k+1)} and R_{k+1} = R_k e^{−2ah²}, so two products per node
 * carry E_k; both are recomputed exactly every CN_PHASE nodes (the recurrence's rounding stays at
 * a few ulp). */
static double term_sum(const cn_contour *ct, const double complex *v, double eps, double *sabs)
{
    const double h = ct->h, a = ct->mu * eps, q = exp(-2 * a * h * h);
    const double complex turn = cos(2 * a * h) + I * sin(2 * a * h);
    double complex E = 1, R = 1;
    double sum = 0, sa = 0;
    for (int k = 0; k <= ct->n; k++) {
        if (k % CN_PHASE == 0) {
            double u = k * h;
            E = exp(a * (1 - u * u)) * (cos(2 * a * u) + I * sin(2 * a * u));
            R = exp(-a * h * h * (2 * k + 1)) * turn;
        }
        double re = creal(E * v[k]);
        sum += re;
        sa += fabs(re);
        E *= R;
        R *= q;
    }
    *sabs = sa;
    return sum;
}

double geom_corner_invert(double complex (*G)(double complex s, void *ctx), void *ctx, double eps,
                          double eps_hi, int shape, double *round_err)
{
    cn_contour ct;
    double complex v[CN_NODES_MAX + 1];
    double sabs;
    contour_for(&CN_SHAPES[shape ? 1 : 0], eps_hi, &ct);
    for (int k = 0; k <= ct.n; k++)
        v[k] = ct.wgt[k] * G(ct.s[k], ctx);
    double g = term_sum(&ct, v, eps, &sabs);
    if (round_err)
        *round_err = CN_ROUND * sabs;
    return g;
}

/* The signed sum of all terms on contours of one shape: *total, the a priori error (inversion by
 * decay order, rounding, and the terms too close to t to invert) and the last part alone. */
static void sum_terms(const cn_ctx *cx, const cn_shape *sh, int surface, double *total_out,
                      double *err_out, double *dropped_out)
{
    const int d = cx->d;
    const double t = cx->t;
    /* Terms with ε < eps_min are left out; each is at most the measure over all of ℝ^d,
     * (d/2) V_d ε^{d/2-1} (density) or V_d ε^{d/2} (volume), which goes into the bound. */
    const double eps_min = 1e-12 * t;
    const double log_vd = geom_ball_log_volume(d, 1.0); /* log V_d */
    double total = 0, absum = 0, err = 0, dropped = 0;
    double complex ehf[2 * CN_MAX_DIM][CN_NODES_MAX + 1], v[CN_NODES_MAX + 1];
    double complex pw[CN_MAX_DIM + 1][CN_NODES_MAX + 1];
    int have[2 * CN_MAX_DIM];
    cn_contour ct;
    int j = 0;
    while (j < cx->nterms) {
        double eps_hi = eps_of(cx, &cx->terms[j]);
        if (!(eps_hi >= eps_min)) {
            /* the rest are closer still (sorted by x) */
            for (; j < cx->nterms; j++) {
                double e = eps_of(cx, &cx->terms[j]);
                if (e > 0)
                    dropped += exp(surface ? log(0.5 * d) + log_vd + (0.5 * d - 1) * log(e)
                                       : log_vd + 0.5 * d * log(e));
            }
            break;
        }
        /* one bin: its contour, the weights times the free lines' (π/s)^{m/2} (and 1/s for V),
         * and the tails' factors computed when a term first needs them */
        contour_for(sh, eps_hi, &ct);
        for (int k = 0; k <= ct.n; k++) {
            double complex root = csqrt(M_PI / ct.s[k]);
            pw[0][k] = surface ? ct.wgt[k] : ct.wgt[k] / ct.s[k];
            for (int m = 1; m <= d; m++)
                pw[m][k] = pw[m - 1][k] * root;
        }
        memset(have, 0, sizeof have);
        for (; j < cx->nterms; j++) {
            const cn_term *tm = &cx->terms[j];
            double eps = eps_of(cx, tm);
            if (!(eps > eps_hi / sh->bin) || !(eps >= eps_min))
                break;
            for (int q = 0; q < tm->nf; q++) {
                int f = tm->face[q];
                if (!have[f]) {
                    for (int k = 0; k <= ct.n; k++)
                        ehf[f][k] = tail_scaled(cx->h[f], ct.s[k]);
                    have[f] = 1;
                }
            }
            /* node values, factor by factor (contiguous in k: the loop vectorises) */
            memcpy(v, pw[tm->m], (size_t)(ct.n + 1) * sizeof v[0]);
            for (int q = 0; q < tm->nf; q++) {
                const double complex *e = ehf[tm->face[q]];
                for (int k = 0; k <= ct.n; k++)
                    v[k] *= e[k];
            }
            double sabs, sum = term_sum(&ct, v, eps, &sabs);
            total += tm->sign * sum;
            absum += fabs(sum);
            /* inversion error by the term's decay order, and rounding: each node's value
             * carries a few ulp (libcerf's w, the products, the phase) */
            err += geom_corner_term_rel(tm->m + 2 * tm->nf + (surface ? 0 : 2)) * fabs(sum) +
                   CN_ROUND * sabs;
        }
    }
    *total_out = total;
    *dropped_out = dropped;
    *err_out = err + 4e-16 * absum + dropped; /* + the rounding of the signed sum */
}

/* Sets up the terms (the caps with X_J < t, sorted by X_J).  0 when none or too many. */
static int setup(cn_ctx *cx, int d, const double *c, double rs, int max_terms)
{
    const double t = rs * rs;
    memset(cx, 0, sizeof *cx);
    if (d < 1 || d > CN_MAX_DIM || !(rs > 0) || !(t < INFINITY) || max_terms < 1)
        return 0;
    cx->d = d;
    cx->t = t;
    cx->tlo = fma(rs, rs, -t);
    cx->max_terms = max_terms;
    for (int i = 0; i < d; i++) {
        if (c[i] < 1) {
            cx->npieces[i] = 3;
            cx->piece_face[i][0] = -1;
            cx->piece_sign[i][0] = 1;
            set_face(cx, 2 * i, 1, -c[i]);
            set_face(cx, 2 * i + 1, 1, c[i]);
            cx->piece_face[i][1] = 2 * i;
            cx->piece_face[i][2] = 2 * i + 1;
            cx->piece_sign[i][1] = cx->piece_sign[i][2] = -1;
        } else {
            cx->npieces[i] = 2;
            set_face(cx, 2 * i, c[i], -1);
            set_face(cx, 2 * i + 1, c[i], 1);
            cx->piece_face[i][0] = 2 * i;
            cx->piece_face[i][1] = 2 * i + 1;
            cx->piece_sign[i][0] = 1;
            cx->piece_sign[i][1] = -1;
        }
    }
    cx->minrest[d] = 0;
    for (int i = d - 1; i >= 0; i--)
        cx->minrest[i] = cx->minrest[i + 1] + (c[i] < 1 ? 0 : (c[i] - 1) * (c[i] - 1));
    cx->terms = malloc((size_t)max_terms * sizeof *cx->terms);
    if (!cx->terms)
        return 0;
    unsigned char faces[CN_MAX_DIM];
    enumerate(cx, 0, 0, 0, 1, 0, 0, faces);
    if (cx->overflow || cx->nterms == 0)
        return 0;
    qsort(cx->terms, (size_t)cx->nterms, sizeof *cx->terms, by_x);
    return 1;
}

int geom_corner_sum_shapes(int d, const double *c, double rs, int surface, int max_terms,
                           double value[2], double bound[2], int *nterms_out)
{
    cn_ctx cx;
    int ok = setup(&cx, d, c, rs, max_terms);
    if (nterms_out)
        *nterms_out = cx.overflow ? -1 : cx.nterms;
    for (int k = 0; k < 2; k++) {
        double total = NAN, err = INFINITY, dropped;
        if (ok)
            sum_terms(&cx, &CN_SHAPES[k], surface, &total, &err, &dropped);
        double scale = surface ? 2 * rs : 1;
        value[k] = total * scale;
        bound[k] = total > 0 ? err / total : INFINITY;
    }
    free(cx.terms);
    return ok;
}

int geom_corner_sum(int d, const double *c, double rs, int surface, int max_terms,
                    double target_rel, double *value, double *rel_err, int *nterms_out)
{
    cn_ctx cx;
    *value = NAN;
    *rel_err = INFINITY;
    int ok = setup(&cx, d, c, rs, max_terms);
    if (nterms_out)
        *nterms_out = cx.overflow ? -1 : cx.nterms;
    if (!ok) {
        free(cx.terms);
        return 0;
    }
    double total, err, dropped;
    sum_terms(&cx, &CN_SHAPES[0], surface, &total, &err, &dropped);
    double rel = total > 0 ? err / total : INFINITY;
    if (total > 0 && rel > target_rel && rel / 8 <= target_rel) {
        /* The a priori bound adds every term's worst case; the errors are smaller and of both
         * signs.  Sum again on the second shape (other nodes, other bins): the difference of
         * the two values, times 3, measures the actual error, but not what both share (seen in
         * a d = 3 sum cancelling 1600-fold: both 1.5e-11 off, 1.2e-12 apart, a priori 2.6e-10),
         * so an eighth of the a priori bound stays as a floor (and when that floor already
         * misses the target, the second sum is not worth its time). */
        double total1, err1, dropped1;
        sum_terms(&cx, &CN_SHAPES[1], surface, &total1, &err1, &dropped1);
        double post = (3 * fabs(total - total1) + dropped) / total;
        if (post < rel / 8)
            post = rel / 8;
        if (post < rel)
            rel = post;
    }
    free(cx.terms);
    *value = total * (surface ? 2 * rs : 1);
    *rel_err = rel;
    return total > 0;
}
