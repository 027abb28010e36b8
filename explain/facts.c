/* facts.c — the fact lines (what the model may cite), the deterministic template text and
 * the allowed numbers, all from one explain_result.
 *
 * Geometry used in the facts (cube Q = [-a, a]^d, ball B of radius r centred at 0):
 *   vol(Q) = (2a)^d;  vol(B) = π^(d/2) r^d / Γ(d/2 + 1);  area(∂B) = 2 π^(d/2) r^(d−1) / Γ(d/2);
 *   faces at distance a from the centre, corners at a·√d. For a < r < a√d the ball pokes out
 *   through the 2d faces but misses the 2^d corners, where most of a high-dimensional cube's
 *   volume lies (a uniform point of Q has E|x|² = d a²/3, so |x| ≈ a√(d/3)).
 */
#include "explain/explain_internal.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The problem in words: the template's full form (brief = 0) and the fact line's short one
 * without "the part of" wording, so the prompt stays small (brief = 1). Both forms of a
 * quantity take the same arguments in the same order. */
static void describe(so8t_strbuf *b, const explain_result *ri, int brief)
{
    static const char *const surface[2] = {
        "the surface measure of the sphere of radius %s%s inside the cube [-%s, %s]^%d",
        "surface of the sphere of radius %s%s inside the cube [-%s, %s]^%d"};
    static const char *const orient[2] = {
        "the volume of the randomly rotated cube [-%s, %s]^%d inside the ball of radius %s, "
        "averaged over uniform (Haar) rotations",
        "volume of the cube [-%s, %s]^%d inside the ball of radius %s, averaged over random "
        "rotations of the cube"};
    static const char *const volume[2] = {
        "the volume of the part of the cube [-%s, %s]^%d %s the ball of radius %s%s",
        "volume of the cube [-%s, %s]^%d %s the ball of radius %s%s"};
    char a[32], r[32];
    explain_fmt_g(a, sizeof a, ri->a, 6);
    explain_fmt_g(r, sizeof r, ri->r, 6);
    int d = (int)ri->dim;
    const char *centre = brief ? (ri->centred ? "" : " (centre off 0)")
                               : (ri->centred ? " (centred at 0)" : " (centred as given)");
    if (!strcmp(ri->quantity, "surface"))
        so8t_strbuf_add(b, surface[brief], r, centre, a, a, d);
    else if (!strcmp(ri->quantity, "orient_avg"))
        so8t_strbuf_add(b, orient[brief], a, a, d, r);
    else
        so8t_strbuf_add(b, volume[brief], a, a, d,
                        !strcmp(ri->quantity, "complement") ? "outside" : "inside", r, centre);
}

/* "- task: [exact ]<the problem, short>" */
static void add_task_fact(so8t_strbuf *f, const explain_result *ri, const char *prefix)
{
    so8t_strbuf_add(f, "- task: %s", prefix);
    if (ri->have_geom)
        describe(f, ri, 1);
    else
        so8t_strbuf_add(f, "%s", ri->quantity);
    so8t_strbuf_add(f, "\n");
}

/* how many rotations were drawn, in words ("some" when the result does not say) */
static void rotation_count(char *x, size_t n, const explain_result *ri)
{
    explain_fmt_count(x, n, ri->samples);
    if (!isfinite(ri->samples))
        snprintf(x, n, "some");
}

static void add_corner_fact(so8t_strbuf *f, const explain_result *ri)
{
    char x[48], y[48];
    if (!ri->have_geom || !ri->centred)
        return;
    explain_fmt_g(x, sizeof x, ri->a, 6);
    explain_fmt_g(y, sizeof y, ri->corner, 3);
    so8t_strbuf_add(f, "- distance to a face: %s\n- distance to a corner: %s\n", x, y);
}

/* The fact lines given to the model (and printed by --json). Same labels and order as the
 * worked examples, so that a small base model copies the right number. */
