/* so8t_child.c — runs one so8t command as a child process for the /so8t/ API: stdout read
 * line by line (streaming) and kept, stderr kept for the error message, a deadline after
 * which the child is killed. posix_spawn, not fork: the server is multi-threaded. */
#include "serve/so8t_api.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define ERR_KEEP (16 * 1024)
#define OUT_MAX (64u << 20) /* a result JSON is a few KiB; more is a runaway child */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

void so8t_child_result_free(so8t_child_result *res)
{
    free(res->out);
    free(res->err);
    memset(res, 0, sizeof *res);
}

static int append(char **buf, size_t *n, size_t *cap, const char *d, size_t k)
{
    if (*n + k + 1 > *cap) {
        size_t nc = *cap ? *cap : 4096;
        while (nc < *n + k + 1)
            nc *= 2;
        char *b = realloc(*buf, nc);
        if (!b)
            return -1;
        *buf = b;
        *cap = nc;
    }
    memcpy(*buf + *n, d, k);
    *n += k;
    (*buf)[*n] = '\0';
    return 0;
}

int so8t_child_run(const char *exe, char *const argv[], double seconds,
                   int (*on_line)(void *user, const char *line, size_t n), void *user,
                   so8t_child_result *res)
{
    memset(res, 0, sizeof *res);
    int po[2], pe[2];
    if (pipe2(po, O_CLOEXEC))
        goto fail0;
    if (pipe2(pe, O_CLOEXEC)) {
        close(po[0]), close(po[1]);
        goto fail0;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, po[1], 1);
    posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
    /* the server's other descriptors (clients' sockets dup()'d by streams) stay ours: a
       child holding one would keep a finished connection open */
    posix_spawn_file_actions_addclosefrom_np(&fa, 3);
#endif
    posix_spawnattr_t at;
    posix_spawnattr_init(&at);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setsigdefault(&at, &all); /* the server ignores SIGPIPE; the child not */
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    pid_t pid;
    int e = posix_spawn(&pid, exe, &fa, &at, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    close(po[1]);
    close(pe[1]);
    if (e) {
        close(po[0]), close(pe[0]);
        errno = e;
        goto fail0;
    }
    size_t out_cap = 0, err_cap = 0, line_start = 0;
    double deadline = now_s() + seconds;
    int open_fds = 2, killed = 0;
    struct pollfd p[2] = {{po[0], POLLIN, 0}, {pe[0], POLLIN, 0}};
    while (open_fds > 0) {
        double left = deadline - now_s();
        if (left <= 0 && !killed) {
            kill(pid, SIGKILL);
            killed = res->timed_out = 1;
        }
        int ms = killed ? 1000 : (int)(left * 1000) + 1;
        if (ms > 200)
            ms = 200; /* wake up to check the deadline */
        int k = poll(p, 2, ms);
        if (k < 0 && errno != EINTR)
            break;
        for (int i = 0; i < 2; i++) {
            if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            char buf[8192];
            ssize_t n = read(p[i].fd, buf, sizeof buf);
            if (n < 0 && (errno == EINTR || errno == EAGAIN))
                continue;
            if (n <= 0) {
                close(p[i].fd);
                p[i].fd = -1;
                open_fds--;
                continue;
            }
            if (i == 1) { /* stderr: keep the tail */
                if (append(&res->err, &res->err_n, &err_cap, buf, (size_t)n))
                    continue;
                if (res->err_n > ERR_KEEP) {
                    memmove(res->err, res->err + res->err_n - ERR_KEEP, ERR_KEEP);
                    res->err_n = ERR_KEEP;
                    res->err[ERR_KEEP] = '\0';
                }
                continue;
            }
            if (res->out_n + (size_t)n > OUT_MAX || append(&res->out, &res->out_n, &out_cap, buf, (size_t)n)) {
                if (!killed)
                    kill(pid, SIGKILL);
                killed = 1;
                continue;
            }
            for (size_t j = res->out_n - (size_t)n; j < res->out_n; j++)
                if (res->out[j] == '\n') {
                    if (on_line && !killed &&
                        on_line(user, res->out + line_start, j + 1 - line_start)) {
                        kill(pid, SIGKILL);
                        killed = res->cancelled = 1;
                    }
                    line_start = j + 1;
                }
        }
    }
    for (int i = 0; i < 2; i++)
        if (p[i].fd >= 0)
            close(p[i].fd);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    res->exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    if (!res->out && append(&res->out, &res->out_n, &out_cap, "", 0))
        return -1;
    return 0;
fail0: {
        const char *m = strerror(errno);
        res->err = strdup(m);
        res->err_n = res->err ? strlen(m) : 0;
        return -1;
    }
}
