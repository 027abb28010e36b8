/* cmd_serve.c — 'so8t serve': the Ollama/OpenAI-compatible HTTP server (serve/serve.h)
 * over the local model store, until SIGTERM or SIGINT. */
#include "cli/cli.h"
#include "serve/serve.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: so8t serve [OPTIONS]\n"
            "\n"
            "Serve the models of the local store ('so8t list') over Ollama's HTTP API\n"
            "(/api/generate, /api/chat, /api/tags, /api/show, /api/ps, /api/create, ...) and\n"
            "OpenAI's (/v1/chat/completions, /v1/completions, /v1/models), so the ollama and\n"
            "openai clients work unchanged. Runs until SIGTERM or Ctrl-C, then lets requests\n"
            "in flight finish. One line per request on stderr. Details: docs/serve.md.\n"
            "\n"
            "Options:\n"
            "      --host [HOST][:PORT]  where to listen (default $SO8T_HOST, else\n"
            "                            127.0.0.1:11434, like Ollama); HOST is an IP address\n"
            "                            or localhost, PORT 0 picks a free port\n"
            "      --port N              the port (overrides the one in --host)\n"
            "      --models DIR          the model store (default $SO8T_MODELS or ~/.so8t/models)\n"
            "      --api-key KEY         require 'Authorization: Bearer KEY' on every route but /\n"
            "                            (default $SO8T_API_KEY; none when unset)\n"
            "      --keep-alive SECONDS  how long a model stays loaded after use (default 300;\n"
            "                            -1 = forever); a request's keep_alive overrides it\n"
            "      --max-queue N         requests waiting per model before 503 (default 16)\n"
            "      --max-loaded N        models kept loaded at once (default 3)\n"
            "      --max-connections N   open connections at once (default 64)\n"
            "      --timeout SECONDS     idle or stalled connections are closed (default 30)\n"
            "      --threads N           threads per generation (default: one per idle core)\n"
            "      --drain SECONDS       on SIGTERM, how long requests may finish (default 30)\n"
            "      --token-delay-ms N    testing aid: pause after each piece of text (default 0)\n"
            "\n"
            "so8t's own API (/so8t/volume, /so8t/exact, /so8t/verify, /so8t/rotations,\n"
            "/so8t/explain) and the page at /ui/; each request's limits (400 beyond them):\n"
            "      --max-samples N       samples per volume/verify request (default 2^30)\n"
            "      --max-rotations N     rotations per rotations request (default 2^20)\n"
            "      --max-seconds S       wall time per request; the run is stopped after it\n"
            "                            (default 60)\n"
            "  -h, --help                this help\n"
            "\n"
            "Exit status: 0 after SIGTERM/SIGINT, 1 when it cannot listen or open the store,\n"
            "2 for a usage error.\n");
}

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

/* "[scheme://][HOST][:PORT][/path]", "[::1]:8080" → host (into buf) and port. */
static int parse_host(const char *s, char *buf, size_t len, int *port)
{
    const char *p = strstr(s, "://");
    if (p)
        s = p + 3;
    char tmp[256];
    snprintf(tmp, sizeof tmp, "%s", s);
    char *slash = strchr(tmp, '/');
    if (slash)
        *slash = '\0';
    char *h = tmp, *colon = NULL;
    if (h[0] == '[') {
        char *e = strchr(h, ']');
        if (!e)
            return -1;
        *e = '\0';
        h++;
        colon = e[1] == ':' ? e + 1 : NULL;
        if (e[1] && !colon)
            return -1;
    } else {
        colon = strrchr(h, ':');
        if (colon && strchr(h, ':') != colon)
            colon = NULL; /* a bare IPv6 address */
    }
    if (colon) {
        *colon = '\0';
        char *end;
        long v = strtol(colon + 1, &end, 10);
        if (!colon[1] || *end || v < 0 || v > 65535)
            return -1;
        *port = (int)v;
    }
    snprintf(buf, len, "%s", *h ? h : "127.0.0.1");
    return 0;
}

