/* svgplot.h — the convergence picture of a Monte Carlo run as a standalone SVG file:
 * the estimate and its 95 % interval (a shaded band) against the number of samples on a
 * log axis, with the exact value as a dashed line. Plain SVG 1.1 (no scripts, no external
 * resources); labels are XML-escaped, so any text is safe to pass.
 *
 * Used by `so8t volume … --plot FILE.svg` (cli/cmd_volume.c): record (samples, estimate,
 * half-width) after each batch, then call llm_svgplot_convergence_write.
 */
#ifndef SO8T_LLM_SVGPLOT_H
#define SO8T_LLM_SVGPLOT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    const double *samples;    /* n sample counts, > 0 and strictly increasing */
    const double *estimate;   /* n estimates (finite) */
    const double *half_width; /* n half-widths of the 95 % interval (finite, >= 0) */
    int n;                    /* >= 1 (at most 100000 points) */
    int have_exact;           /* draw `exact` as a dashed line */
    double exact;
    const char *title;        /* NULL: "Monte Carlo convergence" */
    const char *x_label;      /* NULL: "samples" */
    const char *y_label;      /* NULL: "estimate" */
    int width, height;        /* pixels; 0: 720 × 450 (each clamped to 200..4000) */
} llm_svgplot_convergence;

/* Renders the SVG into *svg (malloc'd, NUL-terminated; caller frees). Returns 0, or
 * LLM_ERR_INVAL (from llm/llm.h) with a message for bad input, LLM_ERR_NOMEM. */
int llm_svgplot_convergence_render(const llm_svgplot_convergence *c, char **svg, char *err,
                                   size_t errlen);

/* Renders and writes the file (replacing it). Returns 0, LLM_ERR_INVAL, LLM_ERR_IO (the
 * message names the path and the reason) or LLM_ERR_NOMEM. */
int llm_svgplot_convergence_write(const llm_svgplot_convergence *c, const char *path,
                                  char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* SO8T_LLM_SVGPLOT_H */
