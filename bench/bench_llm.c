/* bench_llm.c — the so8t side of bench/llm_bench.sh: prompt and generation speed of the
 * runner on one model (greedy, through the public llm_model_eval API, as llama.cpp's side is
 * measured through its llama_decode), peak RSS, and the machine's memory bandwidth.
 *
 *   bench_llm [--model F] [--prompt-file F] [--threads 1,2] [--reps 5] [--gen 128]
 *   bench_llm --print-prompt            the default prompt (>= 128 tokens), for llama.cpp
 *   bench_llm --triad [--threads T]     STREAM-like bandwidth only (own process, so the
 *                                       arrays do not count in the model's peak RSS)
 *
 * Output: one "key=value ..." line per thread count (parsed by llm_bench.sh):
 *   engine=so8t threads=T prompt_tokens=N prompt_tps=.. gen_tps=.. ms_per_token=..
 *   peak_rss_mib=.. weight_bytes=.. isa=..
 * Medians over --reps repetitions after one warm-up. No model: a SKIP line, exit 0. */
#include "llm/llm.h"
#include "llm/quant/quant.h"
#include "bench/bench_util.h"
#include "tests/support/logits.h"

#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

/* STREAM triad a = b + s·c over 3 arrays of 64 MiB (far beyond the caches); bytes counted as
 * STREAM does (24 per element: two reads, one write). Best of 5, as STREAM reports. Also a
 * read-only sum (what decoding does): 8 bytes per element. */
static void triad(int threads)
{
    const size_t n = (size_t)8 << 20;
    double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b), *c = malloc(n * sizeof *c);
    if (!a || !b || !c) {
        fprintf(stderr, "bench_llm: out of memory for the triad\n");
        exit(1);
    }
    omp_set_num_threads(threads);
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) {
        a[i] = 0;
        b[i] = 1.0 + (double)(i % 7);
        c[i] = 2.0;
    }
    double best = 1e30, best_rd = 1e30, sink = 0;
    for (int r = 0; r < 6; r++) {
        double t0 = bench_now();
        #pragma omp parallel for schedule(static)
        for (size_t i = 0; i < n; i++)
            a[i] = b[i] + 3.0 * c[i];
        double t1 = bench_now();
        double s = 0;
        #pragma omp parallel reduction(+ : s)
        {
            /* 8 independent sums, so the loop is bound by memory and not by the add latency */
            double acc[8] = {0};
            #pragma omp for schedule(static)
            for (size_t i = 0; i < n; i += 8)
                for (int k = 0; k < 8; k++)
                    acc[k] += b[i + k];
            for (int k = 0; k < 8; k++)
                s += acc[k];
        }
        double t2 = bench_now();
        sink += s + a[r];
        if (r > 0) { /* the first pass faults the pages in */
            best = t1 - t0 < best ? t1 - t0 : best;
            best_rd = t2 - t1 < best_rd ? t2 - t1 : best_rd;
        }
    }
    printf("engine=triad threads=%d triad_gbs=%.2f read_gbs=%.2f check=%.0f\n", threads,
           24.0 * (double)n / best / 1e9, 8.0 * (double)n / best_rd / 1e9, sink > 0 ? 1.0 : 0.0);
    free(a);
    free(b);
    free(c);
}

static char *slurp_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(1 << 16);
    size_t n = buf ? fread(buf, 1, (1 << 16) - 1, f) : 0;
    fclose(f);
    if (buf)
        buf[n] = 0;
    return buf;
}

static const char *k_default_prompt =
    "The history of the measurement of volume begins with the ancient problem of finding the "
    "space inside a ball. Archimedes showed that a sphere takes up two thirds of the cylinder "
    "that encloses it, and he was so proud of the result that he asked for it to be carved on "
    "his tomb. Centuries later, mathematicians learned to compute the volume of a ball in any "
    "number of dimensions, and found the surprising fact that, as the dimension grows, almost "
    "all of the volume of a cube lies outside the ball that touches its faces. Monte Carlo "
    "methods estimate such volumes by drawing random points and counting how many fall inside, "
    "and their error shrinks like one over the square root of the number of points. When the "
    "cube is rotated by a random rotation, the question becomes harder, and the answer depends "
    "on how the corners of the cube meet the surface of the ball. In this short essay we";

