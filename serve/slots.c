/* slots.c — the loaded models: one slot per (model digest, num_ctx), one generation at a
 * time on each, a bounded queue of waiting requests (503 beyond), keep_alive unloading and
 * at most max_loaded idle models kept. A slot's layers are offloaded as its last user's
 * num_gpu / main_gpu asked (llm_model_offload): a request asking otherwise offloads it
 * again once the slot is its own, so one copy of the model is ever loaded per context. */
#include "serve/internal.h"

#include <stdlib.h>
#include <string.h>

enum { SLOT_LOADING, SLOT_READY, SLOT_FAILED };

struct serve_slot {
    char digest[65];
    int num_ctx;
    char name[SERVE_NAME_MAX];
    char family[64], parameter_size[64], quantization[64];
    uint64_t size;
    llm_model *model;
    int num_gpu, main_gpu; /* the offload asked for */
    llm_gpu_status gpu;    /* where the layers run (copied under mu for /api/ps) */
    int state;
    char load_err[1024];
    int busy;          /* a generation owns it */
    int waiting;       /* requests queued for it */
    double expires;    /* monotonic time of unloading when idle; < 0: never */
    double expires_unix;
    double last_used;
    struct waiter *queue;  /* first come, first served (a broadcast wakes them all) */
    struct serve_slot *next;
};

struct waiter {
    struct waiter *next;
};

struct serve_slots {
    serve_server *srv;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    serve_slot *head;
};

serve_slots *serve_slots_new(serve_server *srv)
{
    serve_slots *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->srv = srv;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    return s;
}

static void slot_unlink(serve_slots *s, serve_slot *sl)
{
    for (serve_slot **pp = &s->head; *pp; pp = &(*pp)->next)
        if (*pp == sl) {
            *pp = sl->next;
            break;
        }
    if (sl->model)
        serve_log(s->srv, "unloaded %s (num_ctx %d)", sl->name, sl->num_ctx);
    llm_model_free(sl->model);
    free(sl);
}

void serve_slots_free(serve_slots *s)
{
    if (!s)
        return;
    while (s->head)
        slot_unlink(s, s->head);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    free(s);
}

