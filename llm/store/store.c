/* store.c — the local model store (see store.h for the layout and the manifest format).
 *
 * Every manifest read is treated as hostile: size cap, no NUL bytes, one JSON object, each
 * field's type and length checked, parameters and template run through the Modelfile
 * checks; any failure is a message naming the file. Writes go through write_atomic. */
#include "llm/store/store.h"
#include "so8t_err.h"
#include "llm/strbuf.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define STORE_VERSION 1
#define TEXT_MAX (1u << 20)   /* template, system, license, message texts */
#define PATH_MAX_LEN 4095

struct llm_store {
    char *dir;
    pthread_mutex_t lock; /* serialises create / delete / copy within the process */
};

const char *llm_store_strerror(int status)
{
    switch (status) {
    case LLM_STORE_OK: return "ok";
    case LLM_STORE_ERR_INVAL: return "invalid argument";
    case LLM_STORE_ERR_NOTFOUND: return "model not found";
    case LLM_STORE_ERR_CORRUPT: return "corrupt manifest";
    case LLM_STORE_ERR_IO: return "i/o error";
    case LLM_STORE_ERR_MODEL: return "model file not usable";
    case LLM_STORE_ERR_NOMEM: return "out of memory";
    default: return "unknown error";
    }
}

/* ---- helpers ---- */

static char *xstrdup(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s);
    char *p = malloc(n + 1);
    if (p)
        memcpy(p, s, n + 1);
    return p;
}

static char *xprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xprintf(const char *fmt, ...)
{
    llm_strbuf b = {0};
    va_list ap;
    va_start(ap, fmt);
    llm_strbuf_vadd(&b, fmt, ap);
    va_end(ap);
    return llm_strbuf_take(&b);
}

/* A printable excerpt of hostile text for messages: control bytes become '?', at most 40
 * bytes, then "...". */
static void excerpt(const char *s, char *buf, size_t cap)
{
    size_t j = 0;
    for (size_t i = 0; s[i] && j + 4 < cap; i++) {
        if (i >= 40) {
            memcpy(buf + j, "...", 3);
            j += 3;
            break;
        }
        unsigned char c = (unsigned char)s[i];
        buf[j++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    buf[j] = '\0';
}

/* ---- names ---- */

static int name_char_ok(unsigned char c, int first)
{
    if (isalnum(c) || c == '_')
        return 1;
    return !first && (c == '-' || c == '.');
}

static int part_check(const char *p, size_t n, const char *what, const char *text, char *err,
                      size_t errlen)
{
    char ex[64];
    excerpt(text, ex, sizeof ex);
    if (n == 0) {
        so8t_err_set(err, errlen, "invalid model name '%s': the %s is empty", ex, what);
        return LLM_STORE_ERR_INVAL;
    }
    if (n > LLM_STORE_PART_MAX) {
        so8t_err_set(err, errlen, "invalid model name '%s': the %s is %zu bytes (at most %d)", ex,
                what, n, LLM_STORE_PART_MAX);
        return LLM_STORE_ERR_INVAL;
    }
    for (size_t i = 0; i < n; i++)
        if (!name_char_ok((unsigned char)p[i], i == 0)) {
            unsigned char c = (unsigned char)p[i];
            char shown[8];
            if (c >= 0x20 && c < 0x7f)
                snprintf(shown, sizeof shown, "'%c'", c);
            else
                snprintf(shown, sizeof shown, "0x%02x", c);
            so8t_err_set(err, errlen,
                    "invalid model name '%s': %s %s in the %s (allowed: letters, digits, '_', "
                    "and after the first character '-' and '.')",
                    ex, i == 0 ? "may not start with" : "has", shown, what);
            return LLM_STORE_ERR_INVAL;
        }
    return LLM_STORE_OK;
}

int llm_store_name_parse(const char *text, llm_store_name *out, char *err, size_t errlen)
{
    if (!text || !out) {
        so8t_err_set(err, errlen, "no model name");
        return LLM_STORE_ERR_INVAL;
    }
    memset(out, 0, sizeof *out);
    char ex[64];
    excerpt(text, ex, sizeof ex);
    size_t len = strnlen(text, 4 * LLM_STORE_PART_MAX);
    if (len >= 4 * LLM_STORE_PART_MAX) {
        so8t_err_set(err, errlen, "invalid model name '%s': too long (MODEL and TAG are at most %d "
                             "bytes each)", ex, LLM_STORE_PART_MAX);
        return LLM_STORE_ERR_INVAL;
    }
    if (memchr(text, '/', len) || memchr(text, '\\', len)) {
        so8t_err_set(err, errlen,
                "invalid model name '%s': so8t's store has no registries or namespaces, so a "
                "name may not contain '/' (use MODEL[:TAG])", ex);
        return LLM_STORE_ERR_INVAL;
    }
    const char *colon = strchr(text, ':');
    size_t ml = colon ? (size_t)(colon - text) : len;
    int rc = part_check(text, ml, "model part", text, err, errlen);
    if (rc)
        return rc;
    const char *tag = "latest";
    size_t tl = 6;
    if (colon) {
        tag = colon + 1;
        tl = len - ml - 1;
        if (memchr(tag, ':', tl)) {
            so8t_err_set(err, errlen, "invalid model name '%s': more than one ':' (use MODEL[:TAG])",
                    ex);
            return LLM_STORE_ERR_INVAL;
        }
        if ((rc = part_check(tag, tl, "tag", text, err, errlen)))
            return rc;
    }
    memcpy(out->model, text, ml);
    memcpy(out->tag, tag, tl);
    return LLM_STORE_OK;
}

void llm_store_name_format(const llm_store_name *n, char *buf, size_t len)
{
    snprintf(buf, len, "%s:%s", n->model, n->tag);
}

/* The manifest file of a name: lower case, so names compare without case. */
static char *manifest_path(const llm_store *s, const llm_store_name *n)
{
    char low[2 * LLM_STORE_PART_MAX + 2];
    llm_store_name_format(n, low, sizeof low);
    for (char *p = low; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return xprintf("%s/manifests/%s.json", s->dir, low);
}

/* ---- the store ---- */

int llm_store_default_dir(char *buf, size_t len)
{
    const char *env = getenv("SO8T_MODELS");
    int n;
    if (env && *env) {
        n = snprintf(buf, len, "%s", env);
    } else {
        const char *home = getenv("HOME");
        if (!home || !*home)
            return -1;
        n = snprintf(buf, len, "%s/.so8t/models", home);
    }
    return n < 0 || (size_t)n >= len ? -1 : 0;
}

int llm_store_open(const char *dir, llm_store **out, char *err, size_t errlen)
{
    if (!out) {
        so8t_err_set(err, errlen, "llm_store_open: no output pointer");
        return LLM_STORE_ERR_INVAL;
    }
    *out = NULL;
    char def[PATH_MAX_LEN + 1];
    if (!dir) {
        if (llm_store_default_dir(def, sizeof def)) {
            so8t_err_set(err, errlen, "no model store folder: set SO8T_MODELS or HOME");
            return LLM_STORE_ERR_INVAL;
        }
        dir = def;
    }
    if (!*dir || strlen(dir) > PATH_MAX_LEN - 300) {
        so8t_err_set(err, errlen, "model store folder: %s", *dir ? "path too long" : "empty path");
        return LLM_STORE_ERR_INVAL;
    }
    struct stat st;
    if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode)) {
        so8t_err_set(err, errlen, "model store %s: not a folder", dir);
        return LLM_STORE_ERR_IO;
    }
    llm_store *s = calloc(1, sizeof *s);
    if (!s || !(s->dir = xstrdup(dir))) {
        free(s);
        so8t_err_set(err, errlen, "out of memory");
        return LLM_STORE_ERR_NOMEM;
    }
    /* strip trailing slashes (not the root's) so messages show clean paths */
    size_t l = strlen(s->dir);
    while (l > 1 && s->dir[l - 1] == '/')
        s->dir[--l] = '\0';
    pthread_mutex_init(&s->lock, NULL);
    *out = s;
    return LLM_STORE_OK;
}

void llm_store_close(llm_store *s)
{
    if (!s)
        return;
    pthread_mutex_destroy(&s->lock);
    free(s->dir);
    free(s);
}

const char *llm_store_dir(const llm_store *s) { return s ? s->dir : NULL; }

/* mkdir -p (0755 for new folders). */
static int make_dirs(const char *path, char *err, size_t errlen)
{
    char *p = xstrdup(path);
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

static void fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

static int write_all(int fd, const void *data, size_t n)
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
static int write_atomic(const char *dir, const char *target, const char *data, size_t n,
                        char *err, size_t errlen)
{
    const char *base = strrchr(target, '/');
    base = base ? base + 1 : target;
    char *tmp = xprintf("%s/.%s.XXXXXX", dir, base);
    if (!tmp)
        return LLM_STORE_ERR_NOMEM;
    int fd = mkstemp(tmp);
    if (fd < 0) {
        so8t_err_set(err, errlen, "cannot write in %s: %s", dir, strerror(errno));
        free(tmp);
        return LLM_STORE_ERR_IO;
    }
    const char *what = "write";
    if (fchmod(fd, 0644) != 0 || write_all(fd, data, n) != 0 || (what = "fsync", fsync(fd)) != 0) {
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
    fsync_dir(dir);
    return LLM_STORE_OK;
}

/* ---- entries ---- */

void llm_store_entry_free(llm_store_entry *e)
{
    if (!e)
        return;
    free(e->name);
    free(e->manifest_path);
    free(e->gguf_path);
    free(e->from);
    free(e->created_at);
    free(e->family);
    free(e->parameter_size);
    free(e->quantization);
    free(e->system);
    free(e->template_text);
    for (int i = 0; i < e->n_params; i++) {
        free(e->params[i].name);
        free(e->params[i].value);
    }
    free(e->params);
    for (int i = 0; i < e->n_licenses; i++)
        free(e->licenses[i]);
    free(e->licenses);
    for (int i = 0; i < e->n_messages; i++) {
        free(e->messages[i].role);
        free(e->messages[i].content);
    }
    free(e->messages);
    memset(e, 0, sizeof *e);
}

/* Parses "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)" into seconds since the epoch. */
static int parse_rfc3339(const char *s, int64_t *out)
{
    int y, mo, d, h, mi, se, n = 0;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &se, &n) != 6 || n != 19)
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60 || y < 1970)
        return -1;
    const char *p = s + n;
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p))
            return -1;
        while (isdigit((unsigned char)*p))
            p++;
    }
    int64_t off = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om, k = 0;
        if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &k) != 2 || k != 5)
            return -1;
        off = (int64_t)(oh * 3600 + om * 60) * (*p == '+' ? 1 : -1);
        p += 6;
    } else {
        return -1;
    }
    if (*p)
        return -1;
    /* days from civil (H. Hinnant's algorithm) */
    int64_t yy = y - (mo <= 2);
    int64_t era = yy / 400;
    int64_t yoe = yy - era * 400;
    int64_t doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = era * 146097 + doe - 719468;
    *out = days * 86400 + h * 3600 + mi * 60 + se - off;
    return 0;
}

