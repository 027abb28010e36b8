#!/usr/bin/env bash
# llm_ab.sh — old vs new so8t binary on the same model and prompt, interleaved in one
# session: `so8t run ... --temperature 0 --repeat-penalty 1 -n 32 --json` with a 152-token
# prompt (default model), REPS repetitions at 1 and 2 threads; prints every run, then the
# medians (prompt tokens/s, generated tokens/s) and new/old ratios. The token ids of each
# run are printed too: both binaries must generate the same tokens.
# Usage: bench/llm_ab.sh OLD_SO8T NEW_SO8T [MODEL] [REPS]   (REPS default 5)
set -u
if [ $# -lt 2 ]; then
    echo "usage: $0 OLD_SO8T NEW_SO8T [MODEL] [REPS]" >&2
    exit 2
fi
OLD=$1 NEW=$2 MODEL=${3:-models/gemma-3-270m-q4_k_m.gguf} REPS=${4:-5}
for f in "$OLD" "$NEW" "$MODEL"; do
    [ -e "$f" ] || { echo "$0: $f not found" >&2; exit 1; }
done
PROMPT="The volume of the intersection of a rotated cube and a ball is a classical problem in \
geometric probability. Suppose we rotate the cube [-a, a]^d by a random rotation R drawn from \
the Haar measure on SO(d), and we intersect it with a ball of radius r centred at c. Monte Carlo \
estimation draws uniform points in the ball and counts those that fall inside the rotated cube; \
the fraction, multiplied by the volume of the ball, estimates the volume of the intersection. \
The error of such an estimate shrinks like one over the square root of the number of samples, \
so a hundred times more samples buy one more decimal digit. Exact methods split the region into \
pieces whose volumes have closed forms, and the rest by careful numerical integration over the \
remaining"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for r in $(seq "$REPS"); do
    for th in 1 2; do
        for which in old new; do
            bin=$OLD
            [ "$which" = new ] && bin=$NEW
            if ! "$bin" run -m "$MODEL" -p "$PROMPT" -n 32 --temperature 0 --repeat-penalty 1 \
                --threads "$th" --json >"$tmp/out.json" 2>/dev/null; then
                echo "$0: $bin failed" >&2
                exit 1
            fi
            python3 - "$which" "$th" "$tmp/out.json" <<'EOF' | tee -a "$tmp/runs"
import json, sys
d = json.load(open(sys.argv[3]))
print(sys.argv[1], sys.argv[2], d["prompt_tokens"], round(d["prompt_tokens_per_second"], 2),
      round(d["generated_tokens_per_second"], 2), ",".join(map(str, d["tokens"])))
EOF
            echo "load $(cut -d' ' -f1 /proc/loadavg)"
        done
    done
done
python3 - "$tmp/runs" <<'EOF'
import statistics as st, sys
rows = [l.split() for l in open(sys.argv[1])]
print("threads  prompt tok/s old -> new (ratio)   generated tok/s old -> new (ratio)   same tokens")
for th in ("1", "2"):
    med = {}
    for w in ("old", "new"):
        r = [x for x in rows if x[0] == w and x[1] == th]
        med[w] = (st.median(float(x[3]) for x in r), st.median(float(x[4]) for x in r), {x[5] for x in r})
    same = med["old"][2] == med["new"][2] and len(med["old"][2]) == 1
    print("%7s  %8.1f -> %6.1f (%.2fx)          %8.1f -> %6.1f (%.2fx)             %s" % (
        th, med["old"][0], med["new"][0], med["new"][0] / med["old"][0],
        med["old"][1], med["new"][1], med["new"][1] / med["old"][1], "yes" if same else "NO"))
EOF