static void copy_str(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

/* Unloads idle models (least recently used first) until fewer than max_loaded remain. */
static void make_room(serve_slots *s)
{
    for (;;) {
        int n = 0;
        serve_slot *lru = NULL;
        for (serve_slot *sl = s->head; sl; sl = sl->next) {
            n++;
            if (sl->state == SLOT_READY && !sl->busy && !sl->waiting &&
                (!lru || sl->last_used < lru->last_used))
                lru = sl;
        }
        if (n < s->srv->cfg.max_loaded || !lru)
            return; /* all busy: go over the limit rather than fail a request */
        slot_unlink(s, lru);
    }
}

/* Offloads the slot's model as lo asks; the caller owns the slot (busy) and does not hold
 * s->mu. 0, or -1 with err set (the model then runs on the CPU, still usable). */
static int slot_offload(serve_slots *s, serve_slot *sl, const serve_load_opts *lo, char *err,
                        size_t errlen)
{
    char oerr[512];
    int rc = llm_model_offload(sl->model, lo->num_gpu, lo->main_gpu, oerr, sizeof oerr);
    pthread_mutex_lock(&s->mu);
    llm_model_gpu_status(sl->model, &sl->gpu);
    sl->num_gpu = rc == LLM_OK ? lo->num_gpu : 0;
    sl->main_gpu = lo->main_gpu;
    pthread_mutex_unlock(&s->mu);
    if (rc != LLM_OK) {
        snprintf(err, errlen, "model '%s': options.num_gpu %d: %s", sl->name, lo->num_gpu, oerr);
        serve_log(s->srv, "%s", err);
        return -1;
    }
    if (lo->num_gpu != 0)
        serve_log(s->srv, "%s (num_ctx %d): %d of %d layers on GPU %d%s%s", sl->name, sl->num_ctx,
                  sl->gpu.gpu_layers, sl->gpu.n_layer, lo->main_gpu, sl->gpu.note[0] ? ": " : "",
                  sl->gpu.note);
    return 0;
}

/* A load of sl that failed (s->mu held; released here): the slot keeps the message for
 * the requests waiting on it and goes once none is left. */
static int slot_load_failed(serve_slots *s, serve_slot *sl, const char *msg, char *err,
                            size_t errlen)
{
    snprintf(sl->load_err, sizeof sl->load_err, "%s", msg);
    snprintf(err, errlen, "%s", msg);
    sl->state = SLOT_FAILED;
    sl->busy = 0;
    if (!sl->waiting)
        slot_unlink(s, sl);
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    return SERVE_SLOT_LOAD;
}

int serve_slot_acquire(serve_slots *s, const llm_store_entry *e, const serve_load_opts *lo, int fd,
                       serve_slot **out, double *load_seconds, char *err, size_t errlen)
{
    const int num_ctx = lo->num_ctx;
    *out = NULL;
    *load_seconds = 0;
    pthread_mutex_lock(&s->mu);
    serve_slot *sl = s->head;
    while (sl && (strcmp(sl->digest, e->digest) || sl->num_ctx != num_ctx ||
                  sl->state == SLOT_FAILED))
        sl = sl->next;
    if (!sl) {
        make_room(s);
        sl = calloc(1, sizeof *sl);
        if (!sl) {
            pthread_mutex_unlock(&s->mu);
            snprintf(err, errlen, "out of memory");
            return SERVE_SLOT_NOMEM;
        }
        copy_str(sl->digest, sizeof sl->digest, e->digest);
        copy_str(sl->name, sizeof sl->name, e->name);
        copy_str(sl->family, sizeof sl->family, e->family);
        copy_str(sl->parameter_size, sizeof sl->parameter_size, e->parameter_size);
        copy_str(sl->quantization, sizeof sl->quantization, e->quantization);
        sl->size = e->size;
        sl->num_ctx = num_ctx;
        sl->state = SLOT_LOADING;
        sl->busy = 1;
        sl->next = s->head;
        s->head = sl;
        pthread_mutex_unlock(&s->mu);
        /* loading takes a while: others may use other slots meanwhile */
        double t0 = serve_now();
        llm_model *m = NULL;
        char lerr[768];
        int rc = llm_model_load(e->gguf_path, num_ctx, &m, lerr, sizeof lerr);
        *load_seconds = serve_now() - t0;
        pthread_mutex_lock(&s->mu);
        if (rc != LLM_OK) {
            char msg[sizeof sl->load_err];
            snprintf(msg, sizeof msg, "model '%s' cannot be loaded from %s: %s", e->name,
                     e->gguf_path, lerr);
            return slot_load_failed(s, sl, msg, err, errlen);
        }
        sl->model = m;
        llm_model_gpu_status(m, &sl->gpu);
        serve_log(s->srv, "loaded %s from %s (num_ctx %d) in %.3f s", e->name, e->gguf_path,
                  num_ctx, *load_seconds);
        pthread_mutex_unlock(&s->mu);
        /* a num_gpu that does not fit fails the load as a whole, as in Ollama */
        if (lo->num_gpu != 0 && slot_offload(s, sl, lo, lerr, sizeof lerr)) {
            pthread_mutex_lock(&s->mu);
            return slot_load_failed(s, sl, lerr, err, errlen);
        }
        pthread_mutex_lock(&s->mu);
        sl->state = SLOT_READY;
        pthread_mutex_unlock(&s->mu);
        *out = sl;
        return SERVE_SLOT_OK;
    }
    if (sl->busy + sl->waiting >= 1 + s->srv->cfg.max_queue) {
        pthread_mutex_unlock(&s->mu);
        snprintf(err, errlen, "server busy, please try again. maximum pending requests "
                              "exceeded (%d waiting for '%s')", sl->waiting, e->name);
        return SERVE_SLOT_BUSY;
    }
    sl->waiting++;
    struct waiter me = {NULL}, **tail = &sl->queue;
    while (*tail)
        tail = &(*tail)->next;
    *tail = &me;
    int rc = SERVE_SLOT_OK;
    while ((sl->busy || sl->queue != &me) && sl->state != SLOT_FAILED) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 100 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&s->cv, &s->mu, &ts);
        if (serve_client_gone(fd)) {
            rc = SERVE_SLOT_GONE;
            snprintf(err, errlen, "the client went away while waiting for '%s'", e->name);
            break;
        }
    }
    sl->waiting--;
    for (struct waiter **pp = &sl->queue; *pp; pp = &(*pp)->next)
        if (*pp == &me) {
            *pp = me.next;
            break;
        }
    pthread_cond_broadcast(&s->cv); /* the next in line may be free to go now */
    if (rc == SERVE_SLOT_OK && sl->state == SLOT_FAILED) {
        snprintf(err, errlen, "%s", sl->load_err);
        rc = SERVE_SLOT_LOAD;
    }
    if (rc != SERVE_SLOT_OK) {
        if (sl->state == SLOT_FAILED && !sl->waiting)
            slot_unlink(s, sl);
        pthread_mutex_unlock(&s->mu);
        return rc;
    }
    sl->busy = 1;
    const int again = sl->num_gpu != lo->num_gpu || (lo->num_gpu != 0 && sl->main_gpu != lo->main_gpu);
    pthread_mutex_unlock(&s->mu);
    if (again && slot_offload(s, sl, lo, err, errlen)) {
        serve_slot_release(s, sl, s->srv->cfg.keep_alive_s); /* usable, on the CPU */
        return SERVE_SLOT_LOAD;
    }
    *out = sl;
    return SERVE_SLOT_OK;
}

