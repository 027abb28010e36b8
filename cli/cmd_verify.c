/* cmd_verify.c — 'so8t verify': a built-in suite of cases (the classic 8-cube ∩ ball, the
 * 3-sphere in the 4-cube, a spread of dimensions, centres, radii, a rotated cube, tiny
 * intersections) × every applicable method, run on the CPU and (when present) the GPU,
 * each compared with geom/'s exact value; one table, exit status 0 only if all pass. */
#include "cli/cli.h"
#include "cli/cli_backend.h"
#include "cli/cli_volume.h"
#include "cli/verify_cases.h"
#include "geom/geom.h"
#include "mc/mc.h"
#include "so8/so8.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>


static void usage(FILE *f)
{
    fprintf(f, "Usage: so8t verify [--quick] [-n N] [--seed S] [--backend auto|cpu|cuda] [--json]\n"
               "\n"
               "Runs a built-in suite — the classic [-1,1]^8 ∩ B(0, 1.5), the 3-sphere of radius\n"
               "1.2 in [-1,1]^4, dimensions 2 to 64, off-centre, rotated, tiny intersections,\n"
               "the orientation average — with every applicable method on the CPU and, when\n"
               "there is one, the GPU. Each row checks: GPU and CPU counts identical for the\n"
               "same seed, and each estimate within 5 standard errors of the exact value\n"
               "(counts by their exact binomial tails, qmc by Student's t, rounding allowed\n"
               "for: a healthy build fails a row with probability 5.7e-7).\n"
               "\n"
               "  --quick        a few cases, 2^16 samples: a few seconds\n"
               "  -n, --samples  samples per run (default 2^20, quick 2^16)\n"
               "  --seed S       Philox seed (default 1)\n"
               "  --backend B    auto (CPU and GPU if present) | cpu (CPU only) | cuda\n"
               "  --json         {\"cases\": [...], \"pass\": bool}\n"
               "\n"
               "Exit status: 0 all rows pass, 1 a row failed, 2 usage error.\n");
}