static char *now_rfc3339(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    return xprintf("%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
                   tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000);
}

/* A JSON number as parameter text: integers exactly, others with round-trip digits. */
static char *number_text(double v)
{
    if (v == floor(v) && fabs(v) <= 9007199254740992.0)
        return xprintf("%.0f", v);
    return xprintf("%.17g", v);
}

static int push_param(llm_store_entry *e, const char *name, char *value)
{
    if (!value)
        return LLM_STORE_ERR_NOMEM;
    llm_store_param *a = realloc(e->params, ((size_t)e->n_params + 1) * sizeof *a);
    char *n = xstrdup(name);
    if (!a || !n) {
        if (a)
            e->params = a;
        free(n);
        free(value);
        return LLM_STORE_ERR_NOMEM;
    }
    e->params = a;
    e->params[e->n_params].name = n;
    e->params[e->n_params].value = value;
    e->n_params++;
    return LLM_STORE_OK;
}

/* The reader's context: the file name for messages. */
typedef struct {
    const char *file;
    char *err;
    size_t errlen;
} rd;

#define CORRUPT(r, ...)                                                                  \
    do {                                                                                 \
        char m_[1024];                                                                   \
        snprintf(m_, sizeof m_, __VA_ARGS__);                                            \
        so8t_err_set((r)->err, (r)->errlen, "corrupt manifest %s: %s", (r)->file, m_);        \
        return LLM_STORE_ERR_CORRUPT;                                                    \
    } while (0)

/* A string field: required or optional, at most maxlen bytes; *out malloc'd (NULL when
 * absent and optional). */
static int get_str(rd *r, const cJSON *o, const char *key, const char *path, int required,
                   size_t maxlen, char **out)
{
    *out = NULL;
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!x) {
        if (required)
            CORRUPT(r, "field '%s' is missing", path);
        return LLM_STORE_OK;
    }
    if (!cJSON_IsString(x) || !x->valuestring)
        CORRUPT(r, "field '%s' must be a string", path);
    size_t n = strlen(x->valuestring);
    if (n > maxlen)
        CORRUPT(r, "field '%s' is %zu bytes long (at most %zu)", path, n, maxlen);
    *out = xstrdup(x->valuestring);
    return *out ? LLM_STORE_OK : LLM_STORE_ERR_NOMEM;
}

/* A non-negative integer field (JSON number, whole, below 2^53). */
static int get_uint(rd *r, const cJSON *o, const char *key, const char *path, int required,
                    uint64_t *out)
{
    *out = 0;
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!x) {
        if (required)
            CORRUPT(r, "field '%s' is missing", path);
        return LLM_STORE_OK;
    }
    if (!cJSON_IsNumber(x) || !isfinite(x->valuedouble) || x->valuedouble < 0 ||
        x->valuedouble != floor(x->valuedouble) || x->valuedouble > 9007199254740992.0)
        CORRUPT(r, "field '%s' must be a whole number >= 0", path);
    *out = (uint64_t)x->valuedouble;
    return LLM_STORE_OK;
}

static int is_hex64(const char *s)
{
    if (!s || strlen(s) != 64)
        return 0;
    for (int i = 0; i < 64; i++)
        if (!isdigit((unsigned char)s[i]) && !(s[i] >= 'a' && s[i] <= 'f'))
            return 0;
    return 1;
}

/* The model's digest: the GGUF's and everything else that changes what it generates. */
static void compute_digest(llm_store_entry *e)
{
    llm_strbuf b = {0};
    llm_strbuf_add(&b, "gguf %s\n", e->sha256);
    for (int i = 0; i < e->n_params; i++)
        llm_strbuf_add(&b, "param %zu:%s %zu:%s\n", strlen(e->params[i].name),
                       e->params[i].name, strlen(e->params[i].value), e->params[i].value);
    const char *t[2] = {e->template_text, e->system};
    for (int i = 0; i < 2; i++)
        llm_strbuf_add(&b, "%s %zu:%s\n", i ? "system" : "template", t[i] ? strlen(t[i]) : 0,
                       t[i] ? t[i] : "");
    for (int i = 0; i < e->n_messages; i++)
        llm_strbuf_add(&b, "message %s %zu:%s\n", e->messages[i].role,
                       strlen(e->messages[i].content), e->messages[i].content);
    for (int i = 0; i < e->n_licenses; i++)
        llm_strbuf_add(&b, "license %zu:%s\n", strlen(e->licenses[i]), e->licenses[i]);
    if (b.oom || !b.p) {
        memcpy(e->digest, e->sha256, sizeof e->digest);
    } else {
        llm_sha256_string(b.p, b.n, e->digest);
    }
    free(b.p);
}

