/* cmd_run.c — 'so8t run -m FILE.gguf -p PROMPT [...]': run a GGUF language model on a prompt,
 * streaming the text; statistics on stderr; --json prints one object (DESIGN.md).
 * --chat: the prompt (or stdin's conversation, or a terminal dialogue: cmd_run_chat.c) with
 * the Modelfile's SYSTEM and MESSAGE lines, in the model's own chat format (llm/chat/). */
#include "cli/cli.h"
#include "cli/cli_gpu.h"
#include "cli/cmd_run_chat.h"
#include "llm/chat/chat.h"
#include "llm/llm.h"
#include "llm/modelfile/modelfile.h"

#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: so8t run -m FILE.gguf|NAME[:TAG] -p PROMPT [OPTIONS]\n"
            "       so8t run -m FILE.gguf|NAME[:TAG] --chat [-p PROMPT] [OPTIONS]\n"
            "\n"
            "Generate a continuation of PROMPT with a GGUF model (architecture gemma3; the\n"
            "default model is fetched by 'make model' into models/gemma-3-270m-q4_k_m.gguf, a\n"
            "base model: give it text to continue). The text streams to stdout as it is\n"
            "generated; load time and prompt / generation speed go to stderr.\n"
            "Control tokens written in the prompt (e.g. <start_of_turn>) are recognised.\n"
            "\n"
            "With --chat the prompt is a user message in the model's own chat format, read\n"
            "from its tokenizer.chat_template (ChatML for Qwen and SmolLM2, Llama 3, Gemma,\n"
            "Phi-3; any other template: a plain 'User:/Assistant:' format, with a warning),\n"
            "after the Modelfile's SYSTEM and MESSAGE lines. Without -p, a terminal gets a\n"
            "dialogue (one line per turn; /bye or end of input ends it), and other input is\n"
            "read as the conversation: a JSON array of {\"role\": \"system\"|\"user\"|\n"
            "\"assistant\", \"content\": ...} objects, or plain text as one user message.\n"
            "A Modelfile with MESSAGE lines and no TEMPLATE implies --chat.\n"
            "\n"
            "Options:\n"
            "  -m, --model FILE|NAME   the GGUF model, or when no such file exists a model of\n"
            "                          the local store ('so8t list'): its GGUF, PARAMETERs,\n"
            "                          SYSTEM and TEMPLATE apply as with --modelfile\n"
            "  -p, --prompt TEXT       the prompt\n"
            "  -n, --num-predict N     at most N new tokens (default: until EOS or the context is full)\n"
            "      --temperature T     0 = greedy (default 0.8)\n"
            "      --top-k K           (default 40; 0 = off)\n"
            "      --top-p P           (default 0.9; 1 = off)\n"
            "      --min-p P           (default 0 = off)\n"
            "      --typical-p P       (default 1 = off)\n"
            "      --repeat-penalty R  (default 1.1; 1 = off)\n"
            "      --repeat-last-n N   penalty window in tokens (default 64; 0 off, -1 = ctx)\n"
            "      --presence-penalty X, --frequency-penalty X   (default 0)\n"
            "      --mirostat 0|1|2, --mirostat-tau T (5), --mirostat-eta E (0.1)\n"
            "      --seed S            (default: from the clock); same seed + options + threads\n"
            "                          give the same tokens\n"
            "  -t, --threads T         OpenMP threads (default: one per idle core)\n"
            "  -c, --ctx N             context length in tokens (default 2048)\n"
            "      --num-gpu N         layers to run on the GPU (Ollama's num_gpu): N = the first N\n"
            "                          layers (all when N is larger; an error saying what fits when\n"
            "                          they do not fit in free device memory), -1 = as many as fit,\n"
            "                          0 = none (the default unless the Modelfile sets num_gpu: the\n"
            "                          CPU path is the one bit-identical with llama.cpp). Without a\n"
            "                          GPU, or in a CUDA=0 build, 0 layers run there and stderr says\n"
            "                          why: never an error. Not 0: stderr says where the layers run\n"
            "      --main-gpu I        the CUDA device to use (default 0, or the Modelfile's main_gpu)\n"
            "      --stop S            stop before this text (repeatable; never printed)\n"
            "      --modelfile F       read FROM / PARAMETER / SYSTEM / TEMPLATE / MESSAGE from an\n"
            "                          Ollama Modelfile; command-line options override its\n"
            "                          PARAMETERs\n"
            "      --chat              a conversation in the model's chat format (see above)\n"
            "      --show-prompt       print the exact prompt text on stderr before generating\n"
            "      --exact             float dot products everywhere (no 8-bit activations)\n"
            "      --json              print one JSON object (text, tokens, prompt_tokens,\n"
            "                          prompt_tokens_per_second, generated_tokens_per_second,\n"
            "                          load_seconds, num_gpu, gpu_layers, gpu_device,\n"
            "                          gpu_memory_bytes, gpu_note; docs/json.md) instead of\n"
            "                          streaming\n"
            "  -v, --verbose           say on stderr where the layers run, also with --num-gpu 0\n"
            "  -h, --help              this help\n");
}

