/* mc_run.c — the driver: picks the backend and (for auto) the method, runs batches of
 * whole RNG blocks until the sample budget or the requested relative error is reached,
 * and times the run. A batch runs as one or more rounds; in a team (mc_team, bin/so8t-mpi)
 * each member evaluates its slice of a round and the states are summed; with checkpoints,
 * rounds are kept short so a save or a signal is answered within a fraction of a second.
 * None of this changes the numbers: counts are integers and sums exact (mc_xsum.h). */
#include "mc/mc_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
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
        mc_accum *acc = malloc(sizeof *acc); /* 150 kB with the qmc replicates: not the stack */
        if (!acc) {
            snprintf(err, errlen, "out of memory for the pilot");
            return MC_ERR_NOMEM;
        }
        mc_accum_init(acc, pl.kp.qmc_replicates);
        st = mc_cpu_run(&pl, 0, nb, o->threads, acc, NULL, NULL, 0, 0);
        mc_result r;
        memset(&r, 0, sizeof r);
        if (st == MC_OK)
            mc_finalize(&pl, acc, &r);
        free(acc);
        if (st) {
            snprintf(err, errlen, "out of memory in the pilot");
            return st;
        }
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

/* ---- rounds ---- */

typedef struct {
    const mc_problem *p;
    const mc_options *o;
    mc_plan *pl;
    mc_backend be;
    mc_state *s;            /* the folded state: blocks [0, s->blocks_done) */
    mc_accum *local;        /* this member's share of a round */
    uint64_t *words;        /* control words + the packed state, for the team's sum */
    size_t nwords;
    int limited;            /* rounds bounded in time (checkpoints, a stop flag) */
    double round_target;    /* seconds per round when limited */
    uint64_t round_blocks;  /* the next round's size (decided by member 0, for everyone) */
    double t_save;          /* member 0: when the state was last saved */
} run_ctx;

enum { CTL_STOP, CTL_NEXT, CTL_SAVE, CTL_WORDS };

static int team_rank(const mc_options *o) { return o->team ? o->team->rank : 0; }
static int team_size(const mc_options *o) { return o->team ? o->team->size : 1; }

/* a member's failure: a team waiting in its sum must not be left behind */
static int member_fail(const mc_options *o, int st, const char *err)
{
    if (o->team && o->team->fail)
        o->team->fail(o->team->user, st, err);
    return st;
}

static int save_state(run_ctx *c, char *err, size_t errlen)
{
    c->t_save = now_seconds();
    if (!c->o->save_path || team_rank(c->o) != 0)
        return MC_OK;
    int st = mc_state_save(c->o->save_path, c->p, c->o, c->s, err, errlen);
    return st ? member_fail(c->o, st, err) : MC_OK;
}

/* floor(len · k / n) without overflow */
static uint64_t slice_at(uint64_t len, int k, int n)
{
    return (uint64_t)(((mc_u128)len * (unsigned)k) / (unsigned)n);
}

/* Blocks [s->blocks_done, b1) in rounds; progress from f0 (at the start) to f1 (at b1). */
static int run_range(run_ctx *c, uint64_t b1, double f0, double f1, char *err, size_t errlen)
{
    const mc_options *o = c->o;
    const int rank = team_rank(o), size = team_size(o);
    const uint64_t start = c->s->blocks_done;
    while (c->s->blocks_done < b1) {
        uint64_t b0 = c->s->blocks_done, end = b1;
        if (c->limited && end - b0 > c->round_blocks)
            end = b0 + c->round_blocks;
        uint64_t len = end - b0;
        uint64_t r0 = b0 + slice_at(len, rank, size), r1 = b0 + slice_at(len, rank + 1, size);
        double fa = f0 + (f1 - f0) * (double)(b0 - start) / (double)(b1 - start);
        double fb = f0 + (f1 - f0) * (double)(end - start) / (double)(b1 - start);
        mc_accum_init(c->local, c->pl->kp.qmc_replicates);
        double t = now_seconds();
        int st = run_blocks(c->pl, c->be, o, r0, r1, c->local, fa, fb, err, errlen);
        if (st)
            return member_fail(o, st, err);
        double dt = now_seconds() - t;
        uint64_t *w = c->words;
        memset(w, 0, CTL_WORDS * sizeof *w);
        w[CTL_STOP] = o->stop && *o->stop;
        if (rank == 0) {
            /* member 0 sizes the next round for the time target from its own pace */
            double per_s = dt > 0 ? (double)(r1 - r0) / dt : INFINITY;
            double next = per_s * c->round_target * size;
            if (!(next <= 4.0 * (double)len))
                next = 4.0 * (double)len;
            if (next < 0.5 * (double)len)
                next = 0.5 * (double)len;
            w[CTL_NEXT] = next < (double)size ? (uint64_t)size : (uint64_t)next;
            w[CTL_SAVE] = o->save_path && now_seconds() - c->t_save >= o->save_every;
        }
        if (o->team) {
            mc_accum_pack(c->local, w + CTL_WORDS);
            if ((st = o->team->sum(o->team->user, w, c->nwords, err, errlen)))
                return member_fail(o, MC_ERR_TEAM, err);
            if (mc_accum_unpack(c->local, c->pl->kp.qmc_replicates, w + CTL_WORDS)) {
                snprintf(err, errlen, "the team's summed state is out of range");
                return member_fail(o, MC_ERR_TEAM, err);
            }
        }
        mc_accum_merge(&c->s->acc, c->local);
        c->s->blocks_done = end;
        if (c->s->acc.blocks != end) { /* a member skipped or repeated blocks */
            snprintf(err, errlen, "the team folded %llu blocks, expected %llu",
                     (unsigned long long)c->s->acc.blocks, (unsigned long long)end);
            return member_fail(o, MC_ERR_TEAM, err);
        }
        c->round_blocks = w[CTL_NEXT];
        if (w[CTL_SAVE] || w[CTL_STOP]) {
            if ((st = save_state(c, err, errlen)))
                return st;
        }
        if (w[CTL_STOP]) {
            snprintf(err, errlen, "stopped by a signal after %llu samples%s%s",
                     (unsigned long long)c->s->acc.samples,
                     o->save_path ? "; state saved to " : "", o->save_path ? o->save_path : "");
            return MC_ERR_STOPPED;
        }
    }
    return MC_OK;
}

