/* mat.h — n×n rotation-matrix math (n ≤ SO8_MAX_N), row-major, double and float, usable
 * from C and from CUDA kernels (SO8T_HD).
 *
 * Contents and formulas:
 *   compose C = A·B, inverse = transpose, y = R·x, y = Rᵀ·x, a batch of points Y_k = R·X_k;
 *   orthogonality error  max_ij |(RᵀR − I)_ij|;
 *   determinant          LU with partial pivoting;
 *   exp: so(n) → SO(n)   scaling and squaring, Taylor degree 16 after scaling to ‖A‖₁ ≤ 1/2
 *                        (truncation < 2e-20 relative), then s squarings (Higham, "Functions
 *                        of Matrices", SIAM 2008, ch. 10);
 *   log: SO(n) → so(n)   principal branch, all rotation angles in [0, π]. With S = (R+Rᵀ)/2,
 *                        K = (R−Rᵀ)/2 (they commute, R normal) and S = V diag(cos θ) Vᵀ:
 *                            log R = f(S)·K,   f(cos θ) = θ / sin θ,
 *                        which holds plane by plane because K = sin θ·J on the plane of angle θ.
 *                        f blows up at θ = π, so the eigen-directions with cos θ near −1 are
 *                        handled apart: there −R = exp(L) with small angles φ = π − θ, L by the
 *                        same formula, and log R = L − π·J with J = L·|L|⁻¹ the complex structure
 *                        of L (any complex structure where φ = 0: the log is not unique there);
 *   geodesic distance    d(A, B) = ‖log(AᵀB)‖_F / √2 = sqrt(Σ θ_k²) over the rotation planes
 *                        (the bi-invariant metric; d(I, rotation by θ in one plane) = θ);
 *   symmetric eigen      cyclic Jacobi (Golub & Van Loan, "Matrix Computations", §8.5).
 *
 * Conventions: matrices are n*n row-major arrays; outputs never alias inputs unless a
 * function says so. Every function works on caller memory and local arrays only: no
 * allocation, no I/O, no RNG, no global state. Float matrices are converted
 * (so8_matf_to_double); tests/support/matf.h has float forms for the tests.
 */
#ifndef SO8T_SO8_MAT_H
#define SO8T_SO8_MAT_H

#include <math.h>
#include <stdint.h>

#include "base/config.h"

#ifndef SO8_MAX_N
#define SO8_MAX_N 16
#endif
#define SO8_MAX_NN (SO8_MAX_N * SO8_MAX_N)

/* ------------------------------------------------------------------ basic ops (double) */

SO8T_HD void so8_mat_identity(int n, double *A)
{
    for (int i = 0; i < n * n; i++)
        A[i] = 0.0;
    for (int i = 0; i < n; i++)
        A[i * n + i] = 1.0;
}

SO8T_HD void so8_mat_copy(int n, const double *A, double *B)
{
    for (int i = 0; i < n * n; i++)
        B[i] = A[i];
}

/* C = A·B (composition: apply B first, then A). C must not alias A or B. */
SO8T_HD void so8_mat_mul(int n, const double *A, const double *B, double *C)
{
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
            double s = 0.0;
            for (int k = 0; k < n; k++)
                s += A[i * n + k] * B[k * n + j];
            C[i * n + j] = s;
        }
    }
}

/* C = Aᵀ·B (relative rotation A⁻¹B). C must not alias A or B. */
SO8T_HD void so8_mat_mul_tn(int n, const double *A, const double *B, double *C)
{
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
            double s = 0.0;
            for (int k = 0; k < n; k++)
                s += A[k * n + i] * B[k * n + j];
            C[i * n + j] = s;
        }
    }
}

/* T = Aᵀ (the inverse of a rotation). T may be A (in place). */
SO8T_HD void so8_mat_transpose(int n, const double *A, double *T)
{
    if (T == A) {
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++) {
                double t = T[i * n + j];
                T[i * n + j] = T[j * n + i];
                T[j * n + i] = t;
            }
        return;
    }
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            T[i * n + j] = A[j * n + i];
}

/* y = R·x. y may be x. */
SO8T_HD void so8_mat_apply(int n, const double *R, const double *x, double *y)
{
    double t[SO8_MAX_N];
    for (int i = 0; i < n; i++) {
        double s = 0.0;
        for (int k = 0; k < n; k++)
            s += R[i * n + k] * x[k];
        t[i] = s;
    }
    for (int i = 0; i < n; i++)
        y[i] = t[i];
}

