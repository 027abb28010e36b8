/* http.c — the listener: libmicrohttpd daemon (one thread per connection, connection cap,
 * idle timeout, header memory cap), the request checks every route shares (Host on a
 * loopback listener, API key, body size, JSON), the routing table, and the drain on stop. */
#include "serve/internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

void serve_config_default(serve_config *c)
{
    *c = (serve_config){.host = "127.0.0.1", .port = 11434, .max_queue = 16, .max_loaded = 3,
                        .max_connections = 64, .timeout_s = 30, .keep_alive_s = 300,
                        .max_body = 8u << 20, .drain_s = 30, .max_samples = 1073741824.0,
                        .max_rotations = 1048576.0, .max_seconds = 60};
}

typedef struct {
    const char *method;
    const char *path;   /* exact, or a prefix when it ends with '/' and prefix is set */
    serve_route_fn fn;
    int body;           /* takes a JSON body */
    int prefix;
} route;

static const route routes[] = {
    {"GET", "/", serve_route_root, 0, 0},
    {"HEAD", "/", serve_route_root, 0, 0},
    {"GET", "/api/version", serve_route_version, 0, 0},
    {"HEAD", "/api/version", serve_route_version, 0, 0},
    {"GET", "/api/tags", serve_route_tags, 0, 0},
    {"HEAD", "/api/tags", serve_route_tags, 0, 0},
    {"POST", "/api/show", serve_route_show, 1, 0},
    {"GET", "/api/ps", serve_route_ps, 0, 0},
    {"POST", "/api/create", serve_route_create, 1, 0},
    {"POST", "/api/pull", serve_route_pull, 1, 0},
    {"POST", "/api/push", serve_route_push, 1, 0},
    {"DELETE", "/api/delete", serve_route_delete, 1, 0},
    {"POST", "/api/copy", serve_route_copy, 1, 0},
    {"POST", "/api/generate", serve_route_generate, 1, 0},
    {"POST", "/api/chat", serve_route_chat, 1, 0},
    {"POST", "/v1/chat/completions", serve_route_oai_chat, 1, 0},
    {"POST", "/v1/completions", serve_route_oai_completions, 1, 0},
    {"GET", "/v1/models", serve_route_oai_models, 0, 0},
    {"GET", "/v1/models/", serve_route_oai_model, 0, 1},
    {"POST", "/so8t/volume", serve_route_so8t_volume, 1, 0},
    {"POST", "/so8t/exact", serve_route_so8t_exact, 1, 0},
    {"POST", "/so8t/verify", serve_route_so8t_verify, 1, 0},
    {"POST", "/so8t/rotations", serve_route_so8t_rotations, 1, 0},
    {"POST", "/so8t/explain", serve_route_so8t_explain, 1, 0},
    {"GET", "/so8t/info", serve_route_so8t_info, 0, 0},
    {"GET", "/ui", serve_route_ui, 0, 0},
    {"GET", "/ui/", serve_route_ui, 0, 0},
    {"GET", "/ui/", serve_route_ui, 0, 1},
    {"HEAD", "/ui/", serve_route_ui, 0, 0},
};
#define N_ROUTES (sizeof routes / sizeof routes[0])

static int path_matches(const route *rt, const char *url)
{
    return rt->prefix ? !strncmp(url, rt->path, strlen(rt->path)) && url[strlen(rt->path)]
                      : !strcmp(url, rt->path);
}

/* DNS rebinding defence (Ollama's allowedHostsMiddleware, CVE-2024-28224): a page on
 * evil.example whose name later resolves to 127.0.0.1 sends "Host: evil.example". A name
 * only counts as local when it is localhost, *.localhost, an IP literal or this host. */
