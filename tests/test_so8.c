/* test_so8.c — SO(n) matrix math, exp/log maps, the Haar sampler's stream contract, and
 * batch determinism across thread counts. (Haar statistics: tests/test_so8_stats.c.) */
#include "so8/so8.h"
#include "tests/support/matf.h"
#include "tests/test.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define PI 3.14159265358979323846

static double max_abs_diff(int n, const double *A, const double *B)
{
    double d = 0.0;
    for (int i = 0; i < n * n; i++)
        if (!(fabs(A[i] - B[i]) <= d))
            d = fabs(A[i] - B[i]);
    return d;
}

/* A skew matrix Q·blockdiag(θ_k J)·Qᵀ with the given angles and a Haar Q. */
static void skew_with_angles(int n, const double *theta, uint64_t seed, double *A)
{
    double Q[SO8_MAX_NN], B[SO8_MAX_NN], T[SO8_MAX_NN];
    so8_haar_double(n, seed, 99, Q);
    memset(B, 0, sizeof B);
    for (int k = 0; 2 * k + 1 < n; k++) {
        B[(2 * k + 1) * n + 2 * k] = theta[k];
        B[(2 * k) * n + 2 * k + 1] = -theta[k];
    }
    so8_mat_mul(n, Q, B, T);
    double Qt[SO8_MAX_NN];
    so8_mat_transpose(n, Q, Qt);
    so8_mat_mul(n, T, Qt, A);
}

/* Rotation by angle th in the coordinate plane (p, q), built from cos/sin directly. */
static void plane_rotation(int n, int p, int q, double th, double *R)
{
    so8_mat_identity(n, R);
    R[p * n + p] = cos(th);
    R[q * n + q] = cos(th);
    R[q * n + p] = sin(th);
    R[p * n + q] = -sin(th);
}

/* A plain re-implementation of the documented sampler (haar.h): normals drawn one pair at a
 * time, column-wise dot products. so8_haar_from_state must give the same bits (that is
 * what makes CPU and GPU results identical) and leave the state where this leaves it. */
static void ref_haar(int n, mc_philox_state *st, double *R)
{
    double x[SO8_MAX_N], wv[SO8_MAX_N], spare = 0.0;
    int have = 0, det_sign = 1;
    so8_mat_identity(n, R);
    for (int k = 2; k <= n; k++) {
        for (int i = 0; i < k; i++) {
            if (have) {
                x[i] = spare;
                have = 0;
            } else {
                double g[2];
                mc_normal2_exact(st, g);
                x[i] = g[0];
                spare = g[1];
                have = 1;
            }
        }
        double nrm2 = 0.0;
        for (int i = 0; i < k; i++)
            nrm2 += x[i] * x[i];
        if (!(nrm2 > 0.0))
            continue;
        double nrm = sqrt(nrm2), sgn = x[0] >= 0.0 ? 1.0 : -1.0, ax0 = fabs(x[0]);
        x[0] = x[0] + sgn * nrm;
        double beta = 1.0 / (nrm * (nrm + ax0));
        int o = n - k;
        R[o * n + o] = -sgn;
        for (int j = 0; j < k; j++) {
            double s = 0.0;
            for (int i = 0; i < k; i++)
                s += x[i] * R[(o + i) * n + (o + j)];
            wv[j] = beta * s;
        }
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++)
                R[(o + i) * n + (o + j)] -= x[i] * wv[j];
        if (sgn < 0)
            det_sign = -det_sign;
    }
    if (det_sign < 0)
        for (int i = 0; i < n; i++)
            R[i * n + (n - 1)] = -R[i * n + (n - 1)];
}

