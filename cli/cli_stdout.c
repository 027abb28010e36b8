/* cli_stdout.c — write errors on standard output, for every command: a flush that fails
 * is remembered with its errno (glibc empties the buffer after a failed write, so the final
 * check alone would know only that something failed, not why), and main() ends with
 * cli_stdout_close, which turns any failure into exit status 1 and a message. */
#include "cli/cli.h"

#include <errno.h>
#include <string.h>

static int first_errno; /* the first failed flush of stdout; only the main thread prints */

void cli_stdout_note_error(int err)
{
    if (!first_errno)
        first_errno = err ? err : EIO;
}

int cli_flush(FILE *f)
{
    errno = 0;
    if (fflush(f) == 0)
        return 0;
    if (f == stdout)
        cli_stdout_note_error(errno);
    return EOF;
}

/* A reader that went away (`so8t … | head -1`) normally ends so8t by SIGPIPE, quietly, as
 * it ends cat; where SIGPIPE is ignored the write fails with EPIPE, and so8t exits 1
 * without a message: the reader chose to stop. */
int cli_stdout_close(const char *cmd, int status)
{
    errno = 0;
    int bad = fflush(stdout) != 0;
    int e = errno;
    bad |= ferror(stdout) != 0;
    if (fclose(stdout) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    if (!bad)
        return status;
    if (first_errno)
        e = first_errno;
    if (e != EPIPE)
        fprintf(stderr, "so8t%s%s: cannot write to standard output: %s\n", cmd ? " " : "",
                cmd ? cmd : "", e ? strerror(e) : "a write failed");
    return status == CLI_OK ? CLI_FAIL : status;
}
