/* geom_internal.h — helpers shared by the geom/ source files (not public). */
#ifndef SO8T_GEOM_INTERNAL_H
#define SO8T_GEOM_INTERNAL_H

#include "geom/geom.h"

#include <stddef.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
/* 24-point Gauss–Legendre nodes and weights on [-1, 1]. */
void geom_gl24(double *x, double *w);

#endif
#ifndef M_LN2
#define M_LN2 0.69314718055994530942
/* 24-point Gauss–Legendre nodes and weights on [-1, 1]. */
void geom_gl24(double *x, double *w);

#endif

/* snprintf into err (when err is non-NULL and errlen > 0). */
void geom_set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Transform method for S = Σ U_i², U_i uniform on [x1_i, x2_i] (x1_i < x2_i; for the cube in
 * units a = 1 with centre c: [-1 - c_i, 1 - c_i]), t = r².
 * surface = 0: *log_out = log P(S <= t); 1: log f_S(t).  *rel_err: relative error estimate.
 * GEOM_OK, or GEOM_ERR_NOCONV with the best estimate. */
int geom_tf_log(int d, const double *x1, const double *x2, double t, int surface,
                double *log_out, double *rel_err, char *err, size_t errlen);

/* 24-point Gauss–Legendre nodes and weights on [-1, 1]. */
void geom_gl24(double *x, double *w);

#endif
