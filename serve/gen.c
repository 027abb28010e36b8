/* gen.c — one generation for a route: the store entry and its Modelfile, the request's
 * options and keep_alive, the slot, the token loop with cancellation, the statistics. */
#include "serve/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void serve_json_add_ns(cJSON *o, const char *key, double seconds)
{
    if (!(seconds >= 0))
        seconds = 0;
    cJSON_AddNumberToObject(o, key, floor(seconds * 1e9)); /* an integer: ns */
}

int serve_gen_prepare(serve_gen *g, serve_req *r, const char *model, enum MHD_Result *res)
{
    const cJSON *options = cJSON_GetObjectItemCaseSensitive(r->json, "options");
    const cJSON *keep_alive = cJSON_GetObjectItemCaseSensitive(r->json, "keep_alive");
    memset(g, 0, sizeof *g);
    g->req = r;
    g->srv = r->srv;
    g->id = r->id;
    g->fd = r->fd;
    g->t_arrival = r->t_arrival;
    if (!model || !*model) {
        *res = serve_reply_error(r, 400, "model is required");
        return -1;
    }
    char err[1024];
    int rc = llm_store_get(r->srv->store, model, &g->entry, err, sizeof err);
    if (rc == LLM_STORE_ERR_NOTFOUND) {
        *res = serve_reply_error(r, 404, "model '%s' not found", g->entry.name ? g->entry.name : model);
        return -1;
    }
    if (rc) {
        *res = serve_reply_error(r, rc == LLM_STORE_ERR_INVAL ? 400 : 500, "%s", err);
        return -1;
    }
    snprintf(g->model_name, sizeof g->model_name, "%s", g->entry.name);
    if (llm_store_entry_to_modelfile(&g->entry, &g->mf, err, sizeof err)) {
        *res = serve_reply_error(r, 500, "%s", err);
        return -1;
    }
    llm_params_default(&g->p);
    if (llm_modelfile_apply(&g->mf, &g->p, NULL, 0)) {
        *res = serve_reply_error(r, 500, "out of memory");
        return -1;
    }
    if (r->srv->cfg.num_thread > 0)
        g->p.num_thread = r->srv->cfg.num_thread;
    g->load.num_ctx = g->p.num_ctx;
    /* the Modelfile's num_gpu / main_gpu (range-checked by its parser), else the CPU */
    const llm_modelfile_param *ng = llm_modelfile_param_find(&g->mf, "num_gpu");
    const llm_modelfile_param *mg = llm_modelfile_param_find(&g->mf, "main_gpu");
    g->load.num_gpu = ng ? (int)ng->i : 0;
    g->load.main_gpu = mg ? (int)mg->i : 0;
    if (serve_options_apply(options, &g->p, g->stops, &g->load, err, sizeof err)) {
        *res = serve_reply_error(r, 400, "%s", err);
        return -1;
    }
    /* the loader clamps to the trained context: clamp here too, so 4096 and 8192 on a
       2048-token model share one loaded copy */
    if (g->entry.context_length > 0 && (uint64_t)g->load.num_ctx > g->entry.context_length)
        g->load.num_ctx = (int)g->entry.context_length;
    g->p.num_ctx = g->load.num_ctx;
    g->keep_alive_s = r->srv->cfg.keep_alive_s;
    if (keep_alive && !cJSON_IsNull(keep_alive) &&
        serve_keep_alive_parse(keep_alive, &g->keep_alive_s)) {
        *res = serve_reply_error(r, 400, "field 'keep_alive' must be a number of seconds or a "
                                         "duration such as \"5m\" or \"-1\"");
        return -1;
    }
    return 0;
}

int serve_gen_acquire(serve_gen *g, enum MHD_Result *res)
{
    char err[1200];
    int rc = serve_slot_acquire(g->srv->slots, &g->entry, &g->load, g->fd, &g->slot, &g->load_s,
                                err, sizeof err);
    switch (rc) {
    case SERVE_SLOT_OK: return 0;
    case SERVE_SLOT_BUSY: *res = serve_reply_error(g->req, 503, "%s", err); break;
    case SERVE_SLOT_GONE:
        serve_log(g->srv, "#%lu %s", g->id, err);
        *res = MHD_NO; /* nobody to answer */
        break;
    default: *res = serve_reply_error(g->req, 500, "%s", err); break;
    }
    return -1;
}

