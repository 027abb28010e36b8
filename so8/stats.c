/* stats.c — statistics that test whether rotations are Haar on SO(n) (derivations in
 * docs/math.md, "SO(n) and Haar measure").
 *
 * Exact references:
 *   E[tr(R)^j]: Weyl integration formula in x = cos θ and the Heine/Andreief identity
 *       E[e^{t·tr R}] = e^{t·[n odd]} · det[∫p_a p_b e^{2tx} ω w dx] / det[∫p_a p_b ω w dx],
 *       a, b = 0…m−1 (m = ⌊n/2⌋), w = (1−x²)^{−1/2}, ω = 1 (n even) or 1 − x (n odd),
 *       p_a = Chebyshev T_a (any degree-a basis works; this one keeps the matrix well
 *       conditioned). Entries by Gauss–Chebyshev quadrature (exact: degree ≤ 2K−1), the
 *       determinant by LU over power series in t truncated at t^16.
 *   pooled eigen-angle CDF (one-point density R₁ of the orthogonal ensembles, Katz & Sarnak):
 *       SO(2m):   G(θ) = (2mθ + Σ_{k=1}^{m−1} sin(2kθ)/k) / (2πm)
 *       SO(2m+1): G(θ) = (2mθ − 2Σ_{k=1}^{m} sin((2k−1)θ)/(2k−1)) / (2πm)
 *   one entry: density ∝ (1−x²)^p, p = (n−3)/2, CDF by
 *       ∫_{−1}^x (1−t²)^p dt = (x(1−x²)^p + 2p∫_{−1}^x (1−t²)^{p−1} dt) / (2p+1).
 * KS tests use 2^18-bin histograms of u = CDF(value) (uniform under the hypothesis); D is
 * read at the bin edges (within 2^−18 of the exact D) and turned into a p-value by the
 * Kolmogorov distribution with Stephens' small-sample factor, then into the normal z with
 * the same two-sided p-value. The pooled angles of one matrix are dependent but form a
 * determinantal process, whose counts vary less than independent draws, so the pooled test
 * is conservative.
 */
#include "so8/so8.h"

#include <float.h>
#include <math.h>
#include <omp.h>

#include "base/threads.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PI 3.14159265358979323846

/* ------------------------------------------------------------- exact trace moments */

#define PS_LEN (SO8_MOMENT_MAX + 1)

/* Power series in t truncated after t^16, in long double: the odd-n moments are small
 * integers left over from cancelling terms of size ~10^5, so double is not enough. */
typedef long double ps_real;

static void ps_mul(const ps_real *a, const ps_real *b, ps_real *c)
{
    ps_real t[PS_LEN];
    for (int i = 0; i < PS_LEN; i++) {
        ps_real s = 0.0L;
        for (int k = 0; k <= i; k++)
            s += a[k] * b[i - k];
        t[i] = s;
    }
    memcpy(c, t, sizeof t);
}

static void ps_inv(const ps_real *a, ps_real *c)
{
    ps_real t[PS_LEN];
    t[0] = 1.0L / a[0];
    for (int i = 1; i < PS_LEN; i++) {
        ps_real s = 0.0L;
        for (int k = 1; k <= i; k++)
            s += a[k] * t[i - k];
        t[i] = -s * t[0];
    }
    memcpy(c, t, sizeof t);
}

/* out[j] = E[tr^j], j = 0..SO8_MOMENT_MAX, for Haar SO(n), n ≥ 2. For odd n the +1 of the
 * fixed axis is spread over the m factors: e^{t·tr} = Π_i e^{t(2x_i + 1/m)}. */