/* y = Rᵀ·x (the inverse rotation). y may be x. */
SO8T_HD void so8_mat_apply_transpose(int n, const double *R, const double *x, double *y)
{
    double t[SO8_MAX_N];
    for (int i = 0; i < n; i++) {
        double s = 0.0;
        for (int k = 0; k < n; k++)
            s += R[k * n + i] * x[k];
        t[i] = s;
    }
    for (int i = 0; i < n; i++)
        y[i] = t[i];
}

/* Y_k = R·X_k for m points stored as rows of X (m×n row-major). Y may be X. */
SO8T_HD void so8_mat_apply_points(int n, const double *R, const double *X, uint64_t m,
                                  double *Y)
{
    for (uint64_t p = 0; p < m; p++)
        so8_mat_apply(n, R, X + p * (uint64_t)n, Y + p * (uint64_t)n);
}

/* max_ij |(RᵀR − I)_ij|. */
SO8T_HD double so8_mat_orth_error(int n, const double *R)
{
    double e = 0.0;
    for (int i = 0; i < n; i++) {
        for (int j = i; j < n; j++) {
            double s = 0.0;
            for (int k = 0; k < n; k++)
                s += R[k * n + i] * R[k * n + j];
            double d = fabs(s - (i == j ? 1.0 : 0.0));
            if (!(d <= e)) /* NaN propagates */
                e = d;
        }
    }
    return e;
}

/* det A by LU with partial pivoting, the one determinant of so8t (geom/ and mc/ check
 * rotations with it through so8_rotation_check). A (n×n) is not modified; M is the caller's
 * scratch of n*n doubles (no size limit). 0 for a singular A. */
SO8T_HD double so8_mat_det_work(int n, const double *A, double *M)
{
    double det = 1.0;
    for (int i = 0; i < n * n; i++)
        M[i] = A[i];
    for (int c = 0; c < n; c++) {
        int p = c;
        double best = fabs(M[c * n + c]);
        for (int r = c + 1; r < n; r++)
            if (fabs(M[r * n + c]) > best) {
                best = fabs(M[r * n + c]);
                p = r;
            }
        if (best == 0.0)
            return 0.0;
        if (p != c) {
            for (int k = 0; k < n; k++) {
                double t = M[c * n + k];
                M[c * n + k] = M[p * n + k];
                M[p * n + k] = t;
            }
            det = -det;
        }
        double piv = M[c * n + c];
        det *= piv;
        for (int r = c + 1; r < n; r++) {
            double f = M[r * n + c] / piv;
            for (int k = c + 1; k < n; k++)
                M[r * n + k] -= f * M[c * n + k];
        }
    }
    return det;
}

/* det A for n ≤ SO8_MAX_N (scratch on the stack). */
SO8T_HD double so8_mat_det(int n, const double *A)
{
    double M[SO8_MAX_NN];
    return so8_mat_det_work(n, A, M);
}

/* ------------------------------------------------------------ symmetric eigenproblem */

/* Cyclic Jacobi: S (n×n symmetric, destroyed) → eigenvalues w[0..n) (unsorted); when V is
 * not NULL, V's column k (V[i*n + k]) is the unit eigenvector of w[k]. Returns the number of
 * sweeps used (≤ 60). */
