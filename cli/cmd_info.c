/* cmd_info.c — 'so8t info [FILE.gguf] [--json]': describe any valid GGUF file (model or
 * not), or with no file, this build. */
#include "cli/cli.h"
#include "cli/cli_gpu.h"
#include "llm/llm.h"
#include "mc/mc.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: so8t info [FILE.gguf] [--json] [--no-tensors] [--main-gpu I]\n"
            "\n"
            "Describe a GGUF file: version, architecture, parameter count, context length,\n"
            "tensor types with counts, tokenizer and vocabulary size, whether it has a chat\n"
            "template, and a table of tensors (name, type, shape, bytes). The file is fully\n"
            "validated first; a malformed file is reported with the field and byte offset.\n"
            "A model file (one with general.architecture) is then checked as the runner\n"
            "would load it: hyperparameters against the architecture and the tensors present,\n"
            "every tensor's presence, type and shape. An inconsistent model exits 1 with a\n"
            "message naming the offending value; a valid one this runner cannot run (unknown\n"
            "architecture, unsupported tensor type) is reported as such and exits 0.\n"
            "With no FILE, print build information. Both say where a model's layers would run:\n"
            "the CUDA device --main-gpu (its name and free memory; 'so8t run --num-gpu N' puts\n"
            "layers there), or why there is none (a CUDA=0 build, no device, a driver error).\n"
            "\n"
            "Options:\n"
            "  --json        print one JSON object on stdout\n"
            "  --no-tensors  leave out the tensor table\n"
            "  --main-gpu I  the CUDA device to describe (default 0)\n"
            "  -h, --help    this help\n");
}

/* A metadata string as a NUL-terminated malloc'd copy (NULL if absent or not a string). */
static char *meta_str(const llm_gguf *g, const char *key)
{
    const char *s;
    uint64_t n;
    if (llm_gguf_find_key(g, key) < 0 || llm_gguf_get_str(g, key, &s, &n, NULL, 0) != LLM_OK)
        return NULL;
    char *c = malloc((size_t)n + 1);
    if (c) {
        memcpy(c, s, (size_t)n);
        c[n] = 0;
        /* keep terminal output clean: control bytes become '?' */
        for (uint64_t i = 0; i < n; i++)
            if ((unsigned char)c[i] < 32)
                c[i] = '?';
    }
    return c;
}

static int build_info(int json, int main_gpu)
{
    int cuda = mc_cuda_compiled();
    if (json) {
        cli_json j;
        cli_json_open(&j, stdout);
        cli_json_string(&j, "version", SO8T_VERSION);
        cli_json_bool(&j, "cuda_compiled", cuda);
        cli_json_string(&j, "llm_architectures", llm_architectures());
        cli_json_string(&j, "llm_tensor_types", "F32 F16 BF16 Q8_0 Q4_0 Q5_0 Q4_K Q6_K");
        cli_gpu_probe_json(&j, main_gpu);
        cli_json_close(&j);
    } else {
        printf("so8t %s\n", SO8T_VERSION);
        printf("CUDA: %s\n", cuda ? "compiled in" : "not compiled in (CPU-only build)");
        printf("LLM architectures: %s\n", llm_architectures());
        printf("LLM tensor types: F32 F16 BF16 Q8_0 Q4_0 Q5_0 Q4_K Q6_K\n");
        cli_gpu_probe_print(stdout, main_gpu);
    }
    return CLI_OK;
}

