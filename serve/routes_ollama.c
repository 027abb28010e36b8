/* routes_ollama.c — Ollama's model routes: /, /api/version, /api/tags, /api/show, /api/ps,
 * /api/create, /api/pull, /api/push, /api/delete, /api/copy. Generation: routes_generate.c. */
#include "serve/internal.h"
#include "base/strbuf.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The field `key` of o in *x: NULL when absent or null, and NULL with -1 and a 400 saying it
 * "must be <what>" when is_type refuses it. */
static int field_get(serve_req *r, const cJSON *o, const char *key,
                     cJSON_bool (*is_type)(const cJSON *), const char *what, const cJSON **x,
                     enum MHD_Result *res)
{
    *x = cJSON_GetObjectItemCaseSensitive(o, key);
    if (cJSON_IsNull(*x)) /* false for NULL */
        *x = NULL;
    if (*x && !is_type(*x)) {
        *x = NULL;
        *res = serve_reply_error(r, 400, "field '%s' must be %s", key, what);
        return -1;
    }
    return 0;
}

int serve_field_str(serve_req *r, const cJSON *o, const char *key, const char **out,
                    enum MHD_Result *res)
{
    const cJSON *x;
    int rc = field_get(r, o, key, cJSON_IsString, "a string", &x, res);
    *out = x ? x->valuestring : NULL;
    return rc;
}

int serve_field_bool(serve_req *r, const cJSON *o, const char *key, int def, int *out,
                     enum MHD_Result *res)
{
    const cJSON *x;
    int rc = field_get(r, o, key, cJSON_IsBool, "true or false", &x, res);
    *out = x ? cJSON_IsTrue(x) : def;
    return rc;
}

/* "model", or Ollama's older "name". */
static int model_field(serve_req *r, const char *key2, const char **out, enum MHD_Result *res)
{
    if (serve_field_str(r, r->json, "model", out, res))
        return -1;
    if (!*out && key2 && serve_field_str(r, r->json, key2, out, res))
        return -1;
    if (!*out || !**out) {
        *res = serve_reply_error(r, 400, "model is required");
        return -1;
    }
    return 0;
}

enum MHD_Result serve_route_root(serve_req *r)
{
    static const char text[] = "Ollama is running";
    return serve_reply_raw(r, 200, "text/plain; charset=utf-8", text, sizeof text - 1);
}

enum MHD_Result serve_route_version(serve_req *r)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "version", SERVE_OLLAMA_VERSION);
    return serve_reply_json(r, 200, j);
}

static cJSON *details_json(const llm_store_entry *e)
{
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "parent_model", "");
    cJSON_AddStringToObject(d, "format", "gguf");
    cJSON_AddStringToObject(d, "family", e->family ? e->family : "");
    cJSON *f = cJSON_AddArrayToObject(d, "families");
    cJSON_AddItemToArray(f, cJSON_CreateString(e->family ? e->family : ""));
    cJSON_AddStringToObject(d, "parameter_size", e->parameter_size ? e->parameter_size : "");
    cJSON_AddStringToObject(d, "quantization_level", e->quantization ? e->quantization : "");
    return d;
}

