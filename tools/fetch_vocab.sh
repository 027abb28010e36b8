#!/usr/bin/env bash
# fetch_vocab.sh — `make vocab-cache`: the llama.cpp vocab-only GGUF files whose licences keep
# them out of the repository (qwen2, llama-bpe, starcoder, refact; tests/fixtures/vocab/README.md),
# with their .inp/.out cases, copied from the PyPI sdist llama-cpp-python==0.3.36 into the
# git-ignored build/vocab-cache/ for tests/test_tok_vocab.c. Downloads the sdist (77 MB) into
# build/vocab-pip unless SDIST=path/llama_cpp_python-0.3.36.tar.gz names a copy.
# On failure nothing partial is left in build/vocab-cache.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=build/vocab-cache
NAMES="qwen2 llama-bpe starcoder refact"
PY=${PYTHON:-python3}
mkdir -p build
tmp=$(mktemp -d build/vocab-tmp.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
sdist=${SDIST:-}
if [ -z "$sdist" ]; then
    sdist=build/vocab-pip/llama_cpp_python-0.3.36.tar.gz
    if [ ! -f "$sdist" ]; then
        mkdir -p build/vocab-pip
        echo "fetch_vocab: downloading the llama-cpp-python 0.3.36 sdist from PyPI ..."
        "$PY" -m pip download --no-deps --no-binary :all: llama-cpp-python==0.3.36 \
            -d "$tmp/dl" >"$tmp/pip.log" 2>&1 || true
        if [ ! -f "$tmp/dl/llama_cpp_python-0.3.36.tar.gz" ]; then
            tail -n 5 "$tmp/pip.log" >&2
            echo "fetch_vocab: error: could not download the sdist" >&2
            exit 1
        fi
        mv "$tmp/dl/llama_cpp_python-0.3.36.tar.gz" "$sdist"
    fi
fi
members=""
for n in $NAMES; do
    for ext in "" .inp .out; do
        members="$members llama_cpp_python-0.3.36/vendor/llama.cpp/models/ggml-vocab-$n.gguf$ext"
    done
done
# shellcheck disable=SC2086
tar -xzf "$sdist" -C "$tmp" $members
mkdir -p "$OUT"
for n in $NAMES; do
    for ext in "" .inp .out; do
        f=ggml-vocab-$n.gguf$ext
        cp "$tmp/llama_cpp_python-0.3.36/vendor/llama.cpp/models/$f" "$OUT/$f.tmp"
        mv "$OUT/$f.tmp" "$OUT/$f"
    done
done
echo "fetch_vocab: $(ls "$OUT" | wc -l) files in $OUT"
