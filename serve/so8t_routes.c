/* so8t_routes.c — POST /so8t/{volume,exact,verify,rotations,explain} and GET /so8t/info.
 * The request becomes the CLI command (so8t_args.c), which runs as a child of this binary
 * (so8t_child.c): the reply is its --json output unchanged. One run at a time (the GPU and
 * the cores are shared); others wait their turn. "stream": true answers NDJSON from a
 * thread: volume forwards the command's --stream lines (a partial result after each batch),
 * explain sends the checked text, then the final object. */
#include "serve/internal.h"
#include "serve/so8t_api.h"
#include "mc/mc.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static pthread_mutex_t run_mu = PTHREAD_MUTEX_INITIALIZER;

static so8t_api_limits limits_of(const serve_server *srv)
{
    so8t_api_limits l = {srv->cfg.max_samples, srv->cfg.max_rotations, srv->cfg.max_seconds};
    return l;
}

static const char *self_exe(const serve_server *srv)
{
    return srv->cfg.self_exe ? srv->cfg.self_exe : "/proc/self/exe";
}

/* The command's own message: the last non-empty line of its stderr that is not the
 * "Try 'so8t CMD --help'." hint after a usage error. */
static void last_line(const char *s, char *out, size_t len)
{
    const char *end = s + strlen(s);
    for (;;) {
        while (end > s && (end[-1] == '\n' || end[-1] == ' '))
            end--;
        const char *start = end;
        while (start > s && start[-1] != '\n')
            start--;
        if (start == end) {
            snprintf(out, len, "(no message)");
            return;
        }
        if (strncmp(start, "Try '", 5)) {
            snprintf(out, len, "%.*s", (int)(end - start), start);
            return;
        }
        end = start;
    }
}

/* A job: the command, a temporary input file for explain, where the output goes. */
typedef struct {
    serve_server *srv;
    unsigned long id;       /* the request's number in the log */
    so8t_api_cmd cmd;
    char tmp_path[64];
    serve_stream *stream;
    so8t_child_result res;
    int rc;                 /* so8t_child_run's */
} job;

static void job_free(job *j)
{
    if (j->tmp_path[0])
        unlink(j->tmp_path);
    so8t_api_cmd_free(&j->cmd);
    so8t_child_result_free(&j->res);
    free(j);
}

/* explain reads the result from a file: a private temporary one, named after "explain". */
static int job_input_file(job *j, char *err, size_t errlen)
{
    if (!j->cmd.input)
        return 0;
    snprintf(j->tmp_path, sizeof j->tmp_path, "/tmp/so8t-serve-explain-XXXXXX");
    int fd = mkstemp(j->tmp_path);
    if (fd < 0) {
        j->tmp_path[0] = '\0';
        snprintf(err, errlen, "cannot create a temporary file for the result");
        return -1;
    }
    size_t n = strlen(j->cmd.input), off = 0;
    while (off < n) {
        ssize_t k = write(fd, j->cmd.input + off, n - off);
        if (k <= 0) {
            close(fd);
            snprintf(err, errlen, "cannot write the temporary result file");
            return -1;
        }
        off += (size_t)k;
    }
    if (close(fd)) {
        snprintf(err, errlen, "cannot write the temporary result file");
        return -1;
    }
    /* argv: so8t explain FILE --json ... (insert after "explain") */
    if (j->cmd.argc + 1 >= SO8T_API_MAX_ARGS) {
        snprintf(err, errlen, "too many options");
        return -1;
    }
    char *p = strdup(j->tmp_path);
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    memmove(&j->cmd.argv[3], &j->cmd.argv[2], sizeof(char *) * (size_t)(j->cmd.argc - 1));
    j->cmd.argv[2] = p;
    j->cmd.argc++;
    return 0;
}

static int on_line_stream(void *user, const char *line, size_t n)
{
    job *j = user;
    if (j->cmd.is_explain)
        return serve_stream_cancelled(j->stream); /* the final object is sent at the end */
    if (n > 1 && strstr(line, "\"partial\":true") == line + 1) /* {"partial":true,... */
        return serve_stream_write(j->stream, line, n);
    return serve_stream_cancelled(j->stream); /* the result: sent once the exit is known */
}

static void job_run(job *j)
{
    pthread_mutex_lock(&run_mu);
    if (j->stream && serve_stream_cancelled(j->stream)) { /* left while waiting its turn */
        pthread_mutex_unlock(&run_mu);
        j->res.cancelled = 1;
        j->res.exit_code = 128;
        return;
    }
    j->rc = so8t_child_run(self_exe(j->srv), j->cmd.argv, j->cmd.seconds,
                           j->stream ? on_line_stream : NULL, j, &j->res);
    pthread_mutex_unlock(&run_mu);
    if (j->res.timed_out)
        serve_log(j->srv, "#%lu %s stopped at its budget of %g s", j->id, j->cmd.argv[1],
                  j->cmd.seconds);
}

/* What the run ended with: 200 and the command's JSON (exit 0, or 1 with a JSON object: a
 * failed check is a result), else the status and message. */
