#!/usr/bin/env bash
# bench/run.sh — `make bench`: every benchmark program, medians of several runs, results as
# CSV in bench/results/ (named after the machine) and tables on stdout. Record what matters
# in docs/performance.md with the machine line printed here.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build/$( [ -x build/cuda/bench/bench_mc ] && echo cuda || echo cpu)}
out=bench/results
mkdir -p "$out"
host=$(hostname -s 2>/dev/null || echo host)
cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1)
echo "machine: ${cpu:-unknown CPU}, $(nproc) cores; $(date -u +%Y-%m-%dT%H:%MZ)"
command -v nvidia-smi >/dev/null && nvidia-smi -L 2>/dev/null | sed 's/^/gpu: /'
uptime | sed 's/^/load: /'
rc=0
for b in "$BUILD"/bench/bench_*; do
    [ -x "$b" ] || continue
    name=$(basename "$b")
    echo
    echo "== $name"
    case "$name" in
        bench_mc) "$b" --reps "${REPS:-3}" --csv "$out/${name}_${host}.csv" || rc=1 ;;
        *) "$b" | tee "$out/${name}_${host}.txt" || rc=1 ;;
    esac
done
exit $rc
