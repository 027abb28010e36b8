/* cli_atomic.h — every file so8t writes (rotations --out, volume --plot) goes through here,
 * so that an output is either complete or not there: a failed or interrupted write never
 * leaves a truncated file, and an existing good file is replaced only by a complete one.
 *
 * A regular file (or a name that does not exist yet) is written to a temporary file in the
 * same folder (".NAME.XXXXXX", mkstemp), which commit fflush()es, fsync()s, closes and
 * renames over the target; abort, a failed write and SIGINT/SIGTERM/SIGHUP/SIGPIPE/SIGXFSZ
 * remove it (the signal handler unlinks the temporary file and re-raises the signal).
 * The new file gets the mode fopen would give (0666 & ~umask) or, when it replaces a
 * file, that file's mode. A symbolic link is followed: the file it points to is replaced.
 *
 * What cannot be renamed over is written in place, every write still checked: "-" and
 * any name for the process's standard output (/dev/stdout, /proc/self/fd/1, the file
 * stdout is redirected to) use stdout itself (then `to_stdout` is 1 and the caller sends
 * its reports to stderr); FIFOs, character devices (/dev/null) and sockets are opened
 * directly. A directory is refused.
 */
#ifndef SO8T_CLI_ATOMIC_H
#define SO8T_CLI_ATOMIC_H

#include <stddef.h>
#include <stdio.h>

typedef struct {
    FILE *f;        /* write the data here (stdout when to_stdout) */
    int to_stdout;  /* the data goes to the process's standard output */
    int direct;     /* written in place (stdout, FIFO, device): no temporary file */
    int slot;       /* the signal table's entry of the temporary file, -1 when none */
    int fd;         /* the file descriptor under f (not stdout's) */
    int write_errno; /* the first failed write's errno, for commit's message */
    char target[4096]; /* the file replaced at commit (symbolic links resolved) */
    char temp[4096];   /* the temporary file ("" when direct) */
} cli_atomic;

/* Opens an output for `path` (f's writes go through `a`: do not copy or move `a` while
 * it is open). Returns 0, or -1 with a message naming the path and the
 * reason in err (a missing folder, a directory, no permission, ...): call it before the
 * long work so a bad name is found up front. At most 4 outputs open at once. */
int cli_atomic_open(cli_atomic *a, const char *path, char *err, size_t errlen);

/* Finishes the output: flushes, checks every earlier write (ferror), fsyncs, closes and
 * renames the temporary file over the target (direct outputs: flush and check only; stdout
 * stays open). Returns 0, or -1 with a message (strerror of the failure) and the target
 * left untouched, the temporary file removed. `a` is closed either way. */
int cli_atomic_commit(cli_atomic *a, char *err, size_t errlen);

/* Drops the output: closes it and removes the temporary file; the target is untouched.
 * Safe on a closed or zeroed `a` (after commit, or when open failed). */
void cli_atomic_abort(cli_atomic *a);

#endif /* SO8T_CLI_ATOMIC_H */
