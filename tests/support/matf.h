/* matf.h — float forms of so8/mat.h's functions, for the tests only (the library converts
 * float matrices with so8_matf_to_double and works in double). Each one converts to double,
 * calls the double function and rounds the result once: one formula, in so8/mat.h. */
#ifndef SO8T_TESTS_MATF_H
#define SO8T_TESTS_MATF_H

#include "so8/mat.h"

static inline void so8_vecf_to_double(int n, const float *x, double *y)
{
    for (int i = 0; i < n; i++)
        y[i] = (double)x[i];
}

static inline void so8_vec_to_float(int n, const double *x, float *y)
{
    for (int i = 0; i < n; i++)
        y[i] = (float)x[i];
}

static inline void so8_matf_identity(int n, float *A)
{
    double D[SO8_MAX_NN];
    so8_mat_identity(n, D);
    so8_mat_to_float(n, D, A);
}

static inline void so8_matf_mul(int n, const float *A, const float *B, float *C)
{
    double DA[SO8_MAX_NN], DB[SO8_MAX_NN], DC[SO8_MAX_NN];
    so8_matf_to_double(n, A, DA);
    so8_matf_to_double(n, B, DB);
    so8_mat_mul(n, DA, DB, DC);
    so8_mat_to_float(n, DC, C);
}

/* T may be A */
static inline void so8_matf_transpose(int n, const float *A, float *T)
{
    double D[SO8_MAX_NN], E[SO8_MAX_NN];
    so8_matf_to_double(n, A, D);
    so8_mat_transpose(n, D, E);
    so8_mat_to_float(n, E, T);
}

/* y may be x */
static inline void so8_matf_apply(int n, const float *R, const float *x, float *y)
{
    double D[SO8_MAX_NN], dx[SO8_MAX_N], dy[SO8_MAX_N];
    so8_matf_to_double(n, R, D);
    so8_vecf_to_double(n, x, dx);
    so8_mat_apply(n, D, dx, dy);
    so8_vec_to_float(n, dy, y);
}

static inline void so8_matf_apply_transpose(int n, const float *R, const float *x, float *y)
{
    double D[SO8_MAX_NN], dx[SO8_MAX_N], dy[SO8_MAX_N];
    so8_matf_to_double(n, R, D);
    so8_vecf_to_double(n, x, dx);
    so8_mat_apply_transpose(n, D, dx, dy);
    so8_vec_to_float(n, dy, y);
}

static inline void so8_matf_apply_points(int n, const float *R, const float *X, uint64_t m,
                                         float *Y)
{
    for (uint64_t p = 0; p < m; p++)
        so8_matf_apply(n, R, X + p * (uint64_t)n, Y + p * (uint64_t)n);
}

/* Measurements of float data, in double. */
static inline double so8_matf_orth_error(int n, const float *R)
{
    double D[SO8_MAX_NN];
    so8_matf_to_double(n, R, D);
    return so8_mat_orth_error(n, D);
}

static inline double so8_matf_det(int n, const float *A)
{
    double D[SO8_MAX_NN];
    so8_matf_to_double(n, A, D);
    return so8_mat_det(n, D);
}

static inline void so8_matf_exp(int n, const float *A, float *R)
{
    double D[SO8_MAX_NN], E[SO8_MAX_NN];
    so8_matf_to_double(n, A, D);
    so8_mat_exp(n, D, E);
    so8_mat_to_float(n, E, R);
}

static inline int so8_matf_log(int n, const float *R, float *A)
{
    double D[SO8_MAX_NN], L[SO8_MAX_NN];
    so8_matf_to_double(n, R, D);
    int rc = so8_mat_log(n, D, L);
    so8_mat_to_float(n, L, A);
    return rc;
}

static inline double so8_matf_distance(int n, const float *A, const float *B)
{
    double DA[SO8_MAX_NN], DB[SO8_MAX_NN];
    so8_matf_to_double(n, A, DA);
    so8_matf_to_double(n, B, DB);
    return so8_mat_distance(n, DA, DB);
}

#endif