SO8T_HD int so8_sym_eig(int n, double *S, double *w, double *V)
{
    if (V)
        so8_mat_identity(n, V);
    int sweep;
    for (sweep = 0; sweep < 60; sweep++) {
        double off = 0.0, diag = 0.0;
        for (int p = 0; p < n; p++) {
            diag += S[p * n + p] * S[p * n + p];
            for (int q = p + 1; q < n; q++)
                off += S[p * n + q] * S[p * n + q];
        }
        if (!(off > 1e-36 * diag) || off == 0.0) /* also stops on NaN */
            break;
        for (int p = 0; p < n - 1; p++) {
            for (int q = p + 1; q < n; q++) {
                double apq = S[p * n + q];
                if (apq == 0.0)
                    continue;
                double app = S[p * n + p], aqq = S[q * n + q];
                double theta = (aqq - app) / (2.0 * apq);
                double t;
                if (fabs(theta) > 1e150)
                    t = 0.5 / theta;
                else
                    t = (theta >= 0 ? 1.0 : -1.0) / (fabs(theta) + sqrt(theta * theta + 1.0));
                double c = 1.0 / sqrt(t * t + 1.0);
                double s = t * c;
                /* S ← Jᵀ S J on rows/columns p, q */
                for (int k = 0; k < n; k++) {
                    double skp = S[k * n + p], skq = S[k * n + q];
                    S[k * n + p] = c * skp - s * skq;
                    S[k * n + q] = s * skp + c * skq;
                }
                for (int k = 0; k < n; k++) {
                    double spk = S[p * n + k], sqk = S[q * n + k];
                    S[p * n + k] = c * spk - s * sqk;
                    S[q * n + k] = s * spk + c * sqk;
                }
                S[p * n + q] = 0.0;
                S[q * n + p] = 0.0;
                if (V) {
                    for (int k = 0; k < n; k++) {
                        double vkp = V[k * n + p], vkq = V[k * n + q];
                        V[k * n + p] = c * vkp - s * vkq;
                        V[k * n + q] = s * vkp + c * vkq;
                    }
                }
            }
        }
    }
    for (int i = 0; i < n; i++)
        w[i] = S[i * n + i];
    return sweep;
}

/* Householder reduction of a symmetric S (n×n, destroyed) to tridiagonal form: diagonal
 * w[0..n), off-diagonal e[i] between i and i+1 (e[n−1] = 0). The transformation fixes e₁,
 * so the leading unreduced block spans the Krylov space of e₁ (used by
 * so8_rotation_angles). */
SO8T_HD void so8_sym_tridiag(int n, double *S, double *w, double *e)
{
    double v[SO8_MAX_N], p[SO8_MAX_N];
    /* tridiagonalise: column k below the diagonal is reflected onto its first entry */
    for (int k = 0; k + 2 < n; k++) {
        int len = n - k - 1;
        double nrm2 = 0.0;
        for (int i = 0; i < len; i++) {
            v[i] = S[(k + 1 + i) * n + k];
            nrm2 += v[i] * v[i];
        }
        double nrm = sqrt(nrm2);
        double alpha = v[0] >= 0.0 ? -nrm : nrm;
        w[k] = S[k * n + k];
        e[k] = alpha;
        if (nrm == 0.0)
            continue;
        v[0] -= alpha; /* v = x − αe₁, ‖v‖² = 2‖x‖(‖x‖ + |x₁|) */
        double vv = 2.0 * nrm * (nrm + fabs(v[0] + alpha));
        double beta = 2.0 / vv;
        /* p = β·A v, then q = p − (β/2)(vᵀp) v, A ← A − v qᵀ − q vᵀ on the trailing block */
        double vp = 0.0;
        for (int i = 0; i < len; i++) {
            double s = 0.0;
            for (int j = 0; j < len; j++)
                s += S[(k + 1 + i) * n + (k + 1 + j)] * v[j];
            p[i] = beta * s;
            vp += v[i] * p[i];
        }
        double h = 0.5 * beta * vp;
        for (int i = 0; i < len; i++)
            p[i] -= h * v[i];
        for (int i = 0; i < len; i++)
            for (int j = 0; j < len; j++)
                S[(k + 1 + i) * n + (k + 1 + j)] -= v[i] * p[j] + p[i] * v[j];
    }
    if (n >= 2) {
        w[n - 2] = S[(n - 2) * n + (n - 2)];
        e[n - 2] = S[(n - 1) * n + (n - 2)];
    }
    if (n >= 1) {
        w[n - 1] = S[(n - 1) * n + (n - 1)];
        e[n - 1] = 0.0;
    }
}

/* Eigenvalues of the symmetric tridiagonal (w, e) of order n by the implicit QL iteration
 * with Wilkinson-type shifts (Golub & Van Loan §8.3); w receives them (unsorted), e is
 * destroyed. Returns 0, or −1 when it did not converge. */