static void test_reference_bits(void)
{
    int same = 1, state_same = 1;
    for (int n = 1; n <= SO8_MAX_N; n++) {
        for (uint64_t index = 0; index < 200; index += 7) {
            double R[SO8_MAX_NN], Q[SO8_MAX_NN], work[SO8_HAAR_WORK(SO8_MAX_N)];
            mc_philox_state a, b;
            mc_philox_init(0xabcdef, index, 0, &a);
            b = a;
            so8_haar_from_state(n, &a, R, work);
            ref_haar(n, &b, Q);
            same &= memcmp(R, Q, (size_t)n * n * sizeof *R) == 0;
            /* the next draws agree too: the state was advanced identically */
            state_same &= mc_philox_next(&a) == mc_philox_next(&b);
            /* and from a misaligned state (the scalar path) */
            mc_philox_init(0xabcdef, index, 1 + index % 3, &a);
            b = a;
            so8_haar_from_state(n, &a, R, work);
            ref_haar(n, &b, Q);
            same &= memcmp(R, Q, (size_t)n * n * sizeof *R) == 0;
            state_same &= mc_philox_next(&a) == mc_philox_next(&b);
        }
    }
    CHECK(same);
    CHECK(state_same);
    /* the library's batch path (AVX2 on x86-64 when available, else portable) */
    int lib_same = 1;
    for (int n = 1; n <= SO8_MAX_N; n++)
        for (uint64_t index = 0; index < 300; index += 11) {
            double R[SO8_MAX_NN], Q[SO8_MAX_NN];
            uint64_t seed = 0x9e3779b97f4a7c15ull * (uint64_t)n;
            mc_philox_state c;
            so8_haar_double(n, seed, index << 33, R);
            mc_philox_init(seed, index << 33, 0, &c);
            ref_haar(n, &c, Q);
            lib_same &= memcmp(R, Q, (size_t)n * n * sizeof *R) == 0;
        }
    CHECK(lib_same);
    double R[SO8_MAX_NN];
    so8_haar_double(8, 3, 4, R);
    mc_philox_state c;
    double Q[SO8_MAX_NN];
    mc_philox_init(3, 4, 0, &c);
    ref_haar(8, &c, Q);
    CHECK(memcmp(R, Q, sizeof(double) * 64) == 0);
}

/* Box–Muller straight from its definition: u, v from the hq words by an int64 conversion,
 * then mc_exact_log and mc_exact_sincospi (with branches) — the reference for the one
 * branch-free Box–Muller mc_normal2_from_bits that the CPU, the GPU and the Haar sampler use. */
static void ref_normal2(uint32_t x0, uint32_t x1, uint32_t y0, uint32_t y1, double out[2])
{
    uint64_t zx = (uint64_t)x0 ^ ((uint64_t)x1 << (53 - 32));
    double u = (double)zx * MC_2POW53_INV_DOUBLE + (MC_2POW53_INV_DOUBLE / 2.0);
    uint64_t zy = (uint64_t)y0 ^ ((uint64_t)y1 << (53 - 32));
    double v = (double)zy * (MC_2POW53_INV_DOUBLE * 2.0) + MC_2POW53_INV_DOUBLE;
    double s = sqrt(-2.0 * mc_exact_log(u));
    double sn, cs;
    mc_exact_sincospi(v, &sn, &cs);
    out[0] = sn * s;
    out[1] = cs * s;
}

/* mc_normal2_from_bits (branch-free) must equal the definition bit for bit. */
static void test_normal_bits(void)
{
    int same = 1;
    mc_philox_state st;
    mc_philox_init(2718, 0, 0, &st);
    for (int i = 0; i < 1000000; i++) {
        uint32_t r[4];
        double a[2], b[2];
        mc_philox_next4(&st, r);
        mc_normal2_from_bits(r[0], r[1], r[2], r[3], a);
        ref_normal2(r[0], r[1], r[2], r[3], b);
        same &= memcmp(a, b, sizeof a) == 0;
    }
    /* edges: extreme u, and v = k/4 ± a few ulps (quadrant and rounding boundaries) */
    const uint32_t xs[5] = {0, 1, 0x80000000u, 0xfffffffeu, 0xffffffffu};
    for (int xi = 0; xi < 5; xi++)
        for (int yi = 0; yi < 5; yi++)
            for (uint64_t k = 0; k <= 8; k++)
                for (int d = -3; d <= 3; d++) {
                    int64_t zy = (int64_t)(k << 50) + d; /* v = zy·2^-52 + 2^-53 */
                    if (zy < 0 || zy >= (int64_t)1 << 53)
                        continue;
                    uint32_t y1 = (uint32_t)((uint64_t)zy >> 21);
                    uint32_t y0 = (uint32_t)((uint64_t)zy & 0x1fffffu);
                    double a[2], b[2];
                    mc_normal2_from_bits(xs[xi], xs[yi], y0, y1, a);
                    ref_normal2(xs[xi], xs[yi], y0, y1, b);
                    same &= memcmp(a, b, sizeof a) == 0;
                }
    CHECK(same);
}

