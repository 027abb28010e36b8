/* mf_util.c — small allocation and message helpers shared by the Modelfile files. */
#include "llm/modelfile/mf_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *llm_mf_dup_n(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *llm_mf_dup_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *p = malloc((size_t)n + 1);
    if (!p)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

/* Grows a pointer array by one slot; returns 0 or -1. */
int llm_mf_push_ptr(char ***arr, int *n, char *p)
{
    char **a = realloc(*arr, ((size_t)*n + 1) * sizeof **arr);
    if (!a)
        return -1;
    a[*n] = p;
    *arr = a;
    (*n)++;
    return 0;
}

/* A short, printable excerpt of a value for messages (hostile input: no control bytes). */
void llm_mf_excerpt(const char *s, char *buf, size_t cap)
{
    size_t j = 0;
    for (size_t i = 0; s[i] && j + 4 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        buf[j++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
        if (i >= 40) {
            buf[j++] = '.';
            buf[j++] = '.';
            buf[j++] = '.';
            break;
        }
    }
    buf[j] = '\0';
}