/* Member 0 reads the checkpoint; the team gets its state (or its refusal) by the sum. */
static int resume_state(run_ctx *c, char *err, size_t errlen)
{
    const mc_options *o = c->o;
    int nrep = c->pl->kp.qmc_replicates, st = MC_OK;
    if (team_rank(o) == 0)
        st = mc_state_load(o->resume_path, c->p, o, c->s->resolved, nrep, c->s, err, errlen);
    if (!o->team)
        return st;
    uint64_t *w = c->words;
    memset(w, 0, c->nwords * sizeof *w);
    if (team_rank(o) == 0) /* 1: go on; 2: refused (another run); 3: unreadable */
        w[0] = st != MC_OK ? (strstr(err, "is for a different") ? 2 : 3) : 1;
    if (team_rank(o) == 0 && st == MC_OK) {
        w[1] = c->s->batch_samples;
        w[2] = c->s->blocks_done;
        mc_accum_pack(&c->s->acc, w + CTL_WORDS);
    }
    if (o->team->sum(o->team->user, w, c->nwords, err, errlen))
        return member_fail(o, MC_ERR_TEAM, err);
    if (w[0] != 1) {
        if (team_rank(o) != 0)
            snprintf(err, errlen, "rank 0 refused the checkpoint %s%s", o->resume_path,
                     w[0] == 2 ? " (it is for a different run)" : "");
        return MC_ERR_STATE;
    }
    c->s->batch_samples = w[1];
    c->s->blocks_done = w[2];
    if (mc_accum_unpack(&c->s->acc, nrep, w + CTL_WORDS)) {
        snprintf(err, errlen, "the checkpoint's state is out of range");
        return MC_ERR_STATE;
    }
    return MC_OK;
}

static int estimate_planned(run_ctx *c, mc_result *out, char *err, size_t errlen);

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
    if (o->team && (o->team->size < 1 || o->team->rank < 0 || o->team->rank >= o->team->size ||
                    !o->team->sum)) {
        snprintf(err, errlen, "invalid team (rank %d of %d)", o->team->rank, o->team->size);
        return MC_ERR_INVAL;
    }
    if (o->save_path && !(o->save_every > 0)) {
        snprintf(err, errlen, "the checkpoint interval must be > 0 seconds");
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
    run_ctx c;
    memset(&c, 0, sizeof c);
    c.p = p;
    c.o = o;
    c.pl = &pl;
    c.be = be;
    c.s = malloc(sizeof *c.s);
    c.local = malloc(sizeof *c.local);
    c.nwords = CTL_WORDS + mc_accum_words(pl.kp.qmc_replicates);
    c.words = malloc(c.nwords * sizeof *c.words);
    if (!c.s || !c.local || !c.words) {
        free(c.s), free(c.local), free(c.words);
        snprintf(err, errlen, "out of memory for the run's state");
        return MC_ERR_NOMEM;
    }
    c.s->resolved = method;
    c.s->batch_samples = 0;
    c.s->blocks_done = 0;
    mc_accum_init(&c.s->acc, pl.kp.qmc_replicates);
    c.limited = o->save_path != NULL || o->stop != NULL;
    c.round_target = o->save_path && o->save_every < 0.5 ? 0.5 * o->save_every : 0.25;
    c.round_blocks = 16u * (unsigned)team_size(o);
    c.t_save = t0;
    st = MC_OK;
    if (o->resume_path)
        st = resume_state(&c, err, errlen);
    uint64_t resumed = c.s->acc.samples; /* the pace is this process's own */
    if (st == MC_OK)
        st = estimate_planned(&c, out, err, errlen);
    if (st == MC_OK) {
        out->backend = be;
        if (o->rel_err > 0)
            out->target_met = pl.trivial || (out->estimate > 0 && out->rel_half_width <= o->rel_err);
        out->seconds = now_seconds() - t0;
        out->samples_per_second =
            out->seconds > 0 ? (double)(out->samples - resumed) / out->seconds : 0;
    }
    free(c.s), free(c.local), free(c.words);
    return st;
}

