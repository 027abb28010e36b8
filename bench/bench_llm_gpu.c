/* bench_llm_gpu.c — the runner on the GPU against its CPU path, one model (default
 * models/gemma-3-270m-q4_k_m.gguf): prompt and generation tokens/s with every layer on the
 * GPU (num_gpu -1) and on the CPU (num_gpu 0, default numerics, every core), medians over
 * --reps runs after one warm-up, greedy through the public llm_model_eval; and the decode
 * bound of the device's memory: a decode step reads every weight once (the offloaded
 * layers' matrices, norms and the output table) plus the KV cache so far, so
 * tokens/s <= bandwidth / bytes per token, with bandwidth = 2 × memory clock × bus width.
 *
 *   bench_llm_gpu [--model F] [--reps 5] [--prompt-tokens 128] [--gen 64]
 *
 * Output: one "key=value ..." line per path and a "bound ..." line. Without a CUDA device
 * or without the model: a SKIP line, exit 0 (so `make bench` passes on any machine). */
#include "llm/gpu/gpu.h"
#include "llm/internal.h"
#include "bench/bench_util.h"

#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *k_text =
    "The history of computing is a story of machines that learned to count faster, remember "
    "more and speak to each other. Early mechanical calculators added and multiplied with gears; "
    "vacuum tubes replaced the gears, transistors replaced the tubes, and integrated circuits put "
    "millions of transistors on a chip the size of a fingernail. Graphics processors began as "
    "fixed pipelines for drawing triangles and became general parallel machines that run the "
    "matrix products of neural networks. ";

static uint64_t mat_bytes(const llm_mat *w) { return w->data ? (uint64_t)w->row_bytes * (uint64_t)w->ne1 : 0; }

/* weights a decode step reads: every layer's matrices and vectors, the output norm and table */
static uint64_t weight_bytes(const llm_model *m)
{
    uint64_t b = mat_bytes(&m->output) + (uint64_t)m->n_embd * 4;
    for (int il = 0; il < m->n_layer; il++) {
        const llm_layer *L = &m->layers[il];
        b += mat_bytes(&L->wq) + mat_bytes(&L->wk) + mat_bytes(&L->wv) + mat_bytes(&L->wo) + mat_bytes(&L->gate) +
             mat_bytes(&L->up) + mat_bytes(&L->down) + 4 * (uint64_t)m->n_embd * (L->post_ffw_norm ? 4 : 2);
    }
    return b;
}

/* KV bytes a decode step at position pos reads (K and V of every position in each layer's window) */
static uint64_t kv_bytes(const llm_model *m, int pos)
{
    uint64_t b = 0;
    for (int il = 0; il < m->n_layer; il++) {
        const llm_layer *L = &m->layers[il];
        int nt = pos + 1 < L->kv_cap ? pos + 1 : L->kv_cap;
        if (L->swa && nt > m->n_swa)
            nt = m->n_swa;
        b += 2ull * (uint64_t)nt * (uint64_t)m->head_dim * (uint64_t)m->n_head_kv * 4;
    }
    return b;
}

/* prompt of np tokens, then gen greedy steps: seconds of each phase */
static int run_once(llm_model *m, const int *toks, int np, int gen, float *logits, double *tp, double *tg)
{
    char err[512];
    double t0 = omp_get_wtime();
    if (llm_model_eval(m, toks, np, 0, logits, err, sizeof err) != LLM_OK) {
        fprintf(stderr, "bench_llm_gpu: %s\n", err);
        return -1;
    }
    double t1 = omp_get_wtime();
    for (int s = 0; s < gen; s++) {
        int best = 0;
        for (int i = 1; i < llm_model_n_vocab(m); i++)
            if (logits[i] > logits[best])
                best = i;
        if (llm_model_eval(m, &best, 1, np + s, logits, err, sizeof err) != LLM_OK) {
            fprintf(stderr, "bench_llm_gpu: %s\n", err);
            return -1;
        }
    }
    *tp = t1 - t0;
    *tg = omp_get_wtime() - t1;
    return 0;
}

