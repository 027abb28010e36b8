/* rotation.c — see rotation.h. */
#include "so8/rotation.h"

#include "base/err.h"
#include "so8/mat.h"

#include <math.h>
#include <stdlib.h>

int so8_rotation_check(int d, const double *R, double tol, char *err, size_t errlen)
{
    for (int i = 0; i < d * d; i++)
        if (!isfinite(R[i])) {
            so8t_err_set(err, errlen, "rotation entry (%d, %d) is not finite", i / d + 1,
                         i % d + 1);
            return -1;
        }
    double worst = so8_mat_orth_error(d, R);
    if (worst > tol) {
        so8t_err_set(err, errlen, "rotation is not orthogonal: max |RᵀR - I| = %.3g (tolerance %.3g)",
                     worst, tol);
        return -1;
    }
    double *work = malloc(sizeof(double) * (size_t)d * (size_t)d);
    if (!work) {
        so8t_err_set(err, errlen, "out of memory");
        return -2;
    }
    double det = so8_mat_det_work(d, R, work);
    free(work);
    if (!(det > 0)) {
        so8t_err_set(err, errlen,
                     "rotation has determinant %.6g: a reflection, not a rotation in SO(%d)", det, d);
        return -1;
    }
    return 0;
}
