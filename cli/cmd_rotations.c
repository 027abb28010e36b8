/* cmd_rotations.c — 'so8t rotations': Haar-random SO(n) rotations in bulk (GPU or CPU),
 * written as .npy / raw binary / CSV, with the statistics that check Haar-ness. */
#include "cli/cli.h"
#include "cli/cli_atomic.h"
#include "so8/so8.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#define CMD "rotations"

typedef enum { FMT_NONE, FMT_BIN, FMT_CSV, FMT_NPY } out_format;

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: so8t rotations -n N [--dim D] [--seed S] [--backend auto|cuda|cpu]\n"
            "                      [--precision float|double] [--out FILE [--format bin|csv|npy]]\n"
            "                      [--stats] [--json] [--threads T] [--first I]\n"
            "\n"
            "Sample N Haar-random rotations of SO(D) (D = 2..16, default 8). Rotation i of a\n"
            "seed always comes from Philox subsequence i, so the CUDA and CPU backends give\n"
            "identical matrices whatever the thread or GPU layout.\n"
            "\n"
            "Options:\n"
            "  -n N                 number of rotations (1000, 1e6, 2^20)\n"
            "  --dim D              dimension, 2..16 (default 8)\n"
            "  --seed S             64-bit seed, decimal or 0x hex (default 1)\n"
            "  --first I            index of the first rotation (default 0)\n"
            "  --backend B          auto (CUDA when compiled in and a device is present, else\n"
            "                       the CPU), cuda, or cpu (default auto)\n"
            "  --precision P        float or double (default double); float is the double\n"
            "                       result rounded once\n"
            "  --out FILE           write the rotations, N×D×D row-major; the file appears\n"
            "                       only when complete (a temporary file in the same folder,\n"
            "                       renamed); - or /dev/stdout: standard output, and the\n"
            "                       summary and --stats table go to stderr\n"
            "  --format F           npy (load with numpy.load), bin (raw little-endian\n"
            "                       values, no header) or csv (header line, one rotation per\n"
            "                       line); default from FILE's extension, else bin\n"
            "  --stats              test Haar-ness: orthogonality, det, E[tr^j] j=1..8 against\n"
            "                       exact SO(D) values, KS tests of the pooled eigen-angles and\n"
            "                       of one entry, E[R_ij^2] = 1/D; exit status 1 if any fails\n"
            "  --json               print one JSON object on stdout\n"
            "  --threads T          CPU threads (default: all)\n"
            "  --sampler S          haar (default); torus or nosignfix are deliberately\n"
            "                       wrong samplers (CPU only) that --stats must reject\n"
            "  -h, --help           this help\n"
            "\n"
            "Without --out and --stats, up to 16 rotations are printed as text.\n"
            "Exit status: 0 ok, 1 a statistic failed or a file/device error, 2 usage error.\n");
}

static int ends_with(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && !strcmp(s + a - b, suf);
}

static int host_little_endian(void)
{
    const uint16_t one = 1;
    unsigned char c;
    memcpy(&c, &one, 1);
    return c == 1;
}

/* The .npy v1.0 header: magic, version, header length, a dict padded to a multiple of 64. */
static int write_npy_header(FILE *f, so8_precision prec, uint64_t count, int dim)
{
    char dict[200];
    const char endian = host_little_endian() ? '<' : '>';
    int len = snprintf(dict, sizeof dict,
                       "{'descr': '%c%s', 'fortran_order': False, 'shape': (%llu, %d, %d), }",
                       endian, prec == SO8_DOUBLE ? "f8" : "f4", (unsigned long long)count, dim,
                       dim);
    if (len < 0 || len >= (int)sizeof dict - 70)
        return -1;
    int total = 10 + len + 1;
    int pad = (64 - total % 64) % 64;
    unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0, 0};
    int hlen = len + pad + 1;
    pre[8] = (unsigned char)(hlen & 0xff);
    pre[9] = (unsigned char)(hlen >> 8);
    if (fwrite(pre, 1, 10, f) != 10 || fwrite(dict, 1, (size_t)len, f) != (size_t)len)
        return -1;
    for (int i = 0; i < pad; i++)
        if (fputc(' ', f) == EOF)
            return -1;
    return fputc('\n', f) == EOF ? -1 : 0;
}

