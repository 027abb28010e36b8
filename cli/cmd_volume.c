/* cmd_volume.c — 'so8t volume': Monte Carlo estimate of vol(R·[-a,a]^d ∩ B(c, r)), the
 * surface measure of the sphere inside the cube, or the orientation average, on the GPU
 * or the CPU; --verify runs both backends and compares; --exact adds geom/'s value. */
#include "cli/cli.h"
#include "cli/cli_backend.h"
#include "cli/cli_problem.h"
#include "cli/cli_team.h"
#include "cli/cli_volume.h"
#include "geom/geom.h"
#include "mc/mc.h"

#include <float.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

enum {
    OPT_REL_ERR = 0x1200,
    OPT_METHOD,
    OPT_BACKEND,
    OPT_THREADS,
    OPT_SEED,
    OPT_EXACT,
    OPT_VERIFY,
    OPT_ORIENT,
    OPT_JSON,
    OPT_PLOT,
    OPT_EXPLAIN,
    OPT_REPLICATES,
    OPT_DEVICE,
    OPT_MODEL,
    OPT_CHECKPOINT,
    OPT_CHECKPOINT_EVERY,
    OPT_RESUME,
    OPT_STREAM
};

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: so8t volume [OPTIONS]\n"
            "\n"
            "Monte Carlo estimate of the volume of the cube R·[-a,a]^d intersected with the\n"
            "ball B(c, r) (or, with --surface, the measure of the sphere inside the cube; with\n"
            "--orient-avg, the average over Haar-random orientations of the cube; with\n"
            "--complement, the part of the cube outside the ball), with its standard error\n"
            "and 95%% interval. The same seed and sample count give the same counts on the\n"
            "GPU and the CPU.\n"
            "\n"
            "Problem:\n" CLI_PROBLEM_HELP CLI_PROBLEM_COMPLEMENT_HELP
            "      --orient-avg     average the volume over Haar-random rotations of the cube\n"
            "\n"
            "Sampling:\n"
            "  -n, --samples N      samples (1e6, 2^24, ...; default 2^24); a cap with --rel-err\n"
            "      --rel-err X      run until the 95%% half-width / estimate <= X\n"
            "      --method M       auto|hit|ball|cond|radial|qmc|tilt (default auto: a short\n"
            "                       pilot picks the lowest variance x cost); the complement\n"
            "                       takes hit, cond or tilt (tilted towards the corners)\n"
            "      --replicates R   independent random shifts for qmc (default 32)\n"
            "      --seed S         Philox seed (default 1)\n"
            "      --backend B      auto|cuda|cpu (default auto: the GPU when there is one)\n"
            "      --device N       CUDA device (default 0)\n"
            "      --threads T      OpenMP threads (default: all cores)\n"
            "\n"
            "Checkpoints (long runs that may be pre-empted):\n"
            "      --checkpoint F   save the run's state to F (atomically: a temporary file,\n"
            "                       fsync, rename) every --checkpoint-every seconds, on\n"
            "                       SIGTERM/SIGINT (then stop: exit as killed by the signal)\n"
            "                       and at the end\n"
            "      --checkpoint-every S  seconds between saves (default 60)\n"
            "      --resume F       continue the run saved in F: the result has the same bits\n"
            "                       as an uninterrupted run; a checkpoint of another problem,\n"
            "                       method, seed, -n or --rel-err is refused (the field named),\n"
            "                       a corrupt or truncated one too\n"
            "\n"
            "Checks and output:\n"
            "      --verify         run on the CPU and the GPU; compare counts exactly and\n"
            "                       estimates statistically\n"
            "      --exact          also print geom/'s deterministic value and the z-score\n"
            "      --json           one JSON object on stdout (fields in docs/cli.md)\n"
            "      --plot FILE.svg  convergence picture: estimate ± 95%% interval vs samples\n"
            "                       (replaced only by a complete picture)\n"
            "      --stream         with --json: first one line per batch, {\"partial\": true,\n"
            "                       \"samples\", \"estimate\", \"ci95\"}, then the result (NDJSON)\n"
            "      --explain        explain the result in plain words (see 'so8t explain')\n"
            "      --model F.gguf   model for --explain (or 'none' for the template)\n"
            "  -h, --help           this help\n"
            "\n"
            "Example: so8t volume -d 8 -r 1.5 --verify --exact\n");
}

