#!/usr/bin/env python3
"""tok_fixtures.py — llama.cpp's own tokenizations, the oracle of tests/test_tok_llamacpp.c,
written to tests/fixtures/llamacpp_ref/tok_bpe.json.

Run it with the python of a llama-cpp-python 0.3.36 venv (its llama.cpp does the work):
  /path/to/venv/bin/python tools/tok_fixtures.py SDIST SMOLLM2_GGUF > tests/fixtures/llamacpp_ref/tok_bpe.json
SDIST: llama_cpp_python-0.3.36.tar.gz (pip download --no-deps --no-binary :all:
llama-cpp-python==0.3.36), for the vocab-only files under vendor/llama.cpp/models/;
SMOLLM2_GGUF: models/SmolLM2-135M-Instruct.Q4_1.gguf (make model-smollm2).

For each vocabulary (gpt-2, phi-3, qwen2, llama-bpe, starcoder, refact, and SmolLM2's own,
pre 'smollm') and each text of TEXTS below, the ids of llama.cpp's tokenize in the four
combinations of add_special and parse_special, the BOS/EOS ids and flags, the end-of-generation
set, and the pieces (special and not) of every token used. "default_pre": the gpt-2 file
copied with tokenizer.ggml.pre = "default" (gguf_new_metadata), tokenized the same way.
Texts are stored as hex (some are not valid UTF-8 on purpose).
"""
import ctypes
import json
import os
import subprocess
import sys
import tarfile
import tempfile

import llama_cpp
from llama_cpp import Llama

TEXTS = [
    "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n",
    "for (int i = 0; i < 10; ++i) { sum += a[i] * 0x1F; }  // C\n",
    "The 3 numbers are 1234567, 3.14159 and -42; 2^64 = 18446744073709551616.",
    "00000000000000000000001 1,000,000 12:30 v1.2.3",
    "Größe: 5 µm, Ελληνικά, 日本語のテキスト, emoji 🙂👍🏽, Привет мир",
    "e\u0301 vs é, ﬁ ligature, ①②③ x², ½ ⅓, \U0002EBF0 \U0001FAE8 \u1C89",
    "I've got 99 problems... it's, won't, 'VE 'LL 'Re",
    "  leading spaces\t\ttabs\n\n\nnewlines   trailing   ",
    "\u00a0nbsp\u2003em\u3000ideographic\u2028line",
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n",
    "<|endoftext|>Hello<|endoftext|> <|im_end|><|im_end|> <|im_start",
    "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi!<|eot_id|>",
    "<s>[INST] hi [/INST]</s> <|user|>\nx<|end|>\n<|assistant|>",
    "$+<=>^~| `backtick` #hash @at _under ((nested)) [1,2]",
    b"bad \xff\xfe bytes \xc3( \xe2\x82",
    "",
    " ",
    "\n",
]

VOCABS = ["gpt-2", "phi-3", "qwen2", "llama-bpe", "starcoder", "refact"]


def as_bytes(t):
    return t if isinstance(t, bytes) else t.encode("utf-8")


def piece(vocab, tok, special):
    buf = ctypes.create_string_buffer(256)
    n = llama_cpp.llama_token_to_piece(vocab, tok, buf, 256, 0, special)
    if n < 0:
        buf = ctypes.create_string_buffer(-n)
        n = llama_cpp.llama_token_to_piece(vocab, tok, buf, -n, 0, special)
    return buf.raw[:n].hex()


def tokenize(vocab, text, add_special, parse_special):
    n_max = len(text) * 2 + 16
    arr = (llama_cpp.llama_token * n_max)()
    n = llama_cpp.llama_tokenize(vocab, text, len(text), arr, n_max, add_special, parse_special)
    if n < 0:
        raise RuntimeError("tokenize failed")
    return list(arr[:n])


def describe(path, texts):
    m = Llama(path, vocab_only=True, verbose=False)
    v = llama_cpp.llama_model_get_vocab(m.model)
    n = llama_cpp.llama_vocab_n_tokens(v)
    out = {
        "file": os.path.basename(path),
        "n_vocab": n,
        "bos": llama_cpp.llama_vocab_bos(v),
        "eos": llama_cpp.llama_vocab_eos(v),
        "add_bos": bool(llama_cpp.llama_vocab_get_add_bos(v)),
        "add_eos": bool(llama_cpp.llama_vocab_get_add_eos(v)),
        "eog": [i for i in range(n) if llama_cpp.llama_vocab_is_eog(v, i)],
        "cases": [],
    }
    used = set()
    for t in texts:
        b = as_bytes(t)
        c = {"text_hex": b.hex()}
        for key, a, p in (("plain", False, False), ("bos", True, False),
                          ("parse", False, True), ("special", True, True)):
            c[key] = tokenize(v, b, a, p)
            used.update(c[key])
        out["cases"].append(c)
    out["pieces"] = {str(i): [piece(v, i, False), piece(v, i, True)] for i in sorted(used)}
    del m
    return out


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sdist, smol = sys.argv[1], sys.argv[2]
    res = {"generator": "tools/tok_fixtures.py with llama-cpp-python %s" % llama_cpp.__version__,
           "vocabs": {}}
    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(sdist) as tf:
            for name in VOCABS:
                mem = "llama_cpp_python-0.3.36/vendor/llama.cpp/models/ggml-vocab-%s.gguf" % name
                tf.extract(mem, tmp)
                if name == "gpt-2":
                    tf.extract(mem + ".inp", tmp)
        base = os.path.join(tmp, "llama_cpp_python-0.3.36/vendor/llama.cpp/models")
        for name in VOCABS:
            res["vocabs"][name] = describe(os.path.join(base, "ggml-vocab-%s.gguf" % name), TEXTS)
        res["vocabs"]["smollm2"] = describe(smol, TEXTS)
        dflt = os.path.join(tmp, "gpt2-default.gguf")
        subprocess.run([sys.executable, "-m", "gguf.scripts.gguf_new_metadata", "--pre-tokenizer",
                        "default", "--force", os.path.join(base, "ggml-vocab-gpt-2.gguf"), dflt],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(os.path.join(base, "ggml-vocab-gpt-2.gguf.inp"), encoding="utf-8") as f:
            cases = f.read().split("\n__ggml_vocab_test__\n")[:-1]
        res["default_pre"] = describe(dflt, TEXTS + cases)
        res["default_pre"]["base"] = "gpt-2"
    json.dump(res, sys.stdout, indent=None, separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
