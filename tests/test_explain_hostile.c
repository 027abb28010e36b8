/* test_explain_hostile.c — mutated results through explain's public entry points: none may
 * crash; each gives an explanation or LLM_ERR_FORMAT with a message naming the field; a
 * result whose numbers contradict each other is refused; agreement is never stated when
 * the numbers say otherwise.
 *
 * Two parts: a table of hand-made mutations with the expected outcome, and a sweep that
 * sets every field of every fixture to each hostile value (zero, negative, huge, tiny,
 * wrong type, null, absent). Run under `make asan` as well. */
#include "explain/explain.h"
#include "llm/llm.h"
#include "tests/test.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

/* The classic result (tests/fixtures/explain/volume_d8.json, shortened): est 83.1693056,
 * se 0.0379133, exact 83.16398, z 0.1404677. */
#define VOL_BASE                                                                           \
    "{\"quantity\":\"volume\",\"dim\":8,\"half_side\":1,\"radius\":1.5,"                  \
    "\"center\":[0,0,0,0,0,0,0,0],\"method\":\"hit\",\"backend\":\"cpu\",\"seed\":1,"     \
    "\"samples\":10000000,\"hits\":3248801,\"estimate\":83.1693056,"                      \
    "\"std_error\":0.037913333854481604,\"ci95\":[83.09499683111137,83.24361436888863],"   \
    "\"rel_error\":0.0004558572851001608,\"fraction_of_cube\":0.3248801,"                   \
    "\"exact\":83.16398,\"z\":0.14046773149643835}"

