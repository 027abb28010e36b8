/* cli_plot.c — 'so8t volume --plot FILE.svg': the running estimate ± 95 % interval against
 * samples on a log axis, with the exact value as a line. */
#include "cli/cli_volume.h"

#include <stdio.h>

int cli_volume_plot(const char *path, const mc_problem *p, int n, const double *samples,
                    const double *estimate, const double *half_width, double exact, char *err,
                    size_t errlen)
{
    (void)path, (void)p, (void)n, (void)samples, (void)estimate, (void)half_width, (void)exact;
    snprintf(err, errlen, "the SVG writer is not in this build yet");
    return -1;
}
