/* test_base.c — the bottom layer (base/): the error helper, the string builder, FNV-1a
 * (the published test vectors of the FNV reference: "", "a", "foobar") and the limits. */
#include "base/err.h"
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