enum MHD_Result serve_route_tags(serve_req *r)
{
    llm_store_listing l;
    char err[1024];
    if (llm_store_list(r->srv->store, &l, err, sizeof err))
        return serve_reply_error(r, 500, "%s", err);
    for (int i = 0; i < l.n_problems; i++) /* not in Ollama's schema: said in the log */
        serve_log(r->srv, "#%lu /api/tags: %s", r->id, l.problems[i].message);
    cJSON *j = cJSON_CreateObject();
    cJSON *a = cJSON_AddArrayToObject(j, "models");
    for (int i = 0; i < l.n; i++) {
        const llm_store_entry *e = &l.entries[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", e->name);
        cJSON_AddStringToObject(o, "model", e->name);
        cJSON_AddStringToObject(o, "modified_at", e->created_at);
        cJSON_AddNumberToObject(o, "size", (double)e->size);
        cJSON_AddStringToObject(o, "digest", e->digest);
        cJSON_AddItemToObject(o, "details", details_json(e));
        cJSON_AddItemToArray(a, o);
    }
    llm_store_listing_free(&l);
    return serve_reply_json(r, 200, j);
}

/* The store lookup every model route starts with: 404 / 400 / 500 replies. */
static int get_entry(serve_req *r, const char *name, llm_store_entry *e, enum MHD_Result *res)
{
    char err[1024];
    int rc = llm_store_get(r->srv->store, name, e, err, sizeof err);
    if (rc == LLM_STORE_OK)
        return 0;
    if (rc == LLM_STORE_ERR_NOTFOUND)
        *res = serve_reply_error(r, 404, "model '%s' not found", name);
    else
        *res = serve_reply_error(r, rc == LLM_STORE_ERR_INVAL ? 400 : 500, "%s", err);
    return -1;
}

enum MHD_Result serve_route_show(serve_req *r)
{
    enum MHD_Result res;
    const char *name;
    if (model_field(r, "name", &name, &res))
        return res;
    llm_store_entry e;
    if (get_entry(r, name, &e, &res))
        return res;
    cJSON *j = cJSON_CreateObject();
    so8t_strbuf lic = {0};
    for (int i = 0; i < e.n_licenses; i++)
        so8t_strbuf_add(&lic, "%s%s", i ? "\n" : "", e.licenses[i]);
    cJSON_AddStringToObject(j, "license", lic.p ? lic.p : "");
    free(lic.p);
    char *mft = llm_store_entry_modelfile_text(&e);
    char *par = llm_store_entry_parameters_text(&e);
    cJSON_AddStringToObject(j, "modelfile", mft ? mft : "");
    cJSON_AddStringToObject(j, "parameters", par ? par : "");
    free(mft);
    free(par);
    cJSON_AddStringToObject(j, "template", e.template_text ? e.template_text : "");
    cJSON_AddStringToObject(j, "system", e.system ? e.system : "");
    cJSON_AddItemToObject(j, "details", details_json(&e));
    if (e.n_messages) {
        cJSON *m = cJSON_AddArrayToObject(j, "messages");
        for (int i = 0; i < e.n_messages; i++) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "role", e.messages[i].role);
            cJSON_AddStringToObject(o, "content", e.messages[i].content);
            cJSON_AddItemToArray(m, o);
        }
    }
    cJSON *mi = cJSON_AddObjectToObject(j, "model_info");
    const char *fam = e.family ? e.family : "";
    char key[300];
    cJSON_AddStringToObject(mi, "general.architecture", fam);
    cJSON_AddNumberToObject(mi, "general.parameter_count", (double)e.parameter_count);
    snprintf(key, sizeof key, "%s.context_length", fam);
    cJSON_AddNumberToObject(mi, key, (double)e.context_length);
    snprintf(key, sizeof key, "%s.embedding_length", fam);
    cJSON_AddNumberToObject(mi, key, (double)e.embedding_length);
    cJSON_AddStringToObject(mi, "so8t.gguf_path", e.gguf_path);
    cJSON *caps = cJSON_AddArrayToObject(j, "capabilities");
    cJSON_AddItemToArray(caps, cJSON_CreateString("completion"));
    cJSON_AddStringToObject(j, "modified_at", e.created_at);
    llm_store_entry_free(&e);
    return serve_reply_json(r, 200, j);
}

enum MHD_Result serve_route_ps(serve_req *r)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddItemToObject(j, "models", serve_slots_ps(r->srv->slots));
    return serve_reply_json(r, 200, j);
}

/* The statuses of /api/create and /api/pull: NDJSON lines when streaming, else the last. */
static enum MHD_Result reply_statuses(serve_req *r, int stream, const char *const *lines, int n)
{
    if (!stream) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "status", lines[n - 1]);
        return serve_reply_json(r, 200, j);
    }
    so8t_strbuf b = {0};
    for (int i = 0; i < n; i++) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "status", lines[i]);
        char *t = serve_json_print(j);
        cJSON_Delete(j);
        if (t)
            so8t_strbuf_add(&b, "%s\n", t);
        free(t);
    }
    enum MHD_Result res = serve_reply_raw(r, 200, "application/x-ndjson", b.p ? b.p : "", b.n);
    free(b.p);
    return res;
}

