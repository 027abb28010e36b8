/* store_create.c — creating a model from a Modelfile (checks the GGUF, writes the manifest) (see store.h for the layout and the manifest format). */
#include "llm/store/store_internal.h"
#include "base/err.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- create ---- */

static const char *file_type_name(uint64_t ft)
{
    static const char *names[] = {
        [0] = "F32", [1] = "F16", [2] = "Q4_0", [3] = "Q4_1", [7] = "Q8_0", [8] = "Q5_0",
        [9] = "Q5_1", [10] = "Q2_K", [11] = "Q3_K_S", [12] = "Q3_K_M", [13] = "Q3_K_L",
        [14] = "Q4_K_S", [15] = "Q4_K_M", [16] = "Q5_K_S", [17] = "Q5_K_M", [18] = "Q6_K",
        [32] = "BF16"};
    return ft < sizeof names / sizeof names[0] ? names[ft] : NULL;
}

static void human_number(uint64_t b, char *buf, size_t len)
{
    if (b >= 1000000000ull) {
        double v = (double)b / 1e9;
        snprintf(buf, len, v == floor(v) ? "%.0fB" : "%.1fB", v);
    } else if (b >= 1000000ull) {
        double v = (double)b / 1e6;
        snprintf(buf, len, v == floor(v) ? "%.0fM" : "%.2fM", v);
    } else if (b >= 1000ull) {
        snprintf(buf, len, "%.0fK", (double)b / 1e3);
    } else {
        snprintf(buf, len, "%llu", (unsigned long long)b);
    }
}

void llm_store_human_size(uint64_t b, char *buf, size_t len)
{
    static const char *units[] = {"TB", "GB", "MB", "KB"};
    static const double scale[] = {1e12, 1e9, 1e6, 1e3};
    for (int i = 0; i < 4; i++)
        if ((double)b >= scale[i]) {
            double v = (double)b / scale[i];
            if (v >= 10 || v == floor(v))
                snprintf(buf, len, "%d %s", (int)v, units[i]);
            else
                snprintf(buf, len, "%.1f %s", v, units[i]);
            return;
        }
    snprintf(buf, len, "%llu B", (unsigned long long)b);
}

/* The details object of a loaded model. */
static cJSON *details_json(const llm_model *m)
{
    const llm_gguf *g = llm_model_gguf(m);
    cJSON *d = cJSON_CreateObject();
    if (!d)
        return NULL;
    const char *arch = llm_model_arch(m);
    cJSON_AddStringToObject(d, "format", "gguf");
    cJSON_AddStringToObject(d, "family", arch ? arch : "");
    uint64_t count = 0;
    int64_t nt = llm_gguf_n_tensors(g);
    int type_count[LLM_TYPE_COUNT] = {0};
    for (int64_t i = 0; i < nt; i++) {
        llm_gguf_tensor_info ti;
        if (llm_gguf_tensor(g, i, &ti))
            continue;
        uint64_t ne = 1;
        for (int k = 0; k < ti.n_dims; k++)
            ne *= (uint64_t)ti.ne[k];
        count += ne;
        if (ti.n_dims >= 2 && ti.type >= 0 && ti.type < LLM_TYPE_COUNT)
            type_count[ti.type]++;
    }
    char buf[64];
    human_number(count, buf, sizeof buf);
    cJSON_AddStringToObject(d, "parameter_size", buf);
    uint64_t ft = 0;
    const char *q = NULL;
    if (!llm_gguf_get_uint(g, "general.file_type", &ft, NULL, 0))
        q = file_type_name(ft);
    if (!q) {
        int best = 0;
        for (int t = 1; t < LLM_TYPE_COUNT; t++)
            if (type_count[t] > type_count[best])
                best = t;
        q = llm_type_name(best);
    }
    cJSON_AddStringToObject(d, "quantization_level", q);
    cJSON_AddNumberToObject(d, "parameter_count", (double)count);
    char key[300];
    uint64_t v = 0;
    snprintf(key, sizeof key, "%s.context_length", arch ? arch : "");
    if (!llm_gguf_get_uint(g, key, &v, NULL, 0))
        cJSON_AddNumberToObject(d, "context_length", (double)v);
    snprintf(key, sizeof key, "%s.embedding_length", arch ? arch : "");
    if (!llm_gguf_get_uint(g, key, &v, NULL, 0))
        cJSON_AddNumberToObject(d, "embedding_length", (double)v);
    return d;
}