static int host_allowed(const char *host)
{
    if (!host || !*host)
        return 1; /* HTTP/1.0 without Host: MHD refuses it for 1.1 */
    char h[256];
    size_t n;
    if (host[0] == '[') {
        const char *e = strchr(host, ']');
        if (!e || (size_t)(e - host - 1) >= sizeof h)
            return 0;
        n = (size_t)(e - host - 1);
        memcpy(h, host + 1, n);
    } else {
        const char *c = strchr(host, ':');
        n = c ? (size_t)(c - host) : strlen(host);
        if (n >= sizeof h)
            return 0;
        memcpy(h, host, n);
    }
    h[n] = '\0';
    while (n > 0 && h[n - 1] == '.')
        h[--n] = '\0';
    unsigned char buf[16];
    if (inet_pton(AF_INET, h, buf) == 1 || inet_pton(AF_INET6, h, buf) == 1)
        return 1;
    if (!strcasecmp(h, "localhost") ||
        (n > 10 && !strcasecmp(h + n - 10, ".localhost")))
        return 1;
    char me[256];
    if (gethostname(me, sizeof me) == 0) {
        me[sizeof me - 1] = '\0';
        if (!strcasecmp(h, me))
            return 1;
    }
    return 0;
}

/* "Authorization: Bearer KEY", compared in constant time. */
static int auth_ok(const serve_server *srv, struct MHD_Connection *c)
{
    const char *key = srv->cfg.api_key;
    if (!key || !*key)
        return 1;
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    if (!h || strncasecmp(h, "Bearer ", 7))
        return 0;
    h += 7;
    size_t a = strlen(h), b = strlen(key);
    unsigned char diff = a != b;
    for (size_t i = 0; i < a; i++)
        diff |= (unsigned char)(h[i] ^ key[i % (b ? b : 1)]);
    return diff == 0;
}

