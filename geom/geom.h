/* geom.h — exact (deterministic) volume of a cube ∩ ball and surface measure of a
 * sphere ∩ cube, in any dimension 1..GEOM_MAX_DIM.
 *
 *   Q = R·[-a, a]^d   (R in SO(d), rotation about the origin; identity by default)
 *   B = ball of radius r about c
 *   V = vol(Q ∩ B),   A = (d-1)-measure of ∂B ∩ Q.
 *
 * The ball is rotation invariant, so only c' = Rᵀc matters, and by the symmetry
 * u -> -u of the cube only |c'_i|.  With S = Σ (U_i - c'_i)², U_i ~ U[-a, a]:
 *   V = (2a)^d · P(S <= r²),     A = (2a)^d · 2r · f_S(r²).
 * Method (derivations in docs/math.md, "Exact volumes (geom)"):
 *   d <= 3   closed forms (interval, disc ∩ rectangle, and a 1-D tanh-sinh integral of
 *            the disc ∩ rectangle area / arc angle for d = 3);
 *   4 <= d <= 10 inclusion–exclusion over the orthant caps the ball reaches (one term per
 *            choice of faces, each the inverse Laplace transform of a product of Faddeeva
 *            functions on a contour around the branch cut), used when its error estimate is
 *            2e-12 or better and at most 2500 caps (3600 at d = 9, 10) reach the ball;
 *            otherwise
 *   d >= 4   near the farthest corner (Σ(1 + c_i)² - r² <= 0.75 min L_i, geom_series.c) an
 *            exact power series of the tail with positive terms; otherwise
 *   d = 4    S = S_A + S_B over two pairs of axes: one 1-D tanh-sinh integral of the d = 2
 *            arc angle times the d = 2 area (or angle), split at every break point;
 *   d >= 5   inversion of the Laplace transform of S on a vertical line through the
 *            saddle point (trapezoid rule; aliasing removed exactly; factors through the
 *            Faddeeva function of libcerf), which keeps ~12-14 digits for probabilities
 *            down to 1e-300 and below (through log_value).
 * Containment (also with faces through the centre), disjointness and r = 0 are answered
 * exactly before any method, from distances (r/a and r² may underflow).
 * Thread-safe: no global state; errors go to the caller's buffer.
 */
#ifndef SO8T_GEOM_H
#define SO8T_GEOM_H

#include <stddef.h>

#include "base/limits.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GEOM_MAX_DIM SO8T_MAX_DIM

typedef enum { GEOM_OK = 0, GEOM_ERR_INVAL = -1, GEOM_ERR_NOCONV = -2 } geom_status;

typedef struct {
    int dim;                /* 1..GEOM_MAX_DIM */
    double half_side;       /* a > 0 */
    double radius;          /* r >= 0 */
    const double *center;   /* dim entries; NULL = origin */
    const double *rotation; /* dim*dim row-major R in SO(d); NULL = identity. Cube is R·[-a,a]^d */
} geom_problem;

typedef struct {
    double value;        /* may underflow to 0 / overflow to inf at huge d: use log_value */
    double log_value;    /* natural log of value (-INFINITY when value is exactly 0) */
    double error_bound;  /* absolute bound on |value - true|: the method's error and every
                          * rounding (including that of the log route, ~|log_value| ulp);
                          * 0 only for exactly known values (0, counts) */
    double fraction_of_cube, log_fraction_of_cube; /* value / (2a)^d */
    double fraction_of_ball, log_fraction_of_ball; /* value / vol(ball) (volume) or / area(sphere) (surface) */
    const char *method;  /* what computed it: "exact-case", "closed-form", "single-cap"
                          * (d <= 3, one thin cap from outside), "corner-series",
                          * "pair-split", "orthant-caps" or "laplace-inversion" (static); the
                          * complement adds "complement-closed-form", "complement-transform"
                          * and "one-minus-volume" */
    double rel_error_bound; /* error_bound / value, kept when value under- or overflows; it
                             * also bounds |log_value - log(true)| to within a factor
                             * 1 / (1 - rel_error_bound) */
} geom_result;
/* Limits: 0 <= value <= min((2a)^d, vol(ball)) (surface: <= the sphere's area; complement:
 * <= (2a)^d) and fractions in [0, 1]; a computed value beyond a limit is set to it and its
 * bound widened by the distance moved. */

/* Volume of R·[-a,a]^d ∩ B(c, r).  Returns GEOM_OK, GEOM_ERR_INVAL (bad input; a message
 * naming the problem goes to err, which may be NULL) or GEOM_ERR_NOCONV (the method could
 * not reach its accuracy target; *out still holds the best value and its error bound). */