int cmd_serve(int argc, char **argv)
{
    serve_config c;
    serve_config_default(&c);
    char host[256];
    int port = c.port, rc;
    const char *env = getenv("SO8T_HOST");
    if (env && *env && parse_host(env, host, sizeof host, &port))
        return cli_usage_error("serve", "SO8T_HOST='%s' is not [HOST][:PORT]", env);
    if (!env || !*env)
        snprintf(host, sizeof host, "%s", c.host);
    env = getenv("SO8T_API_KEY");
    if (env && *env)
        c.api_key = env;
#define NEED_ARG()                                                                  \
    do {                                                                            \
        if (i + 1 >= argc)                                                          \
            return cli_usage_error("serve", "option '%s' needs a value", a);        \
    } while (0)
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int iv;
        double dv;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return CLI_OK;
        } else if (!strcmp(a, "--host")) {
            NEED_ARG();
            if (parse_host(argv[++i], host, sizeof host, &port))
                return cli_usage_error("serve", "--host '%s' is not [HOST][:PORT]", argv[i]);
        } else if (!strcmp(a, "--port")) {
            NEED_ARG();
            if ((rc = cli_parse_int("serve", a, argv[++i], 0, 65535, &port)))
                return rc;
        } else if (!strcmp(a, "--models")) {
            NEED_ARG();
            c.store_dir = argv[++i];
        } else if (!strcmp(a, "--api-key")) {
            NEED_ARG();
            c.api_key = argv[++i];
        } else if (!strcmp(a, "--keep-alive")) {
            NEED_ARG();
            if ((rc = cli_parse_double("serve", a, argv[++i], -1, 0, 1e9, 0, &dv)))
                return rc;
            c.keep_alive_s = dv < 0 ? -1 : dv;
        } else if (!strcmp(a, "--max-queue")) {
            NEED_ARG();
            if ((rc = cli_parse_int("serve", a, argv[++i], 0, 100000, &c.max_queue)))
                return rc;
        } else if (!strcmp(a, "--max-loaded")) {
            NEED_ARG();
            if ((rc = cli_parse_int("serve", a, argv[++i], 1, 1000, &c.max_loaded)))
                return rc;
        } else if (!strcmp(a, "--max-connections")) {
            NEED_ARG();
            if ((rc = cli_parse_int("serve", a, argv[++i], 1, 100000, &c.max_connections)))
                return rc;
        } else if (!strcmp(a, "--timeout")) {
            NEED_ARG();
            if ((rc = cli_parse_int("serve", a, argv[++i], 1, 86400, &c.timeout_s)))
                return rc;
        } else if (!strcmp(a, "--threads")) {
            NEED_ARG();
            if ((rc = cli_parse_int("serve", a, argv[++i], 1, 1024, &c.num_thread)))
                return rc;
        } else if (!strcmp(a, "--drain")) {
            NEED_ARG();
            if ((rc = cli_parse_int("serve", a, argv[++i], 0, 86400, &c.drain_s)))
                return rc;
        } else if (!strcmp(a, "--token-delay-ms")) {
            NEED_ARG();
            if ((rc = cli_parse_int("serve", a, argv[++i], 0, 60000, &iv)))
                return rc;
            c.token_delay_ms = iv;
        } else if (!strcmp(a, "--max-samples") || !strcmp(a, "--max-rotations")) {
            NEED_ARG();
            uint64_t n;
            if ((rc = cli_parse_count("serve", a, argv[++i], 1, &n)))
                return rc;
            *(a[6] == 's' ? &c.max_samples : &c.max_rotations) = (double)n;
        } else if (!strcmp(a, "--max-seconds")) {
            NEED_ARG();
            if ((rc = cli_parse_double("serve", a, argv[++i], 0, 1, 86400, 0, &c.max_seconds)))
                return rc;
        } else {
            return cli_usage_error("serve", "unknown option '%s'", a);
        }
    }
#undef NEED_ARG
    c.host = host;
    c.port = port;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN); /* a client that left: write errors, not a dead server */
    char err[1024];
    if (serve_run(&c, &stop_flag, err, sizeof err) != SERVE_OK) {
        fprintf(stderr, "so8t serve: %s\n", err);
        return CLI_FAIL;
    }
    return CLI_OK;
}