/* Line and column of byte `at` for the JSON error message. */
static void json_position(const char *s, size_t at, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < at && s[i]; i++) {
        if (s[i] == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

/* 1 when a JSON string holds the escape \u0000: cJSON's C strings would end there, and
 * "tiny\u0000x" would silently become the model "tiny". */
static int has_nul_escape(const char *s, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++)
        if (s[i] == '\\') {
            if (s[i + 1] == 'u' && i + 5 < n && !memcmp(s + i + 2, "0000", 4))
                return 1;
            i++; /* the escaped character (a backslash too) */
        }
    return 0;
}

static enum MHD_Result dispatch(serve_req *r)
{
    serve_server *srv = r->srv;
    if (srv->draining)
        return serve_reply_error(r, 503, "server is shutting down");
    int is_root = !strcmp(r->url, "/");
    if (srv->loopback &&
        !host_allowed(MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Host")))
        return serve_reply_error(r, 403, "forbidden: Host header '%s' is not a local name "
                                         "(DNS rebinding defence; use localhost or an IP)",
                                 MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Host"));
    if (!is_root && !auth_ok(srv, r->conn))
        return serve_reply_error(r, 401, "missing or wrong API key: send 'Authorization: "
                                         "Bearer KEY' (so8t serve --api-key / SO8T_API_KEY)");
    if (r->body_too_big)
        return serve_reply_error(r, 413, "request body too large (max %zu bytes)",
                                 srv->cfg.max_body);
    const route *rt = NULL;
    int path_known = 0;
    for (size_t i = 0; i < N_ROUTES; i++)
        if (path_matches(&routes[i], r->url)) {
            path_known = 1;
            if (!strcmp(routes[i].method, r->method)) {
                rt = &routes[i];
                break;
            }
        }
    if (!rt) {
        if (path_known)
            return serve_reply_error(r, 405, "method %s not allowed on %s", r->method, r->url);
        return serve_reply_error(r, 404, "no route %s %s (so8t serve: see docs/serve.md)",
                                 r->method, r->url);
    }
    if (rt->body) {
        if (r->body_len == 0)
            return serve_reply_error(r, 400, "missing request body");
        if (memchr(r->body, '\0', r->body_len))
            return serve_reply_error(r, 400, "invalid JSON: the body contains a NUL byte");
        if (has_nul_escape(r->body, r->body_len))
            return serve_reply_error(r, 400, "invalid JSON: a string holds \\u0000, which "
                                             "so8t does not accept");
        const char *end = NULL;
        r->json = cJSON_ParseWithOpts(r->body, &end, 1);
        if (!r->json) {
            size_t at = end && end >= r->body ? (size_t)(end - r->body) : 0;
            int line, col;
            json_position(r->body, at, &line, &col);
            return serve_reply_error(r, 400, "invalid JSON at byte %zu (line %d, column %d)",
                                     at, line, col);
        }
        if (!cJSON_IsObject(r->json))
            return serve_reply_error(r, 400, "the request body must be a JSON object");
    }
    return rt->fn(r);
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version,
                                 const char *upload_data, size_t *upload_data_size,
                                 void **con_cls)
{
    (void)version;
    serve_server *srv = cls;
    serve_req *r = *con_cls;
    if (!r) {
        r = calloc(1, sizeof *r);
        if (!r)
            return MHD_NO;
        r->srv = srv;
        r->conn = conn;
        r->method = method;
        r->url = url;
        r->api = !strncmp(url, "/v1/", 4) ? SERVE_API_OPENAI : SERVE_API_OLLAMA;
        r->t_arrival = serve_now();
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        r->fd = ci ? ci->connect_fd : -1;
        pthread_mutex_lock(&srv->mu);
        r->id = ++srv->next_id;
        srv->active++;
        pthread_mutex_unlock(&srv->mu);
        r->counted = 1;
        *con_cls = r;
        /* a declared body over the limit: answer now, without reading it */
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        if (cl) {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(cl, &end, 10);
            if (end != cl && (errno == ERANGE || v > srv->cfg.max_body)) {
                r->body_too_big = 1;
                return serve_reply_error(r, 413, "request body too large (%s bytes; max %zu)",
                                         cl, srv->cfg.max_body);
            }
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (r->replied)
            return MHD_YES; /* the 413 is queued; the rest is dropped */
        if (r->body_too_big || r->body_len + n > srv->cfg.max_body) {
            /* chunked and too long: read on and answer 413 at the end (a client still
               sending would not see an early answer); past 4x the limit, hang up */
            if (!r->body_too_big) {
                free(r->body);
                r->body = NULL;
            }
            r->body_too_big = 1;
            r->body_len += n; /* counts what was dropped */
            return r->body_len > 4 * srv->cfg.max_body ? MHD_NO : MHD_YES;
        }
        char *b = realloc(r->body, r->body_len + n + 1);
        if (!b)
            return MHD_NO;
        memcpy(b + r->body_len, upload_data, n);
        r->body = b;
        r->body_len += n;
        b[r->body_len] = '\0';
        return MHD_YES;
    }
    if (r->replied)
        return MHD_YES;
    enum MHD_Result res = dispatch(r);
    if (!r->replied && res == MHD_YES) /* a route must answer: never leave a client hanging */
        return serve_reply_error(r, 500, "internal error: no reply");
    return res;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    serve_server *srv = cls;
    serve_req *r = *con_cls;
    if (!r)
        return;
    if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
        serve_log(srv, "#%lu %s %s ended early (%s)", r->id, r->method, r->url,
                  toe == MHD_REQUEST_TERMINATED_CLIENT_ABORT ? "client went away"
                  : toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED ? "timeout"
                  : toe == MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN ? "shutdown"
                                                                  : "error");
    cJSON_Delete(r->json);
    free(r->body);
    if (r->counted) {
        pthread_mutex_lock(&srv->mu);
        srv->active--;
        pthread_cond_broadcast(&srv->cv);
        pthread_mutex_unlock(&srv->mu);
    }
    free(r);
    *con_cls = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    serve_server *srv = cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && msg[n - 1] == '\n')
        msg[--n] = '\0';
    serve_log(srv, "http: %s", msg);
}

static int wait_idle(serve_server *srv, double seconds)
{
    double end = serve_now() + seconds;
    pthread_mutex_lock(&srv->mu);
    while (srv->active > 0 && serve_now() < end) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 100000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&srv->cv, &srv->mu, &ts);
    }
    int left = srv->active;
    pthread_mutex_unlock(&srv->mu);
    return left;
}

int serve_run(const serve_config *c, volatile sig_atomic_t *stop, char *err, size_t errlen)
{
    if (!c || c->port < 0 || c->port > 65535 || c->max_queue < 0 || c->max_loaded < 1 ||
        c->max_connections < 1 || c->timeout_s < 1 || c->max_body < 1 ||
        !(c->max_samples >= 1) || !(c->max_rotations >= 1) || !(c->max_seconds > 0)) {
        snprintf(err, errlen, "invalid server configuration");
        return SERVE_ERR_INVAL;
    }
    struct sockaddr_in sa4;
    struct sockaddr_in6 sa6;
    memset(&sa4, 0, sizeof sa4);
    memset(&sa6, 0, sizeof sa6);
    int v6 = strchr(c->host, ':') != NULL;
    const char *h = !strcmp(c->host, "localhost") ? "127.0.0.1" : c->host;
    if (v6 ? inet_pton(AF_INET6, h, &sa6.sin6_addr) != 1 : inet_pton(AF_INET, h, &sa4.sin_addr) != 1) {
        snprintf(err, errlen, "--host %s: not an IP address (e.g. 127.0.0.1, 0.0.0.0, ::1)", c->host);
        return SERVE_ERR_INVAL;
    }
    serve_server *srv = calloc(1, sizeof *srv);
    if (!srv) {
        snprintf(err, errlen, "out of memory");
        return SERVE_ERR_NOMEM;
    }
    srv->cfg = *c;
    srv->loopback = v6 ? IN6_IS_ADDR_LOOPBACK(&sa6.sin6_addr)
                       : (ntohl(sa4.sin_addr.s_addr) >> 24) == 127;
    pthread_mutex_init(&srv->mu, NULL);
    pthread_cond_init(&srv->cv, NULL);
    pthread_mutex_init(&srv->log_mu, NULL);
    int rc = SERVE_OK;
    if (llm_store_open(c->store_dir, &srv->store, err, errlen)) {
        rc = SERVE_ERR_STORE;
        goto out;
    }
    if (!(srv->slots = serve_slots_new(srv))) {
        snprintf(err, errlen, "out of memory");
        rc = SERVE_ERR_NOMEM;
        goto out;
    }
    struct sockaddr *sa;
    if (v6) {
        sa6.sin6_family = AF_INET6;
        sa6.sin6_port = htons((uint16_t)c->port);
        sa = (struct sockaddr *)&sa6;
    } else {
        sa4.sin_family = AF_INET;
        sa4.sin_port = htons((uint16_t)c->port);
        sa = (struct sockaddr *)&sa4;
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                     MHD_USE_POLL | MHD_USE_ITC | MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0);
    srv->daemon = MHD_start_daemon(
        flags, (uint16_t)c->port, NULL, NULL, on_access, srv,
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, srv, /* first: MHD logs the options after it */
        MHD_OPTION_SOCK_ADDR, sa,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)c->max_connections,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)c->timeout_s,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
        MHD_OPTION_END);
    if (!srv->daemon) {
        snprintf(err, errlen, "cannot listen on %s port %d (in use, or not an address of this "
                              "machine)", c->host, c->port);
        rc = SERVE_ERR_LISTEN;
        goto out;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    int port = di ? di->port : c->port;
    serve_log(srv, "listening on http://%s%s%s:%d (models: %s)", v6 ? "[" : "", c->host,
              v6 ? "]" : "", port, llm_store_dir(srv->store));
    while (!*stop) {
        struct timespec ts = {0, 200 * 1000000L};
        nanosleep(&ts, NULL);
        serve_slots_expire(srv->slots);
    }
    serve_log(srv, "stopping: no new connections; draining requests in flight (at most %d s)",
              c->drain_s);
    MHD_socket lsock = MHD_quiesce_daemon(srv->daemon);
    pthread_mutex_lock(&srv->mu);
    srv->draining = 1;
    pthread_mutex_unlock(&srv->mu);
    int left = wait_idle(srv, c->drain_s);
    if (left) {
        serve_log(srv, "%d request(s) still running after %d s: cancelling them", left, c->drain_s);
        srv->stopping = 1;
    }
    MHD_stop_daemon(srv->daemon);
    srv->stopping = 1;
    wait_idle(srv, 60); /* generation threads of cancelled streams finish their token */
    if (lsock != MHD_INVALID_SOCKET)
        close(lsock);
    serve_log(srv, "stopped");
out:
    serve_slots_free(srv->slots);
    llm_store_close(srv->store);
    pthread_mutex_destroy(&srv->mu);
    pthread_cond_destroy(&srv->cv);
    pthread_mutex_destroy(&srv->log_mu);
    free(srv);
    return rc;
}
