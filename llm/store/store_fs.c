/* store_fs.c — file writes: folders, atomic manifest writes, copying a GGUF into blobs/ (see store.h for the layout and the manifest format). */
#include "llm/store/store_internal.h"
#include "base/err.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* mkdir -p (0755 for new folders). */
int store_make_dirs(const char *path, char *err, size_t errlen)
{
    char *p = so8t_strdup(path);
    if (!p)
        return LLM_STORE_ERR_NOMEM;
    for (char *q = p + 1;; q++) {
        if (*q == '/' || *q == '\0') {
            char c = *q;
            *q = '\0';
            if (mkdir(p, 0755) != 0 && errno != EEXIST) {
                so8t_err_set(err, errlen, "cannot create the folder %s: %s", p, strerror(errno));
                free(p);
                return LLM_STORE_ERR_IO;
            }
            struct stat st;
            if (stat(p, &st) != 0 || !S_ISDIR(st.st_mode)) {
                so8t_err_set(err, errlen, "%s: not a folder", p);
                free(p);
                return LLM_STORE_ERR_IO;
            }
            *q = c;
            if (!c)
                break;
        }
    }
    free(p);
    return LLM_STORE_OK;
}

void store_fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

int store_write_all(int fd, const void *data, size_t n)
{
    const char *p = data;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (w == 0)
                errno = EIO;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Writes `data` to `target` (in folder `dir`) as a whole or not at all: temporary file,
 * checked writes, fsync, rename, fsync of the folder. */
int store_write_atomic(const char *dir, const char *target, const char *data, size_t n,
                        char *err, size_t errlen)
{
    const char *base = strrchr(target, '/');
    base = base ? base + 1 : target;
    char *tmp = store_printf("%s/.%s.XXXXXX", dir, base);
    if (!tmp)
        return LLM_STORE_ERR_NOMEM;
    int fd = mkstemp(tmp);
    if (fd < 0) {
        so8t_err_set(err, errlen, "cannot write in %s: %s", dir, strerror(errno));
        free(tmp);
        return LLM_STORE_ERR_IO;
    }
    const char *what = "write";
    if (fchmod(fd, 0644) != 0 || store_write_all(fd, data, n) != 0 || (what = "fsync", fsync(fd)) != 0) {
        int e = errno;
        close(fd);
        unlink(tmp);
        so8t_err_set(err, errlen, "cannot %s %s: %s (the old file, if any, is unchanged)",
                what, target, strerror(e));
        free(tmp);
        return LLM_STORE_ERR_IO;
    }
    if (close(fd) != 0 || rename(tmp, target) != 0) {
        int e = errno;
        unlink(tmp);
        so8t_err_set(err, errlen, "cannot write %s: %s (the old file, if any, is unchanged)", target,
                strerror(e));
        free(tmp);
        return LLM_STORE_ERR_IO;
    }
    free(tmp);
    store_fsync_dir(dir);
    return LLM_STORE_OK;
}

/* Copies `src` into blobs/sha256-HEX, hashing on the way. */
int store_copy_blob(llm_store *s, const char *src, char hex[65], uint64_t *size, char *err,
                     size_t errlen)
{
    char *bdir = store_printf("%s/blobs", s->dir);
    if (!bdir)
        return LLM_STORE_ERR_NOMEM;
    int rc = store_make_dirs(bdir, err, errlen);
    if (rc) {
        free(bdir);
        return rc;
    }
    char *tmp = store_printf("%s/.blob.XXXXXX", bdir);
    uint8_t *buf = malloc(1 << 20);
    int in = open(src, O_RDONLY | O_CLOEXEC);
    int out = -1;
    if (!tmp || !buf || in < 0) {
        rc = !tmp || !buf ? LLM_STORE_ERR_NOMEM : LLM_STORE_ERR_IO;
        if (in < 0)
            so8t_err_set(err, errlen, "%s: cannot open: %s", src, strerror(errno));
        goto out;
    }
    out = mkstemp(tmp);
    if (out < 0) {
        so8t_err_set(err, errlen, "cannot write in %s: %s", bdir, strerror(errno));
        rc = LLM_STORE_ERR_IO;
        goto out;
    }
    llm_sha256 h;
    llm_sha256_init(&h);
    uint64_t total = 0;
    for (;;) {
        ssize_t k = read(in, buf, 1 << 20);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            so8t_err_set(err, errlen, "%s: read error: %s", src, strerror(errno));
            rc = LLM_STORE_ERR_IO;
            goto out;
        }
        if (k == 0)
            break;
        llm_sha256_update(&h, buf, (size_t)k);
        total += (uint64_t)k;
        if (store_write_all(out, buf, (size_t)k) != 0) {
            so8t_err_set(err, errlen, "cannot copy the model into %s: %s", bdir, strerror(errno));
            rc = LLM_STORE_ERR_IO;
            goto out;
        }
    }
    if (fchmod(out, 0644) != 0 || fsync(out) != 0) {
        so8t_err_set(err, errlen, "cannot copy the model into %s: %s", bdir, strerror(errno));
        rc = LLM_STORE_ERR_IO;
        goto out;
    }
    uint8_t dg[32];
    llm_sha256_final(&h, dg);
    llm_sha256_hex(dg, hex);
    *size = total;
    {
        char *target = store_printf("%s/sha256-%s", bdir, hex);
        if (!target) {
            rc = LLM_STORE_ERR_NOMEM;
            goto out;
        }
        int c = close(out);
        out = -1;
        if (c != 0 || rename(tmp, target) != 0) {
            so8t_err_set(err, errlen, "cannot write %s: %s", target, strerror(errno));
            rc = LLM_STORE_ERR_IO;
        }
        free(target);
        if (!rc)
            store_fsync_dir(bdir);
    }
out:
    if (out >= 0)
        close(out);
    if (in >= 0)
        close(in);
    if (rc && tmp)
        unlink(tmp);
    free(tmp);
    free(buf);
    free(bdir);
    return rc;
}
