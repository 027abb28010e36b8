/* routes_openai.c — OpenAI's /v1/chat/completions, /v1/completions (SSE streams ending
 * with "data: [DONE]", stream_options.include_usage) and /v1/models, in the shapes the
 * openai client validates strictly (finish_reason always set, usage always present). */
#include "serve/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { OAI_CHAT, OAI_COMPLETION };

typedef struct {
    int kind;
    int include_usage;
    int sent_role;
    long created;
    char id[64];
} oai_ctx;

static const char *finish_reason(const serve_gen *g)
{
    return g->out.stop_reason && !strcmp(g->out.stop_reason, "length") ? "length" : "stop";
}

static cJSON *head(const serve_gen *g, const oai_ctx *c, const char *object)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", c->id);
    cJSON_AddStringToObject(o, "object", object);
    cJSON_AddNumberToObject(o, "created", (double)c->created);
    cJSON_AddStringToObject(o, "model", g->model_name);
    cJSON_AddStringToObject(o, "system_fingerprint", "fp_so8t");
    return o;
}

static void add_usage(cJSON *o, const serve_gen *g)
{
    cJSON *u = cJSON_AddObjectToObject(o, "usage");
    cJSON_AddNumberToObject(u, "prompt_tokens", g->out.prompt_tokens);
    cJSON_AddNumberToObject(u, "completion_tokens", g->out.n_tokens);
    cJSON_AddNumberToObject(u, "total_tokens", g->out.prompt_tokens + g->out.n_tokens);
}

/* One streamed chunk: a piece of text, or (piece NULL) the finish chunk. */
static cJSON *chunk(serve_gen *g, oai_ctx *c, const char *piece)
{
    cJSON *o = head(g, c, c->kind == OAI_CHAT ? "chat.completion.chunk" : "text_completion");
    cJSON *ch = cJSON_AddArrayToObject(o, "choices");
    cJSON *x = cJSON_CreateObject();
    cJSON_AddNumberToObject(x, "index", 0);
    if (c->kind == OAI_CHAT) {
        cJSON *d = cJSON_AddObjectToObject(x, "delta");
        if (piece) {
            if (!c->sent_role)
                cJSON_AddStringToObject(d, "role", "assistant");
            c->sent_role = 1;
            cJSON_AddStringToObject(d, "content", piece);
        }
    } else {
        cJSON_AddStringToObject(x, "text", piece ? piece : "");
        cJSON_AddNullToObject(x, "logprobs");
    }
    if (piece)
        cJSON_AddNullToObject(x, "finish_reason");
    else
        cJSON_AddStringToObject(x, "finish_reason", finish_reason(g));
    cJSON_AddItemToArray(ch, x);
    return o;
}

static int sse_send(serve_gen *g, cJSON *o) { return serve_gen_send(g, o, "data: ", "\n\n"); }

static int on_piece_sse(serve_gen *g, const char *piece)
{
    return sse_send(g, chunk(g, g->user, piece));
}

static void on_sse_done(serve_gen *g, int rc)
{
    oai_ctx *c = g->user;
    if (!g->cancelled) {
        if (rc) {
            cJSON *o = cJSON_CreateObject();
            cJSON *e = cJSON_AddObjectToObject(o, "error");
            cJSON_AddStringToObject(e, "message", g->err);
            cJSON_AddStringToObject(e, "type", "api_error");
            sse_send(g, o);
        } else {
            if (c->kind == OAI_CHAT && !c->sent_role) /* nothing generated: still a role */
                sse_send(g, chunk(g, c, ""));
            sse_send(g, chunk(g, c, NULL));
            if (c->include_usage) {
                cJSON *o = head(g, c, c->kind == OAI_CHAT ? "chat.completion.chunk"
                                                          : "text_completion");
                cJSON_AddArrayToObject(o, "choices");
                add_usage(o, g);
                sse_send(g, o);
            }
        }
        serve_stream_write(g->stream, "data: [DONE]\n\n", 14);
    }
    serve_stream_close(g->stream);
    free(c);
}

/* A request field that maps onto an option: its checks, with the field's name in errors. */
static int map_field(serve_req *r, serve_gen *g, const char *field, const char *option,
                     enum MHD_Result *res)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->json, field);
    if (!v || cJSON_IsNull(v))
        return 0;
    char err[512];
    if (serve_option_set(option, v, &g->p, g->stops, &g->load, err, sizeof err)) {
        const char *rest = strchr(err + 8, '\'');
        *res = serve_reply_error(r, 400, "field '%s'%s", field, rest ? rest + 1 : " is invalid");
        return -1;
    }
    return 0;
}

