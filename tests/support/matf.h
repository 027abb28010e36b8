/* matf.h — float forms of so8/mat.h's functions, for the tests only (the library converts
 * float matrices with so8_matf_to_double and works in double). Plain loops in float, or the
 * double function on a converted copy where the result is a measurement. */
#ifndef SO8T_TESTS_MATF_H
#define SO8T_TESTS_MATF_H

#include "so8/mat.h"

SO8T_HD void so8_matf_identity(int n, float *A)
{
    for (int i = 0; i < n * n; i++)
        A[i] = 0.0f;
    for (int i = 0; i < n; i++)
        A[i * n + i] = 1.0f;
}

SO8T_HD void so8_matf_mul(int n, const float *A, const float *B, float *C)
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            float s = 0.0f;
            for (int k = 0; k < n; k++)
                s += A[i * n + k] * B[k * n + j];
            C[i * n + j] = s;
        }
}

SO8T_HD void so8_matf_transpose(int n, const float *A, float *T)
{
    if (T == A) {
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++) {
                float t = T[i * n + j];
                T[i * n + j] = T[j * n + i];
                T[j * n + i] = t;
            }
        return;
    }
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            T[i * n + j] = A[j * n + i];
}

SO8T_HD void so8_matf_apply(int n, const float *R, const float *x, float *y)
{
    float t[SO8_MAX_N];
    for (int i = 0; i < n; i++) {
        float s = 0.0f;
        for (int k = 0; k < n; k++)
            s += R[i * n + k] * x[k];
        t[i] = s;
    }
    for (int i = 0; i < n; i++)
        y[i] = t[i];
}

SO8T_HD void so8_matf_apply_transpose(int n, const float *R, const float *x, float *y)
{
    float t[SO8_MAX_N];
    for (int i = 0; i < n; i++) {
        float s = 0.0f;
        for (int k = 0; k < n; k++)
            s += R[k * n + i] * x[k];
        t[i] = s;
    }
    for (int i = 0; i < n; i++)
        y[i] = t[i];
}

SO8T_HD void so8_matf_apply_points(int n, const float *R, const float *X, uint64_t m, float *Y)
{
    for (uint64_t p = 0; p < m; p++)
        so8_matf_apply(n, R, X + p * (uint64_t)n, Y + p * (uint64_t)n);
}

/* Orthogonality error of a float matrix, accumulated in double (measures the float data). */
SO8T_HD double so8_matf_orth_error(int n, const float *R)
{
    double D[SO8_MAX_NN];
    so8_matf_to_double(n, R, D);
    return so8_mat_orth_error(n, D);
}

SO8T_HD double so8_matf_det(int n, const float *A)
{
    double D[SO8_MAX_NN];
    so8_matf_to_double(n, A, D);
    return so8_mat_det(n, D);
}

SO8T_HD void so8_matf_exp(int n, const float *A, float *R)
{
    double D[SO8_MAX_NN], E[SO8_MAX_NN];
    so8_matf_to_double(n, A, D);
    so8_mat_exp(n, D, E);
    so8_mat_to_float(n, E, R);
}

SO8T_HD int so8_matf_log(int n, const float *R, float *A)
{
    double D[SO8_MAX_NN], L[SO8_MAX_NN];
    so8_matf_to_double(n, R, D);
    int rc = so8_mat_log(n, D, L);
    so8_mat_to_float(n, L, A);
    return rc;
}

SO8T_HD double so8_matf_distance(int n, const float *A, const float *B)
{
    double DA[SO8_MAX_NN], DB[SO8_MAX_NN];
    so8_matf_to_double(n, A, DA);
    so8_matf_to_double(n, B, DB);
    return so8_mat_distance(n, DA, DB);
}

#endif
