/* test_geom_bounds.c — the exact values' error bounds against independent 50-digit references
 * (tests/fixtures/exact_refs.csv, made by tools/make_exact_refs.py with mpmath: the ball
 * formula, the corner power series and a Bromwich-line quadrature, cross-checked there to 35+
 * digits), and the limits of every result.
 *
 * For every row: status OK, |value - ref| <= error_bound (plus the reference's own rounding to
 * double), |log_value - log ref| <= rel_error_bound (the bound in the log, for values out of
 * double range), the bound not absurdly loose (<= 1e-10 relative or <= 1e4 × the real
 * error), 0 <= value <= min(cube, ball) (surface: <= sphere; complement: <= cube), the
 * fractions in [0, 1].  Then the complement against (2a)^d - V where that is well
 * conditioned, the complement's exact cases, and tiny / huge scales. */
#include "geom/geom_internal.h"
#include "tests/test.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define REFS "tests/fixtures/exact_refs.csv"

static int parse_center(const char *spec, double a, double *c, int d)
{
    int k = 0;
    const char *p = spec;
    while (*p) {
        char *end;
        double v = strtod(p, &end);
        if (end == p || *end != ':')
            return -1;
        long n = strtol(end + 1, &end, 10);
        for (long i = 0; i < n && k < d; i++)
            c[k++] = v * a;
        p = *end == ';' ? end + 1 : end;
        if (*end != ';' && *end != '\0')
            return -1;
    }
    return k == d ? 0 : -1;
}

static int rows_checked, rows_loose;
static double worst_ratio; /* largest real error / bound seen (must stay <= 1) */
static int worst_line;

static void check_row(const char *q, int d, double a, double r, const double *c, double ref,
                      double lref, int line)
{
    geom_problem p = {d, a, r, c, NULL};
    geom_result o;
    char err[256] = "";
    int st = !strcmp(q, "volume")    ? geom_volume_exact(&p, &o, err, sizeof err)
             : !strcmp(q, "surface") ? geom_surface_exact(&p, &o, err, sizeof err)
                                     : geom_complement_exact(&p, &o, err, sizeof err);
    rows_checked++;
    CHECK_MSG(st == GEOM_OK, "line %d %s d=%d r=%.17g: status %d (%s)", line, q, d, r, st, err);
    /* the value itself, where the reference is a normal double */
    if (isfinite(ref) && fabs(ref) >= DBL_MIN) {
        double diff = fabs(o.value - ref), allow = o.error_bound + fabs(ref) * DBL_EPSILON / 2;
        CHECK_MSG(diff <= allow,
                  "line %d %s d=%d a=%g r=%.17g (%s): |%.17g - %.17g| = %.3g > bound %.3g", line,
                  q, d, a, r, o.method, o.value, ref, diff, o.error_bound);
    }
    /* the log (always) */
    double rel = o.rel_error_bound;
    double ldiff = fabs(o.log_value - lref);
    double lallow = rel / (1 - rel) + fabs(lref) * DBL_EPSILON + DBL_TRUE_MIN;
    CHECK_MSG(ldiff <= lallow, "line %d %s d=%d a=%g r=%.17g (%s): log %.17g vs %.17g (%.3g > %.3g)",
              line, q, d, a, r, o.method, o.log_value, lref, ldiff, lallow);
    if (rel > 0 && ldiff / rel > worst_ratio) {
        worst_ratio = ldiff / rel;
        worst_line = line;
    }
    /* not absurdly loose */
    int loose = !(rel <= 1e-10 || rel <= 1e4 * ldiff);
    rows_loose += loose;
    CHECK_MSG(!loose, "line %d %s d=%d r=%.17g (%s): bound %.3g vs real error %.3g", line, q, d,
              r, o.method, rel, ldiff);
    /* limits */
    double lcube = d * (M_LN2 + log(a));
    double lball = !strcmp(q, "surface") ? geom_sphere_log_area(d, r) : geom_ball_log_volume(d, r);
    CHECK_MSG(o.value >= 0 && o.error_bound >= 0, "line %d: negative value or bound", line);
    if (strcmp(q, "surface")) {
        CHECK_MSG(o.log_value <= lcube, "line %d %s: log_value %.17g above the cube's %.17g", line,
                  q, o.log_value, lcube);
        double cube = pow(2 * a, d); /* exact at a = 1 */
        if (isfinite(cube))
            CHECK_MSG(o.value <= cube, "line %d %s: value %.17g above the cube's %.17g", line, q,
                      o.value, cube);
    }
    if (strcmp(q, "complement"))
        CHECK_MSG(o.log_value <= lball, "line %d %s: log_value %.17g above the ball's %.17g", line,
                  q, o.log_value, lball);
    if (strcmp(q, "surface")) /* a share of the cube; a surface / (2a)^d is no share */
        CHECK_MSG(o.fraction_of_cube >= 0 && o.fraction_of_cube <= 1 &&
                      o.log_fraction_of_cube <= 0,
                  "line %d %s: fraction_of_cube %.17g", line, q, o.fraction_of_cube);
    else
        CHECK_MSG(fabs(o.log_fraction_of_cube - (o.log_value - lcube)) <= 1e-12 * (1 + fabs(lcube)),
                  "line %d surface: log_fraction_of_cube %.17g is not log(value / (2a)^d)", line,
                  o.log_fraction_of_cube);
    if (strcmp(q, "complement"))
        CHECK_MSG(o.fraction_of_ball >= 0 && o.fraction_of_ball <= 1 &&
                      o.log_fraction_of_ball <= 0,
                  "line %d %s: fraction_of_ball %.17g", line, q, o.fraction_of_ball);
    else
        CHECK(isnan(o.fraction_of_ball) && isnan(o.log_fraction_of_ball));
}

