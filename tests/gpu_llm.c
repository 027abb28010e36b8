/* gpu_llm.c — the runner's CUDA layers against its CPU path (make gpu-check; without a
 * device: "SKIP: no CUDA device" and exit 0).
 *
 * 1. Tiny random models of every architecture × every tensor type (tests/support/testmodel.c,
 *    as test_llm_arch.c makes them; variants in F32 and Q8_0): a 20-token prompt (two
 *    batches: 16 + 4) and 40 greedy steps on the CPU (num_gpu 0), then the same tokens
 *    teacher-forced with every layer and the output on the GPU (num_gpu -1) and with one
 *    layer on the GPU (num_gpu 1, the rest and the output on the CPU). gemma3's sliding
 *    window (4) makes its ring (20 slots) wrap at position 20. At every step:
 *      - the GPU's argmax equals the CPU's token, unless the CPU's own top-2 margin there is
 *        below the tolerance (a near-tie: printed, not failed);
 *      - max |Δlogit| <= LOGIT_TOL × max |CPU logit|.
 *    Tolerance: both sides run the exact numerics (LLM_NUMERICS_EXACT: f32 products of the
 *    dequantized weights, f32 KV cache, libm activations) and dequantize with the same
 *    SO8T_HD code (llm/quant/dequant_hd.h), so every type has the same weights on both
 *    sides and one bound serves all types. What differs is the summation order (the GPU sums
 *    a dot by 32 lanes and a butterfly, the CPU serially; the RMSNorm / softmax sums in
 *    double in a tree) and the device libm (expf, tanhf, pow, cos, sin: within 2 ulp of the
 *    host's). Each is a relative ~1e-7 on one operation (tests/test_llm_gpu_math.c measures
 *    the product: <= 1.3e-8 of Σ|wx|); the exact CPU path is within 7e-7 of a float64
 *    forward on these models (test_llm_arch.c). 1e-4 leaves a factor > 100 for the growth
 *    through 2-6 layers while a wrong position, cache slot or missing bias gives >= 1e-2
 *    (the companion check below requires a shifted position to fail it).
 * 2. The default model (models/gemma-3-270m-q4_k_m.gguf, or $SO8T_GPU_MODEL; SKIP when
 *    absent): 4 prompts, 32 greedy steps, tokens equal to the CPU's exact path with every
 *    layer on the GPU and with one layer (same tolerance, same near-tie rule). The CPU's
 *    default numerics (llama.cpp's order, 8-bit activations, f16 KV cache) are another
 *    computation: its tokens are printed next to the GPU's, not required to agree.
 * Also: offload status (gpu_layers, output_on_gpu, device bytes) and num_gpu 0 releasing. */
#include "llm/llm.h"
#include "tests/support/testmodel.h"
#include "tests/support/logits.h"
#include "tests/test.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LOGIT_TOL 1e-4
#define N_PROMPT 20
#define N_STEPS 40
#define MAX_STEPS 64

static char err[1024];

static const char *k_archs[] = {"gemma3", "llama", "qwen2", "qwen2vl", "qwen3", "phi3",
                                "llama-bias", "qwen2-fused", "qwen2vl-sec4"};
static const int k_types[] = {LLM_TYPE_F32,  LLM_TYPE_F16,  LLM_TYPE_BF16, LLM_TYPE_Q8_0,
                              LLM_TYPE_Q4_0, LLM_TYPE_Q4_1, LLM_TYPE_Q5_0, LLM_TYPE_Q5_1,
                              LLM_TYPE_Q2_K, LLM_TYPE_Q3_K, LLM_TYPE_Q4_K, LLM_TYPE_Q5_K,
                              LLM_TYPE_Q6_K, LLM_TYPE_IQ4_NL, LLM_TYPE_IQ4_XS};

/* top-1 minus top-2 */
static float margin(const float *l, int n)
{
    float a = -INFINITY, b = -INFINITY;
    for (int i = 0; i < n; i++) {
        if (l[i] > a) {
            b = a;
            a = l[i];
        } else if (l[i] > b) {
            b = l[i];
        }
    }
    return a - b;
}

