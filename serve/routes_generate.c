/* routes_generate.c — /api/generate and /api/chat: NDJSON streaming (the default) or one
 * object, the final object with integer-nanosecond durations, `context` on generate. */
#include "serve/internal.h"
#include "base/strbuf.h"

#include <stdlib.h>
#include <string.h>

enum { KIND_GENERATE, KIND_CHAT };

typedef struct {
    int kind;
    int raw;
} gen_ctx;

static void add_head(cJSON *o, const serve_gen *g)
{
    char ts[64];
    serve_time_rfc3339(ts, sizeof ts, serve_unix_now());
    cJSON_AddStringToObject(o, "model", g->model_name);
    cJSON_AddStringToObject(o, "created_at", ts);
}

static void add_message(cJSON *o, const char *content)
{
    cJSON *m = cJSON_AddObjectToObject(o, "message");
    cJSON_AddStringToObject(m, "role", "assistant");
    cJSON_AddStringToObject(m, "content", content);
}

static cJSON *chunk_json(const serve_gen *g, int kind, const char *text)
{
    cJSON *o = cJSON_CreateObject();
    add_head(o, g);
    if (kind == KIND_CHAT)
        add_message(o, text);
    else
        cJSON_AddStringToObject(o, "response", text);
    cJSON_AddBoolToObject(o, "done", 0);
    return o;
}

static cJSON *final_json(const serve_gen *g, const gen_ctx *c, const char *text)
{
    cJSON *o = cJSON_CreateObject();
    add_head(o, g);
    if (c->kind == KIND_CHAT)
        add_message(o, text);
    else
        cJSON_AddStringToObject(o, "response", text);
    cJSON_AddBoolToObject(o, "done", 1);
    cJSON_AddStringToObject(o, "done_reason", g->out.stop_reason ? g->out.stop_reason : "stop");
    if (c->kind == KIND_GENERATE && !c->raw) {
        cJSON *ctx = cJSON_AddArrayToObject(o, "context");
        for (int i = 0; i < g->n_prompt_tokens; i++)
            cJSON_AddItemToArray(ctx, cJSON_CreateNumber(g->prompt_tokens[i]));
        for (int i = 0; i < g->out.n_tokens; i++)
            cJSON_AddItemToArray(ctx, cJSON_CreateNumber(g->out.tokens[i]));
    }
    double ptps = g->out.prompt_tokens_per_second, gtps = g->out.generated_tokens_per_second;
    serve_json_add_ns(o, "total_duration", serve_now() - g->t_arrival);
    serve_json_add_ns(o, "load_duration", g->load_s);
    cJSON_AddNumberToObject(o, "prompt_eval_count", g->out.prompt_tokens);
    serve_json_add_ns(o, "prompt_eval_duration", ptps > 0 ? g->out.prompt_tokens / ptps : 0);
    cJSON_AddNumberToObject(o, "eval_count", g->out.n_tokens);
    serve_json_add_ns(o, "eval_duration", gtps > 0 ? g->out.n_tokens / gtps : 0);
    return o;
}

static int on_piece_stream(serve_gen *g, const char *piece)
{
    gen_ctx *c = g->user;
    return serve_gen_send(g, chunk_json(g, c->kind, piece), "", "\n");
}

static void on_stream_done(serve_gen *g, int rc)
{
    gen_ctx *c = g->user;
    if (!g->cancelled) {
        cJSON *o;
        if (rc) {
            o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "error", g->err);
        } else {
            o = final_json(g, c, "");
        }
        serve_gen_send(g, o, "", "\n");
    }
    serve_stream_close(g->stream);
    free(c);
}

/* The reply for an empty prompt / no messages: load the model, or unload with keep_alive 0. */
static enum MHD_Result load_only(serve_req *r, serve_gen *g, int kind)
{
    enum MHD_Result res;
    const char *reason = "load";
    if (g->keep_alive_s == 0) {
        serve_slots_unload(r->srv->slots, g->entry.digest);
        reason = "unload";
    } else {
        if (serve_gen_acquire(g, &res))
            return res;
        serve_slot_release(r->srv->slots, g->slot, g->keep_alive_s);
        g->slot = NULL;
    }
    cJSON *o = cJSON_CreateObject();
    add_head(o, g);
    if (kind == KIND_CHAT)
        add_message(o, "");
    else
        cJSON_AddStringToObject(o, "response", "");
    cJSON_AddBoolToObject(o, "done", 1);
    cJSON_AddStringToObject(o, "done_reason", reason);
    return serve_reply_json(r, 200, o);
}

