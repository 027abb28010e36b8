/* heap.h — the tokenizers' priority queue of candidate merges: a binary min-heap of values,
 * stamped out per element type so that the comparison inlines. LLM_HEAP_DEFINE(name, T,
 * before) defines
 *   name_t                  { T *a; int n, cap, oom; } — zero-initialise it, free(a) after;
 *   name_push(name_t *, T)  adds a value (on a failed allocation sets oom and drops it);
 *   name_pop(name_t *)      removes and returns the first value (n > 0);
 * where before(const T *x, const T *y) is nonzero when x comes out before y. Ties between
 * values that are not ordered come out in a fixed order for a fixed push sequence, so the
 * tokenizers' results are deterministic; make `before` a total order to fix them fully. */
#ifndef SO8T_LLM_TOK_HEAP_H
#define SO8T_LLM_TOK_HEAP_H

#include "base/grow.h"

#define LLM_HEAP_DEFINE(name, T, before)                                               \
    typedef struct {                                                                   \
        T *a;                                                                          \
        int n, cap, oom;                                                               \
    } name##_t;                                                                        \
                                                                                       \
    static void name##_push(name##_t *h, T v)                                          \
    {                                                                                  \
        T *q = (T *)so8t_grow(h->a, &h->cap, h->n, sizeof *q, 64);                     \
        if (!q) {                                                                      \
            h->oom = 1;                                                                \
            return;                                                                    \
        }                                                                              \
        h->a = q;                                                                      \
        int i = h->n++;                                                                \
        h->a[i] = v;                                                                   \
        while (i > 0 && before(&h->a[i], &h->a[(i - 1) / 2])) {                        \
            T t = h->a[i];                                                             \
            h->a[i] = h->a[(i - 1) / 2];                                               \
            h->a[(i - 1) / 2] = t;                                                     \
            i = (i - 1) / 2;                                                           \
        }                                                                              \
    }                                                                                  \
                                                                                       \
    static T name##_pop(name##_t *h)                                                   \
    {                                                                                  \
        T top = h->a[0];                                                               \
        h->a[0] = h->a[--h->n];                                                        \
        for (int i = 0;;) {                                                            \
            int l = 2 * i + 1, r = l + 1, m = i;                                       \
            if (l < h->n && before(&h->a[l], &h->a[m]))                                \
                m = l;                                                                 \
            if (r < h->n && before(&h->a[r], &h->a[m]))                                \
                m = r;                                                                 \
            if (m == i)                                                                \
                break;                                                                 \
            T t = h->a[m];                                                             \
            h->a[m] = h->a[i];                                                         \
            h->a[i] = t;                                                               \
            i = m;                                                                     \
        }                                                                              \
        return top;                                                                    \
    }

#endif /* SO8T_LLM_TOK_HEAP_H */