static void trace_moments(int n, double *out)
{
    int m = n / 2, odd = n % 2;
    enum { K = 32 };
    ps_real M[SO8_MAX_N / 2][SO8_MAX_N / 2][PS_LEN];
    ps_real xk[K], fact[PS_LEN];
    const ps_real pi = 3.141592653589793238462643383279502884L;
    fact[0] = 1.0L;
    for (int l = 1; l < PS_LEN; l++)
        fact[l] = fact[l - 1] * l;
    for (int k = 0; k < K; k++)
        xk[k] = cosl((2 * k + 1) * pi / (2.0L * K));
    for (int a = 0; a < m; a++)
        for (int b = 0; b < m; b++)
            for (int l = 0; l < PS_LEN; l++) {
                ps_real s = 0.0L;
                for (int k = 0; k < K; k++) {
                    ps_real x = xk[k], th = acosl(x);
                    ps_real ta = cosl(a * th), tb = cosl(b * th);
                    ps_real om = odd ? 1.0L - x : 1.0L;
                    ps_real y = 2.0L * x + (odd ? 1.0L / m : 0.0L);
                    ps_real yl = 1.0L;
                    for (int q = 0; q < l; q++)
                        yl *= y;
                    s += ta * tb * om * yl;
                }
                M[a][b][l] = s / fact[l]; /* the common factor π/K cancels in the ratio */
            }
    ps_real det[PS_LEN] = {1.0L};
    for (int c = 0; c < m; c++) {
        ps_real inv[PS_LEN];
        ps_mul(det, M[c][c], det);
        ps_inv(M[c][c], inv);
        for (int r = c + 1; r < m; r++) {
            ps_real f[PS_LEN];
            ps_mul(M[r][c], inv, f);
            for (int k = c; k < m; k++) {
                ps_real p[PS_LEN];
                ps_mul(f, M[c][k], p);
                for (int l = 0; l < PS_LEN; l++)
                    M[r][k][l] -= p[l];
            }
        }
    }
    ps_real d0 = det[0];
    for (int j = 0; j < PS_LEN; j++) {
        double v = (double)(det[j] / d0 * fact[j]);
        double r = nearbyint(v);
        /* E[tr^j] is an integer (a multiplicity); keep the raw value if it is not close,
         * so a broken computation shows in the tests instead of being rounded away. */
        out[j] = (fabs(v - r) <= 1e-6 * (1.0 + fabs(r)) ? r : v) + 0.0; /* no −0 */
    }
}

double so8_trace_moment_exact(int n, int j)
{
    if (n < 1 || n > SO8_MAX_N || j < 0 || j > SO8_MOMENT_MAX)
        return NAN;
    if (n == 1)
        return 1.0;
    double mo[PS_LEN];
    trace_moments(n, mo);
    return mo[j];
}

/* ------------------------------------------------------------------------------ CDFs */

double so8_angle_cdf(int n, double theta)
{
    if (n < 2 || n > SO8_MAX_N || isnan(theta))
        return NAN;
    if (theta <= 0)
        return 0.0;
    if (theta >= PI)
        return 1.0;
    int m = n / 2;
    double s = 2.0 * m * theta;
    /* sin of the multiples of θ by the angle-addition recurrence: two libm calls per angle */
    double s1 = sin(theta), c1 = cos(theta);
    double s2 = 2.0 * s1 * c1, c2 = (c1 - s1) * (c1 + s1); /* sin 2θ, cos 2θ */
    if (n % 2 == 0) {
        double sk = s2, ck = c2; /* sin 2kθ, cos 2kθ */
        for (int k = 1; k <= m - 1; k++) {
            s += sk / k;
            double t = sk * c2 + ck * s2;
            ck = ck * c2 - sk * s2;
            sk = t;
        }
    } else {
        double sk = s1, ck = c1; /* sin (2k−1)θ, cos (2k−1)θ */
        for (int k = 1; k <= m; k++) {
            s -= 2.0 * sk / (2.0 * k - 1.0);
            double t = sk * c2 + ck * s2;
            ck = ck * c2 - sk * s2;
            sk = t;
        }
    }
    double g = s / (2.0 * PI * m);
    return g < 0 ? 0 : g > 1 ? 1 : g;
}

/* ∫_{−1}^x (1−t²)^{q/2} dt for integer q ≥ −1, by the recursion upwards from q = −1 or 0
 * (the power (1−x²)^{p} is carried along, no pow). */
static double entry_integral(int q, double x)
{
    double w2 = (1.0 - x) * (1.0 + x);
    double I, w;           /* I_p and (1−x²)^p for the current p */
    int qq;
    if (q % 2 == 0 || q < 0) {
        if (q == -1)
            return asin(x) + PI / 2;
        I = x + 1.0; /* p = 0 */
        w = 1.0;
        qq = 0;
    } else {
        w = sqrt(w2); /* p = 1/2: (x√(1−x²) + asin x + π/2)/2 */
        I = 0.5 * (x * w + asin(x) + PI / 2);
        qq = 1;
    }
    while (qq < q) {
        qq += 2;
        double p = qq / 2.0;
        w *= w2;
        I = (x * w + 2.0 * p * I) / (2.0 * p + 1.0);
    }
    return I;
}

double so8_entry_cdf(int n, double x)
{
    if (n < 2 || n > SO8_MAX_N || isnan(x))
        return NAN;
    if (x <= -1.0)
        return 0.0;
    if (x >= 1.0)
        return 1.0;
    double g = entry_integral(n - 3, x) / entry_integral(n - 3, 1.0);
    return g < 0 ? 0 : g > 1 ? 1 : g;
}

