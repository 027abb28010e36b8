/* limits.h — sizes that several components must agree on, defined once. */
#ifndef SO8T_BASE_LIMITS_H
#define SO8T_BASE_LIMITS_H

/* The largest dimension d of a problem: mc/ (kernel parameter arrays, Sobol' table of
 * 128 dimensions), geom/ and the command line (--dim) all take 1..SO8T_MAX_DIM. */
#define SO8T_MAX_DIM 128

#endif /* SO8T_BASE_LIMITS_H */