/* A JSON parameter value as the Modelfile text llm_modelfile_param_add reads. */
static int param_text(const cJSON *v, char *buf, size_t len)
{
    if (cJSON_IsBool(v))
        snprintf(buf, len, "%s", cJSON_IsTrue(v) ? "true" : "false");
    else if (cJSON_IsNumber(v) && isfinite(v->valuedouble))
        snprintf(buf, len, v->valuedouble == floor(v->valuedouble) && fabs(v->valuedouble) < 1e15
                               ? "%.0f" : "%.17g", v->valuedouble);
    else if (cJSON_IsString(v) && strlen(v->valuestring) < len)
        snprintf(buf, len, "%s", v->valuestring);
    else
        return -1;
    return 0;
}

static int dupstr(char **dst, const char *s)
{
    *dst = s ? strdup(s) : NULL;
    return s && !*dst ? -1 : 0;
}

/* Builds the Modelfile of a create request: the current form (from, parameters, system,
 * template, messages, license) or the old "modelfile" text. 0, or -1 with a reply. */
static int create_modelfile(serve_req *r, llm_modelfile *mf, enum MHD_Result *res)
{
    char err[1024];
    const char *text, *from, *sys, *tmpl;
    memset(mf, 0, sizeof *mf);
    if (serve_field_str(r, r->json, "modelfile", &text, res) ||
        serve_field_str(r, r->json, "from", &from, res) ||
        serve_field_str(r, r->json, "system", &sys, res) ||
        serve_field_str(r, r->json, "template", &tmpl, res))
        return -1;
    static const char *const unsupported[] = {"files", "adapters", "quantize"};
    for (size_t i = 0; i < 3; i++) {
        const cJSON *x = cJSON_GetObjectItemCaseSensitive(r->json, unsupported[i]);
        if (x && !cJSON_IsNull(x) && !(cJSON_IsObject(x) && !x->child) &&
            !(cJSON_IsString(x) && !x->valuestring[0])) {
            *res = serve_reply_error(r, 501, "'%s' is not supported: so8t does not take uploaded "
                                             "blobs; give \"from\": \"/path/to/model.gguf\" (a file "
                                             "on the server) or run 'so8t create'", unsupported[i]);
            return -1;
        }
    }
    if (text) {
        if (llm_modelfile_parse(text, strlen(text), "modelfile", NULL, mf, err, sizeof err)) {
            *res = serve_reply_error(r, 400, "%s", err);
            return -1;
        }
        if (mf->model_path && mf->model_path[0] != '/' && strchr(mf->from, '/')) {
            llm_modelfile_free(mf);
            *res = serve_reply_error(r, 400, "FROM must be an absolute path or a model name "
                                             "over the API (the server has no Modelfile folder)");
            return -1;
        }
        return 0;
    }
    if (!from || !*from) {
        *res = serve_reply_error(r, 400, "neither 'from' nor 'modelfile' was given");
        return -1;
    }
    if (strchr(from, '/') && from[0] != '/') {
        *res = serve_reply_error(r, 400, "'from' must be an absolute path to a GGUF file on the "
                                         "server, or a model name");
        return -1;
    }
    if (dupstr(&mf->from, from) || dupstr(&mf->model_path, from) || dupstr(&mf->system, sys))
        goto nomem;
    if (tmpl) {
        if (llm_template_check(tmpl, err, sizeof err)) {
            llm_modelfile_free(mf);
            *res = serve_reply_error(r, 400, "template: %s", err);
            return -1;
        }
        if (dupstr(&mf->template_text, tmpl))
            goto nomem;
    }
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(r->json, "parameters");
    if (params && !cJSON_IsNull(params) && !cJSON_IsObject(params)) {
        llm_modelfile_free(mf);
        *res = serve_reply_error(r, 400, "field 'parameters' must be an object");
        return -1;
    }
    const cJSON *p;
    const cJSON *pobj = cJSON_IsObject(params) ? params : NULL;
    cJSON_ArrayForEach(p, pobj) {
        const cJSON *vals = cJSON_IsArray(p) ? p->child : p;
        for (const cJSON *v = vals; v; v = cJSON_IsArray(p) ? v->next : NULL) {
            char val[4096];
            int rc = param_text(v, val, sizeof val) ? LLM_MF_ERR_PARAM
                     : llm_modelfile_param_add(mf, "parameters", 0, p->string, val, err, sizeof err);
            if (rc == LLM_MF_ERR_NOMEM)
                goto nomem;
            if (rc) {
                const char *m = strstr(err, ":0: ");
                llm_modelfile_free(mf);
                if (param_text(v, val, sizeof val))
                    *res = serve_reply_error(r, 400, "parameter '%s' must be a number, a bool or "
                                                     "a string", p->string);
                else
                    *res = serve_reply_error(r, 400, "%s", m ? m + 4 : err);
                return -1;
            }
        }
    }
    const cJSON *msgs = cJSON_GetObjectItemCaseSensitive(r->json, "messages");
    if (cJSON_IsArray(msgs) && cJSON_GetArraySize(msgs) > 0) {
        int n = cJSON_GetArraySize(msgs), k = 0;
        mf->messages = calloc((size_t)n, sizeof *mf->messages);
        if (!mf->messages)
            goto nomem;
        const cJSON *m;
        cJSON_ArrayForEach(m, msgs) {
            const cJSON *ro = cJSON_GetObjectItemCaseSensitive(m, "role");
            const cJSON *co = cJSON_GetObjectItemCaseSensitive(m, "content");
            if (!cJSON_IsString(ro) || !cJSON_IsString(co) ||
                (strcmp(ro->valuestring, "system") && strcmp(ro->valuestring, "user") &&
                 strcmp(ro->valuestring, "assistant"))) {
                llm_modelfile_free(mf);
                *res = serve_reply_error(r, 400, "messages: each must be {\"role\": "
                                                 "system|user|assistant, \"content\": string}");
                return -1;
            }
            if (dupstr(&mf->messages[k].role, ro->valuestring) ||
                dupstr(&mf->messages[k].content, co->valuestring))
                goto nomem;
            mf->n_messages = ++k;
        }
    }
    const cJSON *lic = cJSON_GetObjectItemCaseSensitive(r->json, "license");
    if (cJSON_IsString(lic) || cJSON_IsArray(lic)) {
        int n = cJSON_IsString(lic) ? 1 : cJSON_GetArraySize(lic);
        mf->licenses = calloc((size_t)n + 1, sizeof *mf->licenses);
        if (!mf->licenses)
            goto nomem;
        for (const cJSON *x = cJSON_IsString(lic) ? lic : lic->child; x;
             x = cJSON_IsString(lic) ? NULL : x->next)
            if (cJSON_IsString(x) && dupstr(&mf->licenses[mf->n_licenses++], x->valuestring))
                goto nomem;
    }
    return 0;
nomem:
    llm_modelfile_free(mf);
    *res = serve_reply_error(r, 500, "out of memory");
    return -1;
}