/* ------------------------------------------------------------------- rotation angles */

/* S = (R + Rᵀ)/2 */
static void sym_part(int n, const double *R, double *S)
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            S[i * n + j] = 0.5 * (R[i * n + j] + R[j * n + i]);
}

/* c[0..k) in descending order (insertion sort: k <= SO8_MAX_N) */
static void sort_desc(double *c, int k)
{
    for (int i = 1; i < k; i++) {
        double v = c[i];
        int q = i;
        while (q > 0 && c[q - 1] < v) {
            c[q] = c[q - 1];
            q--;
        }
        c[q] = v;
    }
}

/* acos of a cosine that rounding may have pushed just outside [-1, 1] */
static double acos_clamped(double cc)
{
    return acos(cc > 1 ? 1 : cc < -1 ? -1 : cc);
}

int so8_rotation_angles(int n, const double *R, double *theta)
{
    double S[SO8_MAX_NN], c[SO8_MAX_N], e[SO8_MAX_N];
    if (n < 1 || n > SO8_MAX_N)
        return 0;
    int m = n / 2, o = n % 2;
    sym_part(n, R, S);
    so8_sym_tridiag(n, S, c, e);
    /* Every cos θ is a double eigenvalue of S, so the Krylov space of e₁ has dimension m (+1
     * for odd n: the axis): the tridiagonal splits after m + o rows and its leading block
     * holds each cosine once. Generic for Haar samples; otherwise do the whole matrix. */
    int k = m + o;
    if (k < n && fabs(e[k - 1]) <= 1e-12) {
        if (so8_tridiag_eigvals(k, c, e) == 0) {
            /* descending; for odd n the largest (the axis, cos = 1) is dropped */
            sort_desc(c, k);
            for (int j = 0; j < m; j++)
                theta[j] = acos_clamped(c[o + j]);
            return m;
        }
    }
    sym_part(n, R, S);
    if (so8_sym_eigvals(n, S, c) != 0) { /* never seen; Jacobi is the robust fallback */
        sym_part(n, R, S);
        so8_sym_eig(n, S, c, NULL);
    }
    /* descending; for odd n the largest (the fixed axis, cos = 1) is dropped; the rest come
     * in equal pairs (one per rotation plane) */
    sort_desc(c, n);
    for (int j = 0; j < m; j++)
        theta[j] = acos_clamped(0.5 * (c[o + 2 * j] + c[o + 2 * j + 1]));
    return m;
}

/* ------------------------------------------------------------------- the accumulator */

#define NBINS (1 << 18)
#define CHUNK 4096
/* per-sample features: tr, R00², Rll², R0l², orth, det, u(R00), u(Rll), u(angle_k)… */
#define NFEAT (6 + 2 + SO8_MAX_N / 2)

struct so8_stats {
    int n;
    so8_precision prec;
    uint64_t count;
    double sum_tr[9];
    double sum_sq[3];
    double max_orth, min_det, max_det;
    uint64_t *hist64; /* 3 × NBINS: pooled angles, entry 00, entry last */
    double *feat; /* CHUNK × NFEAT */
    double moment[PS_LEN];
};

int so8_stats_create(int n, so8_precision prec, so8_stats **out)
{
    if (!out)
        return SO8_ERR_INVAL;
    *out = NULL;
    if (n < 2 || n > SO8_MAX_N || so8_precision_size(prec) == 0)
        return SO8_ERR_INVAL;
    so8_stats *s = calloc(1, sizeof *s);
    if (!s)
        return SO8_ERR_NOMEM;
    s->n = n;
    s->prec = prec;
    s->hist64 = calloc((size_t)3 * NBINS, sizeof *s->hist64);
    s->feat = malloc((size_t)CHUNK * NFEAT * sizeof *s->feat);
    if (!s->hist64 || !s->feat) {
        so8_stats_free(s);
        return SO8_ERR_NOMEM;
    }
    s->min_det = INFINITY;
    s->max_det = -INFINITY;
    trace_moments(n, s->moment);
    *out = s;
    return SO8_OK;
}

void so8_stats_free(so8_stats *s)
{
    if (!s)
        return;
    free(s->hist64);
    free(s->feat);
    free(s);
}