static void test_arguments(void)
{
    double R[SO8_MAX_NN];
    CHECK(so8_haar_double(0, 1, 0, R) == SO8_ERR_INVAL);
    CHECK(so8_haar_double(17, 1, 0, R) == SO8_ERR_INVAL);
    CHECK(so8_haar_double(8, 1, 0, NULL) == SO8_ERR_INVAL);
    CHECK(so8_haar_batch_cpu(8, 1, 0, 10, SO8_DOUBLE, NULL, 1) == SO8_ERR_INVAL);
    CHECK(so8_haar_batch_cpu(8, 1, 0, 10, (so8_precision)7, R, 1) == SO8_ERR_INVAL);
    CHECK(so8_haar_batch_cpu(8, 1, 0, 10, SO8_DOUBLE, R, -1) == SO8_ERR_INVAL);
    CHECK(so8_haar_batch_cpu(8, 1, 0, UINT64_MAX / 2, SO8_DOUBLE, R, 1) == SO8_ERR_INVAL);
    CHECK(so8_haar_batch_cpu(8, 1, 0, 0, SO8_DOUBLE, NULL, 1) == SO8_OK);
    CHECK(so8_sample_double((so8_sampler)9, 8, 1, 0, R) == SO8_ERR_INVAL);
    CHECK(so8_haar_double(1, 5, 5, R) == SO8_OK && R[0] == 1.0);
    CHECK(strcmp(so8_strerror(SO8_ERR_NODEVICE), so8_strerror(SO8_OK)) != 0);
    CHECK(so8_precision_size(SO8_FLOAT) == 4 && so8_precision_size(SO8_DOUBLE) == 8);
    char err[128] = "";
    int rc = so8_haar_batch_cuda(8, 1, 0, 1, SO8_DOUBLE, R, err, sizeof err);
    if (!so8_cuda_compiled())
        CHECK(rc == SO8_ERR_NODEVICE && err[0] != '\0');
    else if (so8_cuda_device_count() == 0)
        CHECK(rc == SO8_ERR_NODEVICE);
}

/* The stream contract, checked from outside the sampler: the first column of R is
 * G_n e₁ = x^(n)/‖x^(n)‖, where x^(n) are normals number Σ_{k<n} k − 1 … of
 * mc_normal2_exact on subsequence `index` (G_2…G_{n−1} fix e₁; the det fix touches only the
 * last column). */
static void test_stream_contract(void)
{
    for (int n = 2; n <= SO8_MAX_N; n++) {
        for (uint64_t index = 0; index < 40; index += 13) {
            double R[SO8_MAX_NN], z[160];
            uint64_t seed = 0x5eed0000u + (uint64_t)n;
            CHECK(so8_haar_double(n, seed, index, R) == SO8_OK);
            mc_philox_state st;
            mc_philox_init(seed, index, 0, &st);
            int total = n * (n + 1) / 2 - 1;
            for (int i = 0; i < total; i += 2)
                mc_normal2_exact(&st, z + i);
            const double *x = z + (total - n);
            double nrm = 0.0;
            for (int i = 0; i < n; i++)
                nrm += x[i] * x[i];
            nrm = sqrt(nrm);
            double d = 0.0;
            for (int i = 0; i < n; i++)
                d = fmax(d, fabs(R[i * n] - x[i] / nrm));
            CHECK_MSG(d < 1e-14, "n=%d index=%llu first column off by %g", n,
                      (unsigned long long)index, d);
        }
    }
}

static void test_sampler_rotations(void)
{
    double R[SO8_MAX_NN];
    for (int n = 1; n <= SO8_MAX_N; n++) {
        double worst_orth = 0.0, worst_det = 0.0;
        for (uint64_t i = 0; i < 300; i++) {
            so8_haar_double(n, 42, i, R);
            worst_orth = fmax(worst_orth, so8_mat_orth_error(n, R));
            worst_det = fmax(worst_det, fabs(so8_mat_det(n, R) - 1.0));
        }
        CHECK_MSG(worst_orth < 1e-14, "n=%d orth %g", n, worst_orth);
        CHECK_MSG(worst_det < 1e-13, "n=%d det %g", n, worst_det);
    }
    /* different indices and seeds give different rotations */
    double A[SO8_MAX_NN], B[SO8_MAX_NN];
    so8_haar_double(8, 1, 0, A);
    so8_haar_double(8, 1, 1, B);
    CHECK(max_abs_diff(8, A, B) > 0.1);
    so8_haar_double(8, 2, 0, B);
    CHECK(max_abs_diff(8, A, B) > 0.1);
}