/* The transform's upper tail alone (what the complement uses where the corner series does
 * not apply), on the full cube: its own bound must hold too, also where geom_*_exact now
 * answers with the series (d = 100…128 near the corner, where it claimed 7e-13 and was 5e-11
 * off). */
static int tail_checked;

static void check_transform_tail(int d, double r, const double *c, double lref, int line)
{
    double x1[GEOM_MAX_DIM], x2[GEOM_MAX_DIM], cs[GEOM_MAX_DIM], lq, rel;
    for (int i = 0; i < d; i++)
        cs[i] = fabs(c[i]);
    for (int i = 0; i < d; i++) {
        x1[i] = -1 - cs[i];
        x2[i] = 1 - cs[i];
    }
    char err[256] = "";
    int st = geom_tf_log_tail(d, x1, x2, r * r, &lq, &rel, err, sizeof err);
    /* (d = 128 near the corner: every node underflowed to 0, "no stable period") */
    CHECK_MSG(st == GEOM_OK && isfinite(lq), "line %d: transform tail d=%d r=%.17g failed: %s",
              line, d, r, err);
    if (st != GEOM_OK || !isfinite(lq))
        return;
    tail_checked++;
    double lv = lq + d * M_LN2, diff = fabs(lv - lref);
    double allow = rel / (1 - rel) + 4 * DBL_EPSILON * (fabs(lref) + d);
    CHECK_MSG(diff <= allow, "line %d: transform tail d=%d r=%.17g: log %.17g vs %.17g (%.3g > %.3g)",
              line, d, r, lv, lref, diff, allow);
    CHECK_MSG(rel <= 1e-10 || rel <= 1e4 * diff, "line %d: transform tail bound %.3g, error %.3g",
              line, rel, diff);
}