int main(int argc, char **argv)
{
    const char *model = "models/gemma-3-270m-q4_k_m.gguf", *prompt_file = NULL;
    char threads_arg[64] = "1,2";
    int reps = 5, n_gen = 128, only_triad = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--triad")) {
            only_triad = 1;
            continue;
        }
        if (!strcmp(a, "--print-prompt")) { /* llm_bench.sh gives llama.cpp the same text */
            fputs(k_default_prompt, stdout);
            return 0;
        }
        if (!v || a[0] != '-') {
            fprintf(stderr, "usage: bench_llm [--model F] [--prompt-file F] [--threads 1,2] "
                            "[--reps N] [--gen N] | --triad [--threads T]\n");
            return 2;
        }
        i++;
        if (!strcmp(a, "--model"))
            model = v;
        else if (!strcmp(a, "--prompt-file"))
            prompt_file = v;
        else if (!strcmp(a, "--threads"))
            snprintf(threads_arg, sizeof threads_arg, "%s", v);
        else if (!strcmp(a, "--reps"))
            reps = atoi(v);
        else if (!strcmp(a, "--gen"))
            n_gen = atoi(v);
        else {
            fprintf(stderr, "bench_llm: unknown option %s\n", a);
            return 2;
        }
    }
    if (reps < 1 || reps > 100 || n_gen < 1 || n_gen > 1024) {
        fprintf(stderr, "bench_llm: --reps must be 1..100 and --gen 1..1024\n");
        return 2;
    }
    if (only_triad) {
        triad(atoi(threads_arg) > 0 ? atoi(threads_arg) : 1);
        return 0;
    }
    FILE *probe = fopen(model, "rb");
    if (!probe) {
        printf("SKIP: bench_llm: no model at %s (make model)\n", model);
        return 0;
    }
    fclose(probe);
    char *prompt = prompt_file ? slurp_text(prompt_file) : NULL;
    if (prompt_file && !prompt) {
        fprintf(stderr, "bench_llm: cannot read %s\n", prompt_file);
        return 1;
    }
    char err[512];
    llm_model *m = NULL;
    if (llm_model_load(model, 1024, &m, err, sizeof err)) {
        fprintf(stderr, "bench_llm: %s\n", err);
        return 1;
    }
    const llm_gguf *g = llm_model_gguf(m);
    uint64_t wbytes = 0;
    for (int64_t i = 0; i < llm_gguf_n_tensors(g); i++) {
        llm_gguf_tensor_info t;
        if (llm_gguf_tensor(g, i, &t) == 0)
            wbytes += t.nbytes;
    }
    int toks[1024];
    int np = llm_tokenize(m, prompt ? prompt : k_default_prompt, 1, 0, toks, 1024);
    if (np <= 0 || np + n_gen > llm_model_n_ctx(m)) {
        fprintf(stderr, "bench_llm: prompt of %d tokens does not fit\n", np);
        return 1;
    }
    const int nv = llm_model_n_vocab(m);
    float *logits = malloc((size_t)nv * sizeof *logits);
    double *tp = malloc((size_t)reps * sizeof *tp), *tg = malloc((size_t)reps * sizeof *tg);
    int rc = 0;
    for (const char *s = threads_arg; *s && !rc;) {
        int th = atoi(s);
        omp_set_num_threads(th > 0 ? th : 1);
        for (int r = -1; r < reps && !rc; r++) { /* r = -1: warm-up */
            double t0 = bench_now();
            rc = llm_model_eval(m, toks, np, 0, logits, err, sizeof err);
            double t1 = bench_now();
            int tok = llm_ref_argmax(logits, nv);
            for (int k = 0; k < n_gen && !rc; k++) {
                rc = llm_model_eval(m, &tok, 1, np + k, logits, err, sizeof err);
                tok = llm_ref_argmax(logits, nv);
            }
            double t2 = bench_now();
            if (r >= 0) {
                tp[r] = t1 - t0;
                tg[r] = t2 - t1;
            }
        }
        if (rc) {
            fprintf(stderr, "bench_llm: %s\n", err);
            break;
        }
        double mp = bench_median(tp, reps), mg = bench_median(tg, reps);
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        printf("engine=so8t threads=%d prompt_tokens=%d gen_tokens=%d prompt_tps=%.2f gen_tps=%.2f "
               "ms_per_token=%.3f peak_rss_mib=%.1f weight_bytes=%llu isa=%s\n",
               th, np, n_gen, np / mp, n_gen / mg, 1e3 * mg / n_gen, ru.ru_maxrss / 1024.0,
               (unsigned long long)wbytes, llm_quant_isa_name(llm_quant_isa()));
        fflush(stdout);
        s = strchr(s, ',');
        if (!s)
            break;
        s++;
    }
    free(tp);
    free(tg);
    free(logits);
    free(prompt);
    llm_model_free(m);
    return rc ? 1 : 0;
}