void explain_facts_build(so8t_strbuf *f, const explain_result *ri)
{
    char x[128], y[128];
    switch (ri->kind) {
    case LLM_RESULT_VOLUME:
        add_task_fact(f, ri, "");
        explain_fmt_count(x, sizeof x, ri->samples);
        if (isfinite(ri->samples))
            so8t_strbuf_add(f, "- samples: %s\n", x);
        explain_fmt_pm(x, sizeof x, ri->est, ri->se);
        so8t_strbuf_add(f, "- estimate: %s\n", x);
        if (ri->have_gpu && ri->have_cpu && ri->have_identical) {
            explain_fmt_count(x, sizeof x, ri->gpu_hits);
            explain_fmt_count(y, sizeof y, ri->cpu_hits);
            so8t_strbuf_add(f, "- GPU hits: %s\n- CPU hits: %s\n- identical: %s\n", x, y,
                   ri->identical ? "yes" : "no");
        } else if (ri->have_cpu) {
            so8t_strbuf_add(f, "- GPU: not run\n");
        }
        if (ri->have_exact) {
            explain_fmt_g(x, sizeof x, ri->exact, 8);
            explain_fmt_sig(y, sizeof y, fabs(ri->z), 2);
            so8t_strbuf_add(f, "- exact value: %s\n", x);
            if (isfinite(ri->z))
                so8t_strbuf_add(f, "- standard errors away: %s\n", y);
            so8t_strbuf_add(f, "- agrees: %s\n", ri->agrees ? "yes" : "no");
        }
        if (isfinite(ri->frac_cube)) {
            explain_fmt_sig(x, sizeof x, 100 * ri->frac_cube, 3);
            so8t_strbuf_add(f, "- %s: %s%%\n",
                   !strcmp(ri->quantity, "surface") ? "fraction of the sphere inside the cube"
                                                    : "fraction of the cube",
                   x);
        }
        add_corner_fact(f, ri);
        break;
    case LLM_RESULT_EXACT:
        add_task_fact(f, ri, "exact ");
        explain_fmt_g(x, sizeof x, ri->value, 10);
        so8t_strbuf_add(f, "- value: %s\n", x);
        if (ri->have_error_bound) {
            explain_fmt_sig(x, sizeof x, ri->error_bound, 2);
            so8t_strbuf_add(f, "- error bound: %s\n", x);
        }
        if (!strcmp(ri->quantity, "surface")) {
            if (ri->have_ball) {
                explain_fmt_sig(x, sizeof x, 100 * ri->value / ri->sphere_area, 3);
                so8t_strbuf_add(f, "- fraction of the sphere inside the cube: %s%%\n", x);
            }
        } else if (ri->have_fc) {
            explain_fmt_sig(x, sizeof x, 100 * ri->fraction_cube_json, 3);
            so8t_strbuf_add(f, "- fraction of the cube: %s%%\n", x);
        }
        add_corner_fact(f, ri);
        break;
    case LLM_RESULT_ROTATIONS:
        rotation_count(x, sizeof x, ri);
        if (isfinite(ri->dim))
            so8t_strbuf_add(f, "- task: %s random rotations in %d dimensions, SO(%d)\n", x, (int)ri->dim,
                   (int)ri->dim);
        else
            so8t_strbuf_add(f, "- task: %s random rotations\n", x);
        if (ri->have_orth) {
            explain_fmt_sig(x, sizeof x, ri->max_orth, 2);
            so8t_strbuf_add(f, "- orthogonality error: %s\n", x);
        }
        so8t_strbuf_add(f, "- tests of uniformity: %d\n- tests passed: %d\n", ri->n_tests, ri->n_pass);
        if (ri->worst_z >= 0) {
            explain_fmt_sig(x, sizeof x, ri->worst_z, 2);
            so8t_strbuf_add(f, "- worst deviation: %s\n", x);
        }
        break;
    case LLM_RESULT_VERIFY:
        so8t_strbuf_add(f, "- task: so8t verify, checks of GPU, CPU and exact values\n");
        so8t_strbuf_add(f, "- cases: %d\n", ri->n_cases);
        if (ri->n_cases_exact) {
            so8t_strbuf_add(f, "- agreeing with the exact value: %d of %d\n", ri->n_cases_exact_ok,
                   ri->n_cases_exact);
            explain_fmt_sig(x, sizeof x, ri->verify_worst_z, 2);
            so8t_strbuf_add(f, "- largest standard errors away: %s\n", x);
        }
        if (ri->n_cases_ident_known)
            so8t_strbuf_add(f, "- identical GPU and CPU counts: %d of %d\n", ri->n_cases_ident,
                   ri->n_cases_ident_known);
        else
            so8t_strbuf_add(f, "- GPU: not run\n");
        if (ri->have_pass)
            so8t_strbuf_add(f, "- passed: %s\n", ri->pass ? "yes" : "no");
        break;
    }
}