static void check_fixture(void)
{
    FILE *f = fopen(REFS, "r");
    CHECK_MSG(f != NULL, "cannot open %s (run from the repository root)", REFS);
    if (!f)
        return;
    char buf[4096];
    int line = 0, rows = 0;
    while (fgets(buf, sizeof buf, f)) {
        line++;
        if (buf[0] == '#' || !strncmp(buf, "quantity,", 9))
            continue;
        char q[32], as[64], rs[80], cs[1024], meth[32], vs[80], ls[80];
        int d;
        if (sscanf(buf, "%31[^,],%d,%63[^,],%79[^,],%1023[^,],%31[^,],%79[^,],%79[^,\n]", q, &d,
                   as, rs, cs, meth, vs, ls) != 8) {
            CHECK_MSG(0, "%s:%d: cannot parse", REFS, line);
            continue;
        }
        double a = strtod(as, NULL), r = strtod(rs, NULL), c[GEOM_MAX_DIM];
        if (d < 1 || d > GEOM_MAX_DIM || parse_center(cs, a, c, d)) {
            CHECK_MSG(0, "%s:%d: bad dimension or centre", REFS, line);
            continue;
        }
        check_row(q, d, a, r, c, strtod(vs, NULL), strtod(ls, NULL), line);
        if (!strcmp(q, "complement") && a == 1 && d >= 4)
            check_transform_tail(d, r, c, strtod(ls, NULL), line);
        rows++;
    }
    fclose(f);
    CHECK_MSG(rows >= 60, "only %d reference rows", rows);
    printf("fixture: %d rows checked, %d with a loose bound, worst real error / bound %.3g "
           "(line %d); transform tail on %d\n",
           rows, rows_loose, worst_ratio, worst_line, tail_checked);
    CHECK(tail_checked >= 10);
}

/* complement vs (2a)^d - V where that loses at most a factor 10 (V <= 0.9 cube): both sides
 * with their bounds */
static void check_complement_vs_volume(void)
{
    static const struct {
        int d;
        double r, c;
    } cases[] = {{2, 1.2, 0.3}, {2, 1.1, 0},   {3, 1.2, 0},  {3, 1.4, 0.2}, {4, 1.45, 0.1},
                 {5, 1.55, 0},  {6, 1.7, 0.2},  {8, 1.85, 0}, {12, 2.2, 0},  {16, 2.6, 0.1},
                 {32, 3.45, 0}, {64, 4.8, 0}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        int d = cases[k].d;
        double c[GEOM_MAX_DIM];
        for (int i = 0; i < d; i++)
            c[i] = i % 2 ? cases[k].c : -cases[k].c;
        geom_problem p = {d, 1.0, cases[k].r, c, NULL};
        geom_result v, q;
        int s1 = geom_volume_exact(&p, &v, NULL, 0), s2 = geom_complement_exact(&p, &q, NULL, 0);
        CHECK(s1 == GEOM_OK && s2 == GEOM_OK);
        double cube = ldexp(1.0, d), sub = cube - v.value;
        CHECK_MSG(v.fraction_of_cube >= 0.5 && v.fraction_of_cube <= 0.9,
                  "case d=%d r=%g: fraction %.3g is not in the well-conditioned band", d,
                  cases[k].r, v.fraction_of_cube);
        double allow = v.error_bound + q.error_bound + 4 * DBL_EPSILON * cube;
        CHECK_MSG(fabs(q.value - sub) <= allow, "d=%d r=%g (%s): complement %.17g vs 1 - V %.17g",
                  d, cases[k].r, q.method, q.value, sub);
        CHECK_MSG(q.rel_error_bound <= 1e-10, "d=%d: complement bound %.3g", d, q.rel_error_bound);
        CHECK(q.log_fraction_of_cube <= 0 && isnan(q.fraction_of_ball));
    }
}

