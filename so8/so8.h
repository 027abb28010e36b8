/* so8.h — public header of the so8 component: SO(n) rotations (n = 8 first-class, any
 * 1 ≤ n ≤ 16), Haar sampling on the CPU (OpenMP) and the GPU (CUDA), exp/log maps,
 * geodesic distance, and the statistics that check Haar-ness.
 *
 * Matrices are n*n row-major arrays of double or float. The per-matrix math lives in
 * SO8T_HD headers usable from C and CUDA: so8/mat.h (so8_mat_*, double; so8_matf_to_double)
 * and so8/haar.h (so8_haar_from_state); this header includes both.
 *
 * Reproducibility contract: rotation `index` of `seed` is drawn from Philox subsequence
 * `index` of `seed` (mc_philox_init(seed, index, 0)) whatever the batch, thread or GPU
 * layout; the Gaussians come from mc/normal.h, so GPU matrices equal the CPU's exactly.
 *
 * Errors: functions return 0 or a negative so8_status; so8_strerror names it. Outputs are
 * caller-owned. Nothing here prints or exits.
 */
#ifndef SO8T_SO8_H
#define SO8T_SO8_H

#include <stddef.h>
#include <stdint.h>

#include "so8/haar.h"
#include "so8/mat.h"

#ifdef __cplusplus
extern "C" {
#endif

/* SO8_MAX_N (16) comes from so8/mat.h. */

typedef enum {
    SO8_OK = 0,
    SO8_ERR_INVAL = -1,    /* bad argument (n out of range, NULL output, size overflow) */
    SO8_ERR_NOMEM = -2,    /* allocation failed */
    SO8_ERR_NODEVICE = -3, /* no CUDA device, or built without CUDA */
    SO8_ERR_CUDA = -4,     /* a CUDA call failed (details in the caller's buffer) */
    SO8_ERR_NOTROT = -5    /* input is not a rotation (non-finite, not orthogonal) */
} so8_status;

typedef enum { SO8_FLOAT = 0, SO8_DOUBLE = 1 } so8_precision;

/* Storage types for the first-class n = 8 case (pass &r.a[0][0] to the n = 8 functions). */
typedef struct {
    double a[8][8];
} so8_mat8d;
typedef struct {
    float a[8][8];
} so8_mat8f;

/* A static string for a status. */
const char *so8_strerror(int status);

/* Bytes per matrix entry for a precision (8 or 4; 0 for an unknown value). */
size_t so8_precision_size(so8_precision prec);

/* One Haar rotation of SO(n): rotation `index` of `seed` (Philox subsequence `index`).
 * R: n*n doubles, row-major, det +1. Returns SO8_OK or SO8_ERR_INVAL (n not in 1..16, R NULL). */
int so8_haar_double(int n, uint64_t seed, uint64_t index, double *R);

/* Rotations first_index … first_index+count−1 of `seed` into out (count*n*n entries of the
 * precision, rotation after rotation, row-major), on `threads` OpenMP threads (0: the
 * OpenMP default). Results do not depend on threads. Float output is the double result
 * rounded once. Returns SO8_OK or SO8_ERR_INVAL. */
int so8_haar_batch_cpu(int n, uint64_t seed, uint64_t first_index, uint64_t count,
                       so8_precision prec, void *out, int threads);

/* The same on the GPU; out is host memory and receives exactly the CPU's values. Returns
 * SO8_OK, SO8_ERR_INVAL, SO8_ERR_NOMEM, SO8_ERR_NODEVICE (no device, or built without
 * CUDA) or SO8_ERR_CUDA; err (may be NULL) receives a one-line detail. */
int so8_haar_batch_cuda(int n, uint64_t seed, uint64_t first_index, uint64_t count,
                        so8_precision prec, void *out, char *err, size_t err_len);

/* 1 when this library was built with CUDA, else 0. */
int so8_cuda_compiled(void);
/* Number of usable CUDA devices (0 without CUDA or without a device). */
int so8_cuda_device_count(void);

/* ---------------------------------------------------------------------------- stats */

/* Deliberately non-Haar samplers, for showing that the statistics can fail. */
typedef enum {
    SO8_SAMPLER_HAAR = 0,      /* so8_haar_from_state */
    SO8_SAMPLER_TORUS = 1,     /* independent uniform angles in coordinate planes (0,1),(2,3)… */
    SO8_SAMPLER_NOSIGNFIX = 2  /* the Householder product without the D_k sign fix (a classic
                                  QR-without-sign-fix bug), det still forced to +1 */
} so8_sampler;

/* A rotation from a sampler, same stream rules as so8_haar_double (SO8_SAMPLER_HAAR gives
 * exactly so8_haar_double). Returns SO8_OK or SO8_ERR_INVAL. */
int so8_sample_double(so8_sampler sampler, int n, uint64_t seed, uint64_t index, double *R);
/* A batch from a sampler (as so8_haar_batch_cpu). */
int so8_sample_batch_cpu(so8_sampler sampler, int n, uint64_t seed, uint64_t first_index,
                         uint64_t count, so8_precision prec, void *out, int threads);

/* E[tr(R)^j] for R Haar on SO(n), 1 ≤ n ≤ 16, 0 ≤ j ≤ SO8_MOMENT_MAX (an integer: the
 * multiplicity of the trivial representation in V^{⊗j}). Computed from the Weyl
 * integration formula (docs/math.md); returns NAN for arguments out of range. */
#define SO8_MOMENT_MAX 16
double so8_trace_moment_exact(int n, int j);

/* CDF of the pooled eigen-angle θ ∈ [0, π] of Haar SO(n) (n ≥ 2), and of one entry
 * x ∈ [−1, 1] (density ∝ (1 − x²)^((n−3)/2)). */
double so8_angle_cdf(int n, double theta);
double so8_entry_cdf(int n, double x);

/* Rotation angles θ_k ∈ [0, π] of a rotation R (n/2 of them, rounded down; the fixed axis
 * of odd n is dropped), ascending, into theta. Returns how many. */
int so8_rotation_angles(int n, const double *R, double *theta);

/* One row of the statistics table. */
#define SO8_TEST_NAME_LEN 40
typedef struct {
    char name[SO8_TEST_NAME_LEN];
    double expected;  /* exact Haar value */
    double value;     /* sample value */
    double std_error; /* standard error of value under the Haar hypothesis (0: deterministic) */
    double z;         /* (value − expected)/std_error; KS rows: the normal z with the same
                         two-sided p-value; deterministic rows: 0 */
    int pass;         /* |z| ≤ SO8_Z_THRESHOLD (deterministic rows: within tolerance) */
} so8_test;

#define SO8_Z_THRESHOLD 5.0
#define SO8_MAX_TESTS 24

typedef struct {
    int dim;
    uint64_t samples;
    double max_orthogonality_error;
    double min_det, max_det;
    double orth_tolerance; /* the bound used for the orthogonality and det rows */
    int n_tests;
    so8_test tests[SO8_MAX_TESTS];
    int pass;              /* every row passed */
} so8_stats_report;

/* A streaming accumulator of the Haar statistics (constant memory: KS statistics use
 * 2^18-bin histograms of the probability-integral transform, error of D ≤ 2^-18). */
typedef struct so8_stats so8_stats;

/* Creates an accumulator for SO(n), 2 ≤ n ≤ 16; prec selects the orthogonality tolerance
 * (float data is orthogonal only to ~1e-7). Returns SO8_OK, SO8_ERR_INVAL or SO8_ERR_NOMEM;
 * free with so8_stats_free (accepts NULL). */
int so8_stats_create(int n, so8_precision prec, so8_stats **out);
void so8_stats_free(so8_stats *s);
/* Adds count matrices (count*n*n entries, the accumulator's n). Sample i of the whole
 * stream (counting from the first add) contributes deterministically: results do not
 * depend on threads (0: OpenMP default) or on how the stream is cut into adds. */
int so8_stats_add(so8_stats *s, const void *R, so8_precision prec, uint64_t count,
                  int threads);
/* Fills rep from everything added so far. Returns SO8_OK or SO8_ERR_INVAL (no samples). */
int so8_stats_report_get(const so8_stats *s, so8_stats_report *rep);

#ifdef __cplusplus
}
#endif

#endif /* SO8T_SO8_H */