/* The geometry sentence (volume and exact results centred at 0). */
static void geometry_sentence(so8t_strbuf *t, const explain_result *ri, double frac)
{
    char a[32], r[32], c[32], p[32], n[32];
    if (!ri->have_geom || !isfinite(frac))
        return;
    if (ri->r == 0) {
        so8t_strbuf_add(t, " A ball of radius 0 is a single point, so the overlap has no %s: "
                          "the value is exactly 0.",
                       !strcmp(ri->quantity, "surface") ? "area" : "volume");
        return;
    }
    int d = (int)ri->dim;
    explain_fmt_g(a, sizeof a, ri->a, 6);
    explain_fmt_g(r, sizeof r, ri->r, 6);
    explain_fmt_g(c, sizeof c, ri->corner, 3);
    explain_fmt_sig(p, sizeof p, 100 * frac, 3);
    if (!strcmp(ri->quantity, "complement")) { /* the part of the cube outside the ball */
        if (ri->centred && ri->r >= ri->corner)
            so8t_strbuf_add(t, " The ball contains the whole cube (its corners are at distance "
                              "%s), so no part of the cube lies outside it.",
                           c);
        else if (ri->centred && ri->r > ri->a)
            so8t_strbuf_add(t, " The part outside the ball is %s%% of the cube: it lies out in "
                              "the corners, beyond distance %s from the centre (the corners "
                              "are at distance %s).",
                           p, r, c);
        else
            so8t_strbuf_add(t, " The part outside the ball is %s%% of the cube.", p);
        return;
    }
    if (!strcmp(ri->quantity, "surface")) {
        explain_fmt_count(n, sizeof n, ri->n_faces);
        /* "Only" when under half of the sphere is inside (near r = a most of it is) */
        if (ri->centred && ri->r > ri->a && ri->r < ri->corner)
            so8t_strbuf_add(t, " %s%s%% of the sphere's surface lies inside the cube: a sphere of "
                      "radius %s pokes out through all %s faces of the cube (at distance %s) "
                      "while staying short of its corners (at distance %s).",
                   frac < 0.5 ? "Only " : "", p, r, n, a, c);
        else
            so8t_strbuf_add(t, " %s%% of the sphere's surface lies inside the cube.", p);
        return;
    }
    if (!ri->centred) {
        so8t_strbuf_add(t, " The overlap fills %s%% of the cube.", p);
        return;
    }
    /* The corner sentences state the high-dimensional effect; they are true only where it
     * is there: the inscribed ball fills under half the cube from d = 4 on (52 % at d = 3,
     * 79 % at d = 2, all of it at d = 1), and a bigger ball leaves "much" outside only while
     * it fills under half. Elsewhere a plain sentence. */
    double lin = (d / 2.0) * log(M_PI) - lgamma(d / 2.0 + 1) - d * log(2.0);
    if (ri->r <= ri->a && (!(lin < log(0.5)) || ri->r < 0.5 * ri->a)) /* a small ball is small */
        so8t_strbuf_add(t, " The ball fits inside the cube, so the overlap is the whole ball: %s%% of "
                          "the cube.",
                       p);
    else if (ri->r <= ri->a)
        so8t_strbuf_add(t, " The ball fits inside the cube, so the overlap is the whole ball, yet it fills "
                  "only %s%% of the cube: in %d dimensions most of a cube's volume sits out "
                  "towards its corners (at distance %s), far from the centre.",
               p, d, c);
    else if (ri->r < ri->corner) {
        if (isfinite(ri->n_corners) && ri->n_corners < 1e15)
            explain_fmt_count(n, sizeof n, ri->n_corners);
        else
            snprintf(n, sizeof n, "2^%d", d);
        so8t_strbuf_add(t, " The overlap fills %s%% of the cube: the ball reaches past the cube's faces "
                  "(at distance %s) but not its %s corners (at distance %s)",
               p, a, n, c);
        if (frac < 0.5)
            so8t_strbuf_add(t, ", and in %d dimensions much of a cube's volume lies out in those "
                              "corners",
                           d);
        so8t_strbuf_add(t, ".");
    } else
        so8t_strbuf_add(t, " The ball contains the whole cube (its corners are at distance %s), so the "
                  "overlap is the cube itself: %s%% of it.",
               c, p);
}