enum MHD_Result serve_route_create(serve_req *r)
{
    enum MHD_Result res;
    const char *name;
    int stream;
    if (model_field(r, "name", &name, &res) ||
        serve_field_bool(r, r->json, "stream", 1, &stream, &res))
        return res;
    llm_modelfile mf;
    if (create_modelfile(r, &mf, &res))
        return res;
    char err[1024];
    llm_store_entry e;
    int rc = llm_store_create(r->srv->store, name, &mf, 0, &e, err, sizeof err);
    if (rc) {
        llm_modelfile_free(&mf);
        return serve_reply_error(r, rc == LLM_STORE_ERR_INVAL || rc == LLM_STORE_ERR_MODEL ? 400
                                    : 500, "%s", err);
    }
    const char *lines[40];
    char *owned[40];
    int n = 0, no = 0;
    lines[n++] = "parsing modelfile";
    for (int i = 0; i < mf.n_warnings && n < 36; i++) {
        so8t_strbuf b = {0};
        so8t_strbuf_add(&b, "warning: %s", mf.warnings[i]);
        if ((owned[no] = so8t_strbuf_take(&b)) != NULL)
            lines[n++] = owned[no++];
    }
    lines[n++] = "using existing model file";
    lines[n++] = "writing manifest";
    lines[n++] = "success";
    serve_log(r->srv, "#%lu created %s from %s", r->id, e.name, e.gguf_path);
    res = reply_statuses(r, stream, lines, n);
    for (int i = 0; i < no; i++)
        free(owned[i]);
    llm_store_entry_free(&e);
    llm_modelfile_free(&mf);
    return res;
}

