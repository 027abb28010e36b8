/* mf_template.c — the Go text/template subset of Modelfile TEMPLATEs (modelfile.h): lexing
 * into nodes, the check, and rendering. */
#include "base/grow.h"
#include "llm/modelfile/modelfile.h"
#include "llm/modelfile/mf_internal.h"
#include "base/err.h"
#include "base/strbuf.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* ---- the Go-template subset ---- */

enum { T_TEXT, T_VAR, T_IF, T_ELSEIF, T_ELSE, T_END };
enum { V_SYSTEM, V_PROMPT, V_RESPONSE };

typedef struct {
    int kind;
    int var;
    const char *text; /* T_TEXT */
    size_t len;
    int line;
} tnode;

static int var_lookup(const char *s, size_t n, int *var)
{
    if (n > 0 && s[0] == '$') {
        s++;
        n--;
    }
    static const char *names[] = {".System", ".Prompt", ".Response"};
    for (int i = 0; i < 3; i++)
        if (strlen(names[i]) == n && !memcmp(s, names[i], n)) {
            *var = i;
            return 0;
        }
    return -1;
}

/* Splits the template into nodes; trim markers are applied to the neighbouring text. */
static int template_lex(const char *t, tnode **out, int *nout, char *err, size_t errlen)
{
    tnode *nodes = NULL;
    int n = 0, cap = 0, line = 1;
    size_t i = 0, len = strlen(t);
    int trim_next = 0;
    while (i <= len) {
        const char *open = strstr(t + i, "{{");
        size_t tb = i, te = open ? (size_t)(open - t) : len;
        if (trim_next)
            while (tb < te && isspace((unsigned char)t[tb]))
                tb++;
        size_t ab = te + 2;
        int trim_prev = open && (t[ab] == '-') && (isspace((unsigned char)t[ab + 1]));
        if (trim_prev)
            while (te > tb && isspace((unsigned char)t[te - 1]))
                te--;
        tnode *grown = so8t_grow(nodes, &cap, n + 1, sizeof *grown, 16); /* room for two */
        if (!grown) {
            free(nodes);
            return LLM_MF_ERR_NOMEM;
        }
        nodes = grown;
        if (te > tb)
            nodes[n++] = (tnode){T_TEXT, 0, t + tb, te - tb, line};
        for (size_t q = i; q < (open ? (size_t)(open - t) : len); q++)
            if (t[q] == '\n')
                line++;
        if (!open)
            break;
        const char *close = strstr(t + ab, "}}");
        if (!close) {
            so8t_err_set(err, errlen, "TEMPLATE line %d: '{{' without a closing '}}'", line);
            free(nodes);
            return LLM_MF_ERR_SYNTAX;
        }
        size_t cb = ab + (trim_prev ? 1 : 0), ce = (size_t)(close - t);
        trim_next = ce > cb && t[ce - 1] == '-' && ce - 1 > cb && isspace((unsigned char)t[ce - 2]);
        if (trim_next)
            ce--;
        while (cb < ce && isspace((unsigned char)t[cb]))
            cb++;
        while (ce > cb && isspace((unsigned char)t[ce - 1]))
            ce--;
        const char *a = t + cb;
        size_t al = ce - cb;
        char shown[64];
        size_t sl = al < 40 ? al : 40;
        for (size_t q = 0; q < sl; q++)
            shown[q] = (a[q] == '\n' || a[q] == '\r' || a[q] == '\t') ? ' ' : a[q];
        shown[sl] = '\0';
        if (al > 40)
            strcat(shown, "...");
        tnode nd = {T_TEXT, 0, NULL, 0, line};
        int var;
        if (al >= 4 && !memcmp(a, "/*", 2) && !memcmp(a + al - 2, "*/", 2)) {
            nd.kind = -1; /* comment */
        } else if (!var_lookup(a, al, &var)) {
            nd.kind = T_VAR;
            nd.var = var;
        } else if (al > 3 && !memcmp(a, "if", 2) && isspace((unsigned char)a[2])) {
            size_t k = 3;
            while (k < al && isspace((unsigned char)a[k]))
                k++;
            if (var_lookup(a + k, al - k, &var))
                goto unsupported;
            nd.kind = T_IF;
            nd.var = var;
        } else if (al > 8 && !memcmp(a, "else", 4) && isspace((unsigned char)a[4])) {
            size_t k = 5;
            while (k < al && isspace((unsigned char)a[k]))
                k++;
            if (al - k < 4 || memcmp(a + k, "if", 2) || !isspace((unsigned char)a[k + 2]))
                goto unsupported;
            k += 3;
            while (k < al && isspace((unsigned char)a[k]))
                k++;
            if (var_lookup(a + k, al - k, &var))
                goto unsupported;
            nd.kind = T_ELSEIF;
            nd.var = var;
        } else if (al == 4 && !memcmp(a, "else", 4)) {
            nd.kind = T_ELSE;
        } else if (al == 3 && !memcmp(a, "end", 3)) {
            nd.kind = T_END;
        } else {
            goto unsupported;
        }
        if (nd.kind >= 0)
            nodes[n++] = nd;
        for (const char *q = t + ab; q < close; q++)
            if (*q == '\n')
                line++;
        i = (size_t)(close - t) + 2;
        continue;
    unsupported:
        so8t_err_set(err, errlen,
                "TEMPLATE line %d: '{{ %s }}' is not supported by so8t's template engine "
                "(supported: {{ .System }}, {{ .Prompt }}, {{ .Response }}, "
                "{{ if .X }} ... {{ else }} ... {{ end }}); write the template with those, or "
                "drop TEMPLATE to use the model's own format",
                line, shown);
        free(nodes);
        return LLM_MF_ERR_UNSUPPORTED;
    }
    /* Nesting check. */
    int depth = 0;
    int else_seen[64] = {0};
    for (int k = 0; k < n; k++) {
        switch (nodes[k].kind) {
        case T_IF:
            if (depth >= 63) {
                so8t_err_set(err, errlen, "TEMPLATE line %d: 'if' nested too deeply", nodes[k].line);
                free(nodes);
                return LLM_MF_ERR_SYNTAX;
            }
            else_seen[++depth] = 0;
            break;
        case T_ELSEIF:
        case T_ELSE:
            if (depth == 0 || else_seen[depth]) {
                so8t_err_set(err, errlen, "TEMPLATE line %d: 'else' without a matching 'if'",
                        nodes[k].line);
                free(nodes);
                return LLM_MF_ERR_SYNTAX;
            }
            if (nodes[k].kind == T_ELSE)
                else_seen[depth] = 1;
            break;
        case T_END:
            if (depth == 0) {
                so8t_err_set(err, errlen, "TEMPLATE line %d: 'end' without a matching 'if'",
                        nodes[k].line);
                free(nodes);
                return LLM_MF_ERR_SYNTAX;
            }
            depth--;
            break;
        default:
            break;
        }
    }
    if (depth != 0) {
        so8t_err_set(err, errlen, "TEMPLATE: an 'if' has no matching {{ end }}");
        free(nodes);
        return LLM_MF_ERR_SYNTAX;
    }
    *out = nodes;
    *nout = n;
    return LLM_MF_OK;
}