/* What so8t does not have: images, thinking, tools, grammar-constrained formats. */
static int refuse_unsupported(serve_req *r, const char *model, enum MHD_Result *res)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(r->json, "format");
    if (x && !cJSON_IsNull(x) && !(cJSON_IsString(x) && !x->valuestring[0])) {
        *res = serve_reply_error(r, 400, "'format' is not supported: so8t has no grammar-"
                                         "constrained sampling (ask for JSON in the prompt)");
        return -1;
    }
    x = cJSON_GetObjectItemCaseSensitive(r->json, "think");
    if (x && !cJSON_IsNull(x) && !cJSON_IsFalse(x)) {
        *res = serve_reply_error(r, 400, "\"%s\" does not support thinking", model);
        return -1;
    }
    x = cJSON_GetObjectItemCaseSensitive(r->json, "tools");
    if (x && !cJSON_IsNull(x) && !(cJSON_IsArray(x) && !x->child)) {
        *res = serve_reply_error(r, 400, "%s does not support tools", model);
        return -1;
    }
    x = cJSON_GetObjectItemCaseSensitive(r->json, "images");
    if (x && !cJSON_IsNull(x) && !(cJSON_IsArray(x) && !x->child)) {
        *res = serve_reply_error(r, 400, "%s does not support images", model);
        return -1;
    }
    return 0;
}

/* Runs g (prompt set) streamed or not and answers. Owns g. */
static enum MHD_Result run_and_reply(serve_req *r, serve_gen *g, int kind, int raw, int stream)
{
    enum MHD_Result res;
    gen_ctx *c = calloc(1, sizeof *c);
    if (!c) {
        res = serve_reply_error(r, 500, "out of memory");
        goto done;
    }
    c->kind = kind;
    c->raw = raw;
    g->user = c;
    if (serve_gen_check(g, &res))
        goto done;
    if (stream) {
        if (!serve_gen_stream(g, "application/x-ndjson", on_piece_stream, on_stream_done))
            return MHD_YES; /* the thread owns g and c */
        res = MHD_YES;
    } else if (!serve_gen_run_collect(g, &res)) {
        res = serve_reply_json(r, 200, final_json(g, c, g->text.p ? g->text.p : ""));
    }
done:
    free(c);
    serve_gen_free(g);
    free(g);
    return res;
}

enum MHD_Result serve_route_generate(serve_req *r)
{
    enum MHD_Result res;
    const char *model, *prompt, *system, *tmpl, *suffix;
    int stream, raw;
    if (serve_field_str(r, r->json, "model", &model, &res) ||
        serve_field_str(r, r->json, "prompt", &prompt, &res) ||
        serve_field_str(r, r->json, "system", &system, &res) ||
        serve_field_str(r, r->json, "template", &tmpl, &res) ||
        serve_field_str(r, r->json, "suffix", &suffix, &res) ||
        serve_field_bool(r, r->json, "stream", 1, &stream, &res) ||
        serve_field_bool(r, r->json, "raw", 0, &raw, &res))
        return res;
    const cJSON *context = cJSON_GetObjectItemCaseSensitive(r->json, "context");
    if (context && !cJSON_IsNull(context) && !cJSON_IsArray(context))
        return serve_reply_error(r, 400, "field 'context' must be an array of token ids");
    int has_context = cJSON_IsArray(context) && context->child;
    if (raw && ((tmpl && *tmpl) || (system && *system) || has_context))
        return serve_reply_error(r, 400, "raw mode does not support template, system, or context");
    if (refuse_unsupported(r, model ? model : "", &res))
        return res;
    if (suffix && *suffix)
        return serve_reply_error(r, 400, "%s does not support insert", model ? model : "");
    if (tmpl && *tmpl) {
        char err[512];
        if (llm_template_check(tmpl, err, sizeof err))
            return serve_reply_error(r, 400, "template: %s", err);
    }
    serve_gen *g = calloc(1, sizeof *g);
    if (!g)
        return serve_reply_error(r, 500, "out of memory");
    if (serve_gen_prepare(g, r, model, &res))
        goto fail;
    if (!prompt || !*prompt) {
        if (!has_context) {
            res = load_only(r, g, KIND_GENERATE);
            goto fail;
        }
        prompt = "";
    }
    if (tmpl && *tmpl) {
        free(g->mf.template_text);
        g->mf.template_text = strdup(tmpl);
    }
    if (serve_gen_acquire(g, &res))
        goto fail;
    /* the deprecated context: the earlier prompt and answer, as text before this prompt */
    so8t_strbuf pre = {0};
    so8t_strbuf_put(&pre, "", 0);
    const cJSON *t;
    const cJSON *ctx_arr = has_context ? context : NULL;
    cJSON_ArrayForEach(t, ctx_arr) {
        llm_model *m = serve_slot_model(g->slot);
        if (!cJSON_IsNumber(t) || t->valuedouble < 0 || t->valuedouble >= llm_model_n_vocab(m) ||
            t->valuedouble != (int)t->valuedouble) {
            free(pre.p);
            res = serve_reply_error(r, 400, "field 'context': every element must be a token id "
                                            "of the model (0 to %d)", llm_model_n_vocab(m) - 1);
            goto fail;
        }
        char piece[512];
        int k = llm_token_to_piece(m, (int)t->valuedouble, 1, piece, sizeof piece);
        if (k > 0)
            so8t_strbuf_put(&pre, piece, (size_t)k);
    }
    char *body = NULL, err[1024] = "";
    if (serve_generate_prompt(&g->mf, system, prompt, raw, &body, err, sizeof err)) {
        free(pre.p);
        res = serve_reply_error(r, err[0] ? 400 : 500, "%s", err[0] ? err : "out of memory");
        goto fail;
    }
    so8t_strbuf_add(&pre, "%s", body);
    free(body);
    g->prompt = so8t_strbuf_take(&pre);
    if (!g->prompt) {
        res = serve_reply_error(r, 500, "out of memory");
        goto fail;
    }
    return run_and_reply(r, g, KIND_GENERATE, raw, stream);
fail:
    serve_gen_free(g);
    free(g);
    return res;
}