/* JSON text of VOL_BASE with `key` replaced by the JSON `val` (NULL: deleted). */
static char *mutate(const char *base, const char *key, const char *val)
{
    cJSON *o = cJSON_Parse(base);
    if (!o)
        return NULL;
    if (val) {
        cJSON *v = cJSON_Parse(val);
        if (!v) {
            cJSON_Delete(o);
            return NULL;
        }
        if (cJSON_GetObjectItemCaseSensitive(o, key))
            cJSON_ReplaceItemInObjectCaseSensitive(o, key, v);
        else
            cJSON_AddItemToObject(o, key, v);
    } else {
        cJSON_DeleteItemFromObjectCaseSensitive(o, key);
    }
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

/* Runs both entry points; returns the template's rc and leaves its text in *text. */
static int explain(const char *json, char **text, char *err, size_t errlen)
{
    *text = NULL;
    err[0] = '\0';
    int rc = llm_explain_template(json, text, NULL, err, errlen);
    llm_explain_options o;
    llm_explain_options_default(&o);
    o.model_path = "none";
    llm_explanation e;
    char err2[512];
    int rc2 = llm_explain_result_json(json, &o, &e, err2, sizeof err2);
    CHECK_MSG(rc2 == rc, "template rc %d but result_json rc %d for %s", rc, rc2, json);
    if (rc2 == 0)
        llm_explanation_free(&e);
    return rc;
}

typedef struct {
    const char *key, *val; /* val NULL: the key is deleted */
    const char *needle;    /* NULL: must be explained; else refused, err contains it */
    const char *in_text;   /* when explained: the text contains this (or NULL) */
} row;

static void test_table(void)
{
    static const row rows[] = {
        /* the examples and their class */
        {"estimate", "-5", "'estimate' is -5", NULL},
        {"estimate", "0", "refusing", NULL}, /* z 0.14 says it agrees; 0 is 2193 se away */
        {"z", "0.1", NULL, "agrees with it"}, /* a z from a wider error: ci95 holds exact */
        {"z", "3", "'z' is 3", NULL},         /* ci95 holds exact, so |z| <= 1.96 */
        {"z", "-0.14046773149643835", "'z'", NULL}, /* wrong sign */
        {"z", "9", "'z' is 9", NULL},
        {"z", NULL, NULL, "agrees with it"},
        {"z", "null", NULL, "agrees with it"},
        {"exact", "83.3", "'z'", NULL}, /* z no longer fits */
        {"exact", "-1", "'exact' is -1", NULL},
        {"exact", NULL, "'z' is given without", NULL},
        {"std_error", "0", "refusing", NULL},
        {"std_error", "-0.01", "'std_error'", NULL},
        {"std_error", "1e999", "'std_error'", NULL},
        {"std_error", "\"0.03\"", "'std_error'", NULL},
        {"samples", "0", "'samples' is 0", NULL},
        {"samples", "-1", "'samples' is -1", NULL},
        {"samples", "2.5", "'samples' is 2.5", NULL},
        {"samples", "\"many\"", "'samples'", NULL},
        {"samples", NULL, NULL, "by random sampling"},
        {"hits", "10000001", "'hits'", NULL},
        {"hits", "-3", "'hits'", NULL},
        {"ci95", "[83.2, 83.1]", "'ci95'", NULL},
        {"ci95", "[83.17, 83.3]", "does not contain the estimate", NULL},
        {"ci95", "[1]", "'ci95'", NULL},
        {"ci95", "\"wide\"", "'ci95'", NULL},
        {"ci95", NULL, NULL, "agrees with it"},
        {"rel_error", "0.5", "'rel_error'", NULL},
        {"rel_error", "null", NULL, NULL},
        {"fraction_of_cube", "1.5", "'fraction_of_cube'", NULL},
        {"fraction_of_cube", "-0.1", "'fraction_of_cube'", NULL},
        {"fraction_of_cube", "0.5", "'fraction_of_cube'", NULL}, /* not estimate / 256 */
        {"fraction_of_ball", "0.79954839158134", NULL, NULL},
        {"fraction_of_ball", "1.3", "'fraction_of_ball'", NULL},
        {"dim", "0", "'dim' is 0", NULL},
        {"dim", "8.5", "'dim' is 8.5", NULL},
        {"dim", "1e9", "'dim'", NULL},
        {"dim", "-8", "'dim'", NULL},
        {"dim", "\"8\"", "'dim'", NULL},
        {"dim", "4", "'center' has 8 coordinates", NULL},
        {"half_side", "0", "'half_side' is 0", NULL},
        {"half_side", "-1", "'half_side'", NULL},
        {"half_side", "0.1", "more than the cube's volume", NULL},
        {"radius", "-1.5", "'radius' is -1.5", NULL},
        {"radius", "1", "more than the ball's volume", NULL},
        {"radius", "1e150", NULL, NULL}, /* the ball holds the cube: 83 < 256, possible */
        {"center", "[0,0,0,\"x\",0,0,0,0]", "'center' element 4", NULL},
        {"center", "7", "'center'", NULL},
        {"estimate", "300", "refusing", NULL},
        {"estimate", "1e300", "refusing", NULL},
        {"estimate", "1e-300", "refusing", NULL},
        {"identical", "7", "'identical'", NULL},
        {"cpu", "{\"hits\": 5, \"samples\": 4, \"estimate\": 1, \"std_error\": 1}", "cpu.", NULL},
        {"cpu", "\"cpu\"", "'cpu'", NULL},
    };
    char err[512], *text;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const row *r = &rows[i];
        char *json = mutate(VOL_BASE, r->key, r->val);
        CHECK_MSG(json != NULL, "row %zu: bad test JSON", i);
        if (!json)
            continue;
        int rc = explain(json, &text, err, sizeof err);
        if (r->needle) {
            CHECK_MSG(rc == LLM_ERR_FORMAT && strstr(err, r->needle),
                      "row %zu (%s = %s): rc %d, err '%s', want '%s'", i, r->key,
                      r->val ? r->val : "(deleted)", rc, err, r->needle);
        } else {
            CHECK_MSG(rc == 0 && text, "row %zu (%s = %s): rc %d (%s)", i, r->key,
                      r->val ? r->val : "(deleted)", rc, err);
            if (text && r->in_text)
                CHECK_MSG(strstr(text, r->in_text), "row %zu: '%s' not in '%s'", i, r->in_text,
                          text);
            if (text)
                CHECK_MSG(!strstr(text, "n/a"), "row %zu: 'n/a' in '%s'", i, text);
        }
        free(text);
        cJSON_free(json);
    }
}

