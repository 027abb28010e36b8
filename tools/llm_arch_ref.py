#!/usr/bin/env python3
"""llm_arch_ref.py — llama.cpp's outputs on the tiny models of every architecture × type,
for tests/test_llm_arch.c (the outputs are committed; tests never need llama.cpp).

The models are the project's own (llm/model/testmodel.c), written by the test binary:
    make CUDA=0 BUILD=build/cpu BIN=build/cpu/bin build/cpu/tests/test_llm_arch
    build/cpu/tests/test_llm_arch --write /tmp/arch_models
    VENV/bin/python tools/llm_arch_ref.py /tmp/arch_models
VENV has llama-cpp-python 0.3.36 and numpy (pip install llama-cpp-python==0.3.36 numpy).

For each model: the 10-token prompt of the test evaluated as one batch, then 16 greedy steps
(argmax, no penalties), one token per eval; at each step the top-5 (id, logit) and the
top-1 minus top-2 margin. Flash attention off (the wrapper's default: f16 K/V cache).
Each case records the FNV-1a 64 hash of its file; the test refuses a mismatch.
Writes tests/fixtures/llm_arch/llamacpp.json.
"""
import json
import os
import platform
import sys

import llama_cpp
import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "llm_arch")
PROMPT = [2, 263, 266, 300, 264, 5, 120, 310, 290, 271]  # = k_prompt in the test
N_GREEDY = 16
N_CTX = 64


def fnv1a64(path):
    h = 0xcbf29ce484222325
    with open(path, "rb") as f:
        for b in f.read():
            h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def last_logits(llm):
    p = llama_cpp.llama_get_logits_ith(llm.ctx, -1)
    return np.ctypeslib.as_array(p, shape=(llm.n_vocab(),)).astype(np.float64)


def cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    fl = line.split(":", 1)[1].split()
                    return " ".join(x for x in fl if x.startswith(("avx", "fma", "f16c")))
    except OSError:
        pass
    return platform.processor()


def run(path):
    llm = llama_cpp.Llama(model_path=path, n_ctx=N_CTX, n_batch=N_CTX, n_threads=2,
                          n_threads_batch=2, logits_all=False, verbose=False, seed=1)
    llm.reset()
    llm.eval(PROMPT)
    toks, top5, margins = [], [], []
    for k in range(N_GREEDY):
        lg = last_logits(llm)
        order = np.argsort(-lg, kind="stable")
        top5.append([[int(i), float(lg[i])] for i in order[:5]])
        margins.append(float(lg[order[0]] - lg[order[1]]))
        nxt = int(order[0])
        toks.append(nxt)
        if k + 1 < N_GREEDY:
            llm.eval([nxt])
    llm.close()
    return toks, top5, margins


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    src = sys.argv[1]
    cases = []
    for fn in sorted(os.listdir(src)):
        if not fn.endswith(".gguf"):
            continue
        path = os.path.join(src, fn)
        toks, top5, margins = run(path)
        cases.append({"name": fn[:-5], "fnv1a64": fnv1a64(path), "prompt": PROMPT, "tokens": toks,
                      "top5": top5, "margins": margins})
        print(fn, toks, f"min margin {min(margins):.3g}")
    os.makedirs(OUT, exist_ok=True)
    doc = {"llama_cpp_python": llama_cpp.__version__, "cpu_flags": cpu_flags(), "n_ctx": N_CTX,
           "note": "tiny random models of llm/model/testmodel.c; prompt as one batch, then greedy "
                   "steps one token per eval; flash attention off; built natively (GGML_NATIVE)",
           "cases": cases}
    tmp = os.path.join(OUT, "llamacpp.json.tmp")
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=None, separators=(",", ":"))
        f.write("\n")
    os.replace(tmp, os.path.join(OUT, "llamacpp.json"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
