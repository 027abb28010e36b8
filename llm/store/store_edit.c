/* store_edit.c — removing and copying models (see store.h for the layout and the manifest format). */
#include "llm/store/store_internal.h"
#include "base/err.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- delete, copy ---- */

int llm_store_delete(llm_store *s, const char *name, char *err, size_t errlen)
{
    if (!s) {
        so8t_err_set(err, errlen, "llm_store_delete: no store");
        return LLM_STORE_ERR_INVAL;
    }
    llm_store_name nm;
    int rc = llm_store_name_parse(name, &nm, err, errlen);
    if (rc)
        return rc;
    char *mpath = store_manifest_path(s, &nm);
    char *mdir = store_printf("%s/manifests", s->dir);
    if (!mpath || !mdir) {
        free(mpath);
        free(mdir);
        return LLM_STORE_ERR_NOMEM;
    }
    pthread_mutex_lock(&s->lock);
    llm_store_entry e;
    char rerr[512];
    int r = store_manifest_read(s, mpath, &nm, &e, NULL, rerr, sizeof rerr);
    if (r == LLM_STORE_ERR_NOTFOUND) {
        so8t_err_set(err, errlen, "model '%s' not found", name);
        rc = r;
        goto out;
    }
    if (unlink(mpath) != 0) {
        so8t_err_set(err, errlen, "cannot remove %s: %s", mpath, strerror(errno));
        rc = LLM_STORE_ERR_IO;
        if (r == LLM_STORE_OK)
            llm_store_entry_free(&e);
        goto out;
    }
    store_fsync_dir(mdir);
    if (r == LLM_STORE_OK && e.copied) {
        /* the blob goes when no other manifest uses it (and none is unreadable: it might) */
        llm_store_listing l;
        if (llm_store_list(s, &l, NULL, 0) == LLM_STORE_OK) {
            int used = l.n_problems > 0;
            for (int i = 0; i < l.n; i++)
                used |= l.entries[i].copied && !strcmp(l.entries[i].sha256, e.sha256);
            if (!used)
                unlink(e.gguf_path);
            llm_store_listing_free(&l);
        }
    }
    if (r == LLM_STORE_OK)
        llm_store_entry_free(&e);
out:
    pthread_mutex_unlock(&s->lock);
    free(mpath);
    free(mdir);
    return rc;
}

int llm_store_copy(llm_store *s, const char *src, const char *dst, char *err, size_t errlen)
{
    if (!s) {
        so8t_err_set(err, errlen, "llm_store_copy: no store");
        return LLM_STORE_ERR_INVAL;
    }
    llm_store_name dn;
    int rc = llm_store_name_parse(dst, &dn, err, errlen);
    if (rc)
        return rc;
    llm_store_name sn;
    if ((rc = llm_store_name_parse(src, &sn, err, errlen)))
        return rc;
    char *dpath = store_manifest_path(s, &dn);
    char *mdir = store_printf("%s/manifests", s->dir);
    char *created = store_now_rfc3339();
    char *text = NULL;
    cJSON *j = NULL;
    if (!dpath || !mdir || !created) {
        rc = LLM_STORE_ERR_NOMEM;
        goto free_all;
    }
    pthread_mutex_lock(&s->lock);
    llm_store_entry e;
    rc = store_get_locked(s, src, &e, &j, err, errlen);
    if (rc)
        goto out;
    llm_store_entry_free(&e);
    llm_store_entry old;
    rc = store_manifest_read(s, dpath, &dn, &old, NULL, err, errlen);
    if (rc == LLM_STORE_OK)
        llm_store_entry_free(&old);
    else if (rc != LLM_STORE_ERR_NOTFOUND)
        goto out; /* a corrupt destination is not overwritten */
    char full[2 * LLM_STORE_PART_MAX + 2];
    llm_store_name_format(&dn, full, sizeof full);
    cJSON_ReplaceItemInObjectCaseSensitive(j, "name", cJSON_CreateString(full));
    cJSON_ReplaceItemInObjectCaseSensitive(j, "created_at", cJSON_CreateString(created));
    text = cJSON_Print(j);
    if (!text) {
        rc = LLM_STORE_ERR_NOMEM;
        goto out;
    }
    size_t tl = strlen(text);
    text[tl] = '\n';
    rc = store_write_atomic(mdir, dpath, text, tl + 1, err, errlen);
out:
    pthread_mutex_unlock(&s->lock);
free_all:
    if (rc == LLM_STORE_ERR_NOMEM)
        so8t_err_set(err, errlen, "out of memory");
    cJSON_Delete(j);
    free(text);
    free(created);
    free(dpath);
    free(mdir);
    return rc;
}
