/* test_llm_refuse.c — every refusal path of the model loader (and `so8t info`'s model check)
 * on hostile edits of the tiny models: unknown architecture, hyperparameters that disagree
 * with the architecture or with the tensors present, missing tensor, bad shape, unsupported
 * type, unused tensor, image input to a text-only vision model. Each case requires the load to
 * fail with the expected status and a message that names the file's offending value (and,
 * where there is one, what is supported). An unchanged copy must load, so each case fails for
 * the reason given.
 */
#include "llm/llm.h"
#include "tests/support/llm_ref.h"
#include "tests/support/testmodel.h"
#include "tests/test.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char err[1024];
static char dir[] = "/tmp/so8t_refuse_XXXXXX";

static float z_f32[256 * 512];
static uint8_t z_raw[256 * 256];

static void e_arch(llm_gguf_writer *w) { llm_gguf_writer_add_str(w, "general.architecture", "mamba"); }
static void e_clip(llm_gguf_writer *w) { llm_gguf_writer_add_str(w, "general.architecture", "clip"); }
static void e_blocks_huge(llm_gguf_writer *w)
{
    llm_gguf_writer_add_u32(w, "llama.block_count", 4294967280u);
    int64_t ne[1] = {256};
    llm_gguf_writer_add_tensor(w, "output_norm.weight", LLM_TYPE_F32, 1, ne, z_f32);
}
static void e_blocks3(llm_gguf_writer *w) { llm_gguf_writer_add_u32(w, "llama.block_count", 3); }
static void e_q_shape(llm_gguf_writer *w)
{
    int64_t ne[2] = {256, 200};
    llm_gguf_writer_add_tensor(w, "blk.0.attn_q.weight", LLM_TYPE_F32, 2, ne, z_f32);
}
static void e_q_type(llm_gguf_writer *w)
{
    int64_t ne[2] = {256, 256};
    llm_gguf_writer_add_tensor(w, "blk.0.attn_q.weight", 16 /* IQ2_XXS */, 2, ne, z_raw);
}
static void e_norm_type(llm_gguf_writer *w)
{
    int64_t ne[1] = {256};
    llm_gguf_writer_add_tensor(w, "output_norm.weight", 28 /* F64 */, 1, ne, z_f32);
}
static void e_extra(llm_gguf_writer *w)
{
    int64_t ne[1] = {256};
    llm_gguf_writer_add_tensor(w, "mystery.weight", LLM_TYPE_F32, 1, ne, z_f32);
}
static void e_rot(llm_gguf_writer *w) { llm_gguf_writer_add_u32(w, "llama.rope.dimension_count", 32); }
static void e_rot_q2(llm_gguf_writer *w) { llm_gguf_writer_add_u32(w, "qwen2.rope.dimension_count", 32); }
static void e_kl(llm_gguf_writer *w)
{
    llm_gguf_writer_add_u32(w, "qwen2.attention.key_length", 32);
    llm_gguf_writer_add_u32(w, "qwen2.attention.value_length", 32);
}
static void e_yarn(llm_gguf_writer *w) { llm_gguf_writer_add_str(w, "llama.rope.scaling.type", "yarn"); }
static void e_vocab(llm_gguf_writer *w) { llm_gguf_writer_add_u32(w, "llama.vocab_size", 32000); }
static void e_eps(llm_gguf_writer *w) { llm_gguf_writer_add_f32(w, "llama.attention.layer_norm_rms_epsilon", -1.0f); }
static void e_kv(llm_gguf_writer *w) { llm_gguf_writer_add_u32(w, "llama.attention.head_count_kv", 3); }
static void e_ff(llm_gguf_writer *w)
{
    int64_t ne[1] = {32};
    llm_gguf_writer_add_tensor(w, "rope_freqs.weight", LLM_TYPE_F32, 1, ne, z_f32); /* zeros */
}
static void e_sections(llm_gguf_writer *w)
{
    const int32_t sec[4] = {8, -1, 12, 0};
    llm_gguf_writer_add_arr(w, "qwen2vl.rope.dimension_sections", LLM_GGUF_INT32, sec, 4);
}
static void e_ctx0(llm_gguf_writer *w) { llm_gguf_writer_add_u32(w, "qwen3.context_length", 0); }

