/* test_llm_gpu_emu.c — everything of the GPU offload above the kernels, on the CPU: the
 * backend (llm/gpu/gpu_backend.c: the upload of every tensor, the KV cache ring, the layer
 * sequence, the output) driven through the real llm_model_offload and forward.c's hand-over,
 * with the device table replaced by a host emulation (tests/support/gpu_emu.c: the kernels'
 * contracts computed with the SO8T_HD headers the CUDA kernels include).
 *
 * 1. Tiny models (every architecture and variant in F32 and Q4_K, gemma3 — sliding window,
 *    ring of 20 slots — in all 15 types): a 20-token prompt (two batches) and 24 greedy steps
 *    (to position 43: the ring wraps) on the CPU in exact numerics, then teacher-forced with every layer "on the device" and with one:
 *    the same argmax at every step and max |Δlogit| <= 1e-5 · max |logit|. The emulation
 *    computes what the CPU's exact path computes except the product's summation order (32
 *    lanes and a butterfly: <= 1.3e-8 of Σ|wx| per dot, test_llm_gpu_math), so 1e-5 leaves a
 *    factor ~100 for the growth through the layers; measured values are printed.
 * 2. Companion: a device table whose product drops the bias must fail that comparison on the
 *    model with every optional bias (the comparison sees a missing piece of the sequence).
 * 3. Offload control against a device of a given free memory: -1 takes as many layers as
 *    fit and says so; a positive num_gpu that does not fit is LLM_ERR_NOMEM naming the MiB
 *    needed and free and the num_gpu that fits; an allocation that fails mid-upload names
 *    the tensor, releases every byte and leaves the model on the CPU, still running.
 * 4. The default model, when present (18 layers, sliding window 512 with a global layer every
 *    6th, 262 144-token output): a 20-token prompt (two batches) and 8 greedy steps, every
 *    layer and one layer emulated against the CPU's exact path, same tolerance. */
#include "llm/gpu/gpu_int.h"
#include "tests/support/gpu_emu.h"
#include "tests/support/testmodel.h"
#include "tests/support/logits.h"
#include "tests/test.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TOL 1e-5
#define N_PROMPT 20
#define N_STEPS 24

static char err[1024];
static char g_dir[] = "/tmp/so8t_gpu_emu_XXXXXX";

/* prompt, then N_STEPS - 1 tokens (own argmax, or teacher's); logits N_STEPS × V */
static int run(llm_model *m, const int *teacher, int *toks, float *lg, int V)
{
    int prompt[N_PROMPT];
    for (int i = 0; i < N_PROMPT; i++)
        prompt[i] = i == 0 ? 2 : 5 + (i * 37) % 320;
    if (llm_model_eval(m, prompt, N_PROMPT, 0, lg, err, sizeof err) != LLM_OK)
        return -1;
    toks[0] = llm_ref_argmax(lg, V);
    for (int s = 1; s < N_STEPS; s++) {
        const int in = teacher ? teacher[s - 1] : toks[s - 1];
        if (llm_model_eval(m, &in, 1, N_PROMPT + s - 1, lg + (size_t)s * V, err, sizeof err) != LLM_OK)
            return -1;
        toks[s] = llm_ref_argmax(lg + (size_t)s * V, V);
    }
    return 0;
}

static llm_model *load(const char *path, int num_gpu)
{
    llm_model *m = NULL;
    if (llm_model_load(path, 64, &m, err, sizeof err) != LLM_OK)
        return NULL;
    llm_model_set_numerics(m, LLM_NUMERICS_EXACT);
    if (llm_model_offload(m, num_gpu, 0, err, sizeof err) != LLM_OK) {
        llm_model_free(m);
        return NULL;
    }
    return m;
}

/* max |Δ| / max |ref| over the steps; *bad: argmax differences */
static double compare(const float *r, const float *g, const int *tr, const int *tg, int V, int *bad)
{
    double md = 0, mr = 0;
    *bad = 0;
    for (int s = 0; s < N_STEPS; s++) {
        *bad += tr[s] != tg[s];
        for (int i = 0; i < V; i++) {
            md = fmax(md, fabs((double)g[(size_t)s * V + i] - r[(size_t)s * V + i]));
            mr = fmax(mr, fabs((double)r[(size_t)s * V + i]));
        }
    }
    return md / mr;
}