/* Details of an existing entry (FROM a store model). */
static cJSON *details_from_entry(const llm_store_entry *b)
{
    cJSON *d = cJSON_CreateObject();
    if (!d)
        return NULL;
    cJSON_AddStringToObject(d, "format", "gguf");
    cJSON_AddStringToObject(d, "family", b->family ? b->family : "");
    cJSON_AddStringToObject(d, "parameter_size", b->parameter_size ? b->parameter_size : "");
    cJSON_AddStringToObject(d, "quantization_level", b->quantization ? b->quantization : "");
    cJSON_AddNumberToObject(d, "parameter_count", (double)b->parameter_count);
    cJSON_AddNumberToObject(d, "context_length", (double)b->context_length);
    cJSON_AddNumberToObject(d, "embedding_length", (double)b->embedding_length);
    return d;
}

/* Adds one typed parameter to the parameters object ("stop" accumulates in an array; any
 * other name: the last value wins). */
static void param_to_json(cJSON *obj, const llm_modelfile_param *p)
{
    cJSON *v = NULL;
    switch (p->type) {
    case LLM_MF_INT:
        if (p->i > 9007199254740992LL || p->i < -9007199254740992LL) {
            char t[32];
            snprintf(t, sizeof t, "%lld", (long long)p->i);
            v = cJSON_CreateString(t);
        } else {
            v = cJSON_CreateNumber((double)p->i);
        }
        break;
    case LLM_MF_FLOAT: v = cJSON_CreateNumber(p->f); break;
    case LLM_MF_BOOL: v = cJSON_CreateBool(p->b); break;
    case LLM_MF_STRING: {
        cJSON *arr = cJSON_GetObjectItemCaseSensitive(obj, p->name);
        if (!arr)
            arr = cJSON_AddArrayToObject(obj, p->name);
        if (arr)
            cJSON_AddItemToArray(arr, cJSON_CreateString(p->s));
        return;
    }
    }
    if (!v)
        return;
    if (cJSON_GetObjectItemCaseSensitive(obj, p->name))
        cJSON_ReplaceItemInObjectCaseSensitive(obj, p->name, v);
    else
        cJSON_AddItemToObject(obj, p->name, v);
}


