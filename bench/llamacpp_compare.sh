#!/usr/bin/env bash
# llamacpp_compare.sh — make the reference results in tests/fixtures/llamacpp_ref/ with
# llama.cpp (PyPI llama-cpp-python, compiled from source into a venv under build/; the first
# build takes a long while on 2 cores), then run so8t's check against them and time both.
# Not part of CI. Needs the model: `make model`.
#   VENV=build/llamacpp-venv (default)   THREADS=2 (default)
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-build/llamacpp-venv}
THREADS=${THREADS:-2}
MODEL=models/gemma-3-270m-q4_k_m.gguf
[ -f "$MODEL" ] || { echo "llamacpp_compare: $MODEL missing; run 'make model'" >&2; exit 1; }
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import llama_cpp, numpy' 2>/dev/null; then
    python3 -m venv "$VENV"
    echo "llamacpp_compare: building llama-cpp-python (llama.cpp from source) into $VENV ..."
    CMAKE_BUILD_PARALLEL_LEVEL=2 nice -n 10 "$VENV/bin/pip" install --no-cache-dir llama-cpp-python numpy
fi
THREADS=$THREADS "$VENV/bin/python" bench/llamacpp_compare.py
make -j1 CUDA=0 BUILD=build/cpu BIN=bin bin/so8t build/cpu/tests/test_llm_llamacpp
./build/cpu/tests/test_llm_llamacpp
echo "so8t on the same machine ($THREADS threads):"
./bin/so8t run -m "$MODEL" -p "The volume of a ball" -n 64 --temperature 0 --threads "$THREADS" --json \
    | python3 -c 'import json,sys; d=json.load(sys.stdin); print({k: d[k] for k in ("prompt_tokens_per_second","generated_tokens_per_second")})'
