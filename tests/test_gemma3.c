/* test_gemma3.c — the gemma3 forward pass against a plain float64 reference written here,
 * on tiny random models (llm_test_model_write) of every supported tensor type, plus the
 * model-level load checks (notes/llm_reference.md §4.4 item 15).
 *
 * The reference reads the weights through the GGUF reader and llm_dequant_row (both tested
 * on their own: test_gguf.c, test_quant.c against gguf-py), then recomputes the whole
 * sequence in double precision without a KV cache: explicit causal + sliding-window mask,
 * NEOX RoPE with pow(), exact tanh GELU.
 *
 * Bounds (max |logit - ref| / max |ref| over positions):
 *  - EXACT numerics, every type: 1e-5. Both sides use the same dequantized weights, so only
 *    float32 rounding differs (~1e-7 per op, a few hundred ops deep).
 *  - LLAMACPP numerics (the default): F32/F16/BF16: 1e-3 (the f16 KV cache, f16 queries and
 *    f16 attention weights each round to 2^-11 relative); quantized types: 1e-2 (activations
 *    are also rounded to 8 bits per block: step amax/127, i.e. up to 0.4 % of the block
 *    maximum per element, several times per layer).
 *  A companion check breaks the model on purpose (no sliding window; wrong global RoPE base)
 *  and requires the reference comparison to fail.
 */
#include "llm/llm.h"
#include "llm/quant/quant.h"
#include "tests/support/llm_ref.h"
#include "tests/support/testmodel.h"
#include "tests/test.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char err[1024];

typedef struct {
    int E, H, HK, D, F, L, V, swa;
    double eps, base;
    const llm_gguf *g;
} ref_model;

static double *W(const ref_model *rm, const char *fmt, int il)
{
    char name[64];
    snprintf(name, sizeof name, fmt, il);
    int64_t a, b;
    return llm_ref_tensor(rm->g, name, &a, &b);
}

static void r_rope(double *v, int d, int pos, double base)
{
    for (int i = 0; i < d / 2; i++) {
        double th = pos * pow(base, -2.0 * i / d);
        double x0 = v[i], x1 = v[i + d / 2];
        v[i] = x0 * cos(th) - x1 * sin(th);
        v[i + d / 2] = x0 * sin(th) + x1 * cos(th);
    }
}

static double r_gelu(double x)
{
    return 0.5 * x * (1 + tanh(sqrt(2 / M_PI) * x * (1 + 0.044715 * x * x)));
}

/* Logits (n × V) for every position of toks. break_mode: 0 correct, 1 no sliding window,
 * 2 local RoPE base on the global layer too. */
