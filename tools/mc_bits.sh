#!/usr/bin/env bash
# tools/mc_bits.sh SO8T [SO8T_OLD] — the statistic of every estimator on a fixed set of
# problems, to show that a refactoring kept every bit: for each problem the hit count (count
# methods) and the estimate and standard error to 17 significant digits (a double's sum
# bits round-trip through %.17g), on the CPU backend. With two binaries it prints both
# columns and exits 1 when any line differs.
set -u
new=${1:?usage: tools/mc_bits.sh SO8T [SO8T_OLD]}
old=${2:-}
n=2^17
problems=(
  "-d 3 -r 1.2 --method hit"   "-d 3 -r 1.2 --method ball"   "-d 3 -r 1.2 --method cond"
  "-d 3 -r 1.2 --method radial" "-d 3 -r 1.2 --method qmc"   "-d 3 -r 1.2 --method tilt"
  "-d 8 -r 1.5 --method hit"   "-d 8 -r 1.5 --method ball"   "-d 8 -r 1.5 --method cond"
  "-d 8 -r 1.5 --method radial" "-d 8 -r 1.5 --method qmc"   "-d 8 -r 1.5 --method tilt"
  "-d 16 -r 2.2 --center 0.3 --method hit" "-d 16 -r 2.2 --center 0.3 --method ball"
  "-d 16 -r 2.2 --center 0.3 --method cond" "-d 16 -r 2.2 --center 0.3 --method radial"
  "-d 16 -r 2.2 --center 0.3 --method qmc" "-d 16 -r 2.2 --center 0.3 --method tilt"
  "-d 40 -r 3.5 --method hit"  "-d 40 -r 3.5 --method cond"  "-d 40 -r 3.5 --method tilt"
  "-d 40 -r 3.5 --method qmc"  "-d 40 -r 3.5 --method ball"
  "-d 5 -r 1.3 --rotation haar --center 0.2 --method cond"
  "-d 8 -r 1.5 --surface --method ball" "-d 12 -r 2 --surface --method ball"
  "-d 8 -r 1.6 --orient-avg --center 0.4 --method hit"
  "-d 8 -r 1.6 --orient-avg --center 0.4 --method cond"
  "-d 8 -r 2.3 --complement --method hit" "-d 8 -r 2.3 --complement --method cond"
  "-d 8 -r 2.7 --complement --method tilt" "-d 8 -r 1.5 --method auto"
)
row() { # BIN PROBLEM -> "hits estimate std_error method"
    "$1" volume $2 -n $n --seed 7 --backend cpu --json 2>/dev/null | python3 -c '
import json, sys
j = json.load(sys.stdin)
print(j.get("hits", "-"), repr(j["estimate"]), repr(j["std_error"]), j["method"])'
}
rc=0
printf '| problem (-n %s --seed 7, CPU) | hits | estimate | std_error |%s\n' "$n" "${old:+ old = new |}"
printf '|---|---|---|---|%s\n' "${old:+---|}"
for p in "${problems[@]}"; do
    a=$(row "$new" "$p")
    set -- $a
    if [ -n "$old" ]; then
        b=$(row "$old" "$p")
        same=yes; [ "$a" = "$b" ] || { same="NO (old: $b)"; rc=1; }
        printf '| %s | %s | %s | %s | %s |\n' "$p" "$1" "$2" "$3" "$same"
    else
        printf '| %s | %s | %s | %s |\n' "$p" "$1" "$2" "$3"
    fi
done
exit $rc