static void test_batch_determinism(void)
{
    const int n = 8;
    const uint64_t count = 3001, first = 1000;
    const size_t nn = (size_t)n * n;
    double *d1 = malloc(count * nn * sizeof *d1), *d2 = malloc(count * nn * sizeof *d2);
    double *d4 = malloc(count * nn * sizeof *d4);
    float *f1 = malloc(count * nn * sizeof *f1), *f4 = malloc(count * nn * sizeof *f4);
    CHECK(d1 && d2 && d4 && f1 && f4);
    if (!(d1 && d2 && d4 && f1 && f4))
        goto out;
    CHECK(so8_haar_batch_cpu(n, 77, first, count, SO8_DOUBLE, d1, 1) == SO8_OK);
    CHECK(so8_haar_batch_cpu(n, 77, first, count, SO8_DOUBLE, d2, 2) == SO8_OK);
    CHECK(so8_haar_batch_cpu(n, 77, first, count, SO8_DOUBLE, d4, 4) == SO8_OK);
    CHECK(memcmp(d1, d2, count * nn * sizeof *d1) == 0);
    CHECK(memcmp(d1, d4, count * nn * sizeof *d1) == 0);
    CHECK(so8_haar_batch_cpu(n, 77, first, count, SO8_FLOAT, f1, 1) == SO8_OK);
    CHECK(so8_haar_batch_cpu(n, 77, first, count, SO8_FLOAT, f4, 4) == SO8_OK);
    CHECK(memcmp(f1, f4, count * nn * sizeof *f1) == 0);
    int float_ok = 1, single_ok = 1;
    for (size_t i = 0; i < count * nn; i++)
        float_ok &= f1[i] == (float)d1[i];
    for (uint64_t i = 0; i < count; i += 250) {
        double R[SO8_MAX_NN];
        so8_haar_double(n, 77, first + i, R);
        single_ok &= memcmp(R, d1 + i * nn, nn * sizeof *R) == 0;
    }
    CHECK(float_ok);
    CHECK(single_ok);
    /* a batch that starts later holds the same rotations */
    CHECK(so8_haar_batch_cpu(n, 77, first + 500, 100, SO8_DOUBLE, d2, 2) == SO8_OK);
    CHECK(memcmp(d2, d1 + 500 * nn, 100 * nn * sizeof *d1) == 0);
out:
    free(d1);
    free(d2);
    free(d4);
    free(f1);
    free(f4);
}

