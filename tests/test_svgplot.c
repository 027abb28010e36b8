/* test_svgplot.c — the convergence SVG: structure, log-scale geometry, escaping, bad input,
 * and that a real renderer (rsvg-convert, Debian librsvg2-bin) turns it into a PNG of the
 * requested size while rejecting a broken SVG. */
#include "llm/llm.h"
#include "explain/svgplot.h"
#include "tests/test.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Reads the "x,y x,y ..." list of the element with the given id. */
static int read_points(const char *svg, const char *id, double *x, double *y, int max)
{
    char key[64];
    snprintf(key, sizeof key, "id=\"%s\"", id);
    const char *p = strstr(svg, key);
    if (!p)
        return -1;
    p = strstr(p, "points=\"");
    if (!p)
        return -1;
    p += 8;
    int n = 0;
    while (*p && *p != '"' && n < max) {
        char *e;
        x[n] = strtod(p, &e);
        if (*e != ',')
            return -1;
        y[n] = strtod(e + 1, &e);
        n++;
        while (*e == ' ')
            e++;
        p = e;
    }
    return n;
}

static double attr(const char *svg, const char *id, const char *name)
{
    char key[64];
    snprintf(key, sizeof key, "id=\"%s\"", id);
    const char *p = strstr(svg, key);
    if (!p)
        return NAN;
    snprintf(key, sizeof key, " %s=\"", name);
    p = strstr(p, key);
    return p ? strtod(p + strlen(key), NULL) : NAN;
}

static uint32_t be32(const unsigned char *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* Renders path.svg with rsvg-convert; returns its exit status, fills width/height. */
static int render_png(const char *svg_path, const char *png_path, uint32_t *w, uint32_t *h)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rsvg-convert -o '%s' '%s' 2>/dev/null", png_path, svg_path);
    int rc = system(cmd);
    *w = *h = 0;
    FILE *f = fopen(png_path, "rb");
    if (f) {
        unsigned char b[24];
        if (fread(b, 1, 24, f) == 24 && !memcmp(b, "\x89PNG\r\n\x1a\n", 8) &&
            !memcmp(b + 12, "IHDR", 4)) {
            *w = be32(b + 16);
            *h = be32(b + 20);
        }
        fclose(f);
    }
    return rc;
}

