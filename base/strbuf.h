/* strbuf.h — a growable, NUL-terminated text buffer for building prompts, SVG and
 * messages. An allocation failure sets `oom` and turns every later call into a no-op, so
 * callers check once at the end. Zero-initialise ({0}) before use; the owner frees `p`
 * (or takes it with so8t_strbuf_take). */
#ifndef SO8T_BASE_STRBUF_H
#define SO8T_BASE_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct {
    char *p;
    size_t n, cap;
    int oom;
} so8t_strbuf;

/* Appends printf-style text. */
void so8t_strbuf_add(so8t_strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void so8t_strbuf_vadd(so8t_strbuf *b, const char *fmt, va_list ap);
/* Appends n bytes of s; returns 0, or -1 when out of memory. */
int so8t_strbuf_put(so8t_strbuf *b, const char *s, size_t n);
/* Appends the C string s; returns 0, or -1 when out of memory. */
int so8t_strbuf_puts(so8t_strbuf *b, const char *s);
/* Takes the string out (an empty string when nothing was added; NULL only when out of
 * memory, and then the buffer is freed); the buffer is left empty. */
char *so8t_strbuf_take(so8t_strbuf *b);

/* A malloc'd copy of s; NULL when s is NULL or out of memory. */
char *so8t_strdup(const char *s);

#endif /* SO8T_BASE_STRBUF_H */