static void test_basic_ops(void)
{
    /* 3×3 by hand */
    const double A[9] = {1, 2, 3, 4, 5, 6, 7, 8, 10};
    const double B[9] = {0, 1, 0, -1, 0, 0, 0, 0, 1};
    const double AB[9] = {-2, 1, 3, -5, 4, 6, -8, 7, 10};
    double C[9], T[9], y[3];
    so8_mat_mul(3, A, B, C);
    CHECK(max_abs_diff(3, C, AB) == 0.0);
    so8_mat_transpose(3, A, T);
    CHECK(T[1] == 4 && T[3] == 2 && T[8] == 10);
    memcpy(T, A, sizeof T);
    so8_mat_transpose(3, T, T);
    CHECK(T[2] == 7 && T[6] == 3);
    CHECK_NEAR(so8_mat_det(3, A), -3.0, 1e-12);
    CHECK_NEAR(so8_mat_det(3, B), 1.0, 0.0);
    const double sing[9] = {1, 2, 3, 2, 4, 6, 0, 1, 1};
    CHECK_NEAR(so8_mat_det(3, sing), 0.0, 1e-12);
    const double x[3] = {1, -1, 2};
    so8_mat_apply(3, A, x, y);
    CHECK(y[0] == 5 && y[1] == 11 && y[2] == 19);
    so8_mat_apply_transpose(3, A, x, y);
    CHECK(y[0] == 11 && y[1] == 13 && y[2] == 17);
    /* a transposition of coordinates has det −1 */
    double P[SO8_MAX_NN];
    so8_mat_identity(8, P);
    P[0] = P[9] = 0;
    P[1] = P[8] = 1;
    CHECK_NEAR(so8_mat_det(8, P), -1.0, 0.0);

    /* rotation inverse = transpose; points; float versions */
    double R[SO8_MAX_NN], Rt[SO8_MAX_NN], I8[SO8_MAX_NN], M[SO8_MAX_NN];
    so8_haar_double(8, 5, 5, R);
    so8_mat_transpose(8, R, Rt);
    so8_mat_mul(8, R, Rt, M);
    so8_mat_identity(8, I8);
    CHECK(max_abs_diff(8, M, I8) < 1e-14);
    double pts[5 * 8], out[5 * 8], back[5 * 8];
    for (int i = 0; i < 40; i++)
        pts[i] = (double)((i * 37) % 11) - 5.0;
    so8_mat_apply_points(8, R, pts, 5, out);
    for (int p = 0; p < 5; p++)
        so8_mat_apply_transpose(8, R, out + 8 * p, back + 8 * p);
    double d = 0, norm_diff = 0;
    for (int i = 0; i < 40; i++)
        d = fmax(d, fabs(back[i] - pts[i]));
    for (int p = 0; p < 5; p++) {
        double a = 0, b = 0;
        for (int k = 0; k < 8; k++) {
            a += pts[8 * p + k] * pts[8 * p + k];
            b += out[8 * p + k] * out[8 * p + k];
        }
        norm_diff = fmax(norm_diff, fabs(a - b));
    }
    CHECK(d < 1e-13);
    CHECK(norm_diff < 1e-12);
    memcpy(back, pts, sizeof pts);
    so8_mat_apply_points(8, R, back, 5, back); /* in place */
    CHECK(memcmp(back, out, sizeof out) == 0);

    float Rf[SO8_MAX_NN], Sf[SO8_MAX_NN], Cf[SO8_MAX_NN], xf[8], yf[8], pf[16];
    double S[SO8_MAX_NN], Cd[SO8_MAX_NN];
    so8_haar_double(8, 5, 6, S);
    so8_mat_to_float(8, R, Rf);
    so8_mat_to_float(8, S, Sf);
    so8_matf_mul(8, Rf, Sf, Cf);
    so8_mat_mul(8, R, S, Cd);
    double df = 0;
    for (int i = 0; i < 64; i++)
        df = fmax(df, fabs((double)Cf[i] - Cd[i]));
    CHECK(df < 1e-6);
    CHECK(so8_matf_orth_error(8, Rf) < 1e-6 && so8_matf_orth_error(8, Rf) > 0);
    CHECK_NEAR(so8_matf_det(8, Rf), 1.0, 1e-6);
    for (int k = 0; k < 8; k++)
        xf[k] = (float)k - 3.5f;
    so8_matf_apply(8, Rf, xf, yf);
    so8_matf_apply_transpose(8, Rf, yf, yf);
    double dx = 0;
    for (int k = 0; k < 8; k++)
        dx = fmax(dx, fabs((double)yf[k] - (double)xf[k]));
    CHECK(dx < 1e-5);
    memcpy(pf, xf, sizeof xf);
    memcpy(pf + 8, xf, sizeof xf);
    so8_matf_apply_points(8, Rf, pf, 2, pf);
    so8_matf_apply(8, Rf, xf, yf);
    CHECK(memcmp(pf, yf, sizeof yf) == 0 && memcmp(pf + 8, yf, sizeof yf) == 0);
    so8_matf_transpose(8, Rf, Sf);
    CHECK(Sf[1] == Rf[8] && Sf[8] == Rf[1]);
    float If[SO8_MAX_NN];
    so8_matf_identity(3, If);
    CHECK(If[0] == 1 && If[1] == 0 && If[4] == 1);
}