/* Fills e from the parsed manifest `j` (read from r->file; `expect` is the name its file
 * name says, or NULL). */
static int entry_from_json(const llm_store *s, rd *r, const cJSON *j, const llm_store_name *expect,
                           llm_store_entry *e)
{
    int rc;
    if (!cJSON_IsObject(j))
        CORRUPT(r, "not a JSON object");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "version");
    if (!v)
        CORRUPT(r, "field 'version' is missing");
    if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) || v->valuedouble < 1)
        CORRUPT(r, "field 'version' must be a whole number >= 1");
    if (v->valuedouble > STORE_VERSION)
        CORRUPT(r, "version %.0f was written by a newer so8t (this one reads version %d)",
                v->valuedouble > 1e9 ? 1e9 : v->valuedouble, STORE_VERSION);
    if ((rc = get_str(r, j, "name", "name", 1, 2 * LLM_STORE_PART_MAX + 1, &e->name)))
        return rc;
    llm_store_name nm;
    char nerr[256];
    if (llm_store_name_parse(e->name, &nm, nerr, sizeof nerr))
        CORRUPT(r, "field 'name': %s", nerr);
    if (expect && (strcasecmp(nm.model, expect->model) || strcasecmp(nm.tag, expect->tag)))
        CORRUPT(r, "field 'name' is '%s:%s' but the file is for '%s:%s'", nm.model, nm.tag,
                expect->model, expect->tag);
    /* normalise "x" to "x:latest" */
    free(e->name);
    e->name = xprintf("%s:%s", nm.model, nm.tag);
    if (!e->name)
        return LLM_STORE_ERR_NOMEM;

    const cJSON *g = cJSON_GetObjectItemCaseSensitive(j, "gguf");
    if (!g)
        CORRUPT(r, "field 'gguf' is missing");
    if (!cJSON_IsObject(g))
        CORRUPT(r, "field 'gguf' must be an object");
    char *sha = NULL, *path = NULL, *blob = NULL;
    if ((rc = get_str(r, g, "sha256", "gguf.sha256", 1, 64, &sha)))
        return rc;
    int okhex = is_hex64(sha);
    if (okhex)
        memcpy(e->sha256, sha, 65);
    free(sha);
    if (!okhex)
        CORRUPT(r, "field 'gguf.sha256' must be 64 lower-case hex digits");
    if ((rc = get_uint(r, g, "size", "gguf.size", 1, &e->size)))
        return rc;
    if ((rc = get_str(r, g, "path", "gguf.path", 0, PATH_MAX_LEN, &path)))
        return rc;
    if ((rc = get_str(r, g, "blob", "gguf.blob", 0, 80, &blob))) {
        free(path);
        return rc;
    }
    if (!!path == !!blob) {
        free(path);
        free(blob);
        CORRUPT(r, "field 'gguf' needs exactly one of 'path' and 'blob'");
    }
    if (path) {
        if (path[0] != '/') {
            free(path);
            CORRUPT(r, "field 'gguf.path' must be an absolute path");
        }
        e->gguf_path = path;
    } else {
        int ok = !strncmp(blob, "sha256-", 7) && !strcmp(blob + 7, e->sha256);
        free(blob);
        if (!ok)
            CORRUPT(r, "field 'gguf.blob' must be \"sha256-\" followed by gguf.sha256");
        e->copied = 1;
        e->gguf_path = xprintf("%s/blobs/sha256-%s", s->dir, e->sha256);
        if (!e->gguf_path)
            return LLM_STORE_ERR_NOMEM;
    }
    if ((rc = get_str(r, j, "from", "from", 0, PATH_MAX_LEN, &e->from)))
        return rc;
    if ((rc = get_str(r, j, "created_at", "created_at", 1, 64, &e->created_at)))
        return rc;
    if (parse_rfc3339(e->created_at, &e->created_unix))
        CORRUPT(r, "field 'created_at' is not an RFC 3339 time (e.g. 2026-01-01T10:00:00Z)");

    const cJSON *d = cJSON_GetObjectItemCaseSensitive(j, "details");
    if (d && !cJSON_IsObject(d))
        CORRUPT(r, "field 'details' must be an object");
    if (d) {
        if ((rc = get_str(r, d, "family", "details.family", 0, 256, &e->family)) ||
            (rc = get_str(r, d, "parameter_size", "details.parameter_size", 0, 64,
                          &e->parameter_size)) ||
            (rc = get_str(r, d, "quantization_level", "details.quantization_level", 0, 64,
                          &e->quantization)) ||
            (rc = get_uint(r, d, "parameter_count", "details.parameter_count", 0,
                           &e->parameter_count)) ||
            (rc = get_uint(r, d, "context_length", "details.context_length", 0,
                           &e->context_length)) ||
            (rc = get_uint(r, d, "embedding_length", "details.embedding_length", 0,
                           &e->embedding_length)))
            return rc;
    }
    if ((rc = get_str(r, j, "template", "template", 0, TEXT_MAX, &e->template_text)) ||
        (rc = get_str(r, j, "system", "system", 0, TEXT_MAX, &e->system)))
        return rc;
    if (e->template_text) {
        char terr[256];
        if (llm_template_check(e->template_text, terr, sizeof terr))
            CORRUPT(r, "field 'template': %s", terr);
    }

    const cJSON *p = cJSON_GetObjectItemCaseSensitive(j, "parameters");
    if (p && !cJSON_IsObject(p))
        CORRUPT(r, "field 'parameters' must be an object");
    int count = 0;
    for (const cJSON *x = p ? p->child : NULL; x; x = x->next) {
        if (++count > 256)
            CORRUPT(r, "field 'parameters' has more than 256 entries");
        const char *k = x->string ? x->string : "";
        char kx[64];
        excerpt(k, kx, sizeof kx);
        if (cJSON_IsArray(x)) {
            int m = 0;
            for (const cJSON *y = x->child; y; y = y->next) {
                if (!cJSON_IsString(y) || strlen(y->valuestring) > 4096 || ++m > 64)
                    CORRUPT(r, "parameter '%s': an array holds at most 64 strings of at most "
                               "4096 bytes", kx);
                if ((rc = push_param(e, k, xstrdup(y->valuestring))))
                    return rc;
            }
        } else if (cJSON_IsString(x)) {
            if (strlen(x->valuestring) > 4096)
                CORRUPT(r, "parameter '%s' is longer than 4096 bytes", kx);
            if ((rc = push_param(e, k, xstrdup(x->valuestring))))
                return rc;
        } else if (cJSON_IsBool(x)) {
            if ((rc = push_param(e, k, xstrdup(cJSON_IsTrue(x) ? "true" : "false"))))
                return rc;
        } else if (cJSON_IsNumber(x) && isfinite(x->valuedouble)) {
            if ((rc = push_param(e, k, number_text(x->valuedouble))))
                return rc;
        } else {
            CORRUPT(r, "parameter '%s' must be a number, a bool, a string or an array of "
                       "strings", kx);
        }
    }
    const cJSON *lic = cJSON_GetObjectItemCaseSensitive(j, "license");
    if (lic && !cJSON_IsArray(lic))
        CORRUPT(r, "field 'license' must be an array of strings");
    for (const cJSON *x = lic ? lic->child : NULL; x; x = x->next) {
        if (!cJSON_IsString(x) || strlen(x->valuestring) > TEXT_MAX || e->n_licenses >= 64)
            CORRUPT(r, "field 'license' must be at most 64 strings of at most %u bytes",
                    TEXT_MAX);
        char **a = realloc(e->licenses, ((size_t)e->n_licenses + 1) * sizeof *a);
        if (!a)
            return LLM_STORE_ERR_NOMEM;
        e->licenses = a;
        if (!(a[e->n_licenses] = xstrdup(x->valuestring)))
            return LLM_STORE_ERR_NOMEM;
        e->n_licenses++;
    }
    const cJSON *msgs = cJSON_GetObjectItemCaseSensitive(j, "messages");
    if (msgs && !cJSON_IsArray(msgs))
        CORRUPT(r, "field 'messages' must be an array");
    for (const cJSON *x = msgs ? msgs->child : NULL; x; x = x->next) {
        const cJSON *ro = cJSON_GetObjectItemCaseSensitive(x, "role");
        const cJSON *co = cJSON_GetObjectItemCaseSensitive(x, "content");
        if (!cJSON_IsObject(x) || !cJSON_IsString(ro) || !cJSON_IsString(co) ||
            (strcmp(ro->valuestring, "system") && strcmp(ro->valuestring, "user") &&
             strcmp(ro->valuestring, "assistant")) ||
            strlen(co->valuestring) > TEXT_MAX || e->n_messages >= 1024)
            CORRUPT(r, "field 'messages': each must be {\"role\": system|user|assistant, "
                       "\"content\": string}");
        llm_modelfile_message *a = realloc(e->messages, ((size_t)e->n_messages + 1) * sizeof *a);
        if (!a)
            return LLM_STORE_ERR_NOMEM;
        e->messages = a;
        a[e->n_messages].role = xstrdup(ro->valuestring);
        a[e->n_messages].content = xstrdup(co->valuestring);
        a[e->n_messages].line = 0;
        e->n_messages++;
        if (!a[e->n_messages - 1].role || !a[e->n_messages - 1].content)
            return LLM_STORE_ERR_NOMEM;
    }
    /* the parameters must pass the Modelfile's own checks */
    llm_modelfile scratch;
    memset(&scratch, 0, sizeof scratch);
    char perr[256];
    for (int i = 0; i < e->n_params; i++) {
        rc = llm_modelfile_param_add(&scratch, "parameters", 0, e->params[i].name,
                                     e->params[i].value, perr, sizeof perr);
        if (rc) {
            llm_modelfile_free(&scratch);
            if (rc == LLM_MF_ERR_NOMEM)
                return LLM_STORE_ERR_NOMEM;
            /* "parameters:0: unknown parameter 'x'" → drop the fake line number */
            const char *msg = strstr(perr, ":0: ");
            CORRUPT(r, "field 'parameters': %s", msg ? msg + 4 : perr);
        }
    }
    llm_modelfile_free(&scratch);
    compute_digest(e);
    return LLM_STORE_OK;
}