enum MHD_Result serve_route_chat(serve_req *r)
{
    enum MHD_Result res;
    const char *model;
    int stream;
    if (serve_field_str(r, r->json, "model", &model, &res) ||
        serve_field_bool(r, r->json, "stream", 1, &stream, &res))
        return res;
    if (refuse_unsupported(r, model ? model : "", &res))
        return res;
    const cJSON *msgs = cJSON_GetObjectItemCaseSensitive(r->json, "messages");
    if (msgs && !cJSON_IsNull(msgs) && !cJSON_IsArray(msgs))
        return serve_reply_error(r, 400, "field 'messages' must be an array");
    int n = cJSON_GetArraySize(msgs);
    serve_message *mv = calloc((size_t)n + 1, sizeof *mv);
    if (!mv)
        return serve_reply_error(r, 500, "out of memory");
    int i = 0;
    const cJSON *m;
    cJSON_ArrayForEach(m, msgs) {
        const cJSON *ro = cJSON_GetObjectItemCaseSensitive(m, "role");
        const cJSON *co = cJSON_GetObjectItemCaseSensitive(m, "content");
        const cJSON *im = cJSON_GetObjectItemCaseSensitive(m, "images");
        if (!cJSON_IsObject(m) || !cJSON_IsString(ro) ||
            (strcmp(ro->valuestring, "system") && strcmp(ro->valuestring, "user") &&
             strcmp(ro->valuestring, "assistant") && strcmp(ro->valuestring, "tool"))) {
            free(mv);
            return serve_reply_error(r, 400, "messages[%d]: 'role' must be system, user, "
                                             "assistant or tool", i);
        }
        if (co && !cJSON_IsNull(co) && !cJSON_IsString(co)) {
            free(mv);
            return serve_reply_error(r, 400, "messages[%d]: 'content' must be a string", i);
        }
        if (im && cJSON_IsArray(im) && im->child) {
            free(mv);
            return serve_reply_error(r, 400, "%s does not support images", model ? model : "");
        }
        mv[i].role = ro->valuestring;
        mv[i].content = cJSON_IsString(co) ? co->valuestring : ""; /* ollama-python drops "" */
        i++;
    }
    serve_gen *g = calloc(1, sizeof *g);
    if (!g) {
        free(mv);
        return serve_reply_error(r, 500, "out of memory");
    }
    if (serve_gen_prepare(g, r, model, &res))
        goto fail;
    if (n == 0) {
        res = load_only(r, g, KIND_CHAT);
        goto fail;
    }
    char err[1024];
    if (serve_chat_prompt(&g->mf, mv, n, &g->prompt, err, sizeof err)) {
        res = serve_reply_error(r, 400, "%s", err);
        goto fail;
    }
    free(mv);
    if (serve_gen_acquire(g, &res)) {
        serve_gen_free(g);
        free(g);
        return res;
    }
    return run_and_reply(r, g, KIND_CHAT, 0, stream);
fail:
    free(mv);
    serve_gen_free(g);
    free(g);
    return res;
}