/* std_error 0 (the segfault of issue 16): every shape of it explains without a crash. */
static void test_zero_se(void)
{
    static const char *ok[] = {
        /* so8t volume -d 8 -r 0 --json (--exact adds exact 0, z 0) */
        "{\"quantity\":\"volume\",\"dim\":8,\"half_side\":1,\"radius\":0,\"center\":[0,0,0,0,0,"
        "0,0,0],\"method\":\"hit\",\"backend\":\"cpu\",\"samples\":0,\"hits\":0,\"estimate\":0,"
        "\"std_error\":0,\"ci95\":[0,0],\"rel_error\":null,\"log_estimate\":null,"
        "\"fraction_of_cube\":0,\"fraction_of_ball\":0}",
        "{\"quantity\":\"volume\",\"dim\":8,\"radius\":0,\"samples\":0,\"estimate\":0,"
        "\"std_error\":0,\"ci95\":[0,0],\"exact\":0,\"z\":0}",
        /* the ball holds the cube: every sample hits, se 0, estimate rounded below 256 */
        "{\"quantity\":\"volume\",\"dim\":8,\"half_side\":1,\"radius\":3,\"samples\":1000,"
        "\"hits\":1000,\"estimate\":255.99999999999994,\"std_error\":0,"
        "\"ci95\":[255.02034982769786,255.99999999999994],\"rel_error\":0,\"exact\":256,"
        "\"z\":null}",
        "{\"estimate\": 5, \"std_error\": 0}",
        "{\"estimate\": 5, \"std_error\": 0, \"ci95\": [5, 5]}",
        "{\"estimate\": 5, \"std_error\": 0, \"ci95\": [4, 6], \"exact\": 5.5}",
        "{\"estimate\": 0, \"std_error\": 0, \"ci95\": [0, 0], \"samples\": 1}",
        "{\"estimate\": 1e-300, \"std_error\": 0, \"ci95\": [1e-300, 1e-300]}",
        "{\"estimate\": 1e300, \"std_error\": 0, \"ci95\": [1e300, 1e300]}",
        "{\"quantity\":\"surface\",\"dim\":4,\"radius\":1.2,\"estimate\":0,\"std_error\":0}",
        /* z from the interval's own statistics (rounding allowance; binomial tails) */
        "{\"estimate\":1.2999999999999756,\"std_error\":8e-17,"
        "\"ci95\":[1.2999999999999,1.30000000000005],\"exact\":1.3,\"z\":0}",
        "{\"estimate\":0,\"std_error\":0,\"ci95\":[0,0.0117],\"samples\":65536,\"hits\":0,"
        "\"exact\":0.002,\"z\":-1.2}",
    };
    char err[512], *text;
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        int rc = explain(ok[i], &text, err, sizeof err);
        CHECK_MSG(rc == 0 && text && !strstr(text, "n/a"), "zero-se %zu: rc %d (%s) text '%s'",
                  i, rc, err, text ? text : "");
        free(text);
    }
    /* the r = 3 case agrees up to rounding; 5 vs exact 7 with se 0 does not */
    CHECK(explain(ok[2], &text, err, sizeof err) == 0 && text &&
          strstr(text, "so they agree") && !strstr(text, "not agree"));
    free(text);
    CHECK(explain("{\"estimate\": 5, \"std_error\": 0, \"exact\": 7}", &text, err,
                  sizeof err) == 0 &&
          text && strstr(text, "does not agree"));
    free(text);
    /* se 0 and a z that claims agreement with a different exact value: refused */
    CHECK(explain("{\"estimate\": 5, \"std_error\": 0, \"ci95\": [5, 5], \"exact\": 7, "
                  "\"z\": -1}",
                  &text, err, sizeof err) == LLM_ERR_FORMAT &&
          strstr(err, "'z'"));
    free(text);
}