static void test_sym_eig(void)
{
    /* known spectrum: Q diag(λ) Qᵀ */
    const int n = 12;
    double Q[SO8_MAX_NN], S[SO8_MAX_NN], S2[SO8_MAX_NN], w[SO8_MAX_N], w2[SO8_MAX_N];
    const double lam[12] = {-3, -1, -1, 0, 0.5, 1e-9, 2, 2, 2, 7, 7.5, 100};
    so8_haar_double(n, 8, 8, Q);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            double s = 0;
            for (int k = 0; k < n; k++)
                s += Q[i * n + k] * lam[k] * Q[j * n + k];
            S[i * n + j] = s;
        }
    for (int i = 0; i < n; i++) /* exact symmetry */
        for (int j = 0; j < i; j++)
            S[i * n + j] = S[j * n + i];
    memcpy(S2, S, sizeof S);
    double V[SO8_MAX_NN];
    so8_sym_eig(n, S, w, V);
    CHECK(so8_sym_eigvals(n, S2, w2) == 0);
    int used[12] = {0}, ok = 1, ok2 = 1;
    for (int k = 0; k < n; k++) {
        /* each λ found once in each result */
        int hit = 0, hit2 = 0;
        for (int i = 0; i < n; i++) {
            if (!hit && !(used[i] & 1) && fabs(w[i] - lam[k]) < 1e-12 * 100) {
                used[i] |= 1;
                hit = 1;
            }
            if (!hit2 && !(used[i] & 2) && fabs(w2[i] - lam[k]) < 1e-12 * 100) {
                used[i] |= 2;
                hit2 = 1;
            }
        }
        ok &= hit;
        ok2 &= hit2;
    }
    CHECK(ok);
    CHECK(ok2);
    /* eigenvectors: S v = λ v (S rebuilt) */
    double resid = 0;
    for (int k = 0; k < n; k++)
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (int j = 0; j < n; j++) {
                double sij = 0;
                for (int q = 0; q < n; q++)
                    sij += Q[i * n + q] * lam[q] * Q[j * n + q];
                s += sij * V[j * n + k];
            }
            resid = fmax(resid, fabs(s - w[k] * V[i * n + k]));
        }
    CHECK(resid < 1e-11);
}

