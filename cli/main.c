/* main.c — the so8t front end: one binary, subcommands, each in cli/cmd_NAME.c. */
#include "cli/cli.h"
#include "base/threads.h"

#include <stdio.h>
#include <string.h>

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} subcommand;

static const subcommand subcommands[] = {
    {"volume", cmd_volume, "Monte Carlo volume of cube ∩ ball (or sphere ∩ cube) on GPU/CPU"},
    {"exact", cmd_exact, "deterministic reference value of the same quantities"},
    {"rotations", cmd_rotations, "Haar-random SO(n) rotations, with Haar statistics"},
    {"verify", cmd_verify, "built-in suite: GPU vs CPU vs exact, one table"},
    {"info", cmd_info, "describe a GGUF file (or, with no file, this build)"},
    {"run", cmd_run, "run a GGUF language model on a prompt"},
    {"explain", cmd_explain, "explain a result (JSON) in plain words"},
    {"bench", cmd_bench, "quick throughput benchmark"},
    {"create", cmd_create, "record a model in the local store from a Modelfile"},
    {"list", cmd_list, "list the models in the local store"},
    {"show", cmd_show, "describe a model of the local store"},
    {"rm", cmd_rm, "remove models from the local store"},
    {"cp", cmd_cp, "copy a model of the local store under a new name"},
    {"serve", cmd_serve, "serve the store's models over Ollama's and OpenAI's HTTP APIs"},
};
#define N_SUBCOMMANDS (sizeof subcommands / sizeof subcommands[0])

static void print_usage(FILE *f)
{
    fprintf(f,
            "Usage: so8t COMMAND [OPTIONS]\n"
            "\n"
            "Estimate intersection volumes of high-dimensional bodies on the GPU, check them\n"
            "against an OpenMP CPU reference and exact values, sample Haar SO(8) rotations,\n"
            "and explain a result in plain words with a small local language model.\n"
            "\n"
            "Commands:\n");
    for (size_t i = 0; i < N_SUBCOMMANDS; i++)
        fprintf(f, "  %-10s %s\n", subcommands[i].name, subcommands[i].summary);
    fprintf(f, "\n"
               "Options:\n"
               "  -h, --help     this help; 'so8t COMMAND --help' for a command\n"
               "  -V, --version  print the version\n"
               "\n"
               "Exit status: 0 ok, 1 a failed check or unreadable input, 2 a usage error.\n");
}

static int run_command(int argc, char **argv)
{
    if (argc < 2) {
        print_usage(stderr);
        return CLI_USAGE;
    }
    so8t_threads_cap_default(); /* OMP_NUM_THREADS=100000 crashed libgomp */
    const char *name = argv[1];
    if (!strcmp(name, "-h") || !strcmp(name, "--help") || !strcmp(name, "help")) {
        print_usage(stdout);
        return CLI_OK;
    }
    if (!strcmp(name, "-V") || !strcmp(name, "--version")) {
        printf("so8t %s\n", SO8T_VERSION);
        return CLI_OK;
    }
    for (size_t i = 0; i < N_SUBCOMMANDS; i++)
        if (!strcmp(name, subcommands[i].name))
            return subcommands[i].run(argc - 1, argv + 1);
    return cli_usage_error(NULL, "unknown command '%s'", name);
}

int main(int argc, char **argv)
{
    int status = run_command(argc, argv);
    const char *cmd = NULL;
    for (size_t i = 0; argc > 1 && i < N_SUBCOMMANDS; i++)
        if (!strcmp(argv[1], subcommands[i].name))
            cmd = subcommands[i].name;
    return cli_stdout_close(cmd, status); /* every command's stdout checked here */
}