static int piece_cb(const char *piece, void *user)
{
    serve_gen *g = user;
    if ((g->stream && serve_stream_cancelled(g->stream)) || serve_client_gone(g->fd) ||
        g->srv->stopping) {
        g->cancelled = 1;
        return 1;
    }
    if (g->srv->cfg.token_delay_ms > 0) {
        struct timespec ts = {g->srv->cfg.token_delay_ms / 1000,
                              (g->srv->cfg.token_delay_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    if (g->on_piece && g->on_piece(g, piece)) {
        g->cancelled = 1;
        return 1;
    }
    return 0;
}

int serve_gen_check(serve_gen *g, enum MHD_Result *res)
{
    llm_model *m = serve_slot_model(g->slot);
    int n = llm_tokenize(m, g->prompt, -1, 1, NULL, 0);
    int n_ctx = llm_model_n_ctx(m);
    const char *why = NULL;
    if (n <= 0)
        why = "the prompt is empty and the model adds no BOS token";
    else if (n >= n_ctx)
        why = "too long";
    if (!why) {
        free(g->prompt_tokens);
        g->prompt_tokens = malloc((size_t)n * sizeof(int));
        if (g->prompt_tokens && llm_tokenize(m, g->prompt, -1, 1, g->prompt_tokens, n) == n) {
            g->n_prompt_tokens = n;
            return 0;
        }
        why = "out of memory";
    }
    serve_slot_release(g->srv->slots, g->slot, g->keep_alive_s);
    g->slot = NULL;
    if (!strcmp(why, "too long"))
        *res = serve_reply_error(g->req, 400, "the prompt has %d tokens; the context holds %d "
                                              "(raise options.num_ctx; this model's limit is %d)",
                                 n, n_ctx, (int)g->entry.context_length);
    else
        *res = serve_reply_error(g->req, strcmp(why, "out of memory") ? 400 : 500, "%s", why);
    return -1;
}

int serve_gen_run(serve_gen *g)
{
    llm_model *m = serve_slot_model(g->slot);
    g->t_start = serve_now();
    int rc = llm_generate(m, g->prompt, &g->p, piece_cb, g, &g->out, g->err, sizeof g->err);
    g->llm_rc = rc;
    g->t_end = serve_now();
    serve_slot_release(g->srv->slots, g->slot, g->keep_alive_s);
    g->slot = NULL;
    if (rc != LLM_OK) {
        serve_log(g->srv, "#%lu generation failed: %s", g->id, g->err);
        return -1;
    }
    serve_log(g->srv, "#%lu %s: %d prompt tokens, %d generated, %s%s", g->id, g->model_name,
              g->out.prompt_tokens, g->out.n_tokens, g->out.stop_reason,
              g->cancelled ? ", cancelled (client gone)" : "");
    return 0;
}

void serve_gen_free(serve_gen *g)
{
    if (!g)
        return;
    if (g->slot)
        serve_slot_release(g->srv->slots, g->slot, g->keep_alive_s);
    llm_generation_free(&g->out);
    llm_modelfile_free(&g->mf);
    llm_store_entry_free(&g->entry);
    free(g->prompt_tokens);
    free(g->prompt);
    free(g->text.p);
    g->text = (so8t_strbuf){0};
    if (g->fd_owned && g->fd >= 0)
        close(g->fd);
    g->fd = -1;
}

typedef struct {
    serve_gen *g;
    void (*done)(serve_gen *g, int rc);
} spawn_arg;

static void *spawn_main(void *arg)
{
    spawn_arg a = *(spawn_arg *)arg;
    free(arg);
    int rc = serve_gen_run(a.g);
    a.done(a.g, rc);
    serve_server *srv = a.g->srv;
    serve_gen_free(a.g);
    free(a.g);
    pthread_mutex_lock(&srv->mu);
    srv->active--; /* the stream's share, taken in serve_gen_spawn */
    pthread_cond_broadcast(&srv->cv);
    pthread_mutex_unlock(&srv->mu);
    return NULL;
}

int serve_gen_spawn(serve_gen *g, void (*done)(serve_gen *g, int rc))
{
    spawn_arg *a = malloc(sizeof *a);
    if (!a)
        return -1;
    a->g = g;
    a->done = done;
    /* the request ends (and MHD may close its socket) before this thread does */
    g->fd = g->fd >= 0 ? dup(g->fd) : -1;
    g->fd_owned = 1;
    g->req = NULL;
    pthread_mutex_lock(&g->srv->mu);
    g->srv->active++;
    pthread_mutex_unlock(&g->srv->mu);
    pthread_t t;
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&t, &at, spawn_main, a);
    pthread_attr_destroy(&at);
    if (rc) {
        free(a);
        pthread_mutex_lock(&g->srv->mu);
        g->srv->active--;
        pthread_mutex_unlock(&g->srv->mu);
        return -1;
    }
    return 0;
}

int serve_gen_stream(serve_gen *g, const char *ctype, serve_piece_cb on_piece,
                     void (*done)(serve_gen *g, int rc))
{
    g->stream = serve_stream_open(g->req, ctype);
    if (!g->stream)
        return -1;
    g->on_piece = on_piece;
    if (serve_gen_spawn(g, done)) {
        serve_log(g->srv, "#%lu cannot start a thread", g->id);
        serve_stream_close(g->stream);
        return -1;
    }
    return 0;
}

static int collect_piece(serve_gen *g, const char *piece)
{
    so8t_strbuf_add(&g->text, "%s", piece);
    return 0;
}

int serve_gen_run_collect(serve_gen *g, enum MHD_Result *res)
{
    g->on_piece = collect_piece;
    if (serve_gen_run(g)) {
        *res = serve_reply_error(g->req, g->llm_rc == LLM_ERR_CTX ? 400 : 500, "%s", g->err);
        return -1;
    }
    if (g->cancelled) {
        *res = MHD_NO; /* the client is gone */
        return -1;
    }
    return 0;
}

int serve_gen_send(serve_gen *g, cJSON *o, const char *prefix, const char *suffix)
{
    int rc = serve_stream_write_json(g->stream, o, prefix, suffix);
    cJSON_Delete(o);
    return rc;
}