/* Prompt (from position pos0), then steps - 1 single tokens: the model's own argmax, or
 * teacher[s - 1] when given. toks[s] = argmax of step s; logits: steps × V. */
static int run(llm_model *m, const int *prompt, int np, int pos0, int steps, const int *teacher, int *toks,
               float *logits, int V)
{
    if (llm_model_eval(m, prompt, np, pos0, logits, err, sizeof err) != LLM_OK)
        return -1;
    toks[0] = llm_ref_argmax(logits, V);
    for (int s = 1; s < steps; s++) {
        const int in = teacher ? teacher[s - 1] : toks[s - 1];
        float *l = logits + (size_t)s * V;
        if (llm_model_eval(m, &in, 1, pos0 + np + s - 1, l, err, sizeof err) != LLM_OK)
            return -1;
        toks[s] = llm_ref_argmax(l, V);
    }
    return 0;
}

/* mismatching argmaxes (near-ties excluded, counted in *ties) and max |Δ| / max |ref| */
static double compare(const float *ref, const float *got, const int *ref_toks, const int *got_toks, int steps,
                      int V, int *bad, int *ties)
{
    double worst = 0;
    *bad = *ties = 0;
    for (int s = 0; s < steps; s++) {
        const float *r = ref + (size_t)s * V, *g = got + (size_t)s * V;
        double md = 0, mr = 0;
        for (int i = 0; i < V; i++) {
            md = fmax(md, fabs((double)g[i] - r[i]));
            mr = fmax(mr, fabs((double)r[i]));
        }
        worst = fmax(worst, md / mr);
        if (got_toks[s] != ref_toks[s]) {
            if (margin(r, V) < LOGIT_TOL * mr)
                (*ties)++;
            else
                (*bad)++;
        }
    }
    return worst;
}

/* loads path, exact numerics, num_gpu layers; checks the status */
static llm_model *open_model(const char *path, int n_ctx, int num_gpu)
{
    llm_model *m = NULL;
    if (llm_model_load(path, n_ctx, &m, err, sizeof err) != LLM_OK) {
        fprintf(stderr, "%s: %s\n", path, err);
        return NULL;
    }
    llm_model_set_numerics(m, LLM_NUMERICS_EXACT);
    if (llm_model_offload(m, num_gpu, 0, err, sizeof err) != LLM_OK) {
        fprintf(stderr, "%s: offload %d: %s\n", path, num_gpu, err);
        llm_model_free(m);
        return NULL;
    }
    llm_gpu_status st;
    llm_model_gpu_status(m, &st);
    const int want = num_gpu < 0 ? st.n_layer : num_gpu;
    CHECK_MSG(st.gpu_layers == want && st.output_on_gpu == (want == st.n_layer) && (want == 0 || st.device_bytes > 0),
              "%s num_gpu %d: %d of %d layers on the GPU, output %d, %llu bytes (%s)", path, num_gpu, st.gpu_layers,
              st.n_layer, st.output_on_gpu, (unsigned long long)st.device_bytes, st.note);
    return m;
}

