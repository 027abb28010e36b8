/* mc_run.c — the driver: picks the backend and (for auto) the method, runs batches of
 * whole RNG blocks until the sample budget or the requested relative error is reached,
 * and times the run. */
#include "mc/mc_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int run_blocks(const mc_plan *pl, mc_backend be, const mc_options *o, uint64_t b0,
                      uint64_t b1, mc_accum *acc, double f0, double f1, char *err,
                      size_t errlen)
{
    if (b1 <= b0)
        return MC_OK;
    if (be == MC_BACKEND_CUDA) {
        int st = mc_cuda_run(pl, b0, b1, o->device, acc, err, errlen);
        if (st == MC_OK && o->progress)
            o->progress(o->progress_user, f1);
        return st;
    }
    int st = mc_cpu_run(pl, b0, b1, o->threads, acc, o->progress, o->progress_user, f0, f1);
    if (st == MC_ERR_NOMEM)
        snprintf(err, errlen, "out of memory for the block buffer");
    return st;
}

/* Relative cost of one sample (≈ random words + work), for auto's efficiency ranking.
 * Deterministic on purpose: the choice must not depend on timing noise. */
static double method_cost(mc_method m, int d)
{
    switch (m) {
    case MC_METHOD_HIT: return d;
    case MC_METHOD_COND: return d > 1 ? d - 1 + 1 : 1;
    case MC_METHOD_BALL: return 2.0 * d + 2;
    case MC_METHOD_RADIAL: return 2.5 * d + 2;
    case MC_METHOD_QMC: return 0.5 * d + 1;
    case MC_METHOD_TILT: return 3.0 * d;
    default: return 1e300;
    }
}

/* auto: a short pilot of every applicable method (CPU, its own seed), ranked by the
 * variance per sample × cost. The variance is an upper confidence bound, never the bare
 * observed one: (95 % half-width / 1.96)² · n, where the interval (mc_finalize.c) of a pilot
 * that saw no spread — no miss of hit-or-miss when the ball covers nearly all of the cube,
 * a conditional value that was always 1 — is the rule of three on the outcome nobody saw
 * (p <= 3/n). So the estimators that are (nearly) exact for the problem win instead of
 * being dropped; a pilot whose estimate is 0 (nothing seen) ranks nothing. */
static int choose_method(const mc_problem *p, const mc_options *o, mc_method *out,
                         char *reason, size_t rlen, char *err, size_t errlen)
{
    if (p->quantity == MC_SURFACE) {
        *out = MC_METHOD_BALL;
        snprintf(reason, rlen, "ball (uniform on the sphere) is the estimator for the surface");
        return MC_OK;
    }
    static const mc_method vol[] = {MC_METHOD_HIT,    MC_METHOD_BALL, MC_METHOD_COND,
                                    MC_METHOD_RADIAL, MC_METHOD_QMC,  MC_METHOD_TILT};
    static const mc_method orient[] = {MC_METHOD_HIT, MC_METHOD_COND};
    static const mc_method comp[] = {MC_METHOD_HIT, MC_METHOD_COND, MC_METHOD_TILT};
    const mc_method *cand = p->quantity == MC_ORIENT_AVG ? orient
                            : p->quantity == MC_COMPLEMENT ? comp : vol;
    int ncand = p->quantity == MC_ORIENT_AVG ? 2 : p->quantity == MC_COMPLEMENT ? 3 : 6;
    const uint64_t pilot = 64u * MC_BLOCK_SAMPLES;
    double best = INFINITY;
    mc_method best_m = MC_METHOD_TILT;
    char line[200] = "";
    int any_nonzero = 0;
    for (int i = 0; i < ncand; i++) {
        mc_plan pl;
        int st = mc_plan_build(p, cand[i], o->seed ^ 0x9e3779b97f4a7c15ull,
                               o->qmc_replicates > 1 ? o->qmc_replicates : 32, &pl, err, errlen);
        if (st == MC_ERR_UNSUPPORTED)
            continue; /* this method cannot take the problem (e.g. its scale overflows) */
        if (st)
            return st;
        uint64_t nb = mc_plan_set_samples(&pl, pilot);
        mc_accum acc;
        mc_accum_init(&acc, pl.kp.qmc_replicates);
        st = mc_cpu_run(&pl, 0, nb, o->threads, &acc, NULL, NULL, 0, 0);
        if (st)
            return st;
        mc_result r;
        memset(&r, 0, sizeof r);
        mc_finalize(&pl, &acc, &r);
        if (pl.trivial) {
            *out = cand[i];
            snprintf(reason, rlen, "the value is known exactly (%s)",
                     pl.trivial_reason ? pl.trivial_reason : "no sampling needed");
            return MC_OK;
        }
        if (!(r.estimate > 0) || !isfinite(r.rel_half_width))
            continue; /* nothing seen: no information */
        any_nonzero = 1;
        double hw = r.rel_half_width / 1.959963984540054;
        double rv = hw * hw * (double)r.samples;
        double eff = rv * method_cost(cand[i], p->dim);
        if (eff < best) {
            best = eff;
            best_m = cand[i];
            const char *why = "";
            if (r.count_based && r.ci_one_sided)
                why = r.hits ? ": no sample missed, bounded by the rule of three (p_miss <= 3/n)"
                             : "";
            else if (r.se_floored)
                why = ": no spread seen, bounded by the rule of three on an unseen value";
            else if (r.std_error == 0)
                why = ": no random input, rounding only";
            snprintf(line, sizeof line, "%s: relative variance per sample <= %.3g%s, cost %.0f",
                     mc_method_name(cand[i]), rv, why, method_cost(cand[i], p->dim));
        }
    }
    *out = best_m;
    if (!any_nonzero)
        snprintf(reason, rlen,
                 "no %llu-sample pilot saw the intersection (every estimate was 0, which ranks "
                 "nothing): tilt, which samples toward the ball",
                 (unsigned long long)pilot);
    else
        snprintf(reason, rlen, "lowest variance x cost in a %llu-sample pilot (%s)",
                 (unsigned long long)pilot, line);
    return MC_OK;
}