/* Other result kinds: contradictions refused, odd but possible values explained. */
static void test_kinds(void)
{
    static const row rows[] = {
        {"value", "-1", "'value' is -1", NULL},
        {"value", "300", "more than the cube's volume", NULL},
        {"error_bound", "-1e-12", "'error_bound'", NULL},
        {"fraction_of_ball", "1.2", "'fraction_of_ball'", NULL},
        {"fraction_of_cube", "0.9", "'fraction_of_cube'", NULL},
        {"radius", "0", "more than the ball's volume", NULL},
        {"error_bound", "1e-3", NULL, "83.16398"},
    };
    const char *exact_base =
        "{\"quantity\":\"volume\",\"dim\":8,\"half_side\":1,\"radius\":1.5,\"value\":83.16398,"
        "\"error_bound\":3e-12,\"fraction_of_cube\":0.324859296875,"
        "\"fraction_of_ball\":0.7994971939083102}";
    char err[512], *text;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const row *r = &rows[i];
        char *json = mutate(exact_base, r->key, r->val);
        int rc = json ? explain(json, &text, err, sizeof err) : -99;
        if (r->needle)
            CHECK_MSG(rc == LLM_ERR_FORMAT && strstr(err, r->needle),
                      "exact row %zu: rc %d err '%s' want '%s'", i, rc, err, r->needle);
        else
            CHECK_MSG(rc == 0 && text && strstr(text, r->in_text), "exact row %zu: rc %d (%s)",
                      i, rc, err);
        if (rc == 0)
            free(text);
        cJSON_free(json);
    }
    /* the sphere of radius 1.2 in 4 dimensions has area 2π²·1.2³ = 34.1 */
    CHECK(explain("{\"quantity\":\"surface\",\"dim\":4,\"half_side\":1,\"radius\":1.2,"
                  "\"estimate\":40,\"std_error\":0.1}",
                  &text, err, sizeof err) == LLM_ERR_FORMAT &&
          strstr(err, "more than the whole sphere's area"));
    CHECK(explain("{\"quantity\":\"surface\",\"dim\":4,\"half_side\":1,\"radius\":1.2,"
                  "\"estimate\":34,\"std_error\":0.1}",
                  &text, err, sizeof err) == 0);
    free(text);
    /* pass: true with a failed part */
    CHECK(explain("{\"tests\":[{\"name\":\"a\",\"pass\":true},{\"name\":\"b\",\"pass\":false}],"
                  "\"pass\":true}",
                  &text, err, sizeof err) == LLM_ERR_FORMAT &&
          strstr(err, "tests[1]"));
    CHECK(explain("{\"cases\":[{\"estimate\":1,\"std_error\":0.1,\"pass\":false}],\"pass\":true}",
                  &text, err, sizeof err) == LLM_ERR_FORMAT &&
          strstr(err, "cases[0]"));
    CHECK(explain("{\"cases\":[{\"estimate\":-5,\"std_error\":0.1,\"exact\":83,\"z\":0.1}]}",
                  &text, err, sizeof err) == LLM_ERR_FORMAT &&
          strstr(err, "cases[0].") && strstr(err, "'estimate'"));
    /* a verify case keeps ci95 in its cpu/gpu part; its z may come from that interval */
    CHECK(explain("{\"cases\":[{\"estimate\":83.71484375,\"std_error\":0.469,\"exact\":83.164,"
                  "\"z\":1.1717,\"cpu\":{\"hits\":21431,\"samples\":65536,\"estimate\":83.71484375,"
                  "\"std_error\":0.469,\"ci95\":[82.79,84.63]},\"gpu\":null,\"pass\":true}],"
                  "\"pass\":true}",
                  &text, err, sizeof err) == 0);
    free(text);
    CHECK(explain("{\"tests\":[],\"min_det\":1.1,\"max_det\":0.9}", &text, err, sizeof err) ==
              LLM_ERR_FORMAT &&
          strstr(err, "'min_det'"));
    CHECK(explain("{\"estimate\":83,\"std_error\":0.1,\"identical\":true,"
                  "\"cpu\":{\"hits\":5,\"estimate\":83,\"std_error\":0.1},"
                  "\"gpu\":{\"hits\":6,\"estimate\":83,\"std_error\":0.1}}",
                  &text, err, sizeof err) == LLM_ERR_FORMAT &&
          strstr(err, "'identical'"));
    CHECK(explain("{\"tests\":[{\"name\":\"a\",\"pass\":true,\"z\":0.5}],\"pass\":true,"
                  "\"dim\":8,\"samples\":100}",
                  &text, err, sizeof err) == 0);
    free(text);
}

