/* rotation.h — is a given matrix a rotation? The one check of "R ∈ SO(d)" that every
 * component applies to a user's --rotation (geom/ for the exact value, mc/ for the
 * estimate), so both refuse the same matrices with the same words. Host-only. */
#ifndef SO8T_SO8_ROTATION_H
#define SO8T_SO8_ROTATION_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The tolerance on max |RᵀR − I| for a rotation read from a file (printed with 17 digits it
 * is exact; a hand-written one with 10 digits passes). */
#define SO8_ROTATION_TOL 1e-9

/* 0 when R (d×d, row-major, d ≥ 1, any size) is in SO(d): every entry finite,
 * max |RᵀR − I| ≤ tol, det R > 0 (LU, so8_mat_det_work). Otherwise -1 with the reason in
 * err (which entry is not finite; the orthogonality error; the determinant), or -2 when
 * the scratch for the determinant could not be allocated. */
int so8_rotation_check(int d, const double *R, double tol, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* SO8T_SO8_ROTATION_H */
