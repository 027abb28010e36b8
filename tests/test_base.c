/* test_base.c — the bottom layer (base/): the error helper, the string builder and strdup,
 * the growable array, FNV-1a
 * (the published test vectors of the FNV reference: "", "a", "foobar") and the limits. */
#include "base/err.h"
#include "base/grow.h"
#include "base/hash.h"
#include "base/limits.h"
#include "base/strbuf.h"
#include "geom/geom.h"
#include "mc/mc.h"
#include "tests/test.h"

#include <stdlib.h>
#include <string.h>

int main(void)
{
    /* err: writes, truncates, accepts no buffer */
    char e[8];
    so8t_err_set(e, sizeof e, "bad %d", 42);
    CHECK(!strcmp(e, "bad 42"));
    so8t_err_set(e, sizeof e, "%s", "a longer message");
    CHECK(!strcmp(e, "a longe"));
    so8t_err_set(NULL, 10, "ignored");
    so8t_err_set(e, 0, "ignored");
    CHECK(!strcmp(e, "a longe"));

    /* strbuf: empty take, appends, put, large growth */
    so8t_strbuf b = {0};
    char *s = so8t_strbuf_take(&b);
    CHECK(s && s[0] == '\0');
    free(s);
    so8t_strbuf_add(&b, "x=%d", 7);
    CHECK(so8t_strbuf_put(&b, ", y", 3) == 0);
    for (int i = 0; i < 1000; i++)
        so8t_strbuf_add(&b, "%c", 'a' + i % 26);
    CHECK(b.n == 6 + 1000 && !b.oom);
    s = so8t_strbuf_take(&b);
    CHECK(s && !strncmp(s, "x=7, yabc", 9) && strlen(s) == 1006);
    CHECK(b.p == NULL && b.n == 0);
    free(s);

    /* puts and strdup */
    CHECK(so8t_strbuf_puts(&b, "ab") == 0 && so8t_strbuf_puts(&b, "") == 0 &&
          so8t_strbuf_puts(&b, "c") == 0);
    s = so8t_strbuf_take(&b);
    CHECK(s && !strcmp(s, "abc"));
    char *d = so8t_strdup(s);
    CHECK(d && d != s && !strcmp(d, "abc"));
    CHECK(so8t_strdup(NULL) == NULL);
    free(d);
    free(s);

    /* grow: the first room is min_cap, then doubling, nothing while there is room */
    int *arr = NULL, cap = 0, n = 0;
    for (int i = 0; i < 100; i++) {
        int *q = so8t_grow(arr, &cap, n, sizeof *q, 8);
        CHECK(q != NULL);
        if (!q)
            break;
        arr = q;
        arr[n++] = i;
    }
    CHECK(n == 100 && cap == 128 && arr[0] == 0 && arr[99] == 99);
    CHECK(so8t_grow(arr, &cap, 5, sizeof *arr, 8) == arr && cap == 128);
    int huge = 0x7fffffff; /* would overflow: refused, nothing changed */
    CHECK(so8t_grow(arr, &huge, huge, sizeof *arr, 8) == NULL && huge == 0x7fffffff);
    free(arr);

    /* FNV-1a test vectors */
    CHECK(so8t_fnv1a32("", 0) == 0x811c9dc5u);
    CHECK(so8t_fnv1a32("a", 1) == 0xe40c292cu);
    CHECK(so8t_fnv1a32("foobar", 6) == 0xbf9cf968u);
    CHECK(so8t_fnv1a64("", 0) == 0xcbf29ce484222325ull);
    CHECK(so8t_fnv1a64("a", 1) == 0xaf63dc4c8601ec8cull);
    CHECK(so8t_fnv1a64("foobar", 6) == 0x85944171f73967e8ull);

    /* one dimension limit for every component */
    CHECK(SO8T_MAX_DIM == 128);
    CHECK(MC_MAX_DIM == SO8T_MAX_DIM && GEOM_MAX_DIM == SO8T_MAX_DIM);
    return test_summary();
}
