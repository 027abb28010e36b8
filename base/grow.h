/* grow.h — room for one more element in a malloc'd array that doubles as it fills (the
 * growable lists of the tokenizers, the template lexer, explain/'s number lists). Host-only,
 * no state. */
#ifndef SO8T_BASE_GROW_H
#define SO8T_BASE_GROW_H

#include <limits.h>
#include <stddef.h>
#include <stdlib.h>

/* p (capacity *cap elements of elem bytes) when n < *cap; otherwise p reallocated to twice
 * *cap elements (min_cap when *cap is 0), *cap updated. NULL when out of memory: p and *cap
 * are then unchanged and p still belongs to the caller. */
static inline void *so8t_grow(void *p, int *cap, int n, size_t elem, int min_cap)
{
    if (n < *cap)
        return p;
    if (*cap > INT_MAX / 2)
        return NULL;
    int c = *cap ? 2 * *cap : min_cap;
    void *q = realloc(p, (size_t)c * elem);
    if (q)
        *cap = c;
    return q;
}

#endif /* SO8T_BASE_GROW_H */