/* Fields so8t cannot honour: a 400 rather than a silent difference. */
static int refuse(serve_req *r, const char *model, enum MHD_Result *res)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(r->json, "response_format");
    if (x && !cJSON_IsNull(x)) {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(x, "type");
        if (!cJSON_IsObject(x) || !cJSON_IsString(t) || strcmp(t->valuestring, "text")) {
            *res = serve_reply_error(r, 400, "response_format other than {\"type\": \"text\"} is "
                                             "not supported: so8t has no grammar-constrained sampling");
            return -1;
        }
    }
    x = cJSON_GetObjectItemCaseSensitive(r->json, "tools");
    if (x && !cJSON_IsNull(x) && !(cJSON_IsArray(x) && !x->child)) {
        *res = serve_reply_error(r, 400, "%s does not support tools", model);
        return -1;
    }
    x = cJSON_GetObjectItemCaseSensitive(r->json, "n");
    if (x && !cJSON_IsNull(x) && !(cJSON_IsNumber(x) && x->valuedouble == 1)) {
        *res = serve_reply_error(r, 400, "field 'n': only 1 choice is supported");
        return -1;
    }
    x = cJSON_GetObjectItemCaseSensitive(r->json, "suffix");
    if (x && !cJSON_IsNull(x) && !(cJSON_IsString(x) && !x->valuestring[0])) {
        *res = serve_reply_error(r, 400, "field 'suffix' is not supported");
        return -1;
    }
    return 0;
}

static enum MHD_Result oai_run(serve_req *r, int kind)
{
    enum MHD_Result res;
    const char *model;
    int stream;
    if (serve_field_str(r, r->json, "model", &model, &res) ||
        serve_field_bool(r, r->json, "stream", 0, &stream, &res))
        return res;
    if (refuse(r, model ? model : "", &res))
        return res;
    int include_usage = 0;
    const cJSON *so = cJSON_GetObjectItemCaseSensitive(r->json, "stream_options");
    if (so && !cJSON_IsNull(so)) {
        if (!cJSON_IsObject(so))
            return serve_reply_error(r, 400, "field 'stream_options' must be an object");
        if (serve_field_bool(r, so, "include_usage", 0, &include_usage, &res))
            return res;
    }
    /* the text: messages (chat) or prompt (completions) */
    serve_message *mv = NULL;
    int n = 0;
    const char *prompt = NULL;
    if (kind == OAI_CHAT) {
        const cJSON *msgs = cJSON_GetObjectItemCaseSensitive(r->json, "messages");
        if (!cJSON_IsArray(msgs) || !msgs->child)
            return serve_reply_error(r, 400, "field 'messages' must be a non-empty array");
        n = cJSON_GetArraySize(msgs);
        mv = calloc((size_t)n, sizeof *mv);
        if (!mv)
            return serve_reply_error(r, 500, "out of memory");
        int i = 0;
        const cJSON *m;
        cJSON_ArrayForEach(m, msgs) {
            const cJSON *ro = cJSON_GetObjectItemCaseSensitive(m, "role");
            const cJSON *co = cJSON_GetObjectItemCaseSensitive(m, "content");
            const char *role = cJSON_IsString(ro) ? ro->valuestring : "";
            if (!strcmp(role, "developer"))
                role = "system";
            if (strcmp(role, "system") && strcmp(role, "user") && strcmp(role, "assistant") &&
                strcmp(role, "tool")) {
                free(mv);
                return serve_reply_error(r, 400, "messages[%d]: 'role' must be system, developer, "
                                                 "user, assistant or tool", i);
            }
            const char *text = "";
            if (cJSON_IsString(co)) {
                text = co->valuestring;
            } else if (cJSON_IsArray(co)) { /* content parts: text only */
                const cJSON *part;
                cJSON_ArrayForEach(part, co) {
                    const cJSON *ty = cJSON_GetObjectItemCaseSensitive(part, "type");
                    const cJSON *tx = cJSON_GetObjectItemCaseSensitive(part, "text");
                    if (!cJSON_IsString(ty) || strcmp(ty->valuestring, "text") ||
                        !cJSON_IsString(tx)) {
                        free(mv);
                        return serve_reply_error(r, 400, "messages[%d]: only text content parts "
                                                         "are supported", i);
                    }
                    text = tx->valuestring; /* the last text part */
                }
            } else if (co && !cJSON_IsNull(co)) {
                free(mv);
                return serve_reply_error(r, 400, "messages[%d]: 'content' must be a string or "
                                                 "an array of text parts", i);
            }
            mv[i].role = role;
            mv[i].content = text;
            i++;
        }
    } else {
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(r->json, "prompt");
        if (cJSON_IsArray(p) && cJSON_GetArraySize(p) == 1 && cJSON_IsString(p->child))
            p = p->child;
        if (!cJSON_IsString(p))
            return serve_reply_error(r, 400, "field 'prompt' must be a string");
        prompt = p->valuestring;
    }
    serve_gen *g = calloc(1, sizeof *g);
    oai_ctx *c = calloc(1, sizeof *c);
    char err[1024] = "";
    if (!g || !c) {
        free(g);
        free(c);
        free(mv);
        return serve_reply_error(r, 500, "out of memory");
    }
    if (serve_gen_prepare(g, r, model, &res))
        goto fail;
    if (map_field(r, g, "max_tokens", "num_predict", &res) ||
        map_field(r, g, "max_completion_tokens", "num_predict", &res) ||
        map_field(r, g, "temperature", "temperature", &res) ||
        map_field(r, g, "top_p", "top_p", &res) || map_field(r, g, "seed", "seed", &res) ||
        map_field(r, g, "stop", "stop", &res) ||
        map_field(r, g, "presence_penalty", "presence_penalty", &res) ||
        map_field(r, g, "frequency_penalty", "frequency_penalty", &res) ||
        map_field(r, g, "num_ctx", "num_ctx", &res))
        goto fail;
    g->p.num_ctx = g->load.num_ctx;
    int prc = kind == OAI_CHAT ? serve_chat_prompt(&g->mf, mv, n, &g->prompt, err, sizeof err)
                               : serve_generate_prompt(&g->mf, NULL, prompt, 0, &g->prompt, err,
                                                       sizeof err);
    if (prc) {
        res = serve_reply_error(r, err[0] ? 400 : 500, "%s", err[0] ? err : "out of memory");
        goto fail;
    }
    free(mv);
    mv = NULL;
    if (serve_gen_acquire(g, &res) || serve_gen_check(g, &res))
        goto fail;
    c->kind = kind;
    c->include_usage = include_usage;
    c->created = (long)serve_unix_now();
    snprintf(c->id, sizeof c->id, "%s-%lu%06ld", kind == OAI_CHAT ? "chatcmpl" : "cmpl", r->id,
             (long)(fmod(serve_unix_now(), 1.0) * 1e6));
    g->user = c;
    if (stream) {
        if (!serve_gen_stream(g, "text/event-stream", on_piece_sse, on_sse_done))
            return MHD_YES; /* the thread owns g and c */
        res = MHD_YES;
    } else if (!serve_gen_run_collect(g, &res)) {
        cJSON *o = head(g, c, kind == OAI_CHAT ? "chat.completion" : "text_completion");
        cJSON *ch = cJSON_AddArrayToObject(o, "choices");
        cJSON *x = cJSON_CreateObject();
        cJSON_AddNumberToObject(x, "index", 0);
        const char *text = g->text.p ? g->text.p : "";
        if (kind == OAI_CHAT) {
            cJSON *msg = cJSON_AddObjectToObject(x, "message");
            cJSON_AddStringToObject(msg, "role", "assistant");
            cJSON_AddStringToObject(msg, "content", text);
        } else {
            cJSON_AddStringToObject(x, "text", text);
            cJSON_AddNullToObject(x, "logprobs");
        }
        cJSON_AddStringToObject(x, "finish_reason", finish_reason(g));
        cJSON_AddItemToArray(ch, x);
        add_usage(o, g);
        res = serve_reply_json(r, 200, o);
    }
fail:
    free(mv);
    free(c);
    serve_gen_free(g);
    free(g);
    return res;
}