/* Streams a piece; a failed write (full disk, closed pipe) stops the generation: nobody
 * can read the rest. *user gets the errno. */
static int stream_cb(const char *piece, void *user)
{
    errno = 0;
    if (fputs(piece, stdout) == EOF || cli_flush(stdout) != 0) {
        *(int *)user = errno ? errno : EIO;
        return 1;
    }
    return 0;
}

#define MAX_STOP 16

/* --chat: the conversation (Modelfile SYSTEM + MESSAGEs, then -p, stdin's messages, or a
 * terminal dialogue) in the model's chat format. On return with CLI_OK, *rendered holds the
 * prompt to generate from, or NULL when the dialogue already ran. The format's own stop
 * strings apply unless --stop or the Modelfile gave some (p->stop then points to static
 * storage). */
static int run_chat_prompt(llm_model *m, llm_params *p, const llm_modelfile *mf, const char *prompt,
                           int n_user_stops, int json, int show_prompt, char **rendered, int *write_errno)
{
    llm_chat_format f;
    char warn[256], err[512];
    if (!llm_chat_format_detect(llm_model_chat_template(m), &f, warn, sizeof warn))
        fprintf(stderr, "so8t run: warning: %s\n", warn);
    const char *const *fs = llm_chat_stop_strings(&f);
    if (n_user_stops == 0 && fs[0] && !(mf && mf->n_stop_list > 0)) {
        int k = 0;
        while (fs[k])
            k++;
        p->stop = fs;
        p->n_stop = k;
    }
    llm_chat_message *base;
    int nb;
    if (llm_modelfile_conversation(mf, prompt, &base, &nb)) {
        fprintf(stderr, "so8t run: out of memory\n");
        return CLI_FAIL;
    }
    cli_chat c;
    cli_chat_init(&c);
    int rc = CLI_OK;
    for (int i = 0; i < nb && rc == CLI_OK; i++)
        if (cli_chat_add(&c, base[i].role, base[i].content, strlen(base[i].content)))
            rc = CLI_FAIL;
    free(base);
    if (rc == CLI_OK && !prompt) {
        if (isatty(STDIN_FILENO)) {
            rc = cli_chat_interactive(m, p, &f, &c, show_prompt, json ? NULL : stream_cb, write_errno);
            cli_chat_free(&c);
            *rendered = NULL;
            return rc;
        }
        if ((rc = cli_chat_read_stdin(&c, err, sizeof err)) != CLI_OK)
            fprintf(stderr, "so8t run: %s\n", err);
    }
    if (rc == CLI_OK && llm_chat_render(&f, c.msgs, c.n, 1, rendered, err, sizeof err)) {
        fprintf(stderr, "so8t run: %s\n", err);
        rc = CLI_FAIL;
    }
    if (rc == CLI_OK && show_prompt)
        fprintf(stderr, "--- prompt (%s) ---\n%s\n--- end of prompt ---\n", llm_chat_kind_name(f.kind),
                *rendered);
    cli_chat_free(&c);
    return rc;
}

