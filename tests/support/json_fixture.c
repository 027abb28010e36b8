/* json_fixture.c — see json_fixture.h. */
#include "tests/support/json_fixture.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

char *test_file_slurp(const char *path)
{
    return test_file_read(path, NULL);
}

char *test_file_read(const char *path, size_t *len)
{
    if (len)
        *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    if (b)
        b[n] = 0;
    if (b && len)
        *len = (size_t)n;
    fclose(f);
    return b;
}

cJSON *test_json_load(const char *path)
{
    char *s = test_file_slurp(path);
    if (!s)
        return NULL;
    cJSON *j = cJSON_Parse(s);
    free(s);
    return j;
}

int test_json_ints(const cJSON *arr, int *out, int max)
{
    int n = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, arr)
    {
        if (n < max)
            out[n] = e->valueint;
        n++;
    }
    return n;
}

int test_json_doubles(const cJSON *arr, double *out, int max)
{
    int n = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, arr)
    {
        if (n < max)
            out[n] = cJSON_IsNumber(e) ? e->valuedouble : NAN;
        n++;
    }
    return n;
}