/* Reads and checks the manifest at `path`. LLM_STORE_ERR_NOTFOUND when there is no file
 * (the message is left to the caller). */
static int read_manifest(const llm_store *s, const char *path, const llm_store_name *expect,
                         llm_store_entry *e, cJSON **json_out, char *err, size_t errlen)
{
    memset(e, 0, sizeof *e);
    if (json_out)
        *json_out = NULL;
    rd r = {path, err, errlen};
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ENOENT)
            return LLM_STORE_ERR_NOTFOUND;
        so8t_err_set(err, errlen, "cannot read manifest %s: %s", path, strerror(errno));
        return LLM_STORE_ERR_IO;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        CORRUPT(&r, "not a regular file");
    }
    if ((uint64_t)st.st_size > LLM_STORE_MANIFEST_MAX) {
        close(fd);
        CORRUPT(&r, "%lld bytes is larger than a manifest can be (%u)", (long long)st.st_size,
                LLM_STORE_MANIFEST_MAX);
    }
    size_t cap = (size_t)st.st_size + 1, n = 0;
    char *buf = malloc(cap + 1);
    if (!buf) {
        close(fd);
        return LLM_STORE_ERR_NOMEM;
    }
    for (;;) { /* read to the end (the file may have changed size since fstat) */
        ssize_t k = read(fd, buf + n, cap - n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            int e2 = errno;
            close(fd);
            free(buf);
            so8t_err_set(err, errlen, "cannot read manifest %s: %s", path, strerror(e2));
            return LLM_STORE_ERR_IO;
        }
        if (k == 0)
            break;
        n += (size_t)k;
        if (n == cap) {
            close(fd);
            free(buf);
            CORRUPT(&r, "it grew while being read");
        }
    }
    close(fd);
    buf[n] = '\0';
    if (n == 0) {
        free(buf);
        CORRUPT(&r, "empty file");
    }
    if (memchr(buf, '\0', n)) {
        free(buf);
        CORRUPT(&r, "contains a NUL byte");
    }
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithOpts(buf, &end, 1);
    if (!j) {
        size_t at = end && end >= buf ? (size_t)(end - buf) : 0;
        free(buf);
        CORRUPT(&r, "not valid JSON (at byte %zu)", at);
    }
    free(buf);
    int rc = entry_from_json(s, &r, j, expect, e);
    if (rc) {
        cJSON_Delete(j);
        llm_store_entry_free(e);
        if (rc == LLM_STORE_ERR_NOMEM)
            so8t_err_set(err, errlen, "out of memory reading %s", path);
        return rc;
    }
    e->manifest_path = xstrdup(path);
    if (!e->manifest_path) {
        cJSON_Delete(j);
        llm_store_entry_free(e);
        return LLM_STORE_ERR_NOMEM;
    }
    if (json_out)
        *json_out = j;
    else
        cJSON_Delete(j);
    return LLM_STORE_OK;
}

static int get_locked(llm_store *s, const char *name, llm_store_entry *out, cJSON **json,
                      char *err, size_t errlen)
{
    llm_store_name nm;
    int rc = llm_store_name_parse(name, &nm, err, errlen);
    if (rc)
        return rc;
    char *path = manifest_path(s, &nm);
    if (!path)
        return LLM_STORE_ERR_NOMEM;
    rc = read_manifest(s, path, &nm, out, json, err, errlen);
    free(path);
    if (rc == LLM_STORE_ERR_NOTFOUND)
        so8t_err_set(err, errlen, "model '%s' not found", name);
    return rc;
}

int llm_store_get(llm_store *s, const char *name, llm_store_entry *out, char *err,
                  size_t errlen)
{
    if (!s || !out) {
        so8t_err_set(err, errlen, "llm_store_get: no store or output");
        return LLM_STORE_ERR_INVAL;
    }
    memset(out, 0, sizeof *out);
    return get_locked(s, name, out, NULL, err, errlen);
}

/* ---- listing ---- */

void llm_store_listing_free(llm_store_listing *l)
{
    if (!l)
        return;
    for (int i = 0; i < l->n; i++)
        llm_store_entry_free(&l->entries[i]);
    free(l->entries);
    for (int i = 0; i < l->n_problems; i++) {
        free(l->problems[i].file);
        free(l->problems[i].message);
    }
    free(l->problems);
    memset(l, 0, sizeof *l);
}

static int cmp_entries(const void *a, const void *b)
{
    const llm_store_entry *x = a, *y = b;
    if (x->created_unix != y->created_unix)
        return x->created_unix > y->created_unix ? -1 : 1;
    return strcmp(x->name, y->name);
}

static int cmp_problems(const void *a, const void *b)
{
    return strcmp(((const llm_store_problem *)a)->file, ((const llm_store_problem *)b)->file);
}

static int add_problem(llm_store_listing *l, const char *file, const char *msg)
{
    llm_store_problem *a = realloc(l->problems, ((size_t)l->n_problems + 1) * sizeof *a);
    if (!a)
        return LLM_STORE_ERR_NOMEM;
    l->problems = a;
    a[l->n_problems].file = xstrdup(file);
    a[l->n_problems].message = xstrdup(msg);
    l->n_problems++;
    return a[l->n_problems - 1].file && a[l->n_problems - 1].message ? LLM_STORE_OK
                                                                     : LLM_STORE_ERR_NOMEM;
}

