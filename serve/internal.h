/* internal.h — what the serve/ files share: the server, a request, replies, streams,
 * option parsing, the model slots and one generation. Nothing outside serve/ uses it. */
#ifndef SO8T_SERVE_INTERNAL_H
#define SO8T_SERVE_INTERNAL_H

#include "serve/serve.h"
#include "base/strbuf.h"
#include "llm/llm.h"
#include "llm/modelfile/modelfile.h"
#include "llm/store/store.h"

#include <cjson/cJSON.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdint.h>

#define SERVE_OLLAMA_VERSION "0.6.3"  /* what /api/version reports (clients compare it) */
#define SERVE_MAX_STOP 16
#define SERVE_NAME_MAX (2 * LLM_STORE_PART_MAX + 2)

typedef struct serve_slots serve_slots;

typedef struct {
    serve_config cfg;
    llm_store *store;
    serve_slots *slots;
    struct MHD_Daemon *daemon;
    int loopback;                 /* listening on a loopback address: check Host (403) */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int active;                   /* requests in flight (drain waits for 0) */
    int draining;                 /* stopping: new requests get 503 */
    volatile int stopping;        /* drain time is up: generations stop at the next token */
    unsigned long next_id;
    pthread_mutex_t log_mu;
} serve_server;

/* Which error shape a route answers with. */
enum { SERVE_API_OLLAMA = 0, SERVE_API_OPENAI = 1 };

typedef struct {
    serve_server *srv;
    struct MHD_Connection *conn;
    unsigned long id;
    const char *method, *url;
    int api;
    char *body;                   /* NUL-terminated */
    size_t body_len;
    int body_too_big;
    int counted;                  /* counted in srv->active */
    cJSON *json;                  /* the parsed body (routes that take one) */
    double t_arrival;             /* serve_now() when the request arrived */
    int fd;                       /* the socket, to notice a client that went away */
    int replied;
} serve_req;

/* ---- reply.c ---- */
double serve_now(void);                        /* monotonic seconds */
void serve_time_rfc3339(char *buf, size_t len, double unix_seconds); /* nanoseconds, UTC */
double serve_unix_now(void);
/* Valid UTF-8 of `s` (bad bytes become U+FFFD) with U+0085, U+2028, U+2029 escaped once
 * it is inside JSON text; used on every JSON text we send. malloc'd. */
