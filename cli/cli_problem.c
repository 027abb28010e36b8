/* cli_problem.c — parsing of the shared cube ∩ ball problem options (see cli_problem.h). */
#include "cli/cli_problem.h"

#include "cli/cli.h"
#include "so8/so8.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void cli_problem_init(cli_problem *p)
{
    *p = (cli_problem){.dim = 8, .half_side = 1.0, .radius = 1.5, .rotation_kind = CLI_ROT_NONE,
                       .rotation_seed = 1};
}

void cli_problem_free(cli_problem *p)
{
    if (!p)
        return;
    free(p->rotation);
    p->rotation = NULL;
}

const char *cli_problem_rotation_name(const cli_problem *p)
{
    switch (p->rotation_kind) {
    case CLI_ROT_HAAR:
        return "haar";
    case CLI_ROT_FILE:
        return p->rotation_file;
    default:
        return "none";
    }
}

int cli_problem_parse_option(cli_problem *p, const char *cmd, int opt, const char *arg)
{
    switch (opt) {
    case 'd':
        return cli_parse_int(cmd, "-d/--dim", arg, 1, CLI_PROBLEM_MAX_DIM, &p->dim) ? CLI_USAGE : 0;
    case 'a':
        return cli_parse_double(cmd, "-a/--half-side", arg, 0, 1, DBL_MAX, 0, &p->half_side)
                   ? CLI_USAGE
                   : 0;
    case 'r':
        return cli_parse_double(cmd, "-r/--radius", arg, 0, 0, DBL_MAX, 0, &p->radius) ? CLI_USAGE
                                                                                       : 0;
    case CLI_PROBLEM_OPT_CENTER:
        return cli_parse_list(cmd, "--center", arg, p->center_in, CLI_PROBLEM_MAX_DIM,
                              &p->center_n)
                   ? CLI_USAGE
                   : 0;
    case CLI_PROBLEM_OPT_ROTATION:
        if (!arg || !*arg)
            return cli_usage_error(cmd, "--rotation needs none, haar or a file name");
        if (!strcmp(arg, "none")) {
            p->rotation_kind = CLI_ROT_NONE;
        } else if (!strcmp(arg, "haar")) {
            p->rotation_kind = CLI_ROT_HAAR;
        } else {
            p->rotation_kind = CLI_ROT_FILE;
            p->rotation_file = arg;
        }
        return 0;
    case CLI_PROBLEM_OPT_SURFACE:
        p->surface = 1;
        return 0;
    case CLI_PROBLEM_OPT_COMPLEMENT:
        p->complement = 1;
        return 0;
    default:
        return -1;
    }
}

/* Reads exactly n finite numbers separated by blanks, commas or newlines ('#' starts a
 * comment).  Returns 0, CLI_FAIL (unreadable) or CLI_USAGE (bad content). */
static int read_matrix(const char *cmd, const char *path, double *out, int n)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "so8t %s: --rotation: cannot open '%s': %s\n", cmd, path, strerror(errno));
        return CLI_FAIL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) { /* fopen opens folders */
        fclose(f);
        fprintf(stderr, "so8t %s: --rotation: '%s' is a directory, not a matrix file\n", cmd,
                path);
        return CLI_FAIL;
    }
    int count = 0, c, line = 1;
    char tok[128];
    size_t len = 0;
    int rc = 0;
    for (;;) {
        c = fgetc(f);
        if (c == '#') {
            while (c != EOF && c != '\n')
                c = fgetc(f);
        }
        if (c == EOF || c == ',' || c == ';' || isspace(c)) {
            if (len > 0) {
                tok[len] = '\0';
                char *end;
                errno = 0;
                double v = strtod(tok, &end);
                if (*end != '\0' || errno == ERANGE || !isfinite(v)) {
                    rc = cli_usage_error(cmd, "--rotation: '%s' line %d: '%s' is not a finite number",
                                         path, line, tok);
                    break;
                }
                if (count >= n) {
                    rc = cli_usage_error(cmd,
                                         "--rotation: '%s' has more than d*d = %d numbers", path, n);
                    break;
                }
                out[count++] = v;
                len = 0;
            }
            if (c == '\n')
                line++;
            if (c == EOF)
                break;
            continue;
        }
        if (len + 1 >= sizeof tok) {
            rc = cli_usage_error(cmd, "--rotation: '%s' line %d: token too long", path, line);
            break;
        }
        tok[len++] = (char)c;
    }
    if (!rc && ferror(f)) {
        fprintf(stderr, "so8t %s: --rotation: error reading '%s'\n", cmd, path);
        rc = CLI_FAIL;
    }
    fclose(f);
    if (!rc && count != n)
        rc = cli_usage_error(cmd, "--rotation: '%s' has %d numbers, need d*d = %d", path, count, n);
    return rc;
}

int cli_problem_finish(cli_problem *p, const char *cmd)
{
    const int d = p->dim;
    if (p->complement && p->surface)
        return cli_usage_error(cmd, "--complement and --surface cannot be combined (the "
                                    "complement is a volume)");
    if (p->center_n == 0) {
        for (int i = 0; i < d; i++)
            p->center[i] = 0;
    } else if (p->center_n == 1) {
        for (int i = 0; i < d; i++)
            p->center[i] = p->center_in[0];
    } else if (p->center_n == d) {
        memcpy(p->center, p->center_in, sizeof(double) * (size_t)d);
    } else {
        return cli_usage_error(cmd, "--center has %d coordinates but the dimension (-d) is %d",
                               p->center_n, d);
    }
    free(p->rotation);
    p->rotation = NULL;
    if (p->rotation_kind != CLI_ROT_NONE) {
        p->rotation = malloc(sizeof(double) * (size_t)d * (size_t)d);
        if (!p->rotation) {
            fprintf(stderr, "so8t %s: out of memory\n", cmd);
            return CLI_FAIL;
        }
        if (p->rotation_kind == CLI_ROT_HAAR) {
            if (d > SO8_MAX_N) {
                cli_problem_free(p);
                return cli_usage_error(cmd, "--rotation haar supports d <= %d (got -d %d)",
                                       SO8_MAX_N, d);
            }
            int st = so8_haar_double(d, p->rotation_seed, 0, p->rotation);
            if (st != SO8_OK) {
                cli_problem_free(p);
                fprintf(stderr, "so8t %s: --rotation haar: %s\n", cmd, so8_strerror(st));
                return CLI_FAIL;
            }
        } else {
            int rc = read_matrix(cmd, p->rotation_file, p->rotation, d * d);
            if (rc) {
                cli_problem_free(p);
                return rc;
            }
        }
    }
    /* final check by the library (orthogonality, det +1, ranges) */
    geom_problem g;
    double cred[GEOM_MAX_DIM];
    char err[256];
    cli_problem_to_geom(p, &g);
    if (geom_problem_reduce(&g, cred, err, sizeof err) != GEOM_OK) {
        cli_problem_free(p);
        return cli_usage_error(cmd, "%s%s", p->rotation_kind != CLI_ROT_NONE && strstr(err, "rotation") ? "--rotation: " : "", err);
    }
    return 0;
}

void cli_problem_to_geom(const cli_problem *p, geom_problem *g)
{
    g->dim = p->dim;
    g->half_side = p->half_side;
    g->radius = p->radius;
    g->center = p->center;
    g->rotation = p->rotation;
}