int mc_estimate(const mc_problem *p, const mc_options *o, mc_result *out, char *err,
                size_t errlen)
{
    memset(out, 0, sizeof *out);
    int st = mc_problem_check(p, err, errlen);
    if (st)
        return st;
    if (!(o->rel_err >= 0) || !isfinite(o->rel_err)) {
        snprintf(err, errlen, "relative error target must be a finite number >= 0");
        return MC_ERR_INVAL;
    }
    if (o->samples < 1) {
        snprintf(err, errlen, "the number of samples must be at least 1");
        return MC_ERR_INVAL;
    }
    mc_backend be = o->backend;
    if (be == MC_BACKEND_AUTO)
        be = mc_cuda_device_count() > 0 ? MC_BACKEND_CUDA : MC_BACKEND_CPU;
    else if (be == MC_BACKEND_CUDA && mc_cuda_device_count() <= 0) {
        char why[200];
        mc_cuda_device_describe(o->device, why, sizeof why);
        snprintf(err, errlen, "CUDA backend requested but no device is usable: %s", why);
        return MC_ERR_NODEVICE;
    }
    double t0 = now_seconds();
    mc_method method = o->method;
    if (method == MC_METHOD_AUTO) {
        st = choose_method(p, o, &method, out->auto_reason, sizeof out->auto_reason, err, errlen);
        if (st)
            return st;
    }
    mc_plan pl;
    st = mc_plan_build(p, method, o->seed, o->qmc_replicates > 1 ? o->qmc_replicates : 32, &pl,
                       err, errlen);
    if (st)
        return st;
    mc_accum acc;
    mc_accum_init(&acc, pl.kp.qmc_replicates);

    if (o->rel_err > 0 && !pl.trivial) {
        /* batches of whole blocks: the final result equals a fixed-N run of the same N */
        uint64_t cap = o->samples;
        uint64_t n = 64u * MC_BLOCK_SAMPLES;
        if (pl.kp.method == MC_METHOD_QMC)
            n *= (uint64_t)pl.kp.qmc_replicates / 8 + 1;
        uint64_t done_blocks = 0;
        for (;;) {
            if (n > cap)
                n = cap;
            uint64_t nb = mc_plan_set_samples(&pl, n);
            st = run_blocks(&pl, be, o, done_blocks, nb, &acc,
                            (double)pl.kp.samples / (double)cap, (double)pl.kp.samples / (double)cap,
                            err, errlen);
            if (st)
                return st;
            done_blocks = nb;
            mc_finalize(&pl, &acc, out);
            if (o->checkpoint) { /* --plot: the running result after each batch */
                out->backend = be;
                o->checkpoint(o->checkpoint_user, out);
            }
            double hw = out->rel_half_width; /* the 95 % interval, rounding included */
            if ((out->estimate > 0 && hw <= o->rel_err) || pl.kp.samples >= cap)
                break;
            /* the half-width falls like N^-1/2 for MC and roughly N^-0.65 for RQMC with
               smoothing (../shared/notes/mc_methods.md): size the next batch for that */
            double rate = pl.kp.method == MC_METHOD_QMC ? 0.65 : 0.5;
            double grow = out->estimate > 0 ? pow(hw / o->rel_err, 1.0 / rate) * 1.1 : 4.0;
            if (grow < 1.5)
                grow = 1.5;
            if (grow > 64.0)
                grow = 64.0;
            double next = (double)pl.kp.samples * grow;
            uint64_t nn = next >= (double)cap ? cap : (uint64_t)next;
            nn = (nn + MC_BLOCK_SAMPLES - 1) / MC_BLOCK_SAMPLES * MC_BLOCK_SAMPLES;
            n = nn;
        }
    } else {
        uint64_t nb = mc_plan_set_samples(&pl, o->samples);
        if (!pl.trivial && o->checkpoint) {
            /* geometric batches, the running result after each */
            uint64_t done = 0, next = 1;
            while (done < nb) {
                uint64_t end = next < nb ? next : nb;
                st = run_blocks(&pl, be, o, done, end, &acc, (double)done / (double)nb,
                                (double)end / (double)nb, err, errlen);
                if (st)
                    return st;
                done = end;
                next *= 2;
                mc_finalize(&pl, &acc, out);
                out->backend = be;
                o->checkpoint(o->checkpoint_user, out);
            }
        } else if (!pl.trivial) {
            st = run_blocks(&pl, be, o, 0, nb, &acc, 0.0, 1.0, err, errlen);
            if (st)
                return st;
        } else {
            acc.samples = 0;
        }
    }
    mc_finalize(&pl, &acc, out);
    out->backend = be;
    if (o->rel_err > 0)
        out->target_met = pl.trivial || (out->estimate > 0 && out->rel_half_width <= o->rel_err);
    out->seconds = now_seconds() - t0;
    out->samples_per_second = out->seconds > 0 ? (double)out->samples / out->seconds : 0;
    return MC_OK;
}