static double *reference_logits(const ref_model *rm, const int *toks, int n, int break_mode)
{
    const int E = rm->E, H = rm->H, HK = rm->HK, D = rm->D, F = rm->F, V = rm->V;
    int64_t a, b;
    double *emb = llm_ref_tensor(rm->g, "token_embd.weight", &a, &b);
    double *onorm = llm_ref_tensor(rm->g, "output_norm.weight", &a, &b);
    double *x = malloc((size_t)n * E * sizeof(double));
    for (int t = 0; t < n; t++)
        for (int i = 0; i < E; i++)
            x[t * E + i] = emb[(size_t)toks[t] * E + i] * sqrt((double)E);
    double *h = malloc((size_t)E * sizeof(double)), *tmp = malloc((size_t)(E > F ? E : F) * 4 * sizeof(double));
    double *q = malloc((size_t)n * H * D * sizeof(double)), *k = malloc((size_t)n * HK * D * sizeof(double));
    double *v = malloc((size_t)n * HK * D * sizeof(double)), *att = malloc((size_t)n * sizeof(double));
    double *o = malloc((size_t)H * D * sizeof(double)), *g1 = malloc((size_t)F * sizeof(double)), *u1 = malloc((size_t)F * sizeof(double));
    for (int il = 0; il < rm->L; il++) {
        double *wq = W(rm, "blk.%d.attn_q.weight", il), *wk = W(rm, "blk.%d.attn_k.weight", il);
        double *wv = W(rm, "blk.%d.attn_v.weight", il), *wo = W(rm, "blk.%d.attn_output.weight", il);
        double *wg = W(rm, "blk.%d.ffn_gate.weight", il), *wu = W(rm, "blk.%d.ffn_up.weight", il);
        double *wd = W(rm, "blk.%d.ffn_down.weight", il);
        double *n_at = W(rm, "blk.%d.attn_norm.weight", il), *n_q = W(rm, "blk.%d.attn_q_norm.weight", il);
        double *n_k = W(rm, "blk.%d.attn_k_norm.weight", il), *n_pa = W(rm, "blk.%d.post_attention_norm.weight", il);
        double *n_f = W(rm, "blk.%d.ffn_norm.weight", il), *n_pf = W(rm, "blk.%d.post_ffw_norm.weight", il);
        int is_swa = rm->swa > 0 && il % 6 < 5;
        double base = (is_swa || break_mode == 2) ? 10000.0 : rm->base;
        for (int t = 0; t < n; t++) {
            llm_ref_rmsnorm(h, x + t * E, n_at, E, rm->eps);
            llm_ref_matvec(q + t * H * D, wq, NULL, h, H * D, E);
            llm_ref_matvec(k + t * HK * D, wk, NULL, h, HK * D, E);
            llm_ref_matvec(v + t * HK * D, wv, NULL, h, HK * D, E);
            for (int hh = 0; hh < H; hh++) {
                double *qh = q + t * H * D + hh * D;
                llm_ref_rmsnorm(qh, qh, n_q, D, rm->eps);
                r_rope(qh, D, t, base);
                for (int i = 0; i < D; i++)
                    qh[i] /= sqrt((double)D);
            }
            for (int hh = 0; hh < HK; hh++) {
                double *kh = k + t * HK * D + hh * D;
                llm_ref_rmsnorm(kh, kh, n_k, D, rm->eps);
                r_rope(kh, D, t, base);
            }
        }
        for (int t = 0; t < n; t++) {
            for (int hh = 0; hh < H; hh++) {
                int kh = hh / (H / HK);
                for (int s = 0; s <= t; s++) {
                    int masked = is_swa && break_mode != 1 && t - s >= rm->swa;
                    double d = 0;
                    for (int i = 0; i < D; i++)
                        d += q[t * H * D + hh * D + i] * k[s * HK * D + kh * D + i];
                    att[s] = masked ? -INFINITY : d;
                }
                llm_ref_attend(o + hh * D, att, t + 1, v + kh * D, (size_t)HK * D, D);
            }
            llm_ref_matvec(tmp, wo, NULL, o, E, H * D);
            llm_ref_rmsnorm(tmp, tmp, n_pa, E, rm->eps);
            for (int i = 0; i < E; i++)
                x[t * E + i] += tmp[i];
            llm_ref_rmsnorm(h, x + t * E, n_f, E, rm->eps);
            llm_ref_matvec(g1, wg, NULL, h, F, E);
            llm_ref_matvec(u1, wu, NULL, h, F, E);
            for (int i = 0; i < F; i++)
                g1[i] = r_gelu(g1[i]) * u1[i];
            llm_ref_matvec(tmp, wd, NULL, g1, E, F);
            llm_ref_rmsnorm(tmp, tmp, n_pf, E, rm->eps);
            for (int i = 0; i < E; i++)
                x[t * E + i] += tmp[i];
        }
        free(wq); free(wk); free(wv); free(wo); free(wg); free(wu); free(wd);
        free(n_at); free(n_q); free(n_k); free(n_pa); free(n_f); free(n_pf);
    }
    double *logits = malloc((size_t)n * V * sizeof(double));
    for (int t = 0; t < n; t++) {
        llm_ref_rmsnorm(h, x + t * E, onorm, E, rm->eps);
        llm_ref_matvec(logits + (size_t)t * V, emb, NULL, h, V, E);
    }
    free(emb); free(onorm); free(x); free(h); free(tmp); free(q); free(k); free(v); free(att);
    free(o); free(g1); free(u1);
    return logits;
}