/* The numeric options: parsed first, applied after the Modelfile (so they override it),
 * each written into llm_params at its offset as an int or a float. */
typedef struct {
    const char *name; /* the long option, also in messages */
    int is_int;
    double lo, hi;
    int lo_open;
    size_t offset;    /* into llm_params */
} run_num_opt;

#define P(f) offsetof(llm_params, f)
static const run_num_opt num_opts[] = {
    {"--num-predict", 1, -1, 1 << 20, 0, P(num_predict)},
    {"--temperature", 0, 0, 100, 0, P(temperature)},
    {"--top-k", 1, 0, 1 << 24, 0, P(top_k)},
    {"--top-p", 0, 0, 1, 0, P(top_p)},
    {"--min-p", 0, 0, 1, 0, P(min_p)},
    {"--typical-p", 0, 0, 1, 1, P(typical_p)},
    {"--repeat-penalty", 0, 0, 100, 1, P(repeat_penalty)},
    {"--repeat-last-n", 1, -1, 1 << 20, 0, P(repeat_last_n)},
    {"--presence-penalty", 0, -100, 100, 0, P(presence_penalty)},
    {"--frequency-penalty", 0, -100, 100, 0, P(frequency_penalty)},
    {"--mirostat", 1, 0, 2, 0, P(mirostat)},
    {"--mirostat-tau", 0, 0, 100, 1, P(mirostat_tau)},
    {"--mirostat-eta", 0, 0, 10, 1, P(mirostat_eta)},
    {"--threads", 1, 1, 1024, 0, P(num_thread)},
    {"--ctx", 1, 8, 1 << 20, 0, P(num_ctx)},
};
#undef P
#define N_NUM_OPTS (int)(sizeof num_opts / sizeof num_opts[0])

/* getopt_long codes: the numeric options are OPT_NUM + their index in num_opts */
enum { OPT_NUM = 0x1000, OPT_JSON = 0x1100, OPT_EXACT, OPT_CHAT, OPT_SHOW_PROMPT, OPT_MODELFILE,
       OPT_STOP, OPT_SEED, OPT_NUM_GPU, OPT_MAIN_GPU };

static int num_index(const char *name)
{
    for (int k = 0; k < N_NUM_OPTS; k++)
        if (!strcmp(num_opts[k].name + 2, name))
            return OPT_NUM + k;
    return -1;
}