/* CPU vs every layer (-1) and one layer (1); returns the worst relative difference */
static double check_model(const char *arch, int type, double *worst_one)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s_%s.gguf", g_dir, arch, llm_type_name(type));
    if (llm_test_model_write(path, arch, type, 9000u + (unsigned)type, err, sizeof err)) {
        CHECK_MSG(0, "%s: %s", path, err);
        return INFINITY;
    }
    llm_model *cpu = load(path, 0);
    CHECK_MSG(cpu != NULL, "%s: %s", path, err);
    if (!cpu)
        return INFINITY;
    const int V = llm_model_n_vocab(cpu);
    float *lr = malloc((size_t)N_STEPS * V * sizeof(float)), *lg = malloc((size_t)N_STEPS * V * sizeof(float));
    int tr[N_STEPS], tg[N_STEPS];
    double worst = INFINITY;
    if (lr && lg && run(cpu, NULL, tr, lr, V) == 0) {
        worst = 0;
        for (int k = 0; k < 2; k++) {
            const int ng = k ? 1 : -1;
            llm_model *m = load(path, ng);
            llm_gpu_status st;
            llm_model_gpu_status(m, &st);
            CHECK_MSG(m && st.gpu_layers == (ng < 0 ? st.n_layer : 1) && st.output_on_gpu == (ng < 0) &&
                          st.device_bytes > 0 && !strcmp(st.device_name, "host emulation"),
                      "%s num_gpu %d: %d layers, output %d (%s)", path, ng, st.gpu_layers, st.output_on_gpu, err);
            int bad = N_STEPS;
            double w = INFINITY;
            if (m && run(m, tr, tg, lg, V) == 0)
                w = compare(lr, lg, tr, tg, V, &bad);
            CHECK_MSG(bad == 0 && w <= TOL, "%s num_gpu %d: %d argmax differences, max |dlogit|/max|logit| %.2e", path,
                      ng, bad, w);
            if (k)
                *worst_one = fmax(*worst_one, w);
            else
                worst = fmax(worst, w);
            llm_model_free(m);
        }
    }
    CHECK_MSG(gpu_emu_bytes_held() == 0, "%s: %llu device bytes still held after llm_model_free", path,
              (unsigned long long)gpu_emu_bytes_held());
    llm_model_free(cpu);
    free(lr);
    free(lg);
    unlink(path);
    return worst;
}

static void test_models(void)
{
    static const char *archs[] = {"gemma3", "llama", "qwen2", "qwen2vl", "qwen3", "phi3",
                                  "llama-bias", "qwen2-fused", "qwen2vl-sec4"};
    static const int all[] = {LLM_TYPE_F32,  LLM_TYPE_F16,  LLM_TYPE_BF16, LLM_TYPE_Q8_0,  LLM_TYPE_Q4_0,
                              LLM_TYPE_Q4_1, LLM_TYPE_Q5_0, LLM_TYPE_Q5_1, LLM_TYPE_Q2_K,  LLM_TYPE_Q3_K,
                              LLM_TYPE_Q4_K, LLM_TYPE_Q5_K, LLM_TYPE_Q6_K, LLM_TYPE_IQ4_NL, LLM_TYPE_IQ4_XS};
    double worst = 0, worst_one = 0;
    int cases = 0;
    for (size_t a = 0; a < sizeof archs / sizeof archs[0]; a++)
        for (size_t t = 0; t < sizeof all / sizeof all[0]; t++) {
            const int type = all[t];
            if (a > 0 && !(type == LLM_TYPE_F32 || type == LLM_TYPE_Q4_K))
                continue;
            worst = fmax(worst, check_model(archs[a], type, &worst_one));
            cases++;
        }
    printf("emulated device: %d models, max |dlogit|/max|logit| every layer %.2e, one layer %.2e (tolerance %.0e)\n",
           cases, worst, worst_one, TOL);
}

