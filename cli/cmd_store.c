/* cmd_store.c — the local model store on the command line (llm/store/store.h): 'so8t create',
 * 'list', 'show', 'rm', 'cp', and the lookup that lets 'run -m' and 'explain --model' take
 * a store name where a file is expected. */
#include "cli/cli.h"
#include "llm/store/store.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A store status as an exit status: a bad name is a usage error, the rest run-time. */
static int exit_status(int rc)
{
    return rc == LLM_STORE_OK ? CLI_OK : rc == LLM_STORE_ERR_INVAL ? CLI_USAGE : CLI_FAIL;
}

/* getopt_long over a command whose only option is -h/--help: -1 when the help was printed,
 * CLI_USAGE on any other option, 0 to go on with the operands argv[optind..]. */
static int help_only(const char *cmd, int argc, char **argv, void (*usage)(FILE *f))
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int o;
    optind = 1;
    opterr = 0;
    while ((o = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        if (o != 'h')
            return cli_getopt_error(cmd, o, argv);
        usage(stdout);
        return -1;
    }
    return 0;
}

/* The one NAME[:TAG] operand after the options. */
static int one_name(const char *cmd, int argc, char **argv, const char **name)
{
    if (optind >= argc)
        return cli_usage_error(cmd, "missing NAME[:TAG]");
    if (argc - optind > 1)
        return cli_usage_error(cmd, "one NAME at a time (got '%s' and '%s')", argv[optind],
                               argv[optind + 1]);
    *name = argv[optind];
    return 0;
}

static int open_store(const char *cmd, llm_store **s)
{
    char err[1024];
    int rc = llm_store_open(NULL, s, err, sizeof err);
    if (rc)
        fprintf(stderr, "so8t %s: %s\n", cmd, err);
    return exit_status(rc) == CLI_USAGE ? CLI_FAIL : exit_status(rc);
}

static const char store_env_help[] =
    "The store is the folder $SO8T_MODELS (default ~/.so8t/models): one JSON manifest per\n"
    "name in manifests/, GGUF files copied with --copy in blobs/. Names are Ollama's:\n"
    "MODEL[:TAG] (TAG defaults to 'latest'), each part 1-80 letters, digits, '_', '-', '.'\n"
    "(not first), compared without case; no '/'.\n";

/* ------------------------------------------------------------------------------------------
 * so8t create
 * ------------------------------------------------------------------------------------------ */

static void create_usage(FILE *f)
{
    fprintf(f,
            "Usage: so8t create NAME[:TAG] [-f MODELFILE] [--copy]\n"
            "\n"
            "Record a model in the local store from an Ollama Modelfile (FROM, PARAMETER,\n"
            "SYSTEM, TEMPLATE, MESSAGE, LICENSE). The Modelfile is checked as 'so8t run\n"
            "--modelfile' checks it (parameters Ollama dropped, such as numa,\n"
            "mirostat, tfs_z, penalize_newline, are accepted with a note; an unknown one is an\n"
            "error naming its line, exit 2). FROM is a GGUF file, loaded now (architecture,\n"
            "tensors and their types checked), or the name of a model already in the store,\n"
            "whose parameters, template and system the Modelfile's lines override. An existing\n"
            "NAME is replaced; a corrupt manifest under NAME is not (remove it with 'so8t rm').\n"
            "\n"
            "Options:\n"
            "  -f, --file MODELFILE  the Modelfile (default: ./Modelfile)\n"
            "      --copy            copy the GGUF into the store (blobs/sha256-HEX) instead of\n"
            "                        recording its absolute path\n"
            "  -h, --help            this help\n"
            "\n");
    fputs(store_env_help, f);
    fprintf(f, "\nExit status: 0 created, 1 FROM missing or not loadable, or the store cannot\n"
               "be written (an existing manifest is left as it was), 2 a usage error (bad name,\n"
               "bad Modelfile).\n");
}

