/* geom_series.c — the tail P(S > t) and the density f_S(t) near the cube's farthest corner,
 * by an exact power series with positive terms (no cancellation, relative accuracy).
 *
 * With A_i = (1 + c_i)² (units a = 1, c_i >= 0) and W_i = A_i - (U_i - c_i)², S > t is
 * Σ W_i < s = Σ A_i - t.  Near w = 0 the density of W_i is exactly
 *     g_i(w) = m_i / (4 √(A_i - w)),   m_i = 2 for c_i = 0 (both ends of the edge), else 1,
 * for w < L_i (L_i = 1 for c_i = 0, 4 c_i else: beyond it the other end starts to count).
 * For s < min L_i every W_i in {Σ W < s} stays below L_i, so with g_i(w) = Σ_k g_ik w^k (the
 * binomial series, radius A_i > L_i) and the Dirichlet integral
 *     ∫_{w >= 0, Σw < s} Π w_i^{k_i} dw = s^{d+n} Π k_i! / (d + n)!,   n = Σ k_i,
 *     P(S > t) = Σ_n C_n s^{d+n} / (d+n)!,   C_n = [x^n] Π_i Σ_k g_ik k! x^k,
 * and f_S(t) is its s-derivative.  The terms fall like (s / min L_i)^n; the sum is used for
 * s <= 0.75 min L_i.  Long double (64-bit mantissa, range 1e±4932) holds the coefficients,
 * which grow like k!.  Derivation: docs/math.md, "The corner series".
 */
#include "geom/geom_internal.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define GS_NMAX 320

/* out = p · q truncated to n terms (out may not alias) */
static void poly_mul(const long double *p, const long double *q, long double *out, int n)
{
    for (int k = 0; k < n; k++) {
        long double s = 0;
        for (int j = 0; j <= k; j++)
            s += p[j] * q[k - j];
        out[k] = s;
    }
}

int geom_corner_series(int d, const double *c, double rs, double rs_rel, int surface,
                       double *log_out, double *rel_out)
{
    long double sumA = 0, lim = INFINITY;
    int all_zero = 1;
    for (int i = 0; i < d; i++) {
        if (c[i] != 0)
            all_zero = 0;
        long double ci = c[i];
        sumA += (1 + ci) * (1 + ci);
        long double L = c[i] == 0 ? 1.0L : 4 * ci;
        if (L < lim)
            lim = L;
    }
    /* s = ΣA - rs² with rs² split exactly into two doubles (fma): near the corner ΣA - t_hi
     * is exact (Sterbenz), so s keeps its relative accuracy however small it is (at d = 8,
     * s = 1.6e-7: a rounded rs² in long double alone would cost 2e-11) */
    double t_hi = rs * rs, t_lo = fma(rs, rs, -t_hi);
    long double t = (long double)t_hi + t_lo;
    long double s = (sumA - t_hi) - t_lo;
    if (!(s > 0) || !(s <= 0.75L * lim) || d < 1 || d > GEOM_MAX_DIM)
        return 0;
    double q = (double)(s / lim);
    int n = 20 + (int)(45.0 / -log10(q > 1e-300 ? q : 1e-300));
    if (n > GS_NMAX)
        n = GS_NMAX;
    long double *buf = malloc(sizeof(long double) * (size_t)n * 4);
    if (!buf)
        return 0;
    long double *total = buf, *base = buf + n, *acc = buf + 2 * n, *tmp = buf + 3 * n;
    for (int k = 0; k < n; k++)
        total[k] = k == 0;
    long double lead = 0; /* Σ log g_i0 */
    for (int i = 0; i < d;) {
        int j = i;
        while (j < d && c[j] == c[i])
            j++;
        int m = j - i; /* multiplicity of this c */
        long double A = (1 + (long double)c[i]) * (1 + (long double)c[i]);
        long double mi = c[i] == 0 ? 2 : 1;
        lead += m * logl(mi / (4 * sqrtl(A)));
        /* e_k = g_k k! s^k / g_0 = (2k)! / k! (s / 4A)^k: e_{k+1} = e_k (2k + 1) s / (2A) */
        base[0] = 1;
        for (int k = 0; k + 1 < n; k++)
            base[k + 1] = base[k] * (2 * k + 1) * s / (2 * A);
        /* acc = base^m by binary powering */
        for (int k = 0; k < n; k++)
            acc[k] = k == 0;
        for (int e = m; e;) {
            if (e & 1) {
                poly_mul(acc, base, tmp, n);
                memcpy(acc, tmp, sizeof(long double) * (size_t)n);
            }
            e >>= 1;
            if (e) {
                poly_mul(base, base, tmp, n);
                memcpy(base, tmp, sizeof(long double) * (size_t)n);
            }
        }
        poly_mul(total, acc, tmp, n);
        memcpy(total, tmp, sizeof(long double) * (size_t)n);
        i = j;
    }
    /* Σ_n E_n D! / (D + n)!, D = d (tail) or d - 1 (density) */
    const int D = surface ? d - 1 : d;
    long double sum = 0, fac = 1, last = 0, prev = 0;
    for (int k = 0; k < n; k++) {
        if (k > 0)
            fac /= (D + k);
        prev = last;
        last = total[k] * fac;
        sum += last;
    }
    free(buf);
    /* truncation: the terms fall at least geometrically by the last ratio (→ s / L) */
    long double ratio = prev > 0 ? last / prev : 1;
    if (ratio < q)
        ratio = q;
    if (!(ratio < 0.95L) || !(sum > 0))
        return 0;
    double trunc = (double)(2 * last * ratio / (1 - ratio) / sum);
    /* log P = lead + D log s - lgamma(D + 1) + log Σ */
    long double lp = lead + D * logl(s) - lgammal((long double)D + 1) + logl(sum);
    /* rounding: the long double sums (~n·(log2 d + 2) ulp each) and s = ΣA - t: an absolute
     * error δs (an ulp of s; d + 1 ulp of ΣA unless every A_i = 1 is exact; 2 rs_rel t from
     * the rounding of rs = r / a itself) moves log P by about (D + n) δs / s */
    double ds = (double)(LDBL_EPSILON * (2 * s + (all_zero ? 0 : 2 * (d + 1) * sumA)) +
                         2 * rs_rel * t);
    double rel = trunc + (double)(LDBL_EPSILON * n * 40) + (D + n) * ds / (double)s;
    *log_out = (double)lp;
    *rel_out = rel;
    return 1;
}
