/* test_store.c — the local model store's C API (llm/store/store.h) and its SHA-256: FIPS 180-2
 * vectors and sha256sum, Ollama name rules, create/get/list/copy/delete on tiny GGUF models
 * written here, FROM a store name, hostile manifests (each reported as corrupt with its
 * file, never skipped or overwritten), atomic writes under RLIMIT_FSIZE, and threads.
 *
 * `test_store --write-model PATH` only writes the tiny gemma3 model (tests/test_store_cli.sh
 * uses it). */
#include "llm/store/store.h"
#include "tests/support/testmodel.h"
#include "tests/test.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char root[256], sdir[300], model[300], model2[300];

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f)
        return;
    fwrite(text, 1, strlen(text), f);
    CHECK(fclose(f) == 0);
}

static char *read_file(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static char buf[1 << 16];
    size_t k = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[k] = 0;
    if (n)
        *n = k;
    char *p = malloc(k + 1);
    if (p)
        memcpy(p, buf, k + 1);
    return p;
}

/* Parses Modelfile text (FROM relative to root). */
static int mf_parse(const char *text, llm_modelfile *mf)
{
    char err[512];
    int rc = llm_modelfile_parse(text, strlen(text), "Modelfile", root, mf, err, sizeof err);
    if (rc)
        fprintf(stderr, "     modelfile: %s\n", err);
    return rc;
}

