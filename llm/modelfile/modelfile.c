/* modelfile.c — Ollama-compatible Modelfile parser (see modelfile.h for the accepted
 * format; PARAMETER values: mf_params.c; the TEMPLATE subset: mf_template.c) and the
 * conversation of SYSTEM and MESSAGE lines. The lexical rules follow Ollama's
 * parser/parser.go: instruction names are letters only and case-insensitive, parameter names are
 * [A-Za-z0-9_]+ and matched exactly, values are the trimmed rest of the line unless they
 * start with a quote. Every error names the source and line. */
#include "llm/modelfile/modelfile.h"
#include "llm/modelfile/mf_internal.h"
#include "base/err.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define MF_MAX_BYTES (1u << 20)

const char *llm_modelfile_strerror(int status)
{
    switch (status) {
    case LLM_MF_OK: return "ok";
    case LLM_MF_ERR_SYNTAX: return "malformed Modelfile";
    case LLM_MF_ERR_PARAM: return "bad parameter";
    case LLM_MF_ERR_UNSUPPORTED: return "not supported";
    case LLM_MF_ERR_IO: return "cannot read file";
    case LLM_MF_ERR_NOMEM: return "out of memory";
    default: return "unknown error";
    }
}


void llm_modelfile_free(llm_modelfile *mf)
{
    if (!mf)
        return;
    free(mf->from);
    free(mf->model_path);
    free(mf->system);
    free(mf->template_text);
    for (int i = 0; i < mf->n_licenses; i++)
        free(mf->licenses[i]);
    free(mf->licenses);
    for (int i = 0; i < mf->n_messages; i++) {
        free(mf->messages[i].role);
        free(mf->messages[i].content);
    }
    free(mf->messages);
    for (int i = 0; i < mf->n_params; i++)
        free(mf->params[i].s);
    free(mf->params);
    for (int i = 0; i < mf->n_warnings; i++)
        free(mf->warnings[i]);
    free(mf->warnings);
    free(mf->stop_list);
    memset(mf, 0, sizeof *mf);
}

const llm_modelfile_param *llm_modelfile_param_find(const llm_modelfile *mf, const char *name)
{
    if (!mf || !name)
        return NULL;
    for (int i = mf->n_params - 1; i >= 0; i--)
        if (!strcmp(mf->params[i].name, name))
            return &mf->params[i];
    return NULL;
}


/* ---- the lexer ---- */

typedef struct {
    const char *s;
    size_t n, i;
    int line;
} lexer;

static int at_end(const lexer *lx) { return lx->i >= lx->n; }
static int is_sp(char c) { return c == ' ' || c == '\t'; }
static int is_nl(char c) { return c == '\n' || c == '\r'; }

/* Advances over one newline (\n, \r\n or \r) and counts it. */
static void eat_newline(lexer *lx)
{
    if (lx->s[lx->i] == '\r' && lx->i + 1 < lx->n && lx->s[lx->i + 1] == '\n')
        lx->i++;
    lx->i++;
    lx->line++;
}

/* Reads a value starting at the current position (after the instruction name and its
 * blank). On success *out is malloc'd. */