int llm_store_list(llm_store *s, llm_store_listing *out, char *err, size_t errlen)
{
    if (!s || !out) {
        so8t_err_set(err, errlen, "llm_store_list: no store or output");
        return LLM_STORE_ERR_INVAL;
    }
    memset(out, 0, sizeof *out);
    char *mdir = xprintf("%s/manifests", s->dir);
    if (!mdir)
        return LLM_STORE_ERR_NOMEM;
    DIR *dp = opendir(mdir);
    if (!dp) {
        int e = errno;
        if (e == ENOENT) {
            free(mdir);
            return LLM_STORE_OK; /* an empty store */
        }
        so8t_err_set(err, errlen, "cannot read the model store %s: %s", mdir, strerror(e));
        free(mdir);
        return LLM_STORE_ERR_IO;
    }
    int rc = LLM_STORE_OK;
    struct dirent *de;
    while (rc == LLM_STORE_OK && (errno = 0, de = readdir(dp)) != NULL) {
        const char *fn = de->d_name;
        if (fn[0] == '.') /* ".", "..", temporary files */
            continue;
        char *path = xprintf("%s/%s", mdir, fn);
        if (!path) {
            rc = LLM_STORE_ERR_NOMEM;
            break;
        }
        size_t fl = strlen(fn);
        llm_store_name nm;
        char nerr[256], msg[1024];
        int named = fl > 5 && !strcmp(fn + fl - 5, ".json");
        if (named) {
            char base[512];
            snprintf(base, sizeof base, "%.*s", (int)(fl - 5), fn);
            named = fl - 5 < sizeof base && !llm_store_name_parse(base, &nm, nerr, sizeof nerr) &&
                    strchr(base, ':');
        }
        if (!named) {
            snprintf(msg, sizeof msg, "%s: not a manifest (expected MODEL:TAG.json); move it "
                                      "out of the store", path);
            rc = add_problem(out, path, msg);
            free(path);
            continue;
        }
        llm_store_entry e;
        char rerr[1024];
        int r = read_manifest(s, path, &nm, &e, NULL, rerr, sizeof rerr);
        if (r == LLM_STORE_OK) {
            llm_store_entry *a = realloc(out->entries, ((size_t)out->n + 1) * sizeof *a);
            if (!a) {
                llm_store_entry_free(&e);
                rc = LLM_STORE_ERR_NOMEM;
            } else {
                out->entries = a;
                a[out->n++] = e;
            }
        } else if (r == LLM_STORE_ERR_NOMEM) {
            rc = r;
        } else if (r != LLM_STORE_ERR_NOTFOUND) { /* NOTFOUND: removed meanwhile */
            rc = add_problem(out, path, rerr);
        }
        free(path);
    }
    if (rc == LLM_STORE_OK && errno != 0 && !de) {
        so8t_err_set(err, errlen, "cannot read the model store %s: %s", mdir, strerror(errno));
        rc = LLM_STORE_ERR_IO;
    }
    closedir(dp);
    free(mdir);
    if (rc) {
        if (rc == LLM_STORE_ERR_NOMEM)
            so8t_err_set(err, errlen, "out of memory listing the model store");
        llm_store_listing_free(out);
        return rc;
    }
    if (out->n > 1)
        qsort(out->entries, (size_t)out->n, sizeof *out->entries, cmp_entries);
    if (out->n_problems > 1)
        qsort(out->problems, (size_t)out->n_problems, sizeof *out->problems, cmp_problems);
    return LLM_STORE_OK;
}

/* ---- create ---- */

static const char *file_type_name(uint64_t ft)
{
    static const char *names[] = {
        [0] = "F32", [1] = "F16", [2] = "Q4_0", [3] = "Q4_1", [7] = "Q8_0", [8] = "Q5_0",
        [9] = "Q5_1", [10] = "Q2_K", [11] = "Q3_K_S", [12] = "Q3_K_M", [13] = "Q3_K_L",
        [14] = "Q4_K_S", [15] = "Q4_K_M", [16] = "Q5_K_S", [17] = "Q5_K_M", [18] = "Q6_K",
        [32] = "BF16"};
    return ft < sizeof names / sizeof names[0] ? names[ft] : NULL;
}

static void human_number(uint64_t b, char *buf, size_t len)
{
    if (b >= 1000000000ull) {
        double v = (double)b / 1e9;
        snprintf(buf, len, v == floor(v) ? "%.0fB" : "%.1fB", v);
    } else if (b >= 1000000ull) {
        double v = (double)b / 1e6;
        snprintf(buf, len, v == floor(v) ? "%.0fM" : "%.2fM", v);
    } else if (b >= 1000ull) {
        snprintf(buf, len, "%.0fK", (double)b / 1e3);
    } else {
        snprintf(buf, len, "%llu", (unsigned long long)b);
    }
}

void llm_store_human_size(uint64_t b, char *buf, size_t len)
{
    static const char *units[] = {"TB", "GB", "MB", "KB"};
    static const double scale[] = {1e12, 1e9, 1e6, 1e3};
    for (int i = 0; i < 4; i++)
        if ((double)b >= scale[i]) {
            double v = (double)b / scale[i];
            if (v >= 10 || v == floor(v))
                snprintf(buf, len, "%d %s", (int)v, units[i]);
            else
                snprintf(buf, len, "%.1f %s", v, units[i]);
            return;
        }
    snprintf(buf, len, "%llu B", (unsigned long long)b);
}

/* The details object of a loaded model. */
static cJSON *details_json(const llm_model *m)
{
    const llm_gguf *g = llm_model_gguf(m);
    cJSON *d = cJSON_CreateObject();
    if (!d)
        return NULL;
    const char *arch = llm_model_arch(m);
    cJSON_AddStringToObject(d, "format", "gguf");
    cJSON_AddStringToObject(d, "family", arch ? arch : "");
    uint64_t count = 0;
    int64_t nt = llm_gguf_n_tensors(g);
    int type_count[LLM_TYPE_COUNT] = {0};
    for (int64_t i = 0; i < nt; i++) {
        llm_gguf_tensor_info ti;
        if (llm_gguf_tensor(g, i, &ti))
            continue;
        uint64_t ne = 1;
        for (int k = 0; k < ti.n_dims; k++)
            ne *= (uint64_t)ti.ne[k];
        count += ne;
        if (ti.n_dims >= 2 && ti.type >= 0 && ti.type < LLM_TYPE_COUNT)
            type_count[ti.type]++;
    }
    char buf[64];
    human_number(count, buf, sizeof buf);
    cJSON_AddStringToObject(d, "parameter_size", buf);
    uint64_t ft = 0;
    const char *q = NULL;
    if (!llm_gguf_get_uint(g, "general.file_type", &ft, NULL, 0))
        q = file_type_name(ft);
    if (!q) {
        int best = 0;
        for (int t = 1; t < LLM_TYPE_COUNT; t++)
            if (type_count[t] > type_count[best])
                best = t;
        q = llm_type_name(best);
    }
    cJSON_AddStringToObject(d, "quantization_level", q);
    cJSON_AddNumberToObject(d, "parameter_count", (double)count);
    char key[300];
    uint64_t v = 0;
    snprintf(key, sizeof key, "%s.context_length", arch ? arch : "");
    if (!llm_gguf_get_uint(g, key, &v, NULL, 0))
        cJSON_AddNumberToObject(d, "context_length", (double)v);
    snprintf(key, sizeof key, "%s.embedding_length", arch ? arch : "");
    if (!llm_gguf_get_uint(g, key, &v, NULL, 0))
        cJSON_AddNumberToObject(d, "embedding_length", (double)v);
    return d;
}

