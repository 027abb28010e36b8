/* geom_internal.h — helpers shared by the geom/ source files (not public). */
#ifndef SO8T_GEOM_INTERNAL_H
#define SO8T_GEOM_INTERNAL_H

#include "base/err.h"
#include "geom/geom.h"

#include <stddef.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif
#ifndef M_LN2
#define M_LN2 0.69314718055994530942
#endif

/* What is computed: the volume of cube ∩ ball, the sphere's measure inside the cube, or the
 * volume of the cube outside the ball. */
enum { GEOM_Q_VOLUME = 0, GEOM_Q_SURFACE = 1, GEOM_Q_COMPLEMENT = 2 };

/* The exact cases, from distances only (units a = 1, c sorted, >= 0): the ball misses the
 * cube (or r = 0), lies inside it (faces: the number of faces through its centre, each
 * halving it), or contains it. */
enum { GEOM_CASE_NONE = 0, GEOM_CASE_DISJOINT, GEOM_CASE_BALL_INSIDE, GEOM_CASE_CUBE_INSIDE };
typedef struct {
    int kind, faces;
} geom_case;
geom_case geom_exact_case(int d, const double *c, double rs);

/* The relative error of rs = r / a as computed: 0 when the division was exact. */
double geom_rs_rel(double r, double a, double rs);

/* Relative rounding allowance of a value computed as exp(log): see geom.c. */
double geom_round_rel(int d, double a, double logv, double lsum);

/* Fills *out from the log of the value (kind: GEOM_Q_*), the method's relative error and the
 * rounding allowance lsum, and enforces the limits (geom.c). */
void geom_fill(geom_result *out, int d, double a, double r, int kind, double logv, double rel,
               double lsum, const char *method);
/* After geom_fill: the value is the whole cube (2a)^d, exact for a power of two (2^d at
 * a = 1), else within pow's < 1 ulp; fraction of the cube 1 (geom.c). */
void geom_fill_whole_cube(geom_result *out, int d, double a);

/* Method choices that tests and benchmarks compare, passed explicitly (no global switch):
 * the library's own entry points pass NULL, which means every method on. */
typedef struct {
    int no_corners;     /* leave out the orthant-cap series (geom_corners.c): the transform
                           for d >= 5, the split for d = 4 */
    int no_singular;    /* the transform without subtracting singular parts (geom_singular.c) */
    int singular_terms; /* out: the singular parts the last transform subtracted */
} geom_opts;

/* geom_volume_exact (surface = 0) / geom_surface_exact (1) with the choices of *o (NULL: all
 * methods, as the public functions). */
int geom_exact_opts(const geom_problem *p, int surface, geom_opts *o, geom_result *out,
                    char *err, size_t errlen);
/* geom_transform_log with the choices of *o. */
int geom_transform_log_opts(int d, double a, double r, const double *c, int surface,
                            geom_opts *o, double *log_out, double *rel_err, char *err,
                            size_t errlen);

/* Every number of *out NaN, method "none": the result of a problem that was refused. */
void geom_result_set_none(geom_result *out);
/* The start of every entry point (geom.c): checks and clears *out, reduces the problem into c
 * (GEOM_MAX_DIM doubles: the centre in the cube's frame); a refused problem leaves *out
 * "none" and returns its status. */
int geom_entry_begin(const geom_problem *p, geom_result *out, double *c, char *err,
                     size_t errlen);

/* Transform method for S = Σ U_i², U_i uniform on [x1_i, x2_i] (x1_i < x2_i; for the cube in
 * units a = 1 with centre c: [-1 - c_i, 1 - c_i]), t = r².
 * surface = 0: *log_out = log P(S <= t); 1: log f_S(t).  *rel_err: relative error estimate.
 * GEOM_OK, or GEOM_ERR_NOCONV with the best estimate. */
int geom_tf_log(int d, const double *x1, const double *x2, double t, int surface,
                double *log_out, double *rel_err, char *err, size_t errlen, geom_opts *o);

/* The same for the upper tail: *log_out = log P(S > t), with relative accuracy (the contour
 * left of the pole at 0 gives it without 1 - P whenever the tail is the smaller side). */
int geom_tf_log_tail(int d, const double *x1, const double *x2, double t, double *log_out,
                     double *rel_err, char *err, size_t errlen);

/* Near the farthest corner (s = Σ (1 + c_i)² - rs² <= 0.75 min L_i, see geom_series.c):
 * *log_out = log P(S > rs²) (surface = 0) or log f_S(rs²) (1), units a = 1, c sorted >= 0,
 * *rel_out its relative error bound (rs_rel: the relative error rs already carries, from
 * r / a).  Returns 0 (nothing written) where it does not apply. */
int geom_corner_series(int d, const double *c, double rs, double rs_rel, int surface,
                       double *log_out, double *rel_out);