/* the emulation with a product that forgets its bias */
static llm_gpu_ops g_nobias;
static int matmul_nobias(const gpu_mat *W, const float *X, float *Y, int nb, const float *bias, int il,
                         const char *name, char *e, size_t el)
{
    (void)bias;
    return gpu_emu_ops.matmul(W, X, Y, nb, NULL, il, name, e, el);
}

static void test_companion(void)
{
    g_nobias = gpu_emu_ops;
    g_nobias.matmul = matmul_nobias;
    llm_gpu_set_ops(&g_nobias);
    char path[512];
    snprintf(path, sizeof path, "%s/bias.gguf", g_dir);
    CHECK(llm_test_model_write(path, "llama-bias", LLM_TYPE_F32, 77, err, sizeof err) == 0);
    llm_model *cpu = load(path, 0), *m = load(path, -1);
    CHECK(cpu && m);
    if (cpu && m) {
        const int V = llm_model_n_vocab(cpu);
        float *lr = malloc((size_t)N_STEPS * V * sizeof(float)), *lg = malloc((size_t)N_STEPS * V * sizeof(float));
        int tr[N_STEPS], tg[N_STEPS], bad;
        CHECK(lr && lg && run(cpu, NULL, tr, lr, V) == 0 && run(m, tr, tg, lg, V) == 0);
        const double w = lr && lg ? compare(lr, lg, tr, tg, V, &bad) : 0;
        CHECK_MSG(w > TOL, "companion: the product without its bias gives %.2e, inside the tolerance", w);
        free(lr);
        free(lg);
    }
    llm_model_free(cpu);
    llm_model_free(m);
    unlink(path);
    llm_gpu_set_ops(&gpu_emu_ops);
}

static void test_offload_control(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s/g.gguf", g_dir);
    CHECK(llm_test_model_write(path, "gemma3", LLM_TYPE_Q8_0, 5, err, sizeof err) == 0);
    llm_model *m = NULL;
    CHECK(llm_model_load(path, 64, &m, err, sizeof err) == LLM_OK);
    if (!m)
        return;
    /* a device with room for the 256 MiB reserve, what one layer took (work buffers + layer
     * 0) and the estimates of layers 1 and 2: some but not all of the 6 layers fit */
    llm_gpu_status st;
    CHECK(llm_model_offload(m, 1, 0, err, sizeof err) == LLM_OK);
    llm_model_gpu_status(m, &st);
    uint64_t need3 = ((uint64_t)256 << 20) + st.device_bytes;
    for (int il = 1; il < 3; il++)
        need3 += llm_gpu_layer_bytes(m, il);
    gpu_emu_set_free(need3 + 1024);
    CHECK(llm_model_offload(m, -1, 0, err, sizeof err) == LLM_OK);
    llm_model_gpu_status(m, &st);
    CHECK_MSG(st.gpu_layers >= 1 && st.gpu_layers < st.n_layer && !st.output_on_gpu && strstr(st.note, "fit"),
              "num_gpu -1 on a small device: %d of %d layers, note '%s'", st.gpu_layers, st.n_layer, st.note);
    const int fit = st.gpu_layers;
    float lg[512];
    const int tok = 2;
    CHECK(llm_model_n_vocab(m) <= 512 && llm_model_eval(m, &tok, 1, 0, lg, err, sizeof err) == LLM_OK);
    /* a positive num_gpu that does not fit */
    int rc = llm_model_offload(m, st.n_layer, 0, err, sizeof err);
    char want[64];
    snprintf(want, sizeof want, "num_gpu %d fits", fit);
    CHECK_MSG(rc == LLM_ERR_NOMEM && strstr(err, "MiB") && strstr(err, want), "rc %d: %s", rc, err);
    llm_model_gpu_status(m, &st);
    CHECK(st.gpu_layers == 0 && gpu_emu_bytes_held() == 0);
    /* an allocation failing mid-upload: named, everything released, the CPU still runs */
    gpu_emu_set_free((uint64_t)8 << 30);
    gpu_emu_fail_alloc_at(30);
    rc = llm_model_offload(m, -1, 0, err, sizeof err);
    CHECK_MSG(rc == LLM_ERR_NOMEM && strstr(err, "cudaMalloc (layer ") && strstr(err, "MiB"), "rc %d: %s", rc, err);
    llm_model_gpu_status(m, &st);
    CHECK(st.gpu_layers == 0 && gpu_emu_bytes_held() == 0);
    CHECK(llm_model_eval(m, &tok, 1, 0, lg, err, sizeof err) == LLM_OK);
    gpu_emu_fail_alloc_at(-1);
    /* num_gpu 0 releases */
    CHECK(llm_model_offload(m, -1, 0, err, sizeof err) == LLM_OK && gpu_emu_bytes_held() > 0);
    CHECK(llm_model_offload(m, 0, 0, err, sizeof err) == LLM_OK && gpu_emu_bytes_held() == 0);
    llm_model_free(m);
    unlink(path);
}

