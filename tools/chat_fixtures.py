#!/usr/bin/env python3
"""chat_fixtures.py — the expected prompt bytes of tests/test_chat.c, from outside oracles:
llama.cpp's llama_chat_apply_template (built-in formats "chatml", "llama3", "gemma", "phi3")
and the models' real Jinja templates rendered by PyPI jinja2 the way Hugging Face's
apply_chat_template does (sandboxed, trim_blocks, lstrip_blocks, add_generation_prompt;
bos_token "" because so8t's tokenizer adds BOS itself).

  /path/to/llama-cpp-venv/bin/python tools/chat_fixtures.py SDIST SMOLLM2_GGUF \
      > tests/fixtures/llamacpp_ref/chat.json

Templates: SmolLM2-135M-Instruct's own (tokenizer.chat_template of the GGUF, Apache-2.0) and,
from the llama-cpp-python 0.3.36 sdist (vendor/llama.cpp/models/templates/), Qwen2.5-7B-Instruct
(Apache-2.0), Phi-3.5-mini-instruct (MIT), Llama-3.2-3B-Instruct and gemma-2-2b-it. Only the
first three templates' texts are written into the fixture (the test recognises them); of the
Llama and Gemma templates only the rendered outputs are kept.
"""
import ctypes
import json
import sys
import tarfile

import jinja2
import jinja2.sandbox
import llama_cpp
from llama_cpp import Llama

TDIR = "llama_cpp_python-0.3.36/vendor/llama.cpp/models/templates/"

CONVS = [
    [("user", "Hello!")],
    [("system", "You are terse."), ("user", "What is 2+2?")],
    [("system", "Be brief."), ("user", "Hi"), ("assistant", "Hello! How can I help?"),
     ("user", "  Tell me a joke.  \n")],
    [("user", "Caf\u00e9 \u2615 \u65e5\u672c, <b>tags</b> & \"quotes\"")],
]
# Gemma 2's template refuses a system message: only these for it
GEMMA_JINJA_CONVS = [0, 3]


def jinja_render(tmpl, conv):
    env = jinja2.sandbox.ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)

    def raise_exception(msg):
        raise jinja2.exceptions.TemplateError(msg)

    env.globals["raise_exception"] = raise_exception
    t = env.from_string(tmpl)
    return t.render(messages=[{"role": r, "content": c} for r, c in conv],
                    add_generation_prompt=True, bos_token="", eos_token="<|endoftext|>")


def llamacpp_render(name, conv):
    msgs = (llama_cpp.llama_chat_message * len(conv))()
    keep = []
    for i, (r, c) in enumerate(conv):
        rb, cb = r.encode(), c.encode()
        keep += [rb, cb]
        msgs[i].role = rb
        msgs[i].content = cb
    buf = ctypes.create_string_buffer(1 << 16)
    n = llama_cpp.llama_chat_apply_template(name.encode(), msgs, len(conv), True, buf, 1 << 16)
    if n < 0:
        raise RuntimeError("llama_chat_apply_template(%s) failed" % name)
    return buf.raw[:n].decode("utf-8")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sdist, smol = sys.argv[1], sys.argv[2]
    with tarfile.open(sdist) as tf:
        def tmpl(name):
            return tf.extractfile(TDIR + name).read().decode("utf-8")
        qwen = tmpl("Qwen-Qwen2.5-7B-Instruct.jinja")
        phi = tmpl("microsoft-Phi-3.5-mini-instruct.jinja")
        llama32 = tmpl("meta-llama-Llama-3.2-3B-Instruct.jinja")
        gemma2 = tmpl("google-gemma-2-2b-it.jinja")
    m = Llama(smol, vocab_only=True, verbose=False)
    smol_t = m.metadata["tokenizer.chat_template"]
    del m
    out = {"generator": "tools/chat_fixtures.py (jinja2 %s, llama-cpp-python %s)"
           % (jinja2.__version__, llama_cpp.__version__),
           "templates": {"smollm2": smol_t, "qwen2.5": qwen, "phi3.5": phi},
           "cases": []}

    def add(fmt, template, oracle, idx, text):
        out["cases"].append({"format": fmt, "template": template, "oracle": oracle,
                             "messages": [{"role": r, "content": c} for r, c in CONVS[idx]],
                             "expected": text})

    for i, conv in enumerate(CONVS):
        add("chatml", "smollm2", "jinja2: SmolLM2-135M-Instruct tokenizer.chat_template", i,
            jinja_render(smol_t, conv))
        add("chatml", "qwen2.5", "jinja2: Qwen-Qwen2.5-7B-Instruct.jinja", i, jinja_render(qwen, conv))
        add("chatml", None, "llama.cpp llama_chat_apply_template chatml", i, llamacpp_render("chatml", conv))
        add("phi3", "phi3.5", "jinja2: microsoft-Phi-3.5-mini-instruct.jinja", i, jinja_render(phi, conv))
        add("phi3", None, "llama.cpp llama_chat_apply_template phi3", i, llamacpp_render("phi3", conv))
        add("llama3", None, "llama.cpp llama_chat_apply_template llama3", i, llamacpp_render("llama3", conv))
        add("llama3.1", None, "jinja2: meta-llama-Llama-3.2-3B-Instruct.jinja", i, jinja_render(llama32, conv))
        add("gemma", None, "llama.cpp llama_chat_apply_template gemma", i, llamacpp_render("gemma", conv))
        if i in GEMMA_JINJA_CONVS:
            add("gemma", None, "jinja2: google-gemma-2-2b-it.jinja", i, jinja_render(gemma2, conv))
    json.dump(out, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