void explain_template_build(so8t_strbuf *t, const explain_result *ri)
{
    char x[128], y[128], z[128];
    switch (ri->kind) {
    case LLM_RESULT_VOLUME:
        explain_fmt_count(x, sizeof x, ri->samples);
        so8t_strbuf_add(t, "so8t estimated ");
        if (ri->have_geom)
            describe(t, ri, 0);
        else
            so8t_strbuf_add(t, "a %s", ri->quantity);
        if (ri->samples == 0) /* known without sampling (e.g. disjoint bodies) */
            so8t_strbuf_add(t, " without random samples, because the value is known exactly "
                              "(method %s, backend %s).",
                           ri->method, ri->backend);
        else if (isfinite(ri->samples))
            so8t_strbuf_add(t, " from %s random samples (method %s, backend %s).", x,
                           ri->method, ri->backend);
        else
            so8t_strbuf_add(t, " by random sampling (method %s, backend %s).", ri->method,
                           ri->backend);
        explain_fmt_pm(x, sizeof x, ri->est, ri->se);
        if (ri->se > 0)
            so8t_strbuf_add(t, " The estimate is %s, where ± is one standard error", x);
        else
            so8t_strbuf_add(t, " The estimate is %s, with a standard error of 0", x);
        if (ri->have_ci) {
            explain_fmt_at(y, sizeof y, ri->lo, ri->se);
            explain_fmt_at(z, sizeof z, ri->hi, ri->se);
            so8t_strbuf_add(t, "; the 95%% interval runs from %s to %s", y, z);
        }
        so8t_strbuf_add(t, ".");
        if (ri->have_gpu && ri->have_cpu && ri->have_identical) {
            explain_fmt_count(x, sizeof x, ri->gpu_hits);
            explain_fmt_count(y, sizeof y, ri->cpu_hits);
            if (ri->identical)
                so8t_strbuf_add(t, " The GPU and the CPU counted identical numbers of hits (%s), as they "
                          "must, since both draw their random numbers from one seed.",
                       x);
            else
                so8t_strbuf_add(t, " The GPU counted %s hits and the CPU %s: the counts are not "
                          "identical, although both draw their random numbers from one seed, "
                          "so one backend has a bug.",
                       x, y);
        } else if (ri->have_cpu) {
            so8t_strbuf_add(t, " The GPU was not run (%s), so the CPU alone computed the estimate.",
                   ri->gpu_why[0] ? ri->gpu_why : "no CUDA device here");
        }
        if (ri->have_exact) {
            explain_fmt_g(x, sizeof x, ri->exact, 8);
            explain_fmt_sig(y, sizeof y, fabs(ri->z), 2);
            explain_fmt_sig(z, sizeof z, fabs(ri->est - ri->exact), 2);
            if ((!isfinite(ri->z) || ri->se == 0) && ri->agrees)
                so8t_strbuf_add(t, " The exact value is %s; the estimate, with a standard error of "
                                  "0, equals it up to the rounding of its sums, so they agree.",
                               x);
            else if (!isfinite(ri->z))
                so8t_strbuf_add(t, " The exact value is %s, and the estimate, with a standard error "
                                  "of 0, differs from it by %s, so it does not agree with it.",
                               x, z);
            else if (ri->agrees)
                so8t_strbuf_add(t, " The exact value is %s, %s standard errors away, so the estimate "
                          "agrees with it (the check allows 5).",
                       x, y);
            else
                so8t_strbuf_add(t, " The exact value is %s, %s standard errors away, so the estimate does "
                          "not agree with it: that many standard errors means a bug, not bad "
                          "luck.",
                       x, y);
        }
        geometry_sentence(t, ri, ri->frac_cube);
        break;
    case LLM_RESULT_EXACT:
        so8t_strbuf_add(t, "so8t computed ");
        if (ri->have_geom)
            describe(t, ri, 0);
        else
            so8t_strbuf_add(t, "a %s", ri->quantity);
        explain_fmt_g(x, sizeof x, ri->value, 10);
        so8t_strbuf_add(t, " deterministically: it is %s", x);
        if (ri->have_error_bound) {
            explain_fmt_sig(y, sizeof y, ri->error_bound, 2);
            so8t_strbuf_add(t, ", with an error bound of %s", y);
        }
        so8t_strbuf_add(t, ".");
        so8t_strbuf_add(t, " This is a reference value, not a random estimate, so it has no statistical "
                  "uncertainty; Monte Carlo runs are checked against it.");
        if (ri->have_fb && !strcmp(ri->quantity, "volume")) {
            explain_fmt_sig(x, sizeof x, 100 * ri->fraction_ball_json, 3);
            if (ri->fraction_ball_json == 0 && ri->value > 0) /* below the double range */
                so8t_strbuf_add(t, " It is a vanishing part of the ball's volume (less than "
                                  "1e-300 of it).");
            else
                so8t_strbuf_add(t, " It contains %s%% of the ball's volume.", x);
        }
        if (!strcmp(ri->quantity, "surface"))
            geometry_sentence(t, ri, ri->have_ball ? ri->value / ri->sphere_area : NAN);
        else
            geometry_sentence(t, ri, ri->have_fc     ? ri->fraction_cube_json
                                     : ri->have_cube ? ri->value / ri->cube_vol
                                                     : NAN);
        break;
    case LLM_RESULT_ROTATIONS:
        rotation_count(x, sizeof x, ri);
        if (isfinite(ri->dim))
            so8t_strbuf_add(t, "so8t drew %s uniformly random (Haar) rotations of SO(%d) on the %s "
                      "backend.",
                   x, (int)ri->dim, ri->backend);
        else
            so8t_strbuf_add(t, "so8t drew %s uniformly random (Haar) rotations on the %s backend.", x,
                   ri->backend);
        if (ri->have_orth) {
            explain_fmt_sig(x, sizeof x, ri->max_orth, 2);
            so8t_strbuf_add(t, " Every matrix is a proper rotation to rounding error: the largest "
                      "orthogonality error is %s",
                   x);
            if (ri->have_det) {
                snprintf(y, sizeof y, "%.17g", ri->min_det);
                snprintf(z, sizeof z, "%.17g", ri->max_det);
                so8t_strbuf_add(t, " and the determinants lie between %s and %s", y, z);
            }
            so8t_strbuf_add(t, ".");
        }
        if (ri->pass)
            so8t_strbuf_add(t, " All %d statistical tests of the Haar distribution passed", ri->n_tests);
        else
            so8t_strbuf_add(t, " Only %d of %d statistical tests of the Haar distribution passed; %s "
                      "failed, so the sampler is not uniform",
                   ri->n_pass, ri->n_tests, ri->failed_name[0] ? ri->failed_name : "one");
        if (ri->worst_z >= 0) {
            explain_fmt_sig(x, sizeof x, ri->worst_z, 2);
            so8t_strbuf_add(t, "; the largest |z| is %s (%s)", x, ri->worst_name);
        }
        so8t_strbuf_add(t, ".");
        so8t_strbuf_add(t, " Uniform rotations treat every direction alike, which is what averaging a "
                  "volume over all orientations of the cube needs.");
        break;
    case LLM_RESULT_VERIFY:
        so8t_strbuf_add(t, "so8t verify ran %d cases, each comparing the GPU, the CPU and the exact "
                  "value.",
               ri->n_cases);
        if (ri->n_cases_exact) {
            explain_fmt_sig(x, sizeof x, ri->verify_worst_z, 2);
            if (ri->n_cases_exact_ok == ri->n_cases_exact)
                so8t_strbuf_add(t, " Every estimate agrees with its exact value within 5 standard errors "
                          "(the largest |z| is %s).",
                       x);
            else
                so8t_strbuf_add(t, " %d of %d estimates are within 5 standard errors of the exact value; "
                          "the others do not agree (largest |z| %s).",
                       ri->n_cases_exact_ok, ri->n_cases_exact, x);
        }
        if (ri->n_cases_ident_known) {
            if (ri->n_cases_ident == ri->n_cases_ident_known)
                so8t_strbuf_add(t, " The GPU and CPU hit counts were identical in all %d cases that ran "
                          "on both.",
                       ri->n_cases_ident_known);
            else
                so8t_strbuf_add(t, " The GPU and CPU hit counts differ in %d of %d cases, which points "
                          "to a bug.",
                       ri->n_cases_ident_known - ri->n_cases_ident, ri->n_cases_ident_known);
        } else {
            so8t_strbuf_add(t, " The GPU was not run (no CUDA device here), so only the CPU was "
                      "checked.");
        }
        if (ri->have_pass)
            so8t_strbuf_add(t, ri->pass ? " Overall the suite passed." : " Overall the suite failed.");
        break;
    }
}

