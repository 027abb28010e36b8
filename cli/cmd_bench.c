/* cmd_bench.c — 'so8t bench': a quick throughput check on this machine — every volume
 * estimator's samples/s on the CPU (and the GPU when present) against the naive drand48_r
 * hit-or-miss loop, timed in the same run. The full benchmark is 'make bench'. */
#include "cli/cli.h"
#include "mc/mc.h"

#include <getopt.h>
#include <omp.h>

#include "base/threads.h"
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f, "Usage: so8t bench [-d N] [-r R] [-n N] [--json]\n"
               "\n"
               "Samples per second of every volume estimator for [-1,1]^d ∩ B(0, r) on the CPU\n"
               "(all cores) and, when present, the GPU, next to the baseline: a scalar\n"
               "drand48_r hit-or-miss loop on one thread, timed in the same run. One run each;\n"
               "'make bench' runs the full benchmark (medians, time to 1e-4, docs/performance.md).\n"
               "\n"
               "  -d, --dim N      dimension (default 8)\n"
               "  -r, --radius R   radius (default 1.5)\n"
               "  -n, --samples N  samples per run (default 2^22)\n"
               "  --json           one JSON object\n");
}

int cmd_bench(int argc, char **argv)
{
    static const struct option opts[] = {{"dim", required_argument, NULL, 'd'},
                                         {"radius", required_argument, NULL, 'r'},
                                         {"samples", required_argument, NULL, 'n'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *cmd = "bench";
    int d = 8, json = 0, c, rc;
    double r = 1.5;
    uint64_t n = 1u << 22;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "d:r:n:h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            if ((rc = cli_parse_int(cmd, "-d/--dim", optarg, 1, MC_MAX_DIM, &d)))
                return rc;
            break;
        case 'r':
            if ((rc = cli_parse_double(cmd, "-r/--radius", optarg, 0, 1, 1e6, 0, &r)))
                return rc;
            break;
        case 'n':
            if ((rc = cli_parse_count(cmd, "-n/--samples", optarg, 1024, &n)))
                return rc;
            break;
        case 'j': json = 1; break;
        case 'h': usage(stdout); return CLI_OK;
        default: return cli_usage_error(cmd, "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);

    uint64_t nb = n / 4 > 100000 ? n / 4 : 100000;
    double t0 = cli_now();
    volatile uint64_t h = mc_baseline_drand48_hits(d, r, nb, 1);
    (void)h;
    double base = (double)nb / (cli_now() - t0);
    int gpus = mc_cuda_device_count();
    cli_json j;
    cli_json_init(&j, stdout);
    if (json) {
        cli_json_begin_object(&j, NULL);
        cli_json_i64(&j, "dim", d);
        cli_json_double(&j, "radius", r);
        cli_json_i64(&j, "threads", so8t_threads_default());
        cli_json_double(&j, "baseline_samples_per_second", base);
        cli_json_begin_array(&j, "results");
    } else {
        printf("so8t bench: [-1,1]^%d ∩ B(0, %g), %d CPU threads, %d GPU(s)\n", d, r,
               so8t_threads_default(), gpus);
        printf("  %-8s %-5s %14s %10s\n", "method", "where", "samples/s", "x baseline");
        printf("  %-8s %-5s %14.4g %10s\n", "baseline", "cpu-1", base, "1");
    }
    for (int be = 0; be < (gpus ? 2 : 1); be++)
        for (int m = MC_METHOD_HIT; m < MC_METHOD_COUNT_; m++) {
            double center[MC_MAX_DIM];
            memset(center, 0, sizeof center);
            mc_problem p = {MC_VOLUME, d, 1.0, r, center, NULL};
            mc_options o;
            mc_options_default(&o);
            o.method = (mc_method)m;
            o.backend = be ? MC_BACKEND_CUDA : MC_BACKEND_CPU;
            o.samples = be ? n * 64 : n;
            mc_result res;
            char err[256];
            if (mc_estimate(&p, &o, &res, err, sizeof err)) {
                fprintf(stderr, "so8t bench: %s: %s\n", mc_method_name((mc_method)m), err);
                continue;
            }
            if (json) {
                cli_json_begin_object(&j, NULL);
                cli_json_string(&j, "method", mc_method_name((mc_method)m));
                cli_json_string(&j, "backend", be ? "cuda" : "cpu");
                cli_json_double(&j, "samples_per_second", res.samples_per_second);
                cli_json_double(&j, "speedup", res.samples_per_second / base);
                cli_json_end_object(&j);
            } else {
                printf("  %-8s %-5s %14.4g %10.3g\n", mc_method_name((mc_method)m),
                       be ? "gpu" : "cpu", res.samples_per_second, res.samples_per_second / base);
            }
        }
    if (json) {
        cli_json_end_array(&j);
        cli_json_close(&j);
    }
    return CLI_OK;
}