int cmd_run(int argc, char **argv)
{
    const char *model = NULL, *prompt = NULL, *modelfile = NULL;
    int json = 0, exact = 0, chat = 0, show_prompt = 0, verbose = 0;
    /* options are parsed first and applied after the Modelfile, so they override it */
    int num_set[N_NUM_OPTS] = {0};
    double num_val[N_NUM_OPTS] = {0};
    int set_seed = 0, set_num_gpu = 0, set_main_gpu = 0, num_gpu = 0, main_gpu = 0;
    uint64_t seed = 0;
    const char *stops[MAX_STOP];
    int n_stop = 0;
    int rc, c;
    const struct option opts[] = {
        {"help", no_argument, NULL, 'h'},
        {"verbose", no_argument, NULL, 'v'},
        {"json", no_argument, NULL, OPT_JSON},
        {"exact", no_argument, NULL, OPT_EXACT},
        {"chat", no_argument, NULL, OPT_CHAT},
        {"show-prompt", no_argument, NULL, OPT_SHOW_PROMPT},
        {"model", required_argument, NULL, 'm'},
        {"prompt", required_argument, NULL, 'p'},
        {"modelfile", required_argument, NULL, OPT_MODELFILE},
        {"stop", required_argument, NULL, OPT_STOP},
        {"seed", required_argument, NULL, OPT_SEED},
        {"num-gpu", required_argument, NULL, OPT_NUM_GPU},
        {"main-gpu", required_argument, NULL, OPT_MAIN_GPU},
        {"num-predict", required_argument, NULL, num_index("num-predict")},
        {"temperature", required_argument, NULL, num_index("temperature")},
        {"temp", required_argument, NULL, num_index("temperature")},
        {"top-k", required_argument, NULL, num_index("top-k")},
        {"top-p", required_argument, NULL, num_index("top-p")},
        {"min-p", required_argument, NULL, num_index("min-p")},
        {"typical-p", required_argument, NULL, num_index("typical-p")},
        {"repeat-penalty", required_argument, NULL, num_index("repeat-penalty")},
        {"repeat-last-n", required_argument, NULL, num_index("repeat-last-n")},
        {"presence-penalty", required_argument, NULL, num_index("presence-penalty")},
        {"frequency-penalty", required_argument, NULL, num_index("frequency-penalty")},
        {"mirostat", required_argument, NULL, num_index("mirostat")},
        {"mirostat-tau", required_argument, NULL, num_index("mirostat-tau")},
        {"mirostat-eta", required_argument, NULL, num_index("mirostat-eta")},
        {"threads", required_argument, NULL, num_index("threads")},
        {"ctx", required_argument, NULL, num_index("ctx")},
        {NULL, 0, NULL, 0}};
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":hvm:p:n:t:c:", opts, NULL)) != -1) {
        switch (c) {
        case 'h':
            usage(stdout);
            return CLI_OK;
        case 'v': verbose = 1; break;
        case OPT_JSON: json = 1; break;
        case OPT_EXACT: exact = 1; break;
        case OPT_CHAT: chat = 1; break;
        case OPT_SHOW_PROMPT: show_prompt = 1; break;
        case 'm': model = optarg; break;
        case 'p': prompt = optarg; break;
        case OPT_MODELFILE: modelfile = optarg; break;
        case OPT_STOP:
            if (n_stop == MAX_STOP)
                return cli_usage_error("run", "at most %d --stop strings", MAX_STOP);
            if (!optarg[0])
                return cli_usage_error("run", "--stop needs a non-empty string");
            stops[n_stop++] = optarg;
            break;
        case OPT_SEED:
            if ((rc = cli_parse_seed("run", "--seed", optarg, &seed)))
                return rc;
            set_seed = 1;
            break;
        case OPT_NUM_GPU: /* -1: as many as fit; larger than the layer count: all of them */
            if ((rc = cli_parse_int("run", "--num-gpu", optarg, -1, 2147483647L, &num_gpu)))
                return rc;
            set_num_gpu = 1;
            break;
        case OPT_MAIN_GPU:
            if ((rc = cli_parse_int("run", "--main-gpu", optarg, 0, 1024, &main_gpu)))
                return rc;
            set_main_gpu = 1;
            break;
        case ':':
        case '?': return cli_getopt_error("run", c, argv);
        default: {
            /* -n, -t, -c are the short forms of three numeric options */
            int k = c == 'n' ? num_index("num-predict") : c == 't' ? num_index("threads")
                    : c == 'c' ? num_index("ctx") : c;
            const run_num_opt *o = &num_opts[k - OPT_NUM];
            int iv;
            if (o->is_int) {
                if ((rc = cli_parse_int("run", o->name, optarg, (long)o->lo, (long)o->hi, &iv)))
                    return rc;
                num_val[k - OPT_NUM] = iv;
            } else if ((rc = cli_parse_double("run", o->name, optarg, o->lo, o->lo_open, o->hi, 0,
                                              &num_val[k - OPT_NUM]))) {
                return rc;
            }
            num_set[k - OPT_NUM] = 1;
            break;
        }
        }
    }
    if (optind < argc)
        return cli_usage_error("run", "unexpected argument '%s'", argv[optind]);
    if (!prompt && !chat)
        return cli_usage_error("run", "missing -p PROMPT (or --chat)");
    if (chat && !prompt && json && isatty(STDIN_FILENO))
        return cli_usage_error("run", "--json needs -p PROMPT or a conversation on stdin with --chat");
    if (!model && !modelfile)
        return cli_usage_error("run", "missing -m FILE.gguf (run 'make model' to fetch the default model)");

    char err[1024];
    llm_params p;
    llm_params_default(&p);
    /* ---- Modelfile (llm/modelfile/modelfile.h, owned by the explain component) ---- */
    llm_modelfile mf;
    memset(&mf, 0, sizeof mf);
    char *rendered = NULL;
    /* -m NAME: a model of the local store when no such file exists */
    char store_path[4096];
    int from_store = cli_store_lookup("run", model, &mf);
    if (from_store < 0)
        return -from_store;
    if (from_store && modelfile) {
        /* --modelfile gives the settings; the store model only its GGUF */
        snprintf(store_path, sizeof store_path, "%s", mf.model_path);
        model = store_path;
        llm_modelfile_free(&mf);
        from_store = 0;
    } else if (from_store) {
        model = NULL; /* mf.model_path below */
    }
    if (modelfile || from_store) {
        int mrc = from_store ? CLI_OK : cli_modelfile_load("run", modelfile, &mf);
        if (mrc != CLI_OK)
            return mrc;
        if (cli_modelfile_apply("run", &mf, &p, modelfile ? modelfile : "the store model")) {
            llm_modelfile_free(&mf);
            return CLI_FAIL;
        }
        if (!model)
            model = mf.model_path;
        if (!chat && mf.n_messages > 0 && !mf.template_text)
            chat = 1; /* a conversation: render it in the model's own format */
        if (chat && mf.template_text)
            fprintf(stderr, "so8t run: the Modelfile's TEMPLATE is not used with --chat: the model's own "
                            "chat format is\n");
        else if (!chat && mf.n_messages > 0)
            fprintf(stderr, "so8t run: the Modelfile's MESSAGE lines are used only with --chat\n");
        if (chat) {
            /* rendered after the model is loaded (its chat template decides the format) */
        } else if (mf.template_text) {
            if (llm_template_render(mf.template_text, mf.system, prompt, NULL, 1, &rendered, err,
                                    sizeof err) != 0) {
                fprintf(stderr, "so8t run: %s\n", err);
                llm_modelfile_free(&mf);
                return CLI_FAIL;
            }
            prompt = rendered;
        } else if (mf.system) {
            /* no TEMPLATE: the base model takes plain text, so the SYSTEM text goes in
               front of the prompt rather than being dropped silently */
            size_t ls = strlen(mf.system), lp = strlen(prompt);
            rendered = malloc(ls + lp + 3);
            if (!rendered) {
                fprintf(stderr, "so8t run: out of memory\n");
                llm_modelfile_free(&mf);
                return CLI_FAIL;
            }
            memcpy(rendered, mf.system, ls);
            memcpy(rendered + ls, "\n\n", 2);
            memcpy(rendered + ls + 2, prompt, lp + 1);
            fprintf(stderr, "so8t run: the Modelfile has SYSTEM but no TEMPLATE: the system "
                            "text is put before the prompt\n");
            prompt = rendered;
        }
    }
    for (int k = 0; k < N_NUM_OPTS; k++) {
        if (!num_set[k])
            continue;
        if (num_opts[k].is_int) {
            int iv = (int)num_val[k];
            memcpy((char *)&p + num_opts[k].offset, &iv, sizeof iv);
        } else {
            float fv = (float)num_val[k];
            memcpy((char *)&p + num_opts[k].offset, &fv, sizeof fv);
        }
    }
    if (set_seed)
        p.seed = seed;
    if (n_stop > 0) {
        p.stop = stops;
        p.n_stop = n_stop;
    }

    llm_model *m = NULL;
    int status = CLI_OK;
    if (llm_model_load(model, p.num_ctx, &m, err, sizeof err) != LLM_OK) {
        fprintf(stderr, "so8t run: %s\n", err);
        status = CLI_FAIL;
        goto out;
    }
    {
        /* Modelfile use_mmap false / use_mlock true (llm/model/memory.c); a refused mlock
         * is a warning, as in llama.cpp */
        const llm_modelfile_param *pm = llm_modelfile_param_find(&mf, "use_mmap");
        const llm_modelfile_param *pl = llm_modelfile_param_find(&mf, "use_mlock");
        const int use_mmap = pm ? pm->b : 1, use_mlock = pl ? pl->b : 0;
        if (!use_mmap && llm_model_set_memory(m, 0, 0, err, sizeof err) != LLM_OK) {
            fprintf(stderr, "so8t run: %s\n", err);
            status = CLI_FAIL;
            goto out;
        }
        if (use_mlock && llm_model_set_memory(m, use_mmap, 1, err, sizeof err) != LLM_OK)
            fprintf(stderr, "so8t run: warning: %s\n", err);
    }
    /* after the memory settings: the upload reads the weights from where they now live */
    int ngpu, mgpu;
    cli_gpu_settings(&mf, set_num_gpu, num_gpu, set_main_gpu, main_gpu, &ngpu, &mgpu);
    if ((status = cli_gpu_offload("run", m, ngpu, mgpu, verbose)) != CLI_OK)
        goto out;
    if (exact)
        llm_model_set_numerics(m, LLM_NUMERICS_EXACT);
    if (llm_model_tokenizer_warning(m)[0])
        fprintf(stderr, "so8t run: warning: %s\n", llm_model_tokenizer_warning(m));
    int write_errno = 0;
    if (chat) {
        int crc = run_chat_prompt(m, &p, &mf, prompt, n_stop, json, show_prompt, &rendered, &write_errno);
        if (crc != CLI_OK || !rendered) { /* a failure, or the terminal dialogue is over */
            status = crc;
            goto out;
        }
        prompt = rendered;
    } else if (show_prompt) {
        fprintf(stderr, "--- prompt ---\n%s\n--- end of prompt ---\n", prompt);
    }
    llm_generation g;
    if (llm_generate(m, prompt, &p, json ? NULL : stream_cb, &write_errno, &g, err,
                     sizeof err) != LLM_OK) {
        fprintf(stderr, "%sso8t run: %s\n", json ? "" : "\n", err);
        status = CLI_FAIL;
        goto out;
    }
    if (json) {
        cli_json j;
        cli_json_open(&j, stdout);
        cli_json_string(&j, "text", g.text);
        cli_json_begin_array(&j, "tokens");
        for (int i = 0; i < g.n_tokens; i++)
            cli_json_i64(&j, NULL, g.tokens[i]);
        cli_json_end_array(&j);
        cli_json_i64(&j, "prompt_tokens", g.prompt_tokens);
        cli_json_double(&j, "prompt_tokens_per_second", g.prompt_tokens_per_second);
        cli_json_double(&j, "generated_tokens_per_second", g.generated_tokens_per_second);
        cli_json_double(&j, "load_seconds", g.load_seconds);
        cli_json_i64(&j, "generated_tokens", g.n_tokens);
        cli_json_string(&j, "stop_reason", g.stop_reason);
        cli_json_u64(&j, "seed", p.seed);
        llm_gpu_status gs;
        llm_model_gpu_status(m, &gs);
        cli_gpu_json_run(&j, &gs, ngpu);
        cli_json_close(&j);
    } else if (!write_errno) {
        printf("\n");
    }
    if (write_errno) { /* main's final check says why (cli_stdout_close) */
        llm_generation_free(&g);
        status = CLI_FAIL;
        goto out;
    }
    cli_flush(stdout); /* the text before the statistics on stderr */
    fprintf(stderr,
            "load %.3f s | prompt %d tokens, %.1f tokens/s | generated %d tokens, %.1f tokens/s (%s)\n",
            g.load_seconds, g.prompt_tokens, g.prompt_tokens_per_second, g.n_tokens,
            g.generated_tokens_per_second, g.stop_reason ? g.stop_reason : "stop");
    llm_generation_free(&g);
out:
    llm_model_free(m);
    free(rendered);
    llm_modelfile_free(&mf);
    return status;
}