int cmd_create(int argc, char **argv)
{
    static const struct option opts[] = {{"file", required_argument, NULL, 'f'},
                                         {"copy", no_argument, NULL, 'c'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *name = NULL, *file = "Modelfile";
    int copy = 0, o;
    optind = 1;
    opterr = 0;
    while ((o = getopt_long(argc, argv, ":f:h", opts, NULL)) != -1) {
        switch (o) {
        case 'h': create_usage(stdout); return CLI_OK;
        case 'f': file = optarg; break;
        case 'c': copy = 1; break;
        default: return cli_getopt_error("create", o, argv);
        }
    }
    int status = one_name("create", argc, argv, &name);
    if (status)
        return status;
    char err[1024];
    llm_store_name nm;
    if (llm_store_name_parse(name, &nm, err, sizeof err))
        return cli_usage_error("create", "%s", err);
    llm_modelfile mf;
    status = cli_modelfile_load("create", file, &mf);
    if (status)
        return status;
    llm_store *s = NULL;
    status = open_store("create", &s);
    if (status) {
        llm_modelfile_free(&mf);
        return status;
    }
    llm_store_entry e;
    int rc = llm_store_create(s, name, &mf, copy, &e, err, sizeof err);
    if (rc) {
        fprintf(stderr, "so8t create: %s\n", err);
        status = rc == LLM_STORE_ERR_INVAL ? CLI_USAGE : CLI_FAIL;
    } else {
        char size[32];
        llm_store_human_size(e.size, size, sizeof size);
        printf("created %s: %s (%s, %s %s, ID %.12s)\n", e.name, e.gguf_path, size,
               e.family ? e.family : "?", e.quantization ? e.quantization : "?", e.digest);
        llm_store_entry_free(&e);
    }
    llm_store_close(s);
    llm_modelfile_free(&mf);
    return status;
}

/* ------------------------------------------------------------------------------------------
 * so8t list
 * ------------------------------------------------------------------------------------------ */

static void list_usage(FILE *f)
{
    fprintf(f,
            "Usage: so8t list [--json]\n"
            "\n"
            "List the models in the local store, newest first, as 'ollama list' does: NAME, ID\n"
            "(the first 12 hex digits of the model's digest: GGUF, parameters, texts), SIZE (of\n"
            "the GGUF), MODIFIED. A manifest that cannot be read is reported on stderr with its\n"
            "file and reason (never skipped) and the exit status is 1.\n"
            "\n"
            "Options:\n"
            "  --json      one JSON object: models (name, model, modified_at, size, digest,\n"
            "              sha256, path, details {format, family, parameter_size,\n"
            "              quantization_level}) and errors ({file, error} per bad manifest)\n"
            "  -h, --help  this help\n"
            "\n");
    fputs(store_env_help, f);
}

static void human_ago(int64_t then, char *buf, size_t len)
{
    int64_t d = (int64_t)time(NULL) - then;
    if (d < 0)
        d = 0;
    struct {
        int64_t secs;
        const char *one, *many;
    } u[] = {{365 * 86400, "About a year ago", "%lld years ago"},
             {30 * 86400, "About a month ago", "%lld months ago"},
             {7 * 86400, "About a week ago", "%lld weeks ago"},
             {86400, "About a day ago", "%lld days ago"},
             {3600, "About an hour ago", "%lld hours ago"},
             {60, "About a minute ago", "%lld minutes ago"}};
    for (size_t i = 0; i < sizeof u / sizeof u[0]; i++)
        if (d >= u[i].secs) {
            long long n = (long long)(d / u[i].secs);
            if (n == 1)
                snprintf(buf, len, "%s", u[i].one);
            else
                snprintf(buf, len, u[i].many, n);
            return;
        }
    snprintf(buf, len, d <= 1 ? "Less than a second ago" : "%lld seconds ago", (long long)d);
}

static void json_details(cli_json *j, const llm_store_entry *e)
{
    cli_json_begin_object(j, "details");
    cli_json_string(j, "parent_model", "");
    cli_json_string(j, "format", "gguf");
    cli_json_string(j, "family", e->family ? e->family : "");
    cli_json_begin_array(j, "families");
    if (e->family)
        cli_json_string(j, NULL, e->family);
    cli_json_end_array(j);
    cli_json_string(j, "parameter_size", e->parameter_size ? e->parameter_size : "");
    cli_json_string(j, "quantization_level", e->quantization ? e->quantization : "");
    cli_json_end_object(j);
}

int cmd_list(int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int json = 0, o;
    optind = 1;
    opterr = 0;
    while ((o = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (o) {
        case 'h': list_usage(stdout); return CLI_OK;
        case 'j': json = 1; break;
        default: return cli_getopt_error("list", o, argv);
        }
    }
    if (optind < argc)
        return cli_usage_error("list", "unknown argument '%s'", argv[optind]);
    llm_store *s = NULL;
    int status = open_store("list", &s);
    if (status)
        return status;
    llm_store_listing l;
    char err[1024];
    int rc = llm_store_list(s, &l, err, sizeof err);
    llm_store_close(s);
    if (rc) {
        fprintf(stderr, "so8t list: %s\n", err);
        return CLI_FAIL;
    }
    if (json) {
        cli_json j;
        cli_json_open(&j, stdout);
        cli_json_begin_array(&j, "models");
        for (int i = 0; i < l.n; i++) {
            const llm_store_entry *e = &l.entries[i];
            cli_json_begin_object(&j, NULL);
            cli_json_string(&j, "name", e->name);
            cli_json_string(&j, "model", e->name);
            cli_json_string(&j, "modified_at", e->created_at);
            cli_json_u64(&j, "size", e->size);
            cli_json_string(&j, "digest", e->digest);
            cli_json_string(&j, "sha256", e->sha256);
            cli_json_string(&j, "path", e->gguf_path);
            json_details(&j, e);
            cli_json_end_object(&j);
        }
        cli_json_end_array(&j);
        cli_json_begin_array(&j, "errors");
        for (int i = 0; i < l.n_problems; i++) {
            cli_json_begin_object(&j, NULL);
            cli_json_string(&j, "file", l.problems[i].file);
            cli_json_string(&j, "error", l.problems[i].message);
            cli_json_end_object(&j);
        }
        cli_json_end_array(&j);
        cli_json_close(&j);
    } else {
        int wn = 4;
        for (int i = 0; i < l.n; i++) {
            int n = (int)strlen(l.entries[i].name);
            wn = n > wn ? n : wn;
        }
        printf("%-*s    %-12s    %-10s    %s\n", wn, "NAME", "ID", "SIZE", "MODIFIED");
        for (int i = 0; i < l.n; i++) {
            const llm_store_entry *e = &l.entries[i];
            char size[32], ago[64];
            llm_store_human_size(e->size, size, sizeof size);
            human_ago(e->created_unix, ago, sizeof ago);
            printf("%-*s    %.12s    %-10s    %s\n", wn, e->name, e->digest, size, ago);
        }
    }
    for (int i = 0; i < l.n_problems; i++)
        fprintf(stderr, "so8t list: %s\n", l.problems[i].message);
    status = l.n_problems ? CLI_FAIL : CLI_OK;
    llm_store_listing_free(&l);
    return status;
}

/* ------------------------------------------------------------------------------------------
 * so8t show
 * ------------------------------------------------------------------------------------------ */

static void show_usage(FILE *f)
{
    fprintf(f,
            "Usage: so8t show NAME[:TAG] [--json | --modelfile | --parameters | --template |\n"
            "                 --system | --license]\n"
            "\n"
            "Describe a model of the local store, as 'ollama show' does: the model (family,\n"
            "parameter count, context and embedding length, quantization), its parameters,\n"
            "system text, template and the GGUF it uses (path, sha256, size, created time).\n"
            "\n"
            "Options:\n"
            "  --json        one JSON object: name, model, modified_at, size, digest, sha256,\n"
            "                path, copied, manifest, details, parameters (Ollama's text form),\n"
            "                template, system, license, modelfile\n"
            "  --modelfile   the Modelfile (FROM the GGUF path; 'so8t create' reads it back)\n"
            "  --parameters  only the parameters; --template, --system, --license likewise\n"
            "  -h, --help    this help\n"
            "\n");
    fputs(store_env_help, f);
    fprintf(f, "\nExit status: 0 ok, 1 the model is not in the store or its manifest is\n"
               "corrupt (the message names the file), 2 a usage error (bad name).\n");
}

static void indent_text(const char *t)
{
    printf("    ");
    for (; *t; t++) {
        putchar(*t);
        if (*t == '\n' && t[1])
            printf("    ");
    }
    printf("\n");
}

int cmd_show(int argc, char **argv)
{
    /* the views: each long option's val is 'm' and its name the mode */
    static const struct option opts[] = {{"json", no_argument, NULL, 'm'},
                                         {"modelfile", no_argument, NULL, 'm'},
                                         {"parameters", no_argument, NULL, 'm'},
                                         {"template", no_argument, NULL, 'm'},
                                         {"system", no_argument, NULL, 'm'},
                                         {"license", no_argument, NULL, 'm'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    char mode_buf[16] = "", seen[16];
    const char *name = NULL, *mode = NULL;
    int o, idx;
    optind = 1;
    opterr = 0;
    while ((o = getopt_long(argc, argv, ":h", opts, &idx)) != -1) {
        switch (o) {
        case 'h': show_usage(stdout); return CLI_OK;
        case 'm':
            snprintf(seen, sizeof seen, "--%s", opts[idx].name);
            if (mode && strcmp(mode, seen))
                return cli_usage_error("show", "%s and %s: choose one", mode, seen);
            memcpy(mode_buf, seen, sizeof seen);
            mode = mode_buf;
            break;
        default: return cli_getopt_error("show", o, argv);
        }
    }
    int status = one_name("show", argc, argv, &name);
    if (status)
        return status;
    char err[1024];
    llm_store_name nm;
    if (llm_store_name_parse(name, &nm, err, sizeof err))
        return cli_usage_error("show", "%s", err);
    llm_store *s = NULL;
    status = open_store("show", &s);
    if (status)
        return status;
    llm_store_entry e;
    int rc = llm_store_get(s, name, &e, err, sizeof err);
    llm_store_close(s);
    if (rc) {
        fprintf(stderr, "so8t show: %s\n", err);
        return exit_status(rc);
    }
    char *mftext = llm_store_entry_modelfile_text(&e);
    char *ptext = llm_store_entry_parameters_text(&e);
    if (!mftext || !ptext) {
        fprintf(stderr, "so8t show: out of memory\n");
        status = CLI_FAIL;
    } else if (!mode) {
        char size[32];
        llm_store_human_size(e.size, size, sizeof size);
        printf("  Model\n");
        printf("    %-20s%s\n", "architecture", e.family ? e.family : "?");
        printf("    %-20s%s\n", "parameters", e.parameter_size ? e.parameter_size : "?");
        if (e.context_length)
            printf("    %-20s%llu\n", "context length", (unsigned long long)e.context_length);
        if (e.embedding_length)
            printf("    %-20s%llu\n", "embedding length",
                   (unsigned long long)e.embedding_length);
        printf("    %-20s%s\n", "quantization", e.quantization ? e.quantization : "?");
        if (e.n_params) {
            printf("\n  Parameters\n");
            for (int i = 0; i < e.n_params; i++) /* Ollama's %#v: strings quoted */
                printf(!strcmp(e.params[i].name, "stop") ? "    %-20s\"%s\"\n" : "    %-20s%s\n",
                       e.params[i].name, e.params[i].value);
        }
        if (e.system) {
            printf("\n  System\n");
            indent_text(e.system);
        }
        if (e.template_text) {
            printf("\n  Template\n");
            indent_text(e.template_text);
        }
        for (int i = 0; i < e.n_licenses; i++) {
            printf("\n  License\n");
            indent_text(e.licenses[i]);
        }
        printf("\n  File\n");
        printf("    %-20s%s%s\n", "gguf", e.gguf_path, e.copied ? " (copied into the store)" : "");
        printf("    %-20s%s\n", "sha256", e.sha256);
        printf("    %-20s%s (%llu bytes)\n", "size", size, (unsigned long long)e.size);
        printf("    %-20s%s\n", "created", e.created_at);
        printf("    %-20s%s\n", "manifest", e.manifest_path);
        printf("\n");
    } else if (!strcmp(mode, "--modelfile")) {
        fputs(mftext, stdout);
    } else if (!strcmp(mode, "--parameters")) {
        fputs(ptext, stdout);
    } else if (!strcmp(mode, "--template")) {
        if (e.template_text)
            printf("%s\n", e.template_text);
    } else if (!strcmp(mode, "--system")) {
        if (e.system)
            printf("%s\n", e.system);
    } else if (!strcmp(mode, "--license")) {
        for (int i = 0; i < e.n_licenses; i++)
            printf("%s\n", e.licenses[i]);
    } else { /* --json */
        cli_json j;
        cli_json_open(&j, stdout);
        cli_json_string(&j, "name", e.name);
        cli_json_string(&j, "model", e.name);
        cli_json_string(&j, "modified_at", e.created_at);
        cli_json_u64(&j, "size", e.size);
        cli_json_string(&j, "digest", e.digest);
        cli_json_string(&j, "sha256", e.sha256);
        cli_json_string(&j, "path", e.gguf_path);
        cli_json_bool(&j, "copied", e.copied);
        cli_json_string(&j, "manifest", e.manifest_path);
        cli_json_string(&j, "from", e.from);
        json_details(&j, &e);
        cli_json_begin_object(&j, "model_info");
        cli_json_string(&j, "general.architecture", e.family ? e.family : "");
        cli_json_u64(&j, "general.parameter_count", e.parameter_count);
        if (e.family && e.context_length) {
            char k[300];
            snprintf(k, sizeof k, "%s.context_length", e.family);
            cli_json_u64(&j, k, e.context_length);
        }
        if (e.family && e.embedding_length) {
            char k[300];
            snprintf(k, sizeof k, "%s.embedding_length", e.family);
            cli_json_u64(&j, k, e.embedding_length);
        }
        cli_json_end_object(&j);
        cli_json_string(&j, "parameters", ptext);
        cli_json_string(&j, "template", e.template_text ? e.template_text : "");
        cli_json_string(&j, "system", e.system ? e.system : "");
        cli_json_begin_array(&j, "license");
        for (int i = 0; i < e.n_licenses; i++)
            cli_json_string(&j, NULL, e.licenses[i]);
        cli_json_end_array(&j);
        cli_json_begin_array(&j, "messages");
        for (int i = 0; i < e.n_messages; i++) {
            cli_json_begin_object(&j, NULL);
            cli_json_string(&j, "role", e.messages[i].role);
            cli_json_string(&j, "content", e.messages[i].content);
            cli_json_end_object(&j);
        }
        cli_json_end_array(&j);
        cli_json_string(&j, "modelfile", mftext);
        cli_json_close(&j);
    }
    free(mftext);
    free(ptext);
    llm_store_entry_free(&e);
    return status;
}

/* ------------------------------------------------------------------------------------------
 * so8t rm, so8t cp
 * ------------------------------------------------------------------------------------------ */

static void rm_usage(FILE *f)
{
    fprintf(f, "Usage: so8t rm NAME[:TAG]...\n"
               "\n"
               "Remove models from the local store: the manifest (a corrupt one too), and a\n"
               "GGUF copied into the store when no other model uses it. A GGUF recorded by\n"
               "path is never touched.\n"
               "\n");
    fputs(store_env_help, f);
    fprintf(f, "\nExit status: 0 all removed, 1 a model was not found or could not be\n"
               "removed (the others still are), 2 a usage error (bad name).\n");
}

int cmd_rm(int argc, char **argv)
{
    int status = help_only("rm", argc, argv, rm_usage);
    if (status)
        return status < 0 ? CLI_OK : status;
    if (optind >= argc)
        return cli_usage_error("rm", "missing NAME[:TAG]");
    for (int i = optind; i < argc; i++) {
        char err[512];
        llm_store_name nm;
        if (llm_store_name_parse(argv[i], &nm, err, sizeof err))
            return cli_usage_error("rm", "%s", err);
    }
    llm_store *s = NULL;
    status = open_store("rm", &s);
    if (status)
        return status;
    for (int i = optind; i < argc; i++) {
        char err[1024];
        int rc = llm_store_delete(s, argv[i], err, sizeof err);
        if (rc) {
            fprintf(stderr, "so8t rm: %s\n", err);
            status = CLI_FAIL;
        } else {
            printf("deleted '%s'\n", argv[i]);
        }
    }
    llm_store_close(s);
    return status;
}

static void cp_usage(FILE *f)
{
    fprintf(f, "Usage: so8t cp SOURCE[:TAG] DESTINATION[:TAG]\n"
               "\n"
               "Copy a model of the local store under a new name (the manifest only; both\n"
               "names use the same GGUF). An existing DESTINATION is replaced; a corrupt\n"
               "one is not.\n"
               "\n");
    fputs(store_env_help, f);
    fprintf(f, "\nExit status: 0 copied, 1 SOURCE not found or corrupt, or the store cannot\n"
               "be written, 2 a usage error (bad name).\n");
}

int cmd_cp(int argc, char **argv)
{
    int status = help_only("cp", argc, argv, cp_usage);
    if (status)
        return status < 0 ? CLI_OK : status;
    if (argc - optind > 2)
        return cli_usage_error("cp", "give SOURCE and DESTINATION only (extra '%s')",
                               argv[optind + 2]);
    if (argc - optind < 2)
        return cli_usage_error("cp", "give SOURCE and DESTINATION");
    const char *names[2] = {argv[optind], argv[optind + 1]};
    char err[1024];
    llm_store_name nm;
    for (int i = 0; i < 2; i++)
        if (llm_store_name_parse(names[i], &nm, err, sizeof err))
            return cli_usage_error("cp", "%s", err);
    llm_store *s = NULL;
    status = open_store("cp", &s);
    if (status)
        return status;
    int rc = llm_store_copy(s, names[0], names[1], err, sizeof err);
    llm_store_close(s);
    if (rc) {
        fprintf(stderr, "so8t cp: %s\n", err);
        return exit_status(rc);
    }
    printf("copied '%s' to '%s'\n", names[0], names[1]);
    return CLI_OK;
}