enum MHD_Result serve_route_pull(serve_req *r)
{
    enum MHD_Result res;
    const char *name;
    int stream;
    if (model_field(r, "name", &name, &res) ||
        serve_field_bool(r, r->json, "stream", 1, &stream, &res))
        return res;
    llm_store_entry e;
    char err[1024];
    int rc = llm_store_get(r->srv->store, name, &e, err, sizeof err);
    if (rc == LLM_STORE_OK) {
        llm_store_entry_free(&e);
        const char *lines[] = {"success"};
        return reply_statuses(r, stream, lines, 1);
    }
    if (rc != LLM_STORE_ERR_NOTFOUND)
        return serve_reply_error(r, rc == LLM_STORE_ERR_INVAL ? 400 : 500, "%s", err);
    return serve_reply_error(r, 404, "model '%s' not found locally, and so8t does not download "
                                     "models: put the GGUF file on this machine, then "
                                     "'so8t create %s -f Modelfile' (FROM /path/to/model.gguf) "
                                     "or POST /api/create {\"model\": \"%s\", \"from\": "
                                     "\"/path/to/model.gguf\"}", name, name, name);
}

enum MHD_Result serve_route_push(serve_req *r)
{
    return serve_reply_error(r, 501, "so8t has no registry to push to");
}

enum MHD_Result serve_route_delete(serve_req *r)
{
    enum MHD_Result res;
    const char *name;
    if (model_field(r, "name", &name, &res))
        return res;
    llm_store_entry e;
    char err[1024];
    char digest[65] = "";
    if (llm_store_get(r->srv->store, name, &e, err, sizeof err) == LLM_STORE_OK) {
        memcpy(digest, e.digest, sizeof digest);
        llm_store_entry_free(&e);
    }
    int rc = llm_store_delete(r->srv->store, name, err, sizeof err);
    if (rc == LLM_STORE_ERR_NOTFOUND)
        return serve_reply_error(r, 404, "model '%s' not found", name);
    if (rc)
        return serve_reply_error(r, rc == LLM_STORE_ERR_INVAL ? 400 : 500, "%s", err);
    if (digest[0])
        serve_slots_unload(r->srv->slots, digest);
    serve_log(r->srv, "#%lu deleted %s", r->id, name);
    return serve_reply_raw(r, 200, "application/json; charset=utf-8", "", 0);
}

enum MHD_Result serve_route_copy(serve_req *r)
{
    enum MHD_Result res;
    const char *src, *dst;
    if (serve_field_str(r, r->json, "source", &src, &res) ||
        serve_field_str(r, r->json, "destination", &dst, &res))
        return res;
    if (!src || !dst || !*src || !*dst)
        return serve_reply_error(r, 400, "'source' and 'destination' are required");
    char err[1024];
    int rc = llm_store_copy(r->srv->store, src, dst, err, sizeof err);
    if (rc == LLM_STORE_ERR_NOTFOUND)
        return serve_reply_error(r, 404, "model '%s' not found", src);
    if (rc)
        return serve_reply_error(r, rc == LLM_STORE_ERR_INVAL ? 400 : 500, "%s", err);
    return serve_reply_raw(r, 200, "application/json; charset=utf-8", "", 0);
}