static void features(int n, const double *R, double *f)
{
    int l = n - 1;
    double tr = 0.0;
    for (int i = 0; i < n; i++)
        tr += R[i * n + i];
    f[0] = tr;
    f[1] = R[0] * R[0];
    f[2] = R[l * n + l] * R[l * n + l];
    f[3] = R[l] * R[l];
    f[4] = so8_mat_orth_error(n, R);
    f[5] = so8_mat_det(n, R);
    f[6] = so8_entry_cdf(n, R[0]);
    f[7] = so8_entry_cdf(n, R[l * n + l]);
    double th[SO8_MAX_N / 2];
    int m = so8_rotation_angles(n, R, th);
    for (int k = 0; k < m; k++)
        f[8 + k] = so8_angle_cdf(n, th[k]);
}

static uint32_t bin_of(double u)
{
    if (!(u > 0.0))
        return 0;
    double b = u * NBINS;
    return b >= NBINS ? NBINS - 1 : (uint32_t)b;
}

int so8_stats_add(so8_stats *s, const void *R, so8_precision prec, uint64_t count, int threads)
{
    if (!s || (!R && count > 0) || so8_precision_size(prec) == 0 || threads < 0)
        return SO8_ERR_INVAL;
    const int n = s->n, m = n / 2;
    const size_t nn = (size_t)n * (size_t)n;
    int nt = so8t_threads_resolve(threads); /* OMP_NUM_THREADS capped */
    for (uint64_t base = 0; base < count; base += CHUNK) {
        int len = (int)(count - base < CHUNK ? count - base : CHUNK);
        double *feat = s->feat;
#pragma omp parallel for schedule(static) num_threads(nt)
        for (int i = 0; i < len; i++) {
            double D[SO8_MAX_NN];
            const double *src;
            if (prec == SO8_DOUBLE) {
                src = (const double *)R + (base + (uint64_t)i) * nn;
            } else {
                so8_matf_to_double(n, (const float *)R + (base + (uint64_t)i) * nn, D);
                src = D;
            }
            features(n, src, feat + (size_t)i * NFEAT);
        }
        /* serial, in sample order: sums are independent of the thread count */
        for (int i = 0; i < len; i++) {
            const double *f = feat + (size_t)i * NFEAT;
            double p = 1.0;
            for (int j = 1; j <= 8; j++) {
                p *= f[0];
                s->sum_tr[j] += p;
            }
            s->sum_sq[0] += f[1];
            s->sum_sq[1] += f[2];
            s->sum_sq[2] += f[3];
            if (!(f[4] <= s->max_orth))
                s->max_orth = f[4];
            if (!(f[5] >= s->min_det))
                s->min_det = f[5];
            if (!(f[5] <= s->max_det))
                s->max_det = f[5];
            s->hist64[NBINS + bin_of(f[6])]++;
            s->hist64[2 * (size_t)NBINS + bin_of(f[7])]++;
            for (int k = 0; k < m; k++)
                s->hist64[bin_of(f[8 + k])]++;
        }
        s->count += (uint64_t)len;
    }
    return SO8_OK;
}

/* KS distance of a histogram of u (uniform on [0,1] under the hypothesis), read at edges. */
static double ks_distance(const uint64_t *h, uint64_t total)
{
    double d = 0.0;
    uint64_t cum = 0;
    for (int k = 0; k < NBINS; k++) {
        cum += h[k];
        double diff = fabs((double)cum / (double)total - (double)(k + 1) / NBINS);
        if (diff > d)
            d = diff;
    }
    return d;
}

/* log of the Kolmogorov survival function Q(λ) = 2Σ(−1)^{k−1} e^{−2k²λ²}. */
static double ks_log_pvalue(double d, double ne)
{
    double sq = sqrt(ne);
    double lam = (sq + 0.12 + 0.11 / sq) * d;
    if (lam < 0.2)
        return 0.0;
    if (lam > 6.0) /* the first term is everything; stay in logs */
        return log(2.0) - 2.0 * lam * lam;
    double q = 0.0;
    for (int k = 1; k <= 100; k++) {
        double t = exp(-2.0 * k * k * lam * lam);
        q += (k % 2 ? 2.0 : -2.0) * t;
        if (t < 1e-18)
            break;
    }
    q = q < 1e-300 ? 1e-300 : q > 1 ? 1 : q;
    return log(q);
}