static void test_exp_log(void)
{
    double A[SO8_MAX_NN], R[SO8_MAX_NN], L[SO8_MAX_NN], E[SO8_MAX_NN], P[SO8_MAX_NN];
    /* exp of a plane generator is the cos/sin rotation */
    for (int n = 2; n <= SO8_MAX_N; n += 3) {
        double th = 2.5;
        memset(A, 0, sizeof A);
        A[(n - 1) * n + 0] = th;
        A[0 * n + (n - 1)] = -th;
        so8_mat_exp(n, A, R);
        plane_rotation(n, 0, n - 1, th, P);
        CHECK_MSG(max_abs_diff(n, R, P) < 1e-14, "n=%d exp plane %g", n, max_abs_diff(n, R, P));
        so8_mat_log(n, P, L);
        CHECK_MSG(max_abs_diff(n, L, A) < 1e-13, "n=%d log plane %g", n, max_abs_diff(n, L, A));
        CHECK_NEAR(so8_mat_distance(n, R, P), 0.0, 1e-7);
        double I[SO8_MAX_NN];
        so8_mat_identity(n, I);
        CHECK_NEAR(so8_mat_distance(n, I, P), th, 1e-13);
    }
    /* log(exp(A)) = A for random skew A with angles in [0, π − 1e-3]; exp(log R) = R for Haar R */
    uint64_t ctr = 0;
    for (int n = 2; n <= SO8_MAX_N; n++) {
        double worst1 = 0, worst2 = 0, worst3 = 0;
        for (int t = 0; t < 40; t++) {
            double th[SO8_MAX_N / 2];
            mc_philox_state st;
            mc_philox_init(123, ctr++, 0, &st);
            for (int k = 0; k < n / 2; k++)
                th[k] = (PI - 1e-3) * mc_philox_uniform_double(&st);
            if (t == 0)
                for (int k = 0; k < n / 2; k++)
                    th[k] = 1.0; /* repeated angles */
            if (t == 1)
                for (int k = 0; k < n / 2; k++)
                    th[k] = k % 2 ? 1e-9 : PI - 1e-3; /* tiny and near-π angles together */
            skew_with_angles(n, th, 500 + (uint64_t)t, A);
            so8_mat_exp(n, A, R);
            worst3 = fmax(worst3, so8_mat_orth_error(n, R));
            so8_mat_log(n, R, L);
            worst1 = fmax(worst1, max_abs_diff(n, L, A));
            so8_haar_double(n, 321, (uint64_t)t, R);
            so8_mat_log(n, R, L);
            so8_mat_exp(n, L, E);
            worst2 = fmax(worst2, max_abs_diff(n, E, R));
        }
        CHECK_MSG(worst1 < 1e-12, "n=%d log(exp A) - A = %g", n, worst1);
        CHECK_MSG(worst2 < 1e-12, "n=%d exp(log R) - R = %g", n, worst2);
        CHECK_MSG(worst3 < 1e-14, "n=%d exp(A) orthogonality %g", n, worst3);
    }
    /* angle exactly π: −I (n even), a half-turn in a plane, and a half-turn next to another
     * angle: exp(log R) = R and every angle of the log is π */
    for (int n = 2; n <= SO8_MAX_N; n += 2) {
        double Q[SO8_MAX_NN], Qt[SO8_MAX_NN], T[SO8_MAX_NN];
        so8_mat_identity(n, R);
        for (int i = 0; i < n * n; i++)
            R[i] = -R[i];
        CHECK(so8_mat_log(n, R, L) == 0);
        so8_mat_exp(n, L, E);
        CHECK_MSG(max_abs_diff(n, E, R) < 1e-12, "n=%d exp(log(-I)) off %g", n,
                  max_abs_diff(n, E, R));
        double f2 = 0;
        for (int i = 0; i < n * n; i++)
            f2 += L[i] * L[i];
        CHECK_NEAR(sqrt(0.5 * f2), PI * sqrt(n / 2.0), 1e-12);
        /* conjugated half-turn plus a 0.7 rotation */
        so8_haar_double(n, 9, (uint64_t)n, Q);
        so8_mat_transpose(n, Q, Qt);
        plane_rotation(n, 0, 1, PI, P);
        if (n >= 4) {
            double P2[SO8_MAX_NN];
            plane_rotation(n, 2, 3, 0.7, P2);
            so8_mat_mul(n, P, P2, T);
            so8_mat_copy(n, T, P);
        }
        so8_mat_mul(n, Q, P, T);
        so8_mat_mul(n, T, Qt, R);
        so8_mat_log(n, R, L);
        so8_mat_exp(n, L, E);
        CHECK_MSG(max_abs_diff(n, E, R) < 1e-12, "n=%d half-turn exp(log) off %g", n,
                  max_abs_diff(n, E, R));
        double I[SO8_MAX_NN];
        so8_mat_identity(n, I);
        CHECK_NEAR(so8_mat_distance(n, I, R), n >= 4 ? sqrt(PI * PI + 0.49) : PI, 1e-12);
    }
    /* odd n, half-turn */
    plane_rotation(5, 1, 3, PI, R);
    so8_mat_log(5, R, L);
    so8_mat_exp(5, L, E);
    CHECK(max_abs_diff(5, E, R) < 1e-12);
    /* log(I) = 0; non-finite input */
    so8_mat_identity(8, R);
    so8_mat_log(8, R, L);
    double z = 0;
    for (int i = 0; i < 64; i++)
        z = fmax(z, fabs(L[i]));
    CHECK(z == 0.0);
    R[3] = NAN;
    CHECK(so8_mat_log(8, R, L) == -1);
    CHECK(isnan(so8_mat_distance(8, R, R)));
    /* exp(A)·exp(−A) = I */
    double th4[4] = {0.3, 1.1, 2.9, 3.1};
    skew_with_angles(8, th4, 1, A);
    so8_mat_exp(8, A, R);
    for (int i = 0; i < 64; i++)
        A[i] = -A[i];
    so8_mat_exp(8, A, E);
    so8_mat_mul(8, R, E, P);
    so8_mat_identity(8, L);
    CHECK(max_abs_diff(8, P, L) < 1e-14);
    /* float versions */
    float Rf[SO8_MAX_NN], Lf[SO8_MAX_NN], Ef[SO8_MAX_NN];
    so8_mat_to_float(8, R, Rf);
    CHECK(so8_matf_log(8, Rf, Lf) == 0);
    so8_matf_exp(8, Lf, Ef);
    double df = 0;
    for (int i = 0; i < 64; i++)
        df = fmax(df, fabs((double)Ef[i] - (double)Rf[i]));
    CHECK(df < 1e-5);
    CHECK_NEAR(so8_matf_distance(8, Rf, Ef), 0.0, 1e-3);
}