static void ref_init(ref_model *rm, const llm_gguf *g)
{
    uint64_t u;
    double f;
    rm->g = g;
    llm_gguf_get_uint(g, "gemma3.embedding_length", &u, NULL, 0); rm->E = (int)u;
    llm_gguf_get_uint(g, "gemma3.attention.head_count", &u, NULL, 0); rm->H = (int)u;
    llm_gguf_get_uint(g, "gemma3.attention.head_count_kv", &u, NULL, 0); rm->HK = (int)u;
    llm_gguf_get_uint(g, "gemma3.attention.key_length", &u, NULL, 0); rm->D = (int)u;
    llm_gguf_get_uint(g, "gemma3.feed_forward_length", &u, NULL, 0); rm->F = (int)u;
    llm_gguf_get_uint(g, "gemma3.block_count", &u, NULL, 0); rm->L = (int)u;
    llm_gguf_get_uint(g, "gemma3.attention.sliding_window", &u, NULL, 0); rm->swa = (int)u;
    llm_gguf_get_float(g, "gemma3.attention.layer_norm_rms_epsilon", &f, NULL, 0); rm->eps = f;
    llm_gguf_get_float(g, "gemma3.rope.freq_base", &f, NULL, 0); rm->base = f;
    int64_t kt = llm_gguf_find_key(g, "tokenizer.ggml.tokens");
    llm_gguf_kv_info ki;
    llm_gguf_kv(g, kt, &ki);
    rm->V = (int)ki.arr_n;
}

static const char *tmp_path(const char *tag)
{
    static char p[256];
    snprintf(p, sizeof p, "/tmp/so8t_test_gemma3_%d_%s.gguf", (int)getpid(), tag);
    return p;
}

static void test_forward(int type, double compat_bound)
{
    const char *path = tmp_path(llm_type_name(type));
    int rc = llm_test_model_write(path, "gemma3", type, 1234 + (uint64_t)type, err, sizeof err);
    CHECK_MSG(rc == 0, "%s", err);
    llm_model *m = NULL;
    rc = llm_model_load(path, 64, &m, err, sizeof err);
    CHECK_MSG(rc == 0, "%s: %s", llm_type_name(type), err);
    if (rc) {
        remove(path);
        return;
    }
    ref_model rm;
    ref_init(&rm, llm_model_gguf(m));
    /* 12 tokens: longer than the window (4), so the local layers mask and the global one not */
    const int toks[12] = {2, 263, 266, 300, 264, 5, 120, 310, 290, 271, 281, 330};
    const int n = 12;
    double *ref = reference_logits(&rm, toks, n, 0);
    llm_model_set_numerics(m, LLM_NUMERICS_EXACT);
    double e_exact = llm_ref_compare(m, ref, toks, n, rm.V);
    CHECK_MSG(e_exact <= 1e-5, "%s exact: rel err %.3g > 1e-5", llm_type_name(type), e_exact);
    llm_model_set_numerics(m, LLM_NUMERICS_LLAMACPP);
    double e_compat = llm_ref_compare(m, ref, toks, n, rm.V);
    CHECK_MSG(e_compat <= compat_bound, "%s llama.cpp numerics: rel err %.3g > %.3g",
              llm_type_name(type), e_compat, compat_bound);
    printf("%-5s exact %.2e  llama.cpp-numerics %.2e (bound %.0e)\n", llm_type_name(type), e_exact,
           e_compat, compat_bound);
    if (type == LLM_TYPE_F32) {
        /* companions: a broken reference must be caught by the same comparison */
        for (int mode = 1; mode <= 2; mode++) {
            double *bad = reference_logits(&rm, toks, n, mode);
            llm_model_set_numerics(m, LLM_NUMERICS_EXACT);
            double e_bad = llm_ref_compare(m, bad, toks, n, rm.V);
            CHECK_MSG(e_bad > 1e-3, "broken reference (mode %d) not detected: %.3g", mode, e_bad);
            free(bad);
        }
        /* eval in one batch == token by token; cache reset at pos 0 */
        float *a = malloc((size_t)rm.V * sizeof(float)), *b = malloc((size_t)rm.V * sizeof(float));
        llm_model_eval(m, toks, n, 0, a, err, sizeof err);
        llm_model_eval(m, toks, 1, 0, b, err, sizeof err);
        for (int t = 1; t < n; t++)
            llm_model_eval(m, toks + t, 1, t, b, err, sizeof err);
        CHECK(memcmp(a, b, (size_t)rm.V * sizeof(float)) == 0);
        /* 40 tokens: several prompt batches (16) across the sliding window (4) */
        int longt[40];
        for (int t = 0; t < 40; t++)
            longt[t] = (t * 37 + 5) % rm.V;
        llm_model_eval(m, longt, 40, 0, a, err, sizeof err);
        llm_model_eval(m, longt, 1, 0, b, err, sizeof err);
        for (int t = 1; t < 40; t++)
            llm_model_eval(m, longt + t, 1, t, b, err, sizeof err);
        CHECK(memcmp(a, b, (size_t)rm.V * sizeof(float)) == 0);
        /* and both equal the float64 reference (exact mode) */
        double *ref40 = reference_logits(&rm, longt, 40, 0);
        double md = 0, mr = 0;
        for (int i = 0; i < rm.V; i++) {
            md = fmax(md, fabs(a[i] - ref40[(size_t)39 * rm.V + i]));
            mr = fmax(mr, fabs(ref40[(size_t)39 * rm.V + i]));
        }
        CHECK_MSG(md / mr <= 1e-5, "40-token batch: rel err %.3g", md / mr);
        free(ref40);
        /* llama.cpp mode: like llama.cpp itself, a 1-token evaluation sums attention in a
         * different order (ggml_vec_dot_f16) than a batch (tinyBLAS), so token-by-token is
         * only close to batched; two batches of 20 equal one of 40 bit for bit (each token
         * sees the same cache and the same kernels) */
        llm_model_set_numerics(m, LLM_NUMERICS_LLAMACPP);
        llm_model_eval(m, longt, 40, 0, a, err, sizeof err);
        llm_model_eval(m, longt, 20, 0, b, err, sizeof err);
        llm_model_eval(m, longt + 20, 20, 20, b, err, sizeof err);
        CHECK(memcmp(a, b, (size_t)rm.V * sizeof(float)) == 0);
        llm_model_eval(m, longt, 1, 0, b, err, sizeof err);
        for (int t = 1; t < 40; t++)
            llm_model_eval(m, longt + t, 1, t, b, err, sizeof err);
        double mdb = 0, mab = 0;
        for (int i = 0; i < rm.V; i++) {
            mdb = fmax(mdb, fabs((double)a[i] - b[i]));
            mab = fmax(mab, fabs((double)a[i]));
        }
        CHECK_MSG(mdb / mab <= 1e-4, "llama.cpp mode: batched vs token by token: rel %.3g", mdb / mab);
        /* context overflow and bad token ids are errors */
        CHECK(llm_model_eval(m, toks, 1, 64, a, err, sizeof err) == LLM_ERR_CTX);
        int badtok = rm.V;
        CHECK(llm_model_eval(m, &badtok, 1, 0, a, err, sizeof err) == LLM_ERR_INVAL && strstr(err, "out of range"));
        free(a);
        free(b);
    }
    free(ref);
    llm_model_free(m);
    remove(path);
}