static int read_value(lexer *lx, const char *src, const char *what, char **out, char *err,
                      size_t errlen)
{
    int start_line = lx->line;
    while (!at_end(lx) && is_sp(lx->s[lx->i]))
        lx->i++;
    if (lx->n - lx->i >= 3 && !memcmp(lx->s + lx->i, "\"\"\"", 3)) {
        lx->i += 3;
        size_t b = lx->i;
        for (;;) {
            if (at_end(lx)) {
                so8t_err_set(err, errlen, "%s:%d: %s: unterminated \"\"\" (no closing \"\"\")", src,
                        start_line, what);
                return LLM_MF_ERR_SYNTAX;
            }
            if (lx->n - lx->i >= 3 && !memcmp(lx->s + lx->i, "\"\"\"", 3))
                break;
            if (is_nl(lx->s[lx->i]))
                eat_newline(lx);
            else
                lx->i++;
        }
        size_t e = lx->i;
        lx->i += 3;
        /* Ollama stops a value only at a closing quote followed by the end of the line. */
        while (!at_end(lx) && is_sp(lx->s[lx->i]))
            lx->i++;
        if (!at_end(lx) && !is_nl(lx->s[lx->i])) {
            so8t_err_set(err, errlen, "%s:%d: %s: text after the closing \"\"\"", src, lx->line, what);
            return LLM_MF_ERR_SYNTAX;
        }
        *out = llm_mf_dup_n(lx->s + b, e - b);
        return *out ? LLM_MF_OK : LLM_MF_ERR_NOMEM;
    }
    if (!at_end(lx) && lx->s[lx->i] == '"') {
        /* "quoted": ends at a quote that is followed only by blanks up to the line end;
         * may span lines, like Ollama's. */
        lx->i++;
        size_t b = lx->i;
        for (;;) {
            if (at_end(lx)) {
                so8t_err_set(err, errlen, "%s:%d: %s: unterminated \" (no closing quote at a line end)",
                        src, start_line, what);
                return LLM_MF_ERR_SYNTAX;
            }
            char c = lx->s[lx->i];
            if (c == '"') {
                size_t j = lx->i + 1;
                while (j < lx->n && is_sp(lx->s[j]))
                    j++;
                if (j >= lx->n || is_nl(lx->s[j])) {
                    *out = llm_mf_dup_n(lx->s + b, lx->i - b);
                    lx->i = j;
                    return *out ? LLM_MF_OK : LLM_MF_ERR_NOMEM;
                }
                lx->i++;
            } else if (is_nl(c)) {
                eat_newline(lx);
            } else {
                lx->i++;
            }
        }
    }
    size_t b = lx->i;
    while (!at_end(lx) && !is_nl(lx->s[lx->i]))
        lx->i++;
    size_t e = lx->i;
    while (e > b && is_sp(lx->s[e - 1]))
        e--;
    if (e == b) {
        so8t_err_set(err, errlen, "%s:%d: %s needs a value", src, start_line, what);
        return LLM_MF_ERR_SYNTAX;
    }
    *out = llm_mf_dup_n(lx->s + b, e - b);
    return *out ? LLM_MF_OK : LLM_MF_ERR_NOMEM;
}

/* Reads a word of the given class, which must be followed by a blank. */
static int read_word(lexer *lx, int allow_digits_underscore, char *buf, size_t cap)
{
    size_t k = 0;
    while (!at_end(lx)) {
        char c = lx->s[lx->i];
        int ok = isalpha((unsigned char)c) ||
                 (allow_digits_underscore && (isdigit((unsigned char)c) || c == '_'));
        if (!ok)
            break;
        if (k + 1 < cap)
            buf[k] = c;
        k++;
        lx->i++;
    }
    if (k + 1 > cap)
        k = cap - 1;
    buf[k] = '\0';
    return (int)k;
}

static char *resolve_path(const char *from, const char *base_dir)
{
    if (from[0] == '/')
        return llm_mf_dup_n(from, strlen(from));
    if (from[0] == '~' && (from[1] == '/' || from[1] == '\0')) {
        const char *home = getenv("HOME");
        if (home && *home)
            return llm_mf_dup_printf("%s%s", home, from + 1);
    }
    if (!base_dir || !*base_dir || !strcmp(base_dir, "."))
        return llm_mf_dup_n(from, strlen(from));
    size_t bl = strlen(base_dir);
    return llm_mf_dup_printf("%s%s%s", base_dir, base_dir[bl - 1] == '/' ? "" : "/", from);
}

static int add_warning(llm_modelfile *mf, char *w)
{
    if (!w || llm_mf_push_ptr(&mf->warnings, &mf->n_warnings, w)) {
        free(w);
        return LLM_MF_ERR_NOMEM;
    }
    return LLM_MF_OK;
}