typedef struct {
    const char *arch;                  /* the tiny model to start from */
    const char *drop_key, *drop_tensor;
    llm_ref_edit_fn edit;
    int status;
    const char *needle1, *needle2;     /* both must be in the message (needle2 may be NULL) */
} refusal;

static const refusal k_cases[] = {
    {"llama", "general.architecture", NULL, e_arch, LLM_ERR_UNSUPPORTED, "unsupported architecture 'mamba'",
     "(supported: gemma3, llama, qwen2, qwen2vl (text), qwen3, phi3)"},
    {"llama", "general.architecture", NULL, e_clip, LLM_ERR_UNSUPPORTED, "'clip'", "image input is not supported"},
    /* the case: a huge block_count with one tensor */
    {"llama", "llama.block_count", "*", e_blocks_huge, LLM_ERR_FORMAT, "llama.block_count = 4294967280",
     "no blk.N tensors"},
    {"llama", "llama.block_count", NULL, e_blocks3, LLM_ERR_FORMAT, "llama.block_count = 3",
     "describe 2 blocks"},
    {"llama", NULL, "blk.1.ffn_down.weight", NULL, LLM_ERR_FORMAT, "'blk.1.ffn_down.weight' is missing", "llama"},
    {"qwen2", NULL, "blk.0.attn_k.bias", NULL, LLM_ERR_FORMAT, "'blk.0.attn_k.bias' is missing", NULL},
    {"qwen3", NULL, "blk.1.attn_q_norm.weight", NULL, LLM_ERR_FORMAT, "'blk.1.attn_q_norm.weight' is missing", NULL},
    {"phi3", NULL, "blk.0.attn_qkv.weight", NULL, LLM_ERR_FORMAT, "'blk.0.attn_q.weight' is missing", NULL},
    {"llama", NULL, "blk.0.attn_q.weight", e_q_shape, LLM_ERR_FORMAT, "'blk.0.attn_q.weight' has shape [256, 200",
     "expected [256, 256]"},
    {"llama", NULL, "blk.0.attn_q.weight", e_q_type, LLM_ERR_UNSUPPORTED,
     "unsupported quant type IQ2_XXS in tensor 'blk.0.attn_q.weight'", "(supported: F32, F16"},
    {"qwen2", NULL, "output_norm.weight", e_norm_type, LLM_ERR_UNSUPPORTED, "unsupported quant type F64", "supported:"},
    {"llama", NULL, NULL, e_extra, LLM_ERR_FORMAT, "tensor 'mystery.weight' is not part of a 2-layer llama model", NULL},
    {"llama", "llama.rope.dimension_count", NULL, e_rot, LLM_ERR_FORMAT, "llama.rope.dimension_count = 32",
     "supported only 64"},
    {"qwen2", "qwen2.rope.dimension_count", NULL, e_rot_q2, LLM_ERR_FORMAT, "qwen2.rope.dimension_count = 32",
     "supported only 64"},
    {"qwen2", "qwen2.attention.key_length,qwen2.attention.value_length", NULL, e_kl, LLM_ERR_FORMAT, "qwen2.attention.key_length = 32",
     "n_embd/n_head = 256/4"},
    {"llama", NULL, NULL, e_yarn, LLM_ERR_UNSUPPORTED, "'yarn' is not supported", "(supported: none, linear)"},
    {"llama", NULL, NULL, e_vocab, LLM_ERR_FORMAT, "llama.vocab_size = 32000", "335 tokens"},
    {"llama", "llama.attention.layer_norm_rms_epsilon", NULL, NULL, LLM_ERR_FORMAT,
     "missing required metadata key 'llama.attention.layer_norm_rms_epsilon'", NULL},
    {"llama", "llama.attention.layer_norm_rms_epsilon", NULL, e_eps, LLM_ERR_FORMAT, "epsilon = -1", "epsilon 0..1"},
    {"llama", "llama.attention.head_count_kv", NULL, e_kv, LLM_ERR_FORMAT, "head_count = 4 is not a multiple of head_count_kv = 3", NULL},
    {"llama", NULL, "rope_freqs.weight", e_ff, LLM_ERR_FORMAT, "RoPE frequency factor 0 is 0", "> 0"},
    {"qwen2vl", "qwen2vl.rope.dimension_sections", NULL, NULL, LLM_ERR_FORMAT,
     "missing required metadata key 'qwen2vl.rope.dimension_sections'", NULL},
    {"qwen2vl", "qwen2vl.rope.dimension_sections", NULL, e_sections, LLM_ERR_FORMAT, "[1] = -1", "0..4096"},
    {"qwen3", "qwen3.context_length", NULL, e_ctx0, LLM_ERR_FORMAT, "qwen3.context_length = 0", "supported: 1.."},
};