llm_model *serve_slot_model(serve_slot *sl) { return sl->model; }

void serve_slot_release(serve_slots *s, serve_slot *sl, double keep_alive_s)
{
    pthread_mutex_lock(&s->mu);
    sl->busy = 0;
    sl->last_used = serve_now();
    if (keep_alive_s < 0) {
        sl->expires = -1;
    } else {
        sl->expires = sl->last_used + keep_alive_s;
        sl->expires_unix = serve_unix_now() + keep_alive_s;
    }
    if (keep_alive_s == 0 && !sl->waiting)
        slot_unlink(s, sl);
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

int serve_slots_unload(serve_slots *s, const char *digest)
{
    int n = 0;
    pthread_mutex_lock(&s->mu);
    for (serve_slot *sl = s->head, *next; sl; sl = next) {
        next = sl->next;
        if (strcmp(sl->digest, digest) || sl->state != SLOT_READY)
            continue;
        n++;
        if (!sl->busy && !sl->waiting)
            slot_unlink(s, sl);
        else
            sl->expires = 0, sl->expires_unix = serve_unix_now(); /* after the last use */
    }
    pthread_mutex_unlock(&s->mu);
    return n;
}

void serve_slots_expire(serve_slots *s)
{
    double now = serve_now();
    pthread_mutex_lock(&s->mu);
    for (serve_slot *sl = s->head, *next; sl; sl = next) {
        next = sl->next;
        if (sl->state == SLOT_READY && !sl->busy && !sl->waiting && sl->expires >= 0 &&
            now >= sl->expires)
            slot_unlink(s, sl);
    }
    pthread_mutex_unlock(&s->mu);
}

int serve_slots_busy(serve_slots *s)
{
    int n = 0;
    pthread_mutex_lock(&s->mu);
    for (serve_slot *sl = s->head; sl; sl = sl->next)
        n += sl->busy + sl->waiting;
    pthread_mutex_unlock(&s->mu);
    return n;
}

cJSON *serve_slots_ps(serve_slots *s)
{
    cJSON *a = cJSON_CreateArray();
    pthread_mutex_lock(&s->mu);
    for (serve_slot *sl = s->head; a && sl; sl = sl->next) {
        if (sl->state != SLOT_READY)
            continue;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", sl->name);
        cJSON_AddStringToObject(o, "model", sl->name);
        cJSON_AddNumberToObject(o, "size", (double)sl->size);
        cJSON_AddStringToObject(o, "digest", sl->digest);
        cJSON *d = cJSON_AddObjectToObject(o, "details");
        cJSON_AddStringToObject(d, "parent_model", "");
        cJSON_AddStringToObject(d, "format", "gguf");
        cJSON_AddStringToObject(d, "family", sl->family);
        cJSON *fam = cJSON_AddArrayToObject(d, "families");
        cJSON_AddItemToArray(fam, cJSON_CreateString(sl->family));
        cJSON_AddStringToObject(d, "parameter_size", sl->parameter_size);
        cJSON_AddStringToObject(d, "quantization_level", sl->quantization);
        char ts[64];
        /* never expiring: far in the future, as Ollama shows keep_alive -1 */
        serve_time_rfc3339(ts, sizeof ts, sl->busy || sl->expires < 0
                                              ? (sl->expires < 0 ? 253402300799.0
                                                                 : serve_unix_now())
                                              : sl->expires_unix);
        cJSON_AddStringToObject(o, "expires_at", ts);
        cJSON_AddNumberToObject(o, "size_vram", (double)sl->gpu.device_bytes);
        cJSON_AddNumberToObject(o, "context_length", llm_model_n_ctx(sl->model));
        /* so8t's own: where the layers run (docs/serve.md) */
        cJSON *g = cJSON_AddObjectToObject(o, "gpu");
        cJSON_AddNumberToObject(g, "num_gpu", sl->num_gpu);
        cJSON_AddNumberToObject(g, "layers", sl->gpu.gpu_layers);
        cJSON_AddNumberToObject(g, "n_layer", sl->gpu.n_layer);
        cJSON_AddBoolToObject(g, "output_on_gpu", sl->gpu.output_on_gpu);
        if (sl->gpu.gpu_layers > 0) {
            cJSON_AddNumberToObject(g, "device", sl->gpu.device);
            cJSON_AddStringToObject(g, "device_name", sl->gpu.device_name);
        } else {
            cJSON_AddNullToObject(g, "device");
            cJSON_AddNullToObject(g, "device_name");
        }
        if (sl->gpu.note[0])
            cJSON_AddStringToObject(g, "note", sl->gpu.note);
        else
            cJSON_AddNullToObject(g, "note");
        cJSON_AddItemToArray(a, o);
    }
    pthread_mutex_unlock(&s->mu);
    return a;
}
