/* store_list.c — listing every manifest, corrupt ones reported as problems (see store.h for the layout and the manifest format). */
#include "llm/store/store_internal.h"
#include "base/err.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- listing ---- */

void llm_store_listing_free(llm_store_listing *l)
{
    if (!l)
        return;
    for (int i = 0; i < l->n; i++)
        llm_store_entry_free(&l->entries[i]);
    free(l->entries);
    for (int i = 0; i < l->n_problems; i++) {
        free(l->problems[i].file);
        free(l->problems[i].message);
    }
    free(l->problems);
    memset(l, 0, sizeof *l);
}

static int cmp_entries(const void *a, const void *b)
{
    const llm_store_entry *x = a, *y = b;
    if (x->created_unix != y->created_unix)
        return x->created_unix > y->created_unix ? -1 : 1;
    return strcmp(x->name, y->name);
}

static int cmp_problems(const void *a, const void *b)
{
    return strcmp(((const llm_store_problem *)a)->file, ((const llm_store_problem *)b)->file);
}

static int add_problem(llm_store_listing *l, const char *file, const char *msg)
{
    llm_store_problem *a = realloc(l->problems, ((size_t)l->n_problems + 1) * sizeof *a);
    if (!a)
        return LLM_STORE_ERR_NOMEM;
    l->problems = a;
    a[l->n_problems].file = so8t_strdup(file);
    a[l->n_problems].message = so8t_strdup(msg);
    l->n_problems++;
    return a[l->n_problems - 1].file && a[l->n_problems - 1].message ? LLM_STORE_OK
                                                                     : LLM_STORE_ERR_NOMEM;
}

int llm_store_list(llm_store *s, llm_store_listing *out, char *err, size_t errlen)
{
    if (!s || !out) {
        so8t_err_set(err, errlen, "llm_store_list: no store or output");
        return LLM_STORE_ERR_INVAL;
    }
    memset(out, 0, sizeof *out);
    char *mdir = store_printf("%s/manifests", s->dir);
    if (!mdir)
        return LLM_STORE_ERR_NOMEM;
    DIR *dp = opendir(mdir);
    if (!dp) {
        int e = errno;
        if (e == ENOENT) {
            free(mdir);
            return LLM_STORE_OK; /* an empty store */
        }
        so8t_err_set(err, errlen, "cannot read the model store %s: %s", mdir, strerror(e));
        free(mdir);
        return LLM_STORE_ERR_IO;
    }
    int rc = LLM_STORE_OK;
    struct dirent *de;
    while (rc == LLM_STORE_OK && (errno = 0, de = readdir(dp)) != NULL) {
        const char *fn = de->d_name;
        if (fn[0] == '.') /* ".", "..", temporary files */
            continue;
        char *path = store_printf("%s/%s", mdir, fn);
        if (!path) {
            rc = LLM_STORE_ERR_NOMEM;
            break;
        }
        size_t fl = strlen(fn);
        llm_store_name nm;
        char nerr[256], msg[1024];
        int named = fl > 5 && !strcmp(fn + fl - 5, ".json");
        if (named) {
            char base[512];
            snprintf(base, sizeof base, "%.*s", (int)(fl - 5), fn);
            named = fl - 5 < sizeof base && !llm_store_name_parse(base, &nm, nerr, sizeof nerr) &&
                    strchr(base, ':');
        }
        if (!named) {
            snprintf(msg, sizeof msg, "%s: not a manifest (expected MODEL:TAG.json); move it "
                                      "out of the store", path);
            rc = add_problem(out, path, msg);
            free(path);
            continue;
        }
        llm_store_entry e;
        char rerr[1024];
        int r = store_manifest_read(s, path, &nm, &e, NULL, rerr, sizeof rerr);
        if (r == LLM_STORE_OK) {
            llm_store_entry *a = realloc(out->entries, ((size_t)out->n + 1) * sizeof *a);
            if (!a) {
                llm_store_entry_free(&e);
                rc = LLM_STORE_ERR_NOMEM;
            } else {
                out->entries = a;
                a[out->n++] = e;
            }
        } else if (r == LLM_STORE_ERR_NOMEM) {
            rc = r;
        } else if (r != LLM_STORE_ERR_NOTFOUND) { /* NOTFOUND: removed meanwhile */
            rc = add_problem(out, path, rerr);
        }
        free(path);
    }
    if (rc == LLM_STORE_OK && errno != 0 && !de) {
        so8t_err_set(err, errlen, "cannot read the model store %s: %s", mdir, strerror(errno));
        rc = LLM_STORE_ERR_IO;
    }
    closedir(dp);
    free(mdir);
    if (rc) {
        if (rc == LLM_STORE_ERR_NOMEM)
            so8t_err_set(err, errlen, "out of memory listing the model store");
        llm_store_listing_free(out);
        return rc;
    }
    if (out->n > 1)
        qsort(out->entries, (size_t)out->n, sizeof *out->entries, cmp_entries);
    if (out->n_problems > 1)
        qsort(out->problems, (size_t)out->n_problems, sizeof *out->problems, cmp_problems);
    return LLM_STORE_OK;
}
