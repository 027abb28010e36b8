#!/usr/bin/env bash
# mpi_bench.sh — what the MPI path costs on this machine (issue 15; docs/performance.md,
# "MPI: overhead and scaling"):
#   1. overhead: mpirun -np 2 so8t-mpi --threads 1 against so8t --threads 2, the same N and
#      seed (the same bits), wall time including the launch and the run's own "seconds";
#      median of 5, interleaved;
#   2. the reduction per round against the rank count (bench/mpi_reduce.c);
#   3. the exact fold against Neumaier (bench/bench_mc_xsum.c).
# Usage: bash bench/mpi_bench.sh [N] (default 2e8 cond samples at d = 8)
set -eu
cd "$(dirname "$0")/.."
N=${1:-2e8}
BIN=${BIN:-build/cpu/bin}
SO8T=$BIN/so8t
MPI=$BIN/so8t-mpi
[ -x "$SO8T" ] && [ -x "$MPI" ] || { echo "build first: make CUDA=0 BUILD=build/cpu BIN=build/cpu/bin" >&2; exit 1; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_plm=isolated
export OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_btl=self,vader
A="volume -d 8 -r 1.5 -n $N --method cond --backend cpu --json"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
lscpu | grep -E 'Model name|^CPU\(s\)' | sed 's/  */ /g'
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
secs() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["seconds"])' "$1"; }
est() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["estimate"], d["std_error"])' "$1"; }
: >"$T/one" ; : >"$T/two"
for r in 1 2 3 4 5; do
    s=$(date +%s.%N); "$SO8T" $A --threads 2 >"$T/o.json"; e=$(date +%s.%N)
    echo "$(python3 -c "print($e - $s)") $(secs "$T/o.json")" >>"$T/one"
    s=$(date +%s.%N); mpirun -np 2 "$MPI" $A --threads 1 >"$T/m.json"; e=$(date +%s.%N)
    echo "$(python3 -c "print($e - $s)") $(secs "$T/m.json")" >>"$T/two"
    [ "$(est "$T/o.json")" = "$(est "$T/m.json")" ] || echo "WARNING: different bits"
done
python3 - "$T/one" "$T/two" "$N" <<'PY'
import statistics, sys
one = [list(map(float, l.split())) for l in open(sys.argv[1])]
two = [list(map(float, l.split())) for l in open(sys.argv[2])]
n = float(sys.argv[3])
for k, what in ((0, "wall (launch included)"), (1, "run (JSON seconds)")):
    a = statistics.median(x[k] for x in one); b = statistics.median(x[k] for x in two)
    print(f"N = {n:.3g} cond d=8, median of 5, {what}: so8t 1 process x 2 threads {a:.3f} s, "
          f"so8t-mpi 2 ranks x 1 thread {b:.3f} s, ratio {b / a:.3f}")
PY
mpicc -O2 -std=c11 -D_GNU_SOURCE -Iinclude -I. -o "$T/mpi_reduce" bench/mpi_reduce.c build/cpu/libso8t.a -lcerf -lm
for np in 1 2 4 8; do mpirun -np $np "$T/mpi_reduce"; done
gcc -O3 -std=c11 -D_GNU_SOURCE -ffp-contract=off -Iinclude -I. -o "$T/xsum" bench/bench_mc_xsum.c build/cpu/libso8t.a -lm
"$T/xsum"