static void test_distance(void)
{
    double A[SO8_MAX_NN], B[SO8_MAX_NN], C[SO8_MAX_NN], Q[SO8_MAX_NN], QA[SO8_MAX_NN],
        QB[SO8_MAX_NN], AQ[SO8_MAX_NN], BQ[SO8_MAX_NN];
    int tri = 1, sym = 1, inv = 1;
    for (uint64_t t = 0; t < 50; t++) {
        so8_haar_double(8, 10, 3 * t, A);
        so8_haar_double(8, 10, 3 * t + 1, B);
        so8_haar_double(8, 10, 3 * t + 2, C);
        so8_haar_double(8, 11, t, Q);
        double ab = so8_mat_distance(8, A, B), ba = so8_mat_distance(8, B, A);
        double bc = so8_mat_distance(8, B, C), ac = so8_mat_distance(8, A, C);
        sym &= fabs(ab - ba) < 1e-12;
        tri &= ac <= ab + bc + 1e-12;
        so8_mat_mul(8, Q, A, QA);
        so8_mat_mul(8, Q, B, QB);
        so8_mat_mul(8, A, Q, AQ);
        so8_mat_mul(8, B, Q, BQ);
        inv &= fabs(so8_mat_distance(8, QA, QB) - ab) < 1e-11;
        inv &= fabs(so8_mat_distance(8, AQ, BQ) - ab) < 1e-11;
        inv &= ab <= PI * 2.0 + 1e-12; /* at most π·sqrt(4) for SO(8) */
    }
    CHECK(sym);
    CHECK(tri);
    CHECK(inv);
}

static void test_rotation_angles(void)
{
    const double th[4] = {0.3, 1.2, 2.0, 3.0};
    double A[SO8_MAX_NN], R[SO8_MAX_NN], got[8];
    skew_with_angles(8, th, 3, A);
    so8_mat_exp(8, A, R);
    CHECK(so8_rotation_angles(8, R, got) == 4);
    for (int k = 0; k < 4; k++)
        CHECK_NEAR(got[k], th[k], 1e-7);
    /* odd n: the fixed axis is dropped */
    skew_with_angles(7, th, 4, A);
    so8_mat_exp(7, A, R);
    CHECK(so8_rotation_angles(7, R, got) == 3);
    for (int k = 0; k < 3; k++)
        CHECK_NEAR(got[k], th[k], 1e-7);
}

/* so8_rotation_angles (Krylov-split QL) against Jacobi on the full S, Haar samples */
static void test_angles_vs_jacobi(void)
{
    for (int n = 2; n <= SO8_MAX_N; n++) {
        double worst = 0;
        for (uint64_t t = 0; t < 150; t++) {
            double R[SO8_MAX_NN], S[SO8_MAX_NN], c[SO8_MAX_N], th[SO8_MAX_N], ref[SO8_MAX_N];
            so8_haar_double(n, 31, t, R);
            int m = so8_rotation_angles(n, R, th);
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                    S[i * n + j] = 0.5 * (R[i * n + j] + R[j * n + i]);
            so8_sym_eig(n, S, c, NULL);
            for (int i = 1; i < n; i++) /* descending */
                for (int k = i; k > 0 && c[k - 1] < c[k]; k--) {
                    double x = c[k];
                    c[k] = c[k - 1];
                    c[k - 1] = x;
                }
            for (int k = 0; k < n / 2; k++)
                ref[k] = acos(fmin(1.0, fmax(-1.0, 0.5 * (c[n % 2 + 2 * k] + c[n % 2 + 2 * k + 1]))));
            if (m != n / 2)
                worst = 1e9;
            for (int k = 0; k < m; k++)
                worst = fmax(worst, fabs(th[k] - ref[k]));
        }
        CHECK_MSG(worst < 1e-6, "SO(%d) angles differ from Jacobi by %g", n, worst);
    }
}

int main(void)
{
    test_angles_vs_jacobi();
    test_arguments();
    test_stream_contract();
    test_reference_bits();
    test_normal_bits();
    test_sampler_rotations();
    test_batch_determinism();
    test_basic_ops();
    test_sym_eig();
    test_exp_log();
    test_distance();
    test_rotation_angles();
    return test_summary();
}
