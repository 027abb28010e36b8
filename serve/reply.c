/* reply.c — what goes back to the client: JSON and text replies, errors in Ollama's or
 * OpenAI's shape, streamed bodies (NDJSON / SSE) fed by a generating thread, timestamps. */
#include "serve/internal.h"
#include "base/strbuf.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

double serve_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

double serve_unix_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Go's time.Time JSON form (RFC 3339 with nanoseconds, UTC), which ollama-python's
 * pydantic models parse as datetime. */
void serve_time_rfc3339(char *buf, size_t len, double t)
{
    time_t s = (time_t)t;
    long ns = (long)((t - (double)s) * 1e9);
    if (ns < 0)
        ns = 0;
    if (ns > 999999999)
        ns = 999999999;
    struct tm tm;
    gmtime_r(&s, &tm);
    snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ns);
}

void serve_log(serve_server *srv, const char *fmt, ...)
{
    FILE *f = srv->cfg.log ? srv->cfg.log : stderr;
    char ts[64], msg[2048];
    serve_time_rfc3339(ts, sizeof ts, serve_unix_now());
    ts[23] = 'Z'; /* milliseconds are enough in a log */
    ts[24] = '\0';
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    for (char *p = msg; *p; p++) /* a URL or a name with a newline cannot forge log lines */
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    pthread_mutex_lock(&srv->log_mu);
    fprintf(f, "%s so8t serve: %s\n", ts, msg);
    fflush(f);
    pthread_mutex_unlock(&srv->log_mu);
}

/* Length of the valid UTF-8 sequence at s (0 if invalid), Unicode's table 3-7. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    size_t need;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) need = 2;
    else if (c == 0xE0) { need = 3; lo = 0xA0; }
    else if (c >= 0xE1 && c <= 0xEC) need = 3;
    else if (c == 0xED) { need = 3; hi = 0x9F; }
    else if (c >= 0xEE && c <= 0xEF) need = 3;
    else if (c == 0xF0) { need = 4; lo = 0x90; }
    else if (c >= 0xF1 && c <= 0xF3) need = 4;
    else if (c == 0xF4) { need = 4; hi = 0x8F; }
    else return 0;
    if (n < need || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t k = 2; k < need; k++)
        if ((s[k] & 0xC0) != 0x80)
            return 0;
    return need;
}

/* cJSON escapes control characters but passes any other byte through: a model can emit
 * invalid UTF-8 (byte tokens), and U+0085 / U+2028 / U+2029 are legal in JSON strings but
 * split lines for httpx's line reader (ollama-python). Both are fixed here, on the
 * printed text: those characters can only occur inside strings. */
char *serve_json_print(const cJSON *j)
{
    char *raw = cJSON_PrintUnformatted(j);
    if (!raw)
        return NULL;
    so8t_strbuf b = {0};
    size_t n = strlen(raw);
    const unsigned char *s = (const unsigned char *)raw;
    for (size_t i = 0; i < n;) {
        size_t k = utf8_len(s + i, n - i);
        if (k == 0) {
            so8t_strbuf_put(&b, "\\ufffd", 6);
            i++;
        } else if (k == 2 && s[i] == 0xC2 && s[i + 1] == 0x85) {
            so8t_strbuf_put(&b, "\\u0085", 6);
            i += 2;
        } else if (k == 3 && s[i] == 0xE2 && s[i + 1] == 0x80 && (s[i + 2] == 0xA8 || s[i + 2] == 0xA9)) {
            so8t_strbuf_put(&b, s[i + 2] == 0xA8 ? "\\u2028" : "\\u2029", 6);
            i += 3;
        } else {
            so8t_strbuf_put(&b, (const char *)s + i, k);
            i += k;
        }
    }
    cJSON_free(raw);
    return so8t_strbuf_take(&b);
}

static void add_common_headers(serve_req *r, struct MHD_Response *resp)
{
    (void)r;
    MHD_add_response_header(resp, "Server", "so8t");
}

enum MHD_Result serve_reply_raw(serve_req *r, unsigned status, const char *ctype,
                                const char *data, size_t n)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(n, (void *)data, MHD_RESPMEM_MUST_COPY);
    if (!resp)
        return MHD_NO;
    if (ctype)
        MHD_add_response_header(resp, "Content-Type", ctype);
    add_common_headers(r, resp);
    if (status == 503)
        MHD_add_response_header(resp, "Retry-After", "1");
    if (status == 401)
        MHD_add_response_header(resp, "WWW-Authenticate", "Bearer");
    /* the openai client retries 5xx twice; a load failure will not heal by retrying */
    if (status >= 500 && status != 503 && r->api == SERVE_API_OPENAI)
        MHD_add_response_header(resp, "x-should-retry", "false");
    enum MHD_Result rc = MHD_queue_response(r->conn, status, resp);
    MHD_destroy_response(resp);
    r->replied = 1;
    serve_log(r->srv, "#%lu %s %s -> %u", r->id, r->method, r->url, status);
    return rc;
}

enum MHD_Result serve_reply_json(serve_req *r, unsigned status, cJSON *j)
{
    char *text = j ? serve_json_print(j) : NULL;
    cJSON_Delete(j);
    if (!text)
        return MHD_NO;
    size_t n = strlen(text);
    enum MHD_Result rc;
    char *t2 = realloc(text, n + 2);
    if (t2) {
        text = t2;
        text[n++] = '\n';
        text[n] = '\0';
    }
    rc = serve_reply_raw(r, status, "application/json; charset=utf-8", text, n);
    free(text);
    return rc;
}