SO8T_HD int so8_tridiag_eigvals(int n, double *w, double *e)
{
    /* implicit QL on (diagonal w, off-diagonal e[i] between i and i+1) */
    for (int l = 0; l < n; l++) {
        int iter = 0;
        for (;;) {
            int m = l;
            while (m < n - 1) {
                double dd = fabs(w[m]) + fabs(w[m + 1]);
                if (fabs(e[m]) <= 2.220446049250313e-16 * dd)
                    break;
                m++;
            }
            if (m == l)
                break;
            if (++iter > 60)
                return -1;
            /* shift: the eigenvalue of the leading 2×2 block closer to w[l] */
            double g = (w[l + 1] - w[l]) / (2.0 * e[l]);
            double r = sqrt(g * g + 1.0);
            g = w[m] - w[l] + e[l] / (g + (g >= 0.0 ? r : -r));
            double s = 1.0, c = 1.0, shift = 0.0;
            int i;
            int deflated = 0;
            for (i = m - 1; i >= l; i--) {
                double f = s * e[i], b = c * e[i];
                r = sqrt(f * f + g * g);
                e[i + 1] = r;
                if (r == 0.0) { /* underflow: split here and start over */
                    w[i + 1] -= shift;
                    e[m] = 0.0;
                    deflated = 1;
                    break;
                }
                s = f / r;
                c = g / r;
                g = w[i + 1] - shift;
                r = (w[i] - g) * s + 2.0 * c * b;
                shift = s * r;
                w[i + 1] = g + shift;
                g = c * r - b;
            }
            if (deflated)
                continue;
            w[l] -= shift;
            e[l] = g;
            e[m] = 0.0;
        }
    }
    return 0;
}

/* Eigenvalues only, ~10× cheaper than Jacobi: tridiagonalise, then QL. S (n×n symmetric)
 * is destroyed; w[0..n) receives the eigenvalues (unsorted). Returns 0, or −1 when the
 * iteration did not converge (w then holds the current diagonal). */
SO8T_HD int so8_sym_eigvals(int n, double *S, double *w)
{
    double e[SO8_MAX_N];
    so8_sym_tridiag(n, S, w, e);
    return so8_tridiag_eigvals(n, w, e);
}

/* ---------------------------------------------------------------------- exp and log */

/* R = exp(A) for any n×n A (a rotation when A is skew-symmetric). R must not alias A. */
SO8T_HD void so8_mat_exp(int n, const double *A, double *R)
{
    double X[SO8_MAX_NN], T[SO8_MAX_NN], U[SO8_MAX_NN];
    double norm = 0.0;
    for (int j = 0; j < n; j++) {
        double c = 0.0;
        for (int i = 0; i < n; i++)
            c += fabs(A[i * n + j]);
        if (!(c <= norm))
            norm = c;
    }
    int s = 0;
    double scale = 1.0;
    while (norm > 0.5 && s < 1100) {
        norm *= 0.5;
        scale *= 0.5;
        s++;
    }
    for (int i = 0; i < n * n; i++)
        X[i] = A[i] * scale;
    /* Horner: exp(X) ≈ I + X(I + X/2(I + X/3(… (I + X/16)))) */
    so8_mat_identity(n, U);
    for (int k = 16; k >= 1; k--) {
        so8_mat_mul(n, X, U, T);
        for (int i = 0; i < n * n; i++)
            U[i] = T[i] / (double)k;
        for (int i = 0; i < n; i++)
            U[i * n + i] += 1.0;
    }
    for (int q = 0; q < s; q++) {
        so8_mat_mul(n, U, U, T);
        so8_mat_copy(n, T, U);
    }
    so8_mat_copy(n, U, R);
}

/* θ / sin θ for c = cos θ, θ ∈ [0, π); f(1) = 1. */
SO8T_HD double so8_theta_over_sin(double c)
{
    if (c >= 1.0)
        return 1.0;
    if (c < -1.0)
        c = -1.0;
    double s = sqrt((1.0 - c) * (1.0 + c));
    if (s == 0.0)
        return 1.0; /* only reached for c = −1, where callers never ask */
    return atan2(s, c) / s;
}

