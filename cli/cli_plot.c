/* cli_plot.c — 'so8t volume --plot FILE.svg': the running estimate ± 95 % interval against
 * samples on a log axis, with the exact value as a line (explain/svgplot.h draws it). */
#include "cli/cli_volume.h"
#include "explain/svgplot.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_volume_plot(cli_atomic *out, const mc_problem *p, int n, const double *samples,
                    const double *estimate, const double *half_width, double exact, char *err,
                    size_t errlen)
{
    /* keep the checkpoints that have an interval: a qmc checkpoint with fewer than two
       replicates, or one with no contributing sample yet, has none to draw */
    double *keep = n > 0 ? malloc(3 * sizeof(double) * (size_t)n) : NULL;
    if (n > 0 && !keep) {
        snprintf(err, errlen, "out of memory");
        cli_atomic_abort(out);
        return -1;
    }
    int m = 0;
    for (int i = 0; i < n; i++) {
        if (!isfinite(estimate[i]) || !isfinite(half_width[i]) || !(half_width[i] >= 0) ||
            !(samples[i] > 0) || (m > 0 && !(samples[i] > keep[m - 1])))
            continue;
        keep[m] = samples[i];
        keep[n + m] = estimate[i];
        keep[2 * n + m] = half_width[i];
        m++;
    }
    if (m < 1) {
        snprintf(err, errlen, n < 1 ? "no checkpoints recorded (the value was known without "
                                      "sampling)"
                                    : "no checkpoint had a finite estimate and interval");
        free(keep);
        cli_atomic_abort(out);
        return -1;
    }
    char title[160];
    snprintf(title, sizeof title, "%s, d = %d, a = %g, r = %g",
             p->quantity == MC_SURFACE ? "sphere inside the cube"
             : p->quantity == MC_ORIENT_AVG ? "orientation-averaged cube ∩ ball"
             : p->quantity == MC_COMPLEMENT ? "cube outside the ball"
                                            : "cube ∩ ball volume",
             p->dim, p->half_side, p->radius);
    llm_svgplot_convergence c = {keep, keep + n, keep + 2 * n, m, isfinite(exact), exact,
                                 title, "samples", "estimate ± 95% interval", 0, 0};
    char *svg = NULL;
    int rc = llm_svgplot_convergence_render(&c, &svg, err, errlen);
    free(keep);
    if (rc) {
        cli_atomic_abort(out);
        return -1;
    }
    size_t len = strlen(svg);
    if (fwrite(svg, 1, len, out->f) != len) {
        snprintf(err, errlen, "cannot write '%s': %s", out->target, strerror(errno));
        free(svg);
        cli_atomic_abort(out);
        return -1;
    }
    free(svg);
    return cli_atomic_commit(out, err, errlen);
}