typedef struct {
    cli_progress bar;
} progress_ctx;

static void on_progress(void *user, double f)
{
    cli_progress_update(&((progress_ctx *)user)->bar, f);
}

/* checkpoint log for --plot */
typedef struct {
    int n, cap;
    double *samples, *estimate, *half;
    int stream; /* --stream: also print each batch's partial result as a JSON line */
} trace;

/* One NDJSON line per batch for --stream (so8t serve's /so8t/volume forwards them). */
static void trace_stream_line(const mc_result *r)
{
    cli_json j;
    cli_json_open(&j, stdout);
    cli_json_bool(&j, "partial", 1);
    cli_json_u64(&j, "samples", r->samples);
    cli_json_double(&j, "estimate", r->estimate);
    cli_json_double_array(&j, "ci95", r->ci95, 2);
    cli_json_close(&j);
    cli_flush(stdout);
}

static void on_checkpoint(void *user, const mc_result *r)
{
    trace *t = user;
    if (t->stream)
        trace_stream_line(r);
    if (t->n == t->cap) {
        int cap = t->cap ? 2 * t->cap : 64;
        double *a = realloc(t->samples, sizeof(double) * (size_t)cap);
        if (a)
            t->samples = a;
        double *b = realloc(t->estimate, sizeof(double) * (size_t)cap);
        if (b)
            t->estimate = b;
        double *c = realloc(t->half, sizeof(double) * (size_t)cap);
        if (c)
            t->half = c;
        if (!a || !b || !c)
            return;
        t->cap = cap;
    }
    t->samples[t->n] = (double)r->samples;
    t->estimate[t->n] = r->estimate;
    t->half[t->n] = 0.5 * (r->ci95[1] - r->ci95[0]);
    t->n++;
}

static const char *quantity_name(mc_quantity q)
{
    return q == MC_SURFACE      ? "surface"
           : q == MC_ORIENT_AVG ? "orient_avg"
           : q == MC_COMPLEMENT ? "complement"
                                : "volume";
}

void cli_mc_result_json(cli_json *j, const char *key, const mc_result *r)
{
    cli_json_begin_object(j, key);
    cli_json_string(j, "backend", mc_backend_name(r->backend));
    cli_json_string(j, "method", mc_method_name(r->method));
    cli_json_u64(j, "samples", r->samples);
    if (r->count_based)
        cli_json_u64(j, "hits", r->hits);
    cli_json_double(j, "sum", r->sum);
    cli_json_double(j, "estimate", r->estimate);
    cli_json_double(j, "std_error", r->std_error);
    cli_json_double_array(j, "ci95", r->ci95, 2);
    cli_json_double(j, "rounding_bound", r->rounding_bound);
    cli_json_string(j, "ci_method", r->ci_method ? r->ci_method : "");
    cli_json_double(j, "seconds", r->seconds);
    cli_json_double(j, "samples_per_second", r->samples_per_second);
    cli_json_end_object(j);
}

int cli_mc_identical(const mc_result *a, const mc_result *b)
{
    return a->samples == b->samples && a->hits == b->hits &&
           memcmp(&a->sum, &b->sum, sizeof a->sum) == 0;
}

/* the difference beyond both rounding bounds, in combined standard errors (0 within the
   bounds; inf when neither has a sampling error and the bounds do not explain it) */
double cli_mc_agreement_z(const mc_result *a, const mc_result *b)
{
    double s = sqrt(a->std_error * a->std_error + b->std_error * b->std_error);
    double d = a->estimate - b->estimate;
    double excess = fabs(d) - a->rounding_bound - b->rounding_bound;
    if (!(excess > 0))
        return excess <= 0 ? 0.0 : NAN;
    if (s == 0)
        return copysign(INFINITY, d);
    return copysign(excess / s, d);
}