int main(void)
{
    char err[256];
    /* A hit-or-miss run of the 8-cube ∩ ball(1.5): p = 0.32486, volume 256 p, 9 checkpoints
     * spaced by √10, estimates wobbling inside their intervals. */
    enum { N = 9 };
    double s[N], est[N], hw[N];
    const double exact = 83.16398, p = exact / 256;
    for (int i = 0; i < N; i++) {
        s[i] = 1000 * pow(10.0, i / 2.0);
        hw[i] = 1.96 * 256 * sqrt(p * (1 - p) / s[i]);
        est[i] = exact + ((i % 3) - 1) * 0.4 * hw[i];
    }
    llm_svgplot_convergence c = {s, est, hw, N, 1, exact, "8-cube ∩ ball, r = 1.5",
                                 "samples", "volume", 0, 0};
    char *svg = NULL;
    int rc = llm_svgplot_convergence_render(&c, &svg, err, sizeof err);
    CHECK_MSG(rc == 0 && svg, "%s", err);
    if (!svg)
        return test_summary();
    CHECK(!strncmp(svg, "<?xml", 5) && strstr(svg, "width=\"720\" height=\"450\""));
    CHECK(strstr(svg, "8-cube ∩ ball, r = 1.5") != NULL);
    CHECK(strstr(svg, "exact = 83.16398") != NULL);
    CHECK(strstr(svg, "95 % interval") != NULL);

    double x[2 * N], y[2 * N], bx[2 * N], by[2 * N];
    int n = read_points(svg, "estimate", x, y, 2 * N);
    CHECK(n == N);
    int nb = read_points(svg, "band", bx, by, 2 * N);
    CHECK(nb == 2 * N);
    double ey = attr(svg, "exact", "y1");
    CHECK(isfinite(ey));
    if (n == N && nb == 2 * N) {
        /* log scale: samples spaced by a constant factor → equal pixel steps */
        double dx = x[1] - x[0];
        CHECK(dx > 10);
        for (int i = 1; i < N; i++)
            CHECK_NEAR(x[i] - x[i - 1], dx, 0.02);
        /* x from 10^3 to 10^7 spans the whole plot width: 8 half-decade steps of 4 decades */
        CHECK_NEAR(x[N - 1] - x[0], 8 * dx, 0.05);
        for (int i = 0; i < N; i++) {
            /* upper band edge above (smaller y) the estimate, lower edge below */
            CHECK(by[i] < y[i] && by[2 * N - 1 - i] > y[i]);
            /* every interval here contains the exact value (offsets are 0.4 half-widths) */
            CHECK(by[i] <= ey + 1e-6 && by[2 * N - 1 - i] >= ey - 1e-6);
            /* the band narrows like 1/√n: half-width in pixels halves when n grows 4x… here
             * it shrinks by √10 per two steps */
            if (i >= 2) {
                double w0 = by[2 * N - 1 - (i - 2)] - by[i - 2];
                double w1 = by[2 * N - 1 - i] - by[i];
                CHECK_NEAR(w0 / w1, sqrt(10.0), 0.01);
            }
            CHECK(x[i] > 0 && x[i] < 720 && y[i] > 0 && y[i] < 450);
        }
        /* the middle estimate (i % 3 == 1) sits on the exact line */
        CHECK_NEAR(y[1], ey, 0.01);
        CHECK(y[0] > ey); /* below the exact value → larger y */
        CHECK(y[2] < ey);
    }

    /* Writing and rendering with a real SVG renderer. */
    char dir[] = "/tmp/so8t_svg_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char sp[128], pp[128];
    snprintf(sp, sizeof sp, "%s/plot.svg", dir);
    snprintf(pp, sizeof pp, "%s/plot.png", dir);
    CHECK(llm_svgplot_convergence_write(&c, sp, err, sizeof err) == 0);
    CHECK_MSG(system("command -v rsvg-convert >/dev/null 2>&1") == 0,
              "rsvg-convert is missing: run tools/deps.sh (Debian librsvg2-bin)");
    uint32_t w, h;
    rc = render_png(sp, pp, &w, &h);
    CHECK_MSG(rc == 0 && w == 720 && h == 450, "rsvg-convert rc %d, png %ux%u", rc, w, h);
    /* Companion: a broken SVG is refused by the same renderer, so the check has teeth. */
    char bp[128], bpp[128];
    snprintf(bp, sizeof bp, "%s/broken.svg", dir);
    snprintf(bpp, sizeof bpp, "%s/broken.png", dir);
    FILE *f = fopen(bp, "w");
    if (f) {
        fputs("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\"><g></svg>", f);
        fclose(f);
    }
    rc = render_png(bp, bpp, &w, &h);
    CHECK(rc != 0);
    /* A hostile title is escaped; one point and no exact value still render. */
    const double s1[1] = {1e6}, e1[1] = {0.5}, h1[1] = {0.01};
    llm_svgplot_convergence one = {s1, e1, h1, 1, 0, 0, "<script>alert(1)</script> & \"x\"\x01",
                                   NULL, NULL, 300, 200};
    char *svg1 = NULL;
    CHECK(llm_svgplot_convergence_render(&one, &svg1, err, sizeof err) == 0);
    CHECK(svg1 && !strstr(svg1, "<script") && strstr(svg1, "&lt;script&gt;") &&
          strstr(svg1, "&amp; &quot;x&quot;") && !strchr(svg1, '\x01'));
    CHECK(svg1 && !strstr(svg1, "id=\"exact\"") && !strstr(svg1, "id=\"band\""));
    snprintf(sp, sizeof sp, "%s/one.svg", dir);
    CHECK(llm_svgplot_convergence_write(&one, sp, err, sizeof err) == 0);
    rc = render_png(sp, pp, &w, &h);
    CHECK(rc == 0 && w == 300 && h == 200);
    free(svg1);

    /* Bad input. */
    double bad_s[3] = {100, 100, 1000}, neg[3] = {-1, 10, 100}, nanv[3] = {1, NAN, 1};
    double hw3[3] = {1, 1, 1}, hwneg[3] = {1, -1, 1}, e3[3] = {1, 1, 1};
    llm_svgplot_convergence b = {bad_s, e3, hw3, 3, 0, 0, NULL, NULL, NULL, 0, 0};
    char *out = (char *)1;
    CHECK(llm_svgplot_convergence_render(&b, &out, err, sizeof err) == LLM_ERR_INVAL &&
          out == NULL && strstr(err, "increasing"));
    b.samples = neg;
    CHECK(llm_svgplot_convergence_render(&b, &out, err, sizeof err) == LLM_ERR_INVAL);
    b.samples = s;
    b.estimate = nanv;
    CHECK(llm_svgplot_convergence_render(&b, &out, err, sizeof err) == LLM_ERR_INVAL);
    b.estimate = e3;
    b.half_width = hwneg;
    CHECK(llm_svgplot_convergence_render(&b, &out, err, sizeof err) == LLM_ERR_INVAL);
    b.half_width = hw3;
    b.n = 0;
    CHECK(llm_svgplot_convergence_render(&b, &out, err, sizeof err) == LLM_ERR_INVAL);
    b.n = 3;
    b.have_exact = 1;
    b.exact = INFINITY;
    CHECK(llm_svgplot_convergence_render(&b, &out, err, sizeof err) == LLM_ERR_INVAL);
    CHECK(llm_svgplot_convergence_render(NULL, &out, err, sizeof err) == LLM_ERR_INVAL);
    CHECK(llm_svgplot_convergence_write(&c, "/nonexistent/dir/plot.svg", err, sizeof err) ==
              LLM_ERR_IO &&
          strstr(err, "/nonexistent/dir/plot.svg"));
    /* Identical estimates with zero width (a degenerate run) still give a sane axis. */
    double flat[3] = {2, 2, 2}, zero[3] = {0, 0, 0};
    llm_svgplot_convergence fl = {s, flat, zero, 3, 1, 2, NULL, NULL, NULL, 0, 0};
    CHECK(llm_svgplot_convergence_render(&fl, &out, err, sizeof err) == 0 && out &&
          !strstr(out, "nan") && !strstr(out, "inf"));
    free(out);

    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
    free(svg);
    return test_summary();
}