/* the batches: the --rel-err schedule, --plot's geometric one, or the whole N */
static int estimate_planned(run_ctx *c, mc_result *out, char *err, size_t errlen)
{
    const mc_options *o = c->o;
    mc_plan *pl = c->pl;
    mc_state *s = c->s;
    int st;
    if (o->rel_err > 0 && !pl->trivial) {
        /* batches of whole blocks: the final result equals a fixed-N run of the same N */
        uint64_t cap = o->samples;
        uint64_t n = 64u * MC_BLOCK_SAMPLES;
        if (pl->kp.method == MC_METHOD_QMC)
            n *= (uint64_t)pl->kp.qmc_replicates / 8 + 1;
        if (s->batch_samples) /* resumed inside (or at the end of) this batch */
            n = s->batch_samples;
        for (;;) {
            if (n > cap)
                n = cap;
            uint64_t nb = mc_plan_set_samples(pl, n);
            s->batch_samples = n;
            if (s->blocks_done > nb) {
                snprintf(err, errlen, "the checkpoint is past its own batch");
                return MC_ERR_STATE;
            }
            double f = (double)pl->kp.samples / (double)cap;
            if ((st = run_range(c, nb, f, f, err, errlen)))
                return st;
            mc_finalize(pl, &s->acc, out);
            if (o->checkpoint) { /* --plot: the running result after each batch */
                out->backend = c->be;
                o->checkpoint(o->checkpoint_user, out);
            }
            double hw = out->rel_half_width; /* the 95 % interval, rounding included */
            if ((out->estimate > 0 && hw <= o->rel_err) || pl->kp.samples >= cap)
                break;
            /* the half-width falls like N^-1/2 for MC and roughly N^-0.65 for RQMC with
               smoothing (../shared/notes/mc_methods.md): size the next batch for that */
            double rate = pl->kp.method == MC_METHOD_QMC ? 0.65 : 0.5;
            double grow = out->estimate > 0 ? pow(hw / o->rel_err, 1.0 / rate) * 1.1 : 4.0;
            if (grow < 1.5)
                grow = 1.5;
            if (grow > 64.0)
                grow = 64.0;
            double next = (double)pl->kp.samples * grow;
            uint64_t nn = next >= (double)cap ? cap : (uint64_t)next;
            nn = (nn + MC_BLOCK_SAMPLES - 1) / MC_BLOCK_SAMPLES * MC_BLOCK_SAMPLES;
            n = nn;
        }
    } else {
        uint64_t nb = mc_plan_set_samples(pl, o->samples);
        s->batch_samples = o->samples;
        if (s->blocks_done > nb) {
            snprintf(err, errlen, "the checkpoint is past its own batch");
            return MC_ERR_STATE;
        }
        if (!pl->trivial && o->checkpoint) {
            /* geometric batches, the running result after each */
            uint64_t next = 1;
            while (next <= s->blocks_done)
                next *= 2;
            while (s->blocks_done < nb) {
                uint64_t end = next < nb ? next : nb;
                if ((st = run_range(c, end, (double)s->blocks_done / (double)nb,
                                    (double)end / (double)nb, err, errlen)))
                    return st;
                next *= 2;
                mc_finalize(pl, &s->acc, out);
                out->backend = c->be;
                o->checkpoint(o->checkpoint_user, out);
            }
        } else if (!pl->trivial) {
            if ((st = run_range(c, nb, (double)s->blocks_done / (double)nb, 1.0, err, errlen)))
                return st;
        } else {
            s->acc.samples = 0;
        }
    }
    mc_finalize(pl, &s->acc, out);
    if (o->save_path) /* the finished state: a resume of it reprints the result */
        return save_state(c, err, errlen);
    return MC_OK;
}