int cmd_info(int argc, char **argv)
{
    enum { OPT_JSON = 0x1100, OPT_NO_TENSORS, OPT_MAIN_GPU };
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'},
                                         {"json", no_argument, NULL, OPT_JSON},
                                         {"no-tensors", no_argument, NULL, OPT_NO_TENSORS},
                                         {"main-gpu", required_argument, NULL, OPT_MAIN_GPU},
                                         {NULL, 0, NULL, 0}};
    const char *path = NULL;
    int json = 0, tensors = 1, main_gpu = 0, c, rc;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'h':
            usage(stdout);
            return CLI_OK;
        case OPT_JSON: json = 1; break;
        case OPT_NO_TENSORS: tensors = 0; break;
        case OPT_MAIN_GPU:
            if ((rc = cli_parse_int("info", "--main-gpu", optarg, 0, 1024, &main_gpu)))
                return rc;
            break;
        default: return cli_getopt_error("info", c, argv);
        }
    }
    if (optind < argc)
        path = argv[optind];
    if (optind + 1 < argc)
        return cli_usage_error("info", "only one FILE may be given (got '%s' and '%s')", path,
                               argv[optind + 1]);
    if (!path)
        return build_info(json, main_gpu);
    char err[512];
    llm_gguf *g = NULL;
    if (llm_gguf_open(path, &g, err, sizeof err) != LLM_OK) {
        fprintf(stderr, "so8t info: %s\n", err);
        return CLI_FAIL;
    }
    int64_t nt = llm_gguf_n_tensors(g), nkv = llm_gguf_n_kv(g);
    char *arch = meta_str(g, "general.architecture");
    char *name = meta_str(g, "general.name");
    char *tok_model = meta_str(g, "tokenizer.ggml.model");
    int has_template = llm_gguf_find_key(g, "tokenizer.chat_template") >= 0;
    uint64_t vocab = 0;
    int64_t kt = llm_gguf_find_key(g, "tokenizer.ggml.tokens");
    if (kt >= 0) {
        llm_gguf_kv_info ki;
        llm_gguf_kv(g, kt, &ki);
        if (ki.type == LLM_GGUF_ARRAY)
            vocab = ki.arr_n;
    }
    uint64_t ctx = 0;
    int has_ctx = 0;
    if (arch) {
        char key[160];
        snprintf(key, sizeof key, "%s.context_length", arch);
        has_ctx = llm_gguf_find_key(g, key) >= 0 && llm_gguf_get_uint(g, key, &ctx, NULL, 0) == LLM_OK;
    }
    /* a model is checked as the loader would check it (no tokenizer-only or data files) */
    char model_err[512] = "";
    int model_rc = arch ? llm_model_check(path, model_err, sizeof model_err) : LLM_OK;
    const char *model_status = !arch ? NULL
                               : model_rc == LLM_OK ? "ok"
                               : model_rc == LLM_ERR_UNSUPPORTED ? "unsupported"
                                                                 : "invalid";
    uint64_t params = 0, counts[LLM_TYPE_COUNT] = {0}, tensor_bytes = 0;
    for (int64_t i = 0; i < nt; i++) {
        llm_gguf_tensor_info t;
        llm_gguf_tensor(g, i, &t);
        uint64_t ne = 1;
        for (int d = 0; d < t.n_dims; d++)
            ne *= (uint64_t)t.ne[d];
        params += ne;
        tensor_bytes += t.nbytes;
        if (t.type >= 0 && t.type < LLM_TYPE_COUNT)
            counts[t.type]++;
    }
    if (json) {
        cli_json j;
        cli_json_open(&j, stdout);
        cli_json_string(&j, "file", path);
        cli_json_u64(&j, "gguf_version", llm_gguf_version(g));
        cli_json_u64(&j, "file_size", llm_gguf_file_size(g));
        cli_json_u64(&j, "alignment", llm_gguf_alignment(g));
        cli_json_u64(&j, "data_offset", llm_gguf_data_offset(g));
        cli_json_string(&j, "architecture", arch);
        cli_json_string(&j, "name", name);
        cli_json_u64(&j, "parameters", params);
        if (has_ctx)
            cli_json_u64(&j, "context_length", ctx);
        else
            cli_json_null(&j, "context_length");
        cli_json_begin_object(&j, "tensor_types");
        for (int t = 0; t < LLM_TYPE_COUNT; t++)
            if (counts[t])
                cli_json_u64(&j, llm_type_name(t), counts[t]);
        cli_json_end_object(&j);
        cli_json_string(&j, "model_check", model_status);
        if (model_rc != LLM_OK)
            cli_json_string(&j, "model_error", model_err);
        else
            cli_json_null(&j, "model_error");
        cli_json_string(&j, "tokenizer_model", tok_model);
        cli_json_u64(&j, "vocab_size", vocab);
        cli_json_bool(&j, "chat_template", has_template);
        cli_json_i64(&j, "metadata_count", nkv);
        cli_json_i64(&j, "tensor_count", nt);
        cli_json_u64(&j, "tensor_bytes", tensor_bytes);
        if (arch)
            cli_gpu_probe_json(&j, main_gpu);
        if (tensors) {
            cli_json_begin_array(&j, "tensors");
            for (int64_t i = 0; i < nt; i++) {
                llm_gguf_tensor_info t;
                llm_gguf_tensor(g, i, &t);
                cli_json_begin_object(&j, NULL);
                cli_json_string(&j, "name", t.name);
                cli_json_string(&j, "type", llm_type_name(t.type));
                cli_json_begin_array(&j, "shape");
                for (int d = 0; d < t.n_dims; d++)
                    cli_json_i64(&j, NULL, t.ne[d]);
                cli_json_end_array(&j);
                cli_json_u64(&j, "bytes", t.nbytes);
                cli_json_end_object(&j);
            }
            cli_json_end_array(&j);
        }
        cli_json_close(&j);
    } else {
        printf("file:           %s\n", path);
        printf("GGUF version:   %u (%llu bytes, alignment %u, data at offset %llu)\n",
               llm_gguf_version(g), (unsigned long long)llm_gguf_file_size(g), llm_gguf_alignment(g),
               (unsigned long long)llm_gguf_data_offset(g));
        printf("architecture:   %s\n", arch ? arch : "(none: not a model file)");
        if (name)
            printf("name:           %s\n", name);
        printf("parameters:     %llu (%.1f M)\n", (unsigned long long)params, (double)params / 1e6);
        if (has_ctx)
            printf("context length: %llu\n", (unsigned long long)ctx);
        else
            printf("context length: (not given)\n");
        printf("tensor types:  ");
        int any = 0;
        for (int t = 0; t < LLM_TYPE_COUNT; t++)
            if (counts[t]) {
                printf(" %s×%llu", llm_type_name(t), (unsigned long long)counts[t]);
                any = 1;
            }
        printf("%s\n", any ? "" : " (no tensors)");
        if (tok_model)
            printf("tokenizer:      %s, %llu tokens\n", tok_model, (unsigned long long)vocab);
        else
            printf("tokenizer:      (none)\n");
        printf("chat template:  %s\n", has_template ? "yes" : "no");
        if (model_status)
            printf("model check:    %s%s%s\n", model_status, model_rc ? ": " : "",
                   model_rc ? model_err : "");
        printf("metadata:       %lld keys\n", (long long)nkv);
        printf("tensors:        %lld (%.1f MiB)\n", (long long)nt, (double)tensor_bytes / 1048576.0);
        if (arch)
            cli_gpu_probe_print(stdout, main_gpu);
        if (tensors && nt > 0) {
            printf("\n%-40s %-6s %-24s %12s\n", "name", "type", "shape", "bytes");
            for (int64_t i = 0; i < nt; i++) {
                llm_gguf_tensor_info t;
                llm_gguf_tensor(g, i, &t);
                char shape[96];
                int o = 0;
                for (int d = 0; d < t.n_dims && o < (int)sizeof shape; d++)
                    o += snprintf(shape + o, sizeof shape - (size_t)o, "%s%lld", d ? " x " : "",
                                  (long long)t.ne[d]);
                printf("%-40s %-6s %-24s %12llu\n", t.name, llm_type_name(t.type), shape,
                       (unsigned long long)t.nbytes);
            }
        }
    }
    free(arch);
    free(name);
    free(tok_model);
    llm_gguf_close(g);
    if (model_rc != LLM_OK && model_rc != LLM_ERR_UNSUPPORTED) {
        fprintf(stderr, "so8t info: %s\n", model_err);
        return CLI_FAIL;
    }
    return CLI_OK;
}