/* Details of an existing entry (FROM a store model). */
static cJSON *details_from_entry(const llm_store_entry *b)
{
    cJSON *d = cJSON_CreateObject();
    if (!d)
        return NULL;
    cJSON_AddStringToObject(d, "format", "gguf");
    cJSON_AddStringToObject(d, "family", b->family ? b->family : "");
    cJSON_AddStringToObject(d, "parameter_size", b->parameter_size ? b->parameter_size : "");
    cJSON_AddStringToObject(d, "quantization_level", b->quantization ? b->quantization : "");
    cJSON_AddNumberToObject(d, "parameter_count", (double)b->parameter_count);
    cJSON_AddNumberToObject(d, "context_length", (double)b->context_length);
    cJSON_AddNumberToObject(d, "embedding_length", (double)b->embedding_length);
    return d;
}

/* Adds one typed parameter to the parameters object ("stop" accumulates in an array; any
 * other name: the last value wins). */
static void param_to_json(cJSON *obj, const llm_modelfile_param *p)
{
    cJSON *v = NULL;
    switch (p->type) {
    case LLM_MF_INT:
        if (p->i > 9007199254740992LL || p->i < -9007199254740992LL) {
            char t[32];
            snprintf(t, sizeof t, "%lld", (long long)p->i);
            v = cJSON_CreateString(t);
        } else {
            v = cJSON_CreateNumber((double)p->i);
        }
        break;
    case LLM_MF_FLOAT: v = cJSON_CreateNumber(p->f); break;
    case LLM_MF_BOOL: v = cJSON_CreateBool(p->b); break;
    case LLM_MF_STRING: {
        cJSON *arr = cJSON_GetObjectItemCaseSensitive(obj, p->name);
        if (!arr)
            arr = cJSON_AddArrayToObject(obj, p->name);
        if (arr)
            cJSON_AddItemToArray(arr, cJSON_CreateString(p->s));
        return;
    }
    }
    if (!v)
        return;
    if (cJSON_GetObjectItemCaseSensitive(obj, p->name))
        cJSON_ReplaceItemInObjectCaseSensitive(obj, p->name, v);
    else
        cJSON_AddItemToObject(obj, p->name, v);
}

