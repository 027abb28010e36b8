/* mc_state.c — checkpoint files: the folded state of a run, so a pre-empted run resumes
 * and ends with the bits of an uninterrupted one.
 *
 * Format (all 64-bit little-endian words, so a file moves between machines):
 *   "SO8TCKPT", version, word count, then the identity of the run — quantity, dimension,
 *   a, r, centre (d words), rotation flag (+ d² words), requested method, resolved method,
 *   seed, replicates, samples, rel-err — then where it stands — batch samples, blocks
 *   done, replicate count, the accumulator's words (mc_accum_pack) — and last an FNV-1a
 *   64 checksum of every byte before it. Doubles are stored as their bits: a resume must
 *   see exactly the same numbers, not ones that print alike. */
#include "mc/mc_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STATE_MAGIC 0x54504b4354384f53ull /* "SO8TCKPT" read as a little-endian word */
#define STATE_VERSION 1u
#define STATE_MAX_BYTES (64u << 20)

typedef struct {
    uint64_t *w;
    size_t n, cap;
} wbuf;

static int wb_put(wbuf *b, uint64_t v)
{
    if (b->n == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 1024;
        uint64_t *t = realloc(b->w, cap * sizeof *t);
        if (!t)
            return -1;
        b->w = t;
        b->cap = cap;
    }
    b->w[b->n++] = v;
    return 0;
}

static uint64_t dbits(double x)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

static uint64_t fnv1a(const unsigned char *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static void to_le(unsigned char *out, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        out[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t from_le(const unsigned char *in)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)in[i] << (8 * i);
    return v;
}

static int replicates_of(const mc_options *o) { return o->qmc_replicates > 1 ? o->qmc_replicates : 32; }

/* the identity words of (p, o): what a resume must match */
static int put_identity(wbuf *b, const mc_problem *p, const mc_options *o, mc_method resolved)
{
    int d = p->dim, bad = 0;
    bad |= wb_put(b, (uint64_t)p->quantity) | wb_put(b, (uint64_t)d);
    bad |= wb_put(b, dbits(p->half_side)) | wb_put(b, dbits(p->radius));
    for (int i = 0; i < d; i++)
        bad |= wb_put(b, dbits(p->center ? p->center[i] : 0.0));
    bad |= wb_put(b, p->rotation != NULL);
    for (int i = 0; p->rotation && i < d * d; i++)
        bad |= wb_put(b, dbits(p->rotation[i]));
    bad |= wb_put(b, (uint64_t)o->method) | wb_put(b, (uint64_t)resolved);
    bad |= wb_put(b, o->seed) | wb_put(b, (uint64_t)replicates_of(o));
    bad |= wb_put(b, o->samples) | wb_put(b, dbits(o->rel_err));
    return bad;
}

static void fsync_dir_of(const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return;
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        fsync(fd); /* the rename itself made durable; a failure here loses nothing */
        close(fd);
    }
    free(copy);
}

int mc_state_save(const char *path, const mc_problem *p, const mc_options *o,
                  const mc_state *s, char *err, size_t errlen)
{
    wbuf b = {0};
    size_t nacc = mc_accum_words(s->acc.nrep);
    int bad = wb_put(&b, STATE_MAGIC) | wb_put(&b, STATE_VERSION) | wb_put(&b, 0);
    bad |= put_identity(&b, p, o, s->resolved);
    bad |= wb_put(&b, s->batch_samples) | wb_put(&b, s->blocks_done);
    bad |= wb_put(&b, (uint64_t)s->acc.nrep);
    for (size_t i = 0; !bad && i < nacc; i++)
        bad |= wb_put(&b, 0);
    if (bad) {
        free(b.w);
        snprintf(err, errlen, "checkpoint %s: out of memory", path);
        return MC_ERR_STATE;
    }
    mc_accum_pack(&s->acc, b.w + b.n - nacc);
    b.w[2] = b.n + 1; /* the word count, checksum included */
    size_t nbytes = (b.n + 1) * 8;
    unsigned char *bytes = malloc(nbytes);
    if (!bytes) {
        free(b.w);
        snprintf(err, errlen, "checkpoint %s: out of memory", path);
        return MC_ERR_STATE;
    }
    for (size_t i = 0; i < b.n; i++)
        to_le(bytes + 8 * i, b.w[i]);
    to_le(bytes + 8 * b.n, fnv1a(bytes, 8 * b.n));
    free(b.w);

    size_t plen = strlen(path);
    char *tmp = malloc(plen + 16);
    if (!tmp) {
        free(bytes);
        snprintf(err, errlen, "checkpoint %s: out of memory", path);
        return MC_ERR_STATE;
    }
    snprintf(tmp, plen + 16, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        snprintf(err, errlen, "checkpoint %s: cannot create a temporary file next to it: %s",
                 path, strerror(errno));
        free(tmp), free(bytes);
        return MC_ERR_STATE;
    }
    const char *what = NULL;
    int e = 0;
    for (size_t off = 0; off < nbytes && !what;) {
        ssize_t w = write(fd, bytes + off, nbytes - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            what = "write";
            e = w < 0 ? errno : ENOSPC;
        } else {
            off += (size_t)w;
        }
    }
    if (!what && fchmod(fd, 0644) != 0) /* mkstemp's 0600 is fine too: not fatal */
        (void)0;
    if (!what && fsync(fd) != 0)
        what = "fsync", e = errno;
    if (close(fd) != 0 && !what)
        what = "close", e = errno;
    if (!what && rename(tmp, path) != 0)
        what = "rename", e = errno;
    free(bytes);
    if (what) {
        unlink(tmp);
        free(tmp);
        snprintf(err, errlen, "checkpoint %s: %s failed: %s", path, what, strerror(e));
        return MC_ERR_STATE;
    }
    free(tmp);
    fsync_dir_of(path);
    return MC_OK;
}