static const char *openai_error_type(unsigned status)
{
    switch (status) {
    case 400: case 413: return "invalid_request_error";
    case 401: return "authentication_error";
    case 403: return "permission_error";
    case 404: return "not_found_error";
    case 501: return "not_supported_error";
    case 503: return "unavailable_error";
    default: return "api_error";
    }
}

enum MHD_Result serve_reply_error(serve_req *r, unsigned status, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cJSON *j = cJSON_CreateObject();
    if (r->api == SERVE_API_OPENAI) {
        cJSON *e = cJSON_AddObjectToObject(j, "error");
        cJSON_AddStringToObject(e, "message", msg);
        cJSON_AddStringToObject(e, "type", openai_error_type(status));
        cJSON_AddNullToObject(e, "param");
        cJSON_AddNullToObject(e, "code");
    } else {
        cJSON_AddStringToObject(j, "error", msg);
    }
    serve_log(r->srv, "#%lu error %u: %s", r->id, status, msg);
    return serve_reply_json(r, status, j);
}

int serve_client_gone(int fd)
{
    if (fd < 0)
        return 0;
    struct pollfd p = {.fd = fd, .events = POLLIN | POLLRDHUP};
    if (poll(&p, 1, 0) <= 0)
        return 0;
    if (p.revents & (POLLHUP | POLLERR | POLLRDHUP | POLLNVAL))
        return 1;
    if (p.revents & POLLIN) { /* data (a pipelined request) or the end of the stream */
        char c;
        ssize_t k = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
        return k == 0 || (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
    }
    return 0;
}

/* ---- streams ---- */

struct serve_stream {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    so8t_strbuf buf;
    size_t off;
    int done;      /* the writer finished */
    int cancelled; /* MHD dropped the response (client gone, server stopping) */
    int refs;      /* the writer and MHD's response */
};

static void stream_unref(serve_stream *s)
{
    pthread_mutex_lock(&s->mu);
    int left = --s->refs;
    pthread_mutex_unlock(&s->mu);
    if (left)
        return;
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    free(s->buf.p);
    free(s);
}

/* MHD's reader: blocks until the writer has bytes or is done (one thread per connection,
 * so blocking here holds up nobody else). */
static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    serve_stream *s = cls;
    pthread_mutex_lock(&s->mu);
    while (s->buf.n == s->off && !s->done)
        pthread_cond_wait(&s->cv, &s->mu);
    size_t avail = s->buf.n - s->off;
    ssize_t n;
    if (avail == 0) {
        n = MHD_CONTENT_READER_END_OF_STREAM;
    } else {
        size_t k = avail < max ? avail : max;
        memcpy(buf, s->buf.p + s->off, k);
        s->off += k;
        if (s->off == s->buf.n)
            s->off = s->buf.n = 0;
        n = (ssize_t)k;
    }
    pthread_mutex_unlock(&s->mu);
    return n;
}

static void stream_free_cb(void *cls)
{
    serve_stream *s = cls;
    pthread_mutex_lock(&s->mu);
    s->cancelled = 1;
    pthread_mutex_unlock(&s->mu);
    stream_unref(s);
}

serve_stream *serve_stream_open(serve_req *r, const char *ctype)
{
    serve_stream *s = calloc(1, sizeof *s);
    if (!s) {
        serve_reply_error(r, 500, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    s->refs = 2;
    struct MHD_Response *resp =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, stream_read, s, stream_free_cb);
    if (!resp) {
        pthread_mutex_destroy(&s->mu);
        pthread_cond_destroy(&s->cv);
        free(s);
        serve_reply_error(r, 500, "out of memory");
        return NULL;
    }
    MHD_add_response_header(resp, "Content-Type", ctype);
    MHD_add_response_header(resp, "Cache-Control", "no-cache");
    MHD_add_response_header(resp, "X-Accel-Buffering", "no");
    add_common_headers(r, resp);
    MHD_queue_response(r->conn, 200, resp);
    MHD_destroy_response(resp); /* MHD keeps its reference until the body is sent */
    r->replied = 1;
    serve_log(r->srv, "#%lu %s %s -> 200 (stream)", r->id, r->method, r->url);
    return s;
}

int serve_stream_write(serve_stream *s, const char *data, size_t n)
{
    pthread_mutex_lock(&s->mu);
    int gone = s->cancelled;
    if (!gone) {
        so8t_strbuf_put(&s->buf, data, n);
        pthread_cond_signal(&s->cv);
    }
    pthread_mutex_unlock(&s->mu);
    return gone;
}

int serve_stream_write_json(serve_stream *s, const cJSON *j, const char *prefix,
                            const char *suffix)
{
    char *t = serve_json_print(j);
    if (!t)
        return 1;
    so8t_strbuf b = {0};
    so8t_strbuf_add(&b, "%s%s%s", prefix, t, suffix);
    free(t);
    int rc = b.oom ? 1 : serve_stream_write(s, b.p, b.n);
    free(b.p);
    return rc;
}

int serve_stream_cancelled(serve_stream *s)
{
    pthread_mutex_lock(&s->mu);
    int c = s->cancelled;
    pthread_mutex_unlock(&s->mu);
    return c;
}

void serve_stream_close(serve_stream *s)
{
    pthread_mutex_lock(&s->mu);
    s->done = 1;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
    stream_unref(s);
}
