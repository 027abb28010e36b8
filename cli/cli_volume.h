/* cli_volume.h — pieces of 'so8t volume' that 'so8t verify' and the plot/explain glue reuse. */
#ifndef SO8T_CLI_VOLUME_H
#define SO8T_CLI_VOLUME_H

#include "cli/cli.h"
#include "cli/cli_atomic.h"
#include "mc/mc.h"

/* {"backend", "method", "samples", "hits", "sum", "estimate", "std_error", "ci95", ...} */
void cli_mc_result_json(cli_json *j, const char *key, const mc_result *r);
/* Same samples, same hit count and the same bits of the sum. */
int cli_mc_identical(const mc_result *a, const mc_result *b);
/* (a − b) / sqrt(se_a² + se_b²). */
double cli_mc_agreement_z(const mc_result *a, const mc_result *b);

/* The convergence picture for --plot (cli/cli_plot.c), written to `out` (opened before the
 * run, so a bad name is found up front) and committed. Points without a finite estimate
 * and half-width (qmc's first batch has too few replicates for an error) are left out.
 * 0 ok, else a message in err and `out` dropped (an existing file stays as it was). */
int cli_volume_plot(cli_atomic *out, const mc_problem *p, int n, const double *samples,
                    const double *estimate, const double *half_width, double exact, char *err,
                    size_t errlen);
/* Explains a result JSON (cli/cli_explain_glue.c): model path, NULL (default) or "none".
 * member NULL: print the text on stdout; else write "explanation": {text, model, fallback,
 * unverified_numbers, reason} into that open JSON object (null when it fails). Returns
 * CLI_OK, or CLI_FAIL with the message on stderr. */
int cli_explain_json_text(const char *json_text, const char *model, cli_json *member);

#endif /* SO8T_CLI_VOLUME_H */