static void test_default_model(void)
{
    const char *path = "models/gemma-3-270m-q4_k_m.gguf";
    if (access(path, R_OK) != 0) {
        printf("SKIP: default model %s not found\n", path);
        return;
    }
    enum { STEPS = 8 };
    /* more than LLM_BATCH tokens: the hand-over runs several batches */
    const char *text = "Explain what a GPU is in one sentence. A graphics processing unit is a circuit "
                       "that renders images by running thousands of small arithmetic units side by "
                       "side; the same parallel hardware now trains and runs neural networks, "
                       "simulates physics and estimates volumes of high-dimensional bodies by Monte "
                       "Carlo sampling, because each sample is independent of every other one.";
    const int ngs[3] = {0, -1, 1};
    int ref[STEPS], got[STEPS], toks[256], np = 0;
    float *lr = NULL, *lg = NULL;
    double worst = 0;
    for (int k = 0; k < 3; k++) {
        llm_model *m = NULL;
        if (llm_model_load(path, 128, &m, err, sizeof err) != LLM_OK) {
            CHECK_MSG(0, "%s: %s", path, err);
            break;
        }
        llm_model_set_numerics(m, LLM_NUMERICS_EXACT);
        CHECK(llm_model_offload(m, ngs[k], 0, err, sizeof err) == LLM_OK);
        const int V = llm_model_n_vocab(m);
        if (!lr) {
            np = llm_tokenize(m, text, -1, 0, toks, 256);
            lr = malloc((size_t)STEPS * V * sizeof(float));
            lg = malloc((size_t)STEPS * V * sizeof(float));
        }
        CHECK(np > LLM_BATCH && lr && lg);
        float *l = k ? lg : lr;
        int *out = k ? got : ref, ok = lr && lg && np > 0 && llm_model_eval(m, toks, np, 0, l, err, sizeof err) == 0;
        for (int s = 0; ok && s < STEPS; s++) {
            out[s] = llm_ref_argmax(l + (size_t)s * V, V);
            if (s + 1 < STEPS)
                ok = llm_model_eval(m, &ref[s], 1, np + s, l + (size_t)(s + 1) * V, err, sizeof err) == 0;
        }
        CHECK_MSG(ok, "default model num_gpu %d: %s", ngs[k], err);
        if (k && ok) {
            double md = 0, mx = 0;
            for (size_t i = 0; i < (size_t)STEPS * V; i++) {
                md = fmax(md, fabs((double)lg[i] - lr[i]));
                mx = fmax(mx, fabs((double)lr[i]));
            }
            worst = fmax(worst, md / mx);
            CHECK_MSG(!memcmp(got, ref, sizeof ref) && md / mx <= TOL,
                      "default model num_gpu %d: tokens %s, max |dlogit|/max|logit| %.2e", ngs[k],
                      memcmp(got, ref, sizeof ref) ? "differ" : "equal", md / mx);
        }
        llm_model_free(m);
    }
    printf("default model, emulated device: %d-token prompt + %d steps, max |dlogit|/max|logit| %.2e\n", np, STEPS,
           worst);
    free(lr);
    free(lg);
}

int main(void)
{
    if (!mkdtemp(g_dir)) {
        perror("mkdtemp");
        return 1;
    }
    llm_gpu_set_ops(&gpu_emu_ops);
    test_models();
    test_companion();
    test_offload_control();
    test_default_model();
    llm_gpu_set_ops(NULL);
    rmdir(g_dir);
    return test_summary();
}