/* L = log(N) for a rotation N (m×m) whose angles are all ≤ about π/2 (so f(S) is tame). */
SO8T_HD void so8_mat_log_small(int m, const double *N, double *L)
{
    double S[SO8_MAX_NN], V[SO8_MAX_NN], F[SO8_MAX_NN], K[SO8_MAX_NN];
    double w[SO8_MAX_N];
    for (int i = 0; i < m; i++)
        for (int j = 0; j < m; j++) {
            S[i * m + j] = 0.5 * (N[i * m + j] + N[j * m + i]);
            K[i * m + j] = 0.5 * (N[i * m + j] - N[j * m + i]);
        }
    so8_sym_eig(m, S, w, V);
    for (int k = 0; k < m; k++)
        w[k] = so8_theta_over_sin(w[k]);
    for (int i = 0; i < m; i++)
        for (int j = 0; j < m; j++) {
            double s = 0.0;
            for (int k = 0; k < m; k++)
                s += V[i * m + k] * w[k] * V[j * m + k];
            F[i * m + j] = s;
        }
    so8_mat_mul(m, F, K, S);
    for (int i = 0; i < m; i++)
        for (int j = 0; j < m; j++)
            L[i * m + j] = 0.5 * (S[i * m + j] - S[j * m + i]);
}

/* A = log(R), principal branch (skew-symmetric, every rotation angle in [0, π]).
 * R must be a rotation (orthogonal, det +1) to rounding; the result is then unique except
 * when an angle is exactly π (any valid log is returned). Returns 0, or -1 when R has a
 * non-finite entry (A is then filled with NaN). A must not alias R. */
SO8T_HD int so8_mat_log(int n, const double *R, double *A)
{
    double S[SO8_MAX_NN], K[SO8_MAX_NN], V[SO8_MAX_NN], F[SO8_MAX_NN];
    double c[SO8_MAX_N], g[SO8_MAX_N];
    int idx[SO8_MAX_N];
    for (int i = 0; i < n * n; i++) {
        if (!isfinite(R[i])) {
            for (int k = 0; k < n * n; k++)
                A[k] = NAN;
            return -1;
        }
    }
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            S[i * n + j] = 0.5 * (R[i * n + j] + R[j * n + i]);
            K[i * n + j] = 0.5 * (R[i * n + j] - R[j * n + i]);
        }
    so8_sym_eig(n, S, c, V);
    /* indices sorted by cos θ ascending (insertion sort; n ≤ 16) */
    for (int i = 0; i < n; i++) {
        int k = i;
        idx[i] = i;
        while (k > 0 && c[idx[k - 1]] > c[i]) {
            idx[k] = idx[k - 1];
            k--;
        }
        idx[k] = i;
    }
    /* W: the directions near θ = π, split off at the widest gap among cos θ ≤ 0 so that a
     * rotation plane (two equal cosines) is never cut in two. */
    int w = 0;
    if (n > 0 && c[idx[0]] < -0.9) {
        double best = -1.0;
        for (int k = 1; k <= n; k++) {
            double lo = c[idx[k - 1]];
            if (lo > 0.0)
                break;
            double gap = k < n ? c[idx[k]] - lo : 1e300;
            if (gap > best) {
                best = gap;
                w = k;
            }
        }
    }
    for (int k = 0; k < n; k++)
        g[k] = so8_theta_over_sin(c[k]);
    for (int k = 0; k < w; k++)
        g[idx[k]] = 0.0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            double s = 0.0;
            for (int k = 0; k < n; k++)
                s += V[i * n + k] * g[k] * V[j * n + k];
            F[i * n + j] = s;
        }
    so8_mat_mul(n, F, K, A);
    if (w > 0) {
        /* U = the W columns of V (n×w); N = −Uᵀ R U is a rotation with small angles. */
        double U[SO8_MAX_NN], N[SO8_MAX_NN], L[SO8_MAX_NN], P[SO8_MAX_NN], Y[SO8_MAX_NN];
        double J[SO8_MAX_NN], phi2[SO8_MAX_N], h[SO8_MAX_N];
        int ord[SO8_MAX_N];
        for (int i = 0; i < n; i++)
            for (int k = 0; k < w; k++)
                U[i * w + k] = V[i * n + idx[k]];
        for (int a = 0; a < w; a++)
            for (int b = 0; b < w; b++) {
                double s = 0.0;
                for (int i = 0; i < n; i++) {
                    double ri = 0.0;
                    for (int j = 0; j < n; j++)
                        ri += R[i * n + j] * U[j * w + b];
                    s += U[i * w + a] * ri;
                }
                N[a * w + b] = -s;
            }
        so8_mat_log_small(w, N, L);
        /* |L|² = LᵀL = Y diag(φ²) Yᵀ; J = L·Y diag(1/φ) Yᵀ on φ > tol */
        for (int a = 0; a < w; a++)
            for (int b = 0; b < w; b++) {
                double s = 0.0;
                for (int k = 0; k < w; k++)
                    s += L[k * w + a] * L[k * w + b];
                P[a * w + b] = s;
            }
        so8_sym_eig(w, P, phi2, Y);
        for (int i = 0; i < w; i++) {
            int k = i;
            ord[i] = i;
            while (k > 0 && phi2[ord[k - 1]] > phi2[i]) {
                ord[k] = ord[k - 1];
                k--;
            }
            ord[k] = i;
        }
        const double tol2 = 1e-14; /* φ ≤ 1e-7: treated as an exact angle π */
        int nnull = 0;
        while (nnull < w && phi2[ord[nnull]] <= tol2)
            nnull++;
        if (nnull % 2 == 1 && nnull < w)
            nnull++; /* planes come in pairs; a split pair joins the null space */
        for (int k = 0; k < w; k++)
            h[k] = 0.0;
        for (int q = nnull; q < w; q++)
            h[ord[q]] = 1.0 / sqrt(phi2[ord[q]]);
        for (int a = 0; a < w; a++)
            for (int b = 0; b < w; b++) {
                double s = 0.0;
                for (int k = 0; k < w; k++)
                    s += Y[a * w + k] * h[k] * Y[b * w + k];
                P[a * w + b] = s;
            }
        so8_mat_mul(w, L, P, J);
        for (int q = 0; q + 1 < nnull; q += 2) {
            int ka = ord[q], kb = ord[q + 1];
            for (int a = 0; a < w; a++)
                for (int b = 0; b < w; b++)
                    J[a * w + b] += Y[a * w + kb] * Y[b * w + ka] - Y[a * w + ka] * Y[b * w + kb];
        }
        /* log of the W block: L − π J; A += U (L − πJ) Uᵀ */
        for (int i = 0; i < w * w; i++)
            L[i] -= 3.14159265358979323846 * J[i];
        for (int i = 0; i < n; i++)
            for (int b = 0; b < w; b++) {
                double s = 0.0;
                for (int a = 0; a < w; a++)
                    s += U[i * w + a] * L[a * w + b];
                P[i * w + b] = s; /* P reused as n×w */
            }
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) {
                double s = 0.0;
                for (int b = 0; b < w; b++)
                    s += P[i * w + b] * U[j * w + b];
                A[i * n + j] += s;
            }
    }
    for (int i = 0; i < n; i++) {
        A[i * n + i] = 0.0;
        for (int j = i + 1; j < n; j++) {
            double a = 0.5 * (A[i * n + j] - A[j * n + i]);
            A[i * n + j] = a;
            A[j * n + i] = -a;
        }
    }
    return 0;
}