int geom_volume_exact(const geom_problem *p, geom_result *out, char *err, size_t errlen);

/* (d-1)-measure of ∂B(c, r) inside R·[-a,a]^d; same conventions.  For d = 1 the
 * 0-measure is the number of the two points c ± r that lie in [-a, a]; for r = 0 it is 0
 * (d >= 2).  On a face of the cube the sphere counts as inside (a closed cube). */
int geom_surface_exact(const geom_problem *p, geom_result *out, char *err, size_t errlen);

/* Volume of the cube outside the ball, vol(R·[-a,a]^d \ B(c, r)) = (2a)^d P(S > r²), with
 * RELATIVE accuracy (not by subtracting the volume from the cube where that would lose
 * digits): the exact corner series near the farthest corner, the upper tail of the transform
 * directly (contour left of the pole at 0), closed forms of the outside part for d <= 3, and
 * (2a)^d - V only where that is well conditioned (V <= half the cube).  log_value keeps the tiniest values.  fraction_of_ball and its log
 * are NAN.  Same status conventions as geom_volume_exact. */
int geom_complement_exact(const geom_problem *p, geom_result *out, char *err, size_t errlen);

const char *geom_strerror(int status);

double geom_ball_log_volume(int d, double r); /* log vol(B_d(r)); -inf for r = 0 */
double geom_sphere_log_area(int d, double r); /* log of the (d-1)-measure of the sphere of radius r in R^d */
/* n-point Gauss–Legendre rule on [-1, 1] (n >= 1): nodes x[0] > x[1] > … (x[n-1-i] = −x[i])
 * and weights w; the one rule geom/ and mc/'s tilt constants use. */
void geom_gauss_legendre(int n, double *x, double *w);

/* Checks the problem (dimension, a, r, centre, rotation) and writes the reduced centre
 * |Rᵀc|_i / a (sorted ascending) into cred (dim entries).  GEOM_OK or GEOM_ERR_INVAL. */
int geom_problem_reduce(const geom_problem *p, double *cred, char *err, size_t errlen);

/* ---- independent methods, exported for tests (also used by the MC tests) ---- */

/* Closed forms for d = 1, 2, 3 of vol([-a,a]^d ∩ B(c, r)) (axis-aligned cube; c has d
 * entries, any sign).  d = 3 integrates the d = 2 closed form over one axis with a
 * tanh-sinh rule split at every break point.  Returns NaN for d outside 1..3 or bad input. */
double geom_volume_closed_form_d123(int d, double a, double r, const double *c);
/* The same for the surface measure (d = 1: count of points, d = 2: arc length,
 * d = 3: area by Archimedes' dA = r dθ dz). */
double geom_surface_closed_form_d123(int d, double a, double r, const double *c);

/* vol([-a,a]^d ∩ B(c, r)) by the recursion V_d(r) = ∫ V_{d-1}(√(r² - (x - c_d)²)) dx,
 * nested tanh-sinh rules split at the break points, down to d = 1 (a chord length), for
 * d = 1..5.  Independent of the closed forms and of the transform method; slow
 * (~N^(d-1) chord evaluations).  tol is a relative target (1e-13 is reasonable for d <= 3,
 * 1e-10 for d = 4..5).  Returns NaN on bad input. */
double geom_volume_recursive_quadrature(int d, double a, double r, const double *c, double tol);

/* d = 4 as 2 + 2: V = ∫ (θ_A(√u)/2) A2_B(√(r² - u)) du and A = 2r ∫ θ_A(√u) θ_B(√(r² - u)) / 4 du,
 * where A2 is the disc ∩ square area and θ the arc angle of the circle inside the square for
 * the first and last two coordinates (both closed forms); tanh-sinh panels split at every
 * break point.  surface = 0: volume, 1: surface measure.  Axis-aligned cube, c any sign.
 * Used by geom_volume_exact / geom_surface_exact for d = 4.  NaN on bad input. */
double geom_measure_d4_split(double a, double r, const double *c, int surface);

/* The transform method alone, for any d (1..GEOM_MAX_DIM), axis-aligned cube, no edge-case
 * shortcuts beyond what it needs.  surface = 0: log P(S <= r²) (S as above),
 * surface = 1: log f_S(r²).  *log_out gets the log; *rel_err an error estimate of the
 * value relative to itself.  For d <= 3 it converges slowly (tested to ~1e-9 only). */
int geom_transform_log(int d, double a, double r, const double *c, int surface,
                       double *log_out, double *rel_err, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* SO8T_GEOM_H */