static int write_csv_header(FILE *f, int dim)
{
    for (int i = 0; i < dim; i++)
        for (int j = 0; j < dim; j++)
            if (fprintf(f, "%sr%d_%d", i + j ? "," : "", i, j) < 0)
                return -1;
    return fputc('\n', f) == EOF ? -1 : 0;
}

static int write_chunk(FILE *f, out_format fmt, so8_precision prec, const void *buf,
                       uint64_t count, int dim)
{
    size_t nn = (size_t)dim * dim, esz = so8_precision_size(prec);
    if (fmt == FMT_BIN || fmt == FMT_NPY)
        return fwrite(buf, esz, count * nn, f) == count * nn ? 0 : -1;
    for (uint64_t r = 0; r < count; r++) {
        for (size_t k = 0; k < nn; k++) {
            int rc = prec == SO8_DOUBLE
                         ? fprintf(f, "%s%.17g", k ? "," : "", ((const double *)buf)[r * nn + k])
                         : fprintf(f, "%s%.9g", k ? "," : "",
                                   (double)((const float *)buf)[r * nn + k]);
            if (rc < 0)
                return -1;
        }
        if (fputc('\n', f) == EOF)
            return -1;
    }
    return 0;
}

/* A failed write of the data: stdout's failures are said once, by main (quiet for a closed
 * pipe); a file's here, with its name. */
static void report_write_error(const cli_atomic *out, const char *path, int err)
{
    if (out->to_stdout)
        cli_stdout_note_error(err);
    else
        fprintf(stderr, "so8t rotations: cannot write '%s': %s\n", path, strerror(err));
}

static void print_text(FILE *f, const void *buf, so8_precision prec, uint64_t count, int dim,
                       uint64_t first)
{
    size_t nn = (size_t)dim * dim;
    for (uint64_t r = 0; r < count; r++) {
        fprintf(f, "rotation %llu:\n", (unsigned long long)(first + r));
        for (int i = 0; i < dim; i++) {
            for (int j = 0; j < dim; j++) {
                size_t k = r * nn + (size_t)i * dim + j;
                double v = prec == SO8_DOUBLE ? ((const double *)buf)[k]
                                              : (double)((const float *)buf)[k];
                fprintf(f, "%s% .6f", j ? " " : "  ", v);
            }
            fputc('\n', f);
        }
    }
}

static void print_table(FILE *f, const so8_stats_report *rep, uint64_t seed,
                        const char *backend, const char *prec)
{
    fprintf(f, "Haar statistics for SO(%d): %llu rotations, seed %llu, backend %s, %s\n",
            rep->dim, (unsigned long long)rep->samples, (unsigned long long)seed, backend, prec);
    fprintf(f, "max orthogonality error %.3g (tolerance %.3g); det in [%.17g, %.17g]\n",
            rep->max_orthogonality_error, rep->orth_tolerance, rep->min_det, rep->max_det);
    fprintf(f, "%-18s %14s %14s %11s %9s  %s\n", "test", "expected", "value", "std_error", "z",
            "pass");
    int failed = 0;
    for (int i = 0; i < rep->n_tests; i++) {
        const so8_test *t = &rep->tests[i];
        fprintf(f, "%-18s %14.8g %14.8g %11.3g %9.2f  %s\n", t->name, t->expected, t->value,
                t->std_error, t->z, t->pass ? "yes" : "NO");
        failed += !t->pass;
    }
    if (failed)
        fprintf(f, "FAILED: %d of %d statistics (|z| > %.0f or outside tolerance)\n", failed,
                rep->n_tests, SO8_Z_THRESHOLD);
    else
        fprintf(f, "all %d statistics pass (|z| <= %.0f)\n", rep->n_tests, SO8_Z_THRESHOLD);
}

