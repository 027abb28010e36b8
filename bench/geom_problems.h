/* geom_problems.h — the random test problems of the geom benchmarks (bench_geom,
 * bench_geom_singular), so both draw them the same way.
 *
 * Problem j of dimension d: centre uniform in [-1, 1]^d, [-1.5, 1.5]^d or [0, 0.5]^d for
 * j mod 3 = 0, 1, 2; radius sqrt(d/3)·[0.3, 1.7]; with `near`, r² = H(1 ± 10^-u), u uniform
 * in [2, 6], next to H = Σ h_i² over a random set of faces (each axis with probability ½,
 * one of its two faces h = 1 ∓ c_i), where the transform converges slowest.  Draws
 * 1 + d (+ d + 2 with near) numbers from `uniform`. */
#ifndef SO8T_BENCH_GEOM_PROBLEMS_H
#define SO8T_BENCH_GEOM_PROBLEMS_H

#include <math.h>

static inline double bench_geom_problem(int d, int j, int near, double (*uniform)(void),
                                        double *c)
{
    int mode = j % 3;
    for (int i = 0; i < d; i++) {
        double u = uniform();
        c[i] = mode == 0 ? 2 * u - 1 : mode == 1 ? 3 * u - 1.5 : 0.5 * u;
    }
    double r = sqrt(d / 3.0) * (0.3 + 1.4 * uniform());
    if (near) {
        double H = 0;
        for (int i = 0; i < d; i++) {
            double u = uniform();
            if (u < 0.5) {
                double h = u < 0.25 ? 1 - c[i] : 1 + c[i];
                H += h * h;
            }
        }
        if (H == 0)
            H = (1 - c[0]) * (1 - c[0]);
        double off = pow(10, -2 - 4 * uniform()) * (uniform() < 0.5 ? -1 : 1);
        r = sqrt(H * (1 + off));
    }
    return r;
}

#endif