static int count_hidden(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    if (!d)
        return 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (de->d_name[0] == '.' && strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

/* ---- SHA-256 ---- */
static void test_sha256(void)
{
    static const struct {
        const char *msg, *hex;
    } v[] = {
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
        {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklm"
         "nopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
    };
    char hex[65];
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        llm_sha256_string(v[i].msg, strlen(v[i].msg), hex);
        CHECK_MSG(!strcmp(hex, v[i].hex), "sha256('%s') = %s, want %s", v[i].msg, hex, v[i].hex);
    }
    /* one million 'a' (FIPS 180-2 B.3), fed in uneven pieces */
    static char a[1000000];
    memset(a, 'a', sizeof a);
    llm_sha256 s;
    llm_sha256_init(&s);
    size_t off = 0, step = 1;
    while (off < sizeof a) {
        size_t n = step < sizeof a - off ? step : sizeof a - off;
        llm_sha256_update(&s, a + off, n);
        off += n;
        step = step * 3 % 1000 + 1;
    }
    uint8_t d[32];
    llm_sha256_final(&s, d);
    llm_sha256_hex(d, hex);
    CHECK_MSG(!strcmp(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
              "sha256(a x 1e6) = %s", hex);
    /* every length 0..200 against sha256sum (lengths around the 55/56/64-byte padding edges) */
    char path[400];
    snprintf(path, sizeof path, "%s/shatest", root);
    int bad = 0, ran = 0;
    for (int len = 0; len <= 200; len += (len < 130 ? 1 : 7)) {
        FILE *f = fopen(path, "wb");
        for (int i = 0; i < len; i++)
            fputc((i * 131 + len) & 0xff, f);
        fclose(f);
        char cmd[512], want[80] = "";
        snprintf(cmd, sizeof cmd, "sha256sum '%s' 2>/dev/null", path);
        FILE *p = popen(cmd, "r");
        if (!p || !fgets(want, sizeof want, p)) {
            if (p)
                pclose(p);
            continue;
        }
        pclose(p);
        want[64] = 0;
        uint64_t size = 0;
        CHECK(llm_sha256_file(path, hex, &size, NULL, 0) == LLM_STORE_OK);
        ran++;
        if (strcmp(hex, want) || size != (uint64_t)len) {
            bad++;
            fprintf(stderr, "     len %d: %s vs sha256sum %s\n", len, hex, want);
        }
    }
    if (ran == 0)
        printf("SKIP: sha256sum not found; compared with the FIPS vectors only\n");
    CHECK(bad == 0);
    char err[256];
    CHECK(llm_sha256_file("/nonexistent/x", hex, NULL, err, sizeof err) == LLM_STORE_ERR_IO &&
          strstr(err, "/nonexistent/x"));
}

/* ---- names ---- */
static void test_names(void)
{
    llm_store_name n;
    char err[512], full[200];
    CHECK(llm_store_name_parse("gemma3", &n, err, sizeof err) == 0 && !strcmp(n.model, "gemma3") &&
          !strcmp(n.tag, "latest"));
    CHECK(llm_store_name_parse("gemma3:270m", &n, err, sizeof err) == 0 && !strcmp(n.tag, "270m"));
    llm_store_name_format(&n, full, sizeof full);
    CHECK(!strcmp(full, "gemma3:270m"));
    CHECK(llm_store_name_parse("_a.b-c:V1.0_x-y", &n, err, sizeof err) == 0);
    char longest[200];
    memset(longest, 'm', 80);
    longest[80] = ':';
    memset(longest + 81, 't', 80);
    longest[161] = 0;
    CHECK(llm_store_name_parse(longest, &n, err, sizeof err) == 0);
    static const char *bad[] = {"", ":", "x:", ":t", "a/b", "library/gemma3", "../x", "..", ".x",
                                "-x", "x:-t", "x:.t", "x:y:z", "x y", "x\x01", "x:t\n",
                                "gemma3:270m;rm", "\xc3\xbc", "a\\b", "x:t/..", "~x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = 0;
        int rc = llm_store_name_parse(bad[i], &n, err, sizeof err);
        CHECK_MSG(rc == LLM_STORE_ERR_INVAL && strstr(err, "invalid model name"),
                  "'%s' accepted (%d, %s)", bad[i], rc, err);
        for (const char *c = err; *c; c++) /* the message never echoes control bytes */
            CHECK_MSG((unsigned char)*c >= 0x20, "control byte in '%s'", err);
    }
    char m81[100];
    memset(m81, 'm', 81);
    m81[81] = 0;
    CHECK(llm_store_name_parse(m81, &n, err, sizeof err) == LLM_STORE_ERR_INVAL &&
          strstr(err, "81 bytes"));
    longest[161] = 't'; /* tag of 81 */
    longest[162] = 0;
    CHECK(llm_store_name_parse(longest, &n, err, sizeof err) == LLM_STORE_ERR_INVAL &&
          strstr(err, "tag"));
    char *huge = malloc(1 << 20);
    memset(huge, 'a', (1 << 20) - 1);
    huge[(1 << 20) - 1] = 0;
    CHECK(llm_store_name_parse(huge, &n, err, sizeof err) == LLM_STORE_ERR_INVAL &&
          strlen(err) < 300);
    free(huge);
    CHECK(llm_store_name_parse("a/b", &n, err, sizeof err) == LLM_STORE_ERR_INVAL &&
          strstr(err, "'/'"));
}

/* ---- create / get / list / copy / delete ---- */
static void test_round_trip(llm_store *s)
{
    char err[1024];
    llm_modelfile mf;
    CHECK(mf_parse("FROM tiny.gguf\nPARAMETER temperature 0.25\nPARAMETER numa true\n"
                   "PARAMETER stop \"<end_of_turn>\"\nPARAMETER stop a \"b\"\nPARAMETER stop \"x\"\"\n"
                   "PARAMETER seed 9007199254740993\n"
                   "SYSTEM \"\"\"Be brief.\nVery.\"\"\"\n"
                   "TEMPLATE {{ if .System }}{{ .System }} {{ end }}{{ .Prompt }}\n"
                   "MESSAGE user hi\nLICENSE MIT\n",
                   &mf) == 0);
    CHECK(mf.n_warnings == 1); /* numa: accepted with a note */
    llm_store_entry e;
    int rc = llm_store_create(s, "Tiny:V1", &mf, 0, &e, err, sizeof err);
    CHECK_MSG(rc == 0, "create: %s", err);
    llm_modelfile_free(&mf);
    if (rc)
        return;
    CHECK(!strcmp(e.name, "Tiny:V1"));
    CHECK(!strcmp(e.gguf_path, model) && !e.copied);
    char hex[65];
    uint64_t size;
    CHECK(llm_sha256_file(model, hex, &size, NULL, 0) == 0);
    CHECK(!strcmp(e.sha256, hex) && e.size == size);
    CHECK(e.family && !strcmp(e.family, "gemma3"));
    CHECK(e.quantization && e.quantization[0]);
    CHECK(e.parameter_count > 0 && e.context_length == 64);
    CHECK(e.system && !strcmp(e.system, "Be brief.\nVery."));
    CHECK(e.n_messages == 1 && e.n_licenses == 1);
    CHECK(e.created_unix > 1700000000 && strchr(e.created_at, 'T') &&
          e.created_at[strlen(e.created_at) - 1] == 'Z');
    int n_stop = 0, found_seed = 0;
    for (int i = 0; i < e.n_params; i++) {
        n_stop += !strcmp(e.params[i].name, "stop");
        if (!strcmp(e.params[i].name, "seed"))
            found_seed = !strcmp(e.params[i].value, "9007199254740993"); /* > 2^53: exact */
    }
    CHECK(n_stop == 3 && found_seed);
    /* the file name is lower case; lookups ignore case */
    char path[600];
    snprintf(path, sizeof path, "%s/manifests/tiny:v1.json", sdir);
    CHECK(access(path, F_OK) == 0);
    llm_store_entry g;
    CHECK(llm_store_get(s, "TINY:v1", &g, err, sizeof err) == 0 && !strcmp(g.name, "Tiny:V1"));
    CHECK(!strcmp(g.digest, e.digest));
    /* back to a Modelfile struct: the same parameters, template and system */
    llm_modelfile back;
    CHECK(llm_store_entry_to_modelfile(&g, &back, err, sizeof err) == 0);
    llm_params p;
    llm_params_default(&p);
    CHECK(llm_modelfile_apply(&back, &p, NULL, 0) == 0);
    CHECK(p.temperature == 0.25f && p.n_stop == 3 && !strcmp(p.stop[1], "a \"b\"") &&
          !strcmp(p.stop[2], "x\"") && p.seed == 9007199254740993ull);
    CHECK(back.template_text && back.system && !strcmp(back.model_path, model));
    CHECK(back.n_warnings == 0);
    llm_modelfile_free(&back);
    /* the Modelfile view parses back to the same model */
    char *text = llm_store_entry_modelfile_text(&g);
    CHECK(text != NULL);
    llm_modelfile mf2;
    CHECK(text && mf_parse(text, &mf2) == 0);
    if (text) {
        llm_store_entry h;
        CHECK(llm_store_create(s, "tiny:v2", &mf2, 0, &h, err, sizeof err) == 0);
        CHECK_MSG(!strcmp(h.digest, g.digest), "digest %s vs %s:\n%s", h.digest, g.digest, text);
        llm_store_entry_free(&h);
        llm_modelfile_free(&mf2);
    }
    free(text);
    char *pt = llm_store_entry_parameters_text(&g);
    CHECK(pt && strstr(pt, "stop                           \"<end_of_turn>\"\n") &&
          strstr(pt, "temperature                    0.25\n"));
    free(pt);
    llm_store_entry_free(&g);
    llm_store_entry_free(&e);

    /* FROM a store name: inherits, the Modelfile's lines override */
    CHECK(mf_parse("FROM Tiny:V1\nPARAMETER temperature 0\nSYSTEM other\n", &mf) == 0);
    rc = llm_store_create(s, "derived", &mf, 0, &e, err, sizeof err);
    CHECK_MSG(rc == 0, "create FROM name: %s", err);
    llm_modelfile_free(&mf);
    if (!rc) {
        CHECK(!strcmp(e.gguf_path, model) && !strcmp(e.name, "derived:latest"));
        CHECK(e.system && !strcmp(e.system, "other") && e.template_text);
        int temp0 = 0, stops = 0;
        for (int i = 0; i < e.n_params; i++) {
            temp0 += !strcmp(e.params[i].name, "temperature") && !strcmp(e.params[i].value, "0");
            stops += !strcmp(e.params[i].name, "stop");
        }
        CHECK(temp0 == 1 && stops == 3);
        llm_store_entry_free(&e);
    }
    CHECK(llm_store_get(s, "derived:latest", &e, err, sizeof err) == 0);
    llm_store_entry_free(&e);

    /* copy, list, delete */
    CHECK(llm_store_copy(s, "tiny:v1", "cp1:x", err, sizeof err) == 0);
    CHECK(llm_store_copy(s, "nope", "cp2", err, sizeof err) == LLM_STORE_ERR_NOTFOUND &&
          strstr(err, "model 'nope' not found"));
    CHECK(llm_store_copy(s, "tiny:v1", "a/b", err, sizeof err) == LLM_STORE_ERR_INVAL);
    llm_store_listing l;
    CHECK(llm_store_list(s, &l, err, sizeof err) == 0);
    CHECK_MSG(l.n == 4 && l.n_problems == 0, "%d entries, %d problems", l.n, l.n_problems);
    int have_cp = 0;
    for (int i = 0; i < l.n; i++)
        if (!strcmp(l.entries[i].name, "cp1:x")) {
            have_cp = 1;
            llm_store_entry t1;
            CHECK(llm_store_get(s, "tiny:v1", &t1, err, sizeof err) == 0);
            CHECK(!strcmp(t1.digest, l.entries[i].digest)); /* same model, same ID */
            llm_store_entry_free(&t1);
        }
    CHECK(have_cp);
    for (int i = 1; i < l.n; i++)
        CHECK(l.entries[i - 1].created_unix >= l.entries[i].created_unix);
    llm_store_listing_free(&l);
    CHECK(llm_store_delete(s, "cp1:X", err, sizeof err) == 0);
    CHECK(llm_store_delete(s, "cp1:x", err, sizeof err) == LLM_STORE_ERR_NOTFOUND &&
          strstr(err, "model 'cp1:x' not found"));
    CHECK(llm_store_get(s, "cp1:x", &e, err, sizeof err) == LLM_STORE_ERR_NOTFOUND);
    CHECK(access(model, F_OK) == 0); /* a GGUF recorded by path is never removed */
    CHECK(llm_store_delete(s, "tiny:v2", err, sizeof err) == 0);
    CHECK(llm_store_delete(s, "derived", err, sizeof err) == 0);
}

/* ---- FROM that is not a model ---- */
static void test_bad_from(llm_store *s)
{
    char err[1024], path[600];
    llm_modelfile mf;
    CHECK(mf_parse("FROM sub\n", &mf) == 0); /* a folder */
    CHECK(llm_store_create(s, "bad", &mf, 0, NULL, err, sizeof err) == LLM_STORE_ERR_MODEL &&
          strstr(err, "is a folder"));
    llm_modelfile_free(&mf);
    CHECK(mf_parse("FROM missing.gguf\n", &mf) == 0);
    CHECK(llm_store_create(s, "bad", &mf, 0, NULL, err, sizeof err) == LLM_STORE_ERR_MODEL &&
          strstr(err, "no such file") && strstr(err, "missing.gguf"));
    llm_modelfile_free(&mf);
    CHECK(mf_parse("FROM garbage.gguf\n", &mf) == 0);
    CHECK(llm_store_create(s, "bad", &mf, 0, NULL, err, sizeof err) == LLM_STORE_ERR_MODEL &&
          strstr(err, "not a usable model"));
    llm_modelfile_free(&mf);
    CHECK(mf_parse("FROM nosuchmodel:v9\n", &mf) == 0);
    CHECK(llm_store_create(s, "bad", &mf, 0, NULL, err, sizeof err) == LLM_STORE_ERR_MODEL &&
          strstr(err, "no model 'nosuchmodel:v9' in the store"));
    llm_modelfile_free(&mf);
    snprintf(path, sizeof path, "%s/manifests/bad:latest.json", sdir);
    CHECK(access(path, F_OK) != 0); /* nothing written */
    CHECK(mf_parse("FROM tiny.gguf\n", &mf) == 0);
    CHECK(llm_store_create(s, "../evil", &mf, 0, NULL, err, sizeof err) == LLM_STORE_ERR_INVAL);
    CHECK(llm_store_create(s, "x/y", &mf, 0, NULL, err, sizeof err) == LLM_STORE_ERR_INVAL);
    llm_modelfile_free(&mf);
}

/* ---- hostile manifests ---- */
static void test_corrupt(llm_store *s)
{
    char err[2048], path[600];
    llm_modelfile mf;
    CHECK(mf_parse("FROM tiny.gguf\n", &mf) == 0);
    CHECK(llm_store_create(s, "good", &mf, 0, NULL, err, sizeof err) == 0);
    char gpath[600];
    snprintf(gpath, sizeof gpath, "%s/manifests/good:latest.json", sdir);
    char *good = read_file(gpath, NULL);
    CHECK(good != NULL);
    char sha[65];
    CHECK(llm_sha256_file(model, sha, NULL, NULL, 0) == 0);
    static char big[3 << 20];
    /* a string longer than the limit (system text over 1 MiB) */
    int k = snprintf(big, sizeof big, "{\"version\":1,\"name\":\"c:latest\",\"gguf\":{\"path\":"
                                      "\"%s\",\"sha256\":\"%s\",\"size\":1},\"created_at\":"
                                      "\"2026-01-01T00:00:00Z\",\"system\":\"", model, sha);
    memset(big + k, 'x', (1 << 20) + 1);
    strcpy(big + k + (1 << 20) + 1, "\"}");
    const struct {
        const char *json, *needle;
    } cases[] = {
        {"", "empty file"},
        {"{", "not valid JSON"},
        {"[1,2]", "not a JSON object"},
        {"{\"version\":1}", "field 'name' is missing"},
        {"{\"name\":\"c\"}", "field 'version' is missing"},
        {"{\"version\":\"1\",\"name\":\"c\"}", "field 'version' must be"},
        {"{\"version\":2,\"name\":\"c\"}", "newer so8t"},
        {"{\"version\":1,\"name\":7}", "field 'name' must be a string"},
        {"{\"version\":1,\"name\":\"other\"}", "but the file is for 'c:latest'"},
        {"{\"version\":1,\"name\":\"../c\"}", "invalid model name"},
        {"{\"version\":1,\"name\":\"c\"}", "field 'gguf' is missing"},
        {"{\"version\":1,\"name\":\"c\",\"gguf\":[]}", "field 'gguf' must be an object"},
        {"{\"version\":1,\"name\":\"c\",\"gguf\":{\"sha256\":\"zz\"}}", "gguf.sha256"},
        {"{\"version\":1,\"name\":\"c\",\"gguf\":{\"path\":\"rel.gguf\",\"sha256\":"
         "\"0000000000000000000000000000000000000000000000000000000000000000\",\"size\":1},"
         "\"created_at\":\"2026-01-01T00:00:00Z\"}",
         "absolute path"},
        {"{\"version\":1,\"name\":\"c\",\"gguf\":{\"blob\":\"sha256-../../etc/passwd\",\"sha256\":"
         "\"0000000000000000000000000000000000000000000000000000000000000000\",\"size\":1},"
         "\"created_at\":\"2026-01-01T00:00:00Z\"}",
         "gguf.blob"},
        {"{\"version\":1,\"name\":\"c\",\"gguf\":{\"path\":\"/x\",\"sha256\":"
         "\"0000000000000000000000000000000000000000000000000000000000000000\",\"size\":-1},"
         "\"created_at\":\"2026-01-01T00:00:00Z\"}",
         "gguf.size"},
        {"{\"version\":1,\"name\":\"c\",\"gguf\":{\"path\":\"/x\",\"sha256\":"
         "\"0000000000000000000000000000000000000000000000000000000000000000\",\"size\":1}}",
         "created_at"},
        {"{\"version\":1,\"name\":\"c\",\"gguf\":{\"path\":\"/x\",\"sha256\":"
         "\"0000000000000000000000000000000000000000000000000000000000000000\",\"size\":1},"
         "\"created_at\":\"yesterday\"}",
         "RFC 3339"},
        {"{\"version\":1,\"name\":\"c\",\"gguf\":{\"path\":\"/x\",\"sha256\":"
         "\"0000000000000000000000000000000000000000000000000000000000000000\",\"size\":1},"
         "\"created_at\":\"2026-01-01T00:00:00Z\",\"parameters\":{\"bogus\":1}}",
         "unknown parameter 'bogus'"},
        {"{\"version\":1,\"name\":\"c\",\"gguf\":{\"path\":\"/x\",\"sha256\":"
         "\"0000000000000000000000000000000000000000000000000000000000000000\",\"size\":1},"
         "\"created_at\":\"2026-01-01T00:00:00Z\",\"parameters\":{\"temperature\":\"hot\"}}",
         "invalid float value 'hot'"},
        {"{\"version\":1,\"name\":\"c\",\"gguf\":{\"path\":\"/x\",\"sha256\":"
         "\"0000000000000000000000000000000000000000000000000000000000000000\",\"size\":1},"
         "\"created_at\":\"2026-01-01T00:00:00Z\",\"parameters\":{\"top_k\":{}}}",
         "parameter 'top_k' must be"},
        {"{\"version\":1,\"name\":\"c\",\"gguf\":{\"path\":\"/x\",\"sha256\":"
         "\"0000000000000000000000000000000000000000000000000000000000000000\",\"size\":1},"
         "\"created_at\":\"2026-01-01T00:00:00Z\",\"template\":\"{{ range .Messages }}\"}",
         "field 'template'"},
        {"{\"version\":1,\"name\":\"c\",\"gguf\":{\"path\":\"/x\",\"sha256\":"
         "\"0000000000000000000000000000000000000000000000000000000000000000\",\"size\":1},"
         "\"created_at\":\"2026-01-01T00:00:00Z\",\"messages\":[{\"role\":\"root\","
         "\"content\":\"x\"}]}",
         "field 'messages'"},
        {"{\"version\":1,\"name\":\"c\",\"gguf\":{\"path\":\"/x\",\"sha256\":"
         "\"0000000000000000000000000000000000000000000000000000000000000000\",\"size\":1},"
         "\"created_at\":\"2026-01-01T00:00:00Z\",\"license\":\"MIT\"}",
         "field 'license'"},
        {big, "field 'system' is 1048577 bytes long"},
    };
    snprintf(path, sizeof path, "%s/manifests/c:latest.json", sdir);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        write_file(path, cases[i].json);
        llm_store_entry e;
        err[0] = 0;
        int rc = llm_store_get(s, "c", &e, err, sizeof err);
        CHECK_MSG(rc == LLM_STORE_ERR_CORRUPT && strstr(err, path) && strstr(err, cases[i].needle),
                  "case %zu: rc %d, '%.300s' (want '%s')", i, rc, err, cases[i].needle);
        if (rc == 0)
            llm_store_entry_free(&e);
    }
    /* a NUL byte */
    FILE *f = fopen(path, "wb");
    fwrite("{\"version\":1,\0}", 1, 15, f);
    fclose(f);
    llm_store_entry e;
    CHECK(llm_store_get(s, "c", &e, err, sizeof err) == LLM_STORE_ERR_CORRUPT &&
          strstr(err, "NUL byte"));
    /* a folder where a manifest should be */
    snprintf(path, sizeof path, "%s/manifests/d:latest.json", sdir);
    CHECK(mkdir(path, 0755) == 0);
    CHECK(llm_store_get(s, "d", &e, err, sizeof err) == LLM_STORE_ERR_CORRUPT &&
          strstr(err, "not a regular file"));
    /* a stray file */
    snprintf(path, sizeof path, "%s/manifests/notes.txt", sdir);
    write_file(path, "hello");

    /* list reports every bad one with its file, and still lists the good one */
    llm_store_listing l;
    CHECK(llm_store_list(s, &l, err, sizeof err) == 0);
    CHECK_MSG(l.n_problems == 3, "%d problems", l.n_problems);
    int good_listed = 0;
    for (int i = 0; i < l.n; i++)
        good_listed |= !strcmp(l.entries[i].name, "good:latest");
    CHECK(good_listed);
    int seen_c = 0, seen_txt = 0;
    for (int i = 0; i < l.n_problems; i++) {
        seen_c |= strstr(l.problems[i].file, "c:latest.json") &&
                  strstr(l.problems[i].message, "NUL byte");
        seen_txt |= strstr(l.problems[i].message, "notes.txt: not a manifest") != NULL;
    }
    CHECK(seen_c && seen_txt);
    llm_store_listing_free(&l);

    /* a corrupt manifest is never overwritten: create and cp refuse, the file stays */
    snprintf(path, sizeof path, "%s/manifests/c:latest.json", sdir);
    write_file(path, "{broken");
    CHECK(llm_store_create(s, "C", &mf, 0, NULL, err, sizeof err) == LLM_STORE_ERR_CORRUPT &&
          strstr(err, path));
    CHECK(llm_store_copy(s, "good", "c", err, sizeof err) == LLM_STORE_ERR_CORRUPT);
    char *now = read_file(path, NULL);
    CHECK(now && !strcmp(now, "{broken"));
    free(now);
    /* ... but rm removes it, and then create works */
    CHECK(llm_store_delete(s, "c", err, sizeof err) == 0);
    CHECK(llm_store_create(s, "c", &mf, 0, NULL, err, sizeof err) == 0);
    CHECK(llm_store_delete(s, "c", err, sizeof err) == 0);
    snprintf(path, sizeof path, "%s/manifests/d:latest.json", sdir);
    rmdir(path);
    snprintf(path, sizeof path, "%s/manifests/notes.txt", sdir);
    unlink(path);
    /* the good manifest was never touched */
    char *after = read_file(gpath, NULL);
    CHECK(good && after && !strcmp(good, after));
    free(good);
    free(after);

    /* the GGUF changed or vanished after create: a clear error at use */
    CHECK(llm_store_get(s, "good", &e, err, sizeof err) == 0);
    char *saved = e.gguf_path;
    char other[600];
    snprintf(other, sizeof other, "%s/garbage.gguf", root);
    e.gguf_path = other;
    llm_modelfile back;
    CHECK(llm_store_entry_to_modelfile(&e, &back, err, sizeof err) == LLM_STORE_ERR_MODEL &&
          strstr(err, "has changed"));
    snprintf(other, sizeof other, "%s/gone.gguf", root);
    CHECK(llm_store_entry_to_modelfile(&e, &back, err, sizeof err) == LLM_STORE_ERR_MODEL &&
          strstr(err, "is gone"));
    e.gguf_path = saved;
    llm_store_entry_free(&e);
    CHECK(llm_store_delete(s, "good", err, sizeof err) == 0);
    llm_modelfile_free(&mf);
}

/* ---- copy into the store ---- */
static void test_copy_blob(llm_store *s)
{
    char err[1024];
    llm_modelfile mf;
    CHECK(mf_parse("FROM tiny2.gguf\n", &mf) == 0);
    llm_store_entry e;
    CHECK(llm_store_create(s, "blobby", &mf, 1, &e, err, sizeof err) == 0);
    llm_modelfile_free(&mf);
    char want[65], hex[65];
    CHECK(llm_sha256_file(model2, want, NULL, NULL, 0) == 0);
    CHECK(e.copied && !strcmp(e.sha256, want));
    char blob[600];
    snprintf(blob, sizeof blob, "%s/blobs/sha256-%s", sdir, want);
    CHECK(!strcmp(e.gguf_path, blob));
    CHECK(llm_sha256_file(blob, hex, NULL, NULL, 0) == 0 && !strcmp(hex, want));
    llm_store_entry_free(&e);
    /* the blob stays while another name uses it, and goes with the last one */
    CHECK(llm_store_copy(s, "blobby", "blobby2", err, sizeof err) == 0);
    CHECK(llm_store_delete(s, "blobby", err, sizeof err) == 0);
    CHECK(access(blob, F_OK) == 0);
    CHECK(llm_store_delete(s, "blobby2", err, sizeof err) == 0);
    CHECK(access(blob, F_OK) != 0);
    CHECK(access(model2, F_OK) == 0);
    char bdir[400];
    snprintf(bdir, sizeof bdir, "%s/blobs", sdir);
    CHECK(count_hidden(bdir) == 0);
}

/* ---- atomic writes: a size limit mid-write leaves the old manifest whole ---- */
static void test_atomic(llm_store *s)
{
    char err[1024], path[600], mdir[400];
    llm_modelfile mf;
    CHECK(mf_parse("FROM tiny.gguf\nSYSTEM old\n", &mf) == 0);
    CHECK(llm_store_create(s, "keep", &mf, 0, NULL, err, sizeof err) == 0);
    llm_modelfile_free(&mf);
    snprintf(path, sizeof path, "%s/manifests/keep:latest.json", sdir);
    snprintf(mdir, sizeof mdir, "%s/manifests", sdir);
    char *before = read_file(path, NULL);
    for (int ignore = 1; ignore >= 0; ignore--) {
        pid_t pid = fork();
        if (pid == 0) {
            /* 100 bytes: less than any manifest; SIGXFSZ ignored → write fails (EFBIG),
               else the signal kills the child half way */
            if (ignore)
                signal(SIGXFSZ, SIG_IGN);
            struct rlimit rl = {100, 100};
            setrlimit(RLIMIT_FSIZE, &rl);
            llm_modelfile m2;
            char e2[1024];
            if (mf_parse("FROM tiny.gguf\nSYSTEM \"\"\"new and longer than one hundred bytes, "
                         "so the write cannot fit under the limit at all\"\"\"\n", &m2))
                _exit(3);
            int rc = llm_store_create(s, "keep", &m2, 0, NULL, e2, sizeof e2);
            _exit(rc == LLM_STORE_ERR_IO && strstr(e2, "unchanged") ? 0 : 4);
        }
        int st = 0;
        waitpid(pid, &st, 0);
        if (ignore)
            CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %d", st);
        else
            CHECK_MSG(WIFSIGNALED(st) && WTERMSIG(st) == SIGXFSZ, "child status %d", st);
        char *after = read_file(path, NULL);
        CHECK(before && after && !strcmp(before, after));
        free(after);
        if (ignore) /* the failed write cleaned up after itself */
            CHECK(count_hidden(mdir) == 0);
        llm_store_entry e;
        CHECK(llm_store_get(s, "keep", &e, err, sizeof err) == 0 && e.system &&
              !strcmp(e.system, "old"));
        llm_store_entry_free(&e);
    }
    free(before);
    /* the killed child may leave a hidden temporary file: list ignores it */
    llm_store_listing l;
    CHECK(llm_store_list(s, &l, err, sizeof err) == 0 && l.n_problems == 0);
    llm_store_listing_free(&l);
    CHECK(llm_store_delete(s, "keep", err, sizeof err) == 0);
}

/* ---- threads: one store, many writers and readers ---- */
typedef struct {
    llm_store *s;
    int id;
    int failures;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    char err[1024], name[64];
    llm_modelfile mf;
    char text[512];
    snprintf(text, sizeof text, "FROM %s\nPARAMETER seed %d\n", model, w->id);
    if (llm_modelfile_parse(text, strlen(text), "t", NULL, &mf, err, sizeof err)) {
        w->failures++;
        return NULL;
    }
    for (int r = 0; r < 4; r++) {
        snprintf(name, sizeof name, "t%d:r%d", w->id, r);
        if (llm_store_create(w->s, name, &mf, 0, NULL, err, sizeof err))
            w->failures++;
        if (llm_store_create(w->s, "shared", &mf, 0, NULL, err, sizeof err))
            w->failures++;
        llm_store_entry e;
        if (llm_store_get(w->s, "shared", &e, err, sizeof err))
            w->failures++;
        else
            llm_store_entry_free(&e);
        if (llm_store_copy(w->s, name, "shared2", err, sizeof err))
            w->failures++;
    }
    llm_modelfile_free(&mf);
    return NULL;
}

static void test_threads(llm_store *s)
{
    enum { N = 4 };
    llm_store_listing l;
    char err[512];
    CHECK(llm_store_list(s, &l, err, sizeof err) == 0);
    int before = l.n;
    llm_store_listing_free(&l);
    pthread_t t[N];
    worker w[N];
    for (int i = 0; i < N; i++) {
        w[i] = (worker){s, i, 0};
        pthread_create(&t[i], NULL, work, &w[i]);
    }
    int fails = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(t[i], NULL);
        fails += w[i].failures;
    }
    CHECK(fails == 0);
    CHECK(llm_store_list(s, &l, err, sizeof err) == 0);
    CHECK_MSG(l.n == before + N * 4 + 2 && l.n_problems == 0, "%d entries, %d problems", l.n,
              l.n_problems);
    for (int i = 0; i < l.n; i++)
        llm_store_delete(s, l.entries[i].name, err, sizeof err);
    llm_store_listing_free(&l);
}

int main(int argc, char **argv)
{
    char err[512];
    if (argc == 3 && !strcmp(argv[1], "--write-model")) {
        if (llm_test_model_write(argv[2], "gemma3", LLM_TYPE_Q8_0, 21, err, sizeof err)) {
            fprintf(stderr, "test_store: %s\n", err);
            return 1;
        }
        return 0;
    }
    snprintf(root, sizeof root, "/tmp/so8t_test_store_XXXXXX");
    if (!mkdtemp(root)) {
        CHECK_MSG(0, "mkdtemp: %s", strerror(errno));
        return test_summary();
    }
    snprintf(sdir, sizeof sdir, "%s/store", root);
    snprintf(model, sizeof model, "%s/tiny.gguf", root);
    snprintf(model2, sizeof model2, "%s/tiny2.gguf", root);
    CHECK(llm_test_model_write(model, "gemma3", LLM_TYPE_Q8_0, 21, err, sizeof err) == 0);
    CHECK(llm_test_model_write(model2, "gemma3", LLM_TYPE_F16, 5, err, sizeof err) == 0);
    char p[400];
    snprintf(p, sizeof p, "%s/garbage.gguf", root);
    write_file(p, "GGUF but not really a model file");
    snprintf(p, sizeof p, "%s/sub", root);
    mkdir(p, 0755);

    test_sha256();
    test_names();
    llm_store *s = NULL;
    CHECK(llm_store_open(sdir, &s, err, sizeof err) == 0);
    llm_store_listing l;
    CHECK(llm_store_list(s, &l, err, sizeof err) == 0 && l.n == 0); /* no folder yet: empty */
    llm_store_listing_free(&l);
    test_round_trip(s);
    test_bad_from(s);
    test_corrupt(s);
    test_copy_blob(s);
    test_atomic(s);
    test_threads(s);
    llm_store_close(s);
    llm_store *bad = NULL;
    CHECK(llm_store_open(model, &bad, err, sizeof err) == LLM_STORE_ERR_IO &&
          strstr(err, "not a folder"));
    setenv("SO8T_MODELS", "/x/y", 1);
    CHECK(llm_store_default_dir(p, sizeof p) == 0 && !strcmp(p, "/x/y"));
    unsetenv("SO8T_MODELS");
    setenv("HOME", "/h", 1);
    CHECK(llm_store_default_dir(p, sizeof p) == 0 && !strcmp(p, "/h/.so8t/models"));

    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    CHECK(system(cmd) == 0);
    return test_summary();
}
