/* so8t_api.h — so8t's own API under /so8t/ (volume, exact, verify, rotations, explain) and
 * the page under /ui/; shared by serve/so8t_*.c and serve/ui.c only.
 *
 * A request is a JSON object whose keys are the names of the result JSON's fields
 * (docs/json.md); so8t_args.c checks them and turns them into the command line of the CLI
 * command, which runs as a child process of this same binary (so8t_child.c): the reply is
 * the command's --json output byte for byte, and a run that passes its time budget is
 * killed without touching the server. */
#ifndef SO8T_SERVE_SO8T_API_H
#define SO8T_SERVE_SO8T_API_H

#include <cjson/cJSON.h>
#include <stddef.h>

#define SO8T_API_MAX_ARGS 64

typedef struct {
    double max_samples;   /* samples per /so8t/volume or /so8t/verify request */
    double max_rotations; /* rotations per /so8t/rotations request */
    double max_seconds;   /* wall time per request (the run is killed beyond it) */
} so8t_api_limits;

typedef struct {
    int argc;
    char *argv[SO8T_API_MAX_ARGS + 1]; /* argv[0] = "so8t", then the command; NULL-ended */
    char *input;      /* explain: the result JSON text (written to a temporary file) */
    int stream;       /* "stream": true */
    int is_rotations, is_explain;
    double samples;   /* the request's samples (0: the command's default) */
    double seconds;   /* time budget: the request's "seconds", else the server's limit */
} so8t_api_cmd;

/* Checks the request `req` (an object) for endpoint `name` and builds the command. 0; -1
 * with a message naming the key in err (a 400); -2 out of memory. */
int so8t_api_cmd_build(const char *name, const cJSON *req, const so8t_api_limits *lim,
                       so8t_api_cmd *c, char *err, size_t errlen);
void so8t_api_cmd_free(so8t_api_cmd *c);

/* ---- so8t_child.c ---- */
typedef struct {
    char *out;        /* stdout (NUL-terminated), malloc'd */
    size_t out_n;
    char *err;        /* stderr (the last 16 KiB), malloc'd */
    size_t err_n;
    int exit_code;    /* the exit status, or 128 + signal */
    int timed_out;    /* killed at the deadline */
    int cancelled;    /* killed because on_line asked (the client left) */
} so8t_child_result;

/* Runs `exe` with argv, stdin from /dev/null, for at most `seconds`. on_line (may be NULL)
 * gets each complete line of stdout as it arrives (streaming); a non-zero return kills the
 * child. stdout is also collected in res->out. 0, or -1 when the child could not start
 * (errno's text in res->err). */
int so8t_child_run(const char *exe, char *const argv[], double seconds,
                   int (*on_line)(void *user, const char *line, size_t n), void *user,
                   so8t_child_result *res);
void so8t_child_result_free(so8t_child_result *res);

/* ---- ui.c: the page's files, embedded at build time from serve/ui/ ---- */
typedef struct {
    const char *path;   /* "/ui/app.js" */
    const char *ctype;
    const unsigned char *data;
    size_t len;
} so8t_ui_file;
const so8t_ui_file *so8t_ui_find(const char *path);

#endif /* SO8T_SERVE_SO8T_API_H */
