/* cmd_serve.c — 'so8t serve': the Ollama/OpenAI-compatible HTTP server (serve/serve.h)
 * over the local model store, until SIGTERM or SIGINT. */
#include "cli/cli.h"
#include "serve/serve.h"

#include <getopt.h>
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
    enum {
        OPT_HOST = 256, OPT_PORT, OPT_MODELS, OPT_API_KEY, OPT_KEEP_ALIVE, OPT_MAX_QUEUE,
        OPT_MAX_LOADED, OPT_MAX_CONN, OPT_TIMEOUT, OPT_THREADS, OPT_DRAIN, OPT_TOKEN_DELAY,
        OPT_MAX_SAMPLES, OPT_MAX_ROTATIONS, OPT_MAX_SECONDS
    };
    static const struct option opts[] = {
        {"host", required_argument, NULL, OPT_HOST},
        {"port", required_argument, NULL, OPT_PORT},
        {"models", required_argument, NULL, OPT_MODELS},
        {"api-key", required_argument, NULL, OPT_API_KEY},
        {"keep-alive", required_argument, NULL, OPT_KEEP_ALIVE},
        {"max-queue", required_argument, NULL, OPT_MAX_QUEUE},
        {"max-loaded", required_argument, NULL, OPT_MAX_LOADED},
        {"max-connections", required_argument, NULL, OPT_MAX_CONN},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"drain", required_argument, NULL, OPT_DRAIN},
        {"token-delay-ms", required_argument, NULL, OPT_TOKEN_DELAY},
        {"max-samples", required_argument, NULL, OPT_MAX_SAMPLES},
        {"max-rotations", required_argument, NULL, OPT_MAX_ROTATIONS},
        {"max-seconds", required_argument, NULL, OPT_MAX_SECONDS},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    int o, iv;
    double dv;
    uint64_t nv;
    optind = 1;
    opterr = 0;
    while ((o = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (o) {
        case 'h':
            usage(stdout);
            return CLI_OK;
        case OPT_HOST:
            if (parse_host(optarg, host, sizeof host, &port))
                return cli_usage_error("serve", "--host '%s' is not [HOST][:PORT]", optarg);
            break;
        case OPT_PORT:
            if ((rc = cli_parse_int("serve", "--port", optarg, 0, 65535, &port)))
                return rc;
            break;
        case OPT_MODELS: c.store_dir = optarg; break;
        case OPT_API_KEY: c.api_key = optarg; break;
        case OPT_KEEP_ALIVE:
            if ((rc = cli_parse_double("serve", "--keep-alive", optarg, -1, 0, 1e9, 0, &dv)))
                return rc;
            c.keep_alive_s = dv < 0 ? -1 : dv;
            break;
        case OPT_MAX_QUEUE:
            if ((rc = cli_parse_int("serve", "--max-queue", optarg, 0, 100000, &c.max_queue)))
                return rc;
            break;
        case OPT_MAX_LOADED:
            if ((rc = cli_parse_int("serve", "--max-loaded", optarg, 1, 1000, &c.max_loaded)))
                return rc;
            break;
        case OPT_MAX_CONN:
            if ((rc = cli_parse_int("serve", "--max-connections", optarg, 1, 100000,
                                    &c.max_connections)))
                return rc;
            break;
        case OPT_TIMEOUT:
            if ((rc = cli_parse_int("serve", "--timeout", optarg, 1, 86400, &c.timeout_s)))
                return rc;
            break;
        case OPT_THREADS:
            if ((rc = cli_parse_int("serve", "--threads", optarg, 1, 1024, &c.num_thread)))
                return rc;
            break;
        case OPT_DRAIN:
            if ((rc = cli_parse_int("serve", "--drain", optarg, 0, 86400, &c.drain_s)))
                return rc;
            break;
        case OPT_TOKEN_DELAY:
            if ((rc = cli_parse_int("serve", "--token-delay-ms", optarg, 0, 60000, &iv)))
                return rc;
            c.token_delay_ms = iv;
            break;
        case OPT_MAX_SAMPLES:
            if ((rc = cli_parse_count("serve", "--max-samples", optarg, 1, &nv)))
                return rc;
            c.max_samples = (double)nv;
            break;
        case OPT_MAX_ROTATIONS:
            if ((rc = cli_parse_count("serve", "--max-rotations", optarg, 1, &nv)))
                return rc;
            c.max_rotations = (double)nv;
            break;
        case OPT_MAX_SECONDS:
            if ((rc = cli_parse_double("serve", "--max-seconds", optarg, 0, 1, 86400, 0,
                                       &c.max_seconds)))
                return rc;
            break;
        default:
            return cli_getopt_error("serve", o, argv);
        }
    }
    if (optind < argc)
        return cli_usage_error("serve", "unexpected argument '%s'", argv[optind]);
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