static void print_result(const char *label, const mc_result *r)
{
    printf("  %-14s %.12g ± %.3g (se)   95%% CI [%.10g, %.10g]%s\n", label, r->estimate,
           r->std_error, r->ci95[0], r->ci95[1],
           r->ci_one_sided ? (r->estimate == 0 ? " (one-sided: no sample contributed)"
                                               : " (one-sided: every sample hit)")
                           : "");
    if (r->rounding_bound > 0.01 * r->std_error)
        printf("  %-14s rounding may move the estimate by up to %.3g (included in the interval)\n",
               "", r->rounding_bound);
    if (r->se_floored)
        printf("  %-14s no spread seen: se is the rule-of-three bound on a value not seen\n", "");
    printf("  %-14s %s on %s: %llu samples", "", mc_method_name(r->method),
           mc_backend_name(r->backend), (unsigned long long)r->samples);
    if (r->count_based)
        printf(", %llu hits", (unsigned long long)r->hits);
    printf(", %.3g s, %.3g samples/s\n", r->seconds, r->samples_per_second);
}

/* --rel-err not reached within -n: say so, with what it would take */
static void rel_err_warn(const mc_result *r, double target)
{
    if (!(r->estimate > 0) || !isfinite(r->rel_half_width)) {
        fprintf(stderr, "so8t volume: warning: --rel-err %g not met: no sample contributed in %llu "
                        "samples (the relative error is undefined); raise -n or use --method tilt\n",
                target, (unsigned long long)r->samples);
        return;
    }
    double ratio = r->rel_half_width / target;
    double need = (double)r->samples * ratio * ratio;
    fprintf(stderr, "so8t volume: warning: --rel-err %g not met: the 95%% half-width is %.3g of "
                    "the estimate after %llu samples; about %.2g samples would reach the target "
                    "(N·(achieved/target)²; raise -n)\n",
            target, r->rel_half_width, (unsigned long long)r->samples, need);
}

/* --checkpoint: SIGTERM (a scheduler's pre-emption) and SIGINT ask the run to save its
 * state and stop after the current round; the signal number is kept for the exit. */
static volatile sig_atomic_t cli_stop_signal;
static struct sigaction stop_old[2];
static const int stop_sigs[2] = {SIGTERM, SIGINT};

static void on_stop_signal(int sig) { cli_stop_signal = sig; }

static void stop_signals_catch(mc_options *o)
{
    cli_stop_signal = 0;
    o->stop = &cli_stop_signal;
    for (int i = 0; i < 2; i++) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_stop_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(stop_sigs[i], &sa, &stop_old[i]);
    }
}

static void stop_signals_release(void)
{
    for (int i = 0; i < 2; i++)
        sigaction(stop_sigs[i], &stop_old[i], NULL);
}

/* so8t ends as killed by the signal (what a shell and a scheduler expect); a rank of
   so8t-mpi returns 128 + the signal, so its launcher finishes the other ranks cleanly */
static int stopped_exit(int sig)
{
    if (sig <= 0)
        sig = SIGTERM;
    fflush(NULL);
    if (!cli_team) {
        signal(sig, SIG_DFL);
        raise(sig);
    }
    return 128 + sig;
}

