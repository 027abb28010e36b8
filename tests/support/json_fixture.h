/* json_fixture.h — reading the committed reference fixtures (tests/fixtures/) in C tests. */
#ifndef SO8T_TESTS_JSON_FIXTURE_H
#define SO8T_TESTS_JSON_FIXTURE_H
#include <cjson/cJSON.h>
#include <stddef.h>

/* The whole file, NUL-terminated, malloc'd; NULL if it cannot be opened or read. *n (may be
 * NULL) gets its length, so binary files can hold NUL bytes. */
char *test_file_read(const char *path, size_t *n);
/* test_file_read without the length, for text. */
char *test_file_slurp(const char *path);
/* The file parsed as JSON; NULL if it is missing or not JSON. Free with cJSON_Delete. */
cJSON *test_json_load(const char *path);
/* Elements of a JSON array into out[0..max) (ints: valueint; doubles: NaN for a non-number);
 * returns the array's length, which may exceed max. */
int test_json_ints(const cJSON *arr, int *out, int max);
int test_json_doubles(const cJSON *arr, double *out, int max);
#endif
