#!/usr/bin/env python3
"""smollm2_greedy.py — llama.cpp's greedy tokens on the real SmolLM2-135M-Instruct (Q4_1),
the reference for so8t's llama architecture + Q4_1 + byte-level BPE on a real model, written
to tests/fixtures/llamacpp_ref/smollm2_greedy.json (same layout as greedy.json of
bench/llamacpp_compare.py, which tests/test_llm_llamacpp.c reads).

  /path/to/llama-cpp-venv/bin/python tools/smollm2_greedy.py models/SmolLM2-135M-Instruct.Q4_1.gguf \
      > tests/fixtures/llamacpp_ref/smollm2_greedy.json

Greedy = argmax of the raw logits (temperature 0, no repeat penalty: pass so8t
--temperature 0 --repeat-penalty 1), 32 tokens, not stopped at end-of-generation tokens. Prompts
are tokenized by llama.cpp with add_special (SmolLM2: add_bos_token = false, so no BOS) and
special tokens parsed; two of them are ChatML conversations. Per case: the prompt tokens,
the tokens, the text, the top-5 (id, logit) of the first step and the top-1 minus top-2 logit
margin of every step (llama.cpp's numerics depend on the CPU: a divergence is only
acceptable at a step with a small margin; the machine's flags are recorded).
"""
import json
import os
import platform
import subprocess
import sys

import numpy as np
import llama_cpp

N_GREEDY = 32
THREADS = int(os.environ.get("THREADS", "2"))
PROMPTS = [
    "def fibonacci(n):\n    \"\"\"Return the n-th Fibonacci number.\"\"\"\n",
    "#include <stdio.h>\n\nint main(void)\n{\n",
    "The first ten prime numbers are 2, 3, 5, 7,",
    "12345 + 67890 = ",
    "La capitale de la France est",
    "Größe, Ähre und Übermut: die deutschen Umlaute",
    "日本の首都は",
    "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
    "<|im_start|>user\nWhat is the volume of a ball of radius 2?<|im_end|>\n<|im_start|>assistant\n",
    "<|im_start|>user\nWrite a haiku about the number 8.<|im_end|>\n<|im_start|>assistant\n",
]


def last_logits(llm):
    # the context's own last row (llama-cpp-python 0.3.36 leaves its score cache empty for
    # this model with logits_all=False)
    p = llama_cpp.llama_get_logits_ith(llm.ctx, -1)
    return np.ctypeslib.as_array(p, shape=(llm.n_vocab(),)).astype(np.float64)


def cpu_flags():
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return ""
    for line in out.splitlines():
        if line.startswith("Flags:"):
            keep = [f for f in line.split()[1:] if f.startswith(("avx", "fma", "f16c", "sse4"))]
            return " ".join(keep)
    return ""


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    model = sys.argv[1]
    llm = llama_cpp.Llama(model_path=model, n_ctx=512, n_threads=THREADS, n_threads_batch=THREADS,
                          logits_all=False, verbose=False, seed=1)
    cases = []
    for p in PROMPTS:
        ptoks = llm.tokenize(p.encode("utf-8"), add_bos=True, special=True)
        llm.reset()
        llm.eval(ptoks)
        lg = last_logits(llm)
        top = np.argsort(-lg, kind="stable")[:5]
        top5 = [[int(i), float(lg[i])] for i in top]
        out, margins = [], []
        for k in range(N_GREEDY):
            lg = last_logits(llm)
            two = np.partition(lg, -2)[-2:]
            margins.append(float(two[1] - two[0]))
            nxt = int(np.argmax(lg))
            out.append(nxt)
            if k + 1 < N_GREEDY:
                llm.eval([nxt])
        text = llm.detokenize(out).decode("utf-8", errors="replace")
        cases.append({"prompt": p, "prompt_tokens": [int(i) for i in ptoks], "tokens": out,
                      "text": text, "top5": top5, "margins": margins})
        print("%r -> %r" % (p[:40], text), file=sys.stderr)
    json.dump({"model": os.path.basename(model), "llama_cpp_python": llama_cpp.__version__,
               "n_greedy": N_GREEDY, "threads": THREADS, "machine": platform.machine(),
               "cpu_flags": cpu_flags(),
               "note": "argmax of raw logits, no penalties, not stopped at EOG; llama.cpp built natively "
                       "(GGML_NATIVE) in this venv",
               "cases": cases}, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
