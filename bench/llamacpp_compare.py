#!/usr/bin/env python3
"""llamacpp_compare.py — reference results from llama.cpp (through the PyPI package
llama-cpp-python, which compiles llama.cpp from source) for the default model, written to
tests/fixtures/llamacpp_ref/ where tests/test_llm_llamacpp.c checks so8t against them.
Not run in CI. Use bench/llamacpp_compare.sh, which makes the venv and builds llama.cpp.

Records:
  tokenize.json  for >= 30 strings: the token ids (with BOS, special tokens parsed or not)
  greedy.json    for >= 5 prompts: the prompt tokens, 32 greedy tokens (argmax of the raw
                 logits, no penalties), the top-5 (id, logit) of the first step, and at each
                 step the gap between the best and second-best logit (near-ties)
  speed.json     llama.cpp's prompt and generation tokens/s on this machine (threads given)
"""
import json
import os
import sys
import time

import numpy as np
import llama_cpp

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
MODEL = os.environ.get("SO8T_MODEL", os.path.join(ROOT, "models", "gemma-3-270m-q4_k_m.gguf"))
OUT = os.path.join(ROOT, "tests", "fixtures", "llamacpp_ref")
THREADS = int(os.environ.get("THREADS", "2"))

TEXTS = [
    "The volume of a ball",
    "Hello, world!",
    " leading space",
    "two  spaces   three    four",
    "trailing space ",
    "tabs\tand\ttabs",
    "new\nline\n\nand two",
    "\n\n\n",
    "digits 0123456789",
    "3.14159265358979",
    "2^30 = 1073741824 and 1e-9",
    "Unicode: é ü ß ñ ø å",
    "漢字とひらがな",
    "Привет, мир",
    "مرحبا بالعالم",
    "emoji 🙂🚀 and ❤️",
    "“curly quotes” and — dashes –",
    "<start_of_turn>user\nWhat is SO(8)?<end_of_turn>\n<start_of_turn>model\n",
    "<bos>text after a written bos",
    "<end_of_turn>",
    "a<start_of_turn>b",
    "def f(x):\n    return x ** 2\n",
    "for (int i = 0; i < n; i++) { s += a[i]; }",
    "https://example.org/path?q=1&r=2",
    "<html><body><p>para</p></body></html>",
    "The Monte Carlo estimate is 0.5236 ± 0.0012 (95% CI).",
    "Haar-random rotations in SO(8) have det = +1.",
    "ALL CAPS SENTENCE",
    "mIxEd CaSe",
    "a",
    "",
    "   ",
    "x" * 200,
    "The quick brown fox jumps over the lazy dog. " * 3,
    "\x01\x02 control bytes",
    "naïve café résumé",
]

PROMPTS = [
    "The volume of a ball",
    "The capital of France is",
    "In 1905, Albert Einstein",
    "def fibonacci(n):\n",
    "Once upon a time, in a small village,",
    "Monte Carlo integration estimates",
    "1, 2, 3, 4, 5,",
    "The speed of light in vacuum is",
    "import numpy as np\n",
    "Q: What is the capital of Japan?\nA:",
    "Photosynthesis converts",
    "The Haar measure on the special orthogonal group SO(8) is the unique probability measure that is "
    "invariant under left and right multiplication. To sample from it, one can",
    "A short list of prime numbers: 2, 3, 5, 7, 11,",
]
N_GREEDY = 32


def last_logits(llm):
    """The logits of the last evaluated token (llama.cpp keeps one output row; the Python
    wrapper's `scores` stays empty unless logits_all)."""
    p = llama_cpp.llama_get_logits_ith(llm.ctx, -1)
    return np.ctypeslib.as_array(p, shape=(llm.n_vocab(),)).astype(np.float64)


def main():
    os.makedirs(OUT, exist_ok=True)
    # flash attention stays off (the wrapper's default): f16 K/V cache, f16 attention weights
    llm = llama_cpp.Llama(model_path=MODEL, n_ctx=512, n_threads=THREADS, n_threads_batch=THREADS,
                          logits_all=False, verbose=False, seed=1)
    toks = []
    for t in TEXTS:
        for special in (True, False):
            ids = llm.tokenize(t.encode("utf-8"), add_bos=True, special=special)
            toks.append({"text": t, "special": special, "tokens": [int(i) for i in ids]})
    with open(os.path.join(OUT, "tokenize.json"), "w") as f:
        json.dump({"model": os.path.basename(MODEL), "llama_cpp_python": llama_cpp.__version__,
                   "cases": toks}, f, ensure_ascii=False, indent=1)

    greedy = []
    t_prompt = t_gen = 0.0
    n_prompt = n_gen = 0
    for p in PROMPTS:
        ptoks = llm.tokenize(p.encode("utf-8"), add_bos=True, special=True)
        llm.reset()
        t0 = time.perf_counter()
        llm.eval(ptoks)
        t1 = time.perf_counter()
        t_prompt += t1 - t0
        n_prompt += len(ptoks)
        logits = last_logits(llm)
        top = np.argsort(-logits, kind="stable")[:5]
        top5 = [[int(i), float(logits[i])] for i in top]
        out = []
        t2 = time.perf_counter()
        margins = []
        for k in range(N_GREEDY):
            lg = last_logits(llm)
            two = np.partition(lg, -2)[-2:]
            margins.append(float(two[1] - two[0]))  # top-1 minus top-2 logit
            nxt = int(np.argmax(lg))
            out.append(nxt)
            if k + 1 < N_GREEDY:
                llm.eval([nxt])
        t_gen += time.perf_counter() - t2
        n_gen += N_GREEDY - 1
        text = llm.detokenize(out).decode("utf-8", errors="replace")
        greedy.append({"prompt": p, "prompt_tokens": [int(i) for i in ptoks], "tokens": out,
                       "text": text, "top5": top5, "margins": margins})
        print(f"{p!r} -> {text!r}")
    with open(os.path.join(OUT, "greedy.json"), "w") as f:
        json.dump({"model": os.path.basename(MODEL), "llama_cpp_python": llama_cpp.__version__,
                   "cases": greedy}, f, ensure_ascii=False, indent=1)
    speed = {"llama_cpp_python": llama_cpp.__version__, "threads": THREADS,
             "flash_attn_type": int(getattr(llm.context_params, "flash_attn_type", -99)),
             "prompt_tokens_per_second": n_prompt / t_prompt,
             "generated_tokens_per_second": n_gen / t_gen,
             "note": "prompts of 6-12 tokens evaluated as one batch; generation = greedy eval of one "
                     "token at a time from Python (argmax in numpy)"}
    with open(os.path.join(OUT, "speed.json"), "w") as f:
        json.dump(speed, f, indent=1)
    print(json.dumps(speed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