void explain_allowed_build(explain_dvec *d, const cJSON *root, const explain_result *ri, const char *facts)
{
    explain_collect_numbers(root, d, 0);
    /* derived values and the constants the explanation may name */
    explain_dvec_add(d, 95);
    explain_dvec_add(d, EXPLAIN_Z_AGREE);
    if (ri->have_geom) {
        explain_dvec_add(d, ri->dim);
        explain_dvec_add(d, ri->dim - 1);
        explain_dvec_add(d, 2 * ri->a);
        explain_dvec_add(d, ri->corner);
        explain_dvec_add(d, ri->n_faces);
        explain_dvec_add(d, ri->n_corners);
        if (ri->have_cube)
            explain_dvec_add(d, ri->cube_vol);
        if (ri->have_ball) {
            explain_dvec_add(d, ri->ball_vol);
            explain_dvec_add(d, ri->sphere_area);
        }
    }
    explain_dvec_add(d, ri->frac_cube);
    explain_dvec_add(d, 1 - ri->frac_cube);
    explain_dvec_add(d, ri->frac_ball);
    if (ri->have_exact) {
        explain_dvec_add(d, ri->z);
        explain_dvec_add(d, ri->est - ri->exact);
    }
    if (ri->kind == LLM_RESULT_ROTATIONS) {
        explain_dvec_add(d, ri->n_tests);
        explain_dvec_add(d, ri->n_pass);
        explain_dvec_add(d, ri->n_tests - ri->n_pass);
        explain_dvec_add(d, ri->worst_z);
    }
    if (ri->kind == LLM_RESULT_VERIFY) {
        explain_dvec_add(d, ri->n_cases);
        explain_dvec_add(d, ri->n_cases_exact);
        explain_dvec_add(d, ri->n_cases_exact_ok);
        explain_dvec_add(d, ri->n_cases_ident);
        explain_dvec_add(d, ri->n_cases_ident_known);
        explain_dvec_add(d, ri->verify_worst_z);
    }
    /* every number as shown in the facts (roundings of the above, but also "2^8" etc.) */
    llm_number *nums = NULL;
    int n = llm_numbers_find(facts, &nums);
    for (int i = 0; i < n; i++)
        explain_dvec_add(d, nums[i].value);
    if (n < 0)
        d->oom = 1;
    free(nums);
}