static int parse_body(lexer *lx, const char *src, const char *base_dir, llm_modelfile *mf,
                      char *err, size_t errlen)
{
    char word[64], pname[64];
    for (;;) {
        while (!at_end(lx) && (is_sp(lx->s[lx->i]) || is_nl(lx->s[lx->i]))) {
            if (is_nl(lx->s[lx->i]))
                eat_newline(lx);
            else
                lx->i++;
        }
        if (at_end(lx))
            break;
        if (lx->s[lx->i] == '#') {
            while (!at_end(lx) && !is_nl(lx->s[lx->i]))
                lx->i++;
            continue;
        }
        int line = lx->line;
        int k = read_word(lx, 0, word, sizeof word);
        if (k == 0 || at_end(lx) || !is_sp(lx->s[lx->i])) {
            if (k > 0 && (at_end(lx) || is_nl(lx->s[lx->i]))) {
                so8t_err_set(err, errlen, "%s:%d: %s needs a value", src, line, word);
                return LLM_MF_ERR_SYNTAX;
            }
            so8t_err_set(err, errlen,
                    "%s:%d: command must be one of \"from\", \"license\", \"template\", "
                    "\"system\", \"adapter\", \"parameter\", or \"message\"",
                    src, line);
            return LLM_MF_ERR_SYNTAX;
        }
        for (char *p = word; *p; p++)
            *p = (char)tolower((unsigned char)*p);

        char *val = NULL;
        int rc;
        if (!strcmp(word, "parameter")) {
            while (!at_end(lx) && is_sp(lx->s[lx->i]))
                lx->i++;
            int pk = read_word(lx, 1, pname, sizeof pname);
            if (pk == 0) {
                so8t_err_set(err, errlen, "%s:%d: PARAMETER needs a name and a value", src, line);
                return LLM_MF_ERR_SYNTAX;
            }
            if (at_end(lx) || !is_sp(lx->s[lx->i])) {
                if (at_end(lx) || is_nl(lx->s[lx->i]))
                    so8t_err_set(err, errlen, "%s:%d: PARAMETER %s needs a value", src, line, pname);
                else
                    so8t_err_set(err, errlen, "%s:%d: PARAMETER: bad character after '%s'", src,
                            line, pname);
                return LLM_MF_ERR_SYNTAX;
            }
            rc = read_value(lx, src, pname, &val, err, errlen);
            if (rc)
                return rc;
            rc = llm_modelfile_param_add(mf, src, line, pname, val, err, errlen);
            free(val);
            if (rc)
                return rc;
        } else if (!strcmp(word, "message")) {
            while (!at_end(lx) && is_sp(lx->s[lx->i]))
                lx->i++;
            int rk = read_word(lx, 0, pname, sizeof pname);
            if (rk == 0 || (strcmp(pname, "system") && strcmp(pname, "user") &&
                            strcmp(pname, "assistant"))) {
                so8t_err_set(err, errlen,
                        "%s:%d: message role must be one of \"system\", \"user\", or "
                        "\"assistant\"",
                        src, line);
                return LLM_MF_ERR_SYNTAX;
            }
            if (at_end(lx) || !is_sp(lx->s[lx->i])) {
                so8t_err_set(err, errlen, "%s:%d: MESSAGE %s needs a text", src, line, pname);
                return LLM_MF_ERR_SYNTAX;
            }
            rc = read_value(lx, src, "MESSAGE", &val, err, errlen);
            if (rc)
                return rc;
            llm_modelfile_message *a =
                realloc(mf->messages, ((size_t)mf->n_messages + 1) * sizeof *a);
            char *role = llm_mf_dup_n(pname, strlen(pname));
            if (!a || !role) {
                if (a)
                    mf->messages = a;
                free(role);
                free(val);
                return LLM_MF_ERR_NOMEM;
            }
            mf->messages = a;
            mf->messages[mf->n_messages].role = role;
            mf->messages[mf->n_messages].content = val;
            mf->messages[mf->n_messages].line = line;
            mf->n_messages++;
        } else if (!strcmp(word, "from") || !strcmp(word, "system") ||
                   !strcmp(word, "template") || !strcmp(word, "license") ||
                   !strcmp(word, "adapter") || !strcmp(word, "draft") ||
                   !strcmp(word, "requires") || !strcmp(word, "renderer") ||
                   !strcmp(word, "parser")) {
            char upper[16];
            size_t wl = strlen(word);
            for (size_t q = 0; q <= wl && q < sizeof upper; q++)
                upper[q] = (char)toupper((unsigned char)word[q]);
            upper[sizeof upper - 1] = '\0';
            rc = read_value(lx, src, upper, &val, err, errlen);
            if (rc)
                return rc;
            if (!strcmp(word, "from")) {
                if (mf->from) {
                    so8t_err_set(err, errlen,
                            "%s:%d: a second FROM (first on line %d); so8t runs one model", src,
                            line, mf->from_line);
                    free(val);
                    return LLM_MF_ERR_SYNTAX;
                }
                mf->from = val;
                mf->from_line = line;
                mf->model_path = resolve_path(val, base_dir);
                if (!mf->model_path)
                    return LLM_MF_ERR_NOMEM;
            } else if (!strcmp(word, "system")) {
                free(mf->system);
                mf->system = val;
            } else if (!strcmp(word, "template")) {
                char terr[256];
                rc = llm_template_check(val, terr, sizeof terr);
                if (rc) {
                    so8t_err_set(err, errlen, "%s:%d: %s", src, line, terr);
                    free(val);
                    return rc;
                }
                free(mf->template_text);
                mf->template_text = val;
                mf->template_line = line;
            } else if (!strcmp(word, "license")) {
                if (llm_mf_push_ptr(&mf->licenses, &mf->n_licenses, val)) {
                    free(val);
                    return LLM_MF_ERR_NOMEM;
                }
            } else if (!strcmp(word, "adapter") || !strcmp(word, "draft")) {
                so8t_err_set(err, errlen,
                        "%s:%d: %s is not supported by so8t (LoRA adapters and draft models "
                        "are not implemented); remove the line or merge the adapter first",
                        src, line, upper);
                free(val);
                return LLM_MF_ERR_UNSUPPORTED;
            } else {
                free(val);
                rc = add_warning(mf, llm_mf_dup_printf("%s:%d: warning: %s has no effect in so8t "
                                                "(ignored)",
                                                src, line, upper));
                if (rc)
                    return rc;
            }
        } else {
            so8t_err_set(err, errlen,
                    "%s:%d: command must be one of \"from\", \"license\", \"template\", "
                    "\"system\", \"adapter\", \"parameter\", or \"message\" (got '%s')",
                    src, line, word);
            return LLM_MF_ERR_SYNTAX;
        }
    }
    if (!mf->from) {
        so8t_err_set(err, errlen, "%s: no FROM line (a Modelfile must name its model: FROM path.gguf)",
                src);
        return LLM_MF_ERR_SYNTAX;
    }
    return LLM_MF_OK;
}

