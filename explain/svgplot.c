/* svgplot.c — convergence plot as SVG (see svgplot.h). x: log10(samples) with decade ticks;
 * y: linear with 1-2-5 ticks covering every interval and the exact value. */
#include "explain/svgplot.h"
#include "base/err.h"
#include "base/strbuf.h"

#include "llm/llm.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* XML text: escapes markup characters and drops control bytes (invalid in XML 1.0). */
static void sb_text(so8t_strbuf *b, const char *s, size_t max)
{
    size_t k = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p && k < max; p++, k++) {
        switch (*p) {
        case '&': so8t_strbuf_add(b, "&amp;"); break;
        case '<': so8t_strbuf_add(b, "&lt;"); break;
        case '>': so8t_strbuf_add(b, "&gt;"); break;
        case '"': so8t_strbuf_add(b, "&quot;"); break;
        case '\'': so8t_strbuf_add(b, "&#39;"); break;
        default:
            if (*p >= 0x20 && *p != 0x7f)
                so8t_strbuf_add(b, "%c", *p);
        }
    }
}

/* A "nice" step (1, 2 or 5 × 10^k) giving about `target` intervals over `range`. */
static double nice_step(double range, int target)
{
    double raw = range / target;
    double p = pow(10.0, floor(log10(raw)));
    double m = raw / p;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

static void fmt_tick(char *b, size_t n, double v, double step)
{
    if (fabs(v) < step * 1e-9)
        v = 0;
    int dec = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
    if (fabs(v) >= 1e6 || (fabs(v) > 0 && fabs(v) < 1e-4) || dec > 8)
        snprintf(b, n, "%.*g", 4, v);
    else
        snprintf(b, n, "%.*f", dec, v);
}

int llm_svgplot_convergence_render(const llm_svgplot_convergence *c, char **svg, char *err,
                                   size_t errlen)
{
    if (!svg) {
        so8t_err_set(err, errlen, "plot: no output pointer");
        return LLM_ERR_INVAL;
    }
    *svg = NULL;
    if (!c || !c->samples || !c->estimate || !c->half_width) {
        so8t_err_set(err, errlen, "plot: no data");
        return LLM_ERR_INVAL;
    }
    if (c->n < 1 || c->n > 100000) {
        so8t_err_set(err, errlen, "plot: %d points (need 1 to 100000)", c->n);
        return LLM_ERR_INVAL;
    }
    for (int i = 0; i < c->n; i++) {
        if (!isfinite(c->samples[i]) || !(c->samples[i] > 0) ||
            (i > 0 && !(c->samples[i] > c->samples[i - 1]))) {
            so8t_err_set(err, errlen,
                    "plot: sample counts must be positive and increasing (point %d: %g)", i,
                    c->samples[i]);
            return LLM_ERR_INVAL;
        }
        if (!isfinite(c->estimate[i]) || !isfinite(c->half_width[i]) || c->half_width[i] < 0) {
            so8t_err_set(err, errlen, "plot: point %d has a non-finite estimate or a bad half-width",
                    i);
            return LLM_ERR_INVAL;
        }
    }
    if (c->have_exact && !isfinite(c->exact)) {
        so8t_err_set(err, errlen, "plot: the exact value is not finite");
        return LLM_ERR_INVAL;
    }
    int W = c->width > 0 ? c->width : 720, H = c->height > 0 ? c->height : 450;
    W = W < 200 ? 200 : W > 4000 ? 4000 : W;
    H = H < 200 ? 200 : H > 4000 ? 4000 : H;
    const double ml = 88, mr = 24, mt = 44, mb = 58;
    const double pw = W - ml - mr, ph = H - mt - mb;

    /* x: whole decades around the data */
    double lx0 = floor(log10(c->samples[0])), lx1 = ceil(log10(c->samples[c->n - 1]));
    if (lx1 <= lx0)
        lx1 = lx0 + 1;
    /* y: every interval and the exact value, padded */
    double y0 = INFINITY, y1 = -INFINITY;
    for (int i = 0; i < c->n; i++) {
        y0 = fmin(y0, c->estimate[i] - c->half_width[i]);
        y1 = fmax(y1, c->estimate[i] + c->half_width[i]);
    }
    if (c->have_exact) {
        y0 = fmin(y0, c->exact);
        y1 = fmax(y1, c->exact);
    }
    if (!(y1 - y0 > 1e-12 * fmax(fabs(y0), fabs(y1)))) {
        double d = fabs(y0) > 0 ? 0.01 * fabs(y0) : 1;
        y0 -= d;
        y1 += d;
    }
    double pad = 0.06 * (y1 - y0);
    y0 -= pad;
    y1 += pad;
    double step = nice_step(y1 - y0, 6);
    y0 = floor(y0 / step) * step;
    y1 = ceil(y1 / step) * step;

#define XP(s) (ml + (log10(s) - lx0) / (lx1 - lx0) * pw)
#define YP(v) (mt + (y1 - (v)) / (y1 - y0) * ph)

    so8t_strbuf b = {0};
    so8t_strbuf_add(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" "
               "height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans, Arial, "
               "sans-serif\" font-size=\"13\">\n",
           W, H, W, H);
    so8t_strbuf_add(&b, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"white\"/>\n", W, H);
    so8t_strbuf_add(&b, "<text x=\"%.1f\" y=\"26\" font-size=\"16\" text-anchor=\"middle\">", W / 2.0);
    sb_text(&b, c->title ? c->title : "Monte Carlo convergence", 200);
    so8t_strbuf_add(&b, "</text>\n");

    /* grid and ticks */
    so8t_strbuf_add(&b, "<g stroke=\"#dddddd\" stroke-width=\"1\">\n");
    for (double lx = lx0; lx <= lx1 + 1e-9; lx += 1) {
        double x = ml + (lx - lx0) / (lx1 - lx0) * pw;
        so8t_strbuf_add(&b, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>\n", x, mt, x, mt + ph);
    }
    int n_yt = 0;
    for (double v = y0; v <= y1 + step * 1e-6 && n_yt < 40; v += step, n_yt++)
        so8t_strbuf_add(&b, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>\n", ml, YP(v),
               ml + pw, YP(v));
    so8t_strbuf_add(&b, "</g>\n");
    so8t_strbuf_add(&b, "<g fill=\"#333333\">\n");
    for (double lx = lx0; lx <= lx1 + 1e-9; lx += 1) {
        double x = ml + (lx - lx0) / (lx1 - lx0) * pw;
        so8t_strbuf_add(&b,
               "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\">10<tspan dy=\"-6\" "
               "font-size=\"10\">%d</tspan></text>\n",
               x, mt + ph + 20, (int)lx);
    }
    n_yt = 0;
    for (double v = y0; v <= y1 + step * 1e-6 && n_yt < 40; v += step, n_yt++) {
        char t[48];
        fmt_tick(t, sizeof t, v, step);
        so8t_strbuf_add(&b, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"end\">%s</text>\n", ml - 8,
               YP(v) + 4, t);
    }
    so8t_strbuf_add(&b, "</g>\n");
    so8t_strbuf_add(&b, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\">", ml + pw / 2, (double)H - 12);
    sb_text(&b, c->x_label ? c->x_label : "samples", 120);
    so8t_strbuf_add(&b, " (log scale)</text>\n");
    so8t_strbuf_add(&b, "<text x=\"18\" y=\"%.2f\" text-anchor=\"middle\" transform=\"rotate(-90 18 "
               "%.2f)\">",
           mt + ph / 2, mt + ph / 2);
    sb_text(&b, c->y_label ? c->y_label : "estimate", 120);
    so8t_strbuf_add(&b, "</text>\n");

    /* 95 % band (a polygon; one point gets an error bar instead) */
    if (c->n >= 2) {
        so8t_strbuf_add(&b, "<polygon id=\"band\" fill=\"#4c8bd6\" fill-opacity=\"0.25\" stroke=\"none\" "
                   "points=\"");
        for (int i = 0; i < c->n; i++)
            so8t_strbuf_add(&b, "%.2f,%.2f ", XP(c->samples[i]), YP(c->estimate[i] + c->half_width[i]));
        for (int i = c->n - 1; i >= 0; i--)
            so8t_strbuf_add(&b, "%.2f,%.2f ", XP(c->samples[i]), YP(c->estimate[i] - c->half_width[i]));
        so8t_strbuf_add(&b, "\"/>\n");
    }
    so8t_strbuf_add(&b, "<g stroke=\"#4c8bd6\" stroke-width=\"1.5\">\n");
    for (int i = 0; i < c->n; i++)
        so8t_strbuf_add(&b, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>\n", XP(c->samples[i]),
               YP(c->estimate[i] + c->half_width[i]), XP(c->samples[i]),
               YP(c->estimate[i] - c->half_width[i]));
    so8t_strbuf_add(&b, "</g>\n");
    if (c->have_exact)
        so8t_strbuf_add(&b, "<line id=\"exact\" x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" "
                   "stroke=\"#d62728\" stroke-width=\"2\" stroke-dasharray=\"8,5\"/>\n",
               ml, YP(c->exact), ml + pw, YP(c->exact));
    so8t_strbuf_add(&b, "<polyline id=\"estimate\" fill=\"none\" stroke=\"#1f4e9c\" stroke-width=\"2\" "
               "points=\"");
    for (int i = 0; i < c->n; i++)
        so8t_strbuf_add(&b, "%.2f,%.2f ", XP(c->samples[i]), YP(c->estimate[i]));
    so8t_strbuf_add(&b, "\"/>\n<g fill=\"#1f4e9c\">\n");
    for (int i = 0; i < c->n && c->n <= 2000; i++)
        so8t_strbuf_add(&b, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"3\"/>\n", XP(c->samples[i]),
               YP(c->estimate[i]));
    so8t_strbuf_add(&b, "</g>\n");

    /* frame and legend */
    so8t_strbuf_add(&b, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"none\" "
               "stroke=\"#333333\"/>\n",
           ml, mt, pw, ph);
    double lx = ml + pw - 190, ly = mt + 10;
    so8t_strbuf_add(&b, "<g font-size=\"12\">\n<rect x=\"%.2f\" y=\"%.2f\" width=\"180\" height=\"%d\" "
               "fill=\"white\" fill-opacity=\"0.85\" stroke=\"#999999\"/>\n",
           lx, ly, c->have_exact ? 66 : 46);
    so8t_strbuf_add(&b, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"#1f4e9c\" "
               "stroke-width=\"2\"/>\n<text x=\"%.2f\" y=\"%.2f\">estimate</text>\n",
           lx + 10, ly + 16, lx + 40, ly + 16, lx + 48, ly + 20);
    so8t_strbuf_add(&b, "<rect x=\"%.2f\" y=\"%.2f\" width=\"30\" height=\"10\" fill=\"#4c8bd6\" "
               "fill-opacity=\"0.25\"/>\n<text x=\"%.2f\" y=\"%.2f\">95 %% interval</text>\n",
           lx + 10, ly + 31, lx + 48, ly + 40);
    if (c->have_exact) {
        char t[48];
        snprintf(t, sizeof t, "%.10g", c->exact);
        so8t_strbuf_add(&b, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"#d62728\" "
                   "stroke-width=\"2\" stroke-dasharray=\"8,5\"/>\n<text x=\"%.2f\" "
                   "y=\"%.2f\">exact = %s</text>\n",
               lx + 10, ly + 56, lx + 40, ly + 56, lx + 48, ly + 60, t);
    }
    so8t_strbuf_add(&b, "</g>\n</svg>\n");
#undef XP
#undef YP
    if (b.oom) {
        free(b.p);
        so8t_err_set(err, errlen, "plot: out of memory");
        return LLM_ERR_NOMEM;
    }
    *svg = b.p;
    return 0;
}

int llm_svgplot_convergence_write(const llm_svgplot_convergence *c, const char *path,
                                  char *err, size_t errlen)
{
    char *svg = NULL;
    int rc = llm_svgplot_convergence_render(c, &svg, err, errlen);
    if (rc)
        return rc;
    if (!path || !*path) {
        free(svg);
        so8t_err_set(err, errlen, "plot: no file name");
        return LLM_ERR_INVAL;
    }
    FILE *f = fopen(path, "wb");
    if (!f) {
        so8t_err_set(err, errlen, "plot: cannot write %s: %s", path, strerror(errno));
        free(svg);
        return LLM_ERR_IO;
    }
    size_t n = strlen(svg);
    int bad = fwrite(svg, 1, n, f) != n;
    bad |= fclose(f) != 0;
    free(svg);
    if (bad) {
        so8t_err_set(err, errlen, "plot: cannot write %s (disk full?)", path);
        return LLM_ERR_IO;
    }
    return 0;
}
