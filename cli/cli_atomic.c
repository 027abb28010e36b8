/* cli_atomic.c — complete-or-absent output files (see cli_atomic.h): temp file in the
 * target's folder, checked writes, fsync, rename; a signal handler removes the temporary
 * file when the process is killed half way. */
#include "cli/cli_atomic.h"
#include "base/err.h"
#include "cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_TEMPS 4

/* The temporary files alive now, for the signal handler: only async-signal-safe reads
 * (a flag, then a fixed buffer written before the flag was set, with the signals blocked). */
static struct {
    volatile sig_atomic_t live;
    char path[4096];
} temps[MAX_TEMPS];

/* The signals that end the process while it writes: interrupt, termination, hang-up, a
 * reader gone (SIGPIPE), the file size limit (SIGXFSZ, RLIMIT_FSIZE). */
static const int cleanup_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGXFSZ};
#define N_SIGNALS (int)(sizeof cleanup_signals / sizeof cleanup_signals[0])

static void on_signal(int sig)
{
    for (int i = 0; i < MAX_TEMPS; i++)
        if (temps[i].live)
            unlink(temps[i].path);
    /* then die of the same signal, as if we had not been here */
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Checked at every open: a signal at its default action gets the handler. An ignored one
 * (nohup, a shell's trap '' XFSZ) stays ignored: the write then fails with EPIPE / EFBIG
 * and commit reports it; someone else's handler is left alone. */
static void install_handlers(void)
{
    for (int i = 0; i < N_SIGNALS; i++) {
        struct sigaction old;
        if (sigaction(cleanup_signals[i], NULL, &old) != 0 ||
            (old.sa_flags & SA_SIGINFO) || old.sa_handler != SIG_DFL)
            continue;
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        for (int k = 0; k < N_SIGNALS; k++)
            sigaddset(&sa.sa_mask, cleanup_signals[k]);
        sigaction(cleanup_signals[i], &sa, NULL);
    }
}

static void block_signals(sigset_t *old)
{
    sigset_t set;
    sigemptyset(&set);
    for (int i = 0; i < N_SIGNALS; i++)
        sigaddset(&set, cleanup_signals[i]);
    sigprocmask(SIG_BLOCK, &set, old);
}

/* The FILE's writes go straight to the descriptor, remembering the first failure's errno:
 * stdio keeps only an error flag (and glibc drops a buffer it could not write), so commit
 * could not otherwise say why a write failed long before. */
static ssize_t cookie_write(void *cookie, const char *buf, size_t n)
{
    cli_atomic *a = cookie;
    size_t done = 0;
    while (done < n) {
        ssize_t w = write(a->fd, buf + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (!a->write_errno)
                a->write_errno = w < 0 ? errno : EIO;
            return done > 0 ? (ssize_t)done : -1;
        }
        done += (size_t)w;
    }
    return (ssize_t)n;
}

static int cookie_close(void *cookie)
{
    cli_atomic *a = cookie;
    int rc = close(a->fd);
    a->fd = -1;
    return rc;
}

static FILE *open_cookie(cli_atomic *a, int fd)
{
    cookie_io_functions_t io = {NULL, cookie_write, NULL, cookie_close};
    a->fd = fd;
    a->write_errno = 0;
    return fopencookie(a, "wb", io);
}

static void reset(cli_atomic *a)
{
    a->f = NULL;
    a->fd = -1;
    a->write_errno = 0;
    a->to_stdout = 0;
    a->direct = 0;
    a->slot = -1;
    a->target[0] = 0;
    a->temp[0] = 0;
}

static int open_stdout(cli_atomic *a)
{
    snprintf(a->target, sizeof a->target, "standard output");
    a->f = stdout;
    a->to_stdout = 1;
    a->direct = 1;
    return 0;
}

/* the mode fopen(…, "w") gives a new file */
static mode_t default_mode(void)
{
    mode_t m = umask(0);
    umask(m);
    return 0666 & ~m;
}

int cli_atomic_open(cli_atomic *a, const char *path, char *err, size_t errlen)
{
    reset(a);
    if (!path || !*path) {
        so8t_err_set(err, errlen, "no file name");
        return -1;
    }
    if (!strcmp(path, "-"))
        return open_stdout(a);
    struct stat st, so;
    mode_t mode;
    if (stat(path, &st) == 0) {
        if (fstat(STDOUT_FILENO, &so) == 0 && st.st_dev == so.st_dev && st.st_ino == so.st_ino)
            return open_stdout(a);
        if (S_ISDIR(st.st_mode)) {
            so8t_err_set(err, errlen, "cannot write '%s': it is a directory", path);
            return -1;
        }
        if (!S_ISREG(st.st_mode)) {
            /* a FIFO, a device, a socket: nothing to rename over; write in place */
            int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
            if (fd < 0 || !(a->f = open_cookie(a, fd))) {
                so8t_err_set(err, errlen, "cannot write '%s': %s", path, strerror(errno));
                if (fd >= 0)
                    close(fd);
                a->fd = -1;
                return -1;
            }
            a->direct = 1;
            snprintf(a->target, sizeof a->target, "%s", path);
            return 0;
        }
        if (access(path, W_OK) != 0) { /* what fopen would refuse, refused here too */
            so8t_err_set(err, errlen, "cannot write '%s': %s", path, strerror(errno));
            return -1;
        }
        /* replace the file a symbolic link points to, not the link */
        char real[PATH_MAX];
        if (!realpath(path, real)) {
            so8t_err_set(err, errlen, "cannot write '%s': %s", path, strerror(errno));
            return -1;
        }
        if (strlen(real) >= sizeof a->target) {
            so8t_err_set(err, errlen, "cannot write '%s': the name is too long", path);
            return -1;
        }
        strcpy(a->target, real);
        mode = st.st_mode & 07777;
    } else {
        int e = errno;
        struct stat ls;
        if (e == ENOENT && lstat(path, &ls) == 0 && S_ISLNK(ls.st_mode)) {
            so8t_err_set(err, errlen, "cannot write '%s': a symbolic link to a missing file", path);
            return -1;
        }
        if (e != ENOENT) {
            so8t_err_set(err, errlen, "cannot write '%s': %s", path, strerror(e));
            return -1;
        }
        if (strlen(path) >= sizeof a->target) {
            so8t_err_set(err, errlen, "cannot write '%s': the name is too long", path);
            return -1;
        }
        strcpy(a->target, path);
        mode = default_mode();
    }

    /* ".NAME.XXXXXX" next to the target: same file system, so rename is atomic */
    const char *slash = strrchr(a->target, '/');
    const char *base = slash ? slash + 1 : a->target;
    int dirlen = slash ? (int)(slash - a->target) + 1 : 0;
    int n = snprintf(a->temp, sizeof a->temp, "%.*s.%.200s.XXXXXX", dirlen, a->target, base);
    if (n < 0 || (size_t)n >= sizeof a->temp) {
        so8t_err_set(err, errlen, "cannot write '%s': the name is too long", path);
        a->temp[0] = 0;
        return -1;
    }
    int slot = -1;
    for (int i = 0; i < MAX_TEMPS; i++)
        if (!temps[i].live) {
            slot = i;
            break;
        }
    if (slot < 0) {
        so8t_err_set(err, errlen, "cannot write '%s': too many output files open", path);
        a->temp[0] = 0;
        return -1;
    }
    install_handlers();
    /* create and register with the signals blocked: no moment where the file exists
       and the handler does not know it */
    sigset_t old;
    block_signals(&old);
    int fd = mkostemp(a->temp, O_CLOEXEC);
    int e = errno;
    if (fd >= 0) {
        memcpy(temps[slot].path, a->temp, strlen(a->temp) + 1);
        temps[slot].live = 1;
        a->slot = slot;
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (fd < 0) {
        if (e == ENOENT || e == ENOTDIR)
            so8t_err_set(err, errlen, "cannot write '%s': the folder does not exist", path);
        else
            so8t_err_set(err, errlen, "cannot write '%s': %s", path, strerror(e));
        a->temp[0] = 0;
        return -1;
    }
    if (fchmod(fd, mode) != 0 || !(a->f = open_cookie(a, fd))) {
        so8t_err_set(err, errlen, "cannot write '%s': %s", path, strerror(errno));
        if (!a->f)
            close(fd);
        a->fd = -1;
        cli_atomic_abort(a);
        return -1;
    }
    return 0;
}

static void forget_temp(cli_atomic *a)
{
    if (a->slot >= 0)
        temps[a->slot].live = 0;
    a->slot = -1;
}

void cli_atomic_abort(cli_atomic *a)
{
    if (!a || !a->f) {
        if (a && a->slot >= 0 && a->temp[0]) { /* fdopen failed: the file exists, no FILE */
            unlink(a->temp);
            forget_temp(a);
        }
        return;
    }
    if (a->to_stdout)
        fflush(stdout);
    else
        fclose(a->f);
    a->f = NULL;
    if (!a->direct && a->temp[0]) {
        unlink(a->temp);
        forget_temp(a);
    }
    a->temp[0] = 0;
}

int cli_atomic_commit(cli_atomic *a, char *err, size_t errlen)
{
    if (!a->f) {
        so8t_err_set(err, errlen, "output already closed");
        return -1;
    }
    const char *name = a->target;
    char quoted[4200];
    snprintf(quoted, sizeof quoted, a->to_stdout ? "%s" : "'%s'", name);
    errno = 0;
    if ((a->to_stdout ? cli_flush(a->f) : fflush(a->f)) != 0 || ferror(a->f)) {
        /* the first failed write's reason (stdout: the flush's, or main says it) */
        int e = a->write_errno ? a->write_errno : errno;
        so8t_err_set(err, errlen, "cannot write %s: %s", quoted, e ? strerror(e) : "a write failed");
        cli_atomic_abort(a);
        return -1;
    }
    if (a->to_stdout) {
        a->f = NULL;
        return 0;
    }
    if (a->direct) {
        int bad = fclose(a->f) != 0;
        a->f = NULL;
        if (bad) {
            so8t_err_set(err, errlen, "cannot write %s: %s", quoted, strerror(errno));
            return -1;
        }
        return 0;
    }
    int e = 0;
    if (fsync(a->fd) != 0 && errno != EINVAL)
        e = errno;
    if (fclose(a->f) != 0 && !e)
        e = errno;
    a->f = NULL;
    if (!e && rename(a->temp, a->target) != 0)
        e = errno;
    if (e) {
        so8t_err_set(err, errlen, "cannot write %s: %s", quoted, strerror(e));
        unlink(a->temp);
        forget_temp(a);
        a->temp[0] = 0;
        return -1;
    }
    forget_temp(a);
    a->temp[0] = 0;
    /* make the rename itself durable (best effort: some file systems refuse a directory
       fsync, and the data is already safe) */
    char dir[4096];
    const char *slash = strrchr(a->target, '/');
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - a->target) + 1 : 1,
             slash ? a->target : ".");
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return 0;
}