static void test_tiny(const char *dir)
{
    static int prompt[N_PROMPT];
    for (int i = 0; i < N_PROMPT; i++)
        prompt[i] = i == 0 ? 2 : 5 + (i * 37) % 320;
    const size_t n_arch = sizeof k_archs / sizeof k_archs[0], n_type = sizeof k_types / sizeof k_types[0];
    double worst_all = 0, worst_part = 0;
    int cases = 0, ties = 0;
    for (size_t a = 0; a < n_arch; a++)
        for (size_t t = 0; t < n_type; t++) {
            const int type = k_types[t];
            if (strchr(k_archs[a], '-') && type != LLM_TYPE_F32 && type != LLM_TYPE_Q8_0)
                continue;
            char path[512];
            snprintf(path, sizeof path, "%s/%s_%s.gguf", dir, k_archs[a], llm_type_name(type));
            if (llm_test_model_write(path, k_archs[a], type, 7000u + 100u * a + (unsigned)type, err, sizeof err)) {
                CHECK_MSG(0, "%s: %s", path, err);
                continue;
            }
            llm_model *cpu = open_model(path, 64, 0);
            if (!cpu) {
                CHECK(0);
                unlink(path);
                continue;
            }
            const int V = llm_model_n_vocab(cpu);
            float *lr = malloc((size_t)N_STEPS * V * sizeof(float)), *lg = malloc((size_t)N_STEPS * V * sizeof(float));
            int tr[N_STEPS], tg[N_STEPS];
            CHECK(lr && lg && run(cpu, prompt, N_PROMPT, 0, N_STEPS, NULL, tr, lr, V) == 0);
            llm_model_free(cpu);
            const int offl[2] = {-1, 1};
            for (int k = 0; k < 2 && lr && lg; k++) {
                llm_model *gm = open_model(path, 64, offl[k]);
                if (!gm || run(gm, prompt, N_PROMPT, 0, N_STEPS, tr, tg, lg, V) != 0) {
                    CHECK_MSG(0, "%s num_gpu %d: %s", path, offl[k], err);
                    llm_model_free(gm);
                    continue;
                }
                int bad, nt;
                const double w = compare(lr, lg, tr, tg, N_STEPS, V, &bad, &nt);
                ties += nt;
                CHECK_MSG(bad == 0 && w <= LOGIT_TOL, "%s num_gpu %d: %d argmax differences, max |dlogit|/max|logit| %.2e",
                          path, offl[k], bad, w);
                if (k == 0)
                    worst_all = fmax(worst_all, w);
                else
                    worst_part = fmax(worst_part, w);
                /* companion (once): the prompt one position later must be caught */
                if (cases == 0 && k == 0) {
                    run(gm, prompt, N_PROMPT, 1, N_STEPS, tr, tg, lg, V);
                    const double ws = compare(lr, lg, tr, tg, N_STEPS, V, &bad, &nt);
                    CHECK_MSG(ws > LOGIT_TOL, "companion: shifted positions give %.2e, inside the tolerance", ws);
                }
                /* num_gpu 0 releases the device memory */
                llm_gpu_status st;
                CHECK(llm_model_offload(gm, 0, 0, err, sizeof err) == LLM_OK);
                llm_model_gpu_status(gm, &st);
                CHECK(st.gpu_layers == 0 && st.device_bytes == 0);
                llm_model_free(gm);
            }
            cases++;
            free(lr);
            free(lg);
            unlink(path);
        }
    printf("tiny models: %d cases, max |dlogit|/max|logit| all layers %.2e, 1 layer %.2e (tolerance %.0e); "
           "%d near-tie steps\n",
           cases, worst_all, worst_part, LOGIT_TOL, ties);
}