int cmd_verify(int argc, char **argv)
{
    static const struct option opts[] = {{"quick", no_argument, NULL, 'q'},
                                         {"samples", required_argument, NULL, 'n'},
                                         {"seed", required_argument, NULL, 's'},
                                         {"backend", required_argument, NULL, 'b'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *cmd = "verify";
    int quick = 0, json = 0, c, rc;
    uint64_t samples = 0, seed = 1;
    mc_backend be_req = MC_BACKEND_AUTO;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "n:h", opts, NULL)) != -1) {
        switch (c) {
        case 'q': quick = 1; break;
        case 'j': json = 1; break;
        case 'n':
            if ((rc = cli_parse_count(cmd, "-n/--samples", optarg, 1024, &samples)))
                return rc;
            break;
        case 's':
            if ((rc = cli_parse_seed(cmd, "--seed", optarg, &seed)))
                return rc;
            break;
        case 'b':
            if ((rc = cli_parse_backend(cmd, "--backend", optarg, &be_req)))
                return rc;
            break;
        case 'h': usage(stdout); return CLI_OK;
        default: return cli_usage_error(cmd, "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    if (!samples)
        samples = quick ? (1u << 16) : (1u << 20);
    mc_backend be;
    if ((rc = cli_backend_resolve(cmd, be_req, &be)))
        return rc;
    int use_gpu = be == MC_BACKEND_CUDA;
    int use_cpu = be_req != MC_BACKEND_CUDA;

    cli_json j;
    cli_json_init(&j, stdout);
    if (json) {
        cli_json_begin_object(&j, NULL);
        cli_json_u64(&j, "seed", seed);
        cli_json_u64(&j, "samples", samples);
        cli_json_bool(&j, "gpu_available", use_gpu);
        cli_json_begin_array(&j, "cases");
    } else {
        printf("so8t verify: %llu samples per run, seed %llu, %s\n", (unsigned long long)samples,
               (unsigned long long)seed,
               use_gpu ? (use_cpu ? "CPU and GPU" : "GPU only") : "CPU only (no GPU)");
        printf("%-38s %-7s %-24s %-24s %-9s %-17s %7s %7s %s\n", "case", "method",
               "cpu estimate ± se", "gpu estimate ± se", "identical", "exact", "z cpu",
               "z gpu", "result");
    }
    cli_progress bar;
    cli_progress_init(&bar, "so8t verify");
    int all_pass = 1, rows = 0, done = 0, total = 0;
    for (size_t k = 0; k < N_CASES; k++)
        if (!quick || verify_cases[k].quick)
            total++;
    for (size_t k = 0; k < N_CASES; k++) {
        const verify_case *vc = &verify_cases[k];
        if (quick && !vc->quick)
            continue;
        double center[SO8T_MAX_DIM], R[16 * 16];
        if (verify_case_setup(vc, center, R) != 0) {
            fprintf(stderr, "so8t verify: could not draw the fixed rotation\n");
            return CLI_FAIL;
        }
        mc_problem p = {vc->q, vc->dim, vc->a, vc->r, center, vc->rotated ? R : NULL};
        geom_problem g = {vc->dim, vc->a, vc->r, center, vc->rotated ? R : NULL};
        geom_result gr;
        char err[512];
        int gs = vc->q == MC_SURFACE ? geom_surface_exact(&g, &gr, err, sizeof err)
                                     : geom_volume_exact(&g, &gr, err, sizeof err);
        double exact = gs == 0 ? gr.value : NAN;
        double exact_err = gs == 0 ? gr.error_bound : 0;
        for (int m = MC_METHOD_HIT; m < MC_METHOD_COUNT_; m++) {
            if (vc->methods && !(vc->methods & BIT(m)))
                continue;
            mc_options o;
            mc_options_default(&o);
            o.method = (mc_method)m;
            o.samples = samples;
            o.seed = seed;
            mc_result rc_cpu, rc_gpu;
            memset(&rc_cpu, 0, sizeof rc_cpu);
            memset(&rc_gpu, 0, sizeof rc_gpu);
            int st_cpu = MC_OK, st_gpu = MC_OK;
            if (use_cpu) {
                o.backend = MC_BACKEND_CPU;
                st_cpu = mc_estimate(&p, &o, &rc_cpu, err, sizeof err);
                if (st_cpu == MC_ERR_UNSUPPORTED)
                    continue;
            }
            if (use_gpu) {
                o.backend = MC_BACKEND_CUDA;
                st_gpu = mc_estimate(&p, &o, &rc_gpu, err, sizeof err);
                if (st_gpu == MC_ERR_UNSUPPORTED)
                    continue;
            }
            rows++;
            /* mc_result_z: counts by their exact binomial tails (a row with 2 misses where
               6 are expected is not a 5-sigma event), qmc by Student t, the rounding bound
               and geom's error bound allowed for; |z| > 5 then has probability 5.7e-7 */
            double z_cpu = NAN, z_gpu = NAN;
            if (use_cpu && st_cpu == 0)
                z_cpu = mc_result_z(&rc_cpu, exact, exact_err);
            if (use_gpu && st_gpu == 0)
                z_gpu = mc_result_z(&rc_gpu, exact, exact_err);
            int identical = use_cpu && use_gpu && st_cpu == 0 && st_gpu == 0 &&
                            cli_mc_identical(&rc_cpu, &rc_gpu);
            int pass = st_cpu == 0 && st_gpu == 0 && isfinite(exact) &&
                       (!use_cpu || fabs(z_cpu) <= 5) && (!use_gpu || fabs(z_gpu) <= 5) &&
                       (!(use_cpu && use_gpu) || identical);
            all_pass &= pass;
            if (json) {
                cli_json_begin_object(&j, NULL);
                cli_json_string(&j, "case", vc->name);
                cli_json_string(&j, "quantity", vc->q == MC_SURFACE ? "surface"
                                                : vc->q == MC_ORIENT_AVG ? "orient_avg"
                                                                         : "volume");
                cli_json_i64(&j, "dim", vc->dim);
                cli_json_double(&j, "half_side", vc->a);
                cli_json_double(&j, "radius", vc->r);
                cli_json_double_array(&j, "center", center, vc->dim);
                cli_json_bool(&j, "rotated", vc->rotated);
                cli_json_string(&j, "method", mc_method_name((mc_method)m));
                cli_json_u64(&j, "seed", seed);
                const mc_result *mr = use_gpu ? &rc_gpu : &rc_cpu;
                cli_json_u64(&j, "samples", mr->samples);
                cli_json_double(&j, "estimate", mr->estimate);
                cli_json_double(&j, "std_error", mr->std_error);
                if (use_cpu && st_cpu == 0)
                    cli_mc_result_json(&j, "cpu", &rc_cpu);
                else
                    cli_json_null(&j, "cpu");
                if (use_gpu && st_gpu == 0)
                    cli_mc_result_json(&j, "gpu", &rc_gpu);
                else
                    cli_json_null(&j, "gpu");
                if (use_cpu && use_gpu)
                    cli_json_bool(&j, "identical", identical);
                else
                    cli_json_null(&j, "identical");
                cli_json_double(&j, "exact", exact);
                cli_json_double(&j, "z", use_gpu ? z_gpu : z_cpu);
                cli_json_double(&j, "z_cpu", z_cpu);
                cli_json_double(&j, "z_gpu", z_gpu);
                cli_json_bool(&j, "pass", pass);
                if (st_cpu || st_gpu)
                    cli_json_string(&j, "error", err);
                cli_json_end_object(&j);
            } else {
                char cpu_s[64] = "-", gpu_s[64] = "no GPU", zc[16] = "-", zg[16] = "-";
                if (use_cpu)
                    snprintf(cpu_s, sizeof cpu_s, st_cpu ? "error" : "%.9g ± %.2g",
                             rc_cpu.estimate, rc_cpu.std_error);
                if (use_gpu)
                    snprintf(gpu_s, sizeof gpu_s, st_gpu ? "error" : "%.9g ± %.2g",
                             rc_gpu.estimate, rc_gpu.std_error);
                if (!isnan(z_cpu))
                    snprintf(zc, sizeof zc, "%.2f", z_cpu);
                if (!isnan(z_gpu))
                    snprintf(zg, sizeof zg, "%.2f", z_gpu);
                cli_progress_done(&bar);
                printf("%-38.38s %-7s %-24s %-24s %-9s %-17.12g %7s %7s %s\n", vc->name,
                       mc_method_name((mc_method)m), cpu_s, gpu_s,
                       use_cpu && use_gpu ? (identical ? "yes" : "NO") : "-", exact, zc, zg,
                       pass ? "pass" : "FAIL");
                if (st_cpu || st_gpu)
                    printf("    error: %s\n", err);
            }
        }
        done++;
        cli_progress_update(&bar, (double)done / total);
    }
    cli_progress_done(&bar);
    if (json) {
        cli_json_end_array(&j);
        cli_json_bool(&j, "pass", all_pass);
        cli_json_close(&j);
    } else {
        printf("%s: %d rows, %s\n", all_pass ? "PASS" : "FAIL", rows,
               all_pass ? "every estimate within 5 se of the exact value"
                        : "some rows failed (see above)");
    }
    return all_pass ? CLI_OK : CLI_FAIL;
}
