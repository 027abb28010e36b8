/* verify_cases.h — the built-in suite of 'so8t verify' (cli/cmd_verify.c), a header so that
 * tests/test_verify_false_alarms.c measures the false-alarm rate of exactly these rows. */
#ifndef SO8T_VERIFY_CASES_H
#define SO8T_VERIFY_CASES_H

#include "mc/mc.h"
#include "so8/so8.h"

#include <math.h>

typedef struct {
    const char *name;
    mc_quantity q;
    int dim;
    double a, r;
    double center_all;  /* every coordinate */
    double center_first; /* overrides coordinate 1 when not NAN */
    int rotated;        /* a fixed rotation: Haar rotation 0 of seed 12345 (so8/) */
    int quick;          /* part of --quick */
    int methods;        /* bit mask over mc_method; 0 = all applicable */
} verify_case;

#define ALL 0
#define BIT(m) (1 << (m))
static const verify_case verify_cases[] = {
    {"8-cube, ball r=1.5 (classic)", MC_VOLUME, 8, 1, 1.5, 0, NAN, 0, 1, ALL},
    {"3-sphere r=1.2 in 4-cube", MC_SURFACE, 4, 1, 1.2, 0, NAN, 0, 1, ALL},
    {"square, disc r=1.2", MC_VOLUME, 2, 1, 1.2, 0, NAN, 0, 0, ALL},
    {"3-cube cap, centre outside", MC_VOLUME, 3, 1, 0.8, 0, 1.5, 0, 0, ALL},
    {"5-cube, ball r=1.7", MC_VOLUME, 5, 1, 1.7, 0, NAN, 0, 0, ALL},
    {"8-cube, ball r=2 (corners cut)", MC_VOLUME, 8, 1, 2.0, 0, NAN, 0, 0, ALL},
    {"8-cube, off-centre, rotated", MC_VOLUME, 8, 1, 1.6, 0.2, -0.5, 1, 1, ALL},
    {"12-cube, off-centre", MC_VOLUME, 12, 1, 2.0, 0.3, NAN, 0, 0, ALL},
    {"16-cube, r=1.2: 7e-5 of the cube", MC_VOLUME, 16, 1, 1.2, 0, NAN, 0, 1,
     BIT(MC_METHOD_BALL) | BIT(MC_METHOD_RADIAL) | BIT(MC_METHOD_TILT)},
    {"32-cube, ball r=3.3", MC_VOLUME, 32, 1, 3.3, 0, NAN, 0, 0, ALL},
    {"64-cube, r=3: 3.8e-9 of the cube", MC_VOLUME, 64, 1, 3.0, 0, NAN, 0, 1,
     BIT(MC_METHOD_TILT)},
    {"64-cube, r=2 on a vertex: 1.7e-39", MC_VOLUME, 64, 1, 2.0, 1.0, NAN, 0, 0,
     BIT(MC_METHOD_TILT)},
    {"sphere r=2 in 8-cube", MC_SURFACE, 8, 1, 2.0, 0, NAN, 0, 0, ALL},
    {"orientation average, c=0 (= volume)", MC_ORIENT_AVG, 8, 1, 1.5, 0, NAN, 0, 1, ALL},
};
#define N_CASES (sizeof verify_cases / sizeof verify_cases[0])

/* The case's centre (dim entries) and rotation (dim², when rotated); -1 if the fixed
 * rotation could not be drawn. A row passes when |mc_result_z(result, exact, exact's
 * error bound)| <= 5 (and the backends agree bit for bit). */
static inline int verify_case_setup(const verify_case *vc, double *center, double *R)
{
    for (int i = 0; i < vc->dim; i++)
        center[i] = vc->center_all;
    if (!isnan(vc->center_first))
        center[0] = vc->center_first;
    return vc->rotated && so8_haar_double(vc->dim, 12345, 0, R) != 0 ? -1 : 0;
}

#endif /* SO8T_VERIFY_CASES_H */
