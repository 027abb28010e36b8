/* cmd_explain.c — 'so8t explain': a result (JSON) in plain words, from a local model when
 * one is available, checked number by number against the result; otherwise a template. */
#include "cli/cli.h"
#include "cli/cli_gpu.h"
#include "explain/explain.h"
#include "llm/llm.h"
#include "llm/modelfile/modelfile.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#define MAX_INPUT (16u << 20)

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: so8t explain [RESULT.json | -] [OPTIONS]\n"
            "\n"
            "Explains a result of 'so8t volume', 'exact', 'rotations --stats' or 'verify'\n"
            "(their --json output; '-' or no file reads stdin) in 3 to 6 plain sentences:\n"
            "what was estimated, the value and its uncertainty, whether GPU, CPU and the exact\n"
            "value agree, and what the fraction of the cube says about high dimensions.\n"
            "Every number in a model's text is checked against the result; a text that fails\n"
            "is retried with the next seed and, after --attempts tries, replaced by a\n"
            "deterministic template that says why. Without a model the template is used.\n"
            "\n"
            "Options:\n"
            "  --model F.gguf|NAME|none  the model (default: $SO8T_MODEL, else\n"
            "                       models/gemma-3-270m-q4_k_m.gguf if present; 'none' forces\n"
            "                       the template). Overrides a Modelfile's FROM. A NAME[:TAG]\n"
            "                       that is no file is a model of the local store ('so8t list'),\n"
            "                       used with its PARAMETERs, SYSTEM and TEMPLATE.\n"
            "  --modelfile F        an Ollama-style Modelfile: FROM, PARAMETER, SYSTEM, TEMPLATE\n"
            "  --seed S             first sampling seed (default 1); attempt k uses S + k\n"
            "  --attempts N         model texts tried before the template (default 3)\n"
            "  --max-tokens N       tokens generated per attempt (default 160)\n"
            "  --threads N          CPU threads for the model (default: all)\n"
            "  --num-gpu N          model layers on the GPU, as 'so8t run --num-gpu' (default: the\n"
            "                       Modelfile's num_gpu, else 0 = the CPU; -1 = as many as fit;\n"
            "                       without a GPU 0 layers, said on stderr)\n"
            "  --main-gpu I         the CUDA device (default 0, or the Modelfile's main_gpu)\n"
            "  --json               one JSON object: text, model, fallback, unverified_numbers,\n"
            "                       reason, attempts (each with its seed, text and findings)\n"
            "  -v, --verbose        print the prompt and every rejected text (numbers not in the\n"
            "                       result marked [?like this?]) on stderr\n"
            "  -h, --help           this help\n"
            "\n"
            "Exit status: 0 an explanation was printed (model or template), 1 the input is\n"
            "unreadable, not a so8t result, or contradicts itself (an impossible estimate,\n"
            "a z that does not follow from it; the message names the field), 2 a usage\n"
            "error (bad option, bad Modelfile).\n");
}

