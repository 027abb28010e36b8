#!/usr/bin/env python3
"""llm_bench_llamacpp.py — the llama.cpp side of bench/llm_bench.sh, through
llama-cpp-python's low-level C API (llama_decode + its greedy sampler, no Python work per
token besides the calls), measured exactly like bench_llm.c measures so8t: the prompt in one
decode, then 128 × (sample greedily, decode that token); one warm-up, medians of REPS.

    python llm_bench_llamacpp.py MODEL PROMPT_FILE THREADS REPS GEN

Prints one line: engine=llama.cpp threads=.. prompt_tokens=.. prompt_tps=.. gen_tps=..
ms_per_token=.. peak_rss_mib=.. (ru_maxrss of this process: llama.cpp plus the Python
interpreter, about 10 MiB).
"""
import ctypes
import resource
import statistics
import sys
import time

import llama_cpp as L


def main():
    model_path, prompt_file, threads, reps, n_gen = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    text = open(prompt_file, "rb").read()
    L.llama_backend_init()
    mp = L.llama_model_default_params()
    model = L.llama_model_load_from_file(model_path.encode(), mp)
    if not model:
        print("llm_bench_llamacpp: cannot load", model_path, file=sys.stderr)
        return 1
    cp = L.llama_context_default_params()
    cp.n_ctx = 1024
    cp.n_batch = 1024
    cp.n_ubatch = 512
    cp.n_threads = threads
    cp.n_threads_batch = threads
    ctx = L.llama_init_from_model(model, cp)
    vocab = L.llama_model_get_vocab(model)
    toks = (L.llama_token * 1024)()
    n = L.llama_tokenize(vocab, text, len(text), toks, 1024, True, False)
    if n <= 0 or n + n_gen > 1024:
        print("llm_bench_llamacpp: prompt does not fit", file=sys.stderr)
        return 1
    smpl = L.llama_sampler_init_greedy()
    one = (L.llama_token * 1)()
    tp, tg = [], []
    for r in range(reps + 1):                       # r = 0: warm-up
        L.llama_memory_clear(L.llama_get_memory(ctx), True)
        t0 = time.perf_counter()
        if L.llama_decode(ctx, L.llama_batch_get_one(toks, n)) != 0:
            return 1
        t1 = time.perf_counter()
        for _ in range(n_gen):
            one[0] = L.llama_sampler_sample(smpl, ctx, -1)
            if L.llama_decode(ctx, L.llama_batch_get_one(one, 1)) != 0:
                return 1
        t2 = time.perf_counter()
        if r > 0:
            tp.append(t1 - t0)
            tg.append(t2 - t1)
    mpt, mg = statistics.median(tp), statistics.median(tg)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(f"engine=llama.cpp threads={threads} prompt_tokens={n} gen_tokens={n_gen} "
          f"prompt_tps={n / mpt:.2f} gen_tps={n_gen / mg:.2f} ms_per_token={1e3 * mg / n_gen:.3f} "
          f"peak_rss_mib={rss:.1f}", flush=True)
    L.llama_sampler_free(smpl)
    L.llama_free(ctx)
    L.llama_model_free(model)
    return 0


if __name__ == "__main__":
    sys.exit(main())