/* ∫_A^B f(x) dx by tanh-sinh to rel_tol (geom_closed.c); *err_out (may be NULL) gets the last
 * level difference. */
double geom_ts_integrate(double (*f)(double x, void *ctx), void *ctx, double A, double B,
                         double rel_tol, double *err_out);


/* geom_gauss_legendre(24, x, w): the 24-point rule geom/'s quadratures use (geom_special.c).
 * The Faddeeva function is in geom_faddeeva.h. */
void geom_gl24(double *x, double *w);

/* Part of the ball B_d(√t) beyond one hyperplane at distance h (0 <= h < √t), and beyond two
 * perpendicular ones at hi, hj (0 when hi² + hj² >= t; d >= 3): volume (surface = 0) or its
 * r-derivative, the sphere's area there (surface = 1).  In geom.c. */
double geom_cap_measure(int d, double t, double h, int surface);
double geom_pair_cap_measure(int d, double t, double hi, double hj, int surface);

/* V (surface = 0) or A (1) of [-1, 1]^d ∩ B(c, rs), c_i >= 0 (units a = 1), as a signed sum
 * of orthant caps inverted on a contour around the branch cut (geom_corners.c).  Returns 1 with
 * *value and its relative error estimate *rel_err, or 0 when it does not apply (d > 10, more
 * than max_terms caps reach the ball, or no positive sum).  The estimate is an a priori bound;
 * when that is above target_rel (but not 8 × above), a second sum on another contour measures
 * the error instead (3 × the difference, at least an eighth of the a priori bound).
 * *nterms_out (may be NULL): the number of caps, -1 for too many. */
int geom_corner_sum(int d, const double *c, double rs, int surface, int max_terms,
                    double target_rel, double *value, double *rel_err, int *nterms_out);
/* Tests only: the contour inversion of one term, (1/2πi) ∫ e^{sε} G(s) ds on the contour of the
 * bin (eps_hi/2, eps_hi] (shape 0; shape 1: the second contour, bin (eps_hi/1.8, eps_hi]), with
 * the rounding part of its a priori error (*round_err, may be NULL), and the relative error
 * claimed for the inversion of a term of decay order q2/2; the a priori error of a term g is
 * geom_corner_term_rel(q2)·|g| + *round_err. */
double geom_corner_invert(double _Complex (*G)(double _Complex s, void *ctx), void *ctx, double eps,
                          double eps_hi, int shape, double *round_err);
double geom_corner_term_rel(int q2);
/* Tests only: the sum on both contour shapes, each value with its a priori bound (relative). */
int geom_corner_sum_shapes(int d, const double *c, double rs, int surface, int max_terms,
                           double value[2], double bound[2], int *nterms_out);
/* When geom_volume_exact / geom_surface_exact use it (4 <= d <= 10): at most this many caps
 * (about 1.2 µs each per contour; beyond ~2500 caps at d <= 8 and ~3600 at d = 9, 10 the
 * transform is the faster one there, while its slow cases lie below: docs/performance.md), and
 * an error estimate of at most this (relative; ~12 digits). */
#define GEOM_CORNERS_MAX_DIM 10
#define GEOM_CORNERS_MAX_TERMS(d) ((d) <= 8 ? 2500 : 3600)
#define GEOM_CORNERS_MAX_REL 2e-12

/* Singular parts at break points near t (geom_singular.c): terms of the expansion of L(s)
 * whose break point X lies within t(1 ± window), each tail h² >= h2min, approximated by a
 * damped large-s series (damping β = gamma / min h²).  NULL when there is none (or the
 * contour σ is too far left).  a1 < a2 per coordinate with a1 + a2 <= 0, t already shifted
 * as in geom_tf_log. */
typedef struct geom_sing geom_sing;
geom_sing *geom_sing_create(int d, const double *a1, const double *a2, double t, double sigma,
                            int surface, double window, double h2min, double gamma);
void geom_sing_free(geom_sing *g);
int geom_sing_count(const geom_sing *g);
/* how many of them keep a tail (a face close to the centre) exact */
int geom_sing_exact_count(const geom_sing *g);
/* Σ Φ_J(s) e^{iτt} / e^{lnorm} (times σ/s for the distribution function) */
double _Complex geom_sing_node(const geom_sing *g, double _Complex s, double lnorm);
/* The same for the nodes s_k = σ + ikh, k = 0, 1, 2, ... in order (phases by recurrence):
 * begin sets h and lnorm, each next returns node k and moves to k + 1. */
void geom_sing_begin(geom_sing *g, double h, double lnorm);
double _Complex geom_sing_next(geom_sing *g);
/* exact trapezoid value (period T) of the subtracted part over e^{lnorm}, in the caller's
 * sign convention (1 - P for σ < 0) */
double geom_sing_value(const geom_sing *g, double T, double lnorm);

#endif