static char *read_all(FILE *f, size_t *n_out, int *too_big)
{
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    *too_big = 0;
    if (!buf)
        return NULL;
    for (;;) {
        if (n + 1 >= cap) {
            if (cap >= MAX_INPUT + 1) {
                *too_big = 1;
                free(buf);
                return NULL;
            }
            cap *= 2;
            char *b = realloc(buf, cap);
            if (!b) {
                free(buf);
                return NULL;
            }
            buf = b;
        }
        size_t got = fread(buf + n, 1, cap - 1 - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *n_out = n;
    return buf;
}

/* Prints text to f with every unverified number wrapped as [?N?]. */
static void print_marked(FILE *f, const char *text, char *const *bad, int n_bad)
{
    const char *p = text;
    while (*p) {
        const char *best = NULL;
        size_t blen = 0;
        for (int i = 0; i < n_bad; i++) {
            const char *q = strstr(p, bad[i]);
            if (q && (!best || q < best)) {
                best = q;
                blen = strlen(bad[i]);
            }
        }
        if (!best || blen == 0) {
            fputs(p, f);
            break;
        }
        fwrite(p, 1, (size_t)(best - p), f);
        fputs("[?", f);
        fwrite(best, 1, blen, f);
        fputs("?]", f);
        p = best + blen;
    }
    fputc('\n', f);
}

static void json_strings(cli_json *j, const char *key, char *const *v, int n)
{
    cli_json_begin_array(j, key);
    for (int i = 0; i < n; i++)
        cli_json_string(j, NULL, v[i]);
    cli_json_end_array(j);
}

static const char *kind_name(llm_result_kind k)
{
    switch (k) {
    case LLM_RESULT_VOLUME: return "volume";
    case LLM_RESULT_EXACT: return "exact";
    case LLM_RESULT_ROTATIONS: return "rotations";
    case LLM_RESULT_VERIFY: return "verify";
    }
    return "?";
}

int cmd_explain(int argc, char **argv)
{
    const char *input = NULL, *model = NULL, *modelfile = NULL;
    uint64_t seed = 1;
    int attempts = 3, max_tokens = 160, threads = 0, json = 0, verbose = 0;
    int num_gpu = LLM_EXPLAIN_GPU_UNSET, main_gpu = -1;
    enum { OPT_JSON = 256, OPT_MODEL, OPT_MODELFILE, OPT_SEED, OPT_ATTEMPTS, OPT_MAX_TOKENS,
           OPT_THREADS, OPT_NUM_GPU, OPT_MAIN_GPU };
    static const struct option opts[] = {
        {"help", no_argument, NULL, 'h'},
        {"verbose", no_argument, NULL, 'v'},
        {"json", no_argument, NULL, OPT_JSON},
        {"model", required_argument, NULL, OPT_MODEL},
        {"modelfile", required_argument, NULL, OPT_MODELFILE},
        {"seed", required_argument, NULL, OPT_SEED},
        {"attempts", required_argument, NULL, OPT_ATTEMPTS},
        {"max-tokens", required_argument, NULL, OPT_MAX_TOKENS},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"num-gpu", required_argument, NULL, OPT_NUM_GPU},
        {"main-gpu", required_argument, NULL, OPT_MAIN_GPU},
        {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":hv", opts, NULL)) != -1) {
        /* the option's word: before its value when that is a word of its own */
        const char *a = optarg && optind >= 2 && optarg == argv[optind - 1] ? argv[optind - 2]
                                                                            : argv[optind - 1];
        if (c != ':' && c != '?' && optarg && !*optarg)
            return cli_usage_error("explain", "option '%s' needs a value", a);
        int rc = 0;
        switch (c) {
        case 'h':
            usage(stdout);
            return CLI_OK;
        case 'v':
            verbose = 1;
            break;
        case OPT_JSON:
            json = 1;
            break;
        case OPT_MODEL:
            model = optarg;
            break;
        case OPT_MODELFILE:
            modelfile = optarg;
            break;
        case OPT_SEED:
            rc = cli_parse_seed("explain", "--seed", optarg, &seed);
            break;
        case OPT_ATTEMPTS:
            rc = cli_parse_int("explain", "--attempts", optarg, 1, 50, &attempts);
            break;
        case OPT_MAX_TOKENS:
            rc = cli_parse_int("explain", "--max-tokens", optarg, 8, 4096, &max_tokens);
            break;
        case OPT_THREADS:
            rc = cli_parse_int("explain", "--threads", optarg, 1, 1024, &threads);
            break;
        case OPT_NUM_GPU:
            rc = cli_parse_int("explain", "--num-gpu", optarg, -1, 2147483647L, &num_gpu);
            break;
        case OPT_MAIN_GPU:
            rc = cli_parse_int("explain", "--main-gpu", optarg, 0, 1024, &main_gpu);
            break;
        default: return cli_getopt_error("explain", c, argv);
        }
        if (rc)
            return rc;
    }
    if (optind < argc)
        input = argv[optind];
    if (optind + 1 < argc)
        return cli_usage_error("explain", "one result file at a time (got '%s' and '%s')",
                               input, argv[optind + 1]);

    /* The result. */
    FILE *in = stdin;
    if (!input || !strcmp(input, "-")) {
        if (isatty(STDIN_FILENO))
            return cli_usage_error("explain", "give a result file (RESULT.json) or pipe one in, "
                                              "e.g. so8t volume -d 8 -r 1.5 --json | so8t explain");
        input = "-";
    } else {
        in = fopen(input, "rb");
        if (!in) {
            fprintf(stderr, "so8t explain: cannot open %s: %s\n", input, strerror(errno));
            return CLI_FAIL;
        }
        struct stat st;
        if (fstat(fileno(in), &st) == 0 && S_ISDIR(st.st_mode)) { /* fopen opens folders */
            fclose(in);
            fprintf(stderr, "so8t explain: %s is a directory, not a result (JSON) file\n", input);
            return CLI_FAIL;
        }
    }
    size_t n = 0;
    int too_big = 0;
    char *text = read_all(in, &n, &too_big);
    if (in != stdin)
        fclose(in);
    if (!text) {
        fprintf(stderr, "so8t explain: %s: %s\n", !strcmp(input, "-") ? "stdin" : input,
                too_big ? "larger than 16 MiB; not a so8t result" : "read error");
        return CLI_FAIL;
    }
    if (strlen(text) != n) {
        fprintf(stderr, "so8t explain: %s contains a NUL byte; not a JSON result\n", input);
        free(text);
        return CLI_FAIL;
    }

    /* The Modelfile, if any. */
    llm_modelfile mf, smf;
    memset(&mf, 0, sizeof mf);
    memset(&smf, 0, sizeof smf);
    char err[1024];
    /* --model NAME: a model of the local store when no such file exists */
    int from_store = model && strcmp(model, "none") ? cli_store_lookup("explain", model, &smf) : 0;
    if (from_store < 0) {
        free(text);
        return -from_store;
    }
    if (from_store && modelfile) {
        model = smf.model_path; /* the Modelfile's settings, the store model's GGUF */
    } else if (from_store) {
        mf = smf; /* the store model's settings, as if from a Modelfile */
        memset(&smf, 0, sizeof smf);
        model = NULL;
    }
    if (modelfile) {
        int mrc = cli_modelfile_load("explain", modelfile, &mf);
        llm_params scratch; /* applied only for its note: llm_explain applies it again */
        llm_params_default(&scratch);
        if (mrc == CLI_OK && cli_modelfile_apply("explain", &mf, &scratch, modelfile))
            mrc = CLI_FAIL;
        if (mrc != CLI_OK) {
            free(text);
            llm_modelfile_free(&mf);
            llm_modelfile_free(&smf);
            return mrc;
        }
        if (model) { /* --model overrides FROM */
            free(mf.model_path);
            mf.model_path = malloc(strlen(model) + 1);
            if (mf.model_path)
                strcpy(mf.model_path, model);
        }
    }
    char defpath[4096];
    if (!model && !modelfile && llm_explain_default_model(defpath, sizeof defpath))
        model = defpath;

    llm_explain_options o;
    llm_explain_options_default(&o);
    o.model_path = model;
    o.modelfile = modelfile || from_store ? &mf : NULL;
    o.seed = seed;
    o.max_attempts = attempts;
    o.num_predict = max_tokens;
    o.num_thread = threads;
    o.num_gpu = num_gpu;
    o.main_gpu = main_gpu;
    llm_explanation e;
    int rc = llm_explain_result_json(text, &o, &e, err, sizeof err);
    free(text);
    if (rc) {
        fprintf(stderr, "so8t explain: %s: %s\n", !strcmp(input, "-") ? "stdin" : input, err);
        llm_modelfile_free(&mf);
        llm_modelfile_free(&smf);
        return CLI_FAIL;
    }
    if (e.gpu.n_layer > 0 && (e.num_gpu != 0 || verbose)) /* a model was loaded */
        cli_gpu_line(stderr, &e.gpu, e.num_gpu);
    if (verbose) {
        if (e.prompt)
            fprintf(stderr, "---- prompt ----\n%s\n---- end of prompt ----\n", e.prompt);
        for (int k = 0; k < e.n_attempts; k++) {
            const llm_explain_attempt *a = &e.attempts[k];
            int ok = !a->problem && a->n_unverified == 0 && a->n_contradictions == 0;
            fprintf(stderr, "---- attempt %d (seed %llu): %s ----\n", k + 1,
                    (unsigned long long)a->seed, ok ? "passed the check" : "rejected");
            if (a->text)
                print_marked(stderr, a->text, a->unverified, a->n_unverified);
            for (int i = 0; i < a->n_contradictions; i++)
                fprintf(stderr, "  contradicts the result: %s\n", a->contradictions[i]);
            if (a->problem)
                fprintf(stderr, "  problem: %s\n", a->problem);
        }
    }
    if (json) {
        cli_json j;
        cli_json_open(&j, stdout);
        cli_json_string(&j, "text", e.text);
        cli_json_string(&j, "model", e.model);
        cli_json_bool(&j, "fallback", e.fallback);
        json_strings(&j, "unverified_numbers", e.unverified, e.n_unverified);
        cli_json_string(&j, "reason", e.reason);
        cli_json_string(&j, "result_kind", kind_name(e.kind));
        cli_json_begin_array(&j, "attempts");
        for (int k = 0; k < e.n_attempts; k++) {
            const llm_explain_attempt *a = &e.attempts[k];
            cli_json_begin_object(&j, NULL);
            cli_json_u64(&j, "seed", a->seed);
            cli_json_string(&j, "text", a->text);
            json_strings(&j, "unverified_numbers", a->unverified, a->n_unverified);
            json_strings(&j, "contradictions", a->contradictions, a->n_contradictions);
            cli_json_string(&j, "problem", a->problem);
            cli_json_bool(&j, "accepted",
                          !a->problem && a->n_unverified == 0 && a->n_contradictions == 0);
            cli_json_end_object(&j);
        }
        cli_json_end_array(&j);
        cli_json_string(&j, "facts", e.facts);
        cli_json_close(&j);
    } else {
        printf("%s\n", e.text);
        if (!e.fallback)
            printf("(Written by %s; every number checked against the result.)\n", e.model);
    }
    llm_explanation_free(&e);
    llm_modelfile_free(&mf);
    llm_modelfile_free(&smf);
    return CLI_OK;
}