/* template_lex of a template that may be NULL (no text: a syntax error) */
static int template_lex_text(const char *tmpl, tnode **nodes, int *n, char *err, size_t errlen)
{
    *nodes = NULL;
    *n = 0;
    if (!tmpl) {
        so8t_err_set(err, errlen, "TEMPLATE: no text");
        return LLM_MF_ERR_SYNTAX;
    }
    return template_lex(tmpl, nodes, n, err, errlen);
}

int llm_template_check(const char *tmpl, char *err, size_t errlen)
{
    tnode *nodes;
    int n;
    int rc = template_lex_text(tmpl, &nodes, &n, err, errlen);
    free(nodes);
    return rc;
}

int llm_template_render(const char *tmpl, const char *system, const char *prompt,
                        const char *response, int stop_at_response, char **out, char *err,
                        size_t errlen)
{
    if (!out) {
        so8t_err_set(err, errlen, "TEMPLATE: no output pointer");
        return LLM_MF_ERR_SYNTAX;
    }
    *out = NULL;
    tnode *nodes;
    int n;
    int rc = template_lex_text(tmpl, &nodes, &n, err, errlen);
    if (rc)
        return rc;
    const char *vals[3] = {system ? system : "", prompt ? prompt : "",
                           response ? response : ""};
    /* Per nesting level: is this level printing, and has a branch of it been taken. */
    int active[65], taken[65], depth = 0;
    active[0] = 1;
    taken[0] = 1;
    so8t_strbuf b = {NULL, 0, 0, 0};
    if (so8t_strbuf_put(&b, "", 0))
        goto nomem;
    for (int k = 0; k < n; k++) {
        const tnode *nd = &nodes[k];
        int parent = depth > 0 ? active[depth - 1] : 1;
        switch (nd->kind) {
        case T_TEXT:
            if (active[depth] && so8t_strbuf_put(&b, nd->text, nd->len))
                goto nomem;
            break;
        case T_VAR:
            if (!active[depth])
                break;
            if (nd->var == V_RESPONSE && stop_at_response)
                goto done;
            if (so8t_strbuf_put(&b, vals[nd->var], strlen(vals[nd->var])))
                goto nomem;
            break;
        case T_IF:
            depth++;
            parent = active[depth - 1];
            active[depth] = parent && vals[nd->var][0] != '\0';
            taken[depth] = active[depth];
            break;
        case T_ELSEIF:
            active[depth] = parent && !taken[depth] && vals[nd->var][0] != '\0';
            taken[depth] |= active[depth];
            break;
        case T_ELSE:
            active[depth] = parent && !taken[depth];
            taken[depth] = 1;
            break;
        case T_END:
            depth--;
            break;
        }
    }
done:
    free(nodes);
    *out = b.p;
    return LLM_MF_OK;
nomem:
    free(nodes);
    free(b.p);
    so8t_err_set(err, errlen, "TEMPLATE: out of memory");
    return LLM_MF_ERR_NOMEM;
}