/* Every field of each base result set to each hostile value (or deleted): never a crash,
 * rc 0 or LLM_ERR_FORMAT with a message, no "n/a" in a text, and a text that says the
 * estimate agrees only when it is within 5 standard errors (or equal to rounding). */
static void test_sweep(void)
{
    static const char *bases[] = {
        VOL_BASE,
        "{\"quantity\":\"volume\",\"dim\":8,\"half_side\":1,\"radius\":1.5,\"value\":83.16398,"
        "\"error_bound\":3e-12,\"fraction_of_cube\":0.324859296875}",
        "{\"quantity\":\"surface\",\"dim\":4,\"half_side\":1,\"radius\":1.2,\"samples\":65536,"
        "\"hits\":44452,\"estimate\":23.1358,\"std_error\":0.0622,\"ci95\":[23.01,23.26],"
        "\"exact\":23.2483,\"z\":-1.8065}",
        "{\"dim\":8,\"samples\":1000,\"tests\":[{\"name\":\"t\",\"z\":0.8,\"pass\":true}],"
        "\"max_orthogonality_error\":1e-15,\"min_det\":0.99,\"max_det\":1.01,\"pass\":true}",
        "{\"cases\":[{\"quantity\":\"volume\",\"dim\":2,\"radius\":1,\"estimate\":3.1,"
        "\"std_error\":0.05,\"exact\":3.14159,\"z\":-0.8318,\"pass\":true}],\"pass\":true}",
    };
    static const char *vals[] = {"0",    "-1",    "-1e300", "1e300", "1e-300", "1e999",
                                 "0.5",  "1e6",   "null",   "true",  "\"7\"",  "[]",
                                 "{}",   "[1,2]", "[-1,1]", NULL};
    const size_t nv = sizeof vals / sizeof vals[0];
    char err[512], *text;
    int n_ok = 0, n_refused = 0;
    for (size_t b = 0; b < sizeof bases / sizeof bases[0]; b++) {
        cJSON *o = cJSON_Parse(bases[b]);
        CHECK(o != NULL);
        if (!o)
            continue;
        for (const cJSON *f = o->child; f; f = f->next) {
            for (size_t v = 0; v < nv; v++) {
                char *json = mutate(bases[b], f->string, vals[v]);
                if (!json)
                    continue;
                int rc = explain(json, &text, err, sizeof err);
                CHECK_MSG(rc == 0 || (rc == LLM_ERR_FORMAT && err[0]),
                          "%s = %s: rc %d err '%s'", f->string, vals[v] ? vals[v] : "(deleted)",
                          rc, err);
                if (rc == 0) {
                    n_ok++;
                    CHECK_MSG(text && !strstr(text, "n/a"), "%s = %s: text '%s'", f->string,
                              vals[v] ? vals[v] : "(deleted)", text ? text : "");
                    /* the agreement sentence must follow from the numbers: within 5 standard errors, or
     * (a z from the interval's statistics) within 6 half-widths of ci95 */
                    cJSON *m = cJSON_Parse(json);
                    const cJSON *est = cJSON_GetObjectItem(m, "estimate"),
                                *se = cJSON_GetObjectItem(m, "std_error"),
                                *ex = cJSON_GetObjectItem(m, "exact");
                    const cJSON *ci = cJSON_GetObjectItem(m, "ci95");
                    double dev = cJSON_IsNumber(est) && cJSON_IsNumber(ex)
                                     ? est->valuedouble - ex->valuedouble
                                     : 0;
                    double hw = cJSON_GetArraySize(ci) == 2 && cJSON_IsNumber(est)
                                    ? (dev > 0 ? est->valuedouble -
                                                     cJSON_GetArrayItem(ci, 0)->valuedouble
                                               : cJSON_GetArrayItem(ci, 1)->valuedouble -
                                                     est->valuedouble)
                                    : 0;
                    if (text && strstr(text, "agrees with it") && cJSON_IsNumber(est) &&
                        cJSON_IsNumber(se) && cJSON_IsNumber(ex) && se->valuedouble > 0)
                        CHECK_MSG(fabs(dev) <= 5 * se->valuedouble * (1 + 1e-9) ||
                                      fabs(dev) <= 6 * hw * (1 + 1e-9),
                                  "%s = %s: says it agrees: %s", f->string,
                                  vals[v] ? vals[v] : "(deleted)", json);
                    cJSON_Delete(m);
                } else {
                    n_refused++;
                }
                free(text);
                cJSON_free(json);
            }
        }
        cJSON_Delete(o);
    }
    /* both outcomes happen (a sweep that refuses everything tests nothing) */
    CHECK(n_ok > 50 && n_refused > 50);
    printf("sweep: %d explained, %d refused\n", n_ok, n_refused);
}

