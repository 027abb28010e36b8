/* strbuf.c — see strbuf.h. */
#include "base/strbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Room for `more` bytes plus the NUL; sets oom on failure. */
static int reserve(so8t_strbuf *b, size_t more)
{
    if (b->oom)
        return -1;
    if (b->n + more + 1 <= b->cap)
        return 0;
    size_t c = b->cap ? b->cap : 256;
    while (c < b->n + more + 1)
        c *= 2;
    char *q = realloc(b->p, c);
    if (!q) {
        b->oom = 1;
        return -1;
    }
    b->p = q;
    b->cap = c;
    return 0;
}

void so8t_strbuf_vadd(so8t_strbuf *b, const char *fmt, va_list ap)
{
    if (b->oom)
        return;
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        b->oom = 1;
        return;
    }
    if (reserve(b, (size_t)n))
        return;
    vsnprintf(b->p + b->n, (size_t)n + 1, fmt, ap);
    b->n += (size_t)n;
}

void so8t_strbuf_add(so8t_strbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    so8t_strbuf_vadd(b, fmt, ap);
    va_end(ap);
}

int so8t_strbuf_put(so8t_strbuf *b, const char *s, size_t n)
{
    if (reserve(b, n))
        return -1;
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
    return 0;
}

int so8t_strbuf_puts(so8t_strbuf *b, const char *s)
{
    return so8t_strbuf_put(b, s, strlen(s));
}

char *so8t_strbuf_take(so8t_strbuf *b)
{
    if (b->oom) {
        free(b->p);
        b->p = NULL;
        b->n = b->cap = 0;
        return NULL;
    }
    if (!b->p) {
        b->p = malloc(1);
        if (b->p)
            b->p[0] = '\0';
    }
    char *p = b->p;
    b->p = NULL;
    b->n = b->cap = 0;
    return p;
}

char *so8t_strdup(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s);
    char *p = malloc(n + 1);
    if (p)
        memcpy(p, s, n + 1);
    return p;
}