/* Copies `src` into blobs/sha256-HEX, hashing on the way. */
static int copy_blob(llm_store *s, const char *src, char hex[65], uint64_t *size, char *err,
                     size_t errlen)
{
    char *bdir = xprintf("%s/blobs", s->dir);
    if (!bdir)
        return LLM_STORE_ERR_NOMEM;
    int rc = make_dirs(bdir, err, errlen);
    if (rc) {
        free(bdir);
        return rc;
    }
    char *tmp = xprintf("%s/.blob.XXXXXX", bdir);
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
        if (write_all(out, buf, (size_t)k) != 0) {
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
        char *target = xprintf("%s/sha256-%s", bdir, hex);
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
            fsync_dir(bdir);
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

int llm_store_create(llm_store *s, const char *name, const llm_modelfile *mf, int copy,
                     llm_store_entry *out, char *err, size_t errlen)
{
    if (out)
        memset(out, 0, sizeof *out);
    if (!s || !mf || !mf->model_path || !mf->from) {
        so8t_err_set(err, errlen, "llm_store_create: no store or no Modelfile with FROM");
        return LLM_STORE_ERR_INVAL;
    }
    llm_store_name nm;
    int rc = llm_store_name_parse(name, &nm, err, errlen);
    if (rc)
        return rc;
    char full[2 * LLM_STORE_PART_MAX + 2];
    llm_store_name_format(&nm, full, sizeof full);
    char *mpath = manifest_path(s, &nm);
    if (!mpath)
        return LLM_STORE_ERR_NOMEM;

    pthread_mutex_lock(&s->lock);
    llm_store_entry base, old;
    memset(&base, 0, sizeof base);
    llm_modelfile base_mf;
    memset(&base_mf, 0, sizeof base_mf);
    cJSON *root = NULL, *details = NULL;
    char *gguf_abs = NULL, *created = NULL, *text = NULL;
    char sha[65] = "";
    uint64_t size = 0;
    int copied = 0;

    /* never replace a manifest that cannot be read: someone should look at it first */
    rc = read_manifest(s, mpath, &nm, &old, NULL, err, errlen);
    if (rc == LLM_STORE_OK)
        llm_store_entry_free(&old);
    else if (rc != LLM_STORE_ERR_NOTFOUND)
        goto done;

    struct stat st;
    char ex[64];
    excerpt(mf->from, ex, sizeof ex);
    if (stat(mf->model_path, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            so8t_err_set(err, errlen, "FROM %s: %s is a folder, not a GGUF file", ex, mf->model_path);
            rc = LLM_STORE_ERR_MODEL;
            goto done;
        }
        if (!S_ISREG(st.st_mode)) {
            so8t_err_set(err, errlen, "FROM %s: %s is not a regular file", ex, mf->model_path);
            rc = LLM_STORE_ERR_MODEL;
            goto done;
        }
        gguf_abs = realpath(mf->model_path, NULL);
        if (!gguf_abs) {
            so8t_err_set(err, errlen, "FROM %s: %s: %s", ex, mf->model_path, strerror(errno));
            rc = LLM_STORE_ERR_MODEL;
            goto done;
        }
        /* loadable now, not at first use: architecture, hyperparameters, tensors, types */
        llm_model *m = NULL;
        char lerr[768];
        if (llm_model_load(gguf_abs, 64, &m, lerr, sizeof lerr) != LLM_OK) {
            so8t_err_set(err, errlen, "FROM %s: not a usable model: %s", ex, lerr);
            rc = LLM_STORE_ERR_MODEL;
            goto done;
        }
        details = details_json(m);
        llm_model_free(m);
        if (!details) {
            rc = LLM_STORE_ERR_NOMEM;
            goto done;
        }
        if (copy) {
            rc = copy_blob(s, gguf_abs, sha, &size, err, errlen);
            copied = 1;
        } else {
            rc = llm_sha256_file(gguf_abs, sha, &size, err, errlen);
        }
        if (rc)
            goto done;
    } else {
        int e = errno;
        llm_store_name bn;
        char berr[512];
        int isname = e == ENOENT && !llm_store_name_parse(mf->from, &bn, NULL, 0);
        int brc = isname ? get_locked(s, mf->from, &base, NULL, berr, sizeof berr)
                         : LLM_STORE_ERR_NOTFOUND;
        if (brc == LLM_STORE_ERR_NOTFOUND) {
            if (isname)
                so8t_err_set(err, errlen, "FROM %s: no such file (%s) and no model '%s' in the store",
                        ex, mf->model_path, ex);
            else
                so8t_err_set(err, errlen, "FROM %s: %s: %s", ex, mf->model_path, strerror(e));
            rc = LLM_STORE_ERR_MODEL;
            goto done;
        }
        if (brc) {
            so8t_err_set(err, errlen, "FROM %s: %s", ex, berr);
            rc = brc;
            goto done;
        }
        rc = llm_store_entry_to_modelfile(&base, &base_mf, berr, sizeof berr);
        if (rc) {
            so8t_err_set(err, errlen, "FROM %s: %s", ex, berr);
            goto done;
        }
        gguf_abs = xstrdup(base.gguf_path);
        memcpy(sha, base.sha256, sizeof sha);
        size = base.size;
        copied = base.copied;
        details = details_from_entry(&base);
        if (!gguf_abs || !details) {
            rc = LLM_STORE_ERR_NOMEM;
            goto done;
        }
    }

    /* the manifest */
    root = cJSON_CreateObject();
    created = now_rfc3339();
    if (!root || !created) {
        rc = LLM_STORE_ERR_NOMEM;
        goto done;
    }
    cJSON_AddNumberToObject(root, "version", STORE_VERSION);
    cJSON_AddStringToObject(root, "name", full);
    cJSON *g = cJSON_AddObjectToObject(root, "gguf");
    if (g) {
        if (copied) {
            char blob[80];
            snprintf(blob, sizeof blob, "sha256-%s", sha);
            cJSON_AddStringToObject(g, "blob", blob);
        } else {
            cJSON_AddStringToObject(g, "path", gguf_abs);
        }
        cJSON_AddStringToObject(g, "sha256", sha);
        cJSON_AddNumberToObject(g, "size", (double)size);
    }
    cJSON_AddStringToObject(root, "from", mf->from);
    cJSON_AddItemToObject(root, "details", details);
    details = NULL;
    cJSON *params = cJSON_AddObjectToObject(root, "parameters");
    int new_stop = 0;
    for (int i = 0; i < mf->n_params; i++)
        new_stop |= !strcmp(mf->params[i].name, "stop");
    for (int i = 0; params && i < base_mf.n_params; i++) { /* inherited, unless overridden */
        const llm_modelfile_param *bp = &base_mf.params[i];
        int over = !strcmp(bp->name, "stop") ? new_stop
                                             : llm_modelfile_param_find(mf, bp->name) != NULL;
        if (!over)
            param_to_json(params, bp);
    }
    for (int i = 0; params && i < mf->n_params; i++)
        param_to_json(params, &mf->params[i]);
    const char *tmpl = mf->template_text ? mf->template_text : base.template_text;
    const char *sys = mf->system ? mf->system : base.system;
    if (tmpl)
        cJSON_AddStringToObject(root, "template", tmpl);
    if (sys)
        cJSON_AddStringToObject(root, "system", sys);
    int nl = mf->n_licenses ? mf->n_licenses : base.n_licenses;
    char **lic = mf->n_licenses ? mf->licenses : base.licenses;
    if (nl) {
        cJSON *a = cJSON_AddArrayToObject(root, "license");
        for (int i = 0; a && i < nl; i++)
            cJSON_AddItemToArray(a, cJSON_CreateString(lic[i]));
    }
    int nmsg = mf->n_messages ? mf->n_messages : base.n_messages;
    llm_modelfile_message *msg = mf->n_messages ? mf->messages : base.messages;
    if (nmsg) {
        cJSON *a = cJSON_AddArrayToObject(root, "messages");
        for (int i = 0; a && i < nmsg; i++) {
            cJSON *o = cJSON_CreateObject();
            if (o) {
                cJSON_AddStringToObject(o, "role", msg[i].role);
                cJSON_AddStringToObject(o, "content", msg[i].content);
                cJSON_AddItemToArray(a, o);
            }
        }
    }
    cJSON_AddStringToObject(root, "created_at", created);
    text = cJSON_Print(root);
    if (!text) {
        rc = LLM_STORE_ERR_NOMEM;
        goto done;
    }
    {
        char *mdir = xprintf("%s/manifests", s->dir);
        if (!mdir) {
            rc = LLM_STORE_ERR_NOMEM;
            goto done;
        }
        rc = make_dirs(mdir, err, errlen);
        if (!rc) {
            size_t tl = strlen(text);
            text[tl] = '\n'; /* a final newline; the NUL is not written */
            rc = write_atomic(mdir, mpath, text, tl + 1, err, errlen);
        }
        free(mdir);
    }
    if (!rc && out) {
        rc = read_manifest(s, mpath, &nm, out, NULL, err, errlen);
        if (rc == LLM_STORE_ERR_NOTFOUND)
            so8t_err_set(err, errlen, "%s vanished right after it was written", mpath);
    }
done:
    if (rc == LLM_STORE_ERR_NOMEM)
        so8t_err_set(err, errlen, "out of memory");
    pthread_mutex_unlock(&s->lock);
    cJSON_Delete(root);
    cJSON_Delete(details);
    free(text);
    free(created);
    free(gguf_abs);
    llm_store_entry_free(&base);
    llm_modelfile_free(&base_mf);
    free(mpath);
    return rc;
}

/* ---- delete, copy ---- */

int llm_store_delete(llm_store *s, const char *name, char *err, size_t errlen)
{
    if (!s) {
        so8t_err_set(err, errlen, "llm_store_delete: no store");
        return LLM_STORE_ERR_INVAL;
    }
    llm_store_name nm;
    int rc = llm_store_name_parse(name, &nm, err, errlen);
    if (rc)
        return rc;
    char *mpath = manifest_path(s, &nm);
    char *mdir = xprintf("%s/manifests", s->dir);
    if (!mpath || !mdir) {
        free(mpath);
        free(mdir);
        return LLM_STORE_ERR_NOMEM;
    }
    pthread_mutex_lock(&s->lock);
    llm_store_entry e;
    char rerr[512];
    int r = read_manifest(s, mpath, &nm, &e, NULL, rerr, sizeof rerr);
    if (r == LLM_STORE_ERR_NOTFOUND) {
        so8t_err_set(err, errlen, "model '%s' not found", name);
        rc = r;
        goto out;
    }
    if (unlink(mpath) != 0) {
        so8t_err_set(err, errlen, "cannot remove %s: %s", mpath, strerror(errno));
        rc = LLM_STORE_ERR_IO;
        if (r == LLM_STORE_OK)
            llm_store_entry_free(&e);
        goto out;
    }
    fsync_dir(mdir);
    if (r == LLM_STORE_OK && e.copied) {
        /* the blob goes when no other manifest uses it (and none is unreadable: it might) */
        llm_store_listing l;
        if (llm_store_list(s, &l, NULL, 0) == LLM_STORE_OK) {
            int used = l.n_problems > 0;
            for (int i = 0; i < l.n; i++)
                used |= l.entries[i].copied && !strcmp(l.entries[i].sha256, e.sha256);
            if (!used)
                unlink(e.gguf_path);
            llm_store_listing_free(&l);
        }
    }
    if (r == LLM_STORE_OK)
        llm_store_entry_free(&e);
out:
    pthread_mutex_unlock(&s->lock);
    free(mpath);
    free(mdir);
    return rc;
}

int llm_store_copy(llm_store *s, const char *src, const char *dst, char *err, size_t errlen)
{
    if (!s) {
        so8t_err_set(err, errlen, "llm_store_copy: no store");
        return LLM_STORE_ERR_INVAL;
    }
    llm_store_name dn;
    int rc = llm_store_name_parse(dst, &dn, err, errlen);
    if (rc)
        return rc;
    llm_store_name sn;
    if ((rc = llm_store_name_parse(src, &sn, err, errlen)))
        return rc;
    char *dpath = manifest_path(s, &dn);
    char *mdir = xprintf("%s/manifests", s->dir);
    char *created = now_rfc3339();
    char *text = NULL;
    cJSON *j = NULL;
    if (!dpath || !mdir || !created) {
        rc = LLM_STORE_ERR_NOMEM;
        goto free_all;
    }
    pthread_mutex_lock(&s->lock);
    llm_store_entry e;
    rc = get_locked(s, src, &e, &j, err, errlen);
    if (rc)
        goto out;
    llm_store_entry_free(&e);
    llm_store_entry old;
    rc = read_manifest(s, dpath, &dn, &old, NULL, err, errlen);
    if (rc == LLM_STORE_OK)
        llm_store_entry_free(&old);
    else if (rc != LLM_STORE_ERR_NOTFOUND)
        goto out; /* a corrupt destination is not overwritten */
    char full[2 * LLM_STORE_PART_MAX + 2];
    llm_store_name_format(&dn, full, sizeof full);
    cJSON_ReplaceItemInObjectCaseSensitive(j, "name", cJSON_CreateString(full));
    cJSON_ReplaceItemInObjectCaseSensitive(j, "created_at", cJSON_CreateString(created));
    text = cJSON_Print(j);
    if (!text) {
        rc = LLM_STORE_ERR_NOMEM;
        goto out;
    }
    size_t tl = strlen(text);
    text[tl] = '\n';
    rc = write_atomic(mdir, dpath, text, tl + 1, err, errlen);
out:
    pthread_mutex_unlock(&s->lock);
free_all:
    if (rc == LLM_STORE_ERR_NOMEM)
        so8t_err_set(err, errlen, "out of memory");
    cJSON_Delete(j);
    free(text);
    free(created);
    free(dpath);
    free(mdir);
    return rc;
}

/* ---- views ---- */

static int is_quoted_param(const char *name) { return !strcmp(name, "stop"); }

char *llm_store_entry_parameters_text(const llm_store_entry *e)
{
    llm_strbuf b = {0};
    llm_strbuf_put(&b, "", 0);
    for (int i = 0; e && i < e->n_params; i++) {
        const llm_store_param *p = &e->params[i];
        if (is_quoted_param(p->name)) {
            llm_strbuf_add(&b, "%-30s \"", p->name);
            for (const char *c = p->value; *c; c++) {
                if (*c == '"' || *c == '\\')
                    llm_strbuf_add(&b, "\\%c", *c);
                else if (*c == '\n')
                    llm_strbuf_add(&b, "\\n");
                else
                    llm_strbuf_put(&b, c, 1);
            }
            llm_strbuf_add(&b, "\"\n");
        } else {
            llm_strbuf_add(&b, "%-30s %s\n", p->name, p->value);
        }
    }
    return llm_strbuf_take(&b);
}

/* A Modelfile value that llm/modelfile/modelfile.c reads back as `s` (it has no escapes): bare when
 * it is one line without outer blanks; else """triple-quoted""" when it holds no """ and
 * does not end in a quote; else "quoted" when no quote in it ends a line (the parser ends a
 * quoted value at a quote followed by the line end); else it cannot be written. */
static void mf_value(llm_strbuf *b, const char *kw, const char *s)
{
    size_t n = strlen(s);
    int multi = strpbrk(s, "\r\n") != NULL;
    int bare = n > 0 && !multi && !strchr(" \t\"", s[0]) && !strchr(" \t", s[n - 1]);
    int tq = !strstr(s, "\"\"\"") && (n == 0 || s[n - 1] != '"');
    int dq = strncmp(s, "\"\"", 2) != 0;
    for (const char *q = strchr(s, '"'); dq && q; q = strchr(q + 1, '"')) {
        const char *r = q + 1;
        while (*r == ' ' || *r == '\t')
            r++;
        if (*r == '\n' || *r == '\r')
            dq = 0;
    }
    if (bare)
        llm_strbuf_add(b, "%s %s\n", kw, s);
    else if (tq)
        llm_strbuf_add(b, "%s \"\"\"%s\"\"\"\n", kw, s);
    else if (dq)
        llm_strbuf_add(b, "%s \"%s\"\n", kw, s);
    else
        llm_strbuf_add(b, "# %s: this text cannot be written in a Modelfile (quotes)\n", kw);
}

char *llm_store_entry_modelfile_text(const llm_store_entry *e)
{
    if (!e)
        return NULL;
    llm_strbuf b = {0};
    llm_strbuf_add(&b, "# Modelfile generated by \"so8t show\"\n");
    llm_strbuf_add(&b, "# To build a new Modelfile based on this one, replace FROM with:\n");
    llm_strbuf_add(&b, "# FROM %s\n\n", e->name);
    mf_value(&b, "FROM", e->gguf_path);
    if (e->template_text)
        mf_value(&b, "TEMPLATE", e->template_text);
    if (e->system)
        mf_value(&b, "SYSTEM", e->system);
    for (int i = 0; i < e->n_params; i++) {
        char kw[128];
        snprintf(kw, sizeof kw, "PARAMETER %s", e->params[i].name);
        mf_value(&b, kw, e->params[i].value);
    }
    for (int i = 0; i < e->n_messages; i++) {
        char kw[64];
        snprintf(kw, sizeof kw, "MESSAGE %s", e->messages[i].role);
        mf_value(&b, kw, e->messages[i].content);
    }
    for (int i = 0; i < e->n_licenses; i++)
        mf_value(&b, "LICENSE", e->licenses[i]);
    return llm_strbuf_take(&b);
}

int llm_store_entry_to_modelfile(const llm_store_entry *e, llm_modelfile *mf, char *err,
                                 size_t errlen)
{
    if (!mf || !e || !e->gguf_path) {
        so8t_err_set(err, errlen, "llm_store_entry_to_modelfile: no entry");
        return LLM_STORE_ERR_INVAL;
    }
    memset(mf, 0, sizeof *mf);
    struct stat st;
    if (stat(e->gguf_path, &st) != 0) {
        so8t_err_set(err, errlen,
                "model '%s': its GGUF %s is gone (%s) since 'so8t create'; create the model "
                "again", e->name, e->gguf_path, strerror(errno));
        return LLM_STORE_ERR_MODEL;
    }
    if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size != e->size) {
        so8t_err_set(err, errlen,
                "model '%s': its GGUF %s has changed since 'so8t create' (%lld bytes, "
                "recorded %llu); create the model again", e->name, e->gguf_path,
                (long long)st.st_size, (unsigned long long)e->size);
        return LLM_STORE_ERR_MODEL;
    }
    const char *src = e->manifest_path ? e->manifest_path : e->name;
    int rc = LLM_STORE_OK;
    mf->from = xstrdup(e->name);
    mf->model_path = xstrdup(e->gguf_path);
    if (!mf->from || !mf->model_path)
        goto nomem;
    if (e->system && !(mf->system = xstrdup(e->system)))
        goto nomem;
    if (e->template_text && !(mf->template_text = xstrdup(e->template_text)))
        goto nomem;
    for (int i = 0; i < e->n_params; i++) {
        char perr[512];
        int r = llm_modelfile_param_add(mf, src, 0, e->params[i].name, e->params[i].value, perr,
                                        sizeof perr);
        if (r == LLM_MF_ERR_NOMEM)
            goto nomem;
        if (r) {
            so8t_err_set(err, errlen, "%s", perr);
            rc = LLM_STORE_ERR_CORRUPT;
            goto fail;
        }
    }
    for (int i = 0; i < mf->n_warnings; i++) /* create said so already */
        free(mf->warnings[i]);
    free(mf->warnings);
    mf->warnings = NULL;
    mf->n_warnings = 0;
    if (e->n_licenses) {
        mf->licenses = calloc((size_t)e->n_licenses, sizeof *mf->licenses);
        if (!mf->licenses)
            goto nomem;
        for (; mf->n_licenses < e->n_licenses; mf->n_licenses++)
            if (!(mf->licenses[mf->n_licenses] = xstrdup(e->licenses[mf->n_licenses])))
                goto nomem;
    }
    if (e->n_messages) {
        mf->messages = calloc((size_t)e->n_messages, sizeof *mf->messages);
        if (!mf->messages)
            goto nomem;
        for (; mf->n_messages < e->n_messages; mf->n_messages++) {
            llm_modelfile_message *m = &mf->messages[mf->n_messages];
            m->role = xstrdup(e->messages[mf->n_messages].role);
            m->content = xstrdup(e->messages[mf->n_messages].content);
            if (!m->role || !m->content) {
                mf->n_messages++;
                goto nomem;
            }
        }
    }
    return LLM_STORE_OK;
nomem:
    so8t_err_set(err, errlen, "out of memory");
    rc = LLM_STORE_ERR_NOMEM;
fail:
    llm_modelfile_free(mf);
    return rc;
}