/* The geometry sentences are true at the extremes: the corner story ("most of a cube's
 * volume sits out towards its corners") only where it holds, never for d = 1 or 2; a ball
 * of radius 1e150 contains the cube (no "tiny" anything). */
static void test_sentences(void)
{
    static const struct {
        const char *json, *must, *must_not;
    } cases[] = {
        {"{\"quantity\":\"volume\",\"dim\":1,\"half_side\":1,\"radius\":0.5,\"value\":1}",
         "the whole ball: 50.0% of the cube.", "corners"},
        {"{\"quantity\":\"volume\",\"dim\":2,\"half_side\":1,\"radius\":0.9,"
         "\"value\":2.544690049}",
         "the whole ball: 63.6% of the cube.", "most of a cube"},
        {"{\"quantity\":\"volume\",\"dim\":2,\"half_side\":1,\"radius\":1.3,"
         "\"value\":3.946180155}",
         "not its 4 corners (at distance 1.41).", "much of a cube"},
        {"{\"quantity\":\"volume\",\"dim\":8,\"half_side\":1,\"radius\":0.9,"
         "\"value\":1.747142485}",
         "most of a cube's volume sits out towards its corners", NULL},
        {"{\"quantity\":\"volume\",\"dim\":8,\"half_side\":1,\"radius\":1.5,"
         "\"value\":83.16405142}",
         "much of a cube's volume lies out in those corners", NULL},
        {"{\"quantity\":\"volume\",\"dim\":8,\"half_side\":1,\"radius\":1e150,"
         "\"value\":256,\"fraction_of_cube\":1,\"fraction_of_ball\":0}",
         "The ball contains the whole cube", "tiny"},
        {"{\"quantity\":\"volume\",\"dim\":8,\"half_side\":1,\"radius\":1e150,"
         "\"value\":256,\"fraction_of_cube\":1,\"fraction_of_ball\":0}",
         "a vanishing part of the ball's volume", "0% of the ball"},
        {"{\"quantity\":\"volume\",\"dim\":8,\"half_side\":1,\"radius\":0.1,"
         "\"value\":4.058712126e-8}",
         "the whole ball: 1.59e-8% of the cube.", "corners"},
        /* the complement (quantity "complement", the part of the cube outside the ball) */
        {"{\"quantity\":\"complement\",\"dim\":8,\"half_side\":1,\"radius\":1.5,"
         "\"value\":172.835948583}",
         "part of the cube [-1, 1]^8 outside the ball", "inside the ball"},
        {"{\"quantity\":\"complement\",\"dim\":8,\"half_side\":1,\"radius\":3,\"value\":0}",
         "no part of the cube lies outside it", NULL},
        {"{\"quantity\":\"surface\",\"dim\":2,\"half_side\":1,\"radius\":1.05,"
         "\"value\":3.994649599}",
         "60.5% of the sphere's surface lies inside", "Only"},
    };
    char err[512], *text;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = llm_explain_template(cases[i].json, &text, NULL, err, sizeof err);
        CHECK_MSG(rc == 0 && text && strstr(text, cases[i].must) &&
                      (!cases[i].must_not || !strstr(text, cases[i].must_not)),
                  "sentence case %zu: rc %d (%s): %s", i, rc, err, rc == 0 ? text : "");
        if (rc == 0)
            free(text);
    }
}

int main(void)
{
    test_table();
    test_zero_se();
    test_kinds();
    test_sweep();
    test_sentences();
    return test_summary();
}
