#!/usr/bin/env bash
# test_layers.sh — the layering rules of docs/design.md that a compiler does not check:
# base/ uses nothing above it; libso8t.a ships no test-only code (that is the test support
# library, tests/support/); explain/ uses llm/ only through its public headers.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

# base/: only the C library and base/ itself
bad_inc=$(grep -hE '^#include "' base/*.h base/*.c | grep -vE '^#include "base/' || true)
if [ -z "$bad_inc" ]; then ok; else bad "base/ includes a higher layer: $bad_inc"; fi

# base/ is included directly: the old forwarding headers (include/so8t_err.h,
# include/so8t_threads.h, llm/strbuf.h) are gone and nothing asks for them
fwd=$(grep -rlE '^#include "(so8t_err\.h|so8t_threads\.h|llm/strbuf\.h)"' base mc geom so8 llm explain serve cli mpi tests bench 2>/dev/null || true)
if [ -z "$fwd" ] && [ ! -e include/so8t_err.h ] && [ ! -e llm/strbuf.h ]; then ok; else bad "forwarding headers in use: $fwd"; fi

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
    for s in llm_test_model_write mc_cpu_block_reference mc_philox_probe_cuda geom_corners_enable \
             geom_tf_singular_enable geom_tf_singular_terms_last; do
        if printf '%s\n' "$syms" | grep -qx "$s"; then bad "test-only $s is in libso8t.a"; else ok; fi
    done
    # no file-level call cycles inside a component (a cycle says a piece belongs in a lower
    # file): the graph "member A calls a function defined in member B" of each folder
    # (llm/ is left out while its owners split model.c and tokenizer.c, issue 12)
    mine=$(ls base/*.c mc/*.c geom/*.c so8/*.c explain/*.c 2>/dev/null | sed 's#.*/##; s#\.c$#.o#' | tr '\n' ' ')
    cyc=$(nm -A "$lib" 2>/dev/null | MINE="$mine" python3 -c '
import os, sys, re, collections
mine = set(os.environ["MINE"].split())
defs, uses = {}, collections.defaultdict(set)
for line in sys.stdin:
    m = re.match(r".*?:([^:]+\.o):\s*(?:[0-9a-f]+)?\s+([A-Za-z])\s+(\S+)$", line.strip())
    if not m:
        continue
    obj, kind, sym = m.groups()
    if obj not in mine:
        continue
    if kind == "T":
        defs[sym] = obj
    elif kind == "U":
        uses[obj].add(sym)
edges = collections.defaultdict(set)
for obj, syms in uses.items():
    for s in syms:
        d = defs.get(s)
        if d and d != obj:
            edges[obj].add(d)
state, out = {}, []
def visit(n, path):
    state[n] = 1
    for m in sorted(edges[n]):
        if state.get(m) == 1:
            out.append(" -> ".join(path[path.index(m):] + [m]))
        elif m not in state:
            visit(m, path + [m])
    state[n] = 2
for n in sorted(edges):
    if n not in state:
        visit(n, [n])
print("; ".join(out))
')
    if [ -z "$cyc" ]; then ok; else bad "call cycles between files of libso8t.a: $cyc"; fi
fi
# the float matrix forms are test code: none in so8/
if grep -qE 'so8_matf_(mul|identity|det|exp|log|distance|orth_error|apply)' so8/*.h so8/*.c; then
    bad "so8/ still defines float matrix forms (they live in tests/support/matf.h)"
else ok; fi
summary