/* Geodesic distance sqrt(Σ θ_k²) between rotations A and B (‖log(AᵀB)‖_F / √2). */
SO8T_HD double so8_mat_distance(int n, const double *A, const double *B)
{
    double M[SO8_MAX_NN] = {0.0}, L[SO8_MAX_NN]; /* (= {0}: quiets a false -Wmaybe-uninitialized) */
    if (n < 1 || n > SO8_MAX_N)
        return NAN;
    so8_mat_mul_tn(n, A, B, M);
    if (so8_mat_log(n, M, L) != 0)
        return NAN;
    double s = 0.0;
    for (int i = 0; i < n * n; i++)
        s += L[i] * L[i];
    return sqrt(0.5 * s);
}

/* ------------------------------------------------------------------------- float */
/* The Haar kernels can store float matrices; the library converts them, and does its
 * matrix math in double only (float copies of the functions above, which only tests
 * used, live in tests/support/matf.h). */

SO8T_HD void so8_matf_to_double(int n, const float *A, double *D)
{
    for (int i = 0; i < n * n; i++)
        D[i] = (double)A[i];
}

SO8T_HD void so8_mat_to_float(int n, const double *D, float *A)
{
    for (int i = 0; i < n * n; i++)
        A[i] = (float)D[i];
}

#endif /* SO8T_SO8_MAT_H */