int main(int argc, char **argv)
{
    const char *model = "models/gemma-3-270m-q4_k_m.gguf";
    int reps = 5, np = 128, gen = 64;
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(argv[i], "--model") && v)
            model = v;
        else if (!strcmp(argv[i], "--reps") && v)
            reps = atoi(v);
        else if (!strcmp(argv[i], "--prompt-tokens") && v)
            np = atoi(v);
        else if (!strcmp(argv[i], "--gen") && v)
            gen = atoi(v);
        else {
            fprintf(stderr, "usage: bench_llm_gpu [--model F] [--reps 5] [--prompt-tokens 128] [--gen 64]\n");
            return 2;
        }
        i++;
    }
    if (reps < 1 || reps > 100 || np < 1 || np > 1024 || gen < 1 || gen > 1024) {
        fprintf(stderr, "bench_llm_gpu: --reps 1..100, --prompt-tokens 1..1024, --gen 1..1024\n");
        return 2;
    }
    llm_gpu_status st;
    if (!llm_gpu_probe(0, &st)) {
        printf("SKIP: no CUDA device (%s)\n", st.note);
        return 0;
    }
    if (access(model, R_OK) != 0) {
        printf("SKIP: model %s not found\n", model);
        return 0;
    }
    char err[512];
    llm_model *m = NULL;
    if (llm_model_load(model, np + gen + 8, &m, err, sizeof err) != LLM_OK) {
        fprintf(stderr, "bench_llm_gpu: %s\n", err);
        return 1;
    }
    /* the prompt: the text repeated up to np tokens */
    size_t tl = strlen(k_text);
    char *text = malloc(tl * 64 + 1);
    int *toks = malloc(4096 * sizeof(int));
    float *logits = malloc((size_t)llm_model_n_vocab(m) * sizeof(float));
    double *sp = malloc((size_t)reps * sizeof(double)), *sg = malloc((size_t)reps * sizeof(double));
    if (!text || !toks || !logits || !sp || !sg) {
        fprintf(stderr, "bench_llm_gpu: out of memory\n");
        return 1;
    }
    for (int k = 0; k < 64; k++)
        memcpy(text + tl * k, k_text, tl + 1);
    int n = llm_tokenize(m, text, 1, 0, toks, 4096);
    if (n < np) {
        fprintf(stderr, "bench_llm_gpu: the prompt text has only %d tokens\n", n);
        return 1;
    }
    int rc = 0;
    const int paths[2] = {-1, 0};
    for (int k = 0; k < 2 && rc == 0; k++) {
        if (llm_model_offload(m, paths[k], 0, err, sizeof err) != LLM_OK) {
            fprintf(stderr, "bench_llm_gpu: num_gpu %d: %s\n", paths[k], err);
            rc = 1;
            break;
        }
        llm_model_gpu_status(m, &st);
        double tp, tg;
        if (run_once(m, toks, np, gen, logits, &tp, &tg)) { /* warm-up */
            rc = 1;
            break;
        }
        for (int r = 0; r < reps && rc == 0; r++) {
            rc = run_once(m, toks, np, gen, logits, &tp, &tg) ? 1 : 0;
            sp[r] = np / tp;
            sg[r] = gen / tg;
        }
        if (rc)
            break;
        const double gtps = bench_median(sg, reps);
        printf("engine=so8t path=%s num_gpu=%d gpu_layers=%d device_mib=%.1f threads=%d prompt_tokens=%d "
               "prompt_tps=%.1f gen_tokens=%d gen_tps=%.1f ms_per_token=%.3f\n",
               k == 0 ? "gpu" : "cpu", paths[k], st.gpu_layers, (double)st.device_bytes / 1048576.0,
               omp_get_max_threads(), np, bench_median(sp, reps), gen, gtps, 1e3 / gtps);
        if (k == 0) {
            const double bw = llm_gpu_backend_bandwidth(0);
            const uint64_t wb = weight_bytes(m), kb = kv_bytes(m, np + gen / 2);
            printf("bound device=\"%s\" bandwidth_gbs=%.1f bytes_per_token=%.0f (weights %.0f, kv %.0f) "
                   "bound_tps=%.0f achieved=%.1f%%\n",
                   st.device_name, bw / 1e9, (double)(wb + kb), (double)wb, (double)kb,
                   bw > 0 ? bw / (double)(wb + kb) : 0.0, bw > 0 ? 100.0 * gtps * (double)(wb + kb) / bw : 0.0);
        }
    }
    llm_model_free(m);
    free(text);
    free(toks);
    free(logits);
    free(sp);
    free(sg);
    return rc;
}