enum MHD_Result serve_route_oai_chat(serve_req *r) { return oai_run(r, OAI_CHAT); }
enum MHD_Result serve_route_oai_completions(serve_req *r) { return oai_run(r, OAI_COMPLETION); }

static cJSON *model_json(const llm_store_entry *e)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", e->name);
    cJSON_AddStringToObject(o, "object", "model");
    cJSON_AddNumberToObject(o, "created", (double)e->created_unix);
    cJSON_AddStringToObject(o, "owned_by", "library");
    return o;
}

enum MHD_Result serve_route_oai_models(serve_req *r)
{
    llm_store_listing l;
    char err[1024];
    if (llm_store_list(r->srv->store, &l, err, sizeof err))
        return serve_reply_error(r, 500, "%s", err);
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "object", "list");
    cJSON *a = cJSON_AddArrayToObject(j, "data");
    for (int i = 0; i < l.n; i++)
        cJSON_AddItemToArray(a, model_json(&l.entries[i]));
    llm_store_listing_free(&l);
    return serve_reply_json(r, 200, j);
}

enum MHD_Result serve_route_oai_model(serve_req *r)
{
    const char *name = r->url + strlen("/v1/models/");
    llm_store_entry e;
    char err[1024];
    int rc = llm_store_get(r->srv->store, name, &e, err, sizeof err);
    if (rc == LLM_STORE_ERR_NOTFOUND)
        return serve_reply_error(r, 404, "model '%s' not found", name);
    if (rc)
        return serve_reply_error(r, rc == LLM_STORE_ERR_INVAL ? 400 : 500, "%s", err);
    cJSON *o = model_json(&e);
    llm_store_entry_free(&e);
    return serve_reply_json(r, 200, o);
}