int llm_store_create(llm_store *s, const char *name, const llm_modelfile *mf, int copy,
                     llm_store_entry *out, char *err, size_t errlen)
{
    if (out)
        memset(out, 0, sizeof *out);
    if (!s || !mf || !mf->model_path || !mf->from) {
        so8t_err_set(err, errlen, "llm_store_create: no store or no Modelfile with FROM");
        return LLM_STORE_ERR_INVAL;
    }
    llm_store_name nm;
    int rc = llm_store_name_parse(name, &nm, err, errlen);
    if (rc)
        return rc;
    char full[2 * LLM_STORE_PART_MAX + 2];
    llm_store_name_format(&nm, full, sizeof full);
    char *mpath = store_manifest_path(s, &nm);
    if (!mpath)
        return LLM_STORE_ERR_NOMEM;

    pthread_mutex_lock(&s->lock);
    llm_store_entry base, old;
    memset(&base, 0, sizeof base);
    llm_modelfile base_mf;
    memset(&base_mf, 0, sizeof base_mf);
    cJSON *root = NULL, *details = NULL;
    char *gguf_abs = NULL, *created = NULL, *text = NULL;
    char sha[65] = "";
    uint64_t size = 0;
    int copied = 0;

    /* never replace a manifest that cannot be read: someone should look at it first */
    rc = store_manifest_read(s, mpath, &nm, &old, NULL, err, errlen);
    if (rc == LLM_STORE_OK)
        llm_store_entry_free(&old);
    else if (rc != LLM_STORE_ERR_NOTFOUND)
        goto done;

    struct stat st;
    char ex[64];
    store_excerpt(mf->from, ex, sizeof ex);
    if (stat(mf->model_path, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            so8t_err_set(err, errlen, "FROM %s: %s is a folder, not a GGUF file", ex, mf->model_path);
            rc = LLM_STORE_ERR_MODEL;
            goto done;
        }
        if (!S_ISREG(st.st_mode)) {
            so8t_err_set(err, errlen, "FROM %s: %s is not a regular file", ex, mf->model_path);
            rc = LLM_STORE_ERR_MODEL;
            goto done;
        }
        gguf_abs = realpath(mf->model_path, NULL);
        if (!gguf_abs) {
            so8t_err_set(err, errlen, "FROM %s: %s: %s", ex, mf->model_path, strerror(errno));
            rc = LLM_STORE_ERR_MODEL;
            goto done;
        }
        /* loadable now, not at first use: architecture, hyperparameters, tensors, types */
        llm_model *m = NULL;
        char lerr[768];
        if (llm_model_load(gguf_abs, 64, &m, lerr, sizeof lerr) != LLM_OK) {
            so8t_err_set(err, errlen, "FROM %s: not a usable model: %s", ex, lerr);
            rc = LLM_STORE_ERR_MODEL;
            goto done;
        }
        details = details_json(m);
        llm_model_free(m);
        if (!details) {
            rc = LLM_STORE_ERR_NOMEM;
            goto done;
        }
        if (copy) {
            rc = store_copy_blob(s, gguf_abs, sha, &size, err, errlen);
            copied = 1;
        } else {
            rc = llm_sha256_file(gguf_abs, sha, &size, err, errlen);
        }
        if (rc)
            goto done;
    } else {
        int e = errno;
        llm_store_name bn;
        char berr[512];
        int isname = e == ENOENT && !llm_store_name_parse(mf->from, &bn, NULL, 0);
        int brc = isname ? store_get_locked(s, mf->from, &base, NULL, berr, sizeof berr)
                         : LLM_STORE_ERR_NOTFOUND;
        if (brc == LLM_STORE_ERR_NOTFOUND) {
            if (isname)
                so8t_err_set(err, errlen, "FROM %s: no such file (%s) and no model '%s' in the store",
                        ex, mf->model_path, ex);
            else
                so8t_err_set(err, errlen, "FROM %s: %s: %s", ex, mf->model_path, strerror(e));
            rc = LLM_STORE_ERR_MODEL;
            goto done;
        }
        if (brc) {
            so8t_err_set(err, errlen, "FROM %s: %s", ex, berr);
            rc = brc;
            goto done;
        }
        rc = llm_store_entry_to_modelfile(&base, &base_mf, berr, sizeof berr);
        if (rc) {
            so8t_err_set(err, errlen, "FROM %s: %s", ex, berr);
            goto done;
        }
        gguf_abs = so8t_strdup(base.gguf_path);
        memcpy(sha, base.sha256, sizeof sha);
        size = base.size;
        copied = base.copied;
        details = details_from_entry(&base);
        if (!gguf_abs || !details) {
            rc = LLM_STORE_ERR_NOMEM;
            goto done;
        }
    }

    /* the manifest */
    root = cJSON_CreateObject();
    created = store_now_rfc3339();
    if (!root || !created) {
        rc = LLM_STORE_ERR_NOMEM;
        goto done;
    }
    cJSON_AddNumberToObject(root, "version", STORE_VERSION);
    cJSON_AddStringToObject(root, "name", full);
    cJSON *g = cJSON_AddObjectToObject(root, "gguf");
    if (g) {
        if (copied) {
            char blob[80];
            snprintf(blob, sizeof blob, "sha256-%s", sha);
            cJSON_AddStringToObject(g, "blob", blob);
        } else {
            cJSON_AddStringToObject(g, "path", gguf_abs);
        }
        cJSON_AddStringToObject(g, "sha256", sha);
        cJSON_AddNumberToObject(g, "size", (double)size);
    }
    cJSON_AddStringToObject(root, "from", mf->from);
    cJSON_AddItemToObject(root, "details", details);
    details = NULL;
    cJSON *params = cJSON_AddObjectToObject(root, "parameters");
    int new_stop = 0;
    for (int i = 0; i < mf->n_params; i++)
        new_stop |= !strcmp(mf->params[i].name, "stop");
    for (int i = 0; params && i < base_mf.n_params; i++) { /* inherited, unless overridden */
        const llm_modelfile_param *bp = &base_mf.params[i];
        int over = !strcmp(bp->name, "stop") ? new_stop
                                             : llm_modelfile_param_find(mf, bp->name) != NULL;
        if (!over)
            param_to_json(params, bp);
    }
    for (int i = 0; params && i < mf->n_params; i++)
        param_to_json(params, &mf->params[i]);
    const char *tmpl = mf->template_text ? mf->template_text : base.template_text;
    const char *sys = mf->system ? mf->system : base.system;
    if (tmpl)
        cJSON_AddStringToObject(root, "template", tmpl);
    if (sys)
        cJSON_AddStringToObject(root, "system", sys);
    int nl = mf->n_licenses ? mf->n_licenses : base.n_licenses;
    char **lic = mf->n_licenses ? mf->licenses : base.licenses;
    if (nl) {
        cJSON *a = cJSON_AddArrayToObject(root, "license");
        for (int i = 0; a && i < nl; i++)
            cJSON_AddItemToArray(a, cJSON_CreateString(lic[i]));
    }
    int nmsg = mf->n_messages ? mf->n_messages : base.n_messages;
    llm_modelfile_message *msg = mf->n_messages ? mf->messages : base.messages;
    if (nmsg) {
        cJSON *a = cJSON_AddArrayToObject(root, "messages");
        for (int i = 0; a && i < nmsg; i++) {
            cJSON *o = cJSON_CreateObject();
            if (o) {
                cJSON_AddStringToObject(o, "role", msg[i].role);
                cJSON_AddStringToObject(o, "content", msg[i].content);
                cJSON_AddItemToArray(a, o);
            }
        }
    }
    cJSON_AddStringToObject(root, "created_at", created);
    text = cJSON_Print(root);
    if (!text) {
        rc = LLM_STORE_ERR_NOMEM;
        goto done;
    }
    {
        char *mdir = store_printf("%s/manifests", s->dir);
        if (!mdir) {
            rc = LLM_STORE_ERR_NOMEM;
            goto done;
        }
        rc = store_make_dirs(mdir, err, errlen);
        if (!rc) {
            size_t tl = strlen(text);
            text[tl] = '\n'; /* a final newline; the NUL is not written */
            rc = store_write_atomic(mdir, mpath, text, tl + 1, err, errlen);
        }
        free(mdir);
    }
    if (!rc && out) {
        rc = store_manifest_read(s, mpath, &nm, out, NULL, err, errlen);
        if (rc == LLM_STORE_ERR_NOTFOUND)
            so8t_err_set(err, errlen, "%s vanished right after it was written", mpath);
    }
done:
    if (rc == LLM_STORE_ERR_NOMEM)
        so8t_err_set(err, errlen, "out of memory");
    pthread_mutex_unlock(&s->lock);
    cJSON_Delete(root);
    cJSON_Delete(details);
    free(text);
    free(created);
    free(gguf_abs);
    llm_store_entry_free(&base);
    llm_modelfile_free(&base_mf);
    free(mpath);
    return rc;
}
