/* cli_problem.h — the cube ∩ ball problem options shared by 'so8t exact' and 'so8t volume':
 *
 *   -d, --dim N          dimension, 1..CLI_PROBLEM_MAX_DIM (default 8)
 *   -a, --half-side A    cube half-side a > 0 (default 1)
 *   -r, --radius R       ball radius r >= 0 (default 1.5)
 *       --center LIST    x1,x2,...,xd, or one number for all coordinates (default origin)
 *       --rotation SPEC  none | haar | FILE: the cube is R·[-a,a]^d; haar draws rotation 0 of
 *                        the seed in rotation_seed (so8_haar_double, d <= 16); FILE holds d*d
 *                        numbers, row-major, separated by blanks/commas/newlines ('#' comments)
 *       --surface        the sphere's (d-1)-measure inside the cube instead of the volume
 *
 * Use:
 *     cli_problem prob;  cli_problem_init(&prob);
 *     static const struct option opts[] = { CLI_PROBLEM_LONGOPTS, {"json", no_argument, 0, 'j'}, ..., {0,0,0,0} };
 *     while ((c = getopt_long(argc, argv, CLI_PROBLEM_SHORTOPTS "h", opts, NULL)) != -1) {
 *         int rc = cli_problem_parse_option(&prob, "exact", c, optarg);
 *         if (rc == 0) continue;             // consumed
 *         if (rc > 0) return rc;             // usage error already printed (CLI_USAGE)
 *         switch (c) { ... your own options ... }
 *     }
 *     prob.rotation_seed = seed;             // optional, for --rotation haar (default 1)
 *     if ((rc = cli_problem_finish(&prob, "exact")) != 0) return rc;
 *     geom_problem g;  cli_problem_to_geom(&prob, &g);  ...  cli_problem_free(&prob);
 * Every error message names the option; usage errors return CLI_USAGE (2), an unreadable
 * rotation file CLI_FAIL (1).
 */
#ifndef SO8T_CLI_PROBLEM_H
#define SO8T_CLI_PROBLEM_H

#include <getopt.h>
#include <stdint.h>

#include "base/limits.h"
#include "geom/geom.h"

#define CLI_PROBLEM_MAX_DIM SO8T_MAX_DIM

enum {
    CLI_PROBLEM_OPT_CENTER = 0x1100,
    CLI_PROBLEM_OPT_ROTATION,
    CLI_PROBLEM_OPT_SURFACE,
    CLI_PROBLEM_OPT_COMPLEMENT
};

#define CLI_PROBLEM_SHORTOPTS "d:a:r:"
#define CLI_PROBLEM_LONGOPTS                                                                   \
    {"dim", required_argument, NULL, 'd'}, {"half-side", required_argument, NULL, 'a'},        \
        {"radius", required_argument, NULL, 'r'},                                              \
        {"center", required_argument, NULL, CLI_PROBLEM_OPT_CENTER},                           \
        {"rotation", required_argument, NULL, CLI_PROBLEM_OPT_ROTATION},                       \
        {"surface", no_argument, NULL, CLI_PROBLEM_OPT_SURFACE}

/* --complement (the part of the cube outside the ball): a command that measures it adds
 * this to its option table and CLI_PROBLEM_COMPLEMENT_HELP to its help; parsed into
 * `complement` by cli_problem_parse_option (cannot be combined with --surface). */
#define CLI_PROBLEM_COMPLEMENT_LONGOPT {"complement", no_argument, NULL, CLI_PROBLEM_OPT_COMPLEMENT}
#define CLI_PROBLEM_COMPLEMENT_HELP                                                            \
    "      --complement     the part of the cube outside the ball, vol(Q \\ B), with\n"        \
    "                       relative accuracy when it is tiny\n"

/* Help text for the options above (for a command's --help). */
#define CLI_PROBLEM_HELP                                                                       \
    "  -d, --dim N          dimension, 1..128 (default 8)\n"                                   \
    "  -a, --half-side A    cube half-side a > 0 (default 1)\n"                                \
    "  -r, --radius R       ball radius r >= 0 (default 1.5)\n"                                \
    "      --center LIST    ball centre x1,...,xd, or one number for every coordinate\n"       \
    "                       (default: the origin)\n"                                           \
    "      --rotation SPEC  none | haar | FILE: rotate the cube about the origin by R;\n"      \
    "                       haar draws a Haar rotation (d <= 16, see --seed), FILE holds\n"    \
    "                       d*d numbers, row-major\n"                                          \
    "      --surface        measure the sphere inside the cube instead of the volume\n"

typedef enum { CLI_ROT_NONE = 0, CLI_ROT_HAAR = 1, CLI_ROT_FILE = 2 } cli_rotation_kind;

typedef struct {
    int dim;
    double half_side;
    double radius;
    double center_in[CLI_PROBLEM_MAX_DIM]; /* as given */
    int center_n;                          /* 0: not given, 1: one value for all, else d */
    double center[CLI_PROBLEM_MAX_DIM];    /* after cli_problem_finish: d coordinates */
    cli_rotation_kind rotation_kind;
    const char *rotation_file; /* points into argv */
    uint64_t rotation_seed;    /* for haar; default 1 (set by the caller before finish) */
    double *rotation;          /* after finish: d*d row-major, or NULL; owned, see _free */
    int surface;
    int complement; /* --complement: vol(Q \ B) */
} cli_problem;

void cli_problem_init(cli_problem *p);

/* Handles one getopt_long result.  Returns 0 when `opt` was a problem option and its value
 * is good, CLI_USAGE after printing a message naming the option, -1 when `opt` is not a
 * problem option (the caller handles it). */
int cli_problem_parse_option(cli_problem *p, const char *cmd, int opt, const char *arg);

/* Cross-checks (centre length = d) and builds the rotation.  0, CLI_USAGE or CLI_FAIL. */
int cli_problem_finish(cli_problem *p, const char *cmd);

/* A geom_problem view of p (pointers into p; valid while p lives). */
void cli_problem_to_geom(const cli_problem *p, geom_problem *g);

/* Frees the rotation; p may be NULL. */
void cli_problem_free(cli_problem *p);

/* "none", "haar" or the file name. */
const char *cli_problem_rotation_name(const cli_problem *p);

#endif /* SO8T_CLI_PROBLEM_H */
