#!/usr/bin/env bash
# test_layers.sh — the layering rules of docs/design.md that a compiler does not check:
# base/ uses nothing above it; libso8t.a ships no test-only code (that is the test support
# library, tests/support/); explain/ uses llm/ only through its public headers.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

# base/: only the C library and base/ itself
bad_inc=$(grep -hE '^#include "' base/*.h base/*.c | grep -vE '^#include "base/' || true)
if [ -z "$bad_inc" ]; then ok; else bad "base/ includes a higher layer: $bad_inc"; fi

# explain/ sees llm/ only through llm/llm.h and the Modelfile header
bad_inc=$(grep -lE '^#include "llm/(internal\.h|quant/|gguf/|model/|tok/|gen/|store/)' explain/*.c explain/*.h 2>/dev/null || true)
if [ -z "$bad_inc" ]; then ok; else bad "explain/ includes llm/ internals: $bad_inc"; fi

# no test-only symbol in the library
lib=${SO8T_BUILD:-}/libso8t.a
if [ -z "${SO8T_BUILD:-}" ] || [ ! -f "$lib" ]; then
    echo "SKIP: libso8t.a not found (SO8T_BUILD unset; run through make test)"
else
    syms=$(nm -g --defined-only "$lib" 2>/dev/null | awk '{print $3}')
    [ -n "$syms" ] && ok || bad "nm found no symbols in $lib"
    for s in llm_test_model_write mc_cpu_block_reference mc_philox_probe_cuda; do
        if printf '%s\n' "$syms" | grep -qx "$s"; then bad "test-only $s is in libso8t.a"; else ok; fi
    done
fi
# the float matrix forms are test code: none in so8/
if grep -qE 'so8_matf_(mul|identity|det|exp|log|distance|orth_error|apply)' so8/*.h so8/*.c; then
    bad "so8/ still defines float matrix forms (they live in tests/support/matf.h)"
else ok; fi
summary
