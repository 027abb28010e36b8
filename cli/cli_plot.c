/* cli_plot.c — 'so8t volume --plot FILE.svg': the running estimate ± 95 % interval against
 * samples on a log axis, with the exact value as a line (llm/svgplot.h draws it). */
#include "cli/cli_volume.h"
#include "llm/svgplot.h"

#include <math.h>
#include <stdio.h>

int cli_volume_plot(const char *path, const mc_problem *p, int n, const double *samples,
                    const double *estimate, const double *half_width, double exact, char *err,
                    size_t errlen)
{
    if (n < 1) {
        snprintf(err, errlen, "no checkpoints recorded (the value was known without sampling)");
        return -1;
    }
    char title[160];
    snprintf(title, sizeof title, "%s, d = %d, a = %g, r = %g",
             p->quantity == MC_SURFACE ? "sphere inside the cube"
             : p->quantity == MC_ORIENT_AVG ? "orientation-averaged cube ∩ ball"
             : p->quantity == MC_COMPLEMENT ? "cube outside the ball"
                                            : "cube ∩ ball volume",
             p->dim, p->half_side, p->radius);
    llm_svgplot_convergence c = {samples, estimate, half_width, n, isfinite(exact), exact,
                                 title, "samples", "estimate ± 95% interval", 0, 0};
    return llm_svgplot_convergence_write(&c, path, err, errlen) == 0 ? 0 : -1;
}