int llm_modelfile_parse(const char *text, size_t len, const char *source, const char *base_dir,
                        llm_modelfile *mf, char *err, size_t errlen)
{
    const char *src = source ? source : "Modelfile";
    if (!mf) {
        so8t_err_set(err, errlen, "%s: no output struct", src);
        return LLM_MF_ERR_SYNTAX;
    }
    memset(mf, 0, sizeof *mf);
    if (!text) {
        so8t_err_set(err, errlen, "%s: no text", src);
        return LLM_MF_ERR_SYNTAX;
    }
    if (len > MF_MAX_BYTES) {
        so8t_err_set(err, errlen, "%s: %zu bytes is too large for a Modelfile (limit %u)", src, len,
                MF_MAX_BYTES);
        return LLM_MF_ERR_SYNTAX;
    }
    if (memchr(text, '\0', len)) {
        so8t_err_set(err, errlen, "%s: contains a NUL byte (not a text file?)", src);
        return LLM_MF_ERR_SYNTAX;
    }
    lexer lx = {text, len, 0, 1};
    if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3))
        lx.i = 3; /* UTF-8 byte order mark */
    int rc = parse_body(&lx, src, base_dir, mf, err, errlen);
    if (rc)
        llm_modelfile_free(mf);
    return rc;
}

int llm_modelfile_load(const char *path, llm_modelfile *mf, char *err, size_t errlen)
{
    if (mf)
        memset(mf, 0, sizeof *mf);
    if (!path || !mf) {
        so8t_err_set(err, errlen, "no Modelfile path");
        return LLM_MF_ERR_IO;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        so8t_err_set(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return LLM_MF_ERR_IO;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) { /* fopen opens folders too */
        fclose(f);
        so8t_err_set(err, errlen, "%s: is a directory, not a Modelfile", path);
        return LLM_MF_ERR_IO;
    }
    char *buf = malloc(MF_MAX_BYTES + 1);
    if (!buf) {
        fclose(f);
        return LLM_MF_ERR_NOMEM;
    }
    size_t n = fread(buf, 1, MF_MAX_BYTES + 1, f);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        so8t_err_set(err, errlen, "%s: read error (is it a directory?)", path);
        free(buf);
        return LLM_MF_ERR_IO;
    }
    char *dir = NULL;
    const char *slash = strrchr(path, '/');
    if (slash)
        dir = llm_mf_dup_n(path, (size_t)(slash - path) + (slash == path ? 1 : 0));
    int rc = llm_modelfile_parse(buf, n, path, dir ? dir : ".", mf, err, errlen);
    free(dir);
    free(buf);
    return rc;
}


int llm_modelfile_conversation(const llm_modelfile *mf, const char *prompt, llm_chat_message **msgs,
                               int *n)
{
    *msgs = NULL;
    *n = 0;
    int cap = (mf ? mf->n_messages : 0) + 2, k = 0;
    llm_chat_message *m = malloc((size_t)cap * sizeof *m);
    if (!m)
        return LLM_MF_ERR_NOMEM;
    if (mf && mf->system)
        m[k++] = (llm_chat_message){"system", mf->system};
    for (int i = 0; mf && i < mf->n_messages; i++)
        m[k++] = (llm_chat_message){mf->messages[i].role, mf->messages[i].content};
    if (prompt)
        m[k++] = (llm_chat_message){"user", prompt};
    *msgs = m;
    *n = k;
    return LLM_MF_OK;
}