static unsigned job_outcome(const job *j, const char **json, size_t *json_n, char *msg,
                            size_t msglen)
{
    if (j->rc) {
        snprintf(msg, msglen, "cannot run %s: %s", self_exe(j->srv),
                 j->res.err ? j->res.err : "?");
        return 500;
    }
    if (j->res.timed_out) {
        snprintf(msg, msglen, "the run took longer than its budget of %g s and was stopped "
                              "(key 'seconds'; the server's limit is so8t serve --max-seconds "
                              "%g)", j->cmd.seconds, j->srv->cfg.max_seconds);
        return 504;
    }
    /* the last line of stdout is the result (volume --stream prints partial lines first) */
    const char *out = j->res.out;
    size_t n = j->res.out_n;
    while (n > 0 && out[n - 1] == '\n')
        n--;
    const char *start = out + n;
    while (start > out && start[-1] != '\n')
        start--;
    int has_json = n > 0 && *start == '{';
    if ((j->res.exit_code == 0 || j->res.exit_code == 1) && has_json) {
        *json = start;
        *json_n = (size_t)(out + n - start) + 1; /* with its newline */
        return 200;
    }
    last_line(j->res.err ? j->res.err : "", msg, msglen);
    return j->res.exit_code == 2 ? 400 : 500;
}

static void *stream_main(void *arg)
{
    job *j = arg;
    job_run(j);
    if (j->res.cancelled)
        serve_log(j->srv, "#%lu %s stopped: the client left", j->id, j->cmd.argv[1]);
    const char *json = NULL;
    size_t n = 0;
    char msg[2048];
    unsigned st = job_outcome(j, &json, &n, msg, sizeof msg);
    if (st == 200 && j->cmd.is_explain) {
        /* the explanation's text first (the page shows it while the numbers are listed) */
        cJSON *o = cJSON_ParseWithLength(json, n);
        const cJSON *t = o ? cJSON_GetObjectItemCaseSensitive(o, "text") : NULL;
        if (cJSON_IsString(t)) {
            cJSON *line = cJSON_CreateObject();
            cJSON_AddBoolToObject(line, "partial", 1);
            cJSON_AddStringToObject(line, "text", t->valuestring);
            serve_stream_write_json(j->stream, line, "", "\n");
            cJSON_Delete(line);
        }
        cJSON_Delete(o);
    }
    if (st == 200) {
        serve_stream_write(j->stream, json, n);
    } else {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "error", msg);
        cJSON_AddNumberToObject(e, "status", st);
        serve_stream_write_json(j->stream, e, "", "\n");
        cJSON_Delete(e);
    }
    serve_stream_close(j->stream);
    serve_server *srv = j->srv;
    job_free(j);
    pthread_mutex_lock(&srv->mu);
    srv->active--; /* taken when the thread started */
    pthread_cond_broadcast(&srv->cv);
    pthread_mutex_unlock(&srv->mu);
    return NULL;
}

static enum MHD_Result route_run(serve_req *r, const char *name)
{
    job *j = calloc(1, sizeof *j);
    if (!j)
        return serve_reply_error(r, 500, "out of memory");
    j->srv = r->srv;
    j->id = r->id;
    so8t_api_limits lim = limits_of(r->srv);
    char err[1024];
    int b = so8t_api_cmd_build(name, r->json, &lim, &j->cmd, err, sizeof err);
    if (b) {
        free(j);
        return serve_reply_error(r, b == -1 ? 400 : 500, "%s", err);
    }
    if (job_input_file(j, err, sizeof err)) {
        job_free(j);
        return serve_reply_error(r, 500, "%s", err);
    }
    if (j->cmd.stream) {
        j->stream = serve_stream_open(r, "application/x-ndjson");
        if (!j->stream) {
            job_free(j);
            return MHD_YES; /* a 500 was queued */
        }
        pthread_mutex_lock(&r->srv->mu);
        r->srv->active++;
        pthread_mutex_unlock(&r->srv->mu);
        pthread_t t;
        pthread_attr_t at;
        pthread_attr_init(&at);
        pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
        int rc = pthread_create(&t, &at, stream_main, j);
        pthread_attr_destroy(&at);
        if (rc) {
            pthread_mutex_lock(&r->srv->mu);
            r->srv->active--;
            pthread_mutex_unlock(&r->srv->mu);
            serve_stream_write(j->stream, "{\"error\":\"cannot start a thread\"}\n", 34);
            serve_stream_close(j->stream);
            job_free(j);
        }
        return MHD_YES;
    }
    job_run(j);
    const char *json = NULL;
    size_t n = 0;
    char msg[2048];
    unsigned st = job_outcome(j, &json, &n, msg, sizeof msg);
    enum MHD_Result res = st == 200
        ? serve_reply_raw(r, 200, "application/json; charset=utf-8", json, n)
        : serve_reply_error(r, st, "%s", msg);
    job_free(j);
    return res;
}

enum MHD_Result serve_route_so8t_volume(serve_req *r) { return route_run(r, "volume"); }
enum MHD_Result serve_route_so8t_exact(serve_req *r) { return route_run(r, "exact"); }
enum MHD_Result serve_route_so8t_verify(serve_req *r) { return route_run(r, "verify"); }
enum MHD_Result serve_route_so8t_rotations(serve_req *r) { return route_run(r, "rotations"); }
enum MHD_Result serve_route_so8t_explain(serve_req *r) { return route_run(r, "explain"); }

/* What the page needs to know before a run: a GPU or not, and the request limits. */
enum MHD_Result serve_route_so8t_info(serve_req *r)
{
    cJSON *o = cJSON_CreateObject();
    int compiled = mc_cuda_compiled();
    cJSON_AddBoolToObject(o, "cuda_compiled", compiled);
    cJSON_AddNumberToObject(o, "gpus", compiled ? mc_cuda_device_count() : 0);
    cJSON *l = cJSON_AddObjectToObject(o, "limits");
    cJSON_AddNumberToObject(l, "samples", r->srv->cfg.max_samples);
    cJSON_AddNumberToObject(l, "rotations", r->srv->cfg.max_rotations);
    cJSON_AddNumberToObject(l, "seconds", r->srv->cfg.max_seconds);
    return serve_reply_json(r, 200, o);
}