/* `so8t info [--json] FILE` exit status and output (stdout + stderr). */
static int run_info(const char *so8t, const char *path, int json, char *out, size_t n)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "'%s' info --no-tensors %s '%s' 2>&1", so8t, json ? "--json" : "", path);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    size_t got = fread(out, 1, n - 1, p);
    out[got] = 0;
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int main(void)
{
    CHECK(mkdtemp(dir) != NULL);
    const char *so8t = getenv("SO8T");
    if (!so8t || access(so8t, X_OK) != 0)
        printf("SKIP: so8t info checks (SO8T is not set to the so8t binary)\n");
    static const char *archs[] = {"gemma3", "llama", "qwen2", "qwen2vl", "qwen3", "phi3"};
    char src[6][300], dst[300];
    for (int a = 0; a < 6; a++) {
        snprintf(src[a], sizeof src[a], "%s/%s.gguf", dir, archs[a]);
        CHECK_MSG(llm_test_model_write(src[a], archs[a], LLM_TYPE_F32, 11, err, sizeof err) == 0, "%s", err);
        /* an unchanged copy loads (so each case below fails for the reason given) */
        snprintf(dst, sizeof dst, "%s/copy.gguf", dir);
        CHECK(llm_ref_rewrite(src[a], dst, NULL, NULL, NULL, err, sizeof err) == 0);
        CHECK_MSG(llm_model_check(dst, err, sizeof err) == LLM_OK, "%s copy: %s", archs[a], err);
    }
    snprintf(dst, sizeof dst, "%s/bad.gguf", dir);
    for (size_t i = 0; i < sizeof k_cases / sizeof k_cases[0]; i++) {
        const refusal *c = &k_cases[i];
        int a = 0;
        while (strcmp(archs[a], c->arch))
            a++;
        CHECK(llm_ref_rewrite(src[a], dst, c->drop_key, c->drop_tensor, c->edit, err, sizeof err) == 0);
        llm_model *m = (llm_model *)0x1;
        err[0] = 0;
        int rc = llm_model_load(dst, 64, &m, err, sizeof err);
        int ok = rc == c->status && m == NULL && strstr(err, c->needle1) &&
                 (!c->needle2 || strstr(err, c->needle2));
        CHECK_MSG(ok, "case %zu (%s): rc %d (want %d), message '%s', wanted '%s' and '%s'", i, c->arch, rc,
                  c->status, err, c->needle1, c->needle2 ? c->needle2 : "");
        if (rc == 0)
            llm_model_free(m);
        if (so8t && access(so8t, X_OK) == 0) {
            /* info: an inconsistent model exits 1, an unsupported one 0; both name the value */
            static char out[8192];
            int st = run_info(so8t, dst, 0, out, sizeof out);
            CHECK_MSG(st == (c->status == LLM_ERR_UNSUPPORTED ? 0 : 1) && strstr(out, c->needle1),
                      "case %zu: so8t info exit %d, output '%s'", i, st, out);
            st = run_info(so8t, dst, 1, out, sizeof out);
            CHECK_MSG(strstr(out, c->status == LLM_ERR_UNSUPPORTED ? "\"model_check\":\"unsupported\""
                                                                    : "\"model_check\":\"invalid\""),
                      "case %zu: so8t info --json: '%s'", i, out);
        }
    }
    /* image input to the text-only qwen2vl: rename <mask> (id 6) to <|image_pad|> */
    {
        llm_gguf *g = NULL;
        CHECK(llm_gguf_open(src[3], &g, err, sizeof err) == 0);
        int64_t kt = llm_gguf_find_key(g, "tokenizer.ggml.tokens");
        llm_gguf_kv_info ki;
        llm_gguf_kv(g, kt, &ki);
        const char **toks = malloc(ki.arr_n * sizeof *toks);
        char **own = calloc(ki.arr_n, sizeof *own);
        for (uint64_t i = 0; i < ki.arr_n; i++) {
            const char *s;
            uint64_t n;
            llm_gguf_arr_str(g, kt, i, &s, &n);
            own[i] = malloc(n + 1);
            memcpy(own[i], s, n);
            own[i][n] = 0;
            toks[i] = i == 6 ? "<|image_pad|>" : own[i];
        }
        llm_gguf_writer *w = llm_gguf_writer_new(3, 32);
        for (int64_t i = 0; i < llm_gguf_n_kv(g); i++) {
            const void *raw;
            uint64_t rs;
            llm_gguf_kv_info k2;
            llm_gguf_kv(g, i, &k2);
            if (i == kt)
                continue;
            llm_gguf_kv_raw(g, i, &raw, &rs);
            llm_gguf_writer_add_encoded(w, k2.key, k2.type, raw, rs);
        }
        llm_gguf_writer_add_arr_str(w, "tokenizer.ggml.tokens", toks, ki.arr_n);
        for (int64_t i = 0; i < llm_gguf_n_tensors(g); i++) {
            llm_gguf_tensor_info t;
            llm_gguf_tensor(g, i, &t);
            llm_gguf_writer_add_tensor(w, t.name, t.type, t.n_dims, t.ne, t.data);
        }
        CHECK(llm_gguf_writer_save(w, dst, err, sizeof err) == 0);
        llm_gguf_writer_free(w);
        for (uint64_t i = 0; i < ki.arr_n; i++)
            free(own[i]);
        free(own);
        free(toks);
        llm_gguf_close(g);
        llm_model *m = NULL;
        CHECK_MSG(llm_model_load(dst, 64, &m, err, sizeof err) == 0, "%s", err);
        if (m) {
            float *lg = malloc((size_t)llm_model_n_vocab(m) * sizeof(float));
            const int text[3] = {2, 270, 280}, img[3] = {2, 6, 280};
            CHECK_MSG(llm_model_eval(m, text, 3, 0, lg, err, sizeof err) == 0, "%s", err);
            int rc = llm_model_eval(m, img, 3, 0, lg, err, sizeof err);
            CHECK_MSG(rc == LLM_ERR_UNSUPPORTED && strstr(err, "token 6 '<|image_pad|>'") &&
                          strstr(err, "image input is not supported"),
                      "image token: rc %d, '%s'", rc, err);
            free(lg);
            llm_model_free(m);
        }
    }
    for (int a = 0; a < 6; a++)
        remove(src[a]);
    remove(dst);
    snprintf(dst, sizeof dst, "%s/copy.gguf", dir);
    remove(dst);
    rmdir(dir);
    return test_summary();
}
