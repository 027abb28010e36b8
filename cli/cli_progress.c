/* cli_progress.c — a progress bar on stderr for long runs: only on a TTY, only after the
 * run has taken about a second, redrawn at most ~10 times a second. */
#include "cli/cli.h"

#include <time.h>
#include <unistd.h>

double cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void cli_progress_init(cli_progress *p, const char *label)
{
    p->enabled = isatty(STDERR_FILENO);
    p->start = cli_now();
    p->last_draw = 0;
    p->drawn = 0;
    p->label = label;
}

void cli_progress_update(cli_progress *p, double fraction)
{
    if (!p->enabled)
        return;
    double now = cli_now();
    if (now - p->start < 1.0 || now - p->last_draw < 0.1)
        return;
    if (fraction < 0)
        fraction = 0;
    if (fraction > 1)
        fraction = 1;
    int width = 30, filled = (int)(fraction * width + 0.5);
    fprintf(stderr, "\r%s [", p->label ? p->label : "");
    for (int i = 0; i < width; i++)
        fputc(i < filled ? '#' : '.', stderr);
    double elapsed = now - p->start;
    double eta = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0;
    fprintf(stderr, "] %3.0f%%  %.0fs elapsed, ~%.0fs left ", 100 * fraction, elapsed, eta);
    p->last_draw = now;
    p->drawn = 1;
}

void cli_progress_done(cli_progress *p)
{
    if (p->enabled && p->drawn)
        fputs("\r\033[K", stderr);
    p->drawn = 0;
}