int cmd_rotations(int argc, char **argv)
{
    uint64_t count = 0, seed = 1, first = 0;
    int have_n = 0, dim = 8, stats = 0, json = 0, threads = 0;
    const char *backend_opt = "auto", *out_path = NULL, *format_opt = NULL;
    so8_precision prec = SO8_DOUBLE;
    so8_sampler sampler = SO8_SAMPLER_HAAR;

    enum { OPT_DIM = 256, OPT_SEED, OPT_FIRST, OPT_BACKEND, OPT_PRECISION, OPT_OUT, OPT_FORMAT,
           OPT_STATS, OPT_JSON, OPT_THREADS, OPT_SAMPLER };
    static const struct option opts[] = {
        {"help", no_argument, NULL, 'h'},
        {"dim", required_argument, NULL, OPT_DIM},
        {"seed", required_argument, NULL, OPT_SEED},
        {"first", required_argument, NULL, OPT_FIRST},
        {"backend", required_argument, NULL, OPT_BACKEND},
        {"precision", required_argument, NULL, OPT_PRECISION},
        {"out", required_argument, NULL, OPT_OUT},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"stats", no_argument, NULL, OPT_STATS},
        {"json", no_argument, NULL, OPT_JSON},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"sampler", required_argument, NULL, OPT_SAMPLER},
        {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":hn:", opts, NULL)) != -1) {
        const char *v = optarg;
        switch (c) {
        case 'h':
            usage(stdout);
            return CLI_OK;
        case 'n':
            if (cli_parse_count(CMD, "-n", v, 1, &count))
                return CLI_USAGE;
            have_n = 1;
            break;
        case OPT_DIM:
            if (cli_parse_int(CMD, "--dim", v, 2, SO8_MAX_N, &dim))
                return CLI_USAGE;
            break;
        case OPT_SEED:
            if (cli_parse_seed(CMD, "--seed", v, &seed))
                return CLI_USAGE;
            break;
        case OPT_FIRST:
            if (cli_parse_count(CMD, "--first", v, 0, &first))
                return CLI_USAGE;
            break;
        case OPT_BACKEND:
            if (strcmp(v, "auto") && strcmp(v, "cuda") && strcmp(v, "cpu"))
                return cli_usage_error(CMD, "--backend must be auto, cuda or cpu (got '%s')", v);
            backend_opt = v;
            break;
        case OPT_PRECISION:
            if (!strcmp(v, "float"))
                prec = SO8_FLOAT;
            else if (!strcmp(v, "double"))
                prec = SO8_DOUBLE;
            else
                return cli_usage_error(CMD, "--precision must be float or double (got '%s')", v);
            break;
        case OPT_OUT:
            if (!*v)
                return cli_usage_error(CMD, "--out needs a file name");
            out_path = v;
            break;
        case OPT_FORMAT:
            if (strcmp(v, "bin") && strcmp(v, "csv") && strcmp(v, "npy"))
                return cli_usage_error(CMD, "--format must be bin, csv or npy (got '%s')", v);
            format_opt = v;
            break;
        case OPT_STATS:
            stats = 1;
            break;
        case OPT_JSON:
            json = 1;
            break;
        case OPT_THREADS:
            if (cli_parse_int(CMD, "--threads", v, 1, 1024, &threads))
                return CLI_USAGE;
            break;
        case OPT_SAMPLER:
            if (!strcmp(v, "haar"))
                sampler = SO8_SAMPLER_HAAR;
            else if (!strcmp(v, "torus"))
                sampler = SO8_SAMPLER_TORUS;
            else if (!strcmp(v, "nosignfix"))
                sampler = SO8_SAMPLER_NOSIGNFIX;
            else
                return cli_usage_error(CMD, "--sampler must be haar, torus or nosignfix (got '%s')", v);
            break;
        default: return cli_getopt_error(CMD, c, argv);
        }
    }
    if (optind < argc)
        return cli_usage_error(CMD, "unexpected argument '%s'", argv[optind]);
    if (!have_n)
        return cli_usage_error(CMD, "-n N (the number of rotations) is required");
    if (format_opt && !out_path)
        return cli_usage_error(CMD, "--format needs --out FILE");
    if (first > UINT64_MAX - count)
        return cli_usage_error(CMD, "--first + -n goes past 2^64 rotations");
    out_format fmt = FMT_NONE;
    if (out_path) {
        const char *f = format_opt;
        if (!f)
            f = ends_with(out_path, ".npy") ? "npy" : ends_with(out_path, ".csv") ? "csv" : "bin";
        fmt = !strcmp(f, "npy") ? FMT_NPY : !strcmp(f, "csv") ? FMT_CSV : FMT_BIN;
    }

    /* backend */
    int use_cuda = 0;
    if (!strcmp(backend_opt, "cuda")) {
        if (sampler != SO8_SAMPLER_HAAR)
            return cli_usage_error(CMD, "--sampler %s runs on the CPU only; use --backend cpu",
                                   sampler == SO8_SAMPLER_TORUS ? "torus" : "nosignfix");
        /* a backend that is not there is a usage error (exit 2), as in volume and verify */
        if (!so8_cuda_compiled())
            return cli_usage_error(CMD, "--backend cuda: this so8t was built without CUDA");
        if (so8_cuda_device_count() == 0)
            return cli_usage_error(CMD, "--backend cuda: no usable CUDA device");
        use_cuda = 1;
    } else if (!strcmp(backend_opt, "auto") && sampler == SO8_SAMPLER_HAAR &&
               so8_cuda_compiled()) {
        if (so8_cuda_device_count() > 0)
            use_cuda = 1;
        else
            fprintf(stderr, "so8t rotations: CUDA is compiled in but no CUDA device was found; "
                            "using the CPU\n");
    }
    const char *backend = use_cuda ? "cuda" : "cpu";
    const char *prec_name = prec == SO8_DOUBLE ? "double" : "float";

    /* buffers: chunks of about 32 MiB */
    const size_t esz = so8_precision_size(prec), nn = (size_t)dim * dim;
    uint64_t chunk = (32u << 20) / (nn * esz);
    if (chunk > count)
        chunk = count;
    void *buf = malloc(chunk * nn * esz);
    so8_stats *st = NULL;
    FILE *fo = NULL;
    cli_atomic out = {0};
    out.slot = -1;
    int status = CLI_OK;
    if (!buf) {
        fprintf(stderr, "so8t rotations: out of memory\n");
        return CLI_FAIL;
    }
    if (stats && so8_stats_create(dim, prec, &st) != SO8_OK) {
        fprintf(stderr, "so8t rotations: out of memory for the statistics\n");
        free(buf);
        return CLI_FAIL;
    }
    /* the table, the summary and --json go to stdout, unless the data does */
    FILE *report = stdout;
    if (out_path) {
        char oerr[4400];
        /* opened before the work: a bad name is a usage error found up front */
        if (cli_atomic_open(&out, out_path, oerr, sizeof oerr)) {
            fprintf(stderr, "so8t rotations: --out: %s\n", oerr);
            status = CLI_USAGE;
            goto done;
        }
        fo = out.f;
        if (out.to_stdout) {
            if (json) {
                fprintf(stderr, "so8t rotations: --json and --out %s both need standard "
                                "output; write the rotations to a file\n", out_path);
                status = CLI_USAGE;
                goto done;
            }
            report = stderr;
        }
        int rc = fmt == FMT_NPY ? write_npy_header(fo, prec, count, dim)
                 : fmt == FMT_CSV ? write_csv_header(fo, dim)
                                  : 0;
        if (rc) {
            report_write_error(&out, out_path, errno);
            status = CLI_FAIL;
            goto done;
        }
    }

    cli_progress prog;
    cli_progress_init(&prog, "rotations");
    double t0 = cli_now(), gen_seconds = 0.0;
    for (uint64_t done_n = 0; done_n < count;) {
        uint64_t len = count - done_n < chunk ? count - done_n : chunk;
        double tg = cli_now();
        int rc;
        char err[256] = "";
        if (use_cuda)
            rc = so8_haar_batch_cuda(dim, seed, first + done_n, len, prec, buf, err, sizeof err);
        else
            rc = so8_sample_batch_cpu(sampler, dim, seed, first + done_n, len, prec, buf, threads);
        gen_seconds += cli_now() - tg;
        if (rc != SO8_OK) {
            cli_progress_done(&prog);
            fprintf(stderr, "so8t rotations: %s backend failed: %s%s%s\n", backend,
                    so8_strerror(rc), err[0] ? ": " : "", err);
            status = CLI_FAIL;
            goto done;
        }
        if (fo && write_chunk(fo, fmt, prec, buf, len, dim)) {
            cli_progress_done(&prog);
            report_write_error(&out, out_path, errno);
            status = CLI_FAIL;
            goto done;
        }
        if (st)
            so8_stats_add(st, buf, prec, len, threads);
        else if (!fo && !json && count <= 16)
            print_text(stdout, buf, prec, len, dim, first + done_n);
        done_n += len;
        cli_progress_update(&prog, (double)done_n / (double)count);
    }
    cli_progress_done(&prog);
    double seconds = cli_now() - t0;
    if (fo) {
        char cerr[4400];
        fo = NULL;
        int to_stdout = out.to_stdout;
        if (cli_atomic_commit(&out, cerr, sizeof cerr)) {
            if (!to_stdout) /* else main says it */
                fprintf(stderr, "so8t rotations: %s\n", cerr);
            status = CLI_FAIL;
            goto done;
        }
    }

    so8_stats_report rep;
    int have_rep = st && so8_stats_report_get(st, &rep) == SO8_OK;
    double rate = gen_seconds > 0 ? (double)count / gen_seconds : 0.0;
    if (json) {
        cli_json j;
        cli_json_open(&j, stdout);
        cli_json_i64(&j, "dim", dim);
        cli_json_u64(&j, "samples", count);
        cli_json_u64(&j, "seed", seed);
        cli_json_u64(&j, "first", first);
        cli_json_string(&j, "backend", backend);
        cli_json_string(&j, "precision", prec_name);
        cli_json_string(&j, "sampler", sampler == SO8_SAMPLER_HAAR ? "haar"
                                       : sampler == SO8_SAMPLER_TORUS ? "torus" : "nosignfix");
        cli_json_string(&j, "out", out_path);
        if (out_path)
            cli_json_string(&j, "format", fmt == FMT_NPY ? "npy" : fmt == FMT_CSV ? "csv" : "bin");
        cli_json_double(&j, "seconds", seconds);
        cli_json_double(&j, "generate_seconds", gen_seconds);
        cli_json_double(&j, "rotations_per_second", rate);
        if (have_rep) {
            cli_json_double(&j, "max_orthogonality_error", rep.max_orthogonality_error);
            cli_json_double(&j, "min_det", rep.min_det);
            cli_json_double(&j, "max_det", rep.max_det);
            cli_json_double(&j, "orthogonality_tolerance", rep.orth_tolerance);
            cli_json_double(&j, "z_threshold", SO8_Z_THRESHOLD);
            cli_json_begin_array(&j, "tests");
            for (int i = 0; i < rep.n_tests; i++) {
                const so8_test *t = &rep.tests[i];
                cli_json_begin_object(&j, NULL);
                cli_json_string(&j, "name", t->name);
                cli_json_double(&j, "expected", t->expected);
                cli_json_double(&j, "value", t->value);
                cli_json_double(&j, "std_error", t->std_error);
                cli_json_double(&j, "z", t->z);
                cli_json_bool(&j, "pass", t->pass);
                cli_json_end_object(&j);
            }
            cli_json_end_array(&j);
        }
        cli_json_bool(&j, "pass", have_rep ? rep.pass : 1);
        cli_json_close(&j);
    } else {
        if (have_rep)
            print_table(report, &rep, seed, backend, prec_name);
        fprintf(report,
                "%llu rotations of SO(%d) (%s, %s) in %.3f s: %.4g rotations/s generated%s%s\n",
                (unsigned long long)count, dim, backend, prec_name, seconds, rate,
                out_path ? ", written to " : "", out_path ? out_path : "");
    }
    if (have_rep && !rep.pass)
        status = CLI_FAIL;
done:
    cli_atomic_abort(&out); /* a failed run leaves no partial file */
    so8_stats_free(st);
    free(buf);
    return status;
}