/* ---- model-level checks: copy the tiny model with one change ---- */
static void e_blocks0(llm_gguf_writer *w) { llm_gguf_writer_add_u32(w, "gemma3.block_count", 0); }
static void e_blocks_huge(llm_gguf_writer *w) { llm_gguf_writer_add_u32(w, "gemma3.block_count", 100000); }
static void e_heads0(llm_gguf_writer *w) { llm_gguf_writer_add_u32(w, "gemma3.attention.head_count", 0); }
static void e_heads3(llm_gguf_writer *w) { llm_gguf_writer_add_u32(w, "gemma3.attention.head_count", 3); }
static void e_embd(llm_gguf_writer *w) { llm_gguf_writer_add_u32(w, "gemma3.embedding_length", 128); }
static void e_arch(llm_gguf_writer *w) { llm_gguf_writer_add_str(w, "general.architecture", "mamba"); }
static void e_bos(llm_gguf_writer *w) { llm_gguf_writer_add_u32(w, "tokenizer.ggml.bos_token_id", 99999); }
static void e_scores_u8(llm_gguf_writer *w)
{
    static uint8_t z[4096];
    llm_gguf_writer_add_arr(w, "tokenizer.ggml.scores", LLM_GGUF_UINT8, z, 335);
}
static void e_types_short(llm_gguf_writer *w)
{
    static int32_t z[10];
    llm_gguf_writer_add_arr(w, "tokenizer.ggml.token_type", LLM_GGUF_INT32, z, 10);
}
static void e_tok_model(llm_gguf_writer *w) { llm_gguf_writer_add_str(w, "tokenizer.ggml.model", "gpt9"); }
static void e_q_shape(llm_gguf_writer *w)
{
    static float z[256 * 200];
    int64_t ne[2] = {256, 200};
    llm_gguf_writer_add_tensor(w, "blk.0.attn_q.weight", LLM_TYPE_F32, 2, ne, z);
}
static void e_q_type(llm_gguf_writer *w)
{
    static uint8_t z[256 * 256];
    int64_t ne[2] = {256, 256};
    llm_gguf_writer_add_tensor(w, "blk.0.attn_q.weight", LLM_TYPE_IQ2_XXS, 2, ne, z);
}

