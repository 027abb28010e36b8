/* store_name.c — the store handle, model names and the helpers every store file uses (see store.h for the layout and the manifest format). */
#include "llm/store/store_internal.h"
#include "base/err.h"

#include "base/strbuf.h"

#include <ctype.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

char *store_printf(const char *fmt, ...)
{
    so8t_strbuf b = {0};
    va_list ap;
    va_start(ap, fmt);
    so8t_strbuf_vadd(&b, fmt, ap);
    va_end(ap);
    return so8t_strbuf_take(&b);
}

/* A printable excerpt of hostile text for messages: control bytes become '?', at most 40
 * bytes, then "...". */
void store_excerpt(const char *s, char *buf, size_t cap)
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
    store_excerpt(text, ex, sizeof ex);
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
    store_excerpt(text, ex, sizeof ex);
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
char *store_manifest_path(const llm_store *s, const llm_store_name *n)
{
    char low[2 * LLM_STORE_PART_MAX + 2];
    llm_store_name_format(n, low, sizeof low);
    for (char *p = low; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return store_printf("%s/manifests/%s.json", s->dir, low);
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
    if (!s || !(s->dir = so8t_strdup(dir))) {
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
