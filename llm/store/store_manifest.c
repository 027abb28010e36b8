/* store_manifest.c — reading a manifest: every field of hostile JSON checked, corrupt files named (see store.h for the layout and the manifest format). */
#include "llm/store/store_internal.h"
#include "base/err.h"

#include "base/strbuf.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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

char *store_now_rfc3339(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    return store_printf("%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
                   tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000);
}

/* A JSON number as parameter text: integers exactly, others with round-trip digits. */
static char *number_text(double v)
{
    if (v == floor(v) && fabs(v) <= 9007199254740992.0)
        return store_printf("%.0f", v);
    return store_printf("%.17g", v);
}

static int push_param(llm_store_entry *e, const char *name, char *value)
{
    if (!value)
        return LLM_STORE_ERR_NOMEM;
    llm_store_param *a = realloc(e->params, ((size_t)e->n_params + 1) * sizeof *a);
    char *n = so8t_strdup(name);
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
    *out = so8t_strdup(x->valuestring);
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
    so8t_strbuf b = {0};
    so8t_strbuf_add(&b, "gguf %s\n", e->sha256);
    for (int i = 0; i < e->n_params; i++)
        so8t_strbuf_add(&b, "param %zu:%s %zu:%s\n", strlen(e->params[i].name),
                       e->params[i].name, strlen(e->params[i].value), e->params[i].value);
    const char *t[2] = {e->template_text, e->system};
    for (int i = 0; i < 2; i++)
        so8t_strbuf_add(&b, "%s %zu:%s\n", i ? "system" : "template", t[i] ? strlen(t[i]) : 0,
                       t[i] ? t[i] : "");
    for (int i = 0; i < e->n_messages; i++)
        so8t_strbuf_add(&b, "message %s %zu:%s\n", e->messages[i].role,
                       strlen(e->messages[i].content), e->messages[i].content);
    for (int i = 0; i < e->n_licenses; i++)
        so8t_strbuf_add(&b, "license %zu:%s\n", strlen(e->licenses[i]), e->licenses[i]);
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
    e->name = store_printf("%s:%s", nm.model, nm.tag);
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
        e->gguf_path = store_printf("%s/blobs/sha256-%s", s->dir, e->sha256);
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
        store_excerpt(k, kx, sizeof kx);
        if (cJSON_IsArray(x)) {
            int m = 0;
            for (const cJSON *y = x->child; y; y = y->next) {
                if (!cJSON_IsString(y) || strlen(y->valuestring) > 4096 || ++m > 64)
                    CORRUPT(r, "parameter '%s': an array holds at most 64 strings of at most "
                               "4096 bytes", kx);
                if ((rc = push_param(e, k, so8t_strdup(y->valuestring))))
                    return rc;
            }
        } else if (cJSON_IsString(x)) {
            if (strlen(x->valuestring) > 4096)
                CORRUPT(r, "parameter '%s' is longer than 4096 bytes", kx);
            if ((rc = push_param(e, k, so8t_strdup(x->valuestring))))
                return rc;
        } else if (cJSON_IsBool(x)) {
            if ((rc = push_param(e, k, so8t_strdup(cJSON_IsTrue(x) ? "true" : "false"))))
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
        if (!(a[e->n_licenses] = so8t_strdup(x->valuestring)))
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
        a[e->n_messages].role = so8t_strdup(ro->valuestring);
        a[e->n_messages].content = so8t_strdup(co->valuestring);
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
int store_manifest_read(const llm_store *s, const char *path, const llm_store_name *expect,
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
    e->manifest_path = so8t_strdup(path);
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

int store_get_locked(llm_store *s, const char *name, llm_store_entry *out, cJSON **json,
                      char *err, size_t errlen)
{
    llm_store_name nm;
    int rc = llm_store_name_parse(name, &nm, err, errlen);
    if (rc)
        return rc;
    char *path = store_manifest_path(s, &nm);
    if (!path)
        return LLM_STORE_ERR_NOMEM;
    rc = store_manifest_read(s, path, &nm, out, json, err, errlen);
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
    return store_get_locked(s, name, out, NULL, err, errlen);
}