static void test_model_checks(void)
{
    const char *src = tmp_path("src");
    char dst[300];
    snprintf(dst, sizeof dst, "%s.bad.gguf", src);
    CHECK(llm_test_model_write(src, "gemma3", LLM_TYPE_F32, 7, err, sizeof err) == 0);
    struct {
        const char *drop_key, *drop_tensor;
        llm_ref_edit_fn edit;
        const char *needle;
    } cases[] = {
        {"gemma3.block_count", NULL, e_blocks0, "block_count = 0"},
        {"gemma3.block_count", NULL, e_blocks_huge, "block_count = 100000"},
        {"gemma3.block_count", NULL, NULL, "missing required metadata key 'gemma3.block_count'"},
        {"gemma3.attention.head_count", NULL, e_heads0, "head_count = 0"},
        {"gemma3.attention.head_count", NULL, e_heads3, "multiple of head_count_kv"},
        {"gemma3.embedding_length", NULL, e_embd, "token_embd.weight' has shape"},
        {NULL, "blk.3.ffn_down.weight", NULL, "'blk.3.ffn_down.weight' is missing"},
        {NULL, "blk.0.attn_q.weight", e_q_shape, "'blk.0.attn_q.weight' has shape [256, 200"},
        {NULL, "blk.0.attn_q.weight", e_q_type, "unsupported quant type IQ2_XXS in tensor 'blk.0.attn_q.weight'"},
        {"general.architecture", NULL, e_arch, "unsupported architecture 'mamba' (supported: gemma3, llama, qwen2, qwen2vl (text), qwen3, phi3)"},
        {"tokenizer.ggml.bos_token_id", NULL, e_bos, "bos_token_id = 99999 is not below the vocabulary size"},
        {"tokenizer.ggml.scores", NULL, e_scores_u8, "'tokenizer.ggml.scores' must be an array of 335 float32"},
        {"tokenizer.ggml.token_type", NULL, e_types_short, "token_type' must be an array of 335 int32"},
        {"tokenizer.ggml.model", NULL, e_tok_model, "unsupported tokenizer.ggml.model 'gpt9'"},
        {"tokenizer.ggml.tokens", NULL, NULL, "tokenizer.ggml.tokens' is missing"},
        {"general.architecture", NULL, NULL, "missing metadata key 'general.architecture'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK(llm_ref_rewrite(src, dst, cases[i].drop_key, cases[i].drop_tensor, cases[i].edit, err,
                              sizeof err) == 0);
        llm_model *m = (llm_model *)0x1;
        err[0] = 0;
        int rc = llm_model_load(dst, 64, &m, err, sizeof err);
        CHECK_MSG(rc < 0 && m == NULL && strstr(err, cases[i].needle),
                  "case %zu: rc %d, message '%s', wanted '%s'", i, rc, err, cases[i].needle);
        if (rc == 0)
            llm_model_free(m);
    }
    /* an unchanged copy loads (so the cases above fail for the reason given) */
    CHECK(llm_ref_rewrite(src, dst, NULL, NULL, NULL, err, sizeof err) == 0);
    llm_model *m = NULL;
    CHECK_MSG(llm_model_load(dst, 64, &m, err, sizeof err) == 0, "%s", err);
    llm_model_free(m);
    remove(dst);
    remove(src);
}

int main(void)
{
    test_forward(LLM_TYPE_F32, 1e-3);
    test_forward(LLM_TYPE_F16, 1e-3);
    test_forward(LLM_TYPE_BF16, 1e-3);
    test_forward(LLM_TYPE_Q8_0, 1e-2);
    test_forward(LLM_TYPE_Q4_0, 1e-2);
    test_forward(LLM_TYPE_Q5_0, 1e-2);
    test_forward(LLM_TYPE_Q4_K, 1e-2);
    test_forward(LLM_TYPE_Q6_K, 1e-2);
    test_forward(LLM_TYPE_Q4_1, 1e-2);
    test_forward(LLM_TYPE_Q5_1, 1e-2);
    test_forward(LLM_TYPE_Q2_K, 1e-2);
    test_forward(LLM_TYPE_Q3_K, 1e-2);
    test_forward(LLM_TYPE_Q5_K, 1e-2);
    test_forward(LLM_TYPE_IQ4_NL, 1e-2);
    test_forward(LLM_TYPE_IQ4_XS, 1e-2);
    test_model_checks();
    return test_summary();
}