/* The normal z ≥ 0 with two-sided tail probability exp(logp): erfc(z/√2) = p. */
static double z_from_log_p(double logp)
{
    if (logp >= 0.0)
        return 0.0;
    if (logp < -700.0) {
        /* log erfc(z/√2) ≈ −z²/2 − log z − ½log(π/2) */
        double z = sqrt(-2.0 * logp);
        for (int i = 0; i < 50; i++)
            z = sqrt(-2.0 * (logp + log(z) + 0.5 * log(PI / 2)));
        return z;
    }
    double z = 1.0;
    for (int i = 0; i < 200; i++) {
        double e = erfc(z / sqrt(2.0));
        double g = log(e) - logp;
        double dg = -sqrt(2.0 / PI) * exp(-0.5 * z * z) / e;
        double step = g / dg;
        if (step > 5)
            step = 5;
        if (step < -5)
            step = -5;
        z -= step;
        if (z < 0)
            z = 0;
        if (fabs(step) < 1e-12)
            break;
    }
    return z;
}

static void add_row(so8_stats_report *rep, const char *name, double expected, double value,
                    double se, double z, int pass)
{
    if (rep->n_tests >= SO8_MAX_TESTS)
        return;
    so8_test *t = &rep->tests[rep->n_tests++];
    memset(t, 0, sizeof *t);
    strncpy(t->name, name, SO8_TEST_NAME_LEN - 1);
    t->expected = expected;
    t->value = value;
    t->std_error = se;
    t->z = z;
    t->pass = pass;
    if (!pass)
        rep->pass = 0;
}

static void add_z_row(so8_stats_report *rep, const char *name, double expected, double value,
                      double se)
{
    double z = se > 0 ? (value - expected) / se : (value == expected ? 0.0 : 1e300);
    if (!isfinite(z))
        z = isnan(z) ? 1e300 : copysign(1e300, z);
    add_row(rep, name, expected, value, se, z, fabs(z) <= SO8_Z_THRESHOLD);
}

static void add_ks_row(so8_stats_report *rep, const char *name, const uint64_t *h,
                       uint64_t total)
{
    double d = ks_distance(h, total);
    double z = z_from_log_p(ks_log_pvalue(d, (double)total));
    add_row(rep, name, 0.0, d, 1.0 / sqrt((double)total), z, z <= SO8_Z_THRESHOLD);
}

int so8_stats_report_get(const so8_stats *s, so8_stats_report *rep)
{
    if (!s || !rep)
        return SO8_ERR_INVAL;
    memset(rep, 0, sizeof *rep);
    if (s->count == 0)
        return SO8_ERR_INVAL;
    const int n = s->n;
    const double N = (double)s->count;
    rep->dim = n;
    rep->samples = s->count;
    rep->max_orthogonality_error = s->max_orth;
    rep->min_det = s->min_det;
    rep->max_det = s->max_det;
    rep->orth_tolerance = 32.0 * n * (s->prec == SO8_FLOAT ? (double)FLT_EPSILON : DBL_EPSILON);
    rep->pass = 1;
    char name[SO8_TEST_NAME_LEN];

    add_row(rep, "orthogonality", 0.0, s->max_orth, 0.0, 0.0,
            s->max_orth <= rep->orth_tolerance);
    double worst = fabs(s->min_det - 1.0) > fabs(s->max_det - 1.0) ? s->min_det : s->max_det;
    add_row(rep, "det", 1.0, worst, 0.0, 0.0, fabs(worst - 1.0) <= rep->orth_tolerance);
    for (int j = 1; j <= 8; j++) {
        double e = s->moment[j], var = s->moment[2 * j] - e * e;
        snprintf(name, sizeof name, "trace_moment_%d", j);
        add_z_row(rep, name, e, s->sum_tr[j] / N, sqrt(var > 0 ? var / N : 0.0));
    }
    add_ks_row(rep, "eigen_angle_ks", s->hist64, s->count * (uint64_t)(n / 2));
    add_ks_row(rep, "entry_ks_00", s->hist64 + NBINS, s->count);
    add_ks_row(rep, "entry_ks_last", s->hist64 + 2 * (size_t)NBINS, s->count);
    /* E[R_ij²] = 1/n, Var R_ij² = E[R⁴] − 1/n² = 3/(n(n+2)) − 1/n² */
    double e2 = 1.0 / n, v2 = 3.0 / (n * (n + 2.0)) - e2 * e2;
    double se2 = sqrt(v2 / N);
    add_z_row(rep, "entry_sq_00", e2, s->sum_sq[0] / N, se2);
    add_z_row(rep, "entry_sq_last", e2, s->sum_sq[1] / N, se2);
    add_z_row(rep, "entry_sq_0_last", e2, s->sum_sq[2] / N, se2);
    return SO8_OK;
}
