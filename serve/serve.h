/* serve.h — `so8t serve`: an Ollama- and OpenAI-compatible HTTP server (prefix serve_).
 *
 * Built on GNU libmicrohttpd, one thread per connection. Models come from the local store
 * (llm/store/store.h); generation goes through llm/llm.h. Routes, options, status codes and
 * where so8t differs from Ollama: docs/serve.md.
 *
 * Lifecycle: serve_config_default, adjust, serve_run. serve_run blocks until *stop becomes
 * non-zero (the caller's SIGTERM/SIGINT handler sets it), then stops accepting, lets the
 * requests in flight finish (at most drain_s seconds), unloads the models and returns.
 * Errors go into the caller's buffer; serve_run returns 0 or a negative serve_status.
 */
#ifndef SO8T_SERVE_H
#define SO8T_SERVE_H

#include <signal.h>
#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
    SERVE_OK = 0,
    SERVE_ERR_INVAL = -1, /* a bad configuration value */
    SERVE_ERR_LISTEN = -2, /* cannot listen on host:port */
    SERVE_ERR_STORE = -3, /* the model store cannot be opened */
    SERVE_ERR_NOMEM = -4
};

typedef struct {
    const char *host;       /* address to listen on: "127.0.0.1" (default), "::1", "0.0.0.0" */
    int port;               /* 11434 by default; 0 = any free port (printed on the log) */
    const char *store_dir;  /* the model store; NULL = $SO8T_MODELS or ~/.so8t/models */
    const char *api_key;    /* when set, every route but / needs "Authorization: Bearer KEY" */
    int max_queue;          /* requests waiting per loaded model (beyond it: 503), default 16 */
    int max_loaded;         /* models kept in memory at once, default 3 */
    int max_connections;    /* open connections (beyond: refused), default 64 */
    int timeout_s;          /* idle / stalled connection cut-off, seconds, default 30 */
    double keep_alive_s;    /* how long a model stays loaded after use (<0: forever), 300 */
    size_t max_body;        /* request body limit (413 beyond), default 8 MiB */
    int num_thread;         /* threads per generation (0: llm_default_threads) */
    int drain_s;            /* on stop: how long requests in flight may run on, default 30 */
    int token_delay_ms;     /* testing aid: sleep this long after each piece (0) */
    FILE *log;              /* one line per request and event; NULL: stderr */
    /* so8t's own API (the /so8t/ routes, docs/serve.md): each request runs this binary's command */
    const char *self_exe;   /* the so8t binary to run; NULL: /proc/self/exe */
    double max_samples;     /* samples per /so8t/volume or /so8t/verify request (2^30) */
    double max_rotations;   /* rotations per /so8t/rotations request (2^20) */
    double max_seconds;     /* wall time per /so8t/ request, then the run is killed (60) */
} serve_config;

void serve_config_default(serve_config *c);

/* Runs the server until *stop != 0 (see above). The log's first line says where it listens
 * ("so8t serve: listening on http://HOST:PORT"), with the real port when port was 0. */
int serve_run(const serve_config *c, volatile sig_atomic_t *stop, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* SO8T_SERVE_H */