int cmd_volume(int argc, char **argv)
{
    static const struct option opts[] = {
        CLI_PROBLEM_LONGOPTS,
        CLI_PROBLEM_COMPLEMENT_LONGOPT,
        {"samples", required_argument, NULL, 'n'},
        {"rel-err", required_argument, NULL, OPT_REL_ERR},
        {"method", required_argument, NULL, OPT_METHOD},
        {"backend", required_argument, NULL, OPT_BACKEND},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"seed", required_argument, NULL, OPT_SEED},
        {"exact", no_argument, NULL, OPT_EXACT},
        {"verify", no_argument, NULL, OPT_VERIFY},
        {"orient-avg", no_argument, NULL, OPT_ORIENT},
        {"json", no_argument, NULL, OPT_JSON},
        {"plot", required_argument, NULL, OPT_PLOT},
        {"stream", no_argument, NULL, OPT_STREAM},
        {"explain", no_argument, NULL, OPT_EXPLAIN},
        {"model", required_argument, NULL, OPT_MODEL},
        {"replicates", required_argument, NULL, OPT_REPLICATES},
        {"device", required_argument, NULL, OPT_DEVICE},
        {"checkpoint", required_argument, NULL, OPT_CHECKPOINT},
        {"checkpoint-every", required_argument, NULL, OPT_CHECKPOINT_EVERY},
        {"resume", required_argument, NULL, OPT_RESUME},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *cmd = "volume";
    cli_problem prob;
    cli_problem_init(&prob);
    mc_options o;
    mc_options_default(&o);
    int want_exact = 0, verify = 0, orient = 0, json = 0, stream = 0, explain = 0, device_given = 0, every_given = 0, rc;
    const char *plot = NULL, *model = NULL;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, CLI_PROBLEM_SHORTOPTS "n:h", opts, NULL)) != -1) {
        rc = cli_problem_parse_option(&prob, cmd, c, optarg);
        if (rc == 0)
            continue;
        if (rc > 0)
            return rc;
        switch (c) {
        case 'n':
            if ((rc = cli_parse_count(cmd, "-n/--samples", optarg, 1, &o.samples)))
                return rc;
            break;
        case OPT_REL_ERR:
            if ((rc = cli_parse_double(cmd, "--rel-err", optarg, 0, 1, 1, 1, &o.rel_err)))
                return rc;
            break;
        case OPT_METHOD:
            if (mc_method_parse(optarg, &o.method))
                return cli_usage_error(cmd, "--method must be one of auto, hit, ball, cond, "
                                            "radial, qmc, tilt (got '%s')", optarg);
            break;
        case OPT_BACKEND:
            if ((rc = cli_parse_backend(cmd, "--backend", optarg, &o.backend)))
                return rc;
            break;
        case OPT_THREADS:
            if ((rc = cli_parse_int(cmd, "--threads", optarg, 1, 1024, &o.threads)))
                return rc;
            break;
        case OPT_SEED:
            if ((rc = cli_parse_seed(cmd, "--seed", optarg, &o.seed)))
                return rc;
            break;
        case OPT_REPLICATES:
            if ((rc = cli_parse_int(cmd, "--replicates", optarg, 2, MC_QMC_MAX_REPLICATES,
                                    &o.qmc_replicates)))
                return rc;
            break;
        case OPT_DEVICE:
            if ((rc = cli_parse_int(cmd, "--device", optarg, 0, 63, &o.device)))
                return rc;
            device_given = 1;
            break;
        case OPT_EXACT: want_exact = 1; break;
        case OPT_VERIFY: verify = 1; break;
        case OPT_ORIENT: orient = 1; break;
        case OPT_JSON: json = 1; break;
        case OPT_PLOT: plot = optarg; break;
        case OPT_STREAM: stream = 1; break;
        case OPT_EXPLAIN: explain = 1; break;
        case OPT_MODEL: model = optarg; break;
        case OPT_CHECKPOINT: o.save_path = optarg; break;
        case OPT_RESUME: o.resume_path = optarg; break;
        case OPT_CHECKPOINT_EVERY:
            if ((rc = cli_parse_double(cmd, "--checkpoint-every", optarg, 0, 1, 1e9, 0,
                                       &o.save_every)))
                return rc;
            every_given = 1;
            break;
        case 'h':
            usage(stdout);
            return CLI_OK;
        default:
            if (optopt && optopt < 256)
                return cli_usage_error(cmd, "option -%c needs a value or is unknown", optopt);
            return cli_usage_error(cmd, "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    prob.rotation_seed = o.seed;
    if ((rc = cli_problem_finish(&prob, cmd)))
        return rc;
    if (orient && prob.surface) {
        cli_problem_free(&prob);
        return cli_usage_error(cmd, "--orient-avg and --surface cannot be combined");
    }
    if (explain && prob.complement) {
        cli_problem_free(&prob);
        return cli_usage_error(cmd, "--explain does not cover the complement (the explainer "
                                    "knows volume, surface and orient_avg results)");
    }
    if (orient && prob.complement) {
        cli_problem_free(&prob);
        return cli_usage_error(cmd, "--orient-avg and --complement cannot be combined");
    }
    if (orient && prob.rotation) {
        cli_problem_free(&prob);
        return cli_usage_error(cmd, "--orient-avg averages over all rotations; drop --rotation");
    }
    if (every_given && !o.save_path) {
        cli_problem_free(&prob);
        return cli_usage_error(cmd, "--checkpoint-every needs --checkpoint FILE");
    }
    if (stream && !json) {
        cli_problem_free(&prob);
        return cli_usage_error(cmd, "--stream needs --json (it prints JSON lines)");
    }
    if ((o.save_path || o.resume_path) && (verify || plot)) {
        cli_problem_free(&prob);
        return cli_usage_error(cmd, "--checkpoint/--resume cannot be combined with %s",
                               verify ? "--verify" : "--plot");
    }
    if (cli_team && verify) {
        cli_problem_free(&prob);
        return cli_usage_error(cmd, "--verify compares two backends in one process; run it "
                                    "with so8t, not in a team of ranks");
    }
    if (cli_team) { /* a rank of so8t-mpi: its share of the work, its device */
        o.team = &cli_team->team;
        if (cli_team->device >= 0 && !device_given)
            o.device = cli_team->device;
        if (!o.threads)
            o.threads = cli_team->threads;
    }
    mc_problem p = {orient ? MC_ORIENT_AVG : prob.surface ? MC_SURFACE
                                          : prob.complement ? MC_COMPLEMENT : MC_VOLUME, prob.dim,
                    prob.half_side, prob.radius, prob.center, prob.rotation};
    char err[512];
    if (mc_problem_check(&p, err, sizeof err)) {
        cli_problem_free(&prob);
        return cli_usage_error(cmd, "%s", err);
    }
    mc_backend be;
    /* --verify runs the CPU first; an explicit --backend cuda still needs a GPU (exit 2
     * as without --verify, not a CPU-only "verification" with exit 0) */
    if ((verify && o.backend == MC_BACKEND_CUDA &&
         (rc = cli_backend_resolve(cmd, MC_BACKEND_CUDA, &be))) ||
        (rc = cli_backend_resolve(cmd, verify ? MC_BACKEND_CPU : o.backend, &be))) {
        cli_problem_free(&prob);
        return rc;
    }
    o.backend = be;

    progress_ctx pc;
    cli_progress_init(&pc.bar, "so8t volume");
    o.progress = on_progress;
    o.progress_user = &pc;
    trace tr = {0, 0, NULL, NULL, NULL, 0};
    cli_atomic plot_out = {0};
    plot_out.slot = -1;
    /* in so8t-mpi only rank 0 writes files and explains; every rank keeps the --plot trace,
       whose batch schedule all ranks must share */
    const int lead = !cli_team || cli_team->team.rank == 0;
    if (!lead)
        explain = 0;
    if (plot && lead) {
        /* the file is created now (a temporary name, renamed when the plot is complete):
           a missing folder or a directory is a usage error found before the run */
        if (cli_atomic_open(&plot_out, plot, err, sizeof err)) {
            cli_problem_free(&prob);
            return cli_usage_error(cmd, "--plot: %s", err);
        }
        if (plot_out.to_stdout) { /* the picture and the result would be one stream */
            cli_problem_free(&prob);
            return cli_usage_error(cmd, "--plot %s: stdout has the result; give a file", plot);
        }
    }
    tr.stream = stream && lead;
    if (plot || stream) {
        o.checkpoint = on_checkpoint;
        o.checkpoint_user = &tr;
    }

    mc_result res, gpu;
    memset(&gpu, 0, sizeof gpu);
    int have_gpu = 0;
    if (cli_team) { /* every rank got this far, or none starts the collective run */
        int first_bad, nbad = cli_team_ready(1, &first_bad, err, sizeof err);
        if (nbad != 0) {
            cli_problem_free(&prob);
            cli_atomic_abort(&plot_out);
            if (nbad > 0)
                fprintf(stderr, "so8t volume: %d rank(s) failed before the run (first: rank "
                                "%d); nothing was computed\n", nbad, first_bad);
            else
                fprintf(stderr, "so8t volume: %s\n", err);
            return CLI_FAIL;
        }
    }
    if (o.save_path) /* SIGTERM/SIGINT: save the state, then stop */
        stop_signals_catch(&o);
    int st = mc_estimate(&p, &o, &res, err, sizeof err);
    cli_progress_done(&pc.bar);
    if (o.save_path)
        stop_signals_release();
    if (st == MC_ERR_STOPPED) {
        cli_problem_free(&prob);
        fprintf(stderr, "so8t volume: %s; continue with --resume %s\n", err, o.save_path);
        return stopped_exit(cli_stop_signal);
    }
    uint64_t devices = 0; /* the ranks that ran on a GPU (so8t-mpi's JSON) */
    if (st == MC_OK && cli_team) {
        devices = res.backend == MC_BACKEND_CUDA;
        if (cli_team->team.sum(cli_team->team.user, &devices, 1, err, sizeof err))
            st = MC_ERR_TEAM;
    }
    if (st == MC_OK && verify && mc_cuda_device_count() > 0) {
        mc_options og = o;
        og.backend = MC_BACKEND_CUDA;
        og.method = res.method; /* the method auto chose on the CPU */
        og.checkpoint = NULL;
        st = mc_estimate(&p, &og, &gpu, err, sizeof err);
        have_gpu = st == MC_OK;
    }
    if (st != MC_OK) {
        cli_problem_free(&prob);
        cli_atomic_abort(&plot_out);
        free(tr.samples), free(tr.estimate), free(tr.half);
        if (st == MC_ERR_INVAL || st == MC_ERR_UNSUPPORTED ||
            (st == MC_ERR_STATE && strstr(err, "is for a different")))
            return cli_usage_error(cmd, "%s", err);
        fprintf(stderr, "so8t volume: %s\n", err);
        return CLI_FAIL;
    }
    const mc_result *main_res = have_gpu ? &gpu : &res;

    double exact = NAN, exact_err = 0, z = NAN;
    if (want_exact || plot) {
        /* the orientation average has an exact value only for c = 0, where every rotation
           gives the unrotated volume; otherwise geom/ answers the problem as given */
        int centred = 1;
        for (int i = 0; i < p.dim; i++)
            centred &= prob.center[i] == 0;
        if (orient && !centred) {
            if (want_exact)
                fprintf(stderr, "so8t volume: no exact value for an orientation average "
                                "with an off-centre ball (only for c = 0)\n");
        } else {
            geom_problem g;
            cli_problem_to_geom(&prob, &g);
            geom_result gr;
            int gs = prob.complement ? geom_complement_exact(&g, &gr, err, sizeof err)
                     : prob.surface  ? geom_surface_exact(&g, &gr, err, sizeof err)
                                     : geom_volume_exact(&g, &gr, err, sizeof err);
            if (gs == 0) {
                exact = gr.value;
                exact_err = gr.error_bound;
            }
            else
                /* a warning with exit 0: the estimate does not depend on it */
                fprintf(stderr, "so8t volume: warning: no exact value to compare with (%s); "
                                "the estimate stands\n",
                        err);
        }
        if (isfinite(exact))
            z = mc_result_z(main_res, exact, exact_err);
    }
    int identical = have_gpu && cli_mc_identical(&res, &gpu);
    double agree_z = have_gpu ? cli_mc_agreement_z(&res, &gpu) : 0;

    if (plot && lead) {
        char perr[4400];
        if (cli_volume_plot(&plot_out, &p, tr.n, tr.samples, tr.estimate, tr.half, exact, perr,
                            sizeof perr) != 0) {
            fprintf(stderr, "so8t volume: --plot: %s\n", perr);
            rc = CLI_FAIL;
        } else if (!json) {
            fprintf(stderr, "so8t volume: convergence plot written to %s\n", plot);
        }
    }
    free(tr.samples), free(tr.estimate), free(tr.half);

    /* the JSON is built once: printed with --json, and fed to the explainer */
    char *jtext = NULL;
    size_t jlen = 0;
    FILE *jf = open_memstream(&jtext, &jlen);
    if (!jf) {
        cli_problem_free(&prob);
        cli_atomic_abort(&plot_out);
        fprintf(stderr, "so8t volume: out of memory\n");
        return CLI_FAIL;
    }
    cli_json j;
    cli_json_open(&j, jf);
    cli_json_string(&j, "quantity", quantity_name(p.quantity));
    cli_json_i64(&j, "dim", p.dim);
    cli_json_double(&j, "half_side", p.half_side);
    cli_json_double(&j, "radius", p.radius);
    cli_json_double_array(&j, "center", prob.center, p.dim);
    cli_json_string(&j, "rotation", cli_problem_rotation_name(&prob));
    if (prob.rotation)
        cli_json_double_array(&j, "rotation_matrix", prob.rotation, p.dim * p.dim);
    cli_json_string(&j, "method", mc_method_name(main_res->method));
    if (main_res->auto_reason[0] || res.auto_reason[0])
        cli_json_string(&j, "method_reason", res.auto_reason);
    cli_json_string(&j, "backend", mc_backend_name(main_res->backend));
    cli_json_u64(&j, "seed", o.seed);
    cli_json_u64(&j, "samples", main_res->samples);
    if (main_res->count_based)
        cli_json_u64(&j, "hits", main_res->hits);
    cli_json_double(&j, "estimate", main_res->estimate);
    cli_json_double(&j, "std_error", main_res->std_error);
    cli_json_double_array(&j, "ci95", main_res->ci95, 2);
    cli_json_bool(&j, "ci_one_sided", main_res->ci_one_sided);
    cli_json_string(&j, "ci_method", main_res->ci_method ? main_res->ci_method : "");
    cli_json_double(&j, "rounding_bound", main_res->rounding_bound);
    cli_json_double(&j, "rel_error", main_res->rel_error);
    cli_json_double(&j, "rel_half_width", main_res->rel_half_width);
    cli_json_double(&j, "log_estimate", main_res->log_estimate);
    cli_json_double(&j, "fraction_of_cube", main_res->fraction_of_cube);
    if (p.quantity != MC_COMPLEMENT) /* the complement lies outside the ball */
        cli_json_double(&j, "fraction_of_ball", main_res->fraction_of_ball);
    cli_json_double(&j, "seconds", main_res->seconds);
    cli_json_double(&j, "samples_per_second", main_res->samples_per_second);
    if (cli_team) {
        cli_json_i64(&j, "ranks", cli_team->team.size);
        cli_json_u64(&j, "devices", devices);
    }
    if (o.rel_err > 0) {
        cli_json_double(&j, "rel_err_target", o.rel_err);
        cli_json_bool(&j, "target_met", main_res->target_met == 1);
    }
    if (isfinite(exact)) {
        cli_json_double(&j, "exact", exact);
        cli_json_double(&j, "z", z); /* null when ±inf: see exact_in_ci95 */
        cli_json_bool(&j, "exact_in_ci95", main_res->ci95[0] <= exact + exact_err &&
                                               exact - exact_err <= main_res->ci95[1]);
    }
    if (verify) {
        cli_mc_result_json(&j, "cpu", &res);
        if (have_gpu) {
            cli_mc_result_json(&j, "gpu", &gpu);
            cli_json_bool(&j, "identical", identical);
            cli_json_double(&j, "agreement_z", agree_z);
        } else {
            cli_json_null(&j, "gpu");
            cli_json_null(&j, "identical");
            char why[200];
            mc_cuda_device_describe(o.device, why, sizeof why);
            cli_json_string(&j, "gpu_unavailable", why);
        }
    }
    if (explain && json) {
        /* one JSON object: the explainer reads the result so far (closed here), and its
           answer becomes the member "explanation" */
        int bad = fflush(jf) != 0;
        char *whole = bad ? NULL : malloc(jlen + 2);
        if (whole) {
            memcpy(whole, jtext, jlen);
            memcpy(whole + jlen, "}", 2);
            if (cli_explain_json_text(whole, model, &j) == CLI_FAIL)
                rc = CLI_FAIL;
            free(whole);
        } else {
            fprintf(stderr, "so8t volume: --explain: out of memory\n");
            cli_json_null(&j, "explanation");
            rc = CLI_FAIL;
        }
    }
    cli_json_close(&j);
    fclose(jf);

    if (json) {
        fputs(jtext, stdout);
    } else {
        printf("so8t volume: %s of [-%g,%g]^%d%s ∩ B(c, %g)%s\n",
               p.quantity == MC_SURFACE      ? "surface measure of the sphere inside"
               : p.quantity == MC_ORIENT_AVG ? "orientation-averaged volume"
               : p.quantity == MC_COMPLEMENT ? "complement (the part outside the ball)"
                                             : "volume",
               p.half_side, p.half_side, p.dim, prob.rotation ? " (rotated)" : "", p.radius,
               prob.center_n ? "" : ", c = 0");
        if (main_res->auto_reason[0] || res.auto_reason[0])
            printf("  method         %s: %s\n", mc_method_name(res.method), res.auto_reason);
        print_result(verify ? "cpu" : "estimate", &res);
        if (verify) {
            if (have_gpu) {
                print_result("gpu", &gpu);
                printf("  %-14s %s; statistical agreement z = %.2f (%s)\n", "identical",
                       identical ? "yes — same counts/sums on GPU and CPU"
                                 : "NO — GPU and CPU differ for the same seed",
                       agree_z, fabs(agree_z) <= 5 ? "agree" : "DISAGREE");
            } else {
                char why[200];
                mc_cuda_device_describe(o.device, why, sizeof why);
                printf("  %-14s no GPU (%s): only the CPU result\n", "gpu", why);
            }
        }
        printf("  %-14s %.3g (se / estimate)\n", "rel. error", main_res->rel_error);
        if (p.quantity == MC_COMPLEMENT)
            printf("  %-14s %.6g of the cube (log %.10g)\n", "fraction",
                   main_res->fraction_of_cube, main_res->log_estimate);
        else
            printf("  %-14s %.6g of the cube, %.6g of the %s\n", "fraction",
                   main_res->fraction_of_cube, main_res->fraction_of_ball,
                   p.quantity == MC_SURFACE ? "sphere" : "ball");
        if (isfinite(exact)) {
            if (isinf(z))
                printf("  %-14s %.15g   z = %sinf  (outside the rounding bound of a value with "
                       "no sampling error!)\n", "exact", exact, z < 0 ? "-" : "");
            else
                printf("  %-14s %.15g   z = %.2f%s\n", "exact", exact, z,
                       fabs(z) <= 5 ? (main_res->std_error == 0 ? "  (within the rounding bound)"
                                                                : "")
                                    : "  (more than 5 se away!)");
        }
    }
    if (o.rel_err > 0 && main_res->target_met == 0)
        rel_err_warn(main_res, o.rel_err);
    if (explain && !json && cli_explain_json_text(jtext, model, NULL) == CLI_FAIL)
        rc = CLI_FAIL;
    free(jtext);
    cli_problem_free(&prob);
    if (verify && have_gpu && (!identical || fabs(agree_z) > 5))
        return CLI_FAIL;
    return rc == CLI_FAIL ? CLI_FAIL : CLI_OK;
}
