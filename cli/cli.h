/* cli.h — shared pieces of the so8t front end: argument parsing with messages that
 * name the option, usage errors (exit status 2), a JSON writer, a TTY progress bar.
 * Only cli/ prints results and exits; library code returns status codes.
 */
#ifndef SO8T_CLI_H
#define SO8T_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "llm/modelfile/modelfile.h"

#define SO8T_VERSION "0.1.0"

/* Exit statuses: 0 ok, 1 a run-time failure (a check failed, a file is broken),
 * 2 a usage error (bad option or value). */
enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

/* Prints "so8t CMD: <message>" and a pointer to --help on stderr; returns CLI_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* getopt_long's '?' (an unknown option) or ':' (a missing value; the option string starts
 * with ':') as a usage error naming the option: "unknown option '--x'", "option '--x' needs
 * a value". Returns CLI_USAGE. */
int cli_getopt_error(const char *cmd, int c, char **argv);

/* Each parser returns 0 on success, or prints a message naming `opt` (e.g. "-n") and
 * the bad text on stderr and returns CLI_USAGE. They reject NaN, inf, empty strings,
 * trailing garbage and out-of-range values. */

/* A count: "1000", "1e9", "2^30", "1.5e6" (must be a whole number), >= min_value, read
 * exactly up to 2^64 - 1 (never through a double, which rounds above 2^53). */
int cli_parse_count(const char *cmd, const char *opt, const char *s, uint64_t min_value,
                    uint64_t *out);
/* A 64-bit seed: decimal ("010" is ten, not octal eight) or 0x-hex, any value. */
int cli_parse_seed(const char *cmd, const char *opt, const char *s, uint64_t *out);
/* A finite double in [lo, hi]; lo_open / hi_open make that end exclusive. */
int cli_parse_double(const char *cmd, const char *opt, const char *s, double lo, int lo_open,
                     double hi, int hi_open, double *out);
/* An int in [lo, hi]. */
int cli_parse_int(const char *cmd, const char *opt, const char *s, long lo, long hi, int *out);
/* Comma-separated finite doubles, at most `max`; *n gets how many were read. */
int cli_parse_list(const char *cmd, const char *opt, const char *s, double *out, int max,
                   int *n);

/* ---- JSON writer: one object on stdout, numbers with %.17g, NaN/inf as null. ---- */
typedef struct {
    FILE *f;
    int depth;
    int need_comma[32];
} cli_json;

void cli_json_init(cli_json *j, FILE *f);
void cli_json_begin_object(cli_json *j, const char *key); /* key NULL inside arrays/top */
void cli_json_end_object(cli_json *j);
void cli_json_begin_array(cli_json *j, const char *key);
void cli_json_end_array(cli_json *j);
void cli_json_double(cli_json *j, const char *key, double v);
void cli_json_u64(cli_json *j, const char *key, uint64_t v);
void cli_json_i64(cli_json *j, const char *key, int64_t v);
void cli_json_bool(cli_json *j, const char *key, int v);
void cli_json_string(cli_json *j, const char *key, const char *v); /* v NULL → null */
void cli_json_null(cli_json *j, const char *key);
void cli_json_double_array(cli_json *j, const char *key, const double *v, int n);
/* Finishes the top-level value with a newline. */
void cli_json_finish(cli_json *j);
/* The usual document, one object: init + begin_object; end_object + finish. */
void cli_json_open(cli_json *j, FILE *f);
void cli_json_close(cli_json *j);
/* Writes s as a JSON string literal (quotes and escapes) to f. */
void cli_json_write_escaped(FILE *f, const char *s);

/* ---- Progress on stderr, only when stderr is a TTY and the run takes over ~1 s. ---- */
typedef struct {
    int enabled;
    double start;
    double last_draw;
    int drawn;
    const char *label;
} cli_progress;

void cli_progress_init(cli_progress *p, const char *label);
void cli_progress_update(cli_progress *p, double fraction); /* 0..1 */
void cli_progress_done(cli_progress *p);
/* The monotonic clock in seconds. */
double cli_now(void);

/* ---- Write errors on stdout (cli/cli_stdout.c) ---- */
/* fflush(f); for stdout a failure is remembered with its errno for cli_stdout_close.
 * Returns 0 or EOF. */
int cli_flush(FILE *f);
/* Remembers a failed write to stdout (its errno) for cli_stdout_close to report. */
void cli_stdout_note_error(int err);
/* Flushes and closes stdout at the end of a command; on any failed write since the start
 * prints "so8t CMD: cannot write to standard output: REASON" (nothing for EPIPE: the
 * reader left) and returns 1 when status was 0, else status. */
int cli_stdout_close(const char *cmd, int status);

/* Subcommands: each lives in cli/cmd_NAME.c and returns the process exit status. */
int cmd_volume(int argc, char **argv);
int cmd_exact(int argc, char **argv);
int cmd_rotations(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_create(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_rm(int argc, char **argv);
int cmd_cp(int argc, char **argv);
int cmd_serve(int argc, char **argv);

/* ---- cli_model.c ---- */
/* A model argument ('run -m', 'explain --model') that names no existing file but a model
 * of the local store: returns 1 with *mf filled from its manifest (GGUF
 * path, parameters, template, system; free with llm_modelfile_free), 0 when `arg` is to be
 * used as a path (an existing file, or not a valid model name), or -CLI_FAIL after printing
 * why on stderr ("so8t CMD: model 'x' not found ..."). */
int cli_store_lookup(const char *cmd, const char *arg, llm_modelfile *mf);
/* Reads the Modelfile at `path` into *mf and prints its warnings ("so8t CMD: ..."). CLI_OK;
 * else, after saying why, CLI_USAGE for a bad Modelfile, CLI_FAIL for an unreadable one or
 * no memory (*mf then holds nothing to free). */
int cli_modelfile_load(const char *cmd, const char *path, llm_modelfile *mf);
/* Applies mf's settings to *p and prints llm_modelfile_apply's note. CLI_OK, or CLI_FAIL
 * after "out of memory applying WHAT". */
int cli_modelfile_apply(const char *cmd, llm_modelfile *mf, llm_params *p, const char *what);

#endif /* SO8T_CLI_H */