static void test_default_model(void)
{
    const char *path = getenv("SO8T_GPU_MODEL") ? getenv("SO8T_GPU_MODEL") : "models/gemma-3-270m-q4_k_m.gguf";
    if (access(path, R_OK) != 0) {
        printf("SKIP: default model %s not found (the tiny models ran)\n", path);
        return;
    }
    static const char *prompts[] = {"The capital of France is", "Write a short poem about the sea.", "1, 2, 3, 4,",
                                    "Explain what a GPU is in one sentence."};
    enum { STEPS = 32 };
    llm_model *cpu = open_model(path, 512, 0);
    if (!cpu) {
        CHECK(0);
        return;
    }
    const int V = llm_model_n_vocab(cpu);
    float *lr = malloc((size_t)STEPS * V * sizeof(float)), *lg = malloc((size_t)STEPS * V * sizeof(float));
    llm_model *gpu_all = open_model(path, 512, -1), *gpu_one = open_model(path, 512, 1);
    CHECK(lr && lg && gpu_all && gpu_one);
    for (size_t p = 0; p < sizeof prompts / sizeof prompts[0] && lr && lg && gpu_all && gpu_one; p++) {
        int toks[128], tr[STEPS], tg[STEPS], td[STEPS];
        const int np = llm_tokenize(cpu, prompts[p], -1, 0, toks, 128);
        CHECK(np > 0 && np <= 128);
        if (np <= 0 || np > 128)
            continue;
        llm_model_set_numerics(cpu, LLM_NUMERICS_EXACT);
        CHECK(run(cpu, toks, np, 0, STEPS, NULL, tr, lr, V) == 0);
        llm_model *g2[2] = {gpu_all, gpu_one};
        for (int k = 0; k < 2; k++) {
            int bad, nt;
            CHECK(run(g2[k], toks, np, 0, STEPS, NULL, tg, lg, V) == 0);
            const int same = !memcmp(tg, tr, sizeof tg);
            /* own greedy tokens equal; logits teacher-forced on the CPU's for the bound */
            CHECK(run(g2[k], toks, np, 0, STEPS, tr, tg, lg, V) == 0);
            const double w = compare(lr, lg, tr, tg, STEPS, V, &bad, &nt);
            CHECK_MSG((same || nt > 0) && bad == 0 && w <= LOGIT_TOL,
                      "default model, prompt %zu, %s: tokens %s the CPU's, %d argmax differences, %d near-ties, max "
                      "|dlogit|/max|logit| %.2e",
                      p, k ? "1 layer" : "all layers", same ? "equal to" : "differ from", bad, nt, w);
            printf("default model prompt %zu %s: %d greedy tokens %s, max |dlogit|/max|logit| %.2e\n", p,
                   k ? "1 layer on the GPU  " : "every layer on the GPU", STEPS, same ? "equal" : "DIFFER", w);
        }
        /* the CPU's default numerics: a different computation (reported only) */
        llm_model_set_numerics(cpu, LLM_NUMERICS_LLAMACPP);
        CHECK(run(cpu, toks, np, 0, STEPS, NULL, td, lr, V) == 0);
        int agree = 0;
        while (agree < STEPS && td[agree] == tr[agree])
            agree++;
        printf("  (CPU llama.cpp numerics agree with the exact path on the first %d of %d tokens)\n", agree, STEPS);
    }
    llm_model_free(gpu_all);
    llm_model_free(gpu_one);
    llm_model_free(cpu);
    free(lr);
    free(lg);
}

/* Without a device the offload must say so and leave a working CPU model, never fail. */
static void test_no_device(const char *note)
{
    CHECK(note[0] != 0);
    char dir[] = "/tmp/so8t_gpu_llm_XXXXXX", path[600];
    if (!mkdtemp(dir)) {
        CHECK(0);
        return;
    }
    snprintf(path, sizeof path, "%s/llama.gguf", dir);
    llm_model *m = NULL;
    CHECK(llm_test_model_write(path, "llama", LLM_TYPE_Q8_0, 1, err, sizeof err) == 0 &&
          llm_model_load(path, 64, &m, err, sizeof err) == LLM_OK);
    if (m) {
        llm_gpu_status st;
        CHECK(llm_model_offload(m, -1, 0, err, sizeof err) == LLM_OK);
        llm_model_gpu_status(m, &st);
        CHECK_MSG(st.gpu_layers == 0 && !st.output_on_gpu && st.device == -1 && st.note[0],
                  "no device: %d layers, device %d, note '%s'", st.gpu_layers, st.device, st.note);
        CHECK(llm_model_offload(m, 3, 0, err, sizeof err) == LLM_OK);
        CHECK(llm_model_offload(m, -2, 0, err, sizeof err) == LLM_ERR_INVAL);
        const int tok = 2;
        float lg[512];
        CHECK(llm_model_n_vocab(m) <= 512 && llm_model_eval(m, &tok, 1, 0, lg, err, sizeof err) == LLM_OK);
        llm_model_free(m);
    }
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    llm_gpu_status st;
    if (!llm_gpu_probe(0, &st)) {
        printf("SKIP: no CUDA device (%s)\n", st.note);
        test_no_device(st.note);
        return test_summary();
    }
    printf("GPU: %s, %.0f MiB free of %.0f MiB\n", st.device_name, (double)st.device_free / 1048576.0,
           (double)st.device_total / 1048576.0);
    char dir[] = "/tmp/so8t_gpu_llm_XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    const double t0 = omp_get_wtime();
    test_tiny(dir);
    printf("tiny models: %.1f s\n", omp_get_wtime() - t0);
    rmdir(dir);
    test_default_model();
    return test_summary();
}