static void check_complement_cases(void)
{
    geom_result o;
    /* disjoint: the whole cube, exactly */
    double c2[2] = {5, 5};
    geom_problem p = {2, 1.0, 0.5, c2, NULL};
    CHECK(geom_complement_exact(&p, &o, NULL, 0) == GEOM_OK);
    CHECK(o.value == 4 && o.log_fraction_of_cube == 0 && o.error_bound == 0);
    geom_problem p0 = {8, 1.0, 0.0, NULL, NULL}; /* r = 0: the whole cube, 2^8 exactly */
    CHECK(geom_complement_exact(&p0, &o, NULL, 0) == GEOM_OK);
    CHECK(o.value == 256 && o.fraction_of_cube == 1);
    /* cube inside the ball: 0 */
    geom_problem p2 = {3, 1.0, 2.0, NULL, NULL};
    CHECK(geom_complement_exact(&p2, &o, NULL, 0) == GEOM_OK);
    CHECK(o.value == 0 && o.log_value == -INFINITY && o.error_bound == 0);
    /* d = 1: the two end pieces: [-1, 1] minus [0.25 - 0.5, 0.25 + 0.5] = 0.75 + 0.25 */
    double c1 = 0.25;
    geom_problem p1 = {1, 1.0, 0.5, &c1, NULL};
    CHECK(geom_complement_exact(&p1, &o, NULL, 0) == GEOM_OK);
    CHECK_NEAR(o.value, 1.0, 4e-16);
    /* ball inside: cube - ball (d = 3, r = 0.5: 8 - π/6) */
    geom_problem p3 = {3, 1.0, 0.5, NULL, NULL};
    CHECK(geom_complement_exact(&p3, &o, NULL, 0) == GEOM_OK);
    CHECK_NEAR(o.value, 8 - M_PI / 6, o.error_bound + 1e-15);
    /* a rotated cube: the same as the axis-aligned one with the rotated centre */
    double R[4] = {0, -1, 1, 0}, cr[2] = {0.3, 0}, ca[2] = {0, -0.3};
    geom_problem pr = {2, 1.0, 1.35, cr, R}, pa = {2, 1.0, 1.35, ca, NULL};
    geom_result orot, oax;
    CHECK(geom_complement_exact(&pr, &orot, NULL, 0) == GEOM_OK);
    CHECK(geom_complement_exact(&pa, &oax, NULL, 0) == GEOM_OK);
    CHECK(orot.value == oax.value);
    /* bad input is refused like the volume's */
    geom_problem bad = {2, -1.0, 1.0, NULL, NULL};
    CHECK(geom_complement_exact(&bad, &o, NULL, 0) == GEOM_ERR_INVAL);
}

/* the examples: tiny radii and huge cubes keep the ball's volume and its log */
static void check_scales(void)
{
    geom_result o;
    geom_problem p = {8, 1.0, 1e-170, NULL, NULL};
    CHECK(geom_volume_exact(&p, &o, NULL, 0) == GEOM_OK);
    CHECK(isfinite(o.log_value) && o.log_value < -3000);
    CHECK(o.fraction_of_ball == 1);
    geom_problem h = {8, 1e200, 1.5, NULL, NULL};
    CHECK(geom_volume_exact(&h, &o, NULL, 0) == GEOM_OK);
    CHECK_REL(o.value, pow(M_PI, 4) / 24 * pow(1.5, 8), 1e-13);
    /* a tiny ball centred on a face of a huge cube: half of it */
    double cf[3] = {1e200, 0, 0};
    geom_problem hf = {3, 1e200, 2.0, cf, NULL};
    CHECK(geom_volume_exact(&hf, &o, NULL, 0) == GEOM_OK);
    CHECK_REL(o.value, 0.5 * 4.0 / 3.0 * M_PI * 8, 1e-14);
    CHECK(o.fraction_of_ball == 0.5);
    /* the ratio r / a underflowing: still inside */
    geom_problem u = {4, 1e300, 1e-300, NULL, NULL};
    CHECK(geom_volume_exact(&u, &o, NULL, 0) == GEOM_OK);
    CHECK(isfinite(o.log_value) && o.fraction_of_ball == 1);
}

int main(void)
{
    check_fixture();
    check_complement_vs_volume();
    check_complement_cases();
    check_scales();
    return test_summary();
}