char *serve_json_print(const cJSON *j);
void serve_log(serve_server *srv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Replies (each queues one response; MHD_YES/MHD_NO for the access handler). */
enum MHD_Result serve_reply_raw(serve_req *r, unsigned status, const char *ctype,
                                const char *data, size_t n);
enum MHD_Result serve_reply_json(serve_req *r, unsigned status, cJSON *j); /* frees j */
enum MHD_Result serve_reply_error(serve_req *r, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* 1 when the peer closed its end (checked between tokens). */
int serve_client_gone(int fd);

/* A streamed body: the generating thread writes, MHD's reader callback sends. */
typedef struct serve_stream serve_stream;
/* Queues a 200 response with this content type whose body is the stream. NULL if out of
 * memory (a reply has then been queued). */
serve_stream *serve_stream_open(serve_req *r, const char *ctype);
/* Appends bytes; returns non-zero once the client is gone (stop generating). */
int serve_stream_write(serve_stream *s, const char *data, size_t n);
int serve_stream_write_json(serve_stream *s, const cJSON *j, const char *prefix,
                            const char *suffix); /* prefix + JSON + suffix */
int serve_stream_cancelled(serve_stream *s);
void serve_stream_close(serve_stream *s); /* the writer is done (the body ends) */

/* ---- options.c ---- */
/* What a loaded copy of a model depends on (one slot each, slots.c): options.num_ctx, and
 * where its layers run, options.num_gpu / main_gpu (llm_model_offload: -1 as many as fit,
 * 0 the CPU, N the first N layers; the Modelfile's PARAMETERs, else 0 and 0). */
typedef struct {
    int num_ctx;
    int num_gpu;
    int main_gpu;
} serve_load_opts;

/* Applies an Ollama "options" object (or NULL) to *p: every key type- and range-checked;
 * honoured keys set p, Ollama's removed ones are ignored, an unknown key is ignored too
 * (Ollama logs it) and noted. stops: storage for up to SERVE_MAX_STOP strings that p->stop
 * will point at (they point into `opts`, keep it alive). *lo gets options.num_ctx, num_gpu
 * and main_gpu when given. Returns 0, or -1 with "option 'NAME' ..." in err (a 400). */
int serve_options_apply(const cJSON *opts, llm_params *p, const char **stops, serve_load_opts *lo,
                        char *err, size_t errlen);
/* One typed value, as options do ("temperature" must be a number in [0, 100], ...): for the
 * OpenAI fields that map onto options. Same return as serve_options_apply. */
int serve_option_set(const char *name, const cJSON *v, llm_params *p, const char **stops,
                     serve_load_opts *lo, char *err, size_t errlen);
/* keep_alive: a number of seconds or a Go duration ("5m", "1h30m", "-1"). -1 bad. */
int serve_keep_alive_parse(const cJSON *v, double *seconds);

/* ---- slots.c: loaded models, one generation at a time each, a bounded queue ---- */
typedef struct serve_slot serve_slot;
enum { SERVE_SLOT_OK = 0, SERVE_SLOT_LOAD = -1, SERVE_SLOT_BUSY = -2, SERVE_SLOT_GONE = -3,
       SERVE_SLOT_NOMEM = -4 };
serve_slots *serve_slots_new(serve_server *srv);
void serve_slots_free(serve_slots *s); /* unloads every model */
/* Waits for (and loads when needed) the model `e` at context lo->num_ctx, then owns it
 * until serve_slot_release. Its layers are offloaded as lo->num_gpu / main_gpu ask: a
 * loaded copy offloaded otherwise is offloaded again once it is ours (Ollama reloads).
 * Without a GPU that is 0 layers, never an error. SERVE_SLOT_LOAD: err names the file and
 * the cause (a num_gpu that does not fit says what fits); BUSY: the queue is full; GONE:
 * the client left while waiting. */
int serve_slot_acquire(serve_slots *s, const llm_store_entry *e, const serve_load_opts *lo,
                       int fd, serve_slot **out, double *load_seconds, char *err, size_t errlen);
llm_model *serve_slot_model(serve_slot *sl);
/* keep_alive_s < 0: stay loaded; 0: unload now (unless others wait); else that long idle. */
void serve_slot_release(serve_slots *s, serve_slot *sl, double keep_alive_s);
/* Unloads `name` (keep_alive 0 with no prompt). 1 if it was loaded. */
int serve_slots_unload(serve_slots *s, const char *digest);
/* The /api/ps "models" array. */
cJSON *serve_slots_ps(serve_slots *s);
void serve_slots_expire(serve_slots *s); /* unload idle models whose keep_alive ran out */
int serve_slots_busy(serve_slots *s);    /* generations running or waiting */

/* ---- chat.c ---- */
typedef struct {
    const char *role;    /* "system", "user", "assistant", "tool" */
    const char *content;
} serve_message;
/* The prompt for a chat: a Modelfile TEMPLATE (.System/.Prompt/.Response subset) renders
 * each user turn; else the model's own chat format (llm/chat/) when its GGUF has a known
 * template; else a plain role-tagged transcript ("user: ...\nassistant: "). malloc'd in *out. */
int serve_chat_prompt(const llm_modelfile *mf, const serve_message *msgs, int n, char **out,
                      char *err, size_t errlen);
/* The prompt of /api/generate and /v1/completions: TEMPLATE rendered with SYSTEM and the
 * prompt as `so8t run` does; raw = the prompt as is. */
int serve_generate_prompt(const llm_modelfile *mf, const char *system, const char *prompt,
                          int raw, char **out, char *err, size_t errlen);

/* ---- gen.c: one generation for a route ---- */
typedef struct serve_gen serve_gen;
typedef int (*serve_piece_cb)(serve_gen *g, const char *piece); /* non-zero: stop */
struct serve_gen {
    serve_req *req;          /* NULL once the generation runs on its own thread */
    serve_server *srv;
    unsigned long id;
    int fd;                  /* the client's socket (a dup() of it on a thread) */
    int fd_owned;
    double t_arrival;        /* serve_now() when the request arrived */
    /* set by serve_gen_prepare */
    llm_store_entry entry;
    llm_modelfile mf;
    llm_params p;
    const char *stops[SERVE_MAX_STOP];
    serve_load_opts load;    /* num_ctx, num_gpu, main_gpu */
    double keep_alive_s;
    char model_name[SERVE_NAME_MAX];
    /* set by the route */
    char *prompt;
    serve_piece_cb on_piece;
    void *user;
    serve_stream *stream;
    so8t_strbuf text;        /* the whole answer, when not streamed (serve_gen_run_collect) */
    /* results */
    serve_slot *slot;
    double load_s, t_start, t_prompt_end, t_end;
    llm_generation out;
    int *prompt_tokens;
    int n_prompt_tokens;
    int cancelled;
    int llm_rc;              /* llm_generate's status (LLM_ERR_CTX: a 400) */
    char err[1024];
};
/* Finds the model (404 reply), applies its Modelfile, then the request's "options" and
 * "keep_alive" (r->json's; 400 reply naming the option). 0, or the MHD result of the error
 * reply in *res. */
int serve_gen_prepare(serve_gen *g, serve_req *r, const char *model, enum MHD_Result *res);
/* Acquires the slot (500 naming the file / 503 + Retry-After replies on failure). */
int serve_gen_acquire(serve_gen *g, enum MHD_Result *res);
/* After the slot is acquired and g->prompt is set: the prompt's tokens (for `context`),
 * and a 400 reply when it does not fit the context (the slot is then released). */
int serve_gen_check(serve_gen *g, enum MHD_Result *res);
/* Runs the generation (the slot is released at the end). 0, or -1 with g->err. */
int serve_gen_run(serve_gen *g);
void serve_gen_free(serve_gen *g);
/* Runs serve_gen_run on a new thread that then calls done(g) and frees g (streams). */
int serve_gen_spawn(serve_gen *g, void (*done)(serve_gen *g, int rc));
/* Streams the answer: opens a 200 stream of `ctype`, then runs g on its own thread with
 * on_piece for every piece and done at the end. 0: the thread owns g (and g->user); -1: a
 * reply has been queued (an error, or the stream cut short), the caller still owns g. */
int serve_gen_stream(serve_gen *g, const char *ctype, serve_piece_cb on_piece,
                     void (*done)(serve_gen *g, int rc));
/* Runs g collecting the answer in g->text. 0; or -1 with *res: the error reply (400 when
 * the context is full, else 500), or MHD_NO when the client went away. */
int serve_gen_run_collect(serve_gen *g, enum MHD_Result *res);
/* Writes prefix + JSON of o + suffix to g's stream and frees o; non-zero: stop. */
int serve_gen_send(serve_gen *g, cJSON *o, const char *prefix, const char *suffix);
/* Nanoseconds as an integer JSON number. */
void serve_json_add_ns(cJSON *o, const char *key, double seconds);

/* ---- routes ---- */
typedef enum MHD_Result (*serve_route_fn)(serve_req *r);
enum MHD_Result serve_route_root(serve_req *r);
enum MHD_Result serve_route_version(serve_req *r);
enum MHD_Result serve_route_tags(serve_req *r);
enum MHD_Result serve_route_show(serve_req *r);
enum MHD_Result serve_route_ps(serve_req *r);
enum MHD_Result serve_route_create(serve_req *r);
enum MHD_Result serve_route_pull(serve_req *r);
enum MHD_Result serve_route_push(serve_req *r);
enum MHD_Result serve_route_delete(serve_req *r);
enum MHD_Result serve_route_copy(serve_req *r);
enum MHD_Result serve_route_generate(serve_req *r);
enum MHD_Result serve_route_chat(serve_req *r);
enum MHD_Result serve_route_oai_chat(serve_req *r);
enum MHD_Result serve_route_oai_completions(serve_req *r);
enum MHD_Result serve_route_oai_models(serve_req *r);
enum MHD_Result serve_route_oai_model(serve_req *r);
/* so8t's own API and page (so8t_routes.c, ui.c) */
enum MHD_Result serve_route_so8t_volume(serve_req *r);
enum MHD_Result serve_route_so8t_exact(serve_req *r);
enum MHD_Result serve_route_so8t_verify(serve_req *r);
enum MHD_Result serve_route_so8t_rotations(serve_req *r);
enum MHD_Result serve_route_so8t_explain(serve_req *r);
enum MHD_Result serve_route_so8t_info(serve_req *r);
enum MHD_Result serve_route_ui(serve_req *r);

/* Helpers for routes: a string field (NULL when absent; -1 with a 400 reply when not a
 * string), a bool field (default when absent). */
int serve_field_str(serve_req *r, const cJSON *o, const char *key, const char **out,
                    enum MHD_Result *res);
int serve_field_bool(serve_req *r, const cJSON *o, const char *key, int def, int *out,
                     enum MHD_Result *res);

#endif /* SO8T_SERVE_INTERNAL_H */