/* names of the identity fields, in put_identity's order (the centre and rotation take
   several words each) */
static const char *field_at(const uint64_t *have, const uint64_t *want, size_t n, int d,
                            int rot)
{
    size_t i = 0;
    const char *names_head[4] = {"quantity (volume/surface/orient-avg/complement)", "dimension",
                                 "half-side a", "radius r"};
    for (int k = 0; k < 4; k++, i++)
        if (have[i] != want[i])
            return names_head[k];
    for (int k = 0; k < d; k++, i++)
        if (have[i] != want[i])
            return "centre c";
    if (have[i] != want[i])
        return "rotation";
    i++;
    for (int k = 0; rot && k < d * d; k++, i++)
        if (have[i] != want[i])
            return "rotation";
    const char *tail[6] = {"method", "method (as auto resolved it)", "seed", "replicates",
                           "samples (-n)", "rel-err target"};
    for (int k = 0; k < 6 && i < n; k++, i++)
        if (have[i] != want[i])
            return tail[k];
    return NULL;
}

int mc_state_load(const char *path, const mc_problem *p, const mc_options *o,
                  mc_method resolved, int nrep, mc_state *s, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "--resume %s: %s", path, strerror(errno));
        return MC_ERR_STATE;
    }
    unsigned char *bytes = malloc(STATE_MAX_BYTES + 1);
    if (!bytes) {
        fclose(f);
        snprintf(err, errlen, "--resume %s: out of memory", path);
        return MC_ERR_STATE;
    }
    size_t nbytes = fread(bytes, 1, STATE_MAX_BYTES + 1, f);
    int rerr = ferror(f);
    fclose(f);
    int st = MC_ERR_STATE;
    uint64_t *w = NULL;
    wbuf want = {0};
    if (rerr) {
        snprintf(err, errlen, "--resume %s: read error", path);
        goto out;
    }
    if (nbytes > STATE_MAX_BYTES || nbytes < 4 * 8 || nbytes % 8) {
        snprintf(err, errlen, "--resume %s: not a so8t checkpoint, or truncated (%zu bytes)", path,
                 nbytes);
        goto out;
    }
    size_t n = nbytes / 8;
    if (from_le(bytes) != STATE_MAGIC) {
        snprintf(err, errlen, "--resume %s: not a so8t checkpoint (bad magic)", path);
        goto out;
    }
    if (from_le(bytes + 8) != STATE_VERSION) {
        snprintf(err, errlen, "--resume %s: checkpoint format version %llu, this so8t reads %u",
                 path, (unsigned long long)from_le(bytes + 8), STATE_VERSION);
        goto out;
    }
    if (from_le(bytes + 16) != n) {
        snprintf(err, errlen, "--resume %s: truncated or extended (%zu words, the header says "
                              "%llu)", path, n, (unsigned long long)from_le(bytes + 16));
        goto out;
    }
    if (fnv1a(bytes, 8 * (n - 1)) != from_le(bytes + 8 * (n - 1))) {
        snprintf(err, errlen, "--resume %s: checksum mismatch (the file is corrupt)", path);
        goto out;
    }
    w = malloc(n * sizeof *w);
    if (!w) {
        snprintf(err, errlen, "--resume %s: out of memory", path);
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        w[i] = from_le(bytes + 8 * i);
    if (put_identity(&want, p, o, resolved)) {
        snprintf(err, errlen, "--resume %s: out of memory", path);
        goto out;
    }
    /* the identity: the dimension first (it sizes the rest), then word by word */
    size_t id0 = 3;
    if (n < id0 + 2 || w[id0] != want.w[0] || w[id0 + 1] != want.w[1]) {
        snprintf(err, errlen, "--resume %s: the checkpoint is for a different %s", path,
                 n >= id0 + 2 && w[id0] != want.w[0] ? "quantity (volume/surface/orient-avg/"
                                                       "complement)"
                                                     : "dimension");
        goto out;
    }
    size_t idn = want.n;
    if (n < id0 + idn + 3 + 1) {
        snprintf(err, errlen, "--resume %s: truncated", path);
        goto out;
    }
    /* the rotation flag may differ, which changes the length: compare up to it first */
    const char *diff = field_at(w + id0, want.w, idn, p->dim, p->rotation != NULL);
    if (diff) {
        snprintf(err, errlen, "--resume %s: the checkpoint is for a different %s; refusing to "
                              "mix runs", path, diff);
        goto out;
    }
    size_t k = id0 + idn;
    s->resolved = resolved;
    s->batch_samples = w[k];
    s->blocks_done = w[k + 1];
    uint64_t file_nrep = w[k + 2];
    k += 3;
    if (file_nrep != (uint64_t)nrep || n != k + mc_accum_words(nrep) + 1) {
        snprintf(err, errlen, "--resume %s: inconsistent state (replicates or length)", path);
        goto out;
    }
    if (mc_accum_unpack(&s->acc, nrep, w + k)) {
        snprintf(err, errlen, "--resume %s: inconsistent state (a sum out of range)", path);
        goto out;
    }
    if (s->acc.blocks != s->blocks_done || s->batch_samples < 1 ||
        s->batch_samples > o->samples + (uint64_t)nrep * MC_BLOCK_SAMPLES) {
        snprintf(err, errlen, "--resume %s: inconsistent state (blocks done or batch size)", path);
        goto out;
    }
    st = MC_OK;
out:
    free(bytes);
    free(w);
    free(want.w);
    return st;
}
